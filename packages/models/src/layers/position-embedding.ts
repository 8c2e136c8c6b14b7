import type { serialization } from '@tensorflow/tfjs-core';
import { add, tidy, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { seedArgument, singleInput, withSeed, type SeededLayerArgs } from './layer-args';

/**
 * Adds a learned vector to each token of a `[B, N, D]` sequence (N·D parameters, truncated normal with
 * standard deviation 0.02 as in ViT): the ViT position embedding of TransUNet. tfjs-layers has none.
 */
export class PositionEmbedding extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'PositionEmbedding';
  private readonly seed: number | undefined;
  private embedding?: LayerVariable;

  constructor(args: SeededLayerArgs = {}) {
    super(args);
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const [, tokens, features] = shape;
    if (shape.length !== 3 || typeof tokens !== 'number' || typeof features !== 'number') {
      throw new Error(`Error in PositionEmbedding: input must be rank 3 [batch, tokens, features] with known sizes, but got [${shape.join(',')}]`);
    }
    const initializer = initializers.truncatedNormal({ stddev: 0.02, ...seedArgument(this.seed) });
    this.embedding = this.addWeight('embedding', [tokens, features], 'float32', initializer);
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => add(singleInput(inputs, 'PositionEmbedding'), (this.embedding as LayerVariable).read()));
  }

  override getConfig(): serialization.ConfigDict {
    return withSeed(super.getConfig(), this.seed);
  }
}
