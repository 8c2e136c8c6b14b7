/**
 * Conv2DBackpropInput for the wasm backend, replacing the built-in one (a scalar loop at ~3 GFLOP/s).
 * It is also the forward pass of a transposed convolution (`tf.layers.conv2dTranspose`).
 *
 * dx is a forward convolution of dy with the spatially flipped filter whose in/out channels are swapped,
 * padded by K − 1 − pad: stride 1 on tfseg's native convolution (Conv2D.ts: Winograd, F(4×4) or F(2×2)
 * by dx's size, reads the filter flipped, no copy) where it runs, else on XNNPACK's. With a stride s,
 * the dx pixels of each phase (h mod s, w mod s) see only the filter taps of one residue: one such
 * conv per phase with that sub-filter, interleaved into dx (rather than spreading dy with zeros, which multiplies s² times as
 * many zeros as values); where tfseg's native kernels run, StridedConvInputGradient.ts gathers each dx
 * pixel's taps directly instead. When the kernel equals the stride and nothing is padded (the 2×2/2 up-sampling of a
 * U-Net), every dx pixel comes from exactly one dy pixel and one matrix product does it.
 */
import type {
  backend_util} from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type Conv2DBackpropInputInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flipFilter, forwardConvolutionInfo, fromChannelsLast, isTilingConv, toChannelsLast, transposedConvolutionPadding } from './conv-geometry';
import { nativeConv2d, nativeConv2dApplies, nativeFlipFilter, nativeTiledProduct } from './Conv2D';
import { nativeKernels } from './native/runtime';
import { nativeStridedInputGradient } from './StridedConvInputGradient';
import { nativePointwiseInputGradient } from './edge-convolutions';
import { conv2dWasm, copyRuns, disposeIntermediate, heapView, matMulWasm, padWasm, requireInputs, reshapeView, transposeWasm } from './wasm-backend';

function conv2DBackpropInput(args: { inputs: Conv2DBackpropInputInputs; backend: BackendWasm; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const given = requireInputs(Conv2DBackpropInput, inputs, ['dy', 'filter']);
  const { info: convInfo, format } = forwardConvolutionInfo(attrs.inputShape, given.filter.shape, attrs);
  const dy = toChannelsLast(backend, given.dy, format);
  const strided = convInfo.strideHeight > 1 || convInfo.strideWidth > 1;
  const dx =
    nativePointwiseInputGradient(backend, dy, given.filter, convInfo) ??
    (isTilingConv(convInfo)
    ? inputGradientOfTiling(backend, dy, given.filter, convInfo)
    : strided
      ? (nativeStridedInputGradient(backend, dy, given.filter, convInfo) ?? inputGradientByPhases(backend, dy, given.filter, convInfo))
      : inputGradientAsConv(backend, dy, given.filter, convInfo));
  if (dy !== given.dy) disposeIntermediate(backend, dy);
  return fromChannelsLast(backend, dx, format);
}

/** The general case: zero-spread dy (stride > 1), then a forward conv with the flipped, swapped filter. */
function inputGradientAsConv(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const padding = transposedConvolutionPadding(info);
  const native = nativeConv2dApplies(dy, filter, info.inChannels) ? nativeKernels(backend) : undefined;
  if (native !== undefined) return nativeConv2d(backend, native, dy, filter, padding, [1, 1], true);
  const swapped = flipFilter(backend, filter, true);
  const dx = conv2dWasm(backend, dy, swapped, padding, [1, 1], [1, 1]);
  disposeIntermediate(backend, swapped);
  return dx;
}

/**
 * The filter taps that reach the dx rows of phase p (h ≡ p mod s): kh = first, first + s, …
 * (`count` of them), and the dy row offset of the first one (oh = i + offset − t for the t-th).
 */
function phaseTaps(phase: number, padBefore: number, stride: number, size: number): { first: number; count: number; offset: number } {
  const first = (((phase + padBefore) % stride) + stride) % stride;
  const count = first < size ? Math.ceil((size - first) / stride) : 0;
  return { first, count, offset: (phase + padBefore - first) / stride };
}

/** Strided case: one stride-1 conv per output phase with that phase's flipped, swapped sub-filter. */
function inputGradientByPhases(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, strideHeight, strideWidth, padInfo } = info;
  const phases: { row: number; column: number; result: TensorInfo }[] = [];
  for (let row = 0; row < Math.min(strideHeight, inHeight); row++) {
    for (let column = 0; column < Math.min(strideWidth, inWidth); column++) {
      const rows = phaseTaps(row, padInfo.top, strideHeight, info.filterHeight);
      const columns = phaseTaps(column, padInfo.left, strideWidth, info.filterWidth);
      if (rows.count === 0 || columns.count === 0) continue; // no tap reaches this phase: it stays zero
      const phaseHeight = Math.ceil((inHeight - row) / strideHeight);
      const phaseWidth = Math.ceil((inWidth - column) / strideWidth);
      const subFilter = phaseFilter(backend, filter, rows, columns, strideHeight, strideWidth);
      const top = rows.count - 1 - rows.offset;
      const left = columns.count - 1 - columns.offset;
      const padding = { top, bottom: phaseHeight - 1 + rows.count - outHeight - top, left, right: phaseWidth - 1 + columns.count - outWidth - left };
      phases.push({ row, column, result: conv2dWasm(backend, dy, subFilter, padding, [1, 1], [1, 1]) });
      disposeIntermediate(backend, subFilter);
    }
  }
  const dx = backend.makeOutput([batchSize, inHeight, inWidth, inChannels], 'float32');
  const target = heapView(backend, dx);
  target.fill(0);
  for (const { row, column, result } of phases) {
    const [, phaseHeight, phaseWidth] = result.shape as [number, number, number, number];
    const source = heapView(backend, result);
    for (let b = 0; b < batchSize; b++) {
      for (let i = 0; i < phaseHeight; i++) {
        // One phase row: pixels `strideWidth` apart in dx, contiguous in the phase result.
        copyRuns(source, (b * phaseHeight + i) * phaseWidth * inChannels, inChannels, target, ((b * inHeight + row + i * strideHeight) * inWidth + column) * inChannels, strideWidth * inChannels, phaseWidth, inChannels);
      }
    }
    disposeIntermediate(backend, result);
  }
  return dx;
}

/** V[t, u, co, ci] = W[firstRow + s·(T−1−t), firstColumn + s·(U−1−u), ci, co]: a phase's taps, flipped and swapped. */
function phaseFilter(
  backend: BackendWasm,
  filter: TensorInfo,
  rows: { first: number; count: number },
  columns: { first: number; count: number },
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  const [, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([rows.count, columns.count, outChannels, inChannels], 'float32');
  const source = heapView(backend, filter);
  const target = heapView(backend, out);
  for (let t = 0; t < rows.count; t++) {
    for (let u = 0; u < columns.count; u++) {
      const kh = rows.first + strideHeight * (rows.count - 1 - t);
      const kw = columns.first + strideWidth * (columns.count - 1 - u);
      const from = (kh * width + kw) * inChannels * outChannels;
      const to = (t * columns.count + u) * outChannels * inChannels;
      for (let ci = 0; ci < inChannels; ci++) {
        for (let co = 0; co < outChannels; co++) target[to + co * inChannels + ci] = source[from + ci * outChannels + co] as number;
      }
    }
  }
  return out;
}

/**
 * Kernel = stride, no padding: dx tiles = dy(N × Co) · Wᵀ(Co × KH·KW·Ci), then tiles back into place.
 * The product is a 1×1 convolution of dy with Wᵀ: native (flip_filter.c transposes W, conv2d.c
 * multiplies; XNNPACK's matmul repacks W on every call) where the native kernels run, else XNNPACK's.
 * With KW·Ci divisible by 4 the native product writes its tiles into place itself ({@link nativeTiledProduct}):
 * no transpose (XNNPACK's, one thread; on one thread, 2×2/2 from 32², 16 to 64², 8 channels: 0.50 → 0.35 ms).
 */
function inputGradientOfTiling(backend: BackendWasm, dy: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const pixels = batchSize * outHeight * outWidth;
  const tapChannels = filterHeight * filterWidth * inChannels;
  const native = nativeConv2dApplies(dy, filter, tapChannels) ? nativeKernels(backend) : undefined;
  if (native !== undefined && (filterWidth * inChannels) % 4 === 0) return padToInput(backend, nativeTiledProduct(backend, native, dy, filter), info);
  let taps: TensorInfo;
  if (native !== undefined) {
    const transposed = nativeFlipFilter(backend, native, reshapeView(filter, [1, 1, tapChannels, outChannels]));
    taps = nativeConv2d(backend, native, dy, transposed, { top: 0, bottom: 0, left: 0, right: 0 }, [1, 1]);
    backend.disposeData(transposed.dataId);
  } else {
    taps = matMulWasm(backend, reshapeView(dy, [1, pixels, outChannels]), reshapeView(filter, [1, tapChannels, outChannels]), false, true);
  }
  const tiled = transposeWasm(backend, reshapeView(taps, [batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels]), [0, 1, 3, 2, 4, 5]);
  disposeIntermediate(backend, taps);
  return padToInput(backend, reshapeView(tiled, [batchSize, outHeight * filterHeight, outWidth * filterWidth, inChannels]), info);
}

/** A tiling convolution's dx over the rows and columns its windows cover, padded to the input's size (rows/columns past the last window get no gradient). */
function padToInput(backend: BackendWasm, dx: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const [, usedHeight, usedWidth] = dx.shape as [number, number, number, number];
  if (usedHeight === info.inHeight && usedWidth === info.inWidth) return dx;
  const padded = padWasm(backend, dx, [
    [0, 0],
    [0, info.inHeight - usedHeight],
    [0, info.inWidth - usedWidth],
    [0, 0],
  ]);
  disposeIntermediate(backend, dx);
  return padded;
}

/** Registers as the wasm backend's Conv2DBackpropInput, replacing the built-in one. */
export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as KernelFunc,
};
