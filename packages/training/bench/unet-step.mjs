#!/usr/bin/env node
/* global process, console, performance */
/**
 * The U-Net training step on tfjs-wasm (with @tfseg/training's wasm kernels) against the same step in
 * PyTorch CPU (unet_step_torch.py), side by side in one run. Build first (`pnpm build`), then:
 *
 *   node packages/training/bench/unet-step.mjs [--sizes 64:8,128:16] [--torch-threads 2,1] [--wasm-threads auto]
 *                                              [--batch-norm] [--method paired|rounds] [--warmup W]
 *                                              [--blocks 10] [--block-steps 3] [--untimed 1] [--rounds 1]
 *                                              [--steps 10] [--profile] [--profile-shapes] [--no-torch]
 *                                              [--no-native] [--json] [--pause-ms P] [--omp-wait-policy POLICY]
 *
 * Step: @tfseg/models' plain U-Net (4 down / 4 up, two 3×3 conv+ReLU per level, 2×2 max-pool, 2×2
 * stride-2 transposed conv up, skip concat, 1×1 head, no batch norm) — with --batch-norm the U-Net of the
 * `small`/`tiny` presets (3×3 conv without bias, batch norm, ReLU), its PyTorch twin with BatchNorm2d —
 * 1 input channel, 2 classes, batch 4, @tfseg/losses' ML loss (Dice × CE, Eq. 5) on logits, Adam lr 1e-3:
 * on wasm the step of @tfseg/training's train() (createTrainingStepTimer, measureTrainingStep's step),
 * with the package's Adam. --fma runs the native kernels with fused multiply-adds (selectBackend's
 * opt-in `fusedMultiplyAdd`). --wasm-threads N|auto sets the threads of the wasm backend (selectBackend's
 * `threads`; default auto = one per core, as PyTorch's default); --no-native turns tfseg's native SIMD
 * kernels off (the XNNPACK/JS compositions only), for comparison.
 *
 * Method (session 9, the default `--method paired`; paired.mjs): this VM's speed drifts up to 2× within
 * minutes, so timing all wasm steps and then a PyTorch process (the old `--method rounds`, kept for
 * comparison) puts the drift straight into the ratio (0.56–1.22× over six runs, 1 thread, BN `small`).
 * Instead the PyTorch twin runs as a persistent child (`unet_step_torch.py --serve`: same model, init
 * and thread count, taking `steps K` on stdin) and the sides alternate: W warm-up steps on each side,
 * then B blocks of U untimed + K timed steps on each side, alternating which side goes first. Each block
 * pair gives a ratio (wasm block median ÷ PyTorch block median); the script reports the median of those
 * ratios with their quartiles, and each side's median step (0.79–0.84× over six runs alternating with those).
 * Measured for the defaults (BENCHMARKS.md, "Method: paired, interleaved blocks (session 9)"):
 * - warm-up W = 8: a fresh process's steps ÷ an already-warm process's steps of the same program, step by
 *   step in alternation (drift-free), reach 1.0 after ~5 steps on wasm (1 thread 4.6, 1.7, 1.27, 1.12,
 *   1.20, then 0.97–1.05; 2 threads 3.9, 1.46, 1.19, then ~1.0) and after 1–2 on PyTorch (1.24 / 1.6,
 *   then ~1.0); the 10–15 falling steps seen in single runs are the VM's drift, not warm-up.
 * - one untimed step per block (U = 1), no OMP_WAIT_POLICY: the first step of a block runs 1.03–1.11×
 *   the block's others on both sides (caches the other side evicted), which the untimed step absorbs.
 *   PyTorch's OpenMP pool spins only 3–5 ms of CPU after a block at 2 threads (per-thread schedstat of
 *   the idle child; 0 at 1 thread), the wasm workers 1–5 ms, so the hand-over costs the next side at
 *   most a few % of its first step. So PyTorch keeps its default wait policy, as users run it:
 *   OMP_WAIT_POLICY=PASSIVE would also change how its threads wait between the parallel regions inside
 *   every step, i.e. its steady state. Caution, measured: when other processes load the VM (load 5–7 on
 *   2 vCPUs), PyTorch's default 2-thread step collapses to 1.3–2.3 s (spinning OpenMP barriers without a
 *   free core) where PASSIVE gives 0.18–0.31 s, and no method gives a meaningful 2-thread ratio then: the
 *   rows carry the 1-minute load average (`load`) so that such runs can be told apart.
 *   `--omp-wait-policy POLICY` and `--pause-ms P` (a quiet gap before every block) exist for experiments.
 * - K = 3, B = 10: a block pair lasts ~1–2 s, far shorter than the drift's minutes, and 40 steps a side
 *   in ~15–30 s keep one figure affordable.
 * With --no-torch only the wasm side runs: `--warmup` (default 3) then `--steps` timed steps, as before.
 * --rounds R repeats the whole measurement R times and prints each round's ratio and their median.
 * --profile adds the time and GFLOP/s of each wasm kernel of one more step, --profile-shapes those of
 * each convolution shape.
 *
 * --json prints one array of rows. Every row: { size, width, batchNorm, round, batch, wasmThreads,
 * method, warmup, load (1-minute load average at the start of the row), wasmMs, torch: [...], ratio }. Paired rows (extended in session 9) also carry blocks,
 * blockSteps, untimed and ratioQuartiles [q1, q3] (of the first PyTorch thread count, as `ratio`), and
 * each torch entry { threads, medianMs, skipped?, wasmMs (wasm's median in that pairing), ratio,
 * ratioQuartiles, ratios (one per block), firstStep (first step ÷ the rest, per side), blocks ({ first,
 * wasm, torch, wasmAll, torchAll }: timed steps, and all steps of the block) }. Rounds rows carry
 * wasmTimes and each torch entry's times.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
import { convolutionShapeProfile, formatKernelProfile, kernelProfile } from './kernel-profile.mjs';
import { PAIRED_DEFAULTS, median, runPaired, startTorchTwin, summarise, torchPython } from './paired.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// The built package; TFSEG_TRAINING_MODULE points elsewhere while developing the kernels.
const trainingModule = process.env.TFSEG_TRAINING_MODULE || join(here, '..', 'dist', 'index.js');

function parseArguments(argv) {
  const options = { steps: 10, warmup: undefined, sizes: [[64, 8], [128, 16]], torchThreads: [2, 1], wasmThreads: 'auto', profile: false, profileShapes: false, torch: true, batch: 4, json: false, native: true, batchNorm: false, rounds: 1, method: 'paired', blocks: PAIRED_DEFAULTS.blocks, blockSteps: PAIRED_DEFAULTS.blockSteps, untimed: PAIRED_DEFAULTS.untimed, pauseMs: 0, ompWaitPolicy: undefined };
  const number = (flag, value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`unet-step: ${flag} must be a positive integer, but got ${value}`);
    return parsed;
  };
  const count = (flag, value) => (Number(value) === 0 && String(value).trim() !== '' ? 0 : number(flag, value));
  const valued = {
    '--steps': (value) => (options.steps = number('--steps', value)),
    '--warmup': (value) => (options.warmup = count('--warmup', value)),
    '--batch': (value) => (options.batch = number('--batch', value)),
    '--rounds': (value) => (options.rounds = number('--rounds', value)),
    '--wasm-threads': (value) => (options.wasmThreads = value === 'auto' ? 'auto' : number('--wasm-threads', value)),
    '--torch-threads': (value) => (options.torchThreads = String(value).split(',').map((threads) => number('--torch-threads', threads))),
    '--blocks': (value) => (options.blocks = number('--blocks', value)),
    '--block-steps': (value) => (options.blockSteps = number('--block-steps', value)),
    '--untimed': (value) => (options.untimed = count('--untimed', value)),
    '--pause-ms': (value) => (options.pauseMs = count('--pause-ms', value)),
    '--omp-wait-policy': (value) => (options.ompWaitPolicy = value),
    '--method': (value) => {
      if (value !== 'paired' && value !== 'rounds') throw new Error(`unet-step: --method must be paired or rounds, but got ${value}`);
      options.method = value;
    },
    '--sizes': (value) => (options.sizes = String(value).split(',').map((pair) => pair.split(':').map((part) => number('--sizes', part)))),
  };
  const switches = { '--batch-norm': () => (options.batchNorm = true), '--no-native': () => (options.native = false), '--profile': () => (options.profile = true), '--profile-shapes': () => (options.profileShapes = true), '--no-torch': () => (options.torch = false), '--json': () => (options.json = true), '--fma': () => (options.fusedMultiplyAdd = true) };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag in valued) valued[flag](argv[++i]);
    else if (flag in switches) switches[flag]();
    else throw new Error(`unet-step: unknown argument ${flag} (see the comment at the top of the script)`);
  }
  options.warmup ??= options.method === 'paired' && options.torch ? PAIRED_DEFAULTS.warmup : 3;
  return options;
}

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
  const python = torchPython();
  const args = [join(here, 'unet_step_torch.py'), '--size', size, '--width', width, '--batch', options.batch, '--steps', options.steps, '--warmup', options.warmup, '--threads', threads].map(String).concat(options.batchNorm ? ['--batch-norm'] : []);
  const run = spawnSync(python, args, { encoding: 'utf8' });
  if (run.error) return { threads, skipped: `PyTorch side skipped: cannot run ${python} (${run.error.message})` };
  if (run.status === 3) return { threads, skipped: `PyTorch side skipped: ${run.stdout.trim()} (Debian: apt-get install -y python3-torch)` };
  if (run.status !== 0) return { threads, skipped: `PyTorch side failed: ${run.stderr.trim().split('\n').pop()}` };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

/**
 * The paired, interleaved method (paired.mjs): one wasm step timer and one persistent PyTorch child per
 * thread count, alternating in blocks. Returns the row's `torch` entries.
 */
async function pairWithTorch(timer, size, width, options) {
  const sides = [];
  for (const threads of options.torchThreads) {
    const args = [join(here, 'unet_step_torch.py'), '--size', size, '--width', width, '--batch', options.batch, '--threads', threads].concat(options.batchNorm ? ['--batch-norm'] : []);
    const twin = await startTorchTwin(args[0], args.slice(1), torchEnvironment(options));
    if (twin.skipped) {
      sides.push({ threads, skipped: twin.skipped });
      continue;
    }
    try {
      const paired = await runPaired({ wasm: timer, torch: twin, warmup: options.warmup, blocks: options.blocks, blockSteps: options.blockSteps, untimed: options.untimed, pauseMs: options.pauseMs });
      sides.push({ threads: twin.info.threads, torchVersion: twin.info.torchVersion, loss: twin.lastLoss, medianMs: paired.torchMs, ...paired });
    } finally {
      await twin.close();
    }
  }
  return sides;
}

/** The PyTorch child's environment: ours, plus OMP_WAIT_POLICY when --omp-wait-policy asks for one. */
const torchEnvironment = (options) => (options.ompWaitPolicy ? { ...process.env, OMP_WAIT_POLICY: options.ompWaitPolicy } : process.env);

const formatRatio = (side) => `${side.median.toFixed(2)}× (quartiles ${side.q1.toFixed(2)}–${side.q3.toFixed(2)} over ${side.ratios.length} blocks)`;

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const training = await import(trainingModule);
  const { selectBackend, setNativeKernelsEnabled } = training;
  setNativeKernelsEnabled(options.native);
  const { threads, reason } = await selectBackend('wasm', { threads: options.wasmThreads, fusedMultiplyAdd: options.fusedMultiplyAdd === true });
  const log = options.json ? () => {} : console.log;
  const paired = options.method === 'paired' && options.torch;
  log(`tfjs ${tf.version.tfjs}: ${reason}; batch ${options.batch}, ` + (paired ? `paired: ${options.warmup} warm-up steps per side, then ${options.blocks} blocks of ${options.untimed} untimed + ${options.blockSteps} timed steps per side, alternating` : `${options.warmup} warm-up + ${options.steps} timed steps`));
  const rows = [];
  for (const [size, width] of options.sizes) {
    const ratios = [];
    for (let round = 1; round <= options.rounds; round++) {
      const label = `\n${size}×${size}, base width ${width}${options.batchNorm ? ', batch norm' : ''}${options.rounds > 1 ? `, round ${round}` : ''} (load ${loadavg()[0].toFixed(2)})`;
      const common = { size, width, batchNorm: options.batchNorm, round, batch: options.batch, wasmThreads: threads, method: paired ? 'paired' : 'rounds', warmup: options.warmup, load: loadavg()[0] };
      let wasm;
      let torch;
      if (paired) {
        const model = buildUnet(size, width, options.batchNorm);
        const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
        const timer = training.createTrainingStepTimer({ model, loss, numClasses: 2, batchSize: options.batch });
        try {
          torch = await pairWithTorch(timer, size, width, options);
          const profile = options.profile ? await kernelProfile(() => timer.time(1)) : undefined;
          const shapes = options.profileShapes ? await convolutionShapeProfile(() => timer.time(1)) : undefined;
          const reference = torch.find((side) => !side.skipped);
          wasm = { medianMs: reference?.wasmMs, profile, shapes };
        } finally {
          timer.dispose();
          model.dispose();
        }
        const reference = torch[0]?.skipped ? undefined : torch[0];
        if (reference) ratios.push(reference.median);
        rows.push({ ...common, blocks: options.blocks, blockSteps: options.blockSteps, untimed: options.untimed, wasmMs: wasm.medianMs, torch: torch.map(({ threads, medianMs, skipped, wasmMs, median: ratio, q1, q3, ratios: blockRatios, firstStep, blocks }) => ({ threads, medianMs, skipped, wasmMs, ratio, ratioQuartiles: [q1, q3], ratios: blockRatios, firstStep, blocks })), ratio: reference?.median, ratioQuartiles: reference ? [reference.q1, reference.q3] : undefined });
        log(`${label}:`);
        for (const side of torch) {
          if (side.skipped) log(`  ${side.skipped}`);
          else {
            log(`  against PyTorch ${side.torchVersion} CPU, ${side.threads} thread(s): tfjs wasm median ${side.wasmMs.toFixed(1)} ms, PyTorch ${side.medianMs.toFixed(1)} ms (loss ${side.loss.toFixed(4)}) → paired wasm / PyTorch = ${formatRatio(side)}`);
            const excess = (value) => (value === undefined ? '–' : `${value.toFixed(2)}×`);
            log(`    first step of a block ÷ its other steps: wasm ${excess(side.firstStep.wasm)} (after PyTorch ${excess(side.firstStep.wasmAfterTorch)}), PyTorch ${excess(side.firstStep.torch)} (after wasm ${excess(side.firstStep.torchAfterWasm)}); block ratios ${side.ratios.map((r) => r.toFixed(2)).join(' ')}`);
          }
        }
      } else {
        wasm = await timeWasm(training, size, width, options);
        torch = options.torch ? options.torchThreads.map((threads) => timeTorch(size, width, threads, options)) : [];
        const reference = torch[0]?.medianMs;
        const ratio = reference ? wasm.medianMs / reference : undefined;
        if (ratio !== undefined) ratios.push(ratio);
        rows.push({ ...common, wasmMs: wasm.medianMs, wasmTimes: wasm.times, torch: torch.map(({ threads, medianMs, skipped, times }) => ({ threads, medianMs, skipped, times })), ratio });
        log(`${label}: tfjs wasm median ${wasm.medianMs.toFixed(1)} ms (steps ${wasm.times.map((t) => t.toFixed(0)).join(' ')})`);
        if (!options.torch) log('  PyTorch side skipped: --no-torch');
        for (const side of torch) {
          if (side.skipped) log(`  ${side.skipped}`);
          else log(`  PyTorch ${side.torchVersion} CPU, ${side.threads} thread(s): median ${side.medianMs.toFixed(1)} ms (loss ${side.loss.toFixed(4)}) → wasm / PyTorch = ${(wasm.medianMs / side.medianMs).toFixed(2)}×`);
        }
      }
      if (wasm.profile) log(formatKernelProfile(wasm.profile));
      if (wasm.shapes) log(wasm.shapes);
    }
    if (ratios.length > 1) {
      const { q1, q3 } = summarise(ratios);
      log(`  median ratio over ${ratios.length} rounds (wasm / PyTorch ${options.torchThreads[0]} thread(s)): ${median(ratios).toFixed(2)}× (${ratios.map((r) => r.toFixed(2)).join(', ')}; quartiles ${q1.toFixed(2)}–${q3.toFixed(2)})`);
    }
  }
  if (options.json) console.log(JSON.stringify(rows));
}

await main();
