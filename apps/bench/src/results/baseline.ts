/**
 * The mIoU regression baseline: for each run of a sweep (by run id), its test mIoU and a readable summary
 * of its config. `regress` recomputes the sweep and compares.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { describeRun } from './describe';
import type { RunRecord } from './record';
import { BenchError, FileContentError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

/**
 * Default tolerance on |ΔmIoU| (absolute). wasm runs are deterministic: the same wasm binary, the same
 * seed and the same inputs give bit-identical floats on any x86-64 or arm64 machine (wasm arithmetic is
 * IEEE-754 with no fused or reordered operations, and the training loop has no data race), so a changed
 * mIoU means changed code. 1e-6 leaves room only for decimal round-trips, far below any real change.
 * That holds for the default arithmetic: runs with fused multiply-adds (`fusedMultiplyAdd`) reproduce only
 * on a CPU that fuses the same way, and `regress` warns when a baseline holds them.
 */
export const DEFAULT_TOLERANCE = 1e-6;

/** The committed baseline file. */
export const baselineSchema = z.object({
  /** The sweep the baseline was made from (a preset name or a config's name). */
  sweep: z.string(),
  /** Backend and versions of the run that wrote it, for the record. */
  environment: z.object({ backend: z.string(), tfjsVersion: z.string(), nodeVersion: z.string(), gitCommit: z.string().nullable() }),
  runs: z.record(z.string(), z.object({ meanIoU: z.number(), run: z.string() })),
});
export type Baseline = z.infer<typeof baselineSchema>;

/** Reads and validates a baseline file; an Error names the file and the bad field. */
export function readBaseline(file: string): Baseline {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new BenchError(`baseline ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return parseWithSchema(baselineSchema, raw, `baseline ${file}`, FileContentError);
}

/** A baseline made from a sweep's `ok` records (keys sorted, so the file diffs cleanly). */
export function createBaseline(sweep: string, records: readonly RunRecord[]): Baseline {
  const ok = records.filter((record) => record.status === 'ok' && record.meanIoU !== undefined);
  const first = ok[0]?.environment;
  return {
    sweep,
    environment: {
      backend: first?.backend ?? 'unknown',
      tfjsVersion: first?.tfjsVersion ?? 'unknown',
      nodeVersion: first?.nodeVersion ?? 'unknown',
      gitCommit: first?.gitCommit ?? null,
    },
    runs: Object.fromEntries(
      ok
        .map((record) => [record.id, { meanIoU: record.meanIoU!, run: describeRun(record.config) }] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  };
}

/** One run that does not match the baseline. */
export interface Regression {
  id: string;
  run: string;
  baseline: number | null;
  current: number | null;
  /** Why it fails: moved beyond the tolerance, failed, or missing on one side. */
  problem: string;
}

/**
 * Compares the current records with the baseline: every baseline run must be present, `ok`, and within
 * `tolerance` (absolute mIoU); a run absent from the baseline (a changed config changes its id) fails too.
 */
export function compareWithBaseline(baseline: Baseline, records: readonly RunRecord[], tolerance: number): Regression[] {
  const regressions: Regression[] = [];
  const byId = new Map(records.map((record) => [record.id, record]));
  for (const [id, expected] of Object.entries(baseline.runs)) {
    const record = byId.get(id);
    if (!record) regressions.push({ id, run: expected.run, baseline: expected.meanIoU, current: null, problem: 'missing: no run with this id now (config changed?)' });
    else if (record.status !== 'ok' || record.meanIoU === undefined)
      regressions.push({ id, run: expected.run, baseline: expected.meanIoU, current: null, problem: `failed: ${(record.error ?? '').split('\n')[0]}` });
    else if (!(Math.abs(record.meanIoU - expected.meanIoU) <= tolerance))
      regressions.push({ id, run: expected.run, baseline: expected.meanIoU, current: record.meanIoU, problem: `moved by more than ${tolerance}` });
  }
  for (const record of records) {
    if (!(record.id in baseline.runs)) {
      regressions.push({ id: record.id, run: describeRun(record.config), baseline: null, current: record.meanIoU ?? null, problem: 'new: not in the baseline (run with --update if intended)' });
    }
  }
  return regressions;
}

/** The regressions as a Markdown table (printed by `regress` when it fails). */
export function formatRegressions(regressions: readonly Regression[]): string {
  const value = (x: number | null): string => (x === null ? '—' : x.toFixed(6));
  const delta = (r: Regression): string => (r.baseline === null || r.current === null ? '—' : (r.current - r.baseline >= 0 ? '+' : '') + (r.current - r.baseline).toExponential(2));
  return [
    '| run id | run | baseline mIoU | current mIoU | Δ | problem |',
    '|---|---|---:|---:|---:|---|',
    ...regressions.map((r) => `| ${r.id} | ${r.run} | ${value(r.baseline)} | ${value(r.current)} | ${delta(r)} | ${r.problem} |`),
  ].join('\n');
}
