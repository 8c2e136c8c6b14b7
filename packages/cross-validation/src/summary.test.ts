import * as fc from 'fast-check';
import { summarize, summarizeClasses } from './index';

describe('summarize', () => {
  it('gives the mean and the sample (n − 1) standard deviation: 2, 4, 4, 4, 5, 5, 7, 9 → mean 5, std √(32/7)', () => {
    const summary = summarize([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(summary.n).toBe(8);
    expect(summary.mean).toBeCloseTo(5, 12);
    expect(summary.std).toBeCloseTo(Math.sqrt(32 / 7), 12); // population std would be exactly 2
    expect([summary.min, summary.max]).toEqual([2, 9]);
  });

  it('matches the paper: three runs on a 0.2 grid with sample std give its ±0.11 and ±0.23', () => {
    expect(summarize([57.4, 57.4, 57.6]).std).toBeCloseTo(0.1155, 4);
    expect(summarize([57.4, 57.4, 57.8]).std).toBeCloseTo(0.2309, 4);
  });

  it('leaves out NaN and null, and reports how many values were used', () => {
    const summary = summarize([0.5, Number.NaN, null, 0.7]);
    expect(summary.n).toBe(2);
    expect(summary.mean).toBeCloseTo(0.6, 12);
    expect(summarize([Number.NaN]).n).toBe(0);
    expect(summarize([Number.NaN]).mean).toBeNaN();
    expect(summarize([3]).std).toBeNaN();
  });

  it('agrees with a direct two-pass formula on random values', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 2, maxLength: 40 }), (values) => {
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
        const summary = summarize(values);
        expect(Math.abs(summary.mean - mean)).toBeLessThanOrEqual(1e-9);
        expect(Math.abs(summary.std - Math.sqrt(variance))).toBeLessThanOrEqual(1e-8);
      }),
      { numRuns: 100 },
    );
  });

  it('names empty input', () => {
    expect(() => summarize([])).toThrow('Error in summarize: values must not be empty');
  });
});

describe('summarizeClasses', () => {
  it('summarises each class column, ignoring NaN (class absent in a fold)', () => {
    const [first, second] = summarizeClasses([
      [0.8, Number.NaN],
      [0.6, 0.4],
      [0.7, 0.2],
    ]);
    expect(first!.mean).toBeCloseTo(0.7, 12);
    expect(first!.std).toBeCloseTo(0.1, 12);
    expect(second!.n).toBe(2);
    expect(second!.mean).toBeCloseTo(0.3, 12);
  });

  it('names ragged and empty rows', () => {
    expect(() => summarizeClasses([[1, 2], [3]])).toThrow('every row must have 2 values like rows[0], but rows[1] has 1');
    expect(() => summarizeClasses([])).toThrow('Error in summarizeClasses: rows must not be empty');
  });
});
