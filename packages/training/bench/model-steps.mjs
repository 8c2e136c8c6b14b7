#!/usr/bin/env node
/* global process, console */
/**
 * One training step of each @tfseg/models network on tfjs-wasm with @tfseg/training's kernels: proves
 * every gradient kernel they need exists on wasm and shows where the time goes. Build first, then:
 *
 *   node packages/training/bench/model-steps.mjs [--models unet,transunet,convformer-unet] [--size 64] [--steps 5]
 *                                                [--threads 1|2|auto] [--fma] [--no-native] [--profile] [--torch-threads N]
 *                                                [--method paired|rounds] [--warmup W] [--blocks B] [--block-steps K] [--untimed U]
 *
 * Preset 'tiny', 1 input channel, 2 classes, batch 4, ML loss on logits, the step of train()
 * (measureTrainingStep, the package's Adam); median step time. --no-native turns tfseg's native SIMD
 * kernels off (XNNPACK/JS compositions only) for comparison. --torch-threads N also times the PyTorch CPU
 * twin of TransUNet and ConvFormer+U-Net (model_step_torch.py: same layers, same parameter count, checked;
 * the same batch, size, loss and optimizer) with N threads, by unet-step.mjs' method (session 9): the
 * twin runs as a persistent child (`--serve`) and the two sides alternate in blocks (W warm-up steps per
 * side, then B blocks of U untimed + K timed steps per side, alternating which goes first; defaults from
 * paired.mjs, measured as unet-step.mjs' header says), printing the median of the per-block ratios (wasm
 * block median ÷ PyTorch block median) with their quartiles. `--method rounds` keeps the old way (all wasm
 * steps, then a whole PyTorch process, ratio of the two medians) for comparison. Where there is no twin:
 * the U-Net's is unet-step.mjs'; the presets changed by --width or --batch-norm have none (the twins are
 * written for the presets as they are). Without --torch-threads only the wasm side runs (--steps timed
 * steps after 2 warm-up), as before.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { formatKernelProfile, kernelProfile } from './kernel-profile.mjs';
import { PAIRED_DEFAULTS, runPaired, startTorchTwin, torchPython } from './paired.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

const options = { models: ['unet', 'transunet', 'convformer-unet'], preset: 'tiny', size: 64, steps: 5, profile: false, threads: 1, native: true, batch: 4, width: undefined, batchNorm: undefined, torchThreads: undefined, method: 'paired', ...PAIRED_DEFAULTS };
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
  else if (argv[i] === '--fma') options.fusedMultiplyAdd = true;
  else if (argv[i] === '--no-native') options.native = false;
  else if (argv[i] === '--torch-threads') options.torchThreads = Number(argv[++i]);
  else if (argv[i] === '--method') options.method = argv[++i];
  else if (argv[i] === '--warmup') options.warmup = Number(argv[++i]);
  else if (argv[i] === '--blocks') options.blocks = Number(argv[++i]);
  else if (argv[i] === '--block-steps') options.blockSteps = Number(argv[++i]);
  else if (argv[i] === '--untimed') options.untimed = Number(argv[++i]);
  else throw new Error(`model-steps: unknown argument ${argv[i]} (see the comment at the top of the script)`);
}
if (options.method !== 'paired' && options.method !== 'rounds') throw new Error(`model-steps: --method must be paired or rounds, but got ${options.method}`);

const { createTrainingStepTimer, measureTrainingStep, selectBackend, setNativeKernelsEnabled } = await import(trainingModule);
setNativeKernelsEnabled(options.native);
const { reason } = await selectBackend('wasm', { threads: options.threads, fusedMultiplyAdd: options.fusedMultiplyAdd === true });
console.log(reason);
for (const name of options.models) {
  const model = buildModel({ name, preset: options.preset, inChannels: 1, numClasses: 2, inputSize: options.size, baseWidth: options.width, batchNorm: options.batchNorm, output: 'logits', seed: 1 });
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const measure = (warmupSteps, steps) => measureTrainingStep({ model, loss, numClasses: 2, batchSize: options.batch, warmupSteps, steps });
  const twinArgs = torchTwinArguments(name);
  if (options.torchThreads !== undefined && options.method === 'paired' && Array.isArray(twinArgs)) {
    console.log(await pairedWithTwin(name, model, loss, twinArgs));
    if (options.profile) console.log(formatKernelProfile(await kernelProfile(() => measure(0, 1), 3)));
    model.dispose();
    continue;
  }
  const { medianStepMs } = await measure(2, options.steps);
  console.log(`${name} (${options.preset}${options.width ? `, base ${options.width}` : ''}${options.batchNorm === undefined ? '' : options.batchNorm ? ', batch norm' : ', no batch norm'}, ${options.size}×${options.size}, ${model.countParams()} parameters): median step ${medianStepMs.toFixed(1)} ms on wasm`);
  if (options.profile) console.log(formatKernelProfile(await kernelProfile(() => measure(0, 1), 3)));
  if (options.torchThreads !== undefined) console.log(Array.isArray(twinArgs) ? torchTwin(name, model.countParams(), medianStepMs, twinArgs) : twinArgs);
  model.dispose();
}

/** The twin script's arguments for `name` (the script first), or the line that says why there is none. */
function torchTwinArguments(name) {
  if (name === 'unet') return '  PyTorch twin: see unet-step.mjs (the U-Net twin)';
  if (options.width !== undefined || options.batchNorm !== undefined) return '  PyTorch twin: only for the presets as they are (no --width, --batch-norm)';
  return [join(here, 'model_step_torch.py'), '--model', name, '--preset', options.preset, '--size', String(options.size), '--batch', String(options.batch), '--threads', String(options.torchThreads)];
}

/** The twin's parameter count must be the tfjs model's (the twin is faithful in size). */
function checkParameters(name, twinParameters, parameters) {
  if (twinParameters !== parameters) throw new Error(`model-steps: the PyTorch twin of ${name} has ${twinParameters} parameters, the tfjs model ${parameters}`);
}

/** The paired, interleaved measurement against the persistent twin (paired.mjs); returns the lines to print. */
async function pairedWithTwin(name, model, loss, twinArgs) {
  const describe = `${name} (${options.preset}, ${options.size}×${options.size}, ${model.countParams()} parameters)`;
  const twin = await startTorchTwin(twinArgs[0], twinArgs.slice(1));
  if (twin.skipped) return `${describe}: ${twin.skipped}`;
  const timer = createTrainingStepTimer({ model, loss, numClasses: 2, batchSize: options.batch });
  try {
    checkParameters(name, twin.info.parameters, model.countParams());
    const paired = await runPaired({ wasm: timer, torch: twin, warmup: options.warmup, blocks: options.blocks, blockSteps: options.blockSteps, untimed: options.untimed });
    return `${describe}: median step ${paired.wasmMs.toFixed(1)} ms on wasm\n  PyTorch ${twin.info.torchVersion} twin, ${twin.info.threads} thread(s): median step ${paired.torchMs.toFixed(1)} ms; paired wasm / PyTorch = ${paired.median.toFixed(2)} (quartiles ${paired.q1.toFixed(2)}–${paired.q3.toFixed(2)} over ${paired.ratios.length} blocks of ${options.blockSteps} steps)`;
  } finally {
    timer.dispose();
    await twin.close();
  }
}

/** The old way (--method rounds): a whole PyTorch process after the wasm steps; returns the line to print. */
function torchTwin(name, parameters, wasmMs, twinArgs) {
  const args = [...twinArgs, '--steps', String(options.steps), '--warmup', '2'];
  const run = spawnSync(torchPython(), args, { encoding: 'utf8' });
  if (run.status !== 0) return `  PyTorch twin: not run (${(run.stdout + run.stderr).trim().split('\n').pop()})`;
  const torch = JSON.parse(run.stdout.trim().split('\n').pop());
  checkParameters(name, torch.parameters, parameters);
  return `  PyTorch ${torch.torchVersion} twin, ${torch.threads} thread(s): median step ${torch.medianMs.toFixed(1)} ms; wasm / PyTorch = ${(wasmMs / torch.medianMs).toFixed(2)}`;
}
