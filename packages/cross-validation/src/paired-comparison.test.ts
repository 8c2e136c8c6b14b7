import { expectAllClose } from '@tfseg-internal/testing';
import { pairedComparison } from './index';

// Reference values: scipy 1.17.1, stats.ttest_rel(a, b) (with .confidence_interval()) and
// stats.wilcoxon(a, b) with its defaults, computed once with python3; textbook sources noted per case.

interface Reference {
  name: string;
  a: number[];
  /** Omitted: a holds the differences themselves (b = 0). */
  b?: number[];
  t: [statistic: number, pValue: number];
  ci95: [number, number];
  wilcoxon: { statistic: number; pValue: number; method: 'exact' | 'normal' };
}

// prettier-ignore
const n60 = [0.646, 1.122, 0.63, -1.003, 1.205, 0.746, -0.237, 0.881, 0.665, 0.594, 0.328, 0.847, -0.436, 0.137, -0.182, 0.899, 0.34, 0.008, -0.482, 0.043, 0.308, 0.024, 1.594, 1.307, -2.411, -1.589, 0.125, -0.122, 0.514, 0.517, 2.418, -0.812, -0.078, 2.343, 0.947, 0.963, -0.214, -1.348, 0.467, 0.409, -0.927, -0.383, 0.228, -0.645, 0.202, 0.395, 0.336, -0.206, 0.894, 1.191, 0.621, -0.518, 1.032, -0.201, 1.179, -0.772, 1.214, 0.28, -0.949, -0.014];

const references: Reference[] = [
  {
    // Cushny & Peebles 1905; R `t.test(extra ~ group, data = sleep, paired = TRUE)` prints t = -4.0621, p = 0.002833.
    // One zero difference and ties, n ≤ 13: exact over sign patterns; all 9 non-zero differences negative → 2 / 2^9.
    name: "Student's sleep data",
    a: [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    b: [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4],
    t: [-4.062127683382037, 0.002832890197384273],
    ci95: [-2.459885763276983, -0.7001142367230175],
    wilcoxon: { statistic: 0, pValue: 0.00390625, method: 'exact' },
  },
  {
    // Fisher 1935; the scipy.stats.wilcoxon documentation example: statistic 24, p = 0.041259765625 (exact, no ties).
    name: "Darwin's Zea mays differences",
    a: [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75],
    t: [2.14798746133112, 0.049702944021800866],
    ci95: [0.03119331839297601, 41.835473348273695],
    wilcoxon: { statistic: 24, pValue: 0.041259765625, method: 'exact' },
  },
  {
    name: 'n = 10 without ties (exact p = 108 / 1024)',
    a: [0.8, -1.3, 2.1, 0.4, 1.7, -0.2, 0.9, 1.1, -0.6, 2.5],
    t: [1.94826810621084, 0.0831977819531438],
    ci95: [-0.1192227605298144, 1.5992227605298144],
    wilcoxon: { statistic: 11, pValue: 0.10546875, method: 'exact' },
  },
  {
    name: 'n = 20 with ties (normal approximation, tie correction, no continuity correction)',
    a: [12, 15, 11, 18, 14, 13, 17, 16, 19, 12, 14, 15, 13, 16, 18, 20, 11, 14, 17, 15],
    b: [10, 14, 12, 15, 14.5, 11, 15, 17, 16, 10, 13, 12, 12, 14, 15, 17, 12, 12, 16, 13],
    t: [4.743828927727338, 0.00014124714371594076],
    ci95: [0.8242154697637318, 2.1257845302362686],
    wilcoxon: { statistic: 16, pValue: 0.0007752495830301553, method: 'normal' },
  },
  {
    name: 'n = 60 > 50 (normal approximation)',
    a: n60,
    t: [2.23476897504994, 0.02923265479885789],
    ci95: [0.026273917241144862, 0.47605941609218855],
    wilcoxon: { statistic: 585, pValue: 0.015126799117971637, method: 'normal' },
  },
];

describe('pairedComparison against scipy and textbook examples', () => {
  it.each(references)('$name', ({ a, b, t, ci95, wilcoxon }) => {
    const result = pairedComparison(a, b ?? new Array<number>(a.length).fill(0));
    expect(result.n).toBe(a.length);
    expect(result.tTest.df).toBe(a.length - 1);
    expectAllClose([result.tTest.statistic, result.tTest.pValue], t, 0, 1e-4);
    expectAllClose(result.ci95, ci95, 0, 1e-4);
    expect(result.wilcoxon.method).toBe(wilcoxon.method);
    expect(result.wilcoxon.statistic).toBe(wilcoxon.statistic);
    expectAllClose([result.wilcoxon.pValue], [wilcoxon.pValue], 0, 1e-4);
  });

  it('n = 8 with a zero and ties: exact conditional p = 0.0625', () => {
    const result = pairedComparison([1.5, -0.5, 2.0, 0.0, 1.5, 3.0, -1.0, 2.0], new Array<number>(8).fill(0));
    expect(result.wilcoxon).toEqual({ statistic: 3, pValue: 0.0625, method: 'exact' });
    expect(result.meanDifference).toBeCloseTo(8.5 / 8, 12);
  });
});

describe('pairedComparison edge cases', () => {
  it('is antisymmetric: swapping a and b flips the mean difference and t, keeps the p-values', () => {
    const a = [0.61, 0.58, 0.64, 0.6, 0.57];
    const b = [0.6, 0.55, 0.6, 0.61, 0.52];
    const forward = pairedComparison(a, b);
    const backward = pairedComparison(b, a);
    expect(backward.meanDifference).toBeCloseTo(-forward.meanDifference, 12);
    expect(backward.tTest.statistic).toBeCloseTo(-forward.tTest.statistic, 10);
    expect(backward.tTest.pValue).toBeCloseTo(forward.tTest.pValue, 12);
    expect(backward.wilcoxon).toEqual(forward.wilcoxon);
  });

  it('follows scipy for identical and constant differences', () => {
    const same = pairedComparison([1, 2, 3], [1, 2, 3]);
    expect(same.tTest.statistic).toBeNaN();
    expect(same.tTest.pValue).toBeNaN();
    expect(same.wilcoxon).toEqual({ statistic: 0, pValue: 1, method: 'exact' });
    const shifted = pairedComparison([2, 3, 4], [1, 2, 3]);
    expect(shifted.tTest).toEqual({ statistic: Number.POSITIVE_INFINITY, df: 2, pValue: 0 });
    expect(shifted.ci95).toEqual([1, 1]);
  });

  it('names mismatched lengths, too few pairs and non-finite values', () => {
    expect(() => pairedComparison([1, 2], [1])).toThrow('Error in pairedComparison: a and b must have the same length, but got 2 and 1');
    expect(() => pairedComparison([1], [1])).toThrow('at least 2 pairs are needed, but got 1');
    expect(() => pairedComparison([1, Number.NaN], [1, 2])).toThrow('a[1] and b[1] must be finite numbers, but got NaN and 2');
  });
});
