#!/usr/bin/env node
/* global process, console, performance */
/**
 * Per-layer time of the three convolution kernels of a U-Net step (forward Conv2D, Conv2DBackpropInput,
 * Conv2DBackpropFilter) on tfjs-wasm: tfseg's native SIMD kernels against the XNNPACK/JS compositions
 * they replace (setNativeKernelsEnabled(false)), in the same process. Build first, then:
 *
 *   node packages/training/bench/conv-kernels.mjs [--size 64] [--width 8] [--batch 4] [--threads 1|2|auto] [--runs 15]
 *
 * Layers: the 3×3 'same' convolutions of @tfseg/models' U-Net at that input size and base width
 * (encoder and decoder widths). Each cell is the median over --runs of 20 back-to-back calls, so the
 * filter is the same for every call (XNNPACK's cached operator: its best case; in training the
 * filter changes every step and XNNPACK repacks it).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

const options = { size: 64, width: 8, batch: 4, threads: 1, runs: 15 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const flag = argv[i];
  const value = argv[++i];
  if (flag === '--threads') options.threads = value === 'auto' ? 'auto' : Number(value);
  else if (['--size', '--width', '--batch', '--runs'].includes(flag)) options[flag.slice(2)] = Number(value);
  else throw new Error(`conv-kernels: unknown argument ${flag} (see the comment at the top of the script)`);
}

const training = await import(trainingModule);
const { reason } = await training.selectBackend('wasm', { threads: options.threads });
console.log(`${reason}\nbatch ${options.batch}, U-Net ${options.size}×${options.size} base ${options.width}; ms per call (median of ${options.runs} × 20 calls), GFLOP/s`);

/** [spatial size, in channels, out channels] of the U-Net's 3×3 convolutions (first of each pair, then second; decoder with the skip concat). */
function unetLayers(size, width) {
  const layers = [[size, 1, width], [size, width, width]];
  for (let level = 1; level <= 4; level++) {
    const s = size >> level;
    const c = width << level;
    layers.push([s, c / 2, c], [s, c, c]);
  }
  for (let level = 3; level >= 0; level--) {
    const s = size >> level;
    const c = width << level;
    layers.push([s, 2 * c, c]);
  }
  return layers;
}

const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];
const kernels = {
  Conv2D: (x, w) => tf.conv2d(x, w, 1, 'same'),
  Conv2DBackpropInput: (x, w, dy) => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: x.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
  Conv2DBackpropFilter: (x, w, dy) => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { filterShape: w.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
};
const rows = [];
for (const [size, inChannels, outChannels] of unetLayers(options.size, options.width)) {
  const x = tf.randomNormal([options.batch, size, size, inChannels], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, inChannels, outChannels], 0, 1, 'float32', 2);
  const dy = tf.randomNormal([options.batch, size, size, outChannels], 0, 1, 'float32', 3);
  const gflop = (2 * options.batch * size * size * 9 * inChannels * outChannels) / 1e9;
  for (const [name, kernel] of Object.entries(kernels)) {
    const cell = {};
    for (const native of [true, false]) {
      training.setNativeKernelsEnabled(native);
      kernel(x, w, dy).dispose();
      const times = [];
      for (let run = 0; run < options.runs; run++) {
        const start = performance.now();
        for (let call = 0; call < 20; call++) kernel(x, w, dy).dispose();
        tf.ones([1]).dataSync();
        times.push((performance.now() - start) / 20);
      }
      cell[native ? 'native' : 'fallback'] = median(times);
    }
    training.setNativeKernelsEnabled(true);
    rows.push({ layer: `${size}² ${inChannels}→${outChannels}`, kernel: name, nativeMs: cell.native, fallbackMs: cell.fallback, gflop });
  }
  tf.dispose([x, w, dy]);
}
console.log('| layer | kernel | native ms | GFLOP/s | fallback ms | GFLOP/s | fallback ÷ native |\n|---|---|---:|---:|---:|---:|---:|');
for (const row of rows) {
  console.log(`| ${row.layer} | ${row.kernel} | ${row.nativeMs.toFixed(3)} | ${(row.gflop / row.nativeMs * 1e3).toFixed(1)} | ${row.fallbackMs.toFixed(3)} | ${(row.gflop / row.fallbackMs * 1e3).toFixed(1)} | ${(row.fallbackMs / row.nativeMs).toFixed(2)} |`);
}
for (const name of Object.keys(kernels)) {
  const own = rows.filter((row) => row.kernel === name);
  const native = own.reduce((sum, row) => sum + row.nativeMs, 0);
  const fallback = own.reduce((sum, row) => sum + row.fallbackMs, 0);
  console.log(`${name}: all layers ${native.toFixed(2)} ms native, ${fallback.toFixed(2)} ms fallback (${(fallback / native).toFixed(2)}×)`);
}
