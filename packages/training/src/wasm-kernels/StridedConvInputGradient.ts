/**
 * The native input gradient of strided convolutions (`native/conv2d_strided_backprop_input.c`), a branch
 * of Conv2DBackpropInput.ts: ConvFormer's 7×7/4 stem and 3×3/2 downsampling, TransUNet's 7×7/2 root and
 * 3×3/2 bottlenecks. The general strided path runs one XNNPACK convolution per output phase (s² small
 * convolutions and an interleaving copy, ~2–4 GFLOP/s at these channel counts); this one gathers each dx
 * pixel's taps directly, dx rows split over the native threads: with Ci divisible by 4 as vectors over
 * the input channels (the filter flipped and in/out-swapped first, `flip_filter`), otherwise (the stems'
 * single input channel) as dot products over the output channels (Co divisible by 4).
 */
import { util, type backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeFlipFilter } from './Conv2D';
import { nativeKernels } from './native/runtime';
import { disposeIntermediate, heapOffset } from './wasm-backend';
import { nativeConvGeometry } from './conv-geometry';

/** Input channels the kernel keeps accumulators for (native/conv2d_strided_backprop_input.c). */
const MAX_IN_CHANNELS = 4096;

/**
 * dx of a strided NHWC convolution computed natively, or undefined where the kernel does not apply
 * (native kernels off, not float32, dilations, output channels not divisible by 4, too many input
 * channels): then the caller takes its general path.
 */
export function nativeStridedInputGradient(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo | undefined {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth } = info;
  if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return undefined;
  // Wide layers: vectors over the input channels (with a flipped, swapped filter); few input channels (the
  // stems): dot products over the output channels.
  const wide = inChannels % 4 === 0;
  if (!wide && (outChannels % 4 !== 0 || inChannels > MAX_IN_CHANNELS)) return undefined;
  const native = nativeKernels(backend);
  if (native === undefined) return undefined;
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  const work = util.sizeFromShape(dy.shape) * inChannels * filterHeight * filterWidth;
  const weights = wide ? nativeFlipFilter(backend, native, filter) : filter;
  const args = [heapOffset(backend, dy), heapOffset(backend, weights), heapOffset(backend, dx), ...nativeConvGeometry(info)];
  native.run(wide ? 'conv2d_strided_backprop_input_wide' : 'conv2d_strided_backprop_input', args, batchSize * inHeight, work);
  if (weights !== filter) disposeIntermediate(backend, weights);
  return dx;
}
