import { input, type LayersModel } from '@tensorflow/tfjs-layers';
import { z } from 'zod';
import { CONVFORMER_STRIDE, CONVFORMER_UNET_PRESETS, convFormerUnet } from './architectures/convformer-unet';
import { TRANSUNET_PRESETS, TRANSUNET_STRIDE, transUnet } from './architectures/transunet';
import { UNET_LEVELS, UNET_PRESETS, unet } from './architectures/unet';
import { CountingGraphBuilder } from './counting-graph-builder';
import { ModelArgumentError } from './errors';
import type { GraphBuilder } from './graph-builder';
import { FusingLayersModel, registerCustomLayers } from './layers';
import { MODEL_NAMES, PRESET_NAMES, modelOptionsSchema, type ModelName, type ModelOptions, type ModelOptionsInput, type PresetName } from './options';
import { TfjsGraphBuilder } from './tfjs-graph-builder';
import { parseWithSchema } from './tfseg-error';

/** Output stride of each architecture: the input size must be a multiple of it. */
export const OUTPUT_STRIDES: Record<ModelName, number> = {
  unet: 2 ** UNET_LEVELS,
  transunet: TRANSUNET_STRIDE,
  'convformer-unet': CONVFORMER_STRIDE,
};

const STRIDE_REASONS: Record<ModelName, string> = {
  unet: `${UNET_LEVELS} 2×2 max-pool levels`,
  transunet: 'the ResNet encoder reaches 1/16 and the ViT takes 1×1 patches of that grid',
  'convformer-unet': 'the ConvFormer encoder reaches 1/32: a stride-4 stem and three stride-2 downsamplings',
};

/** One architecture with its options resolved: runs on any {@link GraphBuilder}, returns logits. */
function architecture(options: ModelOptions): <T>(b: GraphBuilder<T>, x: T) => T {
  const { name, preset } = options;
  const defaults = name === 'unet' ? UNET_PRESETS[preset] : name === 'transunet' ? TRANSUNET_PRESETS[preset] : CONVFORMER_UNET_PRESETS[preset];
  const settings = {
    numClasses: options.numClasses,
    baseWidth: options.baseWidth ?? defaults.baseWidth,
    batchNorm: options.batchNorm ?? defaults.batchNorm,
  };
  if (name === 'unet') return (b, x) => unet(b, x, settings);
  if (name === 'transunet') return (b, x) => transUnet(b, x, TRANSUNET_PRESETS[preset], settings);
  return (b, x) => convFormerUnet(b, x, CONVFORMER_UNET_PRESETS[preset], settings);
}

function parseAndCheck(options: unknown, caller: string): ModelOptions {
  const parsed = parseWithSchema(modelOptionsSchema, options, caller, ModelArgumentError);
  if (parsed.output === 'softmax' && parsed.numClasses < 2) {
    throw new ModelArgumentError(
      `Error in ${caller}: options.numClasses is ${parsed.numClasses}: must be at least 2 for output 'softmax' (a distribution over classes); use output: 'sigmoid' for a one-channel binary mask`,
    );
  }
  const stride = OUTPUT_STRIDES[parsed.name];
  if (parsed.inputSize % stride !== 0) {
    const lower = Math.max(stride, Math.floor(parsed.inputSize / stride) * stride);
    throw new ModelArgumentError(
      `Error in ${caller}: options.inputSize ${parsed.inputSize} must be a multiple of ${stride} for ${parsed.name} ` +
        `(${STRIDE_REASONS[parsed.name]}); try ${lower} or ${lower + stride}`,
    );
  }
  return parsed;
}

/**
 * Builds a segmentation model: input `[B, inputSize, inputSize, inChannels]`, output
 * `[B, inputSize, inputSize, numClasses]` (softmax probabilities, per-channel sigmoid probabilities with
 * `output: 'sigmoid'`, or logits with `output: 'logits'`).
 * Throws a {@link ModelArgumentError} for invalid options (unknown name or preset, input size not a
 * multiple of the output stride, ...).
 *
 * @example
 * const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 5, inputSize: 64, seed: 1 });
 */
export function buildModel(options: ModelOptionsInput): LayersModel {
  const parsed = parseAndCheck(options, 'buildModel');
  registerCustomLayers();
  const builder = new TfjsGraphBuilder(parsed.seed, parsed.init);
  const image = input({ shape: [parsed.inputSize, parsed.inputSize, parsed.inChannels], name: 'image' });
  const logits = architecture(parsed)(builder, image);
  const output = parsed.output === 'logits' ? logits : parsed.output === 'softmax' ? builder.softmax(logits, 'probabilities') : builder.sigmoid(logits, 'probabilities');
  return new FusingLayersModel({ inputs: image, outputs: output, name: `${parsed.name}_${parsed.preset}` });
}

/** Size and cost of one model, computed from its architecture without building it. */
export interface ModelDescription {
  name: ModelName;
  preset: PresetName;
  inChannels: number;
  numClasses: number;
  inputSize: number;
  /** Output shape without the batch dimension: `[inputSize, inputSize, numClasses]`. */
  outputShape: number[];
  /** Input sizes must be multiples of this. */
  outputStride: number;
  /** Every stored weight, batch-norm moving statistics included (= `LayersModel.countParams()`). */
  parameters: number;
  /** Trainable weights only (what PyTorch's `sum(p.numel() for p in model.parameters())` counts). */
  trainableParameters: number;
  /** Forward FLOPs per image (multiply-add = 2; see {@link estimateFlops}). */
  flops: number;
}

/**
 * Counts parameters and forward FLOPs of a model analytically, by running its architecture on shapes only
 * (instant even for the 100M-parameter TransUNet). Equals `buildModel(options).countParams()`.
 */
export function describeModel(options: ModelOptionsInput): ModelDescription {
  return describeParsed(parseAndCheck(options, 'describeModel'));
}

function describeParsed(parsed: ModelOptions): ModelDescription {
  const counter = new CountingGraphBuilder();
  const logits = architecture(parsed)(counter, [parsed.inputSize, parsed.inputSize, parsed.inChannels]);
  const output = parsed.output === 'logits' ? logits : parsed.output === 'softmax' ? counter.softmax(logits) : counter.sigmoid(logits);
  return {
    name: parsed.name,
    preset: parsed.preset,
    inChannels: parsed.inChannels,
    numClasses: parsed.numClasses,
    inputSize: parsed.inputSize,
    outputShape: output,
    outputStride: OUTPUT_STRIDES[parsed.name],
    parameters: counter.parameters,
    trainableParameters: counter.trainableParameters,
    flops: counter.flops,
  };
}

/**
 * Forward FLOPs per image, computed from the architecture: every convolution (regular, transposed,
 * depthwise), linear layer and attention product counts 2 FLOPs per multiply-add; element-wise operations,
 * normalizations, pooling, resizing and softmax are left out (a few FLOPs per element each).
 */
export function estimateFlops(options: ModelOptionsInput): number {
  return describeParsed(parseAndCheck(options, 'estimateFlops')).flops;
}

/** Number of weights of a built model (trainable and not, as `model.countParams()`). */
export function countParameters(model: LayersModel): number {
  return model.countParams();
}

/** Options of {@link listModels}: the input and output every listed model is sized for. */
export const listModelsOptionsSchema = z
  .object({
    /** Input channels (default 1). */
    inChannels: z.number().int().min(1).default(1),
    /** Output classes (default 2). */
    numClasses: z.number().int().min(2).default(2),
    /** Input size in pixels (default 256, the paper's patch size); must be a multiple of 32. */
    inputSize: z.number().int().min(1).default(256),
  })
  .strict();

/** Options of {@link listModels} as the caller writes them. */
export type ListModelsOptions = z.input<typeof listModelsOptionsSchema>;

/** Every architecture and preset with its parameter count and forward FLOPs, to pick a preset for a machine. */
export function listModels(options: ListModelsOptions = {}): ModelDescription[] {
  const parsed = parseWithSchema(listModelsOptionsSchema, options, 'listModels', ModelArgumentError);
  return MODEL_NAMES.flatMap((name) => PRESET_NAMES.map((preset) => describeParsed(parseAndCheck({ ...parsed, name, preset }, 'listModels'))));
}
