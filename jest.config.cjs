/**
 * One jest run for the whole monorepo. Tests import `@tfseg/*` from each package's `src/`
 * (moduleNameMapper), so they never wait for a build; the pack test proves the built output.
 * TypeScript is compiled by SWC (fast, no type-check: `pnpm typecheck` does that).
 */
/** ESM-only dependencies that jest (CommonJS) must transpile. */
const esmOnly = [
  'fast-png', 'iobuffer', 'pako', 'vega[^/]*', 'd3-[^/]*', 'internmap', 'delaunator', 'robust-predicates',
  'json-stringify-pretty-compact', 'pure-rand',
];
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/apps', '<rootDir>/tools', '<rootDir>/examples'],
  // packages/*/bench and packages/*/scripts: the plain .mjs helpers of the benchmark and build scripts, with their unit tests.
  testMatch: ['**/src/**/*.test.ts', '**/test/**/*.test.ts', '<rootDir>/packages/*/bench/*.test.ts', '<rootDir>/packages/*/scripts/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@tfseg-internal/testing$': '<rootDir>/tools/testing/index.ts',
    '^@tfseg/((?!bench)[a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    // vega-canvas probes for `canvas` with a top-level await (not loadable as CommonJS); map it to its no-canvas behaviour.
    '^vega-canvas$': '<rootDir>/apps/bench/src/report/__fixtures__/vega-canvas-without-canvas.cjs',
  },
  transform: {
    '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(${esmOnly.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  testTimeout: 120000,
};
