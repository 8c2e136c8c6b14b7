#!/usr/bin/env node
// Pack test: proves that every publishable package installs from its tarball with plain npm into an
// empty project beside @tensorflow/tfjs, and loads from both `import` (ESM) and `require` (CJS).
//   1. `pnpm pack` each packages/* (builds are assumed done: `pnpm build`), then `publint` each tarball;
//   2. `npm install` all tarballs together (so @tfseg/* → @tfseg/* dependencies resolve to the local
//      tarballs) plus @tensorflow/tfjs@4.22.0, in a fresh temp project;
//   3. for each package, from a .mjs and a .cjs file: the module loads, both builds expose the same
//      export names, non-empty when src/index.ts exports values; then the optional smoke snippet
//      tools/pack-test/smoke/<package dir>.cjs runs against each build.
// Usage: node tools/pack-test/run.mjs [--keep]   (exit 1 with a one-line reason per failure)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // import.meta.dirname needs Node ≥ 20.11
const root = resolve(here, '../..');
const keep = process.argv.includes('--keep');
const TFJS = '@tensorflow/tfjs@4.22.0';
// The optional peer of @tfseg/training, so its smoke snippet can start the threaded wasm build.
const TFJS_WASM = '@tensorflow/tfjs-backend-wasm@4.22.0';
const started = Date.now();
const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`FAIL ${message}`);
};
const log = (message) => console.log(`[pack-test ${((Date.now() - started) / 1000).toFixed(0)}s] ${message}`);

function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`\`${command} ${args.join(' ')}\` failed in ${cwd}:\n${output}`);
  }
}

/** True when src/index.ts exports at least one value (not only types / `export {}`). */
function exportsValues(packageDir) {
  const source = readFileSync(join(packageDir, 'src/index.ts'), 'utf8');
  return /^export\s+(?!type\b|\{\s*\}|\*\s+as\s+\w+\s+from\s+['"][^'"]+['"];?\s*$)/m.test(source.replace(/^export\s+\{\s*\};?$/gm, ''));
}

const packages = readdirSync(join(root, 'packages'))
  .map((name) => ({ dir: join(root, 'packages', name), short: name }))
  .filter(({ dir }) => existsSync(join(dir, 'package.json')))
  .map((entry) => ({ ...entry, manifest: JSON.parse(readFileSync(join(entry.dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

const work = mkdtempSync(join(tmpdir(), 'tfseg-pack-test-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
mkdirSync(tarballs);
mkdirSync(project);

try {
  // 1. pack + publint
  const packed = [];
  for (const entry of packages) {
    if (!existsSync(join(entry.dir, 'dist'))) {
      fail(`${entry.manifest.name}: no dist/ in packages/${entry.short} — run \`pnpm build\` first`);
      continue;
    }
    const before = new Set(readdirSync(tarballs));
    run('pnpm', ['pack', '--pack-destination', tarballs], entry.dir);
    const tarball = readdirSync(tarballs).find((file) => !before.has(file));
    if (!tarball) {
      fail(`${entry.manifest.name}: pnpm pack produced no tarball`);
      continue;
    }
    try {
      const report = run(join(root, 'node_modules/.bin/publint'), ['run', join(tarballs, tarball), '--level', 'warning'], root).trim();
      if (report && !/All good/i.test(report)) console.log(`publint ${entry.manifest.name}:\n${report}`);
    } catch (error) {
      fail(`${entry.manifest.name}: publint reported errors\n${error.message}`);
    }
    packed.push({ ...entry, tarball: join(tarballs, tarball) });
  }
  log(`packed ${packed.length} package(s): ${packed.map((entry) => entry.manifest.name).join(', ')}`);

  // 2. one npm install of every tarball + tfjs
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tfseg-pack-test', version: '0.0.0', private: true }, null, 2));
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...packed.map((entry) => entry.tarball), TFJS, TFJS_WASM], project);
  log(`npm install of the tarballs, ${TFJS} and ${TFJS_WASM} done`);

  // 3. import + require each package
  for (const entry of packed) {
    const name = entry.manifest.name;
    const smoke = join(here, 'smoke', `${entry.short}.cjs`);
    const smokeLine = existsSync(smoke) ? `await require(${JSON.stringify(smoke)})(pkg, require('@tensorflow/tfjs'));` : '';
    const body = (load) => `
const pkg = ${load};
const keys = Object.keys(pkg).filter((key) => key !== 'default' && key !== '__esModule').sort();
${smokeLine}
console.log(JSON.stringify(keys));`;
    writeFileSync(join(project, `check-${entry.short}.mjs`), `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${body(`await import(${JSON.stringify(name)})`)}`);
    writeFileSync(join(project, `check-${entry.short}.cjs`), `(async () => {${body(`require(${JSON.stringify(name)})`)}})().catch((error) => { console.error(error.stack ?? error); process.exit(1); });`);
    const keys = {};
    for (const format of ['mjs', 'cjs']) {
      try {
        keys[format] = JSON.parse(run(process.execPath, [`check-${entry.short}.${format}`], project).trim().split('\n').pop());
      } catch (error) {
        fail(`${name}: ${format === 'mjs' ? 'import (ESM)' : 'require (CJS)'} failed\n${error.message}`);
      }
    }
    if (!keys.mjs || !keys.cjs) continue;
    if (JSON.stringify(keys.mjs) !== JSON.stringify(keys.cjs)) {
      fail(`${name}: ESM and CJS builds export different names\n  import:  ${keys.mjs.join(', ')}\n  require: ${keys.cjs.join(', ')}`);
    } else if (keys.mjs.length === 0 && exportsValues(entry.dir)) {
      fail(`${name}: src/index.ts exports values but the installed package exposes none`);
    } else {
      log(`${name}: import and require OK (${keys.mjs.length} exports${existsSync(smoke) ? ', smoke snippet passed' : ''})`);
    }
  }
} catch (error) {
  fail(error.message);
} finally {
  if (keep || failures.length > 0) console.log(`work directory kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`\npack test FAILED (${failures.length} problem(s)) in ${((Date.now() - started) / 1000).toFixed(0)}s`);
  process.exit(1);
}
log('pack test passed');
