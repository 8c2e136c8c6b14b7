/* global process */
/**
 * The paired, interleaved method of the wasm-vs-PyTorch benchmarks (unet-step.mjs, model-steps.mjs): both
 * sides stay up (wasm in this process, the PyTorch twin as a persistent child taking `steps K` on stdin)
 * and alternate in short blocks, so that a VM whose speed drifts 2× within minutes slows both sides of a
 * pair alike. Each block pair gives one ratio (wasm block median ÷ PyTorch block median); the report is
 * the median of those ratios with their quartiles, plus each side's median step.
 *
 * The statistics and the block schedule are plain functions of their inputs (paired.test.ts); the
 * PyTorch child is started by {@link startTorchTwin}.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

/**
 * The method's defaults (session 9 measurements: unet-step.mjs' header comment and BENCHMARKS.md):
 * `warmup` untimed steps per side first, then `blocks` blocks of `untimed` + `blockSteps` steps per side.
 */
export const PAIRED_DEFAULTS = Object.freeze({ warmup: 8, blocks: 10, blockSteps: 3, untimed: 1 });

/** Linear-interpolation quantile (R's type 7, numpy's default) of a non-empty list, q in [0, 1]. */
export function quantile(values, q) {
  if (values.length === 0) throw new Error('quantile: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

/** Median of a non-empty list (the mean of the two middle values for an even count). */
export const median = (values) => quantile(values, 0.5);

/** Median and quartiles of a non-empty list. */
export function summarise(values) {
  return { median: median(values), q1: quantile(values, 0.25), q3: quantile(values, 0.75) };
}

/**
 * The paired ratios of blocks `{ wasm: [ms], torch: [ms] }` (timed steps only): wasm block median ÷
 * PyTorch block median per block, and their median and quartiles.
 */
export function pairedRatios(blocks) {
  const ratios = blocks.map((block) => median(block.wasm) / median(block.torch));
  return { ratios, ...summarise(ratios) };
}

/**
 * How much slower the first step of a block runs than the block's other steps, per side: the median over
 * blocks of (first step ÷ median of the rest), from blocks with the untimed steps still in
 * (`wasmAll`, `torchAll`). Near 1 means the other side's spinning threads (PyTorch's OpenMP pool, the
 * wasm workers) do not slow the side that follows; the same figure split by which side went first shows
 * whether it is the hand-over that costs.
 */
export function firstStepExcess(blocks) {
  const excess = (times) => (times.length < 2 ? undefined : times[0] / median(times.slice(1)));
  const side = (key, filter = () => true) => {
    const values = blocks.filter(filter).map((block) => excess(block[key])).filter((value) => value !== undefined);
    return values.length ? median(values) : undefined;
  };
  return {
    wasm: side('wasmAll'),
    torch: side('torchAll'),
    wasmAfterTorch: side('wasmAll', (block) => block.first === 'torch'),
    torchAfterWasm: side('torchAll', (block) => block.first === 'wasm'),
  };
}

/**
 * The interleaved schedule of any number of sides (`sides`: name → `{ time(steps) → Promise<ms[]> }`):
 * `warmup` untimed steps on each side in order, then `blocks` blocks of `untimed + blockSteps` steps on
 * each side, the order rotated by one side per block (so each side goes first equally often; with two
 * sides they alternate), the first `untimed` steps of each block dropped. `pause(ms)` waits before every
 * block when `pauseMs` > 0. Returns the blocks: `{ order, timed: name → ms[], all: name → ms[] }`.
 */
export async function runInterleaved({ sides, warmup, blocks, blockSteps, untimed = 1, pauseMs = 0, pause = defaultPause }) {
  const names = Object.keys(sides);
  for (const name of names) await sides[name].time(warmup);
  const results = [];
  for (let index = 0; index < blocks; index++) {
    const order = names.map((_, position) => names[(position + index) % names.length]);
    const all = {};
    for (const name of order) {
      if (pauseMs > 0) await pause(pauseMs);
      all[name] = await sides[name].time(untimed + blockSteps);
    }
    results.push({ order, all, timed: Object.fromEntries(names.map((name) => [name, all[name].slice(untimed)])) });
  }
  return results;
}

/**
 * Per block, side `a`'s median step ÷ side `b`'s, over blocks of {@link runInterleaved}; with their median
 * and quartiles.
 */
export function blockRatios(blocks, a, b) {
  return pairedRatios(blocks.map((block) => ({ wasm: block.timed[a], torch: block.timed[b] })));
}

/**
 * The paired schedule of wasm against PyTorch: {@link runInterleaved} with the two sides (wasm first in
 * even blocks). Returns the blocks ({ first, wasm, torch, wasmAll, torchAll }) and their paired ratios.
 */
export async function runPaired({ wasm, torch, ...schedule }) {
  const interleaved = await runInterleaved({ sides: { wasm, torch }, ...schedule });
  const results = interleaved.map(({ order, timed, all }) => ({ first: order[0], wasm: timed.wasm, torch: timed.torch, wasmAll: all.wasm, torchAll: all.torch }));
  const wasmSteps = results.flatMap((block) => block.wasm);
  const torchSteps = results.flatMap((block) => block.torch);
  return { blocks: results, wasmMs: median(wasmSteps), torchMs: median(torchSteps), ...pairedRatios(results), firstStep: firstStepExcess(results) };
}

const defaultPause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The Python with PyTorch: $PYTHON, else Debian's /usr/bin/python3 (a pyenv python3 on the PATH has none). */
export const torchPython = (env = process.env) => env.PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

/**
 * Starts a PyTorch twin script in its persistent mode (`--serve`, see unet_step_torch.py's serve) and
 * waits for its info line. Resolves to `{ info, time(steps) → Promise<ms[]>, lastLoss, close() }`, or to
 * `{ skipped }` with the reason when the child cannot start (no Python, no torch: exit 3).
 */
export async function startTorchTwin(script, args, env = process.env) {
  const python = torchPython(env);
  const child = spawn(python, [script, ...args.map(String), '--serve'], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout });
  const waiting = [];
  const queued = [];
  let ended = false;
  lines.on('line', (line) => (waiting.length ? waiting.shift().resolve(line) : queued.push(line)));
  const failure = (code) => new Error(`PyTorch twin ${script} ended (${code}): ${stderr.trim().split('\n').pop() ?? ''}`);
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  child.on('error', (error) => waiting.splice(0).forEach(({ reject }) => reject(error)));
  exited.then((code) => {
    ended = true;
    waiting.splice(0).forEach(({ reject }) => reject(failure(code)));
  });
  const nextLine = () => (queued.length ? Promise.resolve(queued.shift()) : ended ? Promise.reject(failure('closed')) : new Promise((resolve, reject) => waiting.push({ resolve, reject })));
  let first;
  try {
    first = await nextLine();
  } catch (error) {
    const code = await exited;
    if (code === 3) return { skipped: `PyTorch side skipped: ${queued.join(' ') || 'torch is not installed'} (Debian: apt-get install -y python3-torch)` };
    return { skipped: `PyTorch side failed: cannot run ${python} (${error.message})` };
  }
  if (!first.startsWith('{')) {
    child.kill();
    return { skipped: `PyTorch side skipped: ${first} (Debian: apt-get install -y python3-torch)` };
  }
  const twin = {
    info: JSON.parse(first),
    lastLoss: undefined,
    async time(steps) {
      if (steps === 0) return [];
      child.stdin.write(`steps ${steps}\n`);
      const reply = JSON.parse(await nextLine());
      if (reply.error) throw new Error(`PyTorch twin: ${reply.error}`);
      twin.lastLoss = reply.loss;
      return reply.times;
    },
    async close() {
      child.stdin.end('quit\n');
      await exited;
    },
  };
  return twin;
}
