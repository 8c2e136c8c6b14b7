/**
 * The sweep's progress display: on a terminal, cli-progress bars (runs done with ETA, and per worker the
 * current run's epoch and loss); otherwise (CI logs, pipes) one plain line per finished run.
 */
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import type { RunRecord } from '../results/record';
import { describeRecord, describeRun } from '../results/describe';
import type { SweepEvents } from './run-sweep';
import type { PlannedRun } from './plan';

/** A progress display: the sweep's events, plus `stop()` to restore the terminal. */
export interface ProgressDisplay extends SweepEvents {
  stop(): void;
}

/** Chooses bars on a TTY, plain lines otherwise; writes to `stream` (stderr by default). */
export function createProgressDisplay(totalRuns: number, workers: number, stream: NodeJS.WriteStream = process.stderr): ProgressDisplay {
  return stream.isTTY ? barDisplay(totalRuns, workers, stream) : lineDisplay(totalRuns, stream);
}

function lineDisplay(totalRuns: number, stream: NodeJS.WritableStream): ProgressDisplay {
  let done = 0;
  return {
    onRunStart(slot: number, run: PlannedRun) {
      stream.write(`[worker ${slot}] started ${describeRun(run.config)}\n`);
    },
    onRunFinish(_slot: number, record: RunRecord) {
      done += 1;
      stream.write(`[${done}/${totalRuns}] ${describeRecord(record)}\n`);
    },
    stop() {},
  };
}

function barDisplay(totalRuns: number, workers: number, stream: NodeJS.WriteStream): ProgressDisplay {
  const bars = new MultiBar(
    { stream, hideCursor: true, clearOnComplete: false, barsize: 20, format: '{label} {bar} {value}/{total} {detail}', etaBuffer: 20 },
    Presets.shades_classic,
  );
  const runs = bars.create(totalRuns, 0, { label: 'runs    ', detail: 'ETA -' });
  const slots: SingleBar[] = Array.from({ length: Math.min(workers, totalRuns) }, (_, slot) =>
    bars.create(1, 0, { label: `worker ${slot}`, detail: 'waiting' }),
  );
  let done = 0;
  const started = Date.now();
  return {
    onRunStart(slot, run) {
      slots[slot]?.setTotal(run.config.epochs);
      slots[slot]?.update(0, { detail: `epoch 1/${run.config.epochs} ${describeRun(run.config)}` });
    },
    onRunProgress(slot, run, progress) {
      const loss = progress.loss === undefined ? '' : ` loss ${progress.loss.toFixed(4)}`;
      slots[slot]?.update(progress.epoch, { detail: `epoch ${Math.min(progress.epoch + 1, progress.epochs)}/${progress.epochs}${loss} ${describeRun(run.config)}` });
    },
    onRunFinish(_slot, record) {
      done += 1;
      // ETA from the mean time per finished run: epochs within runs are too uneven to extrapolate.
      const remainingMs = ((Date.now() - started) / done) * (totalRuns - done);
      runs.update(done, { detail: `ETA ${formatDuration(remainingMs)}` });
      bars.log(`${describeRecord(record)}\n`);
    },
    stop() {
      bars.stop();
    },
  };
}

/** Milliseconds as `3d 04h`, `1h 02m`, `3m 05s` or `12s`. */
export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  const hours = Math.floor(seconds / 3600);
  if (hours >= 48) return `${Math.floor(hours / 24)}d ${String(hours % 24).padStart(2, '0')}h`;
  const minutes = Math.floor((seconds % 3600) / 60);
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m ${String(seconds % 60).padStart(2, '0')}s`;
  return `${seconds}s`;
}
