import { promises as fs } from 'node:fs';
import { TrainingError } from './errors';
import * as path from 'node:path';
import type { AdamState } from './adam';

const MANIFEST = 'checkpoint.json';
const FORMAT = 'tfseg-training-checkpoint';

/** Everything `train` needs to continue a run after epoch `completedEpochs - 1` as if it never stopped. */
export interface TrainingCheckpoint {
  seed: number;
  /** Epochs finished; the run resumes at this epoch index (which also fixes the data order). */
  completedEpochs: number;
  /** Optimisation steps taken so far. */
  globalStep: number;
  history: { trainLoss: number[]; validationMeanIoU: number[] };
  bestEpoch: number;
  bestValidationMeanIoU: number;
  epochsWithoutImprovement: number;
  /** Training time already spent before the checkpoint. */
  elapsedMs: number;
  /** Shapes of the model weights, in `model.getWeights()` order. */
  weightShapes: number[][];
  /** Current model weights, same order. */
  weights: Float32Array[];
  /** Weights of the best validation epoch so far (absent when there is no validation set). */
  bestWeights: Float32Array[] | undefined;
  optimizer: AdamState;
}

interface Manifest extends Omit<TrainingCheckpoint, 'weights' | 'bestWeights' | 'optimizer'> {
  format: typeof FORMAT;
  version: 1;
  dataFile: string;
  hasBestWeights: boolean;
  optimizerStep: number;
  /** Lengths of the arrays stored one after another in `dataFile`. */
  arrayLengths: number[];
}

/**
 * Writes the checkpoint so that a crash at any moment leaves either the previous or the new one readable:
 * the data goes to a new file first, then the manifest naming it is renamed into place.
 */
export async function writeCheckpoint(directory: string, checkpoint: TrainingCheckpoint): Promise<void> {
  await fs.mkdir(directory, { recursive: true });
  const { weights, bestWeights, optimizer, ...rest } = checkpoint;
  const arrays = [...weights, ...(bestWeights ?? []), ...optimizer.firstMoments, ...optimizer.secondMoments];
  const dataFile = `epoch-${checkpoint.completedEpochs}.bin`;
  const bytes = Buffer.concat(arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)));
  await fs.writeFile(path.join(directory, `${dataFile}.tmp`), bytes);
  await fs.rename(path.join(directory, `${dataFile}.tmp`), path.join(directory, dataFile));
  const manifest: Manifest = {
    ...rest,
    format: FORMAT,
    version: 1,
    dataFile,
    hasBestWeights: bestWeights !== undefined,
    optimizerStep: optimizer.step,
    arrayLengths: arrays.map((array) => array.length),
  };
  await fs.writeFile(path.join(directory, `${MANIFEST}.tmp`), JSON.stringify(manifest));
  await fs.rename(path.join(directory, `${MANIFEST}.tmp`), path.join(directory, MANIFEST));
  for (const file of await fs.readdir(directory)) {
    if (/^epoch-\d+\.bin$/.test(file) && file !== dataFile) await fs.rm(path.join(directory, file), { force: true });
  }
}

/** Reads the checkpoint in `directory`, or returns undefined when there is none. */
export async function readCheckpoint(directory: string): Promise<TrainingCheckpoint | undefined> {
  let text: string;
  try {
    text = await fs.readFile(path.join(directory, MANIFEST), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const manifest = JSON.parse(text) as Manifest;
  if (manifest.format !== FORMAT || manifest.version !== 1) {
    throw new TrainingError(`checkpoint ${path.join(directory, MANIFEST)} is not a tfseg training checkpoint (format ${String(manifest.format)}, version ${String(manifest.version)})`);
  }
  const bytes = await fs.readFile(path.join(directory, manifest.dataFile));
  const total = manifest.arrayLengths.reduce((sum, length) => sum + length, 0);
  if (bytes.byteLength !== total * 4) {
    throw new TrainingError(`checkpoint data ${manifest.dataFile} has ${bytes.byteLength} bytes, but its manifest describes ${total * 4}`);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  const arrays = manifest.arrayLengths.map((length) => {
    const array = all.slice(offset, offset + length);
    offset += length;
    return array;
  });
  const weightCount = manifest.weightShapes.length;
  const weights = arrays.splice(0, weightCount);
  const bestWeights = manifest.hasBestWeights ? arrays.splice(0, weightCount) : undefined;
  const half = arrays.length / 2;
  const { format: _format, version: _version, dataFile: _dataFile, hasBestWeights: _hasBest, optimizerStep, arrayLengths: _lengths, ...rest } = manifest;
  return { ...rest, weights, bestWeights, optimizer: { step: optimizerStep, firstMoments: arrays.slice(0, half), secondMoments: arrays.slice(half) } };
}
