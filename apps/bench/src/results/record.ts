/**
 * The results record: one JSON line per finished (or failed) run in a results `.jsonl` file.
 * The sweep writes it; `report`, `regress` and `merge` read it. This schema is the single source of
 * its type; bump `RECORD_VERSION` on any incompatible change.
 */
import { splitFoldOptionsSchema } from '@tfseg/datasets';
import { lossSpecSchema } from '@tfseg/losses';
import { initNameSchema, modelNameSchema, modelOptionsSchema, presetNameSchema } from '@tfseg/models';
import { adamOptionsSchema, backendNameSchema, trainingDeviceSchema } from '@tfseg/training';
import { z } from 'zod';
import { dataProtocolSchema } from '../config/sweep-config';

/** Version of the record layout written by this bench. */
export const RECORD_VERSION = 1;

/** Everything that identifies one run; its canonical JSON hashes to the run id. */
export const runConfigSchema = z.object({
  dataset: z.string(),
  /**
   * sha256 of a dataset defined by its files (the `folder` dataset: dataset.yaml, images/, masks/), so
   * runs on the same data get the same id wherever the folder lives; absent for the paper's datasets.
   */
  datasetHash: z.string().optional(),
  model: modelNameSchema,
  modelPreset: presetNameSchema,
  /** @tfseg/models' overrides of the preset, present only when the config gives them. */
  baseWidth: modelOptionsSchema.shape.baseWidth,
  batchNorm: modelOptionsSchema.shape.batchNorm,
  /** Weight initialisation (@tfseg/models' `init`); absent: its default, `he`. */
  init: initNameSchema.optional(),
  /** The loss the run trains: exactly @tfseg/losses' spec (one λ, one r; every option the losses accept). */
  loss: lossSpecSchema,
  /** Training fraction in (0, 1]: 1, 1/2, 1/4, 1/8. */
  fraction: z.number().gt(0).max(1),
  fold: z.number().int().nonnegative(),
  folds: z.number().int().min(2),
  /** Seed of the folds and reduced training sets (@tfseg/datasets' `splitSeed`): the same for every run of a sweep. */
  splitSeed: splitFoldOptionsSchema.shape.splitSeed.unwrap(),
  /** The run's seed: initialisation, batch order and augmentation only — never the split. */
  seed: z.number().int().nonnegative(),
  imageSize: z.number().int().positive(),
  epochs: z.number().int().positive(),
  stepsPerEpoch: z.number().int().positive().optional(),
  /**
   * Set with `stepsPerEpoch` since 2026-12-02: every step is a full batch (passes run into each other).
   * Records with `stepsPerEpoch` but without it chained passes that each ended in a smaller batch (half the
   * 1/8 runs' steps trained on 2 patches); the field gives the new runs other ids, so a resumed results file
   * reruns them instead of mixing the two.
   */
  fullBatches: z.literal(true).optional(),
  batchSize: z.number().int().positive(),
  learningRate: z.number().positive(),
  /** Adam's ε; absent: @tfseg/training's default (Keras' 1e-7). */
  adamEpsilon: adamOptionsSchema.shape.epsilon.unwrap().optional(),
  backend: backendNameSchema,
  /**
   * Set when the run trains with fused multiply-adds (the sweep's `fusedMultiplyAdd`, wasm only), whose
   * results differ from the default's in the last bits and between machines. Absent for the default exact
   * arithmetic, so every exact run keeps the id it always had and an FMA run has an id of its own: the two
   * never stand in for each other on resume, merge or regress.
   */
  fusedMultiplyAdd: z.literal(true).optional(),
  /** Dataset-protocol parameters (patch counts, scale, ...) as given to @tfseg/datasets. */
  data: dataProtocolSchema.default({}),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

/** Where and with what the run was computed. */
export const runEnvironmentSchema = z.object({
  backend: z.string(),
  /**
   * The device that trained the run (@tfseg/training's `trainingDeviceSchema`): backend candidate, GPU,
   * CPU, tfjs and libtensorflow versions. Every record written since the field exists has it; older
   * records (and runs whose backend never started) lack it, and the report says so.
   */
  device: trainingDeviceSchema.optional(),
  tfjsVersion: z.string(),
  nodeVersion: z.string(),
  gitCommit: z.string().nullable(),
  platform: z.string(),
});

/** Per-epoch training curves, kept small (one number per epoch). */
export const runCurvesSchema = z.object({
  trainLoss: z.array(z.number()),
  validationMeanIoU: z.array(z.number().nullable()),
  bestEpoch: z.number().int().nonnegative(),
});

/** One line of a results file. IoU values are fractions in [0, 1]; null where a class is absent (NaN). */
export const runRecordSchema = z.object({
  version: z.literal(RECORD_VERSION),
  id: z.string(),
  status: z.enum(['ok', 'failed']),
  config: runConfigSchema,
  environment: runEnvironmentSchema,
  classNames: z.array(z.string()),
  classIoU: z.array(z.number().nullable()).optional(),
  meanIoU: z.number().optional(),
  /**
   * mIoU on the fold's validation part with the tested weights (the best epoch's); it, not the test mIoU,
   * chooses the report's additive baseline. Null when the run had no validation part.
   */
  validationMeanIoU: z.number().nullable().optional(),
  curves: runCurvesSchema.optional(),
  /** Path, relative to the results file's folder, of this run's saved qualitative samples (JSON). */
  samplesFile: z.string().optional(),
  error: z.string().optional(),
  wallTimeMs: z.number().nonnegative(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
export type RunRecord = z.infer<typeof runRecordSchema>;

/**
 * The qualitative samples of one run (for Fig. 3/4-style overlays): a few test patches with the image,
 * the truth and the prediction. Pixel data are base64 of Uint8 arrays (images quantized to 0..255,
 * HWC; label maps as class indices).
 */
export const runSamplesSchema = z.object({
  height: z.number().int().positive(),
  width: z.number().int().positive(),
  channels: z.number().int().positive(),
  classNames: z.array(z.string()),
  samples: z.array(z.object({ image: z.string(), truth: z.string(), prediction: z.string() })),
});
export type RunSamples = z.infer<typeof runSamplesSchema>;
