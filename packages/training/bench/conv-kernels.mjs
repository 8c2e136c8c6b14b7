#!/usr/bin/env node
/* global process, console, performance */
/**
 * Per-layer time of the convolution kernels of a U-Net step (forward Conv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter) on tfjs-wasm: tfseg's native SIMD kernels against the XNNPACK/JS compositions
 * they replace (setNativeKernelsEnabled(false)), in the same process. Build first, then:
 *
 *   node packages/training/bench/conv-kernels.mjs [--size 64] [--width 8] [--batch 4] [--threads 1|2|auto] [--fma]
 *        [--runs 15] [--calls 20] [--no-fallback] [--cpu] [--kernels Conv2D,Conv2DBackpropInput,Conv2DBackpropFilter,ConvTranspose]
 *        [--layers 64:1:16,8:128:128] [--json]
 *
 * Layers: every distinct 3×3 'same' convolution of @tfseg/models' U-Net at that input size and base
 * width (1 input channel: the first layer; encoder, bottleneck and decoder pairs, the decoder's first
 * conv after the skip concat), with how many of them one step runs; --layers S:Ci:Co,… times those
 * instead. ConvTranspose is the forward pass of the decoder's 2×2 stride-2 transposed convolutions
 * (a Conv2DBackpropInput whose kernel tiles the output), from S/2² × 2C to S² × C. Each cell is the median over --runs of --calls back-to-back calls, so the filter is the same
 * for every call (XNNPACK's cached operator: its best case; in training the filter changes every step
 * and XNNPACK repacks it). --cpu times with the process' CPU time instead of the wall clock: on one
 * thread that is the kernel's own time even on a loaded machine (a descheduled process uses no CPU);
 * with more threads it sums them. --no-fallback leaves out the XNNPACK/JS side. The "step" totals weigh
 * each layer by its count in the U-Net. TFSEG_TRAINING_MODULE=path/to/dist/index.js times another build
 * (for A/B comparisons, alternating runs; run them as `node --no-liftoff …`: otherwise V8 tiers a changed
 * module's kernels up in the background while the first layers are timed, which measured up to 3× slow).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

const KERNEL_NAMES = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'ConvTranspose'];
const options = { size: 64, width: 8, batch: 4, threads: 1, runs: 15, calls: 20, fallback: true, cpu: false, json: false, kernels: KERNEL_NAMES, layers: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const flag = argv[i];
  if (flag === '--no-fallback') options.fallback = false;
  else if (flag === '--cpu') options.cpu = true;
  else if (flag === '--json') options.json = true;
  else if (flag === '--fma') options.fusedMultiplyAdd = true;
  else {
    const value = argv[++i];
    if (value === undefined) throw new Error(`conv-kernels: ${flag} needs a value (see the comment at the top of the script)`);
    if (flag === '--threads') options.threads = value === 'auto' ? 'auto' : Number(value);
    else if (flag === '--kernels') {
      options.kernels = value.split(',');
      const unknown = options.kernels.filter((name) => !KERNEL_NAMES.includes(name));
      if (unknown.length > 0) throw new Error(`conv-kernels: --kernels takes ${KERNEL_NAMES.join(', ')}, but got ${unknown.join(', ')}`);
    } else if (flag === '--layers') options.layers = value.split(',').map((layer) => [...layer.split(':').map(Number), 1]);
    else if (['--size', '--width', '--batch', '--runs', '--calls'].includes(flag)) options[flag.slice(2)] = Number(value);
    else throw new Error(`conv-kernels: unknown argument ${flag} (see the comment at the top of the script)`);
  }
}

const training = await import(trainingModule);
const { reason } = await training.selectBackend('wasm', { threads: options.threads, fusedMultiplyAdd: options.fusedMultiplyAdd === true });
const log = options.json ? () => {} : console.log;
log(`${reason}\nbatch ${options.batch}, U-Net ${options.size}×${options.size} base ${options.width}; ms per call (median of ${options.runs} × ${options.calls} calls, ${options.cpu ? 'process CPU time' : 'wall clock'}), GFLOP/s`);

/** [spatial size, in channels, out channels, count per step] of the U-Net's distinct 3×3 convolutions. */
function unetLayers(size, width) {
  const counts = new Map();
  const add = (s, ci, co) => counts.set(`${s}:${ci}:${co}`, (counts.get(`${s}:${ci}:${co}`) ?? 0) + 1);
  add(size, 1, width);
  add(size, width, width);
  for (let level = 1; level <= 4; level++) {
    const s = size >> level;
    const c = width << level;
    add(s, c / 2, c);
    add(s, c, c);
  }
  for (let level = 3; level >= 0; level--) {
    const s = size >> level;
    const c = width << level;
    add(s, 2 * c, c);
    add(s, c, c);
  }
  return [...counts].map(([key, count]) => [...key.split(':').map(Number), count]);
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const now = options.cpu
  ? () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1000;
    }
  : () => performance.now();
const kernels = {
  Conv2D: (x, w) => tf.conv2d(x, w, 1, 'same'),
  Conv2DBackpropInput: (x, w, dy) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: x.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
  Conv2DBackpropFilter: (x, w, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { filterShape: w.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
};
const rows = [];
const timeKernel = (kernel) => {
  const cell = {};
  for (const native of options.fallback ? [true, false] : [true]) {
    training.setNativeKernelsEnabled(native);
    // Warm-up calls: V8 compiles the kernels' optimised code in the background after a few calls.
    for (let call = 0; call < 3; call++) kernel().dispose();
    const times = [];
    for (let run = 0; run < options.runs; run++) {
      const start = now();
      for (let call = 0; call < options.calls; call++) kernel().dispose();
      tf.ones([1]).dataSync();
      times.push((now() - start) / options.calls);
    }
    cell[native ? 'native' : 'fallback'] = median(times);
  }
  training.setNativeKernelsEnabled(true);
  return cell;
};
for (const [size, inChannels, outChannels, count] of options.layers ?? unetLayers(options.size, options.width)) {
  const x = tf.randomNormal([options.batch, size, size, inChannels], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, inChannels, outChannels], 0, 1, 'float32', 2);
  const dy = tf.randomNormal([options.batch, size, size, outChannels], 0, 1, 'float32', 3);
  const gflop = (2 * options.batch * size * size * 9 * inChannels * outChannels) / 1e9;
  for (const name of options.kernels.filter((kernel) => kernel !== 'ConvTranspose')) {
    const cell = timeKernel(() => kernels[name](x, w, dy));
    rows.push({ layer: `${size}² ${inChannels}→${outChannels}`, count, kernel: name, nativeMs: cell.native, fallbackMs: cell.fallback, gflop });
  }
  tf.dispose([x, w, dy]);
}
if (options.kernels.includes('ConvTranspose') && options.layers === undefined) {
  for (let level = 3; level >= 0; level--) {
    const size = options.size >> level;
    const channels = options.width << level;
    const dy = tf.randomNormal([options.batch, size / 2, size / 2, 2 * channels], 0, 1, 'float32', 4);
    const w = tf.randomNormal([2, 2, channels, 2 * channels], 0, 1, 'float32', 5);
    const attributes = { inputShape: [options.batch, size, size, channels], strides: [2, 2], pad: 'valid', dataFormat: 'NHWC' };
    const cell = timeKernel(() => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, attributes));
    const gflop = (2 * options.batch * size * size * channels * 2 * channels) / 1e9;
    rows.push({ layer: `${size / 2}² ${2 * channels}→${size}² ${channels}`, count: 1, kernel: 'ConvTranspose', nativeMs: cell.native, fallbackMs: cell.fallback, gflop });
    tf.dispose([dy, w]);
  }
}
if (options.json) {
  console.log(JSON.stringify(rows));
} else {
  const fixed = (value, digits) => (value === undefined ? '–' : value.toFixed(digits));
  console.log('| layer | × | kernel | native ms | GFLOP/s | fallback ms | GFLOP/s | fallback ÷ native |\n|---|---:|---|---:|---:|---:|---:|---:|');
  for (const row of rows) {
    const fallbackRate = row.fallbackMs === undefined ? undefined : (row.gflop / row.fallbackMs) * 1e3;
    const ratio = row.fallbackMs === undefined ? undefined : row.fallbackMs / row.nativeMs;
    console.log(`| ${row.layer} | ${row.count} | ${row.kernel} | ${row.nativeMs.toFixed(3)} | ${((row.gflop / row.nativeMs) * 1e3).toFixed(1)} | ${fixed(row.fallbackMs, 3)} | ${fixed(fallbackRate, 1)} | ${fixed(ratio, 2)} |`);
  }
  for (const name of options.kernels) {
    const own = rows.filter((row) => row.kernel === name);
    const native = own.reduce((sum, row) => sum + row.count * row.nativeMs, 0);
    const fallback = own.reduce((sum, row) => sum + row.count * (row.fallbackMs ?? 0), 0);
    const rate = own.reduce((sum, row) => sum + row.count * row.gflop, 0) / native;
    console.log(`${name}: one step's layers ${native.toFixed(2)} ms native (${(rate * 1e3).toFixed(1)} GFLOP/s)${options.fallback ? `, ${fallback.toFixed(2)} ms fallback (${(fallback / native).toFixed(2)}×)` : ''}`);
  }
}
