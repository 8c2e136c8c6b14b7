import type { TrainingDevice } from '@tfseg/training';
import { aggregateRecords } from './aggregate';
import { provenanceGrid, settingProvenance, UNKNOWN_DEVICE } from './provenance';
import { makeRecord } from './__fixtures__/synthetic-records';
import type { RunRecord } from '../results/record';

const a100: TrainingDevice = {
  candidate: 'tensorflow-gpu',
  gpu: { name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, computeCapability: '8.0', driverVersion: '535.104.05' },
  cpu: { model: 'AMD EPYC 7763', logicalCpus: 16 },
  threads: 1,
  tfjsVersion: '4.22.0',
  libtensorflowVersion: '2.9.1',
};
const laptop: TrainingDevice = { candidate: 'tensorflow', gpu: null, cpu: { model: 'Intel Core i7-1185G7', logicalCpus: 8 }, threads: 1, tfjsVersion: '4.22.0', libtensorflowVersion: '2.9.1' };

function run(fold: number, device: TrainingDevice | undefined, commit: string | null): RunRecord {
  const record = makeRecord({ loss: { name: 'ml' }, fold, classIoU: [0.5, 0.5, 0.5, 0.5, 0.5] });
  record.environment = { ...record.environment, backend: 'tensorflow', gitCommit: commit, ...(device ? { device } : {}) };
  return record;
}

describe('provenance', () => {
  it('lists the one device, backend and commit of a consistent setting and does not flag it', () => {
    const [setting] = settingProvenance(aggregateRecords([run(0, a100, 'abcdef1234567890'), run(1, a100, 'abcdef1234567890')]));
    expect(setting).toEqual({
      title: 'Drosophila · U-Net · Full data',
      runs: 2,
      devices: [['NVIDIA A100-SXM4-40GB (40960 MiB) · tensorflow-gpu · tfjs 4.22.0, libtensorflow 2.9.1', 2]],
      backends: [['tensorflow-gpu', 2]],
      commits: [['abcdef123456', 2]],
      mixed: [],
    });
    expect(provenanceGrid(aggregateRecords([run(0, a100, 'abc')])).rows[0]!.at(-1)).toEqual({ text: 'no', bold: false, paper: false });
  });

  it('flags a setting whose runs mixed devices, backends and commits, with counts', () => {
    const tables = aggregateRecords([run(0, a100, 'aaaa'), run(1, a100, 'aaaa'), run(2, laptop, 'bbbb')]);
    const [setting] = settingProvenance(tables);
    expect(setting!.mixed).toEqual(['devices', 'backends', 'commits']);
    const row = provenanceGrid(tables).rows[0]!;
    expect(row.map((cell) => cell.text)).toEqual([
      'Drosophila · U-Net · Full data',
      '3',
      'NVIDIA A100-SXM4-40GB (40960 MiB) · tensorflow-gpu · tfjs 4.22.0, libtensorflow 2.9.1 (2 of 3); Intel Core i7-1185G7 × 8 · tensorflow · tfjs 4.22.0, libtensorflow 2.9.1 (1 of 3)',
      'tensorflow-gpu (2 of 3); tensorflow (1 of 3)',
      'aaaa (2 of 3); bbbb (1 of 3)',
      '⚠ mixed devices, backends, commits',
    ]);
    expect(row.at(-1)!.bold).toBe(true);
  });

  it('shows runs with fused multiply-adds as a setting of their own, and whether the CPU really fused', () => {
    const wasm: TrainingDevice = { candidate: 'wasm', gpu: null, cpu: { model: 'AMD EPYC 9B14', logicalCpus: 2 }, threads: 1, tfjsVersion: '4.22.0', libtensorflowVersion: null };
    const record = (fold: number, multiplyAdd: 'separate' | 'fused', fusedMultiplyAdd: boolean): RunRecord => {
      const base = run(fold, { ...wasm, multiplyAdd }, 'abc');
      return { ...base, id: `${base.id}-${fusedMultiplyAdd}`, config: { ...base.config, backend: 'wasm', ...(fusedMultiplyAdd ? { fusedMultiplyAdd: true as const } : {}) } };
    };
    const rows = provenanceGrid(aggregateRecords([record(0, 'separate', false), record(0, 'fused', true), record(1, 'separate', true)])).rows;
    expect(rows.map((row) => row.map((cell) => cell.text).filter((_, column) => column !== 4))).toEqual([
      ['Drosophila · U-Net · Full data', '1', 'AMD EPYC 9B14 × 2 · wasm (1 thread) · tfjs 4.22.0', 'wasm', 'no'],
      [
        'Drosophila · U-Net (fused multiply-add) · Full data',
        '2',
        // An FMA run on a CPU without FMA computes the default arithmetic; its device says so (no "fused multiply-add").
        'AMD EPYC 9B14 × 2 · wasm (1 thread) · fused multiply-add · tfjs 4.22.0 (1 of 2); AMD EPYC 9B14 × 2 · wasm (1 thread) · tfjs 4.22.0 (1 of 2)',
        'wasm',
        '⚠ mixed devices',
      ],
    ]);
  });

  it('says when records carry no device, and falls back to the tfjs backend name', () => {
    const [setting] = settingProvenance(aggregateRecords([run(0, undefined, null)]));
    expect(setting!.devices).toEqual([[UNKNOWN_DEVICE, 1]]);
    expect(setting!.backends).toEqual([['tensorflow', 1]]);
    expect(setting!.commits).toEqual([['unknown', 1]]);
  });
});
