/**
 * Plausible synthetic results for report tests: a Drosophila sweep (5 classes) of U-Net at full and
 * 1/8 data with the paper's seven losses, 3 folds × 2 seeds, plus saved qualitative samples. Values
 * come from a seeded generator around the paper's magnitudes, never from the code under test.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelName } from '@tfseg/models';
import type { RunRecord, RunSamples } from '../../results/record';
import { additiveLambda } from '../losses';

export const CLASS_NAMES = ['membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'intracellular'];

/** Small deterministic generator (mulberry32), so the fixture is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type SyntheticLoss = RunRecord['config']['loss'];

export const LOSSES: SyntheticLoss[] = [
  { name: 'ml' },
  { name: 'ce' },
  { name: 'additive', lambda: 0.7 },
  { name: 'dice' },
  { name: 'additive', lambda: 0.3 },
  { name: 'caml' },
  { name: 'additive', lambda: 0.5 },
];

/** Mean IoU level (fraction) of each loss, so the best row is known in advance: CAML, then ML. */
const LEVEL: Record<string, number> = { ce: 0.6, dice: 0.62, 'additive:0.3': 0.63, 'additive:0.5': 0.64, 'additive:0.7': 0.635, ml: 0.66, caml: 0.67 };

export function levelOf(loss: SyntheticLoss): number {
  return LEVEL[loss.name === 'additive' ? `additive:${loss.lambda}` : loss.name]!;
}

/** One ok record with the given per-class IoU (fractions; null = class absent). */
export function makeRecord(overrides: { loss: SyntheticLoss; fraction?: number; fold?: number; seed?: number; classIoU: (number | null)[]; samplesFile?: string; epochs?: number; dataset?: string; model?: ModelName; classNames?: string[]; validationMeanIoU?: number }): RunRecord {
  const present = overrides.classIoU.filter((value): value is number => value !== null);
  const epochs = overrides.epochs ?? 4;
  const record: RunRecord = {
    version: 1,
    id: `${overrides.loss.name}-${additiveLambda(overrides.loss) ?? ''}-${overrides.fraction ?? 1}-${overrides.fold ?? 0}-${overrides.seed ?? 0}`,
    status: 'ok',
    config: {
      dataset: overrides.dataset ?? 'drosophila', model: overrides.model ?? 'unet', modelPreset: 'tiny', loss: overrides.loss,
      fraction: overrides.fraction ?? 1, fold: overrides.fold ?? 0, folds: 5, splitSeed: 0, seed: overrides.seed ?? 0, imageSize: 8,
      epochs, batchSize: 4, learningRate: 0.001, backend: 'cpu', data: {},
    },
    environment: { backend: 'cpu', tfjsVersion: '4.22.0', nodeVersion: 'v20', gitCommit: null, platform: 'linux' },
    classNames: overrides.classNames ?? CLASS_NAMES,
    classIoU: overrides.classIoU,
    meanIoU: present.reduce((sum, value) => sum + value, 0) / present.length,
    // By default validation tracks test (as on real data); tests give their own to tell the two apart.
    validationMeanIoU: overrides.validationMeanIoU ?? present.reduce((sum, value) => sum + value, 0) / present.length - 0.01,
    curves: {
      trainLoss: Array.from({ length: epochs }, (_, epoch) => 1.2 / (epoch + 1)),
      validationMeanIoU: Array.from({ length: epochs }, (_, epoch) => 0.3 + 0.08 * epoch),
      bestEpoch: epochs - 1,
    },
    wallTimeMs: 1000,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
  };
  if (overrides.samplesFile) record.samplesFile = overrides.samplesFile;
  return record;
}

const SIZE = 8;

/** A samples file: 8×8 grey images with a class stripe pattern; predictions differ per loss. */
function makeSamples(lossIndex: number): RunSamples {
  const encode = (values: number[]): string => Buffer.from(Uint8Array.from(values)).toString('base64');
  const samples = [0, 1].map((sample) => {
    const truth = Array.from({ length: SIZE * SIZE }, (_, index) => (Math.floor(index / SIZE) + sample) % CLASS_NAMES.length);
    const prediction = truth.map((label, index) => (index % (lossIndex + 3) === 0 ? (label + 1) % CLASS_NAMES.length : label));
    const image = Array.from({ length: SIZE * SIZE }, (_, index) => (index * 4 + sample * 30) % 256);
    return { image: encode(image), truth: encode(truth), prediction: encode(prediction) };
  });
  return { height: SIZE, width: SIZE, channels: 1, classNames: CLASS_NAMES, samples };
}

/**
 * The whole synthetic sweep; writes the samples files of fold 0 / seed 0 into `resultsDir/samples/`
 * when a folder is given.
 */
export function syntheticSweep(resultsDir?: string): RunRecord[] {
  const random = seededRandom(7);
  const records: RunRecord[] = [];
  for (const fraction of [1, 0.125]) {
    LOSSES.forEach((loss, lossIndex) => {
      for (let fold = 0; fold < 3; fold++) {
        for (let seed = 0; seed < 2; seed++) {
          const level = levelOf(loss) - (fraction < 1 ? 0.08 : 0);
          const classIoU = CLASS_NAMES.map((_, index) => Math.min(1, Math.max(0, level + (index - 2) * 0.1 + (random() - 0.5) * 0.02)));
          let samplesFile: string | undefined;
          if (resultsDir && fold === 0 && seed === 0) {
            samplesFile = `samples/${fraction}-${loss.name}-${additiveLambda(loss) ?? ''}.json`;
            mkdirSync(join(resultsDir, 'samples'), { recursive: true });
            writeFileSync(join(resultsDir, samplesFile), JSON.stringify(makeSamples(lossIndex)));
          }
          records.push(makeRecord({ loss, fraction, fold, seed, classIoU, ...(samplesFile ? { samplesFile } : {}) }));
        }
      }
    });
  }
  return records;
}
