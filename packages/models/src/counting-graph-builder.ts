import type { GraphBuilder } from './graph-builder';

type Shape = number[];

function product(values: readonly number[]): number {
  return values.reduce((a, b) => a * b, 1);
}

function channels(shape: Shape): number {
  return shape[shape.length - 1] as number;
}

/**
 * Runs an architecture on shapes only and adds up parameters and forward FLOPs per image.
 *
 * FLOPs: a multiply-add is 2 FLOPs; counted are convolutions, transposed and depthwise convolutions, linear
 * layers and the two attention matrix products (QKᵀ and AV). Element-wise operations, normalizations,
 * activations, pooling, resizing and softmax are not counted (a few FLOPs per element each, against 18·C per
 * output element of a 3×3 convolution with C input channels), as fvcore and ptflops also leave them out. Parameters count every weight tfjs stores, batch-norm moving statistics
 * included, like `LayersModel.countParams()`; `trainableParameters` leaves those out (PyTorch's count).
 */
export class CountingGraphBuilder implements GraphBuilder<Shape> {
  parameters = 0;
  trainableParameters = 0;
  flops = 0;

  private addWeights(trainable: number, nonTrainable = 0): void {
    this.trainableParameters += trainable;
    this.parameters += trainable + nonTrainable;
  }

  shape(x: Shape): number[] {
    return x;
  }

  private spatial(x: Shape, strides: number): [number, number] {
    return [Math.ceil((x[0] as number) / strides), Math.ceil((x[1] as number) / strides)];
  }

  conv2d(x: Shape, options: { filters: number; kernelSize: number; strides?: number; useBias: boolean }): Shape {
    const [h, w] = this.spatial(x, options.strides ?? 1);
    const weights = options.kernelSize * options.kernelSize * channels(x) * options.filters;
    this.addWeights(weights + (options.useBias ? options.filters : 0));
    this.flops += 2 * h * w * weights;
    return [h, w, options.filters];
  }

  conv2dTranspose(x: Shape, options: { filters: number; kernelSize: number; strides: number }): Shape {
    const weights = options.kernelSize * options.kernelSize * channels(x) * options.filters;
    this.addWeights(weights + options.filters);
    this.flops += 2 * (x[0] as number) * (x[1] as number) * weights;
    return [(x[0] as number) * options.strides, (x[1] as number) * options.strides, options.filters];
  }

  depthwiseConv2d(x: Shape, options: { kernelSize: number; useBias: boolean }): Shape {
    const weights = options.kernelSize * options.kernelSize * channels(x);
    this.addWeights(weights + (options.useBias ? channels(x) : 0));
    this.flops += 2 * (x[0] as number) * (x[1] as number) * weights;
    return x;
  }

  dense(x: Shape, options: { units: number; useBias: boolean }): Shape {
    const weights = channels(x) * options.units;
    this.addWeights(weights + (options.useBias ? options.units : 0));
    this.flops += 2 * product(x.slice(0, -1)) * weights;
    return [...x.slice(0, -1), options.units];
  }

  maxPool(x: Shape, options: { strides: number }): Shape {
    return [...this.spatial(x, options.strides), channels(x)];
  }

  upsample(x: Shape, options: { factor: number }): Shape {
    return [(x[0] as number) * options.factor, (x[1] as number) * options.factor, channels(x)];
  }

  batchNorm(x: Shape): Shape {
    this.addWeights(2 * channels(x), 2 * channels(x));
    return x;
  }

  groupNorm(x: Shape): Shape {
    this.addWeights(2 * channels(x));
    return x;
  }

  layerNorm(x: Shape, options: { center: boolean }): Shape {
    this.addWeights((options.center ? 2 : 1) * channels(x));
    return x;
  }

  relu(x: Shape): Shape {
    return x;
  }

  starRelu(x: Shape): Shape {
    this.addWeights(2);
    return x;
  }

  scale(x: Shape): Shape {
    this.addWeights(channels(x));
    return x;
  }

  add(inputs: Shape[]): Shape {
    return inputs[0] as Shape;
  }

  concat(inputs: Shape[]): Shape {
    const first = inputs[0] as Shape;
    return [...first.slice(0, -1), inputs.reduce((sum, shape) => sum + channels(shape), 0)];
  }

  toTokens(x: Shape): Shape {
    return [(x[0] as number) * (x[1] as number), channels(x)];
  }

  toGrid(x: Shape, options: { height: number; width: number }): Shape {
    return [options.height, options.width, channels(x)];
  }

  positionEmbedding(x: Shape): Shape {
    this.addWeights(product(x));
    return x;
  }

  selfAttention(x: Shape): Shape {
    const [tokens, features] = x as [number, number];
    this.addWeights(4 * (features * features + features));
    this.flops += 4 * 2 * tokens * features * features + 2 * 2 * tokens * tokens * features;
    return x;
  }

  softmax(x: Shape): Shape {
    return x;
  }

  sigmoid(x: Shape): Shape {
    return x;
  }
}
