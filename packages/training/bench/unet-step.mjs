#!/usr/bin/env node
/**
 * The U-Net training step on tfjs-wasm (with @tfseg/training's wasm kernels) against the same step in
 * PyTorch CPU (unet_step_torch.py), side by side in one run. Run after `pnpm --filter @tfseg/training build`:
 *
 *   node packages/training/bench/unet-step.mjs [--steps 10] [--warmup 3] [--sizes 64:8,128:16] [--threads 2] [--profile]
 *
 * Step: plain U-Net (4 down / 4 up, two 3×3 conv+ReLU per level, 2×2 max-pool, 2×2 stride-2 transposed
 * conv up, skip concat, 1×1 head, no batch norm), 1 input channel, 2 classes, batch 4, ML loss
 * (Dice × CE, Eq. 5), Adam lr 1e-3. Prints the median step time of each side, their ratio, and with
 * --profile the time and GFLOP/s of each kernel of one wasm step.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { buildUnet, mlLoss, syntheticBatch } from './unet-step-model.mjs';
import { formatKernelProfile, kernelProfile } from './kernel-profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const kernelsModule = process.env.TFSEG_TRAINING_MODULE ?? join(here, '..', 'dist', 'index.js');

function parseArguments(argv) {
  const options = { steps: 10, warmup: 3, sizes: [[64, 8], [128, 16]], threads: 2, profile: false, torch: true, batch: 4 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--steps') options.steps = Number(value), i++;
    else if (flag === '--warmup') options.warmup = Number(value), i++;
    else if (flag === '--batch') options.batch = Number(value), i++;
    else if (flag === '--threads') options.threads = Number(value), i++;
    else if (flag === '--sizes') options.sizes = value.split(',').map((pair) => pair.split(':').map(Number)), i++;
    else if (flag === '--profile') options.profile = true;
    else if (flag === '--no-torch') options.torch = false;
    else throw new Error(`unet-step: unknown argument ${flag}`);
  }
  return options;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/** Builds the model, loss and optimizer and returns a function that runs one training step. */
function makeStep(size, width, batch) {
  const model = buildUnet({ size, width });
  const optimizer = tf.train.adam(1e-3);
  const { images, labels } = syntheticBatch(batch, size, 1);
  const step = () => {
    const loss = optimizer.minimize(() => mlLoss(labels, model.apply(images, { training: true })), true);
    const value = loss.dataSync()[0];
    loss.dispose();
    return value;
  };
  const dispose = () => {
    images.dispose();
    labels.dispose();
    optimizer.dispose();
    model.dispose();
  };
  return { step, dispose };
}

async function timeWasm(size, width, options) {
  const { step, dispose } = makeStep(size, width, options.batch);
  for (let i = 0; i < options.warmup; i++) step();
  const times = [];
  let loss = NaN;
  for (let i = 0; i < options.steps; i++) {
    const start = performance.now();
    loss = step();
    times.push(performance.now() - start);
  }
  const profile = options.profile ? await kernelProfile(step) : undefined;
  dispose();
  return { medianMs: median(times), times, loss, profile };
}

function timeTorch(size, width, options) {
  const script = join(here, 'unet_step_torch.py');
  const python = process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const args = [script, '--size', String(size), '--width', String(width), '--batch', String(options.batch), '--steps', String(options.steps), '--warmup', String(options.warmup), '--threads', String(options.threads)];
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.error) return { skipped: `PyTorch side skipped: cannot run ${python} (${run.error.message})` };
  if (run.status === 3) return { skipped: `PyTorch side skipped: ${run.stdout.trim() || 'torch is not installed'} (apt-get install -y python3-torch)` };
  if (run.status !== 0) return { skipped: `PyTorch side failed: ${run.stderr.trim().split('\n').pop()}` };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  await import('@tensorflow/tfjs-backend-wasm');
  if (options.threads > 1) setThreadsCount(options.threads);
  const { registerWasmTrainingKernels } = await import(kernelsModule);
  const kernels = registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  console.log(`tfjs ${tf.version.tfjs} wasm (${kernels.length} training kernels: ${kernels.join(', ')}); batch ${options.batch}, ${options.warmup} warm-up + ${options.steps} timed steps`);
  const rows = [];
  for (const [size, width] of options.sizes) {
    const wasm = await timeWasm(size, width, options);
    const torch = options.torch ? timeTorch(size, width, options) : { skipped: 'PyTorch side skipped: --no-torch' };
    const ratio = torch.medianMs ? wasm.medianMs / torch.medianMs : undefined;
    rows.push({ size, width, wasmMs: wasm.medianMs, torchMs: torch.medianMs, ratio });
    console.log(`\n${size}×${size}, base width ${width}: wasm median ${wasm.medianMs.toFixed(1)} ms (loss ${wasm.loss.toFixed(4)}; steps ${wasm.times.map((t) => t.toFixed(0)).join(' ')})`);
    if (torch.skipped) console.log(`  ${torch.skipped}`);
    else console.log(`  PyTorch ${torch.torchVersion} CPU, ${torch.threads} threads: median ${torch.medianMs.toFixed(1)} ms (loss ${torch.loss.toFixed(4)}) → wasm / PyTorch = ${ratio.toFixed(2)}×`);
    if (wasm.profile) console.log(formatKernelProfile(wasm.profile));
  }
  console.log(`\n${JSON.stringify(rows)}`);
  console.log(`wasm threads: ${tf.backend().wasm?.tfjs ? 'see --threads' : ''} ${options.threads}`);
}

await main();
