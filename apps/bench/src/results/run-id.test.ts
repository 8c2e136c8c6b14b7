import type { RunConfig } from './record';
import { runId } from './run-id';

const config: RunConfig = {
  dataset: 'drosophila', model: 'unet', modelPreset: 'tiny', loss: { name: 'additive', lambda: 0.3 }, fraction: 0.125,
  fold: 0, folds: 5, splitSeed: 0, seed: 0, imageSize: 32, epochs: 2, batchSize: 4, learningRate: 0.001, backend: 'wasm', data: { scale: 0.125 },
};

describe('run ids', () => {
  it('is 16 hex digits of sha256, the same for equal configs and different when any field changes', () => {
    expect(runId(config)).toMatch(/^[0-9a-f]{16}$/);
    expect(runId({ ...config, loss: { lambda: 0.3, name: 'additive' } })).toBe(runId(config));
    const changes: Partial<RunConfig>[] = [{ seed: 1 }, { fold: 1 }, { fraction: 1 }, { loss: { name: 'ml' } }, { backend: 'cpu' }, { data: { scale: 0.25 } }, { epochs: 3 }];
    const ids = changes.map((change) => runId({ ...config, ...change }));
    expect(new Set([runId(config), ...ids]).size).toBe(changes.length + 1);
  });
});
