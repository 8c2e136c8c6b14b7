import { defineConfig, type Options } from 'tsup';

const common: Options = {
  sourcemap: true,
  target: 'es2022',
  // import.meta.url (presets, baselines next to dist/) also works in the CJS build.
  shims: true,
};

export default defineConfig([
  { ...common, entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: { entry: 'src/index.ts' }, clean: true },
  // The command-line program runs from its CommonJS build (see src/cli.ts): dist/main.cjs.
  { ...common, entry: ['src/main.ts'], format: ['cjs'] },
  // dist/cli.js, the `bin`: an ES-module launcher of dist/main.cjs.
  { ...common, entry: ['src/cli.ts'], format: ['esm'] },
]);
