import { initializers, layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { GraphBuilder } from './graph-builder';
import { BatchNormalization, ChannelLayerNormalization, ReLU, Conv2D, Conv2DTranspose, ChannelScale, GroupNormalization, MultiHeadSelfAttention, PositionEmbedding, StarRelu } from './layers';
import { seedArgument } from './layers/layer-args';
import type { InitName } from './options';

type Layer = InstanceType<typeof layers.Layer>;

type Initializer = ReturnType<typeof initializers.zeros>;
type LayerKind = 'conv2d' | 'conv2dTranspose' | 'depthwiseConv2d' | 'dense';

/**
 * fan_in as `torch.nn.init._calculate_fan_in_and_fan_out` computes it from a PyTorch weight: dimension 1
 * times the receptive field. Conv2d weight `[out, in/groups, k, k]` → `in/groups · k²` (depthwise: `k²`);
 * ConvTranspose2d weight `[in, out/groups, k, k]` → `out/groups · k²` (the OUTPUT channels: PyTorch's
 * layout, kept for faithfulness); Linear `[out, in]` → `in`.
 */
export function torchFanIn(kind: LayerKind, shape: { inChannels: number; outChannels: number; kernelSize?: number }): number {
  const receptiveField = (shape.kernelSize ?? 1) ** 2;
  if (kind === 'conv2d') return shape.inChannels * receptiveField;
  if (kind === 'conv2dTranspose') return shape.outChannels * receptiveField;
  if (kind === 'depthwiseConv2d') return receptiveField;
  return shape.inChannels;
}

/**
 * Builds the tfjs-layers graph of an architecture. With a seed, layer k's initializers get seeds derived
 * from `seed` and k, so the same seed always gives the same weights (and different layers differ).
 */
export class TfjsGraphBuilder implements GraphBuilder<SymbolicTensor> {
  private layerIndex = 0;

  constructor(
    private readonly seed: number | undefined,
    private readonly init: InitName = 'he',
  ) {}

  /**
   * Kernel and bias initializers of one layer. `torch`: kaiming_uniform(a = √5) — gain √(2 / (1 + 5)),
   * bound gain · √(3 / fan_in) = 1/√fan_in — and bias U(±1/√fan_in), as torch.nn's reset_parameters.
   */
  private initializers(kind: LayerKind, shape: { inChannels: number; outChannels: number; kernelSize?: number }): { kernel: Initializer; bias: Initializer } {
    const seed = this.nextSeed();
    if (this.init === 'torch') {
      const bound = 1 / Math.sqrt(torchFanIn(kind, shape));
      const uniform = (offset: number): Initializer =>
        initializers.randomUniform({ minval: -bound, maxval: bound, ...(seed.seed === undefined ? {} : { seed: seed.seed + offset }) });
      return { kernel: uniform(0), bias: uniform(1) };
    }
    return { kernel: kind === 'dense' ? initializers.glorotUniform(seed) : initializers.heNormal(seed), bias: initializers.zeros() };
  }

  private channels(x: SymbolicTensor): number {
    return this.shape(x).at(-1) as number;
  }

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
    const init = this.initializers('conv2d', { inChannels: this.channels(x), outChannels: options.filters, kernelSize: options.kernelSize });
    // Ours rather than layers.conv2d: the same layer, whose conv + bias + ReLU is one tape operation.
    const layer = new Conv2D({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides ?? 1,
      padding: 'same',
      useBias: options.useBias,
      activation: options.relu ? 'relu' : 'linear',
      kernelInitializer: init.kernel,
      biasInitializer: init.bias,
      name: options.name,
    });
    return this.apply(layer, x);
  }

  conv2dTranspose(x: SymbolicTensor, options: { filters: number; kernelSize: number; strides: number; name: string }): SymbolicTensor {
    const init = this.initializers('conv2dTranspose', { inChannels: this.channels(x), outChannels: options.filters, kernelSize: options.kernelSize });
    // Ours rather than layers.conv2dTranspose: the same layer, whose convolution + bias is one tape operation.
    const layer = new Conv2DTranspose({
      filters: options.filters,
      kernelSize: options.kernelSize,
      strides: options.strides,
      padding: 'same',
      kernelInitializer: init.kernel,
      biasInitializer: init.bias,
      name: options.name,
    });
    return this.apply(layer, x);
  }

  depthwiseConv2d(x: SymbolicTensor, options: { kernelSize: number; useBias: boolean; name: string }): SymbolicTensor {
    const channels = this.channels(x);
    const init = this.initializers('depthwiseConv2d', { inChannels: channels, outChannels: channels, kernelSize: options.kernelSize });
    const layer = layers.depthwiseConv2d({
      kernelSize: options.kernelSize,
      padding: 'same',
      useBias: options.useBias,
      depthwiseInitializer: init.kernel,
      biasInitializer: init.bias,
      name: options.name,
    });
    return this.apply(layer, x);
  }

  dense(x: SymbolicTensor, options: { units: number; useBias: boolean; gelu?: boolean; name: string }): SymbolicTensor {
    const init = this.initializers('dense', { inChannels: this.channels(x), outChannels: options.units });
    const layer = layers.dense({
      units: options.units,
      useBias: options.useBias,
      activation: options.gelu ? 'gelu' : 'linear',
      kernelInitializer: init.kernel,
      biasInitializer: init.bias,
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
    return this.apply(new BatchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name }), x);
  }

  groupNorm(x: SymbolicTensor, options: { groups: number; name: string }): SymbolicTensor {
    return this.apply(new GroupNormalization({ groups: options.groups, name: options.name }), x);
  }

  layerNorm(x: SymbolicTensor, options: { center: boolean; epsilon: number; name: string }): SymbolicTensor {
    // Ours rather than tfjs-layers' layerNormalization: tfjs' breaks gradients without a bias, and with one
    // it tiles mean, variance, γ and β to the input's shape and differentiates op by op, where ours has a
    // closed-form gradient (same weights, gamma and beta; models saved with tfjs' layer still load).
    return this.apply(new ChannelLayerNormalization({ center: options.center, epsilon: options.epsilon, name: options.name }), x);
  }

  relu(x: SymbolicTensor, name: string): SymbolicTensor {
    // Ours rather than layers.reLU: the same layer, which after a BatchNormalization trains inside it (FusingLayersModel).
    return this.apply(new ReLU({ name }), x);
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
