/**
 * A 2-D convolution with a bias and a ReLU as ONE operation on the gradient tape, where tfjs records
 * three: under a gradient tape tfjs-core does not fuse an activation into `fused.conv2d`, so tfjs-layers'
 * Conv2D runs Conv2D, Add (the bias) and Relu, and their gradients Relu's, the Add's (a Sum and reshapes)
 * and the convolution's — each with tfjs' per-operation JS work and a full memory pass.
 *
 * With y = relu(z + b), z = conv(x, w):
 *
 *   dz = dy·step(y)      db = Σ dz over every axis but the last      dx, dw: the convolution's gradients of dz
 *
 * — the same function, with the same operations, as tfjs' chain (step(y) = step(z + b): y > 0 exactly
 * where z + b > 0), so the same values. The input and filter gradients stay lazy: tfjs computes only
 * those that lead to a variable (not the input gradient of a network's first layer).
 *
 * Backend-agnostic by delegation: a backend that registers the kernels {@link CONV2D_BIAS_RELU} and
 * {@link CONV2D_BIAS_RELU_GRAD} (as @tfseg/training does for wasm, on its native kernels) runs the one
 * operation; every other backend runs tfjs-core's `fused.conv2d`, exactly as tfjs-layers does, so the
 * same kernels and values as before there.
 */
import {
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  cast,
  conv2d,
  engine,
  fused,
  getGradient,
  mul,
  op,
  registerGradient,
  serialization,
  step,
  sum,
  tidy,
  type GradConfig,
  type NamedAttrMap,
  type NamedTensorMap,
  type Tensor,
  type Tensor1D,
  type Tensor4D,
} from '@tensorflow/tfjs-core';
import type { layers, LayerVariable } from '@tensorflow/tfjs-layers';
import { hasKernel, leadingAxes, singleInput } from './layer-args';

/**
 * Name of the optional kernel of the forward pass: inputs `{ x, filter, bias }` (NHWC x, filter
 * `[kh, kw, in, out]`, bias `[out]`), attributes {@link Conv2DBiasReluAttrs}; output
 * relu(conv2d(x, filter) + bias), as tfjs-core's FusedConv2D with `activation: 'relu'` computes it.
 */
export const CONV2D_BIAS_RELU = 'TfsegConv2DBiasRelu';

/**
 * Name of the optional kernel of the gradient's elementwise part: inputs `{ y, dy }` (the forward
 * output and its gradient, one shape `[..., C]`); outputs `[dz, dbias]`: dz = dy·step(y) and dbias its
 * sum over every axis but the last (`[C]`), as tfjs-core's Relu and Add gradients compute them.
 */
export const CONV2D_BIAS_RELU_GRAD = 'TfsegConv2DBiasReluGrad';

/** Attributes of {@link CONV2D_BIAS_RELU} (those of tfjs-core's Conv2D, NHWC, no dilation). */
export interface Conv2DBiasReluAttrs {
  strides: [number, number];
  pad: 'same' | 'valid';
}

/** dz and dbias of the header, by the backend's kernel or as tfjs-core's Relu and Add gradients. */
function biasReluGradient(dy: Tensor, y: Tensor): [Tensor, Tensor] {
  if (hasKernel(CONV2D_BIAS_RELU_GRAD)) return engine().runKernel(CONV2D_BIAS_RELU_GRAD, { y, dy } as NamedTensorMap) as [Tensor, Tensor];
  const dz = mul(dy, cast(step(y), 'float32'));
  return [dz, sum(dz, leadingAxes(y))];
}

/**
 * The gradient of {@link CONV2D_BIAS_RELU}: dz and db at once (one kernel), the convolution's input and
 * filter gradients lazily, with tfjs-core's Conv2D gradient's kernels and attributes.
 */
const conv2dBiasReluGradient: GradConfig = {
  kernelName: CONV2D_BIAS_RELU,
  inputsToSave: ['x', 'filter'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter, y] = saved as [Tensor4D, Tensor4D, Tensor4D];
    const [dz, dbias] = biasReluGradient(dy as Tensor, y);
    const { strides, pad } = attrs as unknown as Conv2DBiasReluAttrs;
    const convolution = { strides, pad, dataFormat: 'NHWC' } as const;
    return {
      x: () => engine().runKernel(Conv2DBackpropInput, { dy: dz, filter } as NamedTensorMap, { ...convolution, inputShape: x.shape } as unknown as NamedAttrMap) as Tensor,
      filter: () => engine().runKernel(Conv2DBackpropFilter, { x, dy: dz } as NamedTensorMap, { ...convolution, filterShape: filter.shape } as unknown as NamedAttrMap) as Tensor,
      bias: () => dbias,
    };
  },
};

function conv2dBiasRelu_(x: Tensor4D, filter: Tensor4D, bias: Tensor1D, attrs: Conv2DBiasReluAttrs): Tensor4D {
  if (!hasKernel(CONV2D_BIAS_RELU)) return fused.conv2d({ x, filter, bias, strides: attrs.strides, pad: attrs.pad, dataFormat: 'NHWC', activation: 'relu' });
  if (getGradient(CONV2D_BIAS_RELU) !== conv2dBiasReluGradient) registerGradient(conv2dBiasReluGradient);
  return engine().runKernel(CONV2D_BIAS_RELU, { x, filter, bias } as NamedTensorMap, attrs as unknown as NamedAttrMap) as Tensor4D;
}

/**
 * relu(conv2d(x, filter) + bias) over NHWC `x` (no dilation): one operation on the gradient tape with
 * the gradient of this module's header where the backend has the kernels, tfjs-core's `fused.conv2d`
 * elsewhere.
 */
export const conv2dBiasRelu = op({ conv2dBiasRelu_ });

/**
 * tfjs-layers' own Conv2D class, as tfjs-layers registered it under its className (the package exports
 * only the `layers.conv2d` factory).
 */
const TfjsConv2D = serialization.SerializationMap.getMap().classNameMap['Conv2D']?.[0] as unknown as (new (args: Parameters<typeof layers.conv2d>[0]) => ReturnType<typeof layers.conv2d>) &
  Omit<typeof layers.Layer, 'prototype'>;

/** What {@link Conv2D.call} needs of the layer's configuration. */
interface Conv2DSettings {
  /** Bias, ReLU, NHWC, no dilation: {@link conv2dBiasRelu}. */
  fusable: boolean;
  /** No bias, linear, NHWC, no dilation (a convolution before batch norm): tfjs-core's `conv2d`. */
  plain: boolean;
  strides: [number, number];
  pad: 'same' | 'valid';
}

/**
 * tfjs-layers' `Conv2D`, the same layer (same class name, config, weights and results, so saved models
 * and checkpoints load either way), whose training pass with a bias, a ReLU, NHWC and no dilation runs
 * {@link conv2dBiasRelu}: one tape operation; without bias and activation (NHWC, no dilation: the
 * convolutions before a batch norm) it runs tfjs-core's `conv2d`, whose input gradient is computed only
 * where something needs it. Inference and every other configuration run tfjs-layers' own pass.
 * {@link registerCustomLayers} registers it under tfjs' class name, so models loaded afterwards train
 * this way too.
 */
export class Conv2D extends TfjsConv2D {
  /** Name under which the class is registered for serialization: tfjs-layers' own. */
  static className = 'Conv2D';
  private settings?: Conv2DSettings;

  private configuration(): Conv2DSettings {
    if (this.settings !== undefined) return this.settings;
    const config = this.getConfig();
    const pairs = (value: unknown): number[] => (Array.isArray(value) ? value.map(Number) : [Number(value), Number(value)]);
    const strides = pairs(config.strides) as [number, number];
    const dilations = pairs(config.dilationRate ?? 1);
    const padding = config.padding;
    const convolution = (config.dataFormat ?? 'channelsLast') === 'channelsLast' && dilations.every((rate) => rate === 1) && (padding === 'same' || padding === 'valid');
    const fusable = convolution && config.activation === 'relu' && config.useBias === true;
    const plain = convolution && (config.activation ?? 'linear') === 'linear' && config.useBias === false;
    this.settings = { fusable, plain, strides, pad: padding === 'same' ? 'same' : 'valid' };
    return this.settings;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const settings = this.configuration();
    // Inference keeps tfjs-layers' pass (tfjs fuses it there anyway, into FusedConv2D).
    if (kwargs.training !== true) return super.call(inputs, kwargs);
    if (settings.plain) {
      // tfjs-layers runs fused.conv2d, whose gradient (a customGrad) computes the input gradient even
      // where nothing needs it (a network's image); conv2d's registered gradient is lazy. The same
      // convolution (wasm: the same native kernel as FusedConv2D's) and the same gradient kernels.
      const [kernel] = this.weights as [LayerVariable];
      return tidy(() => conv2d(singleInput(inputs, 'Conv2D') as Tensor4D, kernel.read() as Tensor4D, settings.strides, settings.pad, 'NHWC'));
    }
    if (!settings.fusable || !hasKernel(CONV2D_BIAS_RELU)) return super.call(inputs, kwargs);
    const x = singleInput(inputs, 'Conv2D');
    // weights: kernel, bias (useBias) — build()'s order.
    const [kernel, bias] = this.weights as [LayerVariable, LayerVariable];
    return tidy(() => conv2dBiasRelu(x as Tensor4D, kernel.read() as Tensor4D, bias.read() as Tensor1D, { strides: settings.strides, pad: settings.pad }));
  }
}
