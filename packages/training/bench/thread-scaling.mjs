#!/usr/bin/env node
/* global process, console */
/**
 * What a second thread buys, on both sides, in one run: the U-Net training step of unet-step.mjs on
 * tfjs-wasm with 1 and with N native threads (one process: setNativeWorkerThreadsEnabled switches the
 * worker threads off and on between blocks; the results are the same bits either way), and its PyTorch
 * twin with 1 and with N threads (two persistent children). Build first (`pnpm build`), then:
 *
 *   node packages/training/bench/thread-scaling.mjs [--size 64] [--width 16] [--batch-norm] [--threads 2]
 *        [--warmup 8] [--blocks 10] [--block-steps 3] [--untimed 1] [--fma] [--no-torch] [--json]
 *
 * The four sides run interleaved in blocks (paired.mjs' runInterleaved: W warm-up steps each, then B
 * blocks of U untimed + K timed steps on each side, the side that goes first rotating), so every block
 * holds all four at one machine speed, and each ratio is the median over blocks of one block's two
 * medians: wasm N ÷ wasm 1, PyTorch N ÷ PyTorch 1, and wasm ÷ PyTorch at 1 and at N threads. Separate
 * processes cannot give the first two on this VM, whose speed drifts up to 2× within minutes.
 *
 * --json prints one object: { size, width, batchNorm, threads, batch, load, sides: { name: medianMs },
 * ratios: { name: { median, q1, q3, ratios } }, blocks }.
 */
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { PAIRED_DEFAULTS, blockRatios, median, runInterleaved, startTorchTwin } from './paired.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

function parseArguments(argv) {
  const options = { size: 64, width: 16, batchNorm: false, threads: 2, batch: 4, torch: true, json: false, fusedMultiplyAdd: false, ...PAIRED_DEFAULTS };
  const numbers = { '--size': 'size', '--width': 'width', '--threads': 'threads', '--batch': 'batch', '--warmup': 'warmup', '--blocks': 'blocks', '--block-steps': 'blockSteps', '--untimed': 'untimed' };
  const switches = { '--batch-norm': 'batchNorm', '--fma': 'fusedMultiplyAdd', '--json': 'json' };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === '--no-torch') options.torch = false;
    else if (switches[flag]) options[switches[flag]] = true;
    else if (numbers[flag]) {
      const value = Number(argv[++i]);
      const least = flag === '--warmup' || flag === '--untimed' ? 0 : flag === '--threads' ? 2 : 1;
      if (!Number.isInteger(value) || value < least) throw new Error(`thread-scaling: ${flag} must be an integer of at least ${least}, but got ${argv[i]}`);
      options[numbers[flag]] = value;
    } else throw new Error(`thread-scaling: unknown argument ${flag} (see the comment at the top of the script)`);
  }
  return options;
}

/** A step timer whose steps run with the native worker threads on (`enabled`) or off. */
function withWorkers(training, timer, enabled) {
  return {
    async time(steps) {
      training.setNativeWorkerThreadsEnabled(enabled);
      try {
        return await timer.time(steps);
      } finally {
        training.setNativeWorkerThreadsEnabled(true);
      }
    },
  };
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const training = await import(trainingModule);
  const { threads, reason } = await training.selectBackend('wasm', { threads: options.threads, fusedMultiplyAdd: options.fusedMultiplyAdd });
  if (threads < 2) throw new Error(`thread-scaling: the wasm backend runs on ${threads} thread (${reason}); it needs at least 2`);
  const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: options.size, baseWidth: options.width, batchNorm: options.batchNorm, output: 'logits', seed: 1 });
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const timer = training.createTrainingStepTimer({ model, loss, numClasses: 2, batchSize: options.batch });
  const sides = { 'wasm 1': withWorkers(training, timer, false), [`wasm ${threads}`]: withWorkers(training, timer, true) };
  const twins = [];
  const notes = [];
  try {
    if (options.torch) {
      for (const torchThreads of [1, threads]) {
        const args = ['--size', options.size, '--width', options.width, '--batch', options.batch, '--threads', torchThreads].concat(options.batchNorm ? ['--batch-norm'] : []);
        const twin = await startTorchTwin(join(here, 'unet_step_torch.py'), args);
        if (twin.skipped) notes.push(twin.skipped);
        else {
          twins.push(twin);
          sides[`PyTorch ${torchThreads}`] = twin;
        }
      }
    }
    const load = loadavg()[0];
    const blocks = await runInterleaved({ sides, warmup: options.warmup, blocks: options.blocks, blockSteps: options.blockSteps, untimed: options.untimed });
    const pairs = [
      [`wasm ${threads}`, 'wasm 1'],
      [`PyTorch ${threads}`, 'PyTorch 1'],
      ['wasm 1', 'PyTorch 1'],
      [`wasm ${threads}`, `PyTorch ${threads}`],
    ].filter(([a, b]) => sides[a] && sides[b]);
    const ratios = Object.fromEntries(pairs.map(([a, b]) => [`${a} / ${b}`, blockRatios(blocks, a, b)]));
    const medians = Object.fromEntries(Object.keys(sides).map((name) => [name, median(blocks.flatMap((block) => block.timed[name]))]));
    if (options.json) {
      console.log(JSON.stringify({ size: options.size, width: options.width, batchNorm: options.batchNorm, threads, batch: options.batch, load, sides: medians, ratios, blocks, notes }));
      return;
    }
    console.log(`tfjs ${tf.version.tfjs}: ${reason}; batch ${options.batch}, ${options.warmup} warm-up steps per side, then ${options.blocks} blocks of ${options.untimed} untimed + ${options.blockSteps} timed steps per side, rotating`);
    console.log(`\n${options.size}×${options.size}, base width ${options.width}${options.batchNorm ? ', batch norm' : ''} (load ${load.toFixed(2)}): median step ${Object.entries(medians).map(([name, ms]) => `${name} thread(s) ${ms.toFixed(1)} ms`).join(', ')}`);
    for (const [name, ratio] of Object.entries(ratios)) console.log(`  ${name}: ${ratio.median.toFixed(2)}× (quartiles ${ratio.q1.toFixed(2)}–${ratio.q3.toFixed(2)}; blocks ${ratio.ratios.map((r) => r.toFixed(2)).join(' ')})`);
    for (const note of notes) console.log(`  ${note}`);
  } finally {
    await Promise.all(twins.map((twin) => twin.close()));
    timer.dispose();
    model.dispose();
  }
}

await main();
