import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeDrosophilaFolder } from '../__fixtures__/folder-datasets';
import { loadPreset } from '../config/load-config';
import { parseSweepConfig } from '../config/sweep-config';
import { runId } from '../results/run-id';
import { parseShard, planSweep, selectShard } from './plan';

const config = parseSweepConfig({
  datasets: ['drosophila', { name: 'synthetic-drosophila', root: '/data/x' }],
  models: [{ name: 'unet', preset: 'tiny' }],
  losses: [{ name: 'ce' }, { name: 'additive', lambda: [0.3, 0.5, 0.7] }, { name: 'caml' }, { name: 'caml', r: [1, 2] }],
  fractions: [1, 0.125],
  foldIndices: [0, 3],
  seeds: [0, 1, 2],
  imageSize: 32,
  epochs: 1,
});

describe('planSweep', () => {
  it('marks runs with stepsPerEpoch as full-batch runs, so their ids differ from records of the older chained passes', () => {
    const stepped = planSweep(parseSweepConfig({ ...config, stepsPerEpoch: 12 }));
    expect(stepped.every((run) => run.config.fullBatches === true && run.config.stepsPerEpoch === 12)).toBe(true);
    expect(planSweep(config).every((run) => run.config.fullBatches === undefined)).toBe(true);
    const { fullBatches: _marker, ...older } = stepped[0]!.config;
    expect(runId(older)).not.toBe(stepped[0]!.id);
  });

  it("keeps every exact run's id: the committed smoke baseline's ids are still the smoke preset's plan", () => {
    const smoke = loadPreset('smoke', join(__dirname, '../../presets'));
    const baseline = JSON.parse(readFileSync(join(__dirname, '../../baselines/smoke.json'), 'utf8')) as { runs: Record<string, unknown> };
    const runs = planSweep(smoke);
    expect(runs.map((run) => run.id).sort()).toEqual(Object.keys(baseline.runs).sort());
    expect(runs.every((run) => !('fusedMultiplyAdd' in run.config))).toBe(true);
    // fusedMultiplyAdd: false is the default arithmetic: the same runs, the same ids.
    expect(planSweep({ ...smoke, fusedMultiplyAdd: false }).map((run) => run.id)).toEqual(runs.map((run) => run.id));
  });

  it('carries fusedMultiplyAdd: true into every run config of an FMA sweep, so every id differs from the exact run’s', () => {
    const exact = planSweep({ ...config, backend: 'wasm' });
    const fused = planSweep({ ...config, backend: 'wasm', fusedMultiplyAdd: true });
    expect(fused).toHaveLength(exact.length);
    fused.forEach((run, index) => {
      const { fusedMultiplyAdd, ...rest } = run.config;
      expect(fusedMultiplyAdd).toBe(true);
      // The same run otherwise, and its id is the hash of that config with the field.
      expect(rest).toEqual(exact[index]!.config);
      expect(run.id).toBe(runId(run.config));
      expect(run.id).not.toBe(exact[index]!.id);
    });
    expect(new Set([...exact, ...fused].map((run) => run.id)).size).toBe(2 * exact.length);
    // Every shard of it is FMA too: the setting travels in the run configs, not in a process flag.
    expect(selectShard(fused, { index: 1, count: 3 }).every((run) => run.config.fusedMultiplyAdd === true)).toBe(true);
  });

  it('is the cartesian product of the axes, one run per λ and per r, with unique ids', () => {
    const runs = planSweep(config);
    // 2 datasets × 1 model × 7 losses × 2 fractions × 2 folds × 3 seeds
    expect(runs).toHaveLength(2 * 7 * 2 * 2 * 3);
    expect(new Set(runs.map((run) => run.id)).size).toBe(runs.length);
    expect(runs.flatMap((run) => (run.config.loss.name === 'additive' ? [run.config.loss.lambda] : []))).toEqual(
      expect.arrayContaining([0.3, 0.5, 0.7]),
    );
    expect(runs.find((run) => run.config.dataset === 'synthetic-drosophila')?.datasetRoot).toBe('/data/x');
  });

  it('gives the same ids for the same config, and keeps a run\'s id when other axes grow', () => {
    const small = planSweep(parseSweepConfig({ ...config, seeds: [0] }));
    const ids = new Set(planSweep(config).map((run) => run.id));
    for (const run of small) expect(ids.has(run.id)).toBe(true);
    expect(planSweep(config).map((run) => run.id)).toEqual(planSweep(config).map((run) => run.id));
  });

  it('collapses duplicate axis values into one run', () => {
    expect(planSweep(parseSweepConfig({ ...config, seeds: [0, 0] }))).toHaveLength(2 * 7 * 2 * 2);
  });
});

describe('planSweep with a folder dataset', () => {
  it('identifies runs by the folder\'s content hash, not its path', () => {
    const first = mkdtempSync(join(tmpdir(), 'tfseg-plan-a-'));
    const second = mkdtempSync(join(tmpdir(), 'tfseg-plan-b-'));
    try {
      writeDrosophilaFolder(first, 2);
      cpSync(first, second, { recursive: true });
      const plan = (root: string) => planSweep(parseSweepConfig({ ...config, datasets: [{ name: 'folder', root }], fractions: [1], seeds: [0] }));
      const [a, b] = [plan(first), plan(second)];
      expect(a.map((run) => run.id)).toEqual(b.map((run) => run.id));
      expect(a[0]?.config.datasetHash).toMatch(/^[0-9a-f]{64}$/);
      expect(a[0]?.datasetRoot).toBe(first);
      writeFileSync(join(second, 'dataset.yaml'), '# edited\n', { flag: 'a' });
      expect(plan(second)[0]?.id).not.toBe(a[0]?.id);
      expect(() => planSweep(parseSweepConfig({ ...config, datasets: ['folder'] }))).toThrow(/needs a root/);
    } finally {
      rmSync(first, { recursive: true, force: true });
      rmSync(second, { recursive: true, force: true });
    }
  });
});

describe('shards', () => {
  it('partition the plan: disjoint, and together exactly every run', () => {
    const runs = planSweep(config);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), (count) => {
        const shards = Array.from({ length: count }, (_, index) => selectShard(runs, { index, count }).map((run) => run.id));
        const all = shards.flat();
        expect(all).toHaveLength(runs.length);
        expect(new Set(all)).toEqual(new Set(runs.map((run) => run.id)));
      }),
    );
  });

  it('parses i/N and rejects anything else with the value in the message', () => {
    expect(parseShard('1/4')).toEqual({ index: 1, count: 4 });
    for (const bad of ['4/4', '1', 'a/b', '0/0', '-1/2', ' 0/2 ', '0/2 ', '0 / 2', '+0/2', '00/2', '0/2e3', '0/1000000']) expect(() => parseShard(bad)).toThrow(`but got "${bad}"`);
  });
});
