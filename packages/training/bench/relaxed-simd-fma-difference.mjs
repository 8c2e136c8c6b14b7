#!/usr/bin/env node
/* global process, Buffer */
/**
 * Helper of relaxed-simd-fma.mjs: writes the outputs of Conv2D, Conv2DBackpropInput and
 * Conv2DBackpropFilter on fixed random inputs (64², 16 → 16 and 4², 256 → 256, batch 4, one thread),
 * computed by the build in TFSEG_TRAINING_MODULE (with fused multiply-adds under `--fma`), as raw
 * float32 to the file given as the first argument.
 */
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const training = await import(process.env.TFSEG_TRAINING_MODULE || new URL('../dist/index.js', import.meta.url).href);
await training.selectBackend('wasm', { threads: 1, fusedMultiplyAdd: process.argv.includes('--fma') });
const values = [];
for (const [size, inChannels, outChannels] of [[64, 16, 16], [4, 256, 256]]) {
  const x = tf.randomNormal([4, size, size, inChannels], 0, 1, 'float32', 1);
  const w = tf.randomNormal([3, 3, inChannels, outChannels], 0, 1, 'float32', 2);
  const dy = tf.randomNormal([4, size, size, outChannels], 0, 1, 'float32', 3);
  const results = [
    tf.conv2d(x, w, 1, 'same'),
    tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: x.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
    tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { filterShape: w.shape, strides: [1, 1], pad: 'same', dataFormat: 'NHWC' }),
  ];
  for (const result of results) values.push(Buffer.from(result.dataSync().slice().buffer));
  tf.dispose([x, w, dy, ...results]);
}
writeFileSync(process.argv[2], Buffer.concat(values));
