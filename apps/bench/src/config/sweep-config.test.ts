import { join } from 'node:path';
import { loadPreset, parseConfigText, presetNames } from './load-config';
import { planSweep } from '../sweep/plan';
import { selectBackendOptionsSchema } from '@tfseg/training';
import { ConfigError, parseSweepConfig, sweepConfigSchema } from './sweep-config';
import { exitCodeFor, EXIT_BAD_INPUT } from '../errors';

const presets = join(__dirname, '../../presets');
const minimal = { datasets: ['synthetic-drosophila'], models: [{ name: 'unet', preset: 'tiny' }], losses: [{ name: 'ml' }], imageSize: 32, epochs: 1 };

describe('sweep config', () => {
  it('ships smoke, quick and paper presets that all parse', () => {
    expect(presetNames(presets)).toEqual(expect.arrayContaining(['paper', 'quick', 'smoke']));
    for (const name of presetNames(presets)) expect(loadPreset(name, presets).name).toBe(name);
  });

  it('fills the paper defaults (5 folds, batch 4, Adam 1e-3) for omitted fields', () => {
    const config = parseSweepConfig(minimal);
    expect(config).toMatchObject({ folds: 5, batchSize: 4, learningRate: 1e-3, fractions: [1], seeds: [0], backend: 'auto', threads: 'auto' });
  });

  it("accepts a model's baseWidth, batchNorm and init and Adam's ε, and carries them into every run", () => {
    const config = parseSweepConfig({ ...minimal, models: [{ name: 'unet', preset: 'paper', baseWidth: 16, batchNorm: false, init: 'torch' }], adamEpsilon: 1e-8 });
    const [run] = planSweep(config);
    expect(run!.config).toMatchObject({ model: 'unet', modelPreset: 'paper', baseWidth: 16, batchNorm: false, init: 'torch', adamEpsilon: 1e-8, splitSeed: 0 });
    const plain = planSweep(parseSweepConfig(minimal))[0]!.config;
    expect(['baseWidth', 'batchNorm', 'init', 'adamEpsilon'].filter((key) => key in plain)).toEqual([]);
    expect(() => parseSweepConfig({ ...minimal, models: [{ name: 'unet', preset: 'tiny', init: 'xavier' }] })).toThrow(/^config\.models\[0\]\.init: /);
    expect(() => parseSweepConfig({ ...minimal, models: [{ name: 'unet', preset: 'tiny', baseWidth: 0 }] })).toThrow(/^config\.models\[0\]\.baseWidth: /);
    expect(() => parseSweepConfig({ ...minimal, adamEpsilon: 0 })).toThrow(/^config\.adamEpsilon: /);
    const paper = loadPreset('paper', presets);
    expect(paper.models.every((model) => model.init === 'torch')).toBe(true);
    expect(paper.adamEpsilon).toBe(1e-8);
  });

  it('names the bad field with its index and the rule', () => {
    const losses = [{ name: 'ce' }, { name: 'ml' }, { name: 'additive', lambda: 1.5 }];
    expect(() => parseSweepConfig({ ...minimal, losses })).toThrow('config.losses[2].lambda: must be a number in [0, 1]');
    expect(() => parseSweepConfig({ ...minimal, fractions: [1, 0] })).toThrow('config.fractions[1]: must be > 0');
    expect(() => parseSweepConfig({ ...minimal, foldIndices: [0, 5] })).toThrow('config.foldIndices[1]: must be < folds (5), but got 5');
    expect(() => parseSweepConfig({ ...minimal, threads: 0 })).toThrow(/^config\.threads: /);
  });

  it('rejects unknown keys, unknown backends and unknown loss names', () => {
    expect(() => parseSweepConfig({ ...minimal, epoch: 3 })).toThrow('config: unknown key "epoch"');
    expect(() => parseSweepConfig({ ...minimal, backend: 'webgpu' })).toThrow('config.backend: must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, but got "webgpu"');
    expect(() => parseSweepConfig({ ...minimal, losses: [{ name: 'focal' }] })).toThrow(/^config\.losses\[0\]\.name: /);
    expect(() => parseSweepConfig({ ...minimal, models: [{ name: 'unet', preset: 'huge' }] })).toThrow('config.models[0].preset: must be one of paper, small, tiny, but got "huge"');
  });

  it("takes every option of @tfseg/losses' spec, carries it into each λ's run, and leaves the paper's ids alone", () => {
    const losses = [
      { name: 'additive', lambda: [0.3, 0.7], activation: 'sigmoid', classWeights: [1, 2] },
      { name: 'caml', r: [2], includeBackground: false, diceReduction: 'image' },
      { name: 'ce', ignoreIndex: 255 },
    ];
    const runs = planSweep(parseSweepConfig({ ...minimal, losses, foldIndices: [0] }));
    expect(runs.map((run) => run.config.loss)).toEqual([
      { name: 'additive', lambda: 0.3, activation: 'sigmoid', classWeights: [1, 2] },
      { name: 'additive', lambda: 0.7, activation: 'sigmoid', classWeights: [1, 2] },
      { name: 'caml', r: 2, includeBackground: false, diceReduction: 'image' },
      { name: 'ce', ignoreIndex: 255 },
    ]);
    // An option changes what a run computes, so its id; the same loss without options keeps the id it always had.
    const [withOption] = planSweep(parseSweepConfig({ ...minimal, losses: [{ name: 'ml', diceReduction: 'image' }] }));
    expect(withOption!.id).not.toBe(planSweep(parseSweepConfig(minimal))[0]!.id);
    expect(() => parseSweepConfig({ ...minimal, losses: [{ name: 'ml', fromLogits: true }] })).toThrow('config.losses[0]: unknown key "fromLogits"');
    expect(() => parseSweepConfig({ ...minimal, losses: [{ name: 'ml', activation: 'tanh' }] })).toThrow('config.losses[0].activation: must be "softmax" or "sigmoid"');
    expect(() => parseSweepConfig({ ...minimal, losses: [{ name: 'additive', lambda: [] }] })).toThrow(/^config\.losses\[0\]\.lambda: /);
  });

  it("takes fusedMultiplyAdd (training's own field, off by default) with backend wasm only, naming the field and the rule otherwise (exit 2)", () => {
    expect(sweepConfigSchema.shape.fusedMultiplyAdd).toBe(selectBackendOptionsSchema.shape.fusedMultiplyAdd);
    expect(parseSweepConfig(minimal).fusedMultiplyAdd).toBeUndefined();
    expect(parseSweepConfig({ ...minimal, backend: 'wasm', fusedMultiplyAdd: true }).fusedMultiplyAdd).toBe(true);
    // Off needs no particular backend.
    expect(parseSweepConfig({ ...minimal, backend: 'cpu', fusedMultiplyAdd: false }).fusedMultiplyAdd).toBe(false);
    const rule = "config.fusedMultiplyAdd: needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is";
    for (const backend of ['auto', 'cpu', 'tensorflow', 'tensorflow-gpu']) {
      expect(() => parseSweepConfig({ ...minimal, backend, fusedMultiplyAdd: true })).toThrow(`${rule} "${backend}"`);
    }
    // The default backend (auto) is not wasm either.
    let error: unknown;
    try {
      parseSweepConfig({ ...minimal, fusedMultiplyAdd: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(EXIT_BAD_INPUT);
    expect(() => parseSweepConfig({ ...minimal, backend: 'wasm', fusedMultiplyAdd: 'yes' })).toThrow(/^config\.fusedMultiplyAdd: .*boolean/);
  });

  it('reads YAML and JSON and names a file that does not parse', () => {
    expect(parseConfigText('datasets: [a]\nmodels: [{name: unet, preset: tiny}]\nlosses: [{name: ce}]\nimageSize: 32\nepochs: 1\n', 'x.yaml').datasets).toEqual(['a']);
    expect(parseConfigText(JSON.stringify(minimal), 'x.json').epochs).toBe(1);
    expect(() => parseConfigText('{ "datasets": ', 'broken.json')).toThrow(/^config file broken\.json is not valid JSON: /);
  });
});
