import { initializers, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from './graph-builder';
import { ChannelLayerNormalization, ChannelScale, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, StarRelu } from './layers';
import { seedArgument } from './layers/layer-args';

type Layer = InstanceType<typeof layers.Layer>;

/**
 * Builds the tfjs-layers graph of an architecture. With a seed, layer k's initializers get seeds derived
 * from `seed` and k, so the same seed always gives the same weights (and different layers differ).
 */
export class TfjsGraphBuilder implements GraphBuilder<SymbolicTensor> {
  private layerIndex = 0;

  constructor(private readonly seed: number | undefined) {}

  /** A distinct seed per layer (each layer may use `seed + 0..15` for its several weights). */
  private nextSeed(): { seed?: number } {
    this.layerIndex += 1;
    return seedArgument(this.seed === undefined ? undefined : this.seed * 7919 + this.layerIndex * 16);
  }

  private apply(layer: Layer, input: SymbolicTensor | SymbolicTensor[]): SymbolicTensor {
    return layer.apply(input) as SymbolicTensor;
  }

  shape(x: SymbolicTensor): number[] {
    return x.shape.slice(1) as number[];
  }

  conv2d(x: SymbolicTensor, options: { filters: number; kernelSize: number; strides?: number; useBias: boolean; relu?: boolean; name: string }): SymbolicTensor {
    const layer = layers.conv2d({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides ?? 1,
      padding: 'same',
      useBias: options.useBias,
      activation: options.relu ? 'relu' : 'linear',
      kernelInitializer: initializers.heNormal(this.nextSeed()),
      name: options.name,
    });
    return this.apply(layer, x);
  }

  conv2dTranspose(x: SymbolicTensor, options: { filters: number; kernelSize: number; strides: number; name: string }): SymbolicTensor {
    const layer = layers.conv2dTranspose({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides,
      padding: 'same',
      kernelInitializer: initializers.heNormal(this.nextSeed()),
      name: options.name,
    });
    return this.apply(layer, x);
  }

  depthwiseConv2d(x: SymbolicTensor, options: { kernelSize: number; useBias: boolean; name: string }): SymbolicTensor {
    const layer = layers.depthwiseConv2d({
      kernelSize: options.kernelSize,
      padding: 'same',
      useBias: options.useBias,
      depthwiseInitializer: initializers.heNormal(this.nextSeed()),
      name: options.name,
    });
    return this.apply(layer, x);
  }

  dense(x: SymbolicTensor, options: { units: number; useBias: boolean; gelu?: boolean; name: string }): SymbolicTensor {
    const layer = layers.dense({
      units: options.units,
      useBias: options.useBias,
      activation: options.gelu ? 'gelu' : 'linear',
      kernelInitializer: initializers.glorotUniform(this.nextSeed()),
      name: options.name,
    });
    return this.apply(layer, x);
  }

  maxPool(x: SymbolicTensor, options: { poolSize: number; strides: number; name: string }): SymbolicTensor {
    return this.apply(layers.maxPooling2d({ poolSize: options.poolSize, strides: options.strides, padding: 'same', name: options.name }), x);
  }

  upsample(x: SymbolicTensor, options: { factor: number; interpolation: 'nearest' | 'bilinear'; name: string }): SymbolicTensor {
    const layer = layers.upSampling2d({ size: [options.factor, options.factor], interpolation: options.interpolation, name: options.name });
    return this.apply(layer, x);
  }

  batchNorm(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }), x);
  }

  groupNorm(x: SymbolicTensor, options: { groups: number; name: string }): SymbolicTensor {
    return this.apply(new GroupNormalization({ groups: options.groups, name: options.name }), x);
  }

  layerNorm(x: SymbolicTensor, options: { center: boolean; epsilon: number; name: string }): SymbolicTensor {
    // tfjs' own layer for the usual LayerNorm; ours where there is no bias (tfjs' breaks gradients then).
    if (options.center) return this.apply(layers.layerNormalization({ axis: -1, epsilon: options.epsilon, name: options.name }), x);
    return this.apply(new ChannelLayerNormalization({ center: false, epsilon: options.epsilon, name: options.name }), x);
  }

  relu(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(layers.reLU({ name }), x);
  }

  starRelu(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(new StarRelu({ name }), x);
  }

  scale(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(new ChannelScale({ name }), x);
  }

  add(inputs: SymbolicTensor[], name: string): SymbolicTensor {
    return this.apply(layers.add({ name }), inputs);
  }

  concat(inputs: SymbolicTensor[], name: string): SymbolicTensor {
    return this.apply(layers.concatenate({ axis: -1, name }), inputs);
  }

  toTokens(x: SymbolicTensor, name: string): SymbolicTensor {
    const [height, width, channels] = this.shape(x) as [number, number, number];
    return this.apply(layers.reshape({ targetShape: [height * width, channels], name }), x);
  }

  toGrid(x: SymbolicTensor, options: { height: number; width: number; name: string }): SymbolicTensor {
    const channels = this.shape(x)[1] as number;
    return this.apply(layers.reshape({ targetShape: [options.height, options.width, channels], name: options.name }), x);
  }

  positionEmbedding(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(new PositionEmbedding({ name, ...this.nextSeed() }), x);
  }

  selfAttention(x: SymbolicTensor, options: { heads: number; name: string }): SymbolicTensor {
    return this.apply(new MultiHeadSelfAttention({ heads: options.heads, name: options.name, ...this.nextSeed() }), x);
  }

  softmax(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(layers.softmax({ axis: -1, name }), x);
  }

  sigmoid(x: SymbolicTensor, name: string): SymbolicTensor {
    return this.apply(layers.activation({ activation: 'sigmoid', name }), x);
  }
}
