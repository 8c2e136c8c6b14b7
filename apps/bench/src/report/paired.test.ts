import { aggregateRecords } from './aggregate';
import { pairedTests } from './paired';
import { makeRecord } from './__fixtures__/synthetic-records';

const CLASSES = ['background', 'vessel'];
const run = (loss: Parameters<typeof makeRecord>[0]['loss'], fold: number, seed: number, miou: number) =>
  makeRecord({ loss, fold, seed, classIoU: [miou, miou], classNames: CLASSES });

describe('pairedTests', () => {
  it('pairs ML and CAML with the best additive λ by (fold, seed) and reports proposed − additive in pp', () => {
    const records = [
      // λ = 0.3 is the best additive (mean 60 > 50); λ = 0.7 must be ignored.
      run({ name: 'additive', lambda: 0.3 }, 0, 0, 0.6), run({ name: 'additive', lambda: 0.3 }, 1, 0, 0.62), run({ name: 'additive', lambda: 0.3 }, 0, 1, 0.58),
      run({ name: 'additive', lambda: 0.7 }, 0, 0, 0.5), run({ name: 'additive', lambda: 0.7 }, 1, 0, 0.5),
      // ML listed in another order and with one run (fold 2) that has no partner.
      run({ name: 'ml' }, 0, 1, 0.61), run({ name: 'ml' }, 2, 0, 0.9), run({ name: 'ml' }, 1, 0, 0.63), run({ name: 'ml' }, 0, 0, 0.62),
      run({ name: 'caml' }, 0, 0, 0.65),
      run({ name: 'ce' }, 0, 0, 0.4), run({ name: 'ce' }, 1, 0, 0.4),
    ];
    const tests = pairedTests(aggregateRecords(records)[0]!);
    expect(tests.map((test) => [test.proposed, test.baseline, test.pairs])).toEqual([
      ['ML', 'λ Dice + (1−λ) CE (λ = 0.3)', 3],
      ['CAML', 'λ Dice + (1−λ) CE (λ = 0.3)', 1],
    ]);
    // Differences 62−60, 63−62, 61−58 = 2, 1, 3 → mean 2.
    expect(tests[0]!.comparison!.n).toBe(3);
    expect(tests[0]!.comparison!.meanDifference).toBeCloseTo(2, 10);
    const [low, high] = tests[0]!.comparison!.ci95;
    expect(low).toBeLessThan(2);
    expect(high).toBeGreaterThan(2);
    expect(tests[1]!.comparison).toBeUndefined();
    expect(tests[1]!.reason).toBe('n too small');
  });

  it('has nothing to compare without an additive loss', () => {
    const records = [run({ name: 'ml' }, 0, 0, 0.6), run({ name: 'ml' }, 1, 0, 0.6), run({ name: 'ce' }, 0, 0, 0.5)];
    expect(pairedTests(aggregateRecords(records)[0]!)).toEqual([]);
  });

  it('leaves the constant-r CAML ablation out of the comparisons', () => {
    const records = [run({ name: 'additive', lambda: 0.5 }, 0, 0, 0.6), run({ name: 'caml', r: 2 }, 0, 0, 0.6)];
    expect(pairedTests(aggregateRecords(records)[0]!)).toEqual([]);
  });
});
