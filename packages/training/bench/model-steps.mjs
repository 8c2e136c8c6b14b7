#!/usr/bin/env node
/* global process, console */
/**
 * One training step of each @tfseg/models network on tfjs-wasm with @tfseg/training's kernels: proves
 * every gradient kernel they need exists on wasm and shows where the time goes. Build first, then:
 *
 *   node packages/training/bench/model-steps.mjs [--models unet,transunet,convformer-unet] [--size 64] [--steps 5]
 *                                                [--threads 1|2|auto] [--no-native] [--profile] [--torch-threads N]
 *
 * Preset 'tiny', 1 input channel, 2 classes, batch 4, ML loss on logits, the step of train()
 * (measureTrainingStep, the package's Adam); median step time. --no-native turns tfseg's native SIMD
 * kernels off (XNNPACK/JS compositions only) for comparison. --torch-threads N also times the PyTorch CPU
 * twin of TransUNet and ConvFormer+U-Net (model_step_torch.py: same layers, same parameter count, checked;
 * the same batch, size, loss and optimizer) with N threads right after each wasm model, and prints the
 * ratio of the two medians. The U-Net's twin is unet-step.mjs'.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { formatKernelProfile, kernelProfile } from './kernel-profile.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

const options = { models: ['unet', 'transunet', 'convformer-unet'], preset: 'tiny', size: 64, steps: 5, profile: false, threads: 1, native: true, batch: 4, width: undefined, batchNorm: undefined, torchThreads: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--models') options.models = String(argv[++i]).split(',');
  else if (argv[i] === '--size') options.size = Number(argv[++i]);
  else if (argv[i] === '--preset') options.preset = argv[++i];
  else if (argv[i] === '--width') options.width = Number(argv[++i]);
  else if (argv[i] === '--batch') options.batch = Number(argv[++i]);
  else if (argv[i] === '--batch-norm') options.batchNorm = true;
  else if (argv[i] === '--no-batch-norm') options.batchNorm = false;
  else if (argv[i] === '--steps') options.steps = Number(argv[++i]);
  else if (argv[i] === '--profile') options.profile = true;
  else if (argv[i] === '--threads') options.threads = argv[++i] === 'auto' ? 'auto' : Number(argv[i]);
  else if (argv[i] === '--no-native') options.native = false;
  else if (argv[i] === '--torch-threads') options.torchThreads = Number(argv[++i]);
  else throw new Error(`model-steps: unknown argument ${argv[i]} (see the comment at the top of the script)`);
}

const { measureTrainingStep, selectBackend, setNativeKernelsEnabled } = await import(trainingModule);
setNativeKernelsEnabled(options.native);
const { reason } = await selectBackend('wasm', { threads: options.threads });
console.log(reason);
for (const name of options.models) {
  const model = buildModel({ name, preset: options.preset, inChannels: 1, numClasses: 2, inputSize: options.size, baseWidth: options.width, batchNorm: options.batchNorm, output: 'logits', seed: 1 });
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const measure = (warmupSteps, steps) => measureTrainingStep({ model, loss, numClasses: 2, batchSize: options.batch, warmupSteps, steps });
  const { medianStepMs } = await measure(2, options.steps);
  console.log(`${name} (${options.preset}${options.width ? `, base ${options.width}` : ''}${options.batchNorm === undefined ? '' : options.batchNorm ? ', batch norm' : ', no batch norm'}, ${options.size}×${options.size}, ${model.countParams()} parameters): median step ${medianStepMs.toFixed(1)} ms on wasm`);
  if (options.profile) console.log(formatKernelProfile(await kernelProfile(() => measure(0, 1), 3)));
  if (options.torchThreads !== undefined) console.log(torchTwin(name, model.countParams(), medianStepMs));
  model.dispose();
}

/** Times the PyTorch twin of `name` (model_step_torch.py) with the same settings; returns the line to print. */
function torchTwin(name, parameters, wasmMs) {
  if (name === 'unet') return '  PyTorch twin: see unet-step.mjs (the U-Net twin)';
  if (options.width !== undefined || options.batchNorm !== undefined) return '  PyTorch twin: only for the presets as they are (no --width, --batch-norm)';
  const args = [join(here, 'model_step_torch.py'), '--model', name, '--preset', options.preset, '--size', String(options.size), '--batch', String(options.batch), '--steps', String(options.steps), '--warmup', '2', '--threads', String(options.torchThreads)];
  // Debian's python3-torch lives in /usr/bin/python3 (a pyenv python3 on the PATH has no torch).
  const run = spawnSync(process.env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'), args, { encoding: 'utf8' });
  if (run.status !== 0) return `  PyTorch twin: not run (${(run.stdout + run.stderr).trim().split('\n').pop()})`;
  const torch = JSON.parse(run.stdout.trim().split('\n').pop());
  if (torch.parameters !== parameters) throw new Error(`model-steps: the PyTorch twin of ${name} has ${torch.parameters} parameters, the tfjs model ${parameters}`);
  return `  PyTorch ${torch.torchVersion} twin, ${torch.threads} thread(s): median step ${torch.medianMs.toFixed(1)} ms; wasm / PyTorch = ${(wasmMs / torch.medianMs).toFixed(2)}`;
}
