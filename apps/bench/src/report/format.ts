/** Number formatting shared by the Markdown, CSV and HTML writers. */
import type { Summary } from './aggregate';
import type { PaperValue } from './paper-tables';

/** The placeholder for a value that does not exist (no runs, or not in the paper). */
export const MISSING = '—';

/** `45.26 ± 0.11` (percent); a single run has no spread, so only its value. */
export function formatSummary(summary: Summary | null): string {
  if (summary === null) return MISSING;
  return summary.n < 2 ? summary.mean.toFixed(2) : `${summary.mean.toFixed(2)} ± ${summary.std.toFixed(2)}`;
}

/** The paper's printed value, `45.26 ± 0.11`. */
export function formatPaperValue(value: PaperValue | null): string {
  return value === null ? MISSING : `${value.mean.toFixed(2)} ± ${value.std.toFixed(2)}`;
}

/** A p-value with three significant digits, `< 0.001` below that. */
export function formatPValue(pValue: number): string {
  if (!Number.isFinite(pValue)) return MISSING;
  return pValue < 0.001 ? '< 0.001' : pValue.toPrecision(3);
}

/** A signed difference in percentage points, `+0.42`. */
export function formatDifference(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(2)}`;
}
