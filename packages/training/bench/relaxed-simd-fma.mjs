#!/usr/bin/env node
/* global process, console */
/**
 * Relaxed-SIMD FMA, measured and never shipped: builds native/*.c once more with
 * `-mrelaxed-simd -DTFSEG_RELAXED_FMA` (the convolutions' multiply-adds become f32x4.relaxed_madd,
 * native/kernels.h' MADD), puts those modules into a temporary copy of the built package, and times the
 * convolution kernels of both builds with bench/conv-kernels.mjs under `node
 * --experimental-wasm-relaxed-simd` (Node 20 / V8 11.3 accepts relaxed SIMD only behind that flag) and
 * `--no-liftoff` (optimised code from the first call, so that V8's background tier-up of either freshly
 * compiled module does not land inside the timed calls), alternating the two builds. Build first (`pnpm --filter @tfseg/training build`), then:
 *
 *   node packages/training/bench/relaxed-simd-fma.mjs [--rounds 3] [conv-kernels.mjs arguments…]
 *
 * Default conv-kernels arguments: --size 64 --width 16 --threads 1 --cpu --no-fallback --runs 7 --calls 10.
 * clang 14 (Debian 12) emits the pre-standard relaxed FMA opcode (0xfd 0xaf 0x01, operands a, b, c for
 * a·b + c), which V8 11.3 rejects; the script rewrites it to the standard relaxed_madd (0xfd 0x85 0x02,
 * same operand order) after checking that the default build has no such byte sequence at all (so the
 * rewrite touches only the FMA instructions). It also prints how far the FMA build's outputs are from
 * the default build's (relaxed_madd fuses on x64 with FMA3, so roundings differ).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileNative } from '../scripts/compile-native.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..');
const argv = process.argv.slice(2);
let rounds = 3;
const roundsAt = argv.indexOf('--rounds');
if (roundsAt >= 0) {
  rounds = Number(argv[roundsAt + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`relaxed-simd-fma: --rounds must be a positive integer, but got ${argv[roundsAt + 1]}`);
  argv.splice(roundsAt, 2);
}
const kernelArguments = argv.length > 0 ? argv : ['--size', '64', '--width', '16', '--threads', '1', '--cpu', '--no-fallback', '--runs', '7', '--calls', '10'];

const PRE_STANDARD = [0xfd, 0xaf, 0x01];
const STANDARD = [0xfd, 0x85, 0x02];
function occurrences(bytes) {
  const found = [];
  for (let i = 0; i + 2 < bytes.length; i++) if (bytes[i] === PRE_STANDARD[0] && bytes[i + 1] === PRE_STANDARD[1] && bytes[i + 2] === PRE_STANDARD[2]) found.push(i);
  return found;
}

const plainBuild = compileNative();
const fmaBuild = compileNative(['-mrelaxed-simd', '-DTFSEG_RELAXED_FMA']);
const built = readFileSync(join(packageRoot, 'dist', 'index.js'), 'utf8');
let patched = built;
for (const [variant, bytes] of Object.entries(fmaBuild)) {
  if (occurrences(plainBuild[variant]).length > 0) throw new Error(`relaxed-simd-fma: the default ${variant} module contains the byte sequence to rewrite; the rewrite would not be safe`);
  const sites = occurrences(bytes);
  for (const at of sites) bytes.set(STANDARD, at);
  console.log(`${variant}: ${sites.length} relaxed_madd instructions`);
  const base64 = plainBuild[variant].toString('base64');
  if (!built.includes(base64)) throw new Error(`relaxed-simd-fma: dist/index.js does not embed the modules native/*.c compiles to; rebuild (pnpm --filter @tfseg/training build:native && pnpm --filter @tfseg/training build)`);
  patched = patched.replace(base64, bytes.toString('base64'));
}
const directory = mkdtempSync(join(tmpdir(), 'tfseg-fma-'));
try {
  cpSync(join(packageRoot, 'dist'), join(directory, 'dist'), { recursive: true });
  writeFileSync(join(directory, 'dist', 'index.js'), patched);
  symlinkSync(join(packageRoot, 'node_modules'), join(directory, 'node_modules'));
  const builds = { default: join(packageRoot, 'dist', 'index.js'), fma: join(directory, 'dist', 'index.js') };
  const run = (module, script, args) => {
    const result = spawnSync(process.execPath, ['--experimental-wasm-relaxed-simd', '--no-liftoff', script, ...args], { encoding: 'utf8', env: { ...process.env, TFSEG_TRAINING_MODULE: module } });
    if (result.status !== 0) throw new Error(`relaxed-simd-fma: ${script} failed: ${result.stderr}`);
    return result.stdout;
  };
  const [fused, unfused] = ['fma', 'default'].map((name) => {
    const file = join(directory, `${name}.f32`);
    run(builds[name], join(here, 'relaxed-simd-fma-difference.mjs'), [file]);
    const bytes = readFileSync(file);
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  });
  let largestGap = 0;
  let largestValue = 0;
  let differing = 0;
  unfused.forEach((value, i) => {
    const gap = Math.abs(value - fused[i]);
    largestGap = Math.max(largestGap, gap);
    largestValue = Math.max(largestValue, Math.abs(value));
    if (gap !== 0) differing++;
  });
  console.log(`outputs of the FMA build against the default build (Conv2D, input and filter gradients of 64², 16 → 16 and 4², 256 → 256): ${differing} of ${unfused.length} values differ, by at most ${largestGap.toExponential(2)} (${(largestGap / largestValue).toExponential(2)} of the largest value)`);
  const times = { default: [], fma: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of ['default', 'fma']) times[name].push(JSON.parse(run(builds[name], join(here, 'conv-kernels.mjs'), [...kernelArguments, '--json']).trim().split('\n').pop()));
  }
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
  console.log(`conv-kernels.mjs ${kernelArguments.join(' ')}; medians of ${rounds} alternating rounds\n| layer | × | kernel | default ms | FMA ms | default ÷ FMA |\n|---|---:|---|---:|---:|---:|`);
  const totals = {};
  times.default[0].forEach((row, index) => {
    const before = median(times.default.map((rows) => rows[index].nativeMs));
    const after = median(times.fma.map((rows) => rows[index].nativeMs));
    const total = (totals[row.kernel] ??= { before: 0, after: 0 });
    total.before += row.count * before;
    total.after += row.count * after;
    console.log(`| ${row.layer} | ${row.count} | ${row.kernel} | ${before.toFixed(3)} | ${after.toFixed(3)} | ${(before / after).toFixed(2)} |`);
  });
  for (const [kernel, { before, after }] of Object.entries(totals)) console.log(`${kernel}: the layers of one step ${before.toFixed(2)} ms default, ${after.toFixed(2)} ms FMA (${(before / after).toFixed(2)}×)`);
} finally {
  rmSync(directory, { recursive: true, force: true });
}
