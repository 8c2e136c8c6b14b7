import { RECORD_VERSION, type RunConfig, type RunRecord } from '../record';
import { runId } from '../run-id';

/** A run config for tests; `seed` and `loss` vary it. */
export function testConfig(overrides: Partial<RunConfig> = {}): RunConfig {
  return {
    dataset: 'synthetic-drosophila', model: 'unet', modelPreset: 'tiny', loss: { name: 'ml' }, fraction: 1, fold: 0, folds: 5,
    splitSeed: 0,
    seed: 0, imageSize: 32, epochs: 1, batchSize: 4, learningRate: 0.001, backend: 'cpu', data: {}, ...overrides,
  };
}

/** A complete record of `config` with the given status and mIoU. */
export function testRecord(config: RunConfig, status: 'ok' | 'failed', meanIoU = 0.5, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    version: RECORD_VERSION,
    id: runId(config),
    status,
    config,
    environment: { backend: 'cpu', tfjsVersion: '4.22.0', nodeVersion: 'v20.0.0', gitCommit: null, platform: 'linux-x64' },
    classNames: ['background', 'foreground'],
    ...(status === 'ok' ? { classIoU: [meanIoU, meanIoU], meanIoU } : { error: 'Error: boom\n    at somewhere' }),
    wallTimeMs: 10,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    ...overrides,
  };
}
