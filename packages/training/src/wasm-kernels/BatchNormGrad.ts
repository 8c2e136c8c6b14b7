/**
 * `TfsegBatchNormGrad`: the gradients of FusedBatchNorm (tf.batchNorm) with respect to x, mean,
 * variance, scale and offset in two passes over the activation, instead of tfjs-core's composition of
 * about ten full-size elementwise kernels, a Tile and four Sums per batch-norm layer (each a single
 * thread on wasm). With r = 1/√(variance + ε) and s = scale (1 without one), per channel c:
 *
 *   dx = dy·s·r                      dmean = −r·s·Σ dy             dvariance = −½·r³·s·Σ dy·(x − mean)
 *   dscale = r·Σ dy·(x − mean)       doffset = Σ dy                (Σ over every row of the channel)
 *
 * — the same formulas as tfjs-core's FusedBatchNorm gradient (mean and variance are inputs of the
 * kernel; their own gradients flow on through `moments`). native/batch_norm.c computes dx in one pass
 * (batch_norm_apply) and the two sums in another (batch_norm_sums: a fixed number of row partitions,
 * added here in order, so the bits do not depend on the thread count); without the native kernels a
 * JS loop computes the same.
 *
 * {@link registerBatchNormGradient} installs a FusedBatchNorm gradient that runs this kernel on wasm
 * when the native kernels are on and the parameters are per-channel vectors, and tfjs-core's own
 * gradient everywhere else (other backends, shapes, or native kernels off).
 */
import {
  engine,
  FusedBatchNorm,
  reshape,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedTensorInfoMap,
  type Tensor,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32Views, heapOffset, heapView, requireInputs } from './wasm-backend';
import { floatBits, nativeKernels, type NativeKernels } from './native/runtime';
import { nativeBatchNormChannels } from './FusedBatchNorm';
import { fusedGradient, installGradient, nativeKernelsActive } from './gradient-override';

/** The kernel's name (not one of tfjs': it exists on the wasm backend only). */
export const BATCH_NORM_GRAD = 'TfsegBatchNormGrad';

/** Row partitions of the sums: fixed (never the thread count), so the bits are too. */
const PARTITIONS = 32;

/** Attributes of {@link BATCH_NORM_GRAD}: FusedBatchNorm's ε. */
export interface BatchNormGradAttrs {
  varianceEpsilon: number;
}

/**
 * The forward pass of a batch norm followed by ReLU, for gradients that take dy as the gradient of the
 * ReLU's output: with it, dy·step(y) replaces dy (y recomputed from x as the forward pass computed it),
 * and is written to `masked` (x's shape) for the pass after the sums.
 */
export interface Rectifier {
  variance: TensorInfo;
  scale: TensorInfo;
  offset: TensorInfo;
  varianceEpsilon: number;
  masked: TensorInfo;
}

/** Per channel scale/√(variance + ε), in float32 as the JS forward pass computes it. */
export function normalisationFactors(scale: Float32Array, variance: Float32Array, epsilon: number): Float32Array {
  const f = Math.fround;
  return Float32Array.from(scale, (value, c) => f(value / f(Math.sqrt(f((variance[c] as number) + epsilon)))));
}

/** dy·step(y) as relu_grad (and tfjs-core's ReLU gradient) computes it: step is 1 above 0, 0 at or below it, NaN for NaN. */
function reluMasked(dy: number, y: number): number {
  return Math.fround(dy * (Number.isNaN(y) ? y : y > 0 ? 1 : 0));
}

/**
 * The forward pass of a batch norm followed by ReLU, for the native sums: dy·step(y) is summed in place of
 * dy, y recomputed from x as batch_norm_apply computes it.
 */
export type NativeRectifier = Omit<Rectifier, 'masked'>;

/** batch_norm_sums' argument slots 7–11 for a {@link NativeRectifier} (variance, scale, offset, ε, relu flag), zeros without one. */
function rectifierArguments(backend: BackendWasm, rectifier: NativeRectifier | undefined): number[] {
  if (rectifier === undefined) return [0, 0, 0, 0, 0];
  const { variance, scale, offset } = rectifier;
  return [heapOffset(backend, variance), heapOffset(backend, scale), heapOffset(backend, offset), floatBits(rectifier.varianceEpsilon), 1];
}

/**
 * batch_norm_sums: per channel Σ dy and Σ dy·(x − mean) (of dy·step(y) with a {@link NativeRectifier}) over
 * each of {@link PARTITIONS} fixed row partitions, as a new `[partitions, 2, C]` tensor for the caller to
 * add in order (the same bits for any thread count) and dispose.
 */
export function nativeChannelPartials(
  native: NativeKernels,
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  mean: TensorInfo,
  rows: number,
  channels: number,
  rectifier?: NativeRectifier,
): { partials: TensorInfo; partitions: number } {
  const partitions = Math.max(1, Math.min(PARTITIONS, rows));
  const partials = backend.makeOutput([partitions, 2, channels], 'float32');
  native.run(
    'batch_norm_sums',
    [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, mean), heapOffset(backend, partials), rows, channels, partitions, ...rectifierArguments(backend, rectifier)],
    partitions,
    2 * rows * channels,
  );
  return { partials, partitions };
}

/**
 * Per channel Σ dy and Σ dy·(x − mean) over the rows, as `[2, C]` (Σ dy first): natively in
 * {@link PARTITIONS} fixed row partitions added in order (the same bits for any thread count), else a
 * JS loop in row order. With a {@link Rectifier} (JS loop only), of dy·step(y), which it writes to the rectifier's `masked`.
 */
export function channelSums(backend: BackendWasm, x: TensorInfo, dy: TensorInfo, mean: TensorInfo, rows: number, channels: number, rectifier?: Rectifier): Float32Array {
  const sums = new Float32Array(2 * channels);
  const native = nativeKernels(backend);
  if (native !== undefined && rectifier === undefined) {
    const { partials, partitions } = nativeChannelPartials(native, backend, x, dy, mean, rows, channels);
    const values = heapView(backend, partials) as Float32Array;
    for (let p = 0; p < partitions; p++) for (let i = 0; i < 2 * channels; i++) sums[i] = Math.fround((sums[i] as number) + (values[p * 2 * channels + i] as number));
    backend.disposeData(partials.dataId);
    return sums;
  }
  const [xs, gs, ms] = float32Views(backend, [x, dy, mean] as const);
  const f = Math.fround;
  const rectify = rectifierLoop(backend, rectifier);
  for (let row = 0; row < rows; row++) {
    for (let c = 0; c < channels; c++) {
      const centred = f((xs[row * channels + c] as number) - (ms[c] as number));
      const g = rectify(gs[row * channels + c] as number, centred, row * channels + c);
      sums[c] = f((sums[c] as number) + g);
      sums[channels + c] = f((sums[channels + c] as number) + f(g * centred));
    }
  }
  return sums;
}

/**
 * For the JS loop of {@link channelSums}: the gradient to sum at element i from dy and x − mean — dy
 * itself, or with a {@link Rectifier} dy·step(y), y = (x − mean)·factor + offset as the JS forward pass
 * computes it, also written to the rectifier's `masked`.
 */
function rectifierLoop(backend: BackendWasm, rectifier: Rectifier | undefined): (dy: number, centred: number, i: number) => number {
  if (rectifier === undefined) return (dy) => dy;
  const [variance, scale, offset, masked] = float32Views(backend, [rectifier.variance, rectifier.scale, rectifier.offset, rectifier.masked] as const);
  const factor = normalisationFactors(scale, variance, rectifier.varianceEpsilon);
  const channels = factor.length;
  const f = Math.fround;
  return (dy, centred, i) => {
    const channel = i % channels;
    return (masked[i] = reluMasked(dy, f(f(centred * (factor[channel] as number)) + (offset[channel] as number))));
  };
}

function batchNormGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: BatchNormGradAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, dy, mean, variance } = requireInputs(BATCH_NORM_GRAD, inputs, ['x', 'dy', 'mean', 'variance']);
  const { scale } = inputs;
  const channels = nativeBatchNormChannels(x, [mean, variance, scale]);
  if (channels === undefined || dy.dtype !== 'float32' || !util.arraysEqual(dy.shape, x.shape)) {
    throw new Error(`Error in ${BATCH_NORM_GRAD}: expected float32 x and dy of one shape and per-channel mean, variance and scale, but got x [${x.shape.join(', ')}], dy [${dy.shape.join(', ')}], mean [${mean.shape.join(', ')}]`);
  }
  const size = util.sizeFromShape(x.shape);
  const rows = size / channels;
  const dx = backend.makeOutput(x.shape, 'float32');
  const native = nativeKernels(backend);
  if (native !== undefined) {
    // dx = (dy − 0)·s/√(v + ε) + 0: the forward pass' kernel without mean and offset.
    native.run('batch_norm_apply', [heapOffset(backend, dy), heapOffset(backend, dx), 0, heapOffset(backend, variance), scale === undefined ? 0 : heapOffset(backend, scale), 0, rows, channels, floatBits(attrs.varianceEpsilon), 0], rows, size);
  }
  const sums = channelSums(backend, x, dy, mean, rows, channels);
  const small = [0, 1, 2, 3].map(() => backend.makeOutput([channels], 'float32'));
  // Views after the last allocation (a heap growth detaches earlier ones).
  const v = heapView(backend, variance) as Float32Array;
  const s = scale === undefined ? undefined : (heapView(backend, scale) as Float32Array);
  const [dMean, dVariance, dScale, dOffset] = float32Views(backend, small as [TensorInfo, TensorInfo, TensorInfo, TensorInfo]);
  const factors = new Float32Array(channels);
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    const r = f(1 / f(Math.sqrt(f((v[c] as number) + attrs.varianceEpsilon))));
    const sc = s === undefined ? 1 : (s[c] as number);
    const sumDy = sums[c] as number;
    const sumDyCentred = sums[channels + c] as number;
    dMean[c] = f(f(-r * sc) * sumDy);
    dVariance[c] = f(f(f(-0.5 * f(f(r * r) * r)) * sc) * sumDyCentred);
    dScale[c] = f(r * sumDyCentred);
    dOffset[c] = sumDy;
    factors[c] = f(sc / f(Math.sqrt(f((v[c] as number) + attrs.varianceEpsilon))));
  }
  if (native === undefined) {
    const [gs, out] = float32Views(backend, [dy, dx] as const);
    for (let i = 0; i < size; i++) out[i] = f((gs[i] as number) * (factors[i % channels] as number));
  }
  return [dx, ...small];
}

/** Registers {@link BATCH_NORM_GRAD} for the wasm backend. */
export const batchNormGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormGrad as unknown as KernelFunc,
};

/** Whether the FusedBatchNorm gradient of these saved tensors runs as {@link BATCH_NORM_GRAD}. */
function usesFusedGradient(x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor | undefined): boolean {
  return nativeKernelsActive() && nativeBatchNormChannels(x, [mean, variance, scale]) !== undefined && mean.rank === 1;
}

const fusedBatchNormGradient = fusedGradient(FusedBatchNorm, ['x', 'mean', 'variance', 'scale'], (dy, saved, attrs) => {
  const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
  if (!usesFusedGradient(x, mean, variance, scale)) return undefined;
  const inputs = scale === undefined ? { x, dy, mean, variance } : { x, dy, mean, variance, scale };
  const [dx, dMean, dVariance, dScale, dOffset] = engine().runKernel(BATCH_NORM_GRAD, inputs, { varianceEpsilon: (attrs as unknown as BatchNormGradAttrs).varianceEpsilon }) as Tensor[] as [Tensor, Tensor, Tensor, Tensor, Tensor];
  return {
    x: () => dx,
    mean: () => reshape(dMean, mean.shape),
    variance: () => reshape(dVariance, mean.shape),
    scale: () => reshape(dScale, mean.shape),
    offset: () => reshape(dOffset, mean.shape),
  };
});

/**
 * Installs the FusedBatchNorm gradient described above (idempotent). tfjs-core's gradient stays in use
 * wherever the fused kernel does not apply. Needs tfjs-core's gradients registered first (importing
 * `@tensorflow/tfjs` does that).
 */
export function registerBatchNormGradient(): void {
  installGradient(fusedBatchNormGradient);
}
