import type { serialization } from '@tensorflow/tfjs-core';
import { tidy, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { singleInput, type LayerArgs } from './layer-args';
import { normalizeAndScale } from './normalize';

/** Arguments of {@link GroupNormalization}. */
export interface GroupNormalizationArgs extends LayerArgs {
  /** Number of channel groups; must divide the channel count. */
  groups: number;
  /** Added to the variance (default 1e-5, PyTorch's). */
  epsilon?: number;
}

/**
 * Group normalization (Wu & He 2018) of a `[B, H, W, C]` tensor: each image's channels are split into
 * `groups` groups, normalised by their mean and variance over height, width and the group's channels, then
 * scaled and shifted per channel (2C parameters). TransUNet's ResNet uses it; tfjs-layers has none. The
 * gradient is the closed form of {@link normalizeAndScale}.
 */
export class GroupNormalization extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'GroupNormalization';
  private readonly groups: number;
  private readonly epsilon: number;
  private gamma?: LayerVariable;
  private beta?: LayerVariable;

  constructor(args: GroupNormalizationArgs) {
    super(args);
    this.groups = args.groups;
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const channels = shape[3];
    if (shape.length !== 4 || typeof channels !== 'number') {
      throw new Error(`Error in GroupNormalization: input must be rank 4 with known channels, but got shape [${shape.join(',')}]`);
    }
    if (channels % this.groups !== 0) {
      throw new Error(`Error in GroupNormalization: groups ${this.groups} must divide the ${channels} channels`);
    }
    this.gamma = this.addWeight('gamma', [channels], 'float32', initializers.ones());
    this.beta = this.addWeight('beta', [channels], 'float32', initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, 'GroupNormalization');
      const [batch, height, width, channels] = x.shape as [number, number, number, number];
      const groupShape = [this.groups, channels / this.groups];
      // The [B, H, W, G, C/G] and [G, C/G] views are taken inside the op (off the tape).
      const view = { x: [batch, height, width, ...groupShape], scale: groupShape };
      return normalizeAndScale(x, (this.gamma as LayerVariable).read(), (this.beta as LayerVariable).read(), [1, 2, 4], this.epsilon, view);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), groups: this.groups, epsilon: this.epsilon };
  }
}
