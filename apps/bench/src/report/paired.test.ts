import { aggregateRecords } from './aggregate';
import { pairedTestsIntro } from './content';
import { pairedTests, validationChosenAdditive, validationMeanIoU } from './paired';
import { makeRecord } from './__fixtures__/synthetic-records';

const CLASSES = ['background', 'vessel'];
const run = (loss: Parameters<typeof makeRecord>[0]['loss'], fold: number, seed: number, miou: number, validation?: number) =>
  makeRecord({ loss, fold, seed, classIoU: [miou, miou], classNames: CLASSES, ...(validation === undefined ? {} : { validationMeanIoU: validation }) });

describe('pairedTests', () => {
  it('pairs ML and CAML with the additive λ of highest mean VALIDATION mIoU by (fold, seed) and reports proposed − additive in pp', () => {
    const records = [
      // λ = 0.3 has the best validation mIoU (mean 55 > 52); λ = 0.7 has the better TEST mIoU and must be ignored.
      run({ name: 'additive', lambda: 0.3 }, 0, 0, 0.6, 0.55), run({ name: 'additive', lambda: 0.3 }, 1, 0, 0.62, 0.56), run({ name: 'additive', lambda: 0.3 }, 0, 1, 0.58, 0.54),
      run({ name: 'additive', lambda: 0.7 }, 0, 0, 0.7, 0.52), run({ name: 'additive', lambda: 0.7 }, 1, 0, 0.7, 0.52),
      // ML listed in another order and with one run (fold 2) that has no partner.
      run({ name: 'ml' }, 0, 1, 0.61), run({ name: 'ml' }, 2, 0, 0.9), run({ name: 'ml' }, 1, 0, 0.63), run({ name: 'ml' }, 0, 0, 0.62),
      run({ name: 'caml' }, 0, 0, 0.65),
      run({ name: 'ce' }, 0, 0, 0.4), run({ name: 'ce' }, 1, 0, 0.4),
    ];
    const tests = pairedTests(aggregateRecords(records)[0]!);
    expect(tests.map((test) => [test.proposed, test.baseline, test.baselineLambda, test.pairs])).toEqual([
      ['ML', 'λ·Dice + (1−λ)·CE (λ=0.3)', 0.3, 3],
      ['CAML', 'λ·Dice + (1−λ)·CE (λ=0.3)', 0.3, 1],
    ]);
    expect(tests[0]!.baselineValidationMeanIoU).toBeCloseTo(55, 10);
    expect(pairedTestsIntro(tests)).toBe(
      'Paired tests against the dataset-tuned additive loss, λ = 0.3: the λ with the highest mean validation mIoU in this setting (55.00 %), chosen on the validation parts, not on the test parts.',
    );
    // Differences 62−60, 63−62, 61−58 = 2, 1, 3 → mean 2.
    expect(tests[0]!.comparison!.n).toBe(3);
    expect(tests[0]!.comparison!.meanDifference).toBeCloseTo(2, 10);
    const [low, high] = tests[0]!.comparison!.ci95;
    expect(low).toBeLessThan(2);
    expect(high).toBeGreaterThan(2);
    expect(tests[1]!.comparison).toBeUndefined();
    expect(tests[1]!.reason).toBe('n too small');
  });

  it('reads the validation mIoU from the curves of records that lack the field, and skips λs without one', () => {
    const withoutField = (miou: number, validation: number[], fold: number, lambda: number) => {
      const record = run({ name: 'additive', lambda }, fold, 0, miou);
      delete record.validationMeanIoU;
      record.curves = { trainLoss: [1, 1], validationMeanIoU: validation, bestEpoch: 1 };
      return record;
    };
    const noValidation = run({ name: 'additive', lambda: 0.9 }, 0, 0, 0.9);
    noValidation.validationMeanIoU = null;
    delete noValidation.curves;
    const table = aggregateRecords([
      withoutField(0.5, [0.9, 0.6], 0, 0.3), withoutField(0.5, [0.9, 0.6], 1, 0.3),
      withoutField(0.7, [0.1, 0.4], 0, 0.5), withoutField(0.7, [0.1, 0.4], 1, 0.5),
      noValidation,
    ])[0]!;
    expect(validationMeanIoU(table.rows[0]!.runs[0]!)).toBe(0.6); // the best epoch's, not the highest
    expect(validationChosenAdditive(table)).toMatchObject({ row: { loss: { name: 'additive', lambda: 0.3 } } });
    expect(validationChosenAdditive(table)!.validationMeanIoU).toBeCloseTo(60, 10);
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
