import type { serialization } from '@tensorflow/tfjs-core';
import { tidy, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { singleInput, type LayerArgs } from './layer-args';
import { normalizeAndScale } from './normalize';

/** Arguments of {@link ChannelLayerNormalization}. */
export interface ChannelLayerNormalizationArgs extends LayerArgs {
  /** Learn a bias β too (default false: MetaFormer's `LayerNormWithoutBias`). */
  center?: boolean;
  /** Added to the variance (default 1e-6, MetaFormer's). */
  epsilon?: number;
}

/**
 * Layer normalization over the last axis (the channels of a `[B, H, W, C]` map):
 * `γ · (x − mean) / √(var + ε) (+ β)`, C parameters (2C with `center`). ConvFormer normalises without a bias;
 * tfjs' `layerNormalization({ center: false })` passes an undefined offset to batchNorm, which breaks
 * gradient recording (tfjs 4.22), so this layer computes it from mean, sub, square, rsqrt and mul, with the
 * closed-form gradient of {@link normalizeAndScale}.
 */
export class ChannelLayerNormalization extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'ChannelLayerNormalization';
  private readonly center: boolean;
  private readonly epsilon: number;
  private gamma?: LayerVariable;
  private beta?: LayerVariable;

  constructor(args: ChannelLayerNormalizationArgs = {}) {
    super(args);
    this.center = args.center ?? false;
    this.epsilon = args.epsilon ?? 1e-6;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error('Error in ChannelLayerNormalization: the last axis (channels) must have a known size');
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, 'ChannelLayerNormalization');
      return normalizeAndScale(x, (this.gamma as LayerVariable).read(), this.beta?.read(), [x.rank - 1], this.epsilon);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), center: this.center, epsilon: this.epsilon };
  }
}
