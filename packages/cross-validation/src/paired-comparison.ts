import jStat from 'jstat';
import { CrossValidationError } from './errors';
import { wilcoxonSignedRank, type WilcoxonResult } from './wilcoxon';

/** Paired comparison of two methods scored on the same folds × seeds. */
export interface PairedComparison {
  /** Number of pairs. */
  n: number;
  /** mean(a − b). */
  meanDifference: number;
  /** 95% confidence interval of the mean difference, mean ± t(0.975, n − 1) · s / √n. */
  ci95: [number, number];
  /** Two-sided paired t-test (scipy.stats.ttest_rel). */
  tTest: { statistic: number; df: number; pValue: number };
  /** Two-sided Wilcoxon signed-rank test (scipy.stats.wilcoxon defaults). */
  wilcoxon: WilcoxonResult;
}

/**
 * Compares scores `a` and `b` of two methods (e.g. mIoU of ML and of the additive loss) paired by fold and
 * seed: the mean difference a − b with a t-based 95% interval, the paired t-test and the Wilcoxon
 * signed-rank test, both two-sided, so a report can say whether a difference is more than noise.
 * The Student t and normal distributions come from jStat. With all differences equal the t statistic is
 * ±Infinity (p = 0), or NaN (p = NaN) when they are all zero, as in scipy.
 */
export function pairedComparison(a: readonly number[], b: readonly number[]): PairedComparison {
  if (a.length !== b.length) throw new CrossValidationError(`Error in pairedComparison: a and b must have the same length, but got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new CrossValidationError(`Error in pairedComparison: at least 2 pairs are needed, but got ${a.length}`);
  const differences = a.map((value, i) => {
    const other = b[i] as number;
    if (!Number.isFinite(value) || !Number.isFinite(other)) {
      throw new CrossValidationError(`Error in pairedComparison: a[${i}] and b[${i}] must be finite numbers, but got ${value} and ${other}`);
    }
    return value - other;
  });
  const n = differences.length;
  const df = n - 1;
  const meanDifference = jStat.mean(differences);
  const standardError = jStat.stdev(differences, true) / Math.sqrt(n);
  let tTest: PairedComparison['tTest'];
  let ci95: [number, number];
  if (standardError === 0) {
    tTest = meanDifference === 0 ? { statistic: Number.NaN, df, pValue: Number.NaN } : { statistic: Math.sign(meanDifference) * Number.POSITIVE_INFINITY, df, pValue: 0 };
    ci95 = [meanDifference, meanDifference];
  } else {
    const statistic = meanDifference / standardError;
    // 2·cdf(−|t|) rather than 2·(1 − cdf(|t|)): keeps tiny p-values instead of rounding them to 0.
    tTest = { statistic, df, pValue: Math.min(1, 2 * jStat.studentt.cdf(-Math.abs(statistic), df)) };
    const halfWidth = jStat.studentt.inv(0.975, df) * standardError;
    ci95 = [meanDifference - halfWidth, meanDifference + halfWidth];
  }
  return { n, meanDifference, ci95, tTest, wilcoxon: wilcoxonSignedRank(differences) };
}
