/**
 * The worker side of `runSweep` with `workers > 1`: a child process that executes the runs its parent
 * sends over IPC, one at a time, and sends back progress and the finished record. The parent writes the
 * results file; a worker writes only its runs' sample files.
 */
import type { RunRecord } from '../results/record';
import { executeRun, warmUpRun, type ExecuteRunOptions, type RunProgress } from './execute-run';
import type { PlannedRun } from './plan';
import { BenchError } from '../errors';

/** Parent → worker. */
/** A side file (a run's samples) that could not be written; the run itself was kept. */
export interface WriteFailure {
  /** The file that could not be written. */
  path: string;
  /** errno code, e.g. `ENOSPC`. */
  code: string;
  message: string;
}

export type WorkerRequest =
  | { type: 'run'; run: PlannedRun; options: ExecuteRunOptions }
  /** Load the run's dataset and backend now, before the first run is sent (see prestartWorkersDuring). */
  | { type: 'warm-up'; run: PlannedRun; threads: number }
  | { type: 'stop' };
/** Worker → parent. */
export type WorkerReply = { type: 'progress'; progress: RunProgress } | { type: 'record'; record: RunRecord } | { type: 'write-failure'; failure: WriteFailure };

/** Serves run requests from the parent process until told to stop or disconnected. */
export function runWorker(): Promise<void> {
  if (!process.send) throw new BenchError('the sweep worker must be started by `tfseg-bench run --workers K` (it needs an IPC channel)');
  const send = (reply: WorkerReply): void => {
    process.send?.(reply);
  };
  return new Promise((resolve) => {
    let queue = Promise.resolve();
    process.on('disconnect', () => process.exit(0));
    process.on('message', (request: WorkerRequest) => {
      if (request.type === 'stop') {
        process.disconnect();
        resolve();
        return;
      }
      if (request.type === 'warm-up') {
        // Errors are left to the run itself, which reports them in its record.
        queue = queue.then(() => warmUpRun(request.run, request.threads)).catch(() => undefined);
        return;
      }
      queue = queue.then(async () => {
        const record = await executeRun(request.run, {
          ...request.options,
          onProgress: (progress) => send({ type: 'progress', progress }),
          onWriteFailure: (error) => send({ type: 'write-failure', failure: { path: error.path, code: error.code, message: error.message } }),
        });
        send({ type: 'record', record });
      });
    });
  });
}
