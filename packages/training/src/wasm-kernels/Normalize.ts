/**
 * `TfsegNormalizeForward` (@tfseg/models' NORMALIZE_FORWARD): the forward pass of GroupNormalization and
 * ChannelLayerNormalization (`normalizeAndScale`) on the wasm backend in one kernel, instead of the ~9
 * tfjs kernels of its composition (Mean — a transpose and a reduction for GroupNormalization's axes —,
 * Sub, Square, Mean, Add, Rsqrt, Mul, Mul, Add) and their intermediate tensors. native/normalize.c's
 * normalize_forward per (b, g) of x's `[B, M, G, K]` view: the built-in Mean's summation order (one float
 * accumulator, M then K), then the composition's float32 operations in order, so the same bits (tested
 * against the composition); items write disjoint elements, so any thread count gives the same bits.
 * `TfsegNormalizeGrad` (NORMALIZE_GRAD): its closed-form gradient from the saved x̂ and r in two native
 * calls instead of ~14 kernels: normalize_backward per (b, g) (dx, the two means in the built-in Mean's
 * order) and normalize_parameter_grads per 4 columns of γ (dγ = Σ dy·x̂, dβ = Σ dy, rows in order as the
 * Sum over leading axes adds them), the composition's bits (tested).
 *
 * Without native kernels, JS loops with the same float32 operations.
 */
import { util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizationLayout, type NormalizeForwardAttrs, type NormalizeGradAttrs } from '@tfseg/models';
import { float32Views, heapOffset, requireInputs } from './wasm-backend';
import { floatBits, nativeKernels } from './native/runtime';

/** The native kernel's operations in JS (Math.fround after each), for when native kernels are off. */
function normalizeLoop(xs: Float32Array, gamma: Float32Array, beta: Float32Array | undefined, y: Float32Array, normalized: Float32Array, inverse: Float32Array, layout: readonly number[], epsilon: number): void {
  const f = Math.fround;
  const [batch, mSize, groups, kSize] = layout as [number, number, number, number];
  const count = mSize * kSize;
  const row = groups * kSize;
  const eps = f(epsilon);
  for (let b = 0; b < batch; b++) {
    for (let g = 0; g < groups; g++) {
      const base = b * mSize * row + g * kSize;
      let sum = 0;
      for (let m = 0; m < mSize; m++) for (let k = 0; k < kSize; k++) sum = f(sum + (xs[base + m * row + k] as number));
      const mean = f(sum / count);
      let squares = 0;
      for (let m = 0; m < mSize; m++) {
        for (let k = 0; k < kSize; k++) {
          const d = f((xs[base + m * row + k] as number) - mean);
          squares = f(squares + f(d * d));
        }
      }
      const r = f(1 / f(Math.sqrt(f(f(squares / count) + eps))));
      inverse[b * groups + g] = r;
      for (let m = 0; m < mSize; m++) {
        for (let k = 0; k < kSize; k++) {
          const i = base + m * row + k;
          const n = f(f((xs[i] as number) - mean) * r);
          normalized[i] = n;
          const v = f(n * (gamma[g * kSize + k] as number));
          y[i] = beta === undefined ? v : f(v + (beta[g * kSize + k] as number));
        }
      }
    }
  }
}

/** `shape` with the reduced `axes` kept as 1s: the shape of the saved 1/√(var + ε). */
const reducedShape = (shape: readonly number[], axes: readonly number[]): number[] => shape.map((size, axis) => (axes.includes(axis) ? 1 : size));

function normalizeForward(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NormalizeForwardAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x, scale } = requireInputs(NORMALIZE_FORWARD, inputs, ['x', 'scale']);
  const offset = inputs['offset'];
  const layout = normalizationLayout(x.shape, attrs.axes, scale.shape);
  const parameters = offset === undefined ? [x, scale] : [x, scale, offset];
  if (layout === undefined || parameters.some((info) => info.dtype !== 'float32') || (offset !== undefined && !util.arraysEqual(offset.shape, scale.shape))) {
    throw new Error(`Error in ${NORMALIZE_FORWARD}: expected float32 x, scale and offset shaped as normalizationLayout takes, but got x [${x.shape.join(', ')}], axes [${attrs.axes.join(', ')}], scale [${scale.shape.join(', ')}]`);
  }
  const [, mSize, groups, kSize] = layout;
  const y = backend.makeOutput(x.shape, 'float32');
  const normalized = backend.makeOutput(x.shape, 'float32');
  const inverse = backend.makeOutput(reducedShape(x.shape, attrs.axes), 'float32');
  const size = util.sizeFromShape(x.shape);
  const native = nativeKernels(backend);
  if (native !== undefined) {
    const at = (info: TensorInfo): number => heapOffset(backend, info);
    native.run(
      'normalize_forward',
      [at(x), at(scale), offset === undefined ? 0 : at(offset), at(y), at(normalized), at(inverse), mSize, groups, kSize, floatBits(mSize * kSize), floatBits(attrs.epsilon), layout[0]],
      Math.ceil((layout[0] * groups) / 4),
      3 * size,
    );
    return [y, normalized, inverse];
  }
  const [xs, gamma, ys, ns, rs] = float32Views(backend, [x, scale, y, normalized, inverse] as const);
  const beta = offset === undefined ? undefined : float32Views(backend, [offset] as const)[0];
  normalizeLoop(xs, gamma, beta, ys, ns, rs, layout, attrs.epsilon);
  return [y, normalized, inverse];
}

/** The native gradient kernels' operations in JS (Math.fround after each), for when native kernels are off. */
function gradientLoop(dy: Float32Array, xHat: Float32Array, inverse: Float32Array, gamma: Float32Array, dx: Float32Array, dGamma: Float32Array, dBeta: Float32Array | undefined, layout: readonly number[]): void {
  const f = Math.fround;
  const [batch, mSize, groups, kSize] = layout as [number, number, number, number];
  const count = mSize * kSize;
  const row = groups * kSize;
  for (let b = 0; b < batch; b++) {
    for (let g = 0; g < groups; g++) {
      const base = b * mSize * row + g * kSize;
      let sum = 0;
      let projection = 0;
      for (let m = 0; m < mSize; m++) {
        for (let k = 0; k < kSize; k++) {
          const scaled = f((dy[base + m * row + k] as number) * (gamma[g * kSize + k] as number));
          sum = f(sum + scaled);
          projection = f(projection + f(scaled * (xHat[base + m * row + k] as number)));
        }
      }
      const meanScaled = f(sum / count);
      const meanProjection = f(projection / count);
      const r = inverse[b * groups + g] as number;
      for (let m = 0; m < mSize; m++) {
        for (let k = 0; k < kSize; k++) {
          const i = base + m * row + k;
          const scaled = f((dy[i] as number) * (gamma[g * kSize + k] as number));
          dx[i] = f(f(f(scaled - meanScaled) - f((xHat[i] as number) * meanProjection)) * r);
        }
      }
    }
  }
  const rows = batch * mSize;
  for (let c = 0; c < row; c++) {
    let accGamma = 0;
    let accBeta = 0;
    for (let r = 0; r < rows; r++) {
      accGamma = f(accGamma + f((dy[r * row + c] as number) * (xHat[r * row + c] as number)));
      accBeta = f(accBeta + (dy[r * row + c] as number));
    }
    dGamma[c] = accGamma;
    if (dBeta !== undefined) dBeta[c] = accBeta;
  }
}

function normalizeGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NormalizeGradAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { dy, normalized, inverseDeviation, scale } = requireInputs(NORMALIZE_GRAD, inputs, ['dy', 'normalized', 'inverseDeviation', 'scale']);
  const layout = normalizationLayout(dy.shape, attrs.axes, scale.shape);
  if (
    layout === undefined ||
    scale.shape.length >= dy.shape.length ||
    [dy, normalized, inverseDeviation, scale].some((info) => info.dtype !== 'float32') ||
    !util.arraysEqual(normalized.shape, dy.shape) ||
    !util.arraysEqual(inverseDeviation.shape, reducedShape(dy.shape, attrs.axes))
  ) {
    throw new Error(`Error in ${NORMALIZE_GRAD}: expected float32 dy and normalized of one shape as normalizationLayout takes (an axis before scale's), inverseDeviation with the axes reduced, but got dy [${dy.shape.join(', ')}], axes [${attrs.axes.join(', ')}], scale [${scale.shape.join(', ')}]`);
  }
  const [batch, mSize, groups, kSize] = layout;
  const dx = backend.makeOutput(dy.shape, 'float32');
  const dGamma = backend.makeOutput(scale.shape, 'float32');
  const dBeta = attrs.offset ? backend.makeOutput(scale.shape, 'float32') : undefined;
  const outputs = dBeta === undefined ? [dx, dGamma] : [dx, dGamma, dBeta];
  const size = util.sizeFromShape(dy.shape);
  const native = nativeKernels(backend);
  if (native !== undefined) {
    const at = (info: TensorInfo): number => heapOffset(backend, info);
    native.run('normalize_backward', [at(dy), at(normalized), at(inverseDeviation), at(scale), at(dx), mSize, groups, kSize, floatBits(mSize * kSize), batch], Math.ceil((batch * groups) / 4), 3 * size);
    const columns = groups * kSize;
    native.run('normalize_parameter_grads', [at(dy), at(normalized), at(dGamma), dBeta === undefined ? 0 : at(dBeta), batch * mSize, columns], Math.ceil(columns / 4), 2 * size);
    return outputs;
  }
  const [dys, xHat, inverse, gamma, dxs, dg] = float32Views(backend, [dy, normalized, inverseDeviation, scale, dx, dGamma] as const);
  gradientLoop(dys, xHat, inverse, gamma, dxs, dg, dBeta === undefined ? undefined : float32Views(backend, [dBeta] as const)[0], layout);
  return outputs;
}

/** Registers `TfsegNormalizeGrad` (@tfseg/models' NORMALIZE_GRAD) for the wasm backend. */
export const normalizeGradConfig: KernelConfig = {
  kernelName: NORMALIZE_GRAD,
  backendName: 'wasm',
  kernelFunc: normalizeGrad as unknown as KernelFunc,
};

/** Registers `TfsegNormalizeForward` (@tfseg/models' NORMALIZE_FORWARD) for the wasm backend. */
export const normalizeForwardConfig: KernelConfig = {
  kernelName: NORMALIZE_FORWARD,
  backendName: 'wasm',
  kernelFunc: normalizeForward as unknown as KernelFunc,
};
