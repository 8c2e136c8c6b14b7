/**
 * @tfseg/models: U-Net, TransUNet and ConvFormer+U-Net for semantic segmentation in TensorFlow.js layers,
 * from the paper's sizes down to presets a CPU trains in minutes; analytic parameter and FLOP counts;
 * saving and loading to a directory.
 */
export { buildModel, describeModel, estimateFlops, countParameters, listModels, listModelsOptionsSchema, OUTPUT_STRIDES } from './build-model';
export type { ModelDescription, ListModelsOptions } from './build-model';
export { modelOptionsSchema, modelNameSchema, presetNameSchema, initNameSchema, MODEL_NAMES, PRESET_NAMES, INIT_NAMES } from './options';
export type { ModelOptions, ModelOptionsInput, ModelName, PresetName, InitName } from './options';
export { torchFanIn } from './tfjs-graph-builder';
export { UNET_PRESETS } from './architectures/unet';
export { TRANSUNET_PRESETS } from './architectures/transunet';
export type { TransUnetPreset } from './architectures/transunet';
export { CONVFORMER_UNET_PRESETS } from './architectures/convformer-unet';
export type { ConvFormerUnetPreset } from './architectures/convformer-unet';
export { registerCustomLayers, BatchNormalization, FusingLayersModel, ReLU, batchNormTraining, BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, BATCH_NORM_RELU, NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizationLayout, normalizeAndScale, type NormalizeForwardAttrs, type NormalizeGradAttrs, type NormalizationView, ChannelLayerNormalization, Conv2D, conv2dBiasRelu, CONV2D_BIAS_RELU, CONV2D_BIAS_RELU_GRAD, Conv2DTranspose, conv2dTransposeBias, CONV2D_TRANSPOSE_BIAS, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, ChannelScale, StarRelu } from './layers';
export type { BatchNormTrainingAttrs, BatchNormTrainingForwardAttrs, BatchNormTrainingSettings, Conv2DBiasReluAttrs, Conv2DTransposeBiasAttrs, ChannelLayerNormalizationArgs, GroupNormalizationArgs, MultiHeadSelfAttentionArgs, StarReluArgs } from './layers';
export { saveModel, loadModel, directoryHandler } from './model-files';
export { ModelArgumentError, ModelsError } from './errors';
