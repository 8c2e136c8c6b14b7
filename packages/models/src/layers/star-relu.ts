import type { serialization } from '@tensorflow/tfjs-core';
import { add, mul, relu, square, tidy, type Tensor } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { singleInput, type LayerArgs } from './layer-args';

/** Arguments of {@link StarRelu}. */
export interface StarReluArgs extends LayerArgs {
  /** Initial scale s (MetaFormer: 1). */
  scaleInitialValue?: number;
  /** Initial bias b (MetaFormer: 0). */
  biasInitialValue?: number;
}

/**
 * StarReLU (Yu et al., MetaFormer Baselines, 2024): `s · relu(x)² + b` with a learned scalar scale s and
 * bias b (2 parameters). ConvFormer's activation; tfjs-layers has no such layer.
 */
export class StarRelu extends layers.Layer {
  /** Name under which the class is registered for serialization. */
  static className = 'StarReLU';
  private readonly scaleInitialValue: number;
  private readonly biasInitialValue: number;
  private scaleWeight?: LayerVariable;
  private biasWeight?: LayerVariable;

  constructor(args: StarReluArgs = {}) {
    super(args);
    this.scaleInitialValue = args.scaleInitialValue ?? 1;
    this.biasInitialValue = args.biasInitialValue ?? 0;
  }

  override build(_inputShape: Shape | Shape[]): void {
    this.scaleWeight = this.addWeight('scale', [1], 'float32', initializers.constant({ value: this.scaleInitialValue }));
    this.biasWeight = this.addWeight('bias', [1], 'float32', initializers.constant({ value: this.biasInitialValue }));
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tidy(() => {
      const x = singleInput(inputs, 'StarReLU');
      return add(mul((this.scaleWeight as LayerVariable).read(), square(relu(x))), (this.biasWeight as LayerVariable).read());
    });
  }

  override getConfig(): serialization.ConfigDict {
    return { ...super.getConfig(), scaleInitialValue: this.scaleInitialValue, biasInitialValue: this.biasInitialValue };
  }
}
