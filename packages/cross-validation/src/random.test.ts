import * as fc from 'fast-check';
import { seedStream } from './index';

const draw = (seed: number, ...purpose: (string | number)[]) => {
  const random = seedStream(seed, ...purpose);
  return Array.from({ length: 8 }, () => random.next());
};

describe('seedStream', () => {
  it('repeats for the same (seed, purpose) and differs for another seed or purpose', () => {
    expect(draw(7, 'crop', 0)).toEqual(draw(7, 'crop', 0));
    expect(draw(7, 'crop', 0)).not.toEqual(draw(8, 'crop', 0));
    expect(draw(7, 'crop', 0)).not.toEqual(draw(7, 'crop', 1));
    expect(draw(7, 'crop', 1)).not.toEqual(draw(7, 'crop', '1'));
    expect(draw(7, 'crop')).not.toEqual(draw(7, 'flip'));
  });

  it('gives next() in [0, 1), int(n) in [0, n) and a shuffle that is a permutation', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1000 }), fc.array(fc.integer(), { maxLength: 50 }), (seed, n, array) => {
        const random = seedStream(seed, 'test');
        const value = random.next();
        expect(value >= 0 && value < 1).toBe(true);
        const integer = random.int(n);
        expect(Number.isInteger(integer) && integer >= 0 && integer < n).toBe(true);
        const shuffled = random.shuffle([...array]);
        expect([...shuffled].sort((a, b) => a - b)).toEqual([...array].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it('spreads int(n) evenly (chi-square over 10 bins, 10 000 draws, below the 0.999 quantile 27.88)', () => {
    const random = seedStream(1, 'uniformity');
    const bins = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) bins[random.int(10)]!++;
    const chiSquare = bins.reduce((sum, count) => sum + (count - 1000) ** 2 / 1000, 0);
    expect(chiSquare).toBeLessThan(27.88);
  });

  it('rejects a non-integer seed, a bad purpose and a bad n', () => {
    expect(() => seedStream(1.5)).toThrow('Error in seedStream: seed must be an integer, but got 1.5');
    expect(() => seedStream(1, 'a', Number.NaN)).toThrow('purpose[1] must be a string or a finite number, but got NaN');
    expect(() => seedStream(1).int(0)).toThrow('Error in Random.int: n must be an integer in [1, 2^32], but got 0');
  });
});
