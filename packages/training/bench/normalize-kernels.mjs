#!/usr/bin/env node
/* global process, console, Buffer */
/**
 * CPU time per call of TfsegNormalizeForward and TfsegNormalizeGrad (native/normalize.c) on the shapes of
 * TransUNet's and ConvFormer+U-Net's `tiny` steps (64×64, batch 4: GroupNormalization `[B, H, W, G, K]`
 * and layer norms over the last axis), for several builds of @tfseg/training in one process: each block
 * registers one build's kernels (registerWasmTrainingKernels replaces the other's) and times it, the
 * builds alternating by round, so a drifting machine load falls on both. Build each first, then:
 *
 *   node --no-liftoff packages/training/bench/normalize-kernels.mjs --builds old=/path/a/dist/index.js,new=/path/b/dist/index.js
 *                                                      [--rounds 7] [--calls 100]
 *
 * One thread (the first build starts the backend; the others instantiate their native kernels lazily on
 * it). Each cell: median over rounds of the process' CPU time of --calls back-to-back calls (on one
 * thread the kernel's own time even on a loaded machine). Also checks that every build's outputs are
 * the same bits. The totals weigh each shape by its calls in one step.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { NORMALIZE_FORWARD, NORMALIZE_GRAD } from '@tfseg/models';

/** [x shape, reduced axes, γ shape, calls in one step, model]; from tf.profile of each model's step. */
const CASES = [
  [[4, 32, 32, 8, 1], [1, 2, 4], [8, 1], 1, 'transunet'],
  [[4, 16, 16, 8, 1], [1, 2, 4], [8, 1], 2, 'transunet'],
  [[4, 16, 16, 32, 1], [1, 2, 4], [32, 1], 2, 'transunet'],
  [[4, 16, 16, 16, 1], [1, 2, 4], [16, 1], 1, 'transunet'],
  [[4, 8, 8, 16, 1], [1, 2, 4], [16, 1], 1, 'transunet'],
  [[4, 8, 8, 32, 2], [1, 2, 4], [32, 2], 2, 'transunet'],
  [[4, 8, 8, 32, 1], [1, 2, 4], [32, 1], 1, 'transunet'],
  [[4, 4, 4, 32, 1], [1, 2, 4], [32, 1], 1, 'transunet'],
  [[4, 4, 4, 32, 4], [1, 2, 4], [32, 4], 2, 'transunet'],
  [[4, 16, 64], [2], [64], 5, 'transunet'],
  [[4, 16, 16, 16], [3], [16], 4, 'convformer-unet'],
  [[4, 8, 8, 32], [3], [32], 3, 'convformer-unet'],
  [[4, 4, 4, 64], [3], [64], 3, 'convformer-unet'],
  [[4, 2, 2, 128], [3], [128], 2, 'convformer-unet'],
];

const options = { builds: [], rounds: 7, calls: 100 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--builds') options.builds = String(argv[++i]).split(',').map((entry) => entry.split('='));
  else if (argv[i] === '--rounds') options.rounds = Number(argv[++i]);
  else if (argv[i] === '--calls') options.calls = Number(argv[++i]);
  else throw new Error(`normalize-kernels: unknown argument ${argv[i]} (see the comment at the top of the script)`);
}
if (options.builds.length === 0 || options.builds.some((entry) => entry.length !== 2)) throw new Error('normalize-kernels: --builds name=/path/to/dist/index.js,… is required');

const builds = [];
for (const [name, path] of options.builds) builds.push({ name, module: await import(path) });
await builds[0].module.selectBackend('wasm', { threads: 1 });

/** Microseconds of CPU time per call of `run` (its outputs disposed), after a few warm-up calls. */
function cpuMicroseconds(run) {
  for (let i = 0; i < 10; i++) tf.dispose(run());
  const start = process.cpuUsage();
  for (let i = 0; i < options.calls; i++) tf.dispose(run());
  const used = process.cpuUsage(start);
  return (used.user + used.system) / options.calls;
}

const times = new Map(builds.map(({ name }) => [name, CASES.map(() => ({ forward: [], gradient: [] }))]));
const digests = CASES.map(() => undefined);
for (let round = 0; round < options.rounds; round++) {
  const order = round % 2 === 0 ? builds : [...builds].reverse();
  CASES.forEach(([shape, axes, scaleShape], index) => {
    const x = tf.randomUniform(shape, -1, 1, 'float32', 1);
    const scale = tf.randomUniform(scaleShape, 0.5, 1.5, 'float32', 2);
    const offset = tf.randomUniform(scaleShape, -0.1, 0.1, 'float32', 3);
    const dy = tf.randomUniform(shape, -1, 1, 'float32', 4);
    for (const { name, module } of order) {
      module.registerWasmTrainingKernels();
      const forward = () => tf.engine().runKernel(NORMALIZE_FORWARD, { x, scale, offset }, { axes, epsilon: 1e-5 });
      const outputs = forward();
      const [, normalized, inverseDeviation] = outputs;
      const gradient = () => tf.engine().runKernel(NORMALIZE_GRAD, { dy, normalized, inverseDeviation, scale }, { axes, epsilon: 1e-5, offset: true });
      const gradients = gradient();
      const digest = [...outputs, ...gradients].map((tensor) => Buffer.from(tensor.dataSync().buffer).toString('base64')).join('|');
      digests[index] ??= digest;
      if (digests[index] !== digest) throw new Error(`normalize-kernels: ${name}'s outputs for [${shape.join(', ')}] are not the other builds' bits`);
      tf.dispose(gradients);
      const cell = times.get(name)[index];
      cell.forward.push(cpuMicroseconds(forward));
      cell.gradient.push(cpuMicroseconds(gradient));
      tf.dispose(outputs);
    }
    tf.dispose([x, scale, offset, dy]);
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
console.log(`${'x (calls per step)'.padEnd(26)}${builds.map(({ name }) => `${`${name} forward µs`.padStart(20)}${'gradient µs'.padStart(13)}`).join('')}`);
const totals = new Map(builds.map(({ name }) => [name, {}]));
CASES.forEach(([shape, , , calls, model], index) => {
  const cells = builds.map(({ name }) => {
    const forward = median(times.get(name)[index].forward);
    const gradient = median(times.get(name)[index].gradient);
    const total = (totals.get(name)[model] ??= { forward: 0, gradient: 0 });
    total.forward += calls * forward;
    total.gradient += calls * gradient;
    return `${forward.toFixed(1).padStart(20)}${gradient.toFixed(1).padStart(13)}`;
  });
  console.log(`${`[${shape.join(', ')}] (${calls})`.padEnd(26)}${cells.join('')}`);
});
for (const { name } of builds) {
  const perModel = Object.entries(totals.get(name)).map(([model, { forward, gradient }]) => `${model} ${(forward / 1000).toFixed(2)} + ${(gradient / 1000).toFixed(2)} ms`);
  console.log(`${name}: one step's calls (forward + gradient): ${perModel.join(', ')}`);
}
console.log('outputs: the same bits in every build');
