/**
 * Conv2D for the wasm backend: float32 NHWC convolutions with dilation 1 and output channels divisible
 * by 4 run in tfseg's SIMD kernels (Winograd F(4×4, 3×3) or F(2×2, 3×3) for 3×3 stride-1 filters, else
 * direct), split over their threads; everything else, and everything where tfseg's native kernels do not
 * run, goes to the built-in XNNPACK kernel with explicit padding. NCHW, which the built-in kernel refuses, is
 * transposed to NHWC and back. In training XNNPACK pays for its speed with set-up on every call: the
 * filter changes after each step, so it repacks it and rebuilds its operator; the native kernel reads
 * the filter as it lies.
 */
import { backend_util, Conv2D, type Conv2DAttrs, type Conv2DInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2dWasm, disposeIntermediate, heapOffset, requireInputs, reshapeView, type SignedPadding } from './wasm-backend';
import { NATIVE_BLOCK_BYTES, nativeKernels, type NativeKernels } from './native/runtime';
import { explicitPadding, fromChannelsLast, toChannelsLast } from './conv-geometry';
import { nativePointwiseConv2d, nativeSingleChannelConv2d, singleChannelApplies } from './edge-convolutions';

/**
 * conv-geometry.ts' `flipFilter(…, true)` in native/flip_filter.c: the forward filter [KH, KW, Ci, Co]
 * rotated by 180° and swapped to [KH, KW, Co, Ci], for an input gradient run as a forward convolution.
 */
export function nativeFlipFilter(backend: BackendWasm, native: NativeKernels, filter: TensorInfo): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const out = backend.makeOutput([height, width, outChannels, inChannels], 'float32');
  native.run('flip_filter', [heapOffset(backend, filter), heapOffset(backend, out), height, width, inChannels, outChannels], height * width * outChannels, height * width * inChannels * outChannels);
  return out;
}

/**
 * Whether a Winograd kernel takes a convolution: 3×3, stride 1, channels divisible by 4, and an output
 * of at least 8×8, or 4×4 for an input gradient (`flipped`) or from 64 × 64 channel pairs. On smaller
 * maps there are few tiles to pay for transforming the filter, and with few channels the direct kernel
 * is as fast for a forward convolution, but an input gradient there would first need a flipped copy of
 * the filter, which Winograd's transform does on the fly (1.0–1.8×); from 64 × 64 channel pairs F(2×2)
 * runs by strips ({@link stripsApply}), which transform the filter without writing it out: 4×4, batch 4,
 * one thread, 128 → 256 0.73–0.85× the direct kernel's time (it rounds differently: F(2×2)'s error
 * against float64 is 1.6e-7–4.1e-7 of the output's largest magnitude), 256 → 256 0.6×. F(2×2)'s
 * smallest block (6 tiles) must fit the stack, which bounds the channels at 2730 in and out together.
 */
function winogradApplies(filterHeight: number, filterWidth: number, strides: [number, number], inChannels: number, outChannels: number, outHeight: number, outWidth: number, flipped: boolean): boolean {
  const shapeFits = filterHeight === 3 && filterWidth === 3 && strides[0] === 1 && strides[1] === 1;
  const channelsFit = inChannels % 4 === 0 && outChannels % 4 === 0 && 64 * 6 * (inChannels + outChannels) <= NATIVE_BLOCK_BYTES;
  const smallest = flipped || inChannels * outChannels >= 64 * 64 ? 4 : 8;
  return shapeFits && channelsFit && outHeight >= smallest && outWidth >= smallest;
}

/** A Winograd kernel's output tile: F(2×2, 3×3) or F(4×4, 3×3). */
export type WinogradTileSize = 2 | 4;

/** 4×4 tiles per call from which F(4×4, 3×3) takes a convolution (see {@link winogradTileSize}). */
export const WINOGRAD_4X4_MIN_TILES = 32;

/**
 * The tile of a Winograd convolution with this batch and output size: F(4×4, 3×3) from
 * {@link WINOGRAD_4X4_MIN_TILES} 4×4 tiles per call (batch · ⌈OH/4⌉ · ⌈OW/4⌉), else F(2×2, 3×3).
 * F(4×4) makes 2.25 products per output and channel pair instead of 4, but its transformed filter U has
 * 36 planes of Ci × Co instead of 16, written once per call and read once per block of tiles, so it pays
 * only over enough tiles. F(4×4) ÷ F(2×2) time, batch 4, one thread, same-run medians: 64² to 16² maps
 * with 8–128 channels (64 tiles and more) 0.62–0.77; 8² (16 tiles) 0.91–1.02; 4² (4 tiles) 1.5–1.8.
 * With 32 tiles (8², batch 8) 0.77–0.92; with 16 at 16², batch 1, 0.80–0.91, but not at 8², batch 4.
 * Hence F(4×4) from 32 tiles: below, the little it may save is not worth F(2×2)'s ~15× smaller
 * rounding errors (max 3e-6–1e-5 of the output scale against 2e-7–6e-7, README).
 */
export function winogradTileSize(batch: number, outHeight: number, outWidth: number): WinogradTileSize {
  return batch * Math.ceil(outHeight / 4) * Math.ceil(outWidth / 4) >= WINOGRAD_4X4_MIN_TILES ? 4 : 2;
}

/**
 * out = x ∗ w (NHWC) with explicit signed padding (negative: rows/columns cut) and stride, in tfseg's
 * native kernels: Winograd F(4×4, 3×3) or F(2×2, 3×3) ({@link winogradTileSize}) for 3×3 stride-1
 * filters with channels divisible by 4 (native/conv2d_winograd.c), else the direct kernel
 * (native/conv2d.c). `filter` is HWIO, or with `flipped` the HWIO filter of the forward convolution
 * whose input gradient this is: w[kh, kw, co, ci] = filter[KH − 1 − kh, KW − 1 − kw, ci, co]. Output
 * channels must be divisible by 4. `packs` overrides whether the direct kernel packs the filter first
 * (by default where {@link packsFilter}; 16-channel multiples only), which never changes the bits.
 */
export function nativeConv2d(
  backend: BackendWasm,
  native: NativeKernels,
  x: TensorInfo,
  filter: TensorInfo,
  padding: SignedPadding,
  strides: [number, number],
  flipped = false,
  packs?: boolean,
): TensorInfo {
  const [batch, inHeight, inWidth, inChannels] = x.shape as [number, number, number, number];
  const [filterHeight, filterWidth, filterIn, filterOut] = filter.shape as [number, number, number, number];
  const outChannels = flipped ? filterIn : filterOut;
  const outHeight = Math.floor((inHeight + padding.top + padding.bottom - filterHeight) / strides[0]) + 1;
  const outWidth = Math.floor((inWidth + padding.left + padding.right - filterWidth) / strides[1]) + 1;
  if (outHeight <= 0 || outWidth <= 0) return backend.makeOutput([batch, Math.max(0, outHeight), Math.max(0, outWidth), outChannels], 'float32');
  if (!flipped && singleChannelApplies(inChannels, filter.shape, strides, outWidth)) {
    return nativeSingleChannelConv2d(backend, native, x, filter, padding, [outHeight, outWidth, outChannels]);
  }
  if (winogradApplies(filterHeight, filterWidth, strides, inChannels, outChannels, outHeight, outWidth, flipped)) {
    return winogradConv2d(backend, native, x, filter, flipped, [batch, inHeight, inWidth, inChannels], [outHeight, outWidth, outChannels], padding);
  }
  const weights = flipped ? nativeFlipFilter(backend, native, filter) : filter;
  const packed = packs ?? packsFilter(filterHeight, filterWidth, strides, padding, outChannels);
  const kernelFilter = packed ? nativePackFilter(backend, native, weights, filterHeight * filterWidth * inChannels, outChannels, false) : weights;
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  const zeros = native.zeros(inChannels);
  const args = [heapOffset(backend, x), heapOffset(backend, kernelFilter), heapOffset(backend, out), zeros, batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strides[0], strides[1], padding.top, padding.left, outChannels];
  const rows = batch * outHeight;
  native.run(packed ? 'conv2d_packed' : 'conv2d', args, Math.ceil(outChannels / 16) * rows, rows * outWidth * filterHeight * filterWidth * inChannels * outChannels);
  if (kernelFilter !== weights) backend.disposeData(kernelFilter.dataId);
  if (weights !== filter) backend.disposeData(weights.dataId);
  return out;
}

/**
 * Whether the direct kernel reads a packed copy of the filter (native/conv2d.c's conv2d_packed, the same
 * bits): output channels divisible by 16 and a filter that tiles its input (kernel = stride, nothing
 * padded: the 2×2/2 input gradients of a U-Net's transposed convolutions). Their filter rows lie Co
 * floats apart (1 KiB for 256 channels), so the K rows a 16-channel tile sweeps crowd a few L1 sets;
 * packed, they are one contiguous run.
 */
function packsFilter(filterHeight: number, filterWidth: number, strides: [number, number], padding: SignedPadding, outChannels: number): boolean {
  const tiling = filterHeight === strides[0] && filterWidth === strides[1] && padding.top === 0 && padding.left === 0 && padding.bottom <= 0 && padding.right <= 0;
  return tiling && outChannels % 16 === 0;
}

/**
 * native/conv2d.c's pack_filter: a K × N filter (`transposed`: stored as [N, K]) as conv2d_packed reads
 * it, [N/16][K][16]. N must be divisible by 16.
 */
function nativePackFilter(backend: BackendWasm, native: NativeKernels, filter: TensorInfo, reduction: number, channels: number, transposed: boolean): TensorInfo {
  const packed = backend.makeOutput([channels / 16, reduction, 16], 'float32');
  native.run('pack_filter', [heapOffset(backend, filter), heapOffset(backend, packed), reduction, channels, transposed ? 1 : 0], channels / 16, reduction * channels);
  return packed;
}

/**
 * dx of a transposed convolution whose kernel tiles the output (2×2/2 in a U-Net): the product
 * dy · Wᵀ as a native 1×1 convolution that writes each pixel's [KH][KW·Ci] taps straight into their
 * rows of dx, [batch, OH·KH, OW·KW, Ci]. `filter` is W, [KH, KW, Ci, Co]. Needs KW·Ci divisible by 4.
 * Replaces a product into [.., KH, KW, Ci] and an XNNPACK transpose into place (one thread): the same
 * products, so the same bits. With KH·KW·Ci divisible by 16 (`packs`, by default) conv2d_packed reads
 * Wᵀ packed straight from W by pack_filter, one copy instead of flip_filter's transpose, whose rows lie
 * KH·KW·Ci floats apart (crowding L1's sets from 128 → 64 channels on); the same bits.
 */
export function nativeTiledProduct(backend: BackendWasm, native: NativeKernels, dy: TensorInfo, filter: TensorInfo, packs?: boolean): TensorInfo {
  const [batch, height, width, channels] = dy.shape as [number, number, number, number];
  const [filterHeight, filterWidth, inChannels] = filter.shape as [number, number, number, number];
  const tapChannels = filterHeight * filterWidth * inChannels;
  const packed = packs ?? tapChannels % 16 === 0;
  const transposed = packed
    ? nativePackFilter(backend, native, filter, channels, tapChannels, true)
    : nativeFlipFilter(backend, native, reshapeView(filter, [1, 1, tapChannels, channels]));
  const dx = backend.makeOutput([batch, height * filterHeight, width * filterWidth, inChannels], 'float32');
  const zeros = native.zeros(channels);
  const args = [heapOffset(backend, dy), heapOffset(backend, transposed), heapOffset(backend, dx), zeros, batch, height, width, channels, height, width, tapChannels, 1, 1, 1, 1, 0, 0, filterWidth * inChannels];
  const rows = batch * height;
  native.run(packed ? 'conv2d_packed' : 'conv2d', args, Math.ceil(tapChannels / 16) * rows, rows * width * channels * tapChannels);
  backend.disposeData(transposed.dataId);
  return dx;
}

/**
 * The Winograd convolution of x with `filter` (HWIO, or flipped as in {@link nativeConv2d}) by
 * F(`tileSize`×`tileSize`, 3×3): the filter's transform U into a temporary, then the tiles in blocks;
 * or, for F(2×2) with `byStrips` (by default where {@link stripsApply}), by {@link winogradStrips}, to
 * the same bits.
 */
export function winogradConv2d(
  backend: BackendWasm,
  native: NativeKernels,
  x: TensorInfo,
  filter: TensorInfo,
  flipped: boolean,
  [batch, inHeight, inWidth, inChannels]: [number, number, number, number],
  [outHeight, outWidth, outChannels]: [number, number, number],
  padding: SignedPadding,
  tileSize: WinogradTileSize = winogradTileSize(batch, outHeight, outWidth),
  byStrips = tileSize === 2 && stripsApply(batch * Math.ceil(outHeight / 2) * Math.ceil(outWidth / 2), inChannels, outChannels),
): TensorInfo {
  const elements = (tileSize + 2) ** 2;
  const tiles = batch * Math.ceil(outHeight / tileSize) * Math.ceil(outWidth / tileSize);
  if (tileSize === 2 && byStrips) {
    return winogradStrips(backend, native, x, filter, flipped, [batch, inHeight, inWidth, inChannels], [outHeight, outWidth, outChannels], padding, tiles);
  }
  const transformed = backend.makeOutput([elements, inChannels, outChannels], 'float32');
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  const filterKernel = tileSize === 4 ? 'conv2d_winograd_filter_4x4' : 'conv2d_winograd_filter';
  native.run(filterKernel, [heapOffset(backend, filter), heapOffset(backend, transformed), inChannels, outChannels, flipped ? 1 : 0], inChannels / 4, elements * inChannels * outChannels);
  const blockTiles = tileSize === 4 ? blockTiles4x4(tiles, inChannels, outChannels, native.threads) : blockTiles2x2(tiles, inChannels, outChannels, native.threads);
  const args = [heapOffset(backend, x), heapOffset(backend, transformed), heapOffset(backend, out), batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padding.top, padding.left, blockTiles];
  native.run(tileSize === 4 ? 'conv2d_winograd_4x4' : 'conv2d_winograd', args, Math.ceil(tiles / blockTiles), tiles * elements * inChannels * outChannels);
  backend.disposeData(transformed.dataId);
  return out;
}

/** Stack bytes {@link winogradStrips} needs per thread: a strip of U (16 × Ci × 16) and its M (16 × tiles × 16). */
const stripBytes = (tiles: number, inChannels: number): number => 1024 * (inChannels + tiles + 2);

/**
 * Whether F(2×2) runs by output-channel strips ({@link winogradStrips}): up to 64 tiles (8² maps at
 * batch 4, F(4×4) takes more) from 64 channel pairs on, while the strip fits the stack. Strips ÷ blocks
 * time, batch 4, one thread (fastest of 120 calls, alternating processes): 4², 256 → 256 0.64 (forward)
 * and 0.66 (input gradient); 4², 256 → 128 (input gradient) 0.58; 8², 256 → 128 0.78–0.84;
 * 8², 128 → 128 0.85; 4², 64 → 128 0.85; from 32 → 64 at 8² they measured within noise (0.8–1.13).
 */
function stripsApply(tiles: number, inChannels: number, outChannels: number): boolean {
  return tiles <= 64 && inChannels * outChannels >= 64 * 64 && stripBytes(tiles, inChannels) <= NATIVE_BLOCK_BYTES;
}

/**
 * F(2×2, 3×3) by strips of 16 output channels (native/conv2d_winograd.c's conv2d_winograd_input and
 * conv2d_winograd_strips): the input transform V of every tile first, then per strip its part of the
 * filter's transform U on the stack, the products and the output transform, so U (4 MiB from 256 → 256)
 * is neither written to nor read back from memory, and V, U and M planes are padded off the 4 KiB
 * multiples that put them in one L1 set. On few tiles the blocks' filter transform alone took ~40 % of
 * the time (4², 256 → 256: 1.0–1.2 of 2.6–2.7 ms). The same operations as {@link winogradConv2d}'s
 * blocks, so the same bits.
 */
function winogradStrips(
  backend: BackendWasm,
  native: NativeKernels,
  x: TensorInfo,
  filter: TensorInfo,
  flipped: boolean,
  [batch, inHeight, inWidth, inChannels]: [number, number, number, number],
  [outHeight, outWidth, outChannels]: [number, number, number],
  padding: SignedPadding,
  tiles: number,
): TensorInfo {
  // 16 planes of V, each PLANE_PAD floats longer than its Ci × tiles (conv2d_winograd.c).
  const transformed = backend.makeOutput([16, inChannels * tiles + 16], 'float32');
  const out = backend.makeOutput([batch, outHeight, outWidth, outChannels], 'float32');
  const geometry = [batch, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, padding.top, padding.left, tiles];
  native.run('conv2d_winograd_input', [heapOffset(backend, x), heapOffset(backend, transformed), ...geometry], tiles, tiles * 16 * inChannels);
  native.run('conv2d_winograd_strips', [heapOffset(backend, filter), heapOffset(backend, transformed), heapOffset(backend, out), ...geometry, flipped ? 1 : 0], Math.ceil(outChannels / 16), tiles * 16 * inChannels * outChannels);
  backend.disposeData(transformed.dataId);
  return out;
}

/**
 * F(2×2, 3×3)'s tiles per block: blocks fit the stack, and small layers still make a few items per
 * thread. Each tile is computed on its own, so the block size never changes the bits. Blocks of 12
 * tiles keep a block's transformed input and products in L1 (64 · 12 · (Ci + Co) bytes: 24 KiB at
 * 16 → 16), 5–20 % faster than 48 up to 128 → 128 on one thread (64², 16 → 8: 1.37 against 1.13 ms;
 * 32², 16 → 16: 0.54 against 0.44 ms); from 256 → 256 the filter's transform U (4 MiB there) is read
 * once per block from L3, and 48 is faster.
 */
function blockTiles2x2(tiles: number, inChannels: number, outChannels: number, threads: number): number {
  const fitting = Math.floor(NATIVE_BLOCK_BYTES / (64 * (inChannels + outChannels)));
  const perThread = Math.ceil(tiles / (4 * threads));
  const largest = inChannels * outChannels >= 256 * 256 ? 48 : 12;
  const limit = Math.min(largest, fitting, 6 * Math.ceil(perThread / 6));
  return Math.max(6, limit - (limit % 6));
}

/**
 * F(4×4, 3×3)'s tiles per block: 4 (144 · 4 · (Ci + Co) bytes of V and M: 18 KiB at 16 → 16, in L1), or
 * 2 when a thread would get fewer than 4 blocks. Blocks of 2 to 12 tiles measured within noise of each
 * other from 8 → 8 to 256 → 128 channels on one thread (the product reads each row of U once per pair
 * of tiles in any case). As for F(2×2), the block size never changes the bits.
 */
function blockTiles4x4(tiles: number, inChannels: number, outChannels: number, threads: number): number {
  const fitting = Math.floor(NATIVE_BLOCK_BYTES / (144 * (inChannels + outChannels)));
  return tiles >= 16 * threads && fitting >= 4 ? 4 : 2;
}

/** Whether {@link nativeConv2d} takes a convolution with this input and output-channel count (else XNNPACK does). */
export function nativeConv2dApplies(x: TensorInfo, filter: TensorInfo, outChannels: number): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32' && outChannels % 4 === 0 && (x.shape[3] as number) > 0;
}

/** The native kernels when they take the forward convolution `info` of NHWC `x` (dilation 1 too), else undefined. */
export function nativeKernelsForConvolution(backend: BackendWasm, x: TensorInfo, filter: TensorInfo, info: backend_util.Conv2DInfo): NativeKernels | undefined {
  const undilated = info.dilationHeight === 1 && info.dilationWidth === 1;
  return undilated && nativeConv2dApplies(x, filter, info.outChannels) ? nativeKernels(backend) : undefined;
}

function conv2d(args: { inputs: Conv2DInputs; backend: BackendWasm; attrs: Conv2DAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const given = requireInputs(Conv2D, inputs, ['x', 'filter']);
  const { filter } = given;
  // NCHW (which the built-in kernel refuses) is transposed to NHWC and back.
  const format = backend_util.convertConv2DDataFormat(attrs.dataFormat);
  const info = backend_util.computeConv2DInfo(given.x.shape as [number, number, number, number], filter.shape as [number, number, number, number], attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, format);
  const x = toChannelsLast(backend, given.x, format);
  const native = nativeKernelsForConvolution(backend, x, filter, info);
  // Explicit padding for the built-in kernel too: it computes 'same' wrongly for even filters with
  // strides > 1 (tfjs-backend-wasm 4.22 returns zeros there).
  const padding = explicitPadding(info);
  const strides: [number, number] = [info.strideHeight, info.strideWidth];
  const out =
    native !== undefined
      ? nativeConv2d(backend, native, x, filter, padding, strides)
      : (nativePointwiseConv2d(backend, x, filter, undefined, info) ?? conv2dWasm(backend, x, filter, padding, strides, [info.dilationHeight, info.dilationWidth]));
  if (x !== given.x) disposeIntermediate(backend, x);
  return fromChannelsLast(backend, out, format);
}

/** Registers as the wasm backend's Conv2D (native where it applies, XNNPACK otherwise). */
export const conv2DConfig: KernelConfig = {
  kernelName: Conv2D,
  backendName: 'wasm',
  kernelFunc: conv2d as unknown as KernelFunc,
};
