#!/usr/bin/env node
/* global process, console, performance */
/**
 * One training step of each @tfseg/models network on tfjs-wasm with @tfseg/training's kernels: proves
 * every gradient kernel they need exists on wasm and shows where the time goes. Build first, then:
 *
 *   node packages/training/bench/model-steps.mjs [--models unet,transunet,convformer-unet] [--size 64] [--steps 5] [--profile]
 *
 * Preset 'tiny', 1 input channel, 2 classes, batch 4, ML loss on logits, Adam lr 1e-3; median step time.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { formatKernelProfile, kernelProfile } from './kernel-profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

const options = { models: ['unet', 'transunet', 'convformer-unet'], size: 64, steps: 5, profile: false };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--models') options.models = String(argv[++i]).split(',');
  else if (argv[i] === '--size') options.size = Number(argv[++i]);
  else if (argv[i] === '--steps') options.steps = Number(argv[++i]);
  else if (argv[i] === '--profile') options.profile = true;
  else throw new Error(`model-steps: unknown argument ${argv[i]} (see the comment at the top of the script)`);
}

const { registerWasmTrainingKernels } = await import(trainingModule);
registerWasmTrainingKernels();
await tf.setBackend('wasm');
await tf.ready();
for (const name of options.models) {
  const model = buildModel({ name, preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: options.size, output: 'logits', seed: 1 });
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const optimizer = tf.train.adam(1e-3);
  const images = tf.randomUniform([4, options.size, options.size, 1], 0, 1, 'float32', 7);
  const labels = tf.tidy(() => tf.oneHot(tf.cast(tf.greater(images.reshape([4, options.size, options.size]), 0.5), 'int32'), 2).toFloat());
  const step = () => {
    const value = optimizer.minimize(() => loss(labels, model.apply(images, { training: true })), true);
    const result = value.dataSync()[0];
    value.dispose();
    return result;
  };
  step();
  step();
  const times = [];
  for (let i = 0; i < options.steps; i++) {
    const start = performance.now();
    step();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(`${name} (tiny, ${options.size}×${options.size}, ${model.countParams()} parameters): median step ${times[Math.floor(times.length / 2)].toFixed(1)} ms on wasm`);
  if (options.profile) console.log(formatKernelProfile(await kernelProfile(step, 3)));
  tf.dispose([images, labels]);
  optimizer.dispose();
  model.dispose();
}
