import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AdamState } from './adam';
import { canonicalJson } from './canonical-json';
import { TrainingError } from './errors';
import { writeFileAtomic } from './files';

const MANIFEST = 'checkpoint.json';
const FORMAT = 'tfseg-training-checkpoint';
const VERSION = 2;

/**
 * The settings a run was trained with, as far as they shape its weights: a checkpoint resumes only under
 * the same ones (a different loss or learning rate would silently mix two trainings). Epoch and step
 * counts are not part of it: resuming with more epochs continues the same training.
 */
export type TrainingConfiguration = Record<string, unknown>;

/** Everything `train` needs to continue a run after epoch `completedEpochs - 1` as if it never stopped. */
export interface TrainingCheckpoint {
  seed: number;
  /** The run's settings (loss, optimizer, batch size, ...); compared on resume. */
  configuration: TrainingConfiguration;
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
  version: typeof VERSION;
  dataFile: string;
  /** SHA-256 (hex) of `dataFile`: one flipped byte is refused instead of surfacing later as a NaN loss. */
  dataSha256: string;
  hasBestWeights: boolean;
  optimizerStep: number;
  /** Lengths of the arrays stored one after another in `dataFile`. */
  arrayLengths: number[];
}

/** The manifest file as stored: the manifest and the SHA-256 of its JSON text. */
interface ManifestFile {
  manifest: string;
  sha256: string;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * Writes the checkpoint so that a crash at any moment leaves either the previous or the new one readable:
 * the data goes to a new file first (atomically, every byte checked, fsynced), then the manifest naming it
 * and holding its checksum is replaced atomically. A full disk throws a `FileWriteError` naming the file
 * and leaves the previous checkpoint intact.
 */
export async function writeCheckpoint(directory: string, checkpoint: TrainingCheckpoint): Promise<void> {
  const { weights, bestWeights, optimizer, ...rest } = checkpoint;
  const arrays = [...weights, ...(bestWeights ?? []), ...optimizer.firstMoments, ...optimizer.secondMoments];
  const dataFile = `epoch-${checkpoint.completedEpochs}.bin`;
  const bytes = Buffer.concat(arrays.map((array) => Buffer.from(array.buffer, array.byteOffset, array.byteLength)));
  writeFileAtomic(path.join(directory, dataFile), bytes);
  const manifest: Manifest = {
    ...rest,
    format: FORMAT,
    version: VERSION,
    dataFile,
    dataSha256: sha256(bytes),
    hasBestWeights: bestWeights !== undefined,
    optimizerStep: optimizer.step,
    arrayLengths: arrays.map((array) => array.length),
  };
  const text = JSON.stringify(manifest);
  writeFileAtomic(path.join(directory, MANIFEST), JSON.stringify({ manifest: text, sha256: sha256(text) } satisfies ManifestFile));
  for (const file of await fs.readdir(directory)) {
    if (/^epoch-\d+\.bin$/.test(file) && file !== dataFile) await fs.rm(path.join(directory, file), { force: true });
  }
}

function corrupt(file: string, problem: string): TrainingError {
  return new TrainingError(`checkpoint ${file} is damaged (${problem}); delete the checkpoint folder to start the run afresh`);
}

function parseManifest(file: string, text: string): Manifest {
  let stored: Partial<ManifestFile>;
  try {
    stored = JSON.parse(text) as Partial<ManifestFile>;
  } catch (error) {
    throw corrupt(file, `not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof stored !== 'object' || stored === null) throw corrupt(file, 'not a JSON object');
  if (typeof stored.manifest !== 'string' || typeof stored.sha256 !== 'string') {
    const legacy = stored as { format?: unknown; version?: unknown };
    if (legacy.format === FORMAT) throw new TrainingError(`checkpoint ${file} has format version ${String(legacy.version)}, which has no checksums; this version reads version ${VERSION}: delete the checkpoint folder to start the run afresh`);
    throw new TrainingError(`checkpoint ${file} is not a tfseg training checkpoint (expected the keys manifest and sha256)`);
  }
  if (sha256(stored.manifest) !== stored.sha256) throw corrupt(file, 'its checksum does not match its content');
  const manifest = JSON.parse(stored.manifest) as Manifest;
  if (manifest.format !== FORMAT || manifest.version !== VERSION) {
    throw new TrainingError(`checkpoint ${file} is not a tfseg training checkpoint version ${VERSION} (format ${String(manifest.format)}, version ${String(manifest.version)})`);
  }
  return manifest;
}

/**
 * Reads the checkpoint in `directory`, or returns undefined when there is none. A damaged manifest or data
 * file (bad JSON, a checksum mismatch, a wrong length) is a TrainingError naming the file.
 */
export async function readCheckpoint(directory: string): Promise<TrainingCheckpoint | undefined> {
  const manifestFile = path.join(directory, MANIFEST);
  let text: string;
  try {
    text = await fs.readFile(manifestFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const manifest = parseManifest(manifestFile, text);
  const dataFile = path.join(directory, path.basename(manifest.dataFile));
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(dataFile);
  } catch (error) {
    throw corrupt(dataFile, `cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  const total = manifest.arrayLengths.reduce((sum, length) => sum + length, 0);
  if (bytes.byteLength !== total * 4) {
    throw corrupt(dataFile, `it has ${bytes.byteLength} bytes, but its manifest describes ${total * 4}`);
  }
  if (sha256(bytes) !== manifest.dataSha256) throw corrupt(dataFile, `its SHA-256 does not match the one in ${MANIFEST}`);
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
  const { format: _format, version: _version, dataFile: _dataFile, dataSha256: _sha, hasBestWeights: _hasBest, optimizerStep, arrayLengths: _lengths, ...rest } = manifest;
  return { ...rest, weights, bestWeights, optimizer: { step: optimizerStep, firstMoments: arrays.slice(0, half), secondMoments: arrays.slice(half) } };
}

/**
 * Names the first setting in which `saved` (a checkpoint's configuration) and `current` differ, as
 * `loss: {"name":"ml"} in the checkpoint, {"name":"ce"} now`; undefined when they agree.
 */
export function configurationDifference(saved: TrainingConfiguration, current: TrainingConfiguration): string | undefined {
  const keys = [...new Set([...Object.keys(saved), ...Object.keys(current)])].sort();
  for (const key of keys) {
    const [before, now] = [shown(saved[key]), shown(current[key])];
    if (before !== now) return `${key}: ${before} in the checkpoint, ${now} now`;
  }
  return undefined;
}

const shown = (value: unknown): string => (value === undefined ? 'absent' : canonicalJson(value));
