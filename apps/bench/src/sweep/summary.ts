/**
 * The few lines `run` prints when a sweep ends: per dataset × model × fraction, each loss's test mIoU
 * (mean ± std over folds × seeds) beside the paper's. The full report (per-class IoU, paired tests,
 * plots) is in the report files.
 */
import { aggregateRecords } from '../report/index';
import { formatPaperValue, formatSummary } from '../report/format';
import { fractionLabel } from '../results/describe';
import type { RunRecord } from '../results/record';

/** A plain-text mIoU table of `records` (percent), one block per setting. */
export function formatSweepSummary(records: readonly RunRecord[]): string {
  const blocks = aggregateRecords(records).map((table) => {
    const rows = table.rows.map((row) => [row.label, String(row.runs.length), formatSummary(row.meanIoU.ours), formatPaperValue(row.meanIoU.paper)]);
    const header = ['loss', 'n', 'mIoU %', 'paper'];
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
    const line = (cells: string[]): string => '  ' + cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
    return [`${table.dataset} · ${table.model}${table.variant ? ` (${table.variant})` : ''} · fraction ${fractionLabel(table.fraction)}`, line(header), ...rows.map(line)].join('\n');
  });
  return blocks.join('\n\n');
}

/** The end-of-sweep summary as data (`run --json`): per setting, each loss's test mIoU (percent) beside the paper's. */
export interface SweepSummarySetting {
  dataset: string;
  model: string;
  /** The table's variant (model options, `fused multiply-add`: report/aggregate.ts' settingVariant); empty for the preset's plain runs. */
  variant: string;
  fraction: number;
  losses: { loss: string; n: number; failed: number; meanIoU: { mean: number; std: number | null } | null; paper: { mean: number; std: number } | null }[];
}

/** {@link formatSweepSummary}'s numbers as JSON-ready data (NaN std → null). */
export function sweepSummary(records: readonly RunRecord[]): SweepSummarySetting[] {
  const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);
  return aggregateRecords(records).map((table) => ({
    dataset: table.dataset,
    model: table.model,
    variant: table.variant,
    fraction: table.fraction,
    losses: table.rows.map((row) => ({
      loss: row.label,
      n: row.runs.length,
      failed: row.failed,
      meanIoU: row.meanIoU.ours ? { mean: row.meanIoU.ours.mean, std: finite(row.meanIoU.ours.std) } : null,
      paper: row.meanIoU.paper,
    })),
  }));
}
