/**
 * Runs the to-do part of a sweep and appends each finished run to the results file the moment it
 * finishes. With `workers > 1` the parent runs one slot itself and forks `workers − 1` worker processes
 * (each with its own tfjs backend); the parent stays the only writer of the file, so records never
 * interleave.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { basename, dirname } from 'node:path';
import { MAX_WASM_THREADS, type WasmThreads } from '@tfseg/training';
import { RECORD_VERSION, type RunRecord } from '../results/record';
import { appendRecord, finishedRunIds, readResults, repairResultsFile } from '../results/store';
import { runEnvironment } from './environment';
import { executeRun, type ExecuteRunOptions, type RunProgress } from './execute-run';
import type { PlannedRun } from './plan';
import type { WorkerReply, WorkerRequest, WriteFailure } from './worker';

export type { WriteFailure } from './worker';

/** Callbacks that follow a sweep (the progress display). `slot` is the worker index, 0-based. */
export interface SweepEvents {
  onRunStart?(slot: number, run: PlannedRun): void;
  onRunProgress?(slot: number, run: PlannedRun, progress: RunProgress): void;
  onRunFinish?(slot: number, record: RunRecord): void;
  /** A run's samples could not be written (e.g. a full disk); the run is recorded without them. */
  onWriteFailure?(slot: number, failure: WriteFailure): void;
}

/** How to start a worker process: a script that runs {@link runWorker} when given `args`. */
export interface WorkerCommand {
  script: string;
  args: string[];
}

/** Options of {@link runSweep}. */
export interface RunSweepOptions {
  runs: readonly PlannedRun[];
  /** The JSONL results file (created on the first finished run). */
  resultsFile: string;
  samplesPerRun: number;
  /** Parallel worker processes; 1 runs in this process. */
  workers: number;
  /** Threads of the wasm backend in each process that runs runs; see {@link threadsPerProcess}. */
  threads: number;
  /** Required when `workers > 1`. */
  workerCommand?: WorkerCommand;
  /** Workers forked ahead by {@link prestartWorkersDuring} (they warm up while the parent checks the plan). */
  prestarted?: PrestartedWorkers;
  events?: SweepEvents;
}

/** The runs still to do: those without an `ok` record in the results file. Failed runs are retried. */
export function pendingRuns(runs: readonly PlannedRun[], resultsFile: string): PlannedRun[] {
  const finished = finishedRunIds(readResults(resultsFile).records);
  return runs.filter((run) => !finished.has(run.id));
}

/** Side-file locations for runs writing next to `resultsFile`. */
export function executeOptionsFor(resultsFile: string, samplesPerRun: number, threads: number): ExecuteRunOptions {
  return {
    resultsDirectory: dirname(resultsFile),
    samplesFolder: `${basename(resultsFile).replace(/\.jsonl$/, '')}.samples`,
    samplesPerRun,
    threads,
  };
}

/** The wasm thread count of each of `workers` processes: `'auto'` shares the available cores out evenly. */
export function threadsPerProcess(threads: WasmThreads, workers: number): number {
  if (threads !== 'auto') return threads;
  return Math.max(1, Math.min(MAX_WASM_THREADS, Math.floor(availableParallelism() / Math.max(1, workers))));
}

/**
 * Runs every pending run of `runs` (skipping those already `ok` in the results file), appending each
 * record as it finishes. Returns the records written by this call.
 */
export async function runSweep(options: RunSweepOptions): Promise<RunRecord[]> {
  repairResultsFile(options.resultsFile);
  const queue = pendingRuns(options.runs, options.resultsFile);
  const written: RunRecord[] = [];
  const save = (slot: number, record: RunRecord): void => {
    appendRecord(options.resultsFile, record);
    written.push(record);
    options.events?.onRunFinish?.(slot, record);
  };
  const executeOptions = executeOptionsFor(options.resultsFile, options.samplesPerRun, options.threads);
  const workers = Math.min(options.workers, queue.length);
  const prestarted = options.prestarted?.handles ?? [];
  // Prestarted workers the queue has no run for are stopped now (the rest stop when the queue is empty).
  for (const handle of prestarted.splice(Math.max(0, workers - 1))) handle.stop();
  try {
    if (workers <= 1) {
      await drainInProcess(queue, executeOptions, options.events, save);
      return written;
    }
    if (!options.workerCommand) throw new Error('runSweep: workerCommand is required when workers > 1');
    const workerCommand = options.workerCommand;
    // Slot 0 is this process: it has loaded the data and activated the backend for the checks already, so
    // a forked worker in its place would only repeat that (Node, tfjs, decoding the images) on a busy core.
    await Promise.all([
      drainInProcess(queue, executeOptions, options.events, save),
      ...Array.from({ length: workers - 1 }, (_, index) =>
        drainWithWorker(index + 1, queue, prestarted[index], workerCommand, executeOptions, options.events, save)),
    ]);
    return written;
  } finally {
    for (const handle of prestarted) handle.stop();
  }
}

/** Slot 0: runs from the shared queue in this process until it is empty. */
async function drainInProcess(
  queue: PlannedRun[],
  executeOptions: ExecuteRunOptions,
  events: SweepEvents | undefined,
  save: (slot: number, record: RunRecord) => void,
): Promise<void> {
  for (let run = queue.shift(); run; run = queue.shift()) {
    const current = run;
    events?.onRunStart?.(0, current);
    const record = await executeRun(current, {
      ...executeOptions,
      onProgress: (progress) => events?.onRunProgress?.(0, current, progress),
      onWriteFailure: (error) => events?.onWriteFailure?.(0, { path: error.path, code: error.code, message: error.message }),
    });
    save(0, record);
  }
}

/** Workers forked before the sweep starts, by {@link prestartWorkersDuring}. */
export interface PrestartedWorkers {
  readonly handles: WorkerHandle[];
  /** Stops every prestarted worker not yet handed to a sweep. */
  stop(): void;
}

/**
 * Forks the `workers − 1` worker processes a sweep of `runs` will use, has each load the first run's
 * dataset and backend right away, and meanwhile awaits `check` (the parent's {@link preflightSweep}): so
 * the workers start Node and tfjs and decode the images on the other core during the checks, rather than
 * after them. If `check` throws, the workers are stopped and the error is rethrown. Pass the result to
 * {@link runSweep}; call `stop()` if the sweep does not start.
 */
export async function prestartWorkersDuring(
  runs: readonly PlannedRun[],
  workers: number,
  threads: number,
  command: WorkerCommand,
  check: () => Promise<void>,
): Promise<PrestartedWorkers> {
  const first = runs[0];
  const count = first ? Math.min(workers, runs.length) - 1 : 0;
  const handles = Array.from({ length: Math.max(0, count) }, () => {
    const handle = startWorker(command);
    handle.warmUp(first as PlannedRun, threads);
    return handle;
  });
  const prestarted: PrestartedWorkers = {
    handles,
    stop() {
      for (const handle of handles.splice(0)) handle.stop();
    },
  };
  try {
    await check();
  } catch (error) {
    prestarted.stop();
    throw error;
  }
  return prestarted;
}

/** One worker slot: keeps a worker process busy with runs from the shared queue until it is empty. */
async function drainWithWorker(
  slot: number,
  queue: PlannedRun[],
  prestarted: WorkerHandle | undefined,
  command: WorkerCommand,
  executeOptions: ExecuteRunOptions,
  events: SweepEvents | undefined,
  save: (slot: number, record: RunRecord) => void,
): Promise<void> {
  let worker: WorkerHandle | undefined = prestarted;
  try {
    for (let run = queue.shift(); run; run = queue.shift()) {
      worker ??= startWorker(command);
      events?.onRunStart?.(slot, run);
      const current = run;
      const outcome = await worker.execute(
        { type: 'run', run, options: executeOptions },
        (progress) => events?.onRunProgress?.(slot, current, progress),
        (failure) => events?.onWriteFailure?.(slot, failure),
      );
      if ('record' in outcome) {
        save(slot, outcome.record);
      } else {
        // The process died mid-run (out of memory, a native crash): record it and start a fresh one.
        save(slot, crashedRecord(run, outcome.crash));
        worker = undefined;
      }
    }
  } finally {
    worker?.stop();
  }
}

function crashedRecord(run: PlannedRun, reason: string): RunRecord {
  const now = new Date().toISOString();
  return {
    version: RECORD_VERSION,
    id: run.id,
    status: 'failed',
    config: run.config,
    environment: runEnvironment(),
    classNames: [],
    error: reason,
    wallTimeMs: 0,
    startedAt: now,
    finishedAt: now,
  };
}

interface WorkerHandle {
  /** Asks the worker to load `run`'s dataset and backend before its first run arrives. */
  warmUp(run: PlannedRun, threads: number): void;
  execute(request: WorkerRequest, onProgress: (progress: RunProgress) => void, onWriteFailure: (failure: WriteFailure) => void): Promise<{ record: RunRecord } | { crash: string }>;
  stop(): void;
}

/** All live workers, so an interrupted sweep can end them. */
const liveWorkers = new Set<ChildProcess>();

/** Kills every worker this process started (on Ctrl-C or SIGTERM of the sweep). */
export function stopAllWorkers(): void {
  for (const child of liveWorkers) child.kill('SIGTERM');
}

function startWorker(command: WorkerCommand): WorkerHandle {
  const child = fork(command.script, command.args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  liveWorkers.add(child);
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  let pending:
    | { resolve: (outcome: { record: RunRecord } | { crash: string }) => void; onProgress: (progress: RunProgress) => void; onWriteFailure: (failure: WriteFailure) => void }
    | undefined;
  // Set once the process is gone: a prestarted worker may die before its first run is sent.
  let crash: string | undefined;
  let stopped = false;
  const send = (request: WorkerRequest): void => {
    if (child.connected) child.send(request);
  };
  child.on('message', (message: WorkerReply) => {
    if (message.type === 'progress') pending?.onProgress(message.progress);
    if (message.type === 'write-failure') pending?.onWriteFailure(message.failure);
    if (message.type === 'record') {
      const current = pending;
      pending = undefined;
      current?.resolve({ record: message.record });
    }
  });
  // A failed send (the channel closed as the worker died) is followed by 'exit', which settles the run.
  child.on('error', () => {});
  child.on('exit', (code, signal) => {
    liveWorkers.delete(child);
    crash = `worker process exited (${signal ?? `code ${code}`}) during the run${stderrTail ? `: ${stderrTail.trim()}` : ''}`;
    const current = pending;
    pending = undefined;
    current?.resolve({ crash });
  });
  return {
    warmUp(run, threads) {
      send({ type: 'warm-up', run, threads });
    },
    execute(request, onProgress, onWriteFailure) {
      return new Promise((resolve) => {
        if (crash !== undefined) {
          resolve({ crash });
          return;
        }
        pending = { resolve, onProgress, onWriteFailure };
        send(request);
      });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      send({ type: 'stop' });
    },
  };
}
