import type { ModelName } from '@tfseg/models';
import { aggregateRecords, settingVariant } from './aggregate';
import { makeRecord, syntheticSweep } from './__fixtures__/synthetic-records';

const CLASSES = ['background', 'vessel'];

describe('aggregateRecords', () => {
  it('gives mean ± std in percent over folds × seeds, per class and for mIoU', () => {
    const records = [
      makeRecord({ loss: { name: 'ce' }, fold: 0, seed: 0, classIoU: [0.9, 0.3], classNames: CLASSES }),
      makeRecord({ loss: { name: 'ce' }, fold: 1, seed: 0, classIoU: [0.8, 0.5], classNames: CLASSES }),
      makeRecord({ loss: { name: 'ce' }, fold: 0, seed: 1, classIoU: [0.7, 0.4], classNames: CLASSES }),
    ];
    const [table] = aggregateRecords(records);
    const row = table!.rows[0]!;
    expect(row.runs).toHaveLength(3);
    // mIoU of the runs: 60, 65, 55 → mean 60, sample std 5.
    expect(row.meanIoU.ours!.n).toBe(3);
    expect(row.meanIoU.ours!.mean).toBeCloseTo(60, 10);
    expect(row.meanIoU.ours!.std).toBeCloseTo(5, 10);
    expect(row.classIoU[0]!.ours!.mean).toBeCloseTo(80, 10);
    expect(row.classIoU[1]!.ours!.mean).toBeCloseTo(40, 10);
    expect(row.classIoU[1]!.ours!.std).toBeCloseTo(10, 10);
  });

  it('leaves out a class where a run has no such pixels (null), and gives no value when no run has it', () => {
    const records = [
      makeRecord({ loss: { name: 'ml' }, fold: 0, classIoU: [0.9, null, null], classNames: ['a', 'b', 'c'] }),
      makeRecord({ loss: { name: 'ml' }, fold: 1, classIoU: [0.7, 0.2, null], classNames: ['a', 'b', 'c'] }),
    ];
    const row = aggregateRecords(records)[0]!.rows[0]!;
    expect(row.classIoU[0]!.ours!.n).toBe(2);
    expect(row.classIoU[1]!.ours!.n).toBe(1);
    expect(row.classIoU[1]!.ours!.mean).toBeCloseTo(20, 10);
    expect(row.classIoU[2]!.ours).toBeNull();
  });

  it('counts failed runs without averaging them', () => {
    const failed = { ...makeRecord({ loss: { name: 'dice' }, fold: 2, classIoU: [0.1, 0.1], classNames: CLASSES }), status: 'failed' as const, error: 'out of memory' };
    delete failed.meanIoU;
    delete failed.classIoU;
    const records = [makeRecord({ loss: { name: 'dice' }, classIoU: [0.9, 0.5], classNames: CLASSES }), failed];
    const row = aggregateRecords(records)[0]!.rows[0]!;
    expect(row.failed).toBe(1);
    expect(row.meanIoU.ours!.mean).toBeCloseTo(70, 10);
  });

  it('orders rows as the paper does and marks the best of each column bold (ties both)', () => {
    const table = aggregateRecords(syntheticSweep()).find((entry) => entry.fraction === 1)!;
    expect(table.rows.map((row) => row.key)).toEqual(['ce', 'dice', 'additive:0.3', 'additive:0.5', 'additive:0.7', 'ml', 'caml']);
    expect(table.rows.filter((row) => row.meanIoU.best).map((row) => row.key)).toEqual(['caml']);

    const tie = aggregateRecords([
      makeRecord({ loss: { name: 'ml' }, classIoU: [0.5, 0.5], classNames: CLASSES }),
      makeRecord({ loss: { name: 'caml' }, classIoU: [0.6, 0.4], classNames: CLASSES }),
      makeRecord({ loss: { name: 'ce' }, classIoU: [0.2, 0.4], classNames: CLASSES }),
    ])[0]!;
    expect(tie.rows.map((row) => [row.key, row.meanIoU.best])).toEqual([['ce', false], ['ml', true], ['caml', true]]);
    expect(tie.rows.map((row) => row.classIoU[0]!.best)).toEqual([false, false, true]);
  });

  it('puts the paper’s number beside ours for the same dataset, model, fraction and loss', () => {
    const tables = aggregateRecords(syntheticSweep());
    const full = tables.find((table) => table.fraction === 1)!;
    const ce = full.rows.find((row) => row.key === 'ce')!;
    expect(ce.paperRow!.table).toBe(3);
    expect(ce.meanIoU.paper).toEqual({ mean: 68.2, std: 0.69 });
    expect(ce.classIoU[2]!.paper).toEqual({ mean: 33.8, std: 1.56 });
    // Table 3 at 1/8 data has only λ = 0.7; its CE row lacks the intracellular value.
    const eighth = tables.find((table) => table.fraction === 0.125)!;
    expect(eighth.rows.find((row) => row.key === 'additive:0.3')!.meanIoU.paper).toBeNull();
    expect(eighth.rows.find((row) => row.key === 'ce')!.classIoU[4]!.paper).toBeNull();
    // Paper best per column: ML has the best paper mIoU at full data (69.40).
    expect(full.rows.filter((row) => row.meanIoU.paperBest).map((row) => row.key)).toEqual(['ml']);
  });

  it('takes the constant-r CAML ablation’s paper mIoU from Table 4 (no per-class values there)', () => {
    const classNames = ['background', 'retinal vessel'];
    const records = [
      makeRecord({ dataset: 'chase-db1', fraction: 0.25, loss: { name: 'caml', r: 3 }, classIoU: [0.9, 0.3], classNames }),
      makeRecord({ dataset: 'chase-db1', fraction: 0.25, loss: { name: 'caml' }, classIoU: [0.9, 0.3], classNames }),
    ];
    const rows = aggregateRecords(records)[0]!.rows;
    expect(rows.map((row) => [row.label, row.paperRow?.table])).toEqual([['CAML', 2], ['CAML (r=3)', 4]]);
    expect(rows[1]!.meanIoU.paper).toEqual({ mean: 62.6, std: 0.4 });
    expect(rows[1]!.classIoU.map((cell) => cell.paper)).toEqual([null, null]);
    expect(rows[0]!.classIoU[1]!.paper).toEqual({ mean: 29.86, std: 1.1 });
  });

  it('puts runs with fused multiply-adds in a table of their own: never averaged (or paired) with exact runs of the same config', () => {
    const exact = [0, 1].map((fold) => makeRecord({ loss: { name: 'ml' }, fold, classIoU: [0.9, 0.3], classNames: CLASSES }));
    const fused = [0, 1].map((fold) => {
      const record = makeRecord({ loss: { name: 'ml' }, fold, classIoU: [0.5, 0.1], classNames: CLASSES });
      return { ...record, id: `${record.id}-fma`, config: { ...record.config, backend: 'wasm' as const, fusedMultiplyAdd: true as const } };
    });
    const tables = aggregateRecords([exact[0]!, fused[0]!, exact[1]!, fused[1]!]);
    expect(tables.map((table) => [table.id, table.variant, table.rows[0]!.runs.length, table.rows[0]!.meanIoU.ours?.mean])).toEqual([
      ['drosophila/unet/1', '', 2, 60],
      ['drosophila/unet (fused multiply-add)/1', 'fused multiply-add', 2, 30],
    ]);
    const widened = { ...fused[0]!, config: { ...fused[0]!.config, baseWidth: 16 } };
    expect(settingVariant(widened.config)).toBe('width 16, fused multiply-add');
    expect(settingVariant(exact[0]!.config)).toBe('');
  });

  it('orders tables by paper table, model, then largest fraction first', () => {
    const record = (dataset: string, model: ModelName, fraction: number) => makeRecord({ dataset, model, fraction, loss: { name: 'ce' }, classIoU: [0.5, 0.5], classNames: CLASSES });
    const tables = aggregateRecords([
      record('drosophila', 'unet', 0.125),
      record('chase-db1', 'transunet', 1),
      record('drosophila', 'unet', 1),
      record('covid19-ct', 'unet', 0.25),
      record('chase-db1', 'unet', 1),
    ]);
    expect(tables.map((table) => table.id)).toEqual(['covid19-ct/unet/0.25', 'chase-db1/unet/1', 'chase-db1/transunet/1', 'drosophila/unet/1', 'drosophila/unet/0.125']);
  });
});
