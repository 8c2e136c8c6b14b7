/**
 * A transposed 2-D convolution plus its bias as ONE operation on the gradient tape, where tfjs-layers'
 * Conv2DTranspose records three (Conv2DBackpropInput, a Reshape of the bias and an Add) and their
 * gradients a Sum and four Reshapes besides the convolution's — each with tfjs' per-operation JS work,
 * the Add a full memory pass.
 *
 * With y = convT(x, w) + b: db = Σ dy over every axis but the last; dx and dw are the transposed
 * convolution's gradients of dy (a Conv2D of dy, a Conv2DBackpropFilter), as tfjs-core computes them,
 * lazily. The same operations as tfjs' chain, so the same values.
 *
 * A backend that registers {@link CONV2D_TRANSPOSE_BIAS} (as @tfseg/training does for wasm) runs the one
 * operation; every other backend runs tfjs-layers' own pass.
 */
import { Conv2D as Conv2DKernel, Conv2DBackpropFilter, engine, op, registerGradient, getGradient, serialization, sum, tidy, type GradConfig, type NamedAttrMap, type NamedTensorMap, type Tensor, type Tensor1D, type Tensor4D } from '@tensorflow/tfjs-core';
import type { layers, LayerVariable } from '@tensorflow/tfjs-layers';
import { hasKernel, singleInput } from './layer-args';

/**
 * Name of the optional kernel: inputs `{ x, filter, bias }` (NHWC x, filter `[kh, kw, out, in]` as
 * tfjs' conv2dTranspose takes it, bias `[out]`), attributes {@link Conv2DTransposeBiasAttrs}; output
 * conv2dTranspose(x, filter) + bias (tfjs-core's Conv2DBackpropInput kernel, then the Add).
 */
export const CONV2D_TRANSPOSE_BIAS = 'TfsegConv2DTransposeBias';

/** Attributes of {@link CONV2D_TRANSPOSE_BIAS} (those of tfjs-core's Conv2DBackpropInput, NHWC). */
export interface Conv2DTransposeBiasAttrs {
  /** The output's shape `[batch, height, width, out]`. */
  inputShape: [number, number, number, number];
  strides: [number, number];
  pad: 'same' | 'valid';
}

/** The gradient of {@link CONV2D_TRANSPOSE_BIAS}: tfjs-core's Conv2DBackpropInput gradient, and the bias' Σ dy. */
const conv2dTransposeBiasGradient: GradConfig = {
  kernelName: CONV2D_TRANSPOSE_BIAS,
  inputsToSave: ['x', 'filter'],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [Tensor4D, Tensor4D];
    const { strides, pad } = attrs as unknown as Conv2DTransposeBiasAttrs;
    const gradient = dy as Tensor4D;
    return {
      x: () => engine().runKernel(Conv2DKernel, { x: gradient, filter } as NamedTensorMap, { strides, pad, dataFormat: 'NHWC', dilations: 1 } as unknown as NamedAttrMap) as Tensor,
      filter: () => engine().runKernel(Conv2DBackpropFilter, { x: gradient, dy: x } as NamedTensorMap, { strides, pad, dataFormat: 'NHWC', filterShape: filter.shape } as unknown as NamedAttrMap) as Tensor,
      bias: () => sum(gradient, [0, 1, 2]),
    };
  },
};

function conv2dTransposeBias_(x: Tensor4D, filter: Tensor4D, bias: Tensor1D, attrs: Conv2DTransposeBiasAttrs): Tensor4D {
  if (getGradient(CONV2D_TRANSPOSE_BIAS) !== conv2dTransposeBiasGradient) registerGradient(conv2dTransposeBiasGradient);
  return engine().runKernel(CONV2D_TRANSPOSE_BIAS, { x, filter, bias } as NamedTensorMap, attrs as unknown as NamedAttrMap) as Tensor4D;
}

/**
 * conv2dTranspose(x, filter) + bias over NHWC `x`: one operation on the gradient tape. Needs a backend
 * with the {@link CONV2D_TRANSPOSE_BIAS} kernel (see {@link Conv2DTranspose} for the fallback).
 */
export const conv2dTransposeBias = op({ conv2dTransposeBias_ });

/** tfjs-layers' own Conv2DTranspose class, as tfjs-layers registered it under its className. */
const TfjsConv2DTranspose = serialization.SerializationMap.getMap().classNameMap['Conv2DTranspose']?.[0] as unknown as (new (
  args: Parameters<typeof layers.conv2dTranspose>[0],
) => ReturnType<typeof layers.conv2dTranspose>) &
  Omit<typeof layers.Layer, 'prototype'>;

/**
 * tfjs-layers' `Conv2DTranspose`, the same layer (class name, config, weights and results), whose pass
 * with a bias, no activation and NHWC — training and inference alike — runs {@link conv2dTransposeBias}
 * where the backend has the kernel (in inference one kernel and no full-size Add per layer, the same
 * bits); every other case runs tfjs-layers' own pass.
 */
export class Conv2DTranspose extends TfjsConv2DTranspose {
  /** Name under which the class is registered for serialization: tfjs-layers' own. */
  static className = 'Conv2DTranspose';
  private settings?: { fusable: boolean; strides: [number, number]; pad: 'same' | 'valid' };

  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    if (this.settings === undefined) {
      const config = this.getConfig();
      const fusable = config.useBias === true && (config.activation ?? 'linear') === 'linear' && (config.dataFormat ?? 'channelsLast') === 'channelsLast';
      this.settings = { fusable, strides: (config.strides as number[]).map(Number) as [number, number], pad: config.padding === 'same' ? 'same' : 'valid' };
    }
    const { fusable, strides, pad } = this.settings;
    const x = singleInput(inputs, 'Conv2DTranspose');
    if (!fusable || x.rank !== 4 || !hasKernel(CONV2D_TRANSPOSE_BIAS)) return super.call(inputs, kwargs);
    // The output shape as tfjs-layers' call infers it.
    const inputShape = this.computeOutputShape(x.shape) as [number, number, number, number];
    const [kernel, bias] = this.weights as [LayerVariable, LayerVariable];
    return tidy(() => conv2dTransposeBias(x as Tensor4D, kernel.read() as Tensor4D, bias.read() as Tensor1D, { inputShape, strides, pad }));
  }
}
