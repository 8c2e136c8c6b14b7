import { makeRecord } from './__fixtures__/synthetic-records';
import { describeExperiment, experimentVerdict } from './experiment';
import { renderMarkdown } from './markdown';
import type { RunRecord } from '../results/record';

const CLASSES = ['background', 'vessel'];

/** Records of a sweep over folds × seeds with the given config changes. */
function sweep(folds: number[], seeds: number[], config: Partial<RunRecord['config']>): RunRecord[] {
  return folds.flatMap((fold) => seeds.map((seed) => {
    const record = makeRecord({ loss: { name: 'ml' }, fold, seed, classIoU: [0.5, 0.5], classNames: CLASSES });
    return { ...record, config: { ...record.config, ...config } };
  }));
}

describe('the report header', () => {
  it("names every departure of a CPU preset from the paper's experiment", () => {
    const records = sweep([0, 1, 2], [0], { imageSize: 64, modelPreset: 'small', epochs: 8, stepsPerEpoch: 12, fullBatches: true, backend: 'wasm', data: { scale: 0.25 } });
    const settings = describeExperiment(records);
    const byName = Object.fromEntries(settings.map((setting) => [setting.name, setting]));
    expect(byName['Image size']).toMatchObject({ ours: '64 px patches, images scaled by 0.25', differs: true });
    expect(byName.Models).toMatchObject({ ours: 'U-Net small', differs: true });
    expect(byName.Training).toMatchObject({ ours: '8 epochs × 12 steps, batch 4, Adam lr 0.001', differs: false });
    // Records from before full batches (passes that each ended in a smaller batch) say so.
    const chained = describeExperiment(sweep([0], [0], { epochs: 8, stepsPerEpoch: 12 }));
    expect(chained.find((setting) => setting.name === 'Training')?.ours).toBe('8 epochs × 12 steps (passes ending in a smaller batch), batch 4, Adam lr 0.001');
    expect(byName['Folds × seeds']).toMatchObject({ ours: 'folds 0, 1, 2 of 5 × 1 seed (0)', paper: '5 folds × 3 initialisations', differs: true });
    expect(byName.Initialisation).toMatchObject({ differs: true });
    expect(byName["Adam's ε"]).toMatchObject({ ours: '1e-7', differs: true });
    expect(byName.Backend).toMatchObject({ ours: 'wasm' });
    // Runs with fused multiply-adds say so beside the backend.
    const fused = describeExperiment([...records, ...sweep([0], [0], { backend: 'wasm', fusedMultiplyAdd: true })]);
    expect(fused.find((setting) => setting.name === 'Backend')?.ours).toBe('wasm, wasm with fused multiply-adds');
    expect(experimentVerdict(settings)).toBe(
      "This sweep is NOT a reproduction of the paper's experiment: it differs in image size, models, folds × seeds, initialisation, adam's ε. Compare its numbers with the paper's with that in mind.",
    );
  });

  it("recognises the paper's settings: 256 px, paper presets, 5 folds × 3 seeds, torch init and ε 1e-8", () => {
    const records = sweep([0, 1, 2, 3, 4], [0, 1, 2], { imageSize: 256, modelPreset: 'paper', epochs: 100, init: 'torch', adamEpsilon: 1e-8, backend: 'tensorflow', data: { scale: 1 } });
    const settings = describeExperiment(records);
    expect(settings.filter((setting) => setting.differs)).toEqual([]);
    expect(experimentVerdict(settings)).toBe("This sweep runs the paper's protocol at the paper's settings.");
    expect(settings.find((setting) => setting.name === 'Folds × seeds')?.ours).toBe('5 folds × 3 seeds (0, 1, 2)');
    const widened = describeExperiment(sweep([0], [0], { modelPreset: 'paper', baseWidth: 16, batchNorm: false }));
    expect(widened.find((setting) => setting.name === 'Models')).toMatchObject({ ours: 'U-Net paper (width 16, no batch norm)', differs: true });
  });

  it('is the first section of the Markdown report', () => {
    const records = sweep([0, 1], [0], { imageSize: 64, init: 'torch' });
    const markdown = renderMarkdown({ title: 'T', source: 's.jsonl', runs: { ok: 2, failed: 0 }, experiment: describeExperiment(records), sections: [], overviewFigures: [], notes: [] });
    expect(markdown).toMatch(/^# T\n\nSource: s\.jsonl — 2 runs ok, 0 failed\.\n\n## The experiment\n\nThis sweep is NOT a reproduction/);
    expect(markdown).toContain('| Initialisation | torch (torch.nn defaults) |');
    expect(markdown).toContain('| Image size | **64 px patches** | 256 px');
  });
});
