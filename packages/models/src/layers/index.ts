import { serialization } from '@tensorflow/tfjs-core';
import { BatchNormalization } from './batch-normalization';
import { FusingLayersModel, ReLU } from './batch-normalization-relu';
import { ChannelLayerNormalization } from './channel-layer-normalization';
import { Conv2D } from './conv2d';
import { Conv2DTranspose } from './conv2d-transpose';
import { GroupNormalization } from './group-normalization';
import { MultiHeadSelfAttention } from './multi-head-self-attention';
import { PositionEmbedding } from './position-embedding';
import { ChannelScale } from './scale';
import { StarRelu } from './star-relu';

export { BatchNormalization, FusingLayersModel, ReLU, ChannelLayerNormalization, Conv2D, Conv2DTranspose, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, ChannelScale, StarRelu };
export { batchNormTraining, BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, BATCH_NORM_RELU } from './batch-normalization';
export { NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizationLayout, normalizeAndScale, type NormalizeForwardAttrs, type NormalizeGradAttrs, type NormalizationView } from './normalize';
export { conv2dBiasRelu, CONV2D_BIAS_RELU, CONV2D_BIAS_RELU_GRAD } from './conv2d';
export type { Conv2DBiasReluAttrs } from './conv2d';
export { conv2dTransposeBias, CONV2D_TRANSPOSE_BIAS } from './conv2d-transpose';
export type { Conv2DTransposeBiasAttrs } from './conv2d-transpose';
export type { BatchNormTrainingAttrs, BatchNormTrainingForwardAttrs, BatchNormTrainingSettings } from './batch-normalization';
export type { ChannelLayerNormalizationArgs } from './channel-layer-normalization';
export type { GroupNormalizationArgs } from './group-normalization';
export type { MultiHeadSelfAttentionArgs } from './multi-head-self-attention';
export type { StarReluArgs } from './star-relu';

let registered = false;

/**
 * Registers this package's custom layers with tfjs serialization, so `tf.loadLayersModel` can rebuild
 * them, and its versions of tfjs' BatchNormalization, ReLU, Conv2D, Conv2DTranspose and Model (the same
 * classes under tfjs' names, so models loaded afterwards train as built ones do). `buildModel` and `loadModel` call it; call it yourself only before loading a saved model with
 * tfjs' own loaders. Idempotent. (Not done at import, so the package stays free of side effects.)
 */
export function registerCustomLayers(): void {
  if (registered) return;
  for (const layer of [BatchNormalization, ReLU, FusingLayersModel, ChannelLayerNormalization, Conv2D, Conv2DTranspose, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, ChannelScale, StarRelu]) {
    serialization.registerClass(layer);
  }
  registered = true;
}
