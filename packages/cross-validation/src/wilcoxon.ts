import jStat from 'jstat';

/** Two-sided Wilcoxon signed-rank test result. */
export interface WilcoxonResult {
  /** min(R+, R−), the smaller signed-rank sum (as scipy reports it for a two-sided test). */
  statistic: number;
  pValue: number;
  /** `'exact'`: the null distribution enumerated; `'normal'`: the normal approximation with tie correction. */
  method: 'exact' | 'normal';
}

/**
 * Two-sided Wilcoxon signed-rank test of paired differences, with scipy.stats.wilcoxon's defaults
 * (scipy 1.17: `zero_method='wilcox'`, `correction=False`, `method='auto'`):
 * zero differences are dropped before ranking; ties get average ranks. With n ≤ 50 and neither ties nor
 * zeros the p-value is exact; with ties or zeros and n ≤ 13 (n counting the zeros) it is also exact, from
 * the distribution of R+ given those tied ranks (what scipy's sign-flip permutation test enumerates);
 * otherwise it comes from the normal approximation z = (R+ − m(m+1)/4) / σ with
 * σ² = m(m+1)(2m+1)/24 − Σ(t³ − t)/48 over tie groups of size t, m the non-zero count.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const nonZero = differences.filter((difference) => difference !== 0);
  const { ranks, tieSizes } = averageRanks(nonZero.map(Math.abs));
  let rankSumPositive = 0;
  let rankSumNegative = 0;
  nonZero.forEach((difference, i) => {
    if (difference > 0) rankSumPositive += ranks[i] as number;
    else rankSumNegative += ranks[i] as number;
  });
  const statistic = Math.min(rankSumPositive, rankSumNegative);
  const hasTies = tieSizes.some((size) => size > 1);
  const hasZeros = nonZero.length < differences.length;
  const n = differences.length;
  const exact = n <= 50 && (!(hasTies || hasZeros) || n <= 13);
  if (exact) return { statistic, pValue: exactPValue(ranks, rankSumPositive), method: 'exact' };
  const m = nonZero.length;
  const tieCorrection = tieSizes.reduce((sum, t) => sum + t ** 3 - t, 0);
  const sigma = Math.sqrt((m * (m + 1) * (2 * m + 1) - tieCorrection / 2) / 24);
  const z = (rankSumPositive - (m * (m + 1)) / 4) / sigma;
  return { statistic, pValue: 2 * jStat.normal.cdf(-Math.abs(z), 0, 1), method: 'normal' };
}

/** Average (mid) ranks, 1-based, and the size of every group of equal values. */
function averageRanks(values: readonly number[]): { ranks: number[]; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Array<number>(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end] as number] === values[order[start] as number]) end++;
    const rank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) ranks[order[i] as number] = rank;
    tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/**
 * p = min(1, 2·min(P(R+ ≤ r), P(R+ ≥ r))) under H0, where every sign pattern of the ranks is equally likely.
 * The distribution is enumerated by a subset-sum count over doubled ranks (mid-ranks are multiples of ½),
 * O(m · m²) for m ranks: written here because jStat has no signed-rank distribution, and enumeration is
 * exact where a normal approximation is poor (small m, where this is used). Counts stay below 2^53 for m ≤ 50.
 */
function exactPValue(ranks: readonly number[], rankSumPositive: number): number {
  const doubled = ranks.map((rank) => Math.round(2 * rank));
  const total = doubled.reduce((sum, rank) => sum + rank, 0);
  const ways = new Float64Array(total + 1);
  ways[0] = 1;
  let reach = 0;
  for (const rank of doubled) {
    for (let sum = reach; sum >= 0; sum--) ways[sum + rank]! += ways[sum] as number;
    reach += rank;
  }
  const observed = Math.round(2 * rankSumPositive);
  let atMost = 0;
  let atLeast = 0;
  ways.forEach((count, sum) => {
    if (sum <= observed) atMost += count;
    if (sum >= observed) atLeast += count;
  });
  const patterns = 2 ** ranks.length;
  return Math.min(1, (2 * Math.min(atMost, atLeast)) / patterns);
}
