import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpoint, writeCheckpoint, type TrainingCheckpoint } from './checkpoint';

function sampleCheckpoint(completedEpochs: number, withBest: boolean): TrainingCheckpoint {
  return {
    seed: 7,
    completedEpochs,
    globalStep: 12,
    history: { trainLoss: [0.9, 0.5], validationMeanIoU: [0.4, 0.6] },
    bestEpoch: 1,
    bestValidationMeanIoU: 0.6,
    epochsWithoutImprovement: 0,
    elapsedMs: 1234,
    weightShapes: [[2, 2], [3]],
    weights: [Float32Array.of(1, 2, 3, 4), Float32Array.of(-1, 0.5, Number.MAX_VALUE)],
    bestWeights: withBest ? [Float32Array.of(5, 6, 7, 8), Float32Array.of(9, 10, 11)] : undefined,
    optimizer: { step: 12, firstMoments: [Float32Array.of(0.1, 0.2, 0.3, 0.4), Float32Array.of(1e-30, 2, 3)], secondMoments: [Float32Array.of(4, 3, 2, 1), Float32Array.of(7, 8, 9)] },
  };
}

describe('checkpoints', () => {
  let directory = '';
  beforeEach(async () => {
    directory = await fs.mkdtemp(path.join(os.tmpdir(), 'tfseg-checkpoint-'));
  });
  afterEach(async () => {
    await fs.rm(directory, { recursive: true, force: true });
  });

  it('reads back exactly what was written, with and without best weights', async () => {
    for (const withBest of [true, false]) {
      const checkpoint = sampleCheckpoint(2, withBest);
      await writeCheckpoint(directory, checkpoint);
      expect(await readCheckpoint(directory)).toEqual(checkpoint);
    }
  });

  it('is undefined for a directory without a checkpoint', async () => {
    expect(await readCheckpoint(path.join(directory, 'missing'))).toBeUndefined();
  });

  it('keeps only the data file of the newest checkpoint', async () => {
    await writeCheckpoint(directory, sampleCheckpoint(1, true));
    await writeCheckpoint(directory, sampleCheckpoint(2, true));
    expect((await fs.readdir(directory)).sort()).toEqual(['checkpoint.json', 'epoch-2.bin']);
  });

  it('refuses a truncated data file instead of loading garbage weights', async () => {
    await writeCheckpoint(directory, sampleCheckpoint(3, false));
    const dataFile = path.join(directory, 'epoch-3.bin');
    await fs.truncate(dataFile, 8);
    // weights, first and second moments: 3 × (4 + 3) float32 = 84 bytes.
    await expect(readCheckpoint(directory)).rejects.toThrow(/epoch-3\.bin has 8 bytes, but its manifest describes 84/);
  });
});
