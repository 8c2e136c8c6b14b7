import * as fc from 'fast-check';
import { kFold, subsample } from './index';

const isSubset = (small: number[], large: number[]) => small.every((item) => large.includes(item));

describe('subsample', () => {
  it('keeps ceil(fraction · n) items, nested 1/8 ⊂ 1/4 ⊂ 1/2 ⊂ all, for random sizes and seeds', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(500), { minLength: 1, maxLength: 80 }), fc.integer(), (train, seed) => {
        const sets = [1 / 8, 1 / 4, 1 / 2, 1].map((fraction) => subsample(train, fraction, seed));
        sets.forEach((set, i) => {
          expect(set.length).toBe(Math.max(1, Math.ceil(train.length / 2 ** (3 - i))));
          expect(set).toEqual([...set].sort((a, b) => a - b));
          if (i > 0) expect(isSubset(sets[i - 1]!, set)).toBe(true);
        });
        expect(sets[3]).toEqual([...train].sort((a, b) => a - b));
      }),
      { numRuns: 150 },
    );
  });

  it('is stable for a seed, depends on the set of items not their order, and differs across seeds', () => {
    const train = [...Array(48).keys()];
    expect(subsample(train, 1 / 4, 9)).toEqual(subsample([...train].reverse(), 1 / 4, 9));
    expect(subsample(train, 1 / 4, 9)).not.toEqual(subsample(train, 1 / 4, 10));
  });

  it('draws whole groups when given the groups of the items', () => {
    const groups = [...Array(40).keys()].map((item) => `patient-${Math.floor(item / 4)}`); // 10 patients × 4 slices
    const train = [...Array(40).keys()].filter((item) => item % 8 !== 0 || item >= 8); // patient 0 lost one slice
    const half = subsample(train, 1 / 2, 3, groups);
    const quarter = subsample(train, 1 / 4, 3, groups);
    const patients = (items: number[]) => new Set(items.map((item) => groups[item]));
    expect(patients(half).size).toBe(5);
    expect(patients(quarter).size).toBe(3); // ceil(10 / 4)
    expect(isSubset(quarter, half)).toBe(true);
    for (const item of half) expect(train.filter((other) => groups[other] === groups[item]).every((other) => half.includes(other))).toBe(true);
  });

  it('never touches the test part of a fold', () => {
    const groups = [...Array(20).keys()];
    for (const fold of kFold({ groups, seed: 2, validationGroups: 2 })) {
      const reduced = subsample(fold.train, 1 / 8, 2);
      expect(reduced.length).toBe(2);
      expect(isSubset(reduced, fold.train)).toBe(true);
      expect(reduced.some((item) => fold.test.includes(item) || fold.validation.includes(item))).toBe(false);
    }
  });

  it('names bad input', () => {
    expect(() => subsample([], 0.5, 1)).toThrow('Error in subsample: train must not be empty');
    expect(() => subsample([1], 0, 1)).toThrow('Error in subsample: fraction must be in (0, 1], but got 0');
    expect(() => subsample([1], 1.5, 1)).toThrow('fraction must be in (0, 1], but got 1.5');
    expect(() => subsample([1, 1], 0.5, 1)).toThrow('train holds item 1 twice');
    expect(() => subsample([-1], 0.5, 1)).toThrow('train must hold item indices (integers ≥ 0), but got -1');
    expect(() => subsample([3], 0.5, 1, ['a', 'b'])).toThrow('train item 3 has no entry in groups (length 2)');
  });
});
