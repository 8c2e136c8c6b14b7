import type { serialization } from '@tensorflow/tfjs-core';
import { add, matMul, mul, reshape, softmax, tidy, transpose, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { seedArgument, singleInput, withSeed, type SeededLayerArgs } from './layer-args';

/** Arguments of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionArgs extends SeededLayerArgs {
  /** Number of heads; must divide the feature size. */
  heads: number;
}

const PROJECTIONS = ['query', 'key', 'value', 'output'] as const;

/**
 * Multi-head self-attention (Vaswani et al. 2017) of a `[B, N, D]` sequence:
 * `softmax(Q Kᵀ / √(D/h)) V` per head, heads concatenated and projected, with `Q = X Wq + bq` etc.
 * Parameters: 4·(D² + D) (query, key, value and output projections with bias, Glorot-uniform kernels).
 * tfjs-layers does not export a multi-head attention layer. Written with matMul, transpose, reshape and
 * softmax only, which every backend (wasm included) implements with gradients.
 */
export class MultiHeadSelfAttention extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'MultiHeadSelfAttention';
  private readonly heads: number;
  private readonly seed: number | undefined;
  private kernels: LayerVariable[] = [];
  private biases: LayerVariable[] = [];

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.heads = args.heads;
    this.seed = args.seed;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    const features = shape[2];
    if (shape.length !== 3 || typeof features !== 'number') {
      throw new Error(`Error in MultiHeadSelfAttention: input must be rank 3 [batch, tokens, features], but got [${shape.join(',')}]`);
    }
    if (features % this.heads !== 0) {
      throw new Error(`Error in MultiHeadSelfAttention: heads ${this.heads} must divide the feature size ${features}`);
    }
    this.kernels = PROJECTIONS.map((projection, index) =>
      this.addWeight(`${projection}_kernel`, [features, features], 'float32', initializers.glorotUniform(seedArgument(this.seed, index))),
    );
    this.biases = PROJECTIONS.map((projection) => this.addWeight(`${projection}_bias`, [features], 'float32', initializers.zeros()));
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, 'MultiHeadSelfAttention');
      const [, tokens, features] = x.shape as [number, number, number];
      const headSize = features / this.heads;
      const rows = reshape(x, [-1, features]);
      const project = (input: Tensor, index: number): Tensor =>
        add(matMul(input, (this.kernels[index] as LayerVariable).read()), (this.biases[index] as LayerVariable).read());
      // [B·N, D] → [B, heads, N, D/heads]
      const splitHeads = (projected: Tensor): Tensor => transpose(reshape(projected, [-1, tokens, this.heads, headSize]), [0, 2, 1, 3]);
      const query = splitHeads(project(rows, 0));
      const key = splitHeads(project(rows, 1));
      const value = splitHeads(project(rows, 2));
      const weights = softmax(mul(matMul(query, key, false, true), 1 / Math.sqrt(headSize)));
      const context = reshape(transpose(matMul(weights, value), [0, 2, 1, 3]), [-1, features]);
      return reshape(project(context, 3), [-1, tokens, features]);
    });
  }

  override getConfig(): serialization.ConfigDict {
    return withSeed({ ...super.getConfig(), heads: this.heads }, this.seed);
  }
}
