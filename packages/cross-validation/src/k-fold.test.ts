import * as fc from 'fast-check';
import { CrossValidationError, kFold, type Fold } from './index';

/** Items 0..n−1, item i in group labels[i]. */
const groupsOf = (counts: number[]) => counts.flatMap((count, group) => new Array<number>(count).fill(group));

function expectValidFolds(folds: Fold[], groups: readonly (string | number)[], k: number): void {
  expect(folds.map((fold) => fold.fold)).toEqual([...Array(k).keys()]);
  const testCount = new Array<number>(groups.length).fill(0);
  for (const fold of folds) {
    const parts = [fold.train, fold.validation, fold.test];
    // Each part ascending; the three parts disjoint and together all items.
    for (const part of parts) expect(part).toEqual([...part].sort((a, b) => a - b));
    expect(parts.flat().sort((a, b) => a - b)).toEqual([...groups.keys()]);
    // No group split across parts.
    const partOfGroup = new Map<string | number, number>();
    parts.forEach((part, p) => {
      for (const item of part) {
        const group = groups[item] as string | number;
        expect(partOfGroup.get(group) ?? p).toBe(p);
        partOfGroup.set(group, p);
      }
    });
    expect(fold.test.length).toBeGreaterThan(0);
    expect(fold.train.length).toBeGreaterThan(0);
    for (const item of fold.test) testCount[item]!++;
  }
  // Every item, hence every group, is tested exactly once.
  expect(testCount.every((count) => count === 1)).toBe(true);
}

describe('kFold', () => {
  it('splits 20 single-item groups into 5 test folds of 4, with 2 validation groups each', () => {
    const groups = [...Array(20).keys()].map((i) => `image-${i}`);
    const folds = kFold({ groups, seed: 1, validationGroups: 2 });
    expectValidFolds(folds, groups, 5);
    expect(folds.map((fold) => [fold.train.length, fold.validation.length, fold.test.length])).toEqual(new Array(5).fill([14, 2, 4]));
  });

  it('keeps all patches of an image together and balances items across folds', () => {
    const groups = groupsOf([16, 16, 16, 16, 16, 16, 16, 16, 16, 16]);
    const folds = kFold({ groups, k: 5, seed: 3, validationFraction: 0.25 });
    expectValidFolds(folds, groups, 5);
    expect(folds.map((fold) => fold.test.length)).toEqual([32, 32, 32, 32, 32]);
    expect(folds.map((fold) => fold.validation.length)).toEqual([32, 32, 32, 32, 32]); // round(0.25 · 8) = 2 groups
  });

  it('is stable for a seed and differs across seeds', () => {
    const groups = groupsOf(new Array<number>(30).fill(2));
    expect(kFold({ groups, seed: 42 })).toEqual(kFold({ groups, seed: 42 }));
    expect(kFold({ groups, seed: 42 }).map((fold) => fold.test)).not.toEqual(kFold({ groups, seed: 43 }).map((fold) => fold.test));
  });

  it('does not change the test parts when only the validation setting changes', () => {
    const groups = groupsOf(new Array<number>(12).fill(3));
    const tests = (validationGroups: number) => kFold({ groups, seed: 5, validationGroups }).map((fold) => fold.test);
    expect(tests(0)).toEqual(tests(3));
  });

  it('holds its invariants for random group sizes, k and seeds', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 2, maxLength: 25 }).chain((sizes) =>
          fc.tuple(fc.constant(sizes), fc.integer({ min: 2, max: sizes.length }), fc.integer(), fc.integer({ min: 0, max: 3 })),
        ),
        ([sizes, k, seed, validationGroups]) => {
          const groups = groupsOf(sizes);
          // Item balancing can give a fold many small groups; only ask for validation groups every fold can spare.
          const testGroupCounts = kFold({ groups, k, seed }).map((fold) => new Set(fold.test.map((item) => groups[item])).size);
          fc.pre(validationGroups < sizes.length - Math.max(...testGroupCounts));
          expectValidFolds(kFold({ groups, k, seed, validationGroups }), groups, k);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('names bad input', () => {
    const groups = groupsOf([1, 1, 1]);
    expect(() => kFold({ groups, seed: 1, k: 1 })).toThrow(/^Error in kFold: k: .*>=2, but got 1$/);
    expect(() => kFold({ groups, seed: 1, k: 4 })).toThrow('Error in kFold: k = 4 is more than the 3 distinct groups');
    expect(() => kFold({ groups: [], seed: 1 })).toThrow(/^Error in kFold: groups: .*, but got \[\]$/);
    expect(() => kFold({ groups, seed: 1.5, k: 2 })).toThrow(/seed: .*, but got 1.5/);
    expect(() => kFold({ groups, seed: 1, k: 2, validationFraction: 1 })).toThrow(/validationFraction: .*, but got 1/);
    expect(() => kFold({ groups, seed: 1, k: 2, validationGroups: 1, validationFraction: 0.5 })).toThrow('give validationGroups or validationFraction, not both');
    expect(() => kFold({ groups, seed: 1, k: 3, validationGroups: 2 })).toThrow('2 validation groups leave no training group in fold 0, which has 2 non-test groups');
    let error: unknown;
    try {
      kFold({ groups, seed: 1, k: 9 });
    } catch (caught) {
      error = caught;
    }
    expect(CrossValidationError.isInstance(error)).toBe(true);
  });
});
