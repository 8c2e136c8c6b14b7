import type { serialization } from '@tensorflow/tfjs-core';
import { mul, tidy, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { singleInput, type LayerArgs } from './layer-args';

/**
 * Multiplies each channel (last axis) by a learned scale, initialised to 1 (C parameters): MetaFormer's
 * residual scale `res_scale`, used on the residual branch of ConvFormer's last two stages.
 */
export class ChannelScale extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'ChannelScale';
  private scaleWeight?: LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[shape.length - 1];
    if (typeof channels !== 'number') throw new Error('Error in ChannelScale: the last axis (channels) must have a known size');
    this.scaleWeight = this.addWeight('scale', [channels], 'float32', initializers.ones());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => mul(singleInput(inputs, 'ChannelScale'), (this.scaleWeight as LayerVariable).read()));
  }

  override getConfig(): serialization.ConfigDict {
    return super.getConfig();
  }
}
