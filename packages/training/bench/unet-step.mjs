#!/usr/bin/env node
/* global process, console, performance */
/**
 * The U-Net training step on tfjs-wasm (with @tfseg/training's wasm kernels) against the same step in
 * PyTorch CPU (unet_step_torch.py), side by side in one run. Build first (`pnpm build`), then:
 *
 *   node packages/training/bench/unet-step.mjs [--steps 10] [--warmup 3] [--sizes 64:8,128:16]
 *                                              [--torch-threads 2,1] [--wasm-threads auto] [--batch-norm] [--rounds 1]
 *                                              [--profile] [--profile-shapes] [--no-torch] [--no-native] [--json]
 *
 * Step: @tfseg/models' plain U-Net (4 down / 4 up, two 3×3 conv+ReLU per level, 2×2 max-pool, 2×2
 * stride-2 transposed conv up, skip concat, 1×1 head, no batch norm) — with --batch-norm the U-Net of the
 * `small`/`tiny` presets (3×3 conv without bias, batch norm, ReLU), its PyTorch twin with BatchNorm2d —
 * 1 input channel, 2 classes,
 * batch 4, @tfseg/losses' ML loss (Dice × CE, Eq. 5) on logits, Adam lr 1e-3: on wasm the step of
 * @tfseg/training's train() (measureTrainingStep), with the package's Adam. Prints the median step
 * time of each side and their ratio; --profile adds the time and GFLOP/s of each wasm kernel, --profile-shapes those of each
 * convolution shape;
 * --wasm-threads N|auto sets the threads of the wasm backend (selectBackend's `threads`; default
 * auto = one per core, as PyTorch's default); --no-native turns tfseg's native SIMD kernels off (the
 * XNNPACK/JS compositions only), for comparison. --rounds R repeats wasm and PyTorch R times in turn
 * (side by side, in one run) and prints each round's ratio and the median ratio.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { convolutionShapeProfile, formatKernelProfile, kernelProfile } from './kernel-profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// The built package; TFSEG_TRAINING_MODULE points elsewhere while developing the kernels.
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

function parseArguments(argv) {
  const options = { steps: 10, warmup: 3, sizes: [[64, 8], [128, 16]], torchThreads: [2, 1], wasmThreads: 'auto', profile: false, profileShapes: false, torch: true, batch: 4, json: false, native: true, batchNorm: false, rounds: 1 };
  const number = (flag, value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`unet-step: ${flag} must be a positive integer, but got ${value}`);
    return parsed;
  };
  const valued = {
    '--steps': (value) => (options.steps = number('--steps', value)),
    '--warmup': (value) => (options.warmup = number('--warmup', value)),
    '--batch': (value) => (options.batch = number('--batch', value)),
    '--rounds': (value) => (options.rounds = number('--rounds', value)),
    '--wasm-threads': (value) => (options.wasmThreads = value === 'auto' ? 'auto' : number('--wasm-threads', value)),
    '--torch-threads': (value) => (options.torchThreads = String(value).split(',').map((threads) => number('--torch-threads', threads))),
    '--sizes': (value) => (options.sizes = String(value).split(',').map((pair) => pair.split(':').map((part) => number('--sizes', part)))),
  };
  const switches = { '--batch-norm': () => (options.batchNorm = true), '--no-native': () => (options.native = false), '--profile': () => (options.profile = true), '--profile-shapes': () => (options.profileShapes = true), '--no-torch': () => (options.torch = false), '--json': () => (options.json = true) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag in valued) valued[flag](argv[++i]);
    else if (flag in switches) switches[flag]();
    else throw new Error(`unet-step: unknown argument ${flag} (see the comment at the top of the script)`);
  }
  return options;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** The U-Net of the step (same as unet_step_torch.py), plain or with batch norm, freshly initialised. */
function buildUnet(size, width, batchNorm) {
  return buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: size, baseWidth: width, batchNorm, output: 'logits', seed: 1 });
}

/**
 * Times the step that @tfseg/training's train() runs (measureTrainingStep: forward, ML loss, gradients,
 * the package's Adam, loss read back) on the wasm backend, and profiles its kernels on request.
 */
async function timeWasm(training, size, width, options) {
  const model = buildUnet(size, width, options.batchNorm);
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const measure = (warmupSteps, steps) => training.measureTrainingStep({ model, loss, numClasses: 2, batchSize: options.batch, warmupSteps, steps });
  const { medianStepMs, stepTimesMs } = await measure(options.warmup, options.steps);
  const profile = options.profile ? await kernelProfile(() => measure(0, 1)) : undefined;
  const shapes = options.profileShapes ? await convolutionShapeProfile(() => measure(0, 1)) : undefined;
  model.dispose();
  return { medianMs: medianStepMs, times: stepTimesMs, profile, shapes };
}

function timeTorch(size, width, threads, options) {
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = [join(here, 'unet_step_torch.py'), '--size', size, '--width', width, '--batch', options.batch, '--steps', options.steps, '--warmup', options.warmup, '--threads', threads].map(String).concat(options.batchNorm ? ['--batch-norm'] : []);
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.error) return { threads, skipped: `PyTorch side skipped: cannot run ${python} (${run.error.message})` };
  if (run.status === 3) return { threads, skipped: `PyTorch side skipped: ${run.stdout.trim()} (Debian: apt-get install -y python3-torch)` };
  if (run.status !== 0) return { threads, skipped: `PyTorch side failed: ${run.stderr.trim().split('\n').pop()}` };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const training = await import(trainingModule);
  const { selectBackend, setNativeKernelsEnabled } = training;
  setNativeKernelsEnabled(options.native);
  const { threads, reason } = await selectBackend('wasm', { threads: options.wasmThreads });
  const log = options.json ? () => {} : console.log;
  log(`tfjs ${tf.version.tfjs}: ${reason}; batch ${options.batch}, ${options.warmup} warm-up + ${options.steps} timed steps`);
  const rows = [];
  for (const [size, width] of options.sizes) {
    const ratios = [];
    for (let round = 1; round <= options.rounds; round++) {
      const wasm = await timeWasm(training, size, width, options);
      const torch = options.torch ? options.torchThreads.map((threads) => timeTorch(size, width, threads, options)) : [];
      const reference = torch[0]?.medianMs;
      const ratio = reference ? wasm.medianMs / reference : undefined;
      if (ratio !== undefined) ratios.push(ratio);
      rows.push({ size, width, batchNorm: options.batchNorm, round, batch: options.batch, wasmThreads: threads, wasmMs: wasm.medianMs, torch: torch.map(({ threads, medianMs, skipped }) => ({ threads, medianMs, skipped })), ratio });
      log(`\n${size}×${size}, base width ${width}${options.batchNorm ? ', batch norm' : ''}${options.rounds > 1 ? `, round ${round}` : ''}: tfjs wasm median ${wasm.medianMs.toFixed(1)} ms (steps ${wasm.times.map((t) => t.toFixed(0)).join(' ')})`);
      if (!options.torch) log('  PyTorch side skipped: --no-torch');
      for (const side of torch) {
        if (side.skipped) log(`  ${side.skipped}`);
        else log(`  PyTorch ${side.torchVersion} CPU, ${side.threads} thread(s): median ${side.medianMs.toFixed(1)} ms (loss ${side.loss.toFixed(4)}) → wasm / PyTorch = ${(wasm.medianMs / side.medianMs).toFixed(2)}×`);
      }
      if (wasm.profile) log(formatKernelProfile(wasm.profile));
      if (wasm.shapes) log(wasm.shapes);
    }
    if (ratios.length > 1) log(`  median ratio over ${ratios.length} rounds (wasm / PyTorch ${options.torchThreads[0]} thread(s)): ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(', ')})`);
  }
  if (options.json) console.log(JSON.stringify(rows));
}

await main();
