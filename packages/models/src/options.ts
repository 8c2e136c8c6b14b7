import { z } from 'zod';

/** The architectures this package builds. */
export const MODEL_NAMES = ['unet', 'transunet', 'convformer-unet'] as const;
/** Sizes of every architecture: `paper` as published (GPU), `small` and `tiny` for CPU training. */
export const PRESET_NAMES = ['paper', 'small', 'tiny'] as const;

/**
 * Weight initialisations: `he` (default) He-normal kernels for every convolution, Glorot-uniform for
 * dense layers, zero biases; `torch` what `torch.nn` does by default for Conv2d, ConvTranspose2d and
 * Linear — kaiming_uniform(a = √5) kernels and uniform biases, both U(±1/√fan_in) with PyTorch's fan_in
 * (see {@link torchFanIn}) — as in the PyTorch reference implementations of the paper's architectures.
 */
export const INIT_NAMES = ['he', 'torch'] as const;
/** Name of a weight initialisation. */
export type InitName = (typeof INIT_NAMES)[number];

/** Name of an architecture. */
export type ModelName = (typeof MODEL_NAMES)[number];
/** Name of a preset. */
export type PresetName = (typeof PRESET_NAMES)[number];

const oneOf = (names: readonly string[]) => (issue: { input?: unknown }) => `must be one of ${names.join(', ')}, but got ${JSON.stringify(issue.input)}`;
/** An architecture name (the one schema of it: configs and records reuse it). */
export const modelNameSchema = z.enum(MODEL_NAMES, { error: oneOf(MODEL_NAMES) });
/** A preset name (the one schema of it: configs and records reuse it). */
export const presetNameSchema = z.enum(PRESET_NAMES, { error: oneOf(PRESET_NAMES) });
/** A weight-initialisation name. */
export const initNameSchema = z.enum(INIT_NAMES, { error: oneOf(INIT_NAMES) });

/** Options of {@link buildModel}, {@link describeModel} and {@link estimateFlops}. */
export const modelOptionsSchema = z
  .object({
    /** Architecture: U-Net (Ronneberger 2015), TransUNet (Chen 2021) or a ConvFormer-S18 encoder + U-Net decoder. */
    name: modelNameSchema,
    /** Size preset; `small` by default. */
    preset: presetNameSchema.default('small'),
    /** Channels of the input image (1 for grey, 3 for RGB). */
    inChannels: z.number().int().min(1),
    /**
     * Output channels: classes, background included, for `softmax` (at least 2); any number >= 1 for
     * `sigmoid` (one channel per independent mask: 1 for binary vessels or lesions) and `logits`.
     */
    numClasses: z.number().int().min(1),
    /** Height and width of the square input in pixels; must be a multiple of the model's output stride. */
    inputSize: z.number().int().min(1),
    /**
     * The head: `softmax` probabilities over the classes (default), `sigmoid` independent per-channel
     * probabilities (binary or multi-label masks; @tfseg/losses with `activation: 'sigmoid'`), or raw
     * `logits` (for losses with `fromLogits`).
     */
    output: z.enum(['softmax', 'sigmoid', 'logits']).default('softmax'),
    /** Seeds every initializer (a distinct seed per layer), so one seed always gives the same weights. */
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    /** Overrides the preset's base width: U-Net's first level width, the decoder's narrowest width otherwise. */
    baseWidth: z.number().int().min(1).optional(),
    /** Overrides the preset's batch normalization after decoder (U-Net: every) 3×3 convolution. */
    batchNorm: z.boolean().optional(),
    /** Weight initialisation of convolutions, transposed convolutions and dense layers: `he` (default) or `torch`. */
    init: initNameSchema.default('he'),
  })
  .strict();

/** Options as the caller writes them (defaults may be left out). */
export type ModelOptionsInput = z.input<typeof modelOptionsSchema>;
/** Options after parsing (defaults filled in). */
export type ModelOptions = z.infer<typeof modelOptionsSchema>;

