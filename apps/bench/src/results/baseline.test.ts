import { testConfig, testRecord } from './__fixtures__/records';
import { compareWithBaseline, createBaseline, formatRegressions } from './baseline';

const configs = [0, 1, 2].map((seed) => testConfig({ seed }));
const records = configs.map((config, index) => testRecord(config, 'ok', 0.5 + index / 10));
const baseline = createBaseline('smoke', records);

describe('mIoU baseline', () => {
  it('records every ok run by id with its mIoU and a readable summary', () => {
    expect(Object.keys(baseline.runs).sort()).toEqual(records.map((record) => record.id).sort());
    expect(baseline.runs[records[1]!.id]).toEqual({ meanIoU: 0.6, run: 'synthetic-drosophila unet/tiny ML fraction=1 fold=0 seed=1' });
  });

  it('passes unchanged results and changes within the tolerance', () => {
    expect(compareWithBaseline(baseline, records, 1e-6)).toEqual([]);
    const nudged = records.map((record) => ({ ...record, meanIoU: record.meanIoU! + 5e-7 }));
    expect(compareWithBaseline(baseline, nudged, 1e-6)).toEqual([]);
  });

  it('fails a moved, a failed, a missing and a new run, each with its reason', () => {
    const moved = { ...records[0]!, meanIoU: 0.5 + 2e-6 };
    const failed = testRecord(configs[1]!, 'failed');
    const extra = testRecord(testConfig({ seed: 9 }), 'ok', 0.1);
    const regressions = compareWithBaseline(baseline, [moved, failed, extra], 1e-6);
    // Baseline runs in id order, then the new ones.
    const known = [
      [moved.id, 'moved by more than 0.000001'],
      [failed.id, 'failed'],
      [records[2]!.id, 'missing'],
    ].sort(([a], [b]) => (a! < b! ? -1 : 1));
    expect(regressions.map((r) => [r.id, r.problem.split(':')[0]])).toEqual([...known, [extra.id, 'new']]);
    const table = formatRegressions(regressions);
    expect(table).toContain(`| ${moved.id} | synthetic-drosophila unet/tiny ML fraction=1 fold=0 seed=0 | 0.500000 | 0.500002 | +2.00e-6 |`);
    expect(table.split('\n')).toHaveLength(2 + 4);
  });

  it('treats a NaN mIoU as moved', () => {
    expect(compareWithBaseline(baseline, [{ ...records[0]!, meanIoU: NaN }, ...records.slice(1)], 1)).toHaveLength(1);
  });
});
