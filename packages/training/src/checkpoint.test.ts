import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readCheckpoint, writeCheckpoint, type TrainingCheckpoint } from './checkpoint';

function sampleCheckpoint(completedEpochs: number, withBest: boolean): TrainingCheckpoint {
  return {
    seed: 7,
    configuration: { loss: { name: 'ml' }, optimizer: { learningRate: 0.001 }, batchSize: 4 },
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
    await expect(readCheckpoint(directory)).rejects.toThrow(/epoch-3\.bin is damaged \(it has 8 bytes, but its manifest describes 84\)/);
  });

  it('refuses a data file with one flipped byte (checksum), naming the file', async () => {
    await writeCheckpoint(directory, sampleCheckpoint(3, false));
    const dataFile = path.join(directory, 'epoch-3.bin');
    const bytes = await fs.readFile(dataFile);
    bytes[5] = (bytes[5] as number) ^ 0x10;
    await fs.writeFile(dataFile, bytes);
    await expect(readCheckpoint(directory)).rejects.toThrow(`checkpoint ${dataFile} is damaged (its SHA-256 does not match the one in checkpoint.json)`);
  });

  it('names the manifest when it is not JSON or one of its bytes changed', async () => {
    await writeCheckpoint(directory, sampleCheckpoint(3, false));
    const manifest = path.join(directory, 'checkpoint.json');
    const text = await fs.readFile(manifest, 'utf8');
    await fs.writeFile(manifest, text.slice(0, 40));
    await expect(readCheckpoint(directory)).rejects.toThrow(`checkpoint ${manifest} is damaged (not valid JSON`);
    await fs.writeFile(manifest, text.replace('"completedEpochs\\":3', '"completedEpochs\\":4'));
    await expect(readCheckpoint(directory)).rejects.toThrow(`checkpoint ${manifest} is damaged (its checksum does not match its content)`);
  });

  it('leaves the previous checkpoint readable and no temporary file when a write fails', async () => {
    await writeCheckpoint(directory, sampleCheckpoint(1, false));
    // A folder where the next data file would go makes its write fail.
    await fs.mkdir(path.join(directory, 'epoch-2.bin'));
    await expect(writeCheckpoint(directory, sampleCheckpoint(2, false))).rejects.toThrow(/cannot write .*epoch-2\.bin/);
    expect(await readCheckpoint(directory)).toEqual(sampleCheckpoint(1, false));
    expect((await fs.readdir(directory)).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });
});
