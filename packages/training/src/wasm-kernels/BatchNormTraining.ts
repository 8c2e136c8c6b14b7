/**
 * The two kernels of @tfseg/models' training-mode batch norm (`batchNormTraining`, which its
 * BatchNormalization layer runs as one tape operation) on the wasm backend:
 *
 * - `TfsegBatchNormTraining` (forward): the per-channel mean and biased variance in two read-only passes
 *   (native/batch_norm.c's batch_norm_statistics: the same operations in the same order as tfjs' moments
 *   on this backend, so the same bits, without writing x − mean and its square), then the normalisation
 *   pass of FusedBatchNorm (batch_norm_apply); the moving statistics m − (m − batch value)·(1 − momentum)
 *   in float32 as tfjs-layers' three kernels per statistic compute them (natively in
 *   batch_norm_statistics). Outputs y, mean, variance and
 *   the next moving mean and variance.
 * - `TfsegBatchNormTrainingGrad`: Σ dy and Σ dy·(x − mean) per channel (batch_norm_sums, fixed row
 *   partitions added in order by batch_norm_coefficients, which also computes the coefficients below with
 *   this file's JS operations), then dx = (dy − k1 − (x − mean)·k2)·g in one pass (batch_norm_backward)
 *   with k1 = Σdy/n, k2 = r²·Σdy(x − mean)/n, g = scale·r, r = 1/√(variance + ε);
 *   dscale = r·Σ dy·(x − mean), doffset = Σ dy. The same formula, op for op, as the tfjs-core
 *   composition @tfseg/models falls back to on other backends.
 *
 * With attribute `relu` (a BatchNormalization → ReLU pair in @tfseg/models' FusingLayersModel) the forward
 * pass ends in ReLU and the gradient takes dy as the gradient of the ReLU's output: the sums and dx use
 * dy·step(y), y recomputed from x, mean, variance, scale and offset with the forward pass' operations
 * (input `offset`; the sums and dx each recompute it, so no masked dy is written), so one kernel each
 * way replaces Relu and its gradient, with the same bits as Relu, TfsegReluGrad and these.
 *
 * Two full-size passes forward (statistics read x twice, the normalisation writes y) and two backward
 * (sums read, dx written), all on the native threads, against ~10 taped kernels and their gradients
 * before. Without the native kernels, JS loops compute the same (the statistics with the same bits).
 */
import { util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BATCH_NORM_TRAINING, BATCH_NORM_TRAINING_GRAD, type BatchNormTrainingAttrs, type BatchNormTrainingForwardAttrs } from '@tfseg/models';
import { float32Views, heapOffset, requireInputs } from './wasm-backend';
import { doubleBits, floatBits, nativeKernels, type NativeKernels } from './native/runtime';
import { nativeBatchNormChannels } from './FusedBatchNorm';
import { channelSums, nativeChannelPartials, normalisationFactors, type Rectifier } from './BatchNormGrad';

/** x's channel count when x is float32 and every parameter a per-channel vector, else an Error. */
function channelsOf(kernelName: string, x: TensorInfo, parameters: TensorInfo[]): number {
  const channels = nativeBatchNormChannels(x, parameters);
  if (channels === undefined || parameters.some((parameter) => parameter.shape.length !== 1)) {
    const shapes = parameters.map((parameter) => `[${parameter.shape.join(', ')}]`).join(', ');
    throw new Error(`Error in ${kernelName}: expected float32 x [..., C] (C ≤ 4096) and [C] parameters, but got x [${x.shape.join(', ')}] ${x.dtype} and ${shapes}`);
  }
  return channels;
}

/** Per channel mean and biased variance of the rows, in row order (the JS twin of batch_norm_statistics). */
function statisticsLoop(xs: Float32Array, mean: Float32Array, variance: Float32Array, rows: number, channels: number): void {
  const f = Math.fround;
  const acc = new Float32Array(channels);
  for (let row = 0; row < rows; row++) for (let c = 0; c < channels; c++) acc[c] = f((acc[c] as number) + (xs[row * channels + c] as number));
  for (let c = 0; c < channels; c++) mean[c] = f((acc[c] as number) / rows);
  acc.fill(0);
  for (let row = 0; row < rows; row++) {
    for (let c = 0; c < channels; c++) {
      const d = f((xs[row * channels + c] as number) - (mean[c] as number));
      acc[c] = f((acc[c] as number) + f(d * d));
    }
  }
  for (let c = 0; c < channels; c++) variance[c] = f((acc[c] as number) / rows);
}

/** tfjs-layers' moving-average update of each channel, m − (m − value)·(1 − momentum), in float32. */
function movingAverage(current: Float32Array, value: Float32Array, next: Float32Array, momentum: number): void {
  const f = Math.fround;
  const decay = f(1 - momentum);
  for (let c = 0; c < current.length; c++) next[c] = f((current[c] as number) - f(f((current[c] as number) - (value[c] as number)) * decay));
}

function batchNormTraining(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: BatchNormTrainingForwardAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, scale, offset, movingMean, movingVariance } = requireInputs(BATCH_NORM_TRAINING, inputs, ['x', 'scale', 'offset', 'movingMean', 'movingVariance']);
  const channels = channelsOf(BATCH_NORM_TRAINING, x, [scale, offset, movingMean, movingVariance]);
  const size = util.sizeFromShape(x.shape);
  const rows = size / channels;
  const y = backend.makeOutput(x.shape, 'float32');
  const mean = backend.makeOutput([channels], 'float32');
  const variance = backend.makeOutput([channels], 'float32');
  const nextMovingMean = backend.makeOutput([channels], 'float32');
  const nextMovingVariance = backend.makeOutput([channels], 'float32');
  const outputs = [y, mean, variance, nextMovingMean, nextMovingVariance];
  const native = nativeKernels(backend);
  const epsilon = attrs.varianceEpsilon;
  const relu = attrs.relu === true;
  if (native !== undefined) {
    // The moving statistics in the same kernel, with movingAverage's float32 operations (decay = f(1 − momentum)).
    const moving = [heapOffset(backend, movingMean), heapOffset(backend, movingVariance), heapOffset(backend, nextMovingMean), heapOffset(backend, nextMovingVariance), floatBits(1 - attrs.momentum)];
    native.run('batch_norm_statistics', [heapOffset(backend, x), heapOffset(backend, mean), heapOffset(backend, variance), rows, channels, floatBits(rows), ...moving], Math.ceil(channels / 16), 2 * size);
    native.run(
      'batch_norm_apply',
      [heapOffset(backend, x), heapOffset(backend, y), heapOffset(backend, mean), heapOffset(backend, variance), heapOffset(backend, scale), heapOffset(backend, offset), rows, channels, floatBits(epsilon), relu ? 1 : 0],
      rows,
      size,
    );
    return outputs;
  }
  const [xs, out, m, v, s, o] = float32Views(backend, [x, y, mean, variance, scale, offset] as const);
  statisticsLoop(xs, m, v, rows, channels);
  const f = Math.fround;
  const factor = normalisationFactors(s, v, epsilon);
  for (let i = 0; i < size; i++) {
    const c = i % channels;
    const value = f(f(f((xs[i] as number) - (m[c] as number)) * (factor[c] as number)) + (o[c] as number));
    // ReLU as the native kernel and tfjs' Relu: above 0 kept, else 0, NaN kept.
    out[i] = relu && !(value > 0) && !Number.isNaN(value) ? 0 : value;
  }
  const [mm, mv, nm, nv] = float32Views(backend, [movingMean, movingVariance, nextMovingMean, nextMovingVariance] as const);
  movingAverage(mm, m, nm, attrs.momentum);
  movingAverage(mv, v, nv, attrs.momentum);
  return outputs;
}

function batchNormTrainingGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: BatchNormTrainingAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, dy, mean, variance, scale } = requireInputs(BATCH_NORM_TRAINING_GRAD, inputs, ['x', 'dy', 'mean', 'variance', 'scale']);
  const { offset } = attrs.relu === true ? requireInputs(BATCH_NORM_TRAINING_GRAD, inputs, ['offset']) : { offset: undefined };
  const channels = channelsOf(BATCH_NORM_TRAINING_GRAD, x, offset === undefined ? [mean, variance, scale] : [mean, variance, scale, offset]);
  if (dy.dtype !== 'float32' || !util.arraysEqual(dy.shape, x.shape)) {
    throw new Error(`Error in ${BATCH_NORM_TRAINING_GRAD}: expected float32 dy of x's shape [${x.shape.join(', ')}], but got ${dy.dtype} [${dy.shape.join(', ')}]`);
  }
  const rows = util.sizeFromShape(x.shape) / channels;
  const native = nativeKernels(backend);
  const operands: GradientOperands = { x, dy, mean, variance, scale, offset, rows, channels, epsilon: attrs.varianceEpsilon };
  return native === undefined ? gradientLoop(backend, operands) : gradientNative(native, backend, operands);
}

/** What both gradient paths read: the layer's tensors (`offset` only with ReLU), its [rows, channels] view, ε. */
interface GradientOperands {
  x: TensorInfo;
  dy: TensorInfo;
  mean: TensorInfo;
  variance: TensorInfo;
  scale: TensorInfo;
  offset: TensorInfo | undefined;
  rows: number;
  channels: number;
  epsilon: number;
}

/**
 * The gradient on the native threads: batch_norm_sums' partitions, batch_norm_coefficients (their sums in
 * order and the per-channel coefficients, with the JS loop's float operations: the same bits), then
 * batch_norm_backward, which with ReLU recomputes y and uses dy·step(y) as the sums did (nothing
 * full-size is written but dx).
 */
function gradientNative(native: NativeKernels, backend: BackendWasm, { x, dy, mean, variance, scale, offset, rows, channels, epsilon }: GradientOperands): TensorInfo[] {
  const { partials, partitions } = nativeChannelPartials(native, backend, x, dy, mean, rows, channels, offset === undefined ? undefined : { variance, scale, offset, varianceEpsilon: epsilon });
  const dx = backend.makeOutput(x.shape, 'float32');
  const dScale = backend.makeOutput([channels], 'float32');
  const dOffset = backend.makeOutput([channels], 'float32');
  const coefficients = backend.makeOutput([4, channels], 'float32');
  const at = (info: TensorInfo): number => heapOffset(backend, info);
  native.run(
    'batch_norm_coefficients',
    [at(partials), partitions, channels, rows, at(mean), at(variance), at(scale), ...doubleBits(epsilon), at(coefficients), at(dScale), at(dOffset)],
    channels,
    partitions * channels,
  );
  const relu = offset === undefined ? [0, 0, 0, 0, 0] : [1, at(variance), at(scale), at(offset), floatBits(epsilon)];
  native.run('batch_norm_backward', [at(x), at(dy), at(dx), at(coefficients), rows, channels, ...relu], rows, rows * channels);
  backend.disposeData(partials.dataId);
  backend.disposeData(coefficients.dataId);
  return [dx, dScale, dOffset];
}

/** The gradient in JS loops (no native kernels): the native path's operations, in order. */
function gradientLoop(backend: BackendWasm, { x, dy, mean, variance, scale, offset, rows, channels, epsilon }: GradientOperands): TensorInfo[] {
  const dx = backend.makeOutput(x.shape, 'float32');
  // With ReLU the sums write dy·step(y) into dx, and the last pass reads it from there as its dy.
  const rectifier: Rectifier | undefined = offset === undefined ? undefined : { variance, scale, offset, varianceEpsilon: epsilon, masked: dx };
  const sums = channelSums(backend, x, dy, mean, rows, channels, rectifier);
  const gradient = rectifier === undefined ? dy : dx;
  const dScale = backend.makeOutput([channels], 'float32');
  const dOffset = backend.makeOutput([channels], 'float32');
  // Views after the last allocation (a heap growth detaches earlier ones).
  const [m, v, s, dS, dO, xs, gs, out] = float32Views(backend, [mean, variance, scale, dScale, dOffset, x, gradient, dx] as const);
  const f = Math.fround;
  const k = new Float32Array(4 * channels);
  for (let c = 0; c < channels; c++) {
    // As @tfseg/models' composition: r = rsqrt(v + ε), k1 = Σdy / n, k2 = r²·(Σdy(x − μ) / n), g = s·r.
    const r = f(1 / f(Math.sqrt(f((v[c] as number) + epsilon))));
    const sumDy = sums[c] as number;
    const sumDyCentred = sums[channels + c] as number;
    k[c] = m[c] as number;
    k[channels + c] = f(sumDy / rows);
    k[2 * channels + c] = f(f(r * r) * f(sumDyCentred / rows));
    k[3 * channels + c] = f((s[c] as number) * r);
    dS[c] = f(sumDyCentred * r);
    dO[c] = sumDy;
  }
  for (let i = 0; i < rows * channels; i++) {
    const c = i % channels;
    const inner = f(f((gs[i] as number) - (k[channels + c] as number)) - f(f((xs[i] as number) - (k[c] as number)) * (k[2 * channels + c] as number)));
    out[i] = f(inner * (k[3 * channels + c] as number));
  }
  return [dx, dScale, dOffset];
}

/** Registers `TfsegBatchNormTraining` (@tfseg/models' BATCH_NORM_TRAINING) for the wasm backend. */
export const batchNormTrainingConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING,
  backendName: 'wasm',
  kernelFunc: batchNormTraining as unknown as KernelFunc,
};

/** Registers `TfsegBatchNormTrainingGrad` (@tfseg/models' BATCH_NORM_TRAINING_GRAD) for the wasm backend. */
export const batchNormTrainingGradConfig: KernelConfig = {
  kernelName: BATCH_NORM_TRAINING_GRAD,
  backendName: 'wasm',
  kernelFunc: batchNormTrainingGrad as unknown as KernelFunc,
};
