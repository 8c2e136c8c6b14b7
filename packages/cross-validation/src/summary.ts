import jStat from 'jstat';
import { CrossValidationError } from './errors';

/** Mean ± standard deviation and range of one score over folds × seeds. */
export interface Summary {
  /** Values used (NaN and null left out). */
  n: number;
  mean: number;
  /** Sample standard deviation (divides by n − 1), as in the paper's tables; NaN when n < 2. */
  std: number;
  min: number;
  max: number;
}

/**
 * Summarises one score (e.g. mIoU) over folds × seeds: count, mean, **sample** standard deviation (n − 1,
 * which the paper's ± figures over three runs match) and range. NaN and null values (a class absent from a
 * fold) are left out and `n` says how many were used; with none left every statistic is NaN.
 */
export function summarize(values: readonly (number | null)[]): Summary {
  if (values.length === 0) throw new CrossValidationError('Error in summarize: values must not be empty');
  const used = values.filter((value): value is number => value !== null && !Number.isNaN(value));
  if (used.length === 0) return { n: 0, mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN };
  return {
    n: used.length,
    mean: jStat.mean(used),
    std: used.length < 2 ? Number.NaN : jStat.stdev(used, true),
    min: jStat.min(used),
    max: jStat.max(used),
  };
}

/**
 * {@link summarize} per column: `rows[run][class]` (e.g. class IoU of each fold × seed) → one summary per
 * class. Every row must have the same number of columns.
 */
export function summarizeClasses(rows: readonly (readonly (number | null)[])[]): Summary[] {
  const columns = rows[0]?.length;
  if (columns === undefined) throw new CrossValidationError('Error in summarizeClasses: rows must not be empty');
  rows.forEach((row, index) => {
    if (row.length !== columns) throw new CrossValidationError(`Error in summarizeClasses: every row must have ${columns} values like rows[0], but rows[${index}] has ${row.length}`);
  });
  return Array.from({ length: columns }, (_, column) => summarize(rows.map((row) => row[column] as number | null)));
}
