/**
 * Conv2DBackpropFilter for the wasm backend, which has none (so tfjs cannot train a conv net on wasm).
 *
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} x[b, oh·s + kh − top, ow·s + kw − left, ci] · dy[b, oh, ow, co]
 * is itself a forward 'valid' convolution once batch and channels trade places: the input
 * `x` as `[Ci, H, W, B]` (padded by the conv), the filter `dy` as `[OH, OW, B, Co]`, dilated by the
 * stride, gives `[Ci, KH, KW, Co]`. That runs on XNNPACK's conv at forward-conv speed.
 * When the kernel equals the stride and nothing is padded (the 2×2/2 transposed convs of a U-Net),
 * the windows tile the input and one matrix product does it.
 *
 * Both are the fallbacks: where tfseg's native kernels run (native/runtime.ts), float32 NHWC gradients
 * come from native/conv2d_winograd_backprop_filter.c (3×3, stride 1) or native/conv2d_backprop_filter.c
 * (a direct SIMD reduction, 1.3–2.4× faster than the composed conv on one thread; from packed rows for
 * wide channels, {@link packsRows}), split over the native threads.
 */
import type {
  backend_util} from '@tensorflow/tfjs-core';
import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type Conv2DBackpropFilterInputs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dWasm, disposeIntermediate, heapOffset, matMulWasm, requireInputs, reshapeView, transposeWasm } from './wasm-backend';
import { NATIVE_BLOCK_BYTES, nativeKernels, type NativeKernels } from './native/runtime';
import { cropTopLeft, forwardConvolutionInfo, isTilingConv, nativeConvGeometry, toChannelsLast } from './conv-geometry';
import { nativePointwiseFilterGradient, nativeSingleChannelFilterGradient } from './edge-convolutions';

function conv2DBackpropFilter(args: { inputs: Conv2DBackpropFilterInputs; backend: BackendWasm; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const given = requireInputs(Conv2DBackpropFilter, inputs, ['x', 'dy']);
  const { info: convInfo, format } = forwardConvolutionInfo(given.x.shape, attrs.filterShape, attrs);
  const x = toChannelsLast(backend, given.x, format);
  const dy = toChannelsLast(backend, given.dy, format);
  const native = x.dtype === 'float32' && dy.dtype === 'float32' ? nativeKernels(backend) : undefined;
  const result =
    native !== undefined
      ? nativeFilterGradient(backend, native, x, dy, convInfo)
      : isTilingConv(convInfo)
        ? filterGradientOfTiling(backend, x, dy, convInfo)
        : filterGradientAsConv(backend, x, dy, convInfo);
  if (x !== given.x) disposeIntermediate(backend, x);
  if (dy !== given.dy) disposeIntermediate(backend, dy);
  return result;
}

/** Bytes the Winograd filter gradient's per-partition sums may take together. */
const WINOGRAD_PARTIAL_BYTES = 16 << 20;

/** Winograd F(m×m, 3×3) output tile sizes: 2 (16 transformed elements per tile) or 4 (36). */
type WinogradTile = 2 | 4;

/**
 * The Winograd tile of a filter gradient, or undefined for the direct kernel. 3×3 stride-1 filter
 * gradients with channels divisible by 4, at least 16 channels in and out together and a dy of at least
 * 4×4 go to Winograd (native/conv2d_winograd_backprop_filter.c). With blocks of tiles small enough for L1
 * (see {@link winogradBlocks}) it is also faster than the direct kernel for the U-Net's narrow layers (one
 * thread, direct against F(2×2), bench/conv-kernels.mjs: 128², 16 → 16: 17.8 against 12.2 ms; 64², 16 → 32:
 * 8.9 against 5.6 ms; 64², 8 → 8: 1.15 against 0.97 ms); on the U-Net's layers at batch 4 the direct
 * kernel took 1.1–2.7× F(2×2)'s time.
 *
 * F(4×4, 3×3) (36 instead of 64 products per 4×4 pixels, channel pair) is taken when there are at least
 * 16 of its tiles (batch · ⌈H/4⌉ · ⌈W/4⌉), F(2×2) below. Its [36, Ci, Co] sums (2.25× F(2×2)'s 16) are
 * zeroed, written and read once per partition whatever the tiles, so with few tiles that traffic, not
 * the products, sets the time. One thread, process CPU time, alternating runs, F(4×4) / F(2×2) medians:
 * batch 4, 64²…16² (256–64 tiles): 0.44–0.91 (64², 16 → 16: 0.73; 32², 32 → 32: 0.53; 16², 32 → 64:
 * 0.44); 8² (16 tiles): 0.55–1.00; 4² (4 tiles): 1.5–2.0; 4² at batch 16 (16 tiles): 0.85–1.12; 8² at
 * batch 1 (4 tiles): 1.7–2.4. With both writing dW directly (one block, no partial sums), 4² at batch 4,
 * 256 → 256 and 128 → 256, F(4×4) still took 1.04–1.06× F(2×2)'s time (one thread, alternating in one process). Its error against a float64 reference is larger than F(2×2)'s and like the
 * direct kernel's: on the 26 layers of the U-Net at 64², base 8 and 16 (batch 4, inputs uniform in ±1),
 * at most 8.1e-6 of the gradient's largest entry (RMS error 2.6e-6 of the gradient's RMS), against
 * 9.4e-7 (1.0e-6) for F(2×2) and 5.2e-6 (2.3e-6) for the direct kernel.
 */
function winogradTile(info: backend_util.Conv2DInfo): WinogradTile | undefined {
  const shapeFits = info.filterHeight === 3 && info.filterWidth === 3 && info.strideHeight === 1 && info.strideWidth === 1;
  const channels = info.inChannels + info.outChannels;
  // The smallest block (4 tiles) must fit the stack: at most 4096 channels in and out together (1820 for F(4×4)).
  const channelsFit = info.inChannels % 4 === 0 && info.outChannels % 4 === 0 && channels >= 16 && 4 * 16 * 4 * channels <= NATIVE_BLOCK_BYTES;
  if (!(shapeFits && channelsFit && info.outHeight >= 4 && info.outWidth >= 4)) return undefined;
  const tiles4 = info.batchSize * Math.ceil(info.outHeight / 4) * Math.ceil(info.outWidth / 4);
  return tiles4 >= 16 && 4 * 36 * 4 * channels <= NATIVE_BLOCK_BYTES ? 4 : 2;
}

/**
 * How the Winograd filter gradient cuts its tiles: partitions (each summed into its own [E, Ci, Co],
 * E = (tile + 2)² transformed elements, and added in order afterwards) of `blocksPerPartition` blocks of
 * `blockTiles` tiles. The partitions follow from the geometry alone, so the bits do not depend on the
 * thread count; the blocks only set how many tiles are transformed before they are multiplied, and a
 * partition sums its tiles in order whatever the blocks are, so their size does not change the bits either.
 *
 * A partition spans a whole number of blocks of up to 128 tiles (as many as fit the stack). Those
 * blocks are then halved while they keep at least max(64, 4·Ci·Co / (Ci + Co)) pixels (F(2×2): 16 tiles
 * or Ci·Co / (Ci + Co); F(4×4): max(128, 4·Ci·Co / (Ci + Co)) pixels, 8 tiles or a quarter of F(2×2)'s):
 * narrow layers' transformed tiles then stay in L1 between the transforms and the products (F(2×2), 128²,
 * 16 → 16 on one thread: 15.5 ms with blocks of 128 tiles, 13.9 with 16), while wide layers keep blocks
 * long enough to pay for reading and writing their partial sums (16², 128 → 128: 8.1 ms with 128 tiles,
 * 13.6 with 16). F(4×4)'s narrow layers, one thread, blocks of 8 against 4 tiles on one wasm memory,
 * alternating (medians of 25 rounds): 64², 16 → 16: 0.89; 64², 32 → 16: 0.97; 64², 16 → 32: 0.92; 32²,
 * 16 → 32: 0.91 (16 tiles: 0.89–1.04; 2 tiles: 1.2; 32 tiles: 1.1–1.2).
 */
function winogradBlocks(tiles: number, inChannels: number, outChannels: number, tile: WinogradTile): { blockTiles: number; blocksPerPartition: number; partitions: number } {
  const tileBytes = 4 * (tile + 2) ** 2;
  // A small layer (4×4, 8×8) is one partition: a second [E, Ci, Co] partial sum to zero, fill and add
  // costs one thread more than a second thread saves (4×4, 128 → 256: 0.83 against 2.1 ms); the threads
  // split it by input channels instead (winogradFilterGradient).
  const spanTiles = Math.max(4, Math.min(128, Math.floor(NATIVE_BLOCK_BYTES / (tileBytes * (inChannels + outChannels)))));
  const spans = Math.ceil(tiles / spanTiles);
  const partitionLimit = Math.max(1, Math.min(16, Math.floor(WINOGRAD_PARTIAL_BYTES / (tileBytes * inChannels * outChannels))));
  const spansPerPartition = Math.ceil(spans / Math.min(spans, partitionLimit));
  const partitions = Math.ceil(spans / spansPerPartition);
  const smallest = Math.max(tile === 4 ? 128 : 64, (4 * inChannels * outChannels) / (inChannels + outChannels)) / tile ** 2;
  let split = 1;
  while (spanTiles % (2 * split) === 0 && spanTiles / (2 * split) >= smallest) split *= 2;
  return { blockTiles: spanTiles / split, blocksPerPartition: spansPerPartition * split, partitions };
}

/**
 * Winograd F(2×2, 3×3) or F(4×4, 3×3): blocks of tiles, grouped into partitions that each sum into their
 * own [E, Ci, Co]; then the partitions are added in order and transformed back ({@link winogradBlocks}).
 */
function winogradFilterGradient(backend: BackendWasm, native: NativeKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, tile: WinogradTile): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padInfo } = info;
  const elements = (tile + 2) ** 2;
  const tiles = batchSize * Math.ceil(outHeight / tile) * Math.ceil(outWidth / tile);
  const { blockTiles, blocksPerPartition, partitions } = winogradBlocks(tiles, inChannels, outChannels, tile);
  // Small maps (8×8, 4×4 at batch 4) are one block of every tile: the kernel then writes dW itself, and
  // the partial sums ([E, Ci, Co], 1.8× (F(2×2)) or 4× (F(4×4)) dW's size) are never written nor read.
  // Same bits; one thread, old / new kernels on one wasm memory, alternating (medians of 15 rounds):
  // 4², 256 → 256: 0.78; 4², 128 → 256: 0.70; 8², 128 → 128: 0.85; 8², 256 → 128: 0.88; 8², 64 → 128: 0.86.
  const fused = partitions === 1 && tiles <= blockTiles;
  const partials = fused ? undefined : backend.makeOutput([partitions, elements, inChannels, outChannels], 'float32');
  const dw = backend.makeOutput([3, 3, inChannels, outChannels], 'float32');
  // Fewer partitions than two per thread (small maps: 8×8 and 4×4 are one) are split by input channels
  // too, which does not change the bits (the native kernel's comment), so the other threads get work.
  const ciGroups = native.threads > 1 && partitions < 2 * native.threads ? Math.min(inChannels / 4, Math.ceil((2 * native.threads) / partitions)) : 1;
  const args = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, partials ?? dw), batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padInfo.top, padInfo.left, blockTiles, blocksPerPartition, ciGroups, fused ? 1 : 0];
  const [sums, output] = tile === 2 ? (['conv2d_winograd_backprop_filter', 'conv2d_winograd_filter_output'] as const) : (['conv2d_winograd4_backprop_filter', 'conv2d_winograd4_filter_output'] as const);
  native.run(sums, args, partitions * ciGroups, tiles * elements * inChannels * outChannels);
  if (partials === undefined) return dw;
  native.run(output, [heapOffset(backend, partials), heapOffset(backend, dw), partitions, inChannels, outChannels], inChannels, partitions * elements * inChannels * outChannels);
  disposeIntermediate(backend, partials);
  return dw;
}

/**
 * Whether the direct filter gradient packs its rows first (native/conv2d_backprop_filter.c's
 * conv2d_backprop_filter_packed, the same bits): channels divisible by 16, and dy's rows or the x rows of
 * consecutive pixels at least 256 bytes apart, where the unpacked kernel's strided reads crowd L1's sets.
 * The U-Net's 2×2/2 transposed convolutions' filter gradients, one thread, old / new kernel on one wasm
 * memory, alternating (medians of 11–31 rounds, a loaded machine): 32², 32 → 64: 0.75–0.97; 16², 64 → 128:
 * 0.65–0.82; 8², 128 → 256: 0.62–0.68. At 64², 16 → 32 (128-byte rows) it measured 0.82–1.11: left unpacked.
 */
function packsRows(info: backend_util.Conv2DInfo): boolean {
  const { inChannels, outChannels, strideWidth } = info;
  return inChannels % 16 === 0 && outChannels % 16 === 0 && (outChannels >= 64 || inChannels * strideWidth >= 64);
}

/**
 * Whether the filter gradient of a tiling convolution (kernel = stride, nothing padded: the U-Net's 2×2/2
 * transposed convolutions) runs from panels of x and dy packed once per call (native/conv2d_backprop_filter.c's
 * conv2d_backprop_filter_tiling): where the packed kernel would run ({@link packsRows}), whose tiles it
 * shares, so the same bits (NaN payloads included; the unpacked kernel's compiled operand order may pick
 * another NaN where two meet). The packed kernel copies each x row once per 16 output channels and each dy
 * row once per tap and 16 input channels; those copies took about a quarter of its time at 32² to 8² (one thread).
 */
function packsPanels(info: backend_util.Conv2DInfo): boolean {
  return isTilingConv(info) && packsRows(info);
}

/**
 * Any stride and padding (dilation 1, which tfjs' conv gradients require), in native/conv2d_backprop_filter.c.
 * `panels: false` keeps a tiling convolution's gradient off the panels ({@link packsPanels}) it would
 * otherwise run from, which never changes the bits.
 */
export function nativeFilterGradient(backend: BackendWasm, native: NativeKernels, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, panels = true): TensorInfo {
  const edge = nativeSingleChannelFilterGradient(backend, native, x, dy, info) ?? nativePointwiseFilterGradient(backend, native, x, dy, info);
  if (edge !== undefined) return edge;
  const tile = winogradTile(info);
  if (tile !== undefined) return winogradFilterGradient(backend, native, x, dy, info, tile);
  const { batchSize, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = info;
  const dw = backend.makeOutput([filterHeight, filterWidth, inChannels, outChannels], 'float32');
  const work = batchSize * outHeight * outWidth * filterHeight * filterWidth * inChannels * outChannels;
  if (panels && packsPanels(info)) {
    const pixels = batchSize * outHeight * outWidth;
    const xs = backend.makeOutput([filterHeight * filterWidth * pixels, inChannels], 'float32');
    const ds = backend.makeOutput([pixels, outChannels], 'float32');
    const geometry = nativeConvGeometry(info);
    native.run('conv2d_backprop_filter_tiling_pack', [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, xs), heapOffset(backend, ds), ...geometry], batchSize * outHeight, pixels * (filterHeight * filterWidth * inChannels + outChannels));
    native.run('conv2d_backprop_filter_tiling', [heapOffset(backend, xs), heapOffset(backend, ds), heapOffset(backend, dw), ...geometry], filterHeight * filterWidth * (inChannels / 16) * (outChannels / 16), work);
    disposeIntermediate(backend, xs);
    disposeIntermediate(backend, ds);
    return dw;
  }
  // Heap offsets only after the last allocation (makeOutput may move nothing, but may grow the heap).
  const args = [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dw), ...nativeConvGeometry(info)];
  if (packsRows(info)) {
    native.run('conv2d_backprop_filter_packed', args, filterHeight * filterWidth * (inChannels / 16) * (outChannels / 16), work);
  } else {
    native.run('conv2d_backprop_filter', args, native.items('conv2d_backprop_filter', args), work);
  }
  return dw;
}

/** The general case: one forward conv with batch and channel axes swapped (see the file comment). */
function filterGradientAsConv(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { inHeight, inWidth, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, padInfo } = info;
  const xSwapped = transposeWasm(backend, x, [3, 1, 2, 0]);
  const dySwapped = transposeWasm(backend, dy, [1, 2, 0, 3]);
  // The padded window the filter sweeps: (O − 1)·s + K rows; a negative bottom/right cuts unused rows.
  const neededHeight = (outHeight - 1) * strideHeight + filterHeight;
  const neededWidth = (outWidth - 1) * strideWidth + filterWidth;
  const padding = {
    top: padInfo.top,
    bottom: neededHeight - padInfo.top - inHeight,
    left: padInfo.left,
    right: neededWidth - padInfo.left - inWidth,
  };
  const swapped = conv2dWasm(backend, xSwapped, dySwapped, padding, [1, 1], [strideHeight, strideWidth]);
  disposeIntermediate(backend, xSwapped);
  disposeIntermediate(backend, dySwapped);
  const dw = transposeWasm(backend, swapped, [1, 2, 0, 3]);
  disposeIntermediate(backend, swapped);
  return dw;
}

/** Kernel = stride, no padding: the windows tile x, so dW = x-patches(KH·KW·Ci × N) · dy(N × Co). */
function filterGradientOfTiling(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo): TensorInfo {
  const { batchSize, outHeight, outWidth, filterHeight, filterWidth, inChannels, outChannels } = info;
  const usedHeight = outHeight * filterHeight;
  const usedWidth = outWidth * filterWidth;
  const cropped = usedHeight === info.inHeight && usedWidth === info.inWidth ? x : cropTopLeft(backend, x, usedHeight, usedWidth);
  const patches6d = reshapeView(cropped, [batchSize, outHeight, filterHeight, outWidth, filterWidth, inChannels]);
  const patches = transposeWasm(backend, patches6d, [2, 4, 5, 0, 1, 3]);
  if (cropped !== x) disposeIntermediate(backend, cropped);
  const pixels = batchSize * outHeight * outWidth;
  const product = matMulWasm(
    backend,
    reshapeView(patches, [1, filterHeight * filterWidth * inChannels, pixels]),
    reshapeView(dy, [1, pixels, outChannels]),
    false,
    false,
  );
  disposeIntermediate(backend, patches);
  const dw = reshapeView(product, [filterHeight, filterWidth, inChannels, outChannels]);
  return dw;
}

/** Registers as the wasm backend's Conv2DBackpropFilter. */
export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as KernelFunc,
};
