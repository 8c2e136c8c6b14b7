#!/usr/bin/env node
/* global process, console */
/**
 * Relaxed-SIMD FMA against the default build: the package ships both (selectBackend's opt-in
 * `fusedMultiplyAdd`; scripts/relaxed-madd.mjs says how the modules are made), so this times the
 * convolution kernels with bench/conv-kernels.mjs in alternating processes, with and without `--fma`, both
 * under `--no-liftoff` (optimised code from the first call, so that V8's background tier-up of a freshly
 * compiled module does not land inside the timed calls). It also prints how far the FMA outputs are
 * from the default ones (relaxed_madd fuses on x64 with FMA3, so roundings differ). Build first
 * (`pnpm --filter @tfseg/training build`), then:
 *
 *   node packages/training/bench/relaxed-simd-fma.mjs [--rounds 3] [conv-kernels.mjs arguments…]
 *
 * Default conv-kernels arguments: --size 64 --width 16 --threads 1 --cpu --no-fallback --runs 7 --calls 10.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
let rounds = 3;
const roundsAt = argv.indexOf('--rounds');
if (roundsAt >= 0) {
  rounds = Number(argv[roundsAt + 1]);
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`relaxed-simd-fma: --rounds must be a positive integer, but got ${argv[roundsAt + 1]}`);
  argv.splice(roundsAt, 2);
}
const kernelArguments = argv.length > 0 ? argv : ['--size', '64', '--width', '16', '--threads', '1', '--cpu', '--no-fallback', '--runs', '7', '--calls', '10'];
const flags = { default: [], fma: ['--fma'] };

const directory = mkdtempSync(join(tmpdir(), 'tfseg-fma-'));
try {
  const run = (script, args) => {
    const result = spawnSync(process.execPath, ['--no-liftoff', script, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`relaxed-simd-fma: ${script} failed: ${result.stderr}`);
    return result.stdout;
  };
  const [fused, unfused] = ['fma', 'default'].map((name) => {
    const file = join(directory, `${name}.f32`);
    run(join(here, 'relaxed-simd-fma-difference.mjs'), [file, ...flags[name]]);
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
  console.log(`outputs with fused multiply-adds against the default (Conv2D, input and filter gradients of 64², 16 → 16 and 4², 256 → 256): ${differing} of ${unfused.length} values differ, by at most ${largestGap.toExponential(2)} (${(largestGap / largestValue).toExponential(2)} of the largest value)`);
  const times = { default: [], fma: [] };
  for (let round = 0; round < rounds; round++) {
    for (const name of ['default', 'fma']) times[name].push(JSON.parse(run(join(here, 'conv-kernels.mjs'), [...kernelArguments, ...flags[name], '--json']).trim().split('\n').pop()));
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
