/**
 * One-pass gradients of ReLU, Square and a Mean over leading axes on wasm — the elementwise kernels
 * around every batch-norm layer (tfjs' `moments` is Mean, Sub, Square, Mean; the layer's activation a
 * ReLU). tfjs-core composes each gradient from two or three full-size kernels, a copy (`cast` of a
 * float32) or a JS-filled `ones` array uploaded to the heap; native/elementwise_grad.c computes each in
 * one pass with the same arithmetic, so the same bits, split over the native threads:
 *
 *   TfsegReluGrad   dx = dy·step(x)        core: mul(dy, cast(step(x), 'float32'))
 *   TfsegSquareGrad dx = dy·(x·2)          core: mul(dy, mul(cast(x, 'float32'), 2))
 *   TfsegMeanGrad   dx = dy / n, broadcast core: div(mul(reshape(dy), ones(x.shape)), n)
 *                   over the n rows of the leading axes
 *
 * step(x) is 1 above 0, 0 at or below it and NaN for NaN (the cpu backend's Step). {@link
 * registerElementwiseGradients} installs gradients for Relu, Square and Mean that run these kernels on
 * wasm with the native kernels on, for float32 tensors (and, for Mean, a reduction over leading axes),
 * and tfjs-core's gradients everywhere else. Called directly without the native kernels, the kernels
 * compute the same in JS loops.
 */
import { engine, Mean, Relu, Square, util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatBits, nativeKernels } from './native/runtime';
import { fusedGradient, installGradient, nativeKernelsActive } from './gradient-override';
import { float32Views, heapOffset, leadingAxisCount, requireInputs } from './wasm-backend';

/** dy·step(x) for a Relu's input x (kernel of the wasm backend only). */
export const RELU_GRAD = 'TfsegReluGrad';
/** dy·(x·2) for a Square's input x (kernel of the wasm backend only). */
export const SQUARE_GRAD = 'TfsegSquareGrad';
/** dy / n broadcast to `shape` over its leading axes (kernel of the wasm backend only). */
export const MEAN_GRAD = 'TfsegMeanGrad';

/** Attributes of {@link MEAN_GRAD}: the shape of the Mean's input (dy's size is that of its trailing axes). */
export interface MeanGradAttrs {
  shape: number[];
}

const f = Math.fround;

/** step(v) as the cpu backend's Step computes it (the JS fallbacks of the ReLU gradients). */
export const step = (v: number): number => (Number.isNaN(v) ? v : v > 0 ? 1 : 0);

/** The elementwise kernel body shared by {@link RELU_GRAD} and {@link SQUARE_GRAD}. */
function elementwiseGrad(kernelName: string, nativeName: 'relu_grad' | 'square_grad', local: (x: number, dy: number) => number): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm }): TensorInfo => {
    const { inputs, backend } = args;
    const { x, dy } = requireInputs(kernelName, inputs, ['x', 'dy']);
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || !util.arraysEqual(x.shape, dy.shape)) {
      throw new Error(`Error in ${kernelName}: expected float32 x and dy of one shape, but got x ${x.dtype} [${x.shape.join(', ')}] and dy ${dy.dtype} [${dy.shape.join(', ')}]`);
    }
    const dx = backend.makeOutput(x.shape, 'float32');
    const size = util.sizeFromShape(x.shape);
    const native = nativeKernels(backend);
    if (native !== undefined) {
      native.run(nativeName, [heapOffset(backend, x), heapOffset(backend, dy), heapOffset(backend, dx)], size, size);
      return dx;
    }
    const [xs, gs, out] = float32Views(backend, [x, dy, dx] as const);
    for (let i = 0; i < size; i++) out[i] = local(xs[i] as number, gs[i] as number);
    return dx;
  }) as unknown as KernelFunc;
}

function meanGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: MeanGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy } = requireInputs(MEAN_GRAD, inputs, ['dy']);
  const size = util.sizeFromShape(attrs.shape);
  const columns = util.sizeFromShape(dy.shape);
  if (dy.dtype !== 'float32' || columns === 0 || size % columns !== 0) {
    throw new Error(`Error in ${MEAN_GRAD}: expected a float32 dy whose size divides the input's, but got dy ${dy.dtype} [${dy.shape.join(', ')}] for an input [${attrs.shape.join(', ')}]`);
  }
  const rows = size / columns;
  const dx = backend.makeOutput(attrs.shape, 'float32');
  const native = nativeKernels(backend);
  if (native !== undefined) {
    native.run('broadcast_mean', [heapOffset(backend, dy), heapOffset(backend, dx), columns, floatBits(rows)], rows, size);
    return dx;
  }
  const [gs, out] = float32Views(backend, [dy, dx] as const);
  for (let row = 0; row < rows; row++) for (let c = 0; c < columns; c++) out[row * columns + c] = f((gs[c] as number) / rows);
  return dx;
}

/** Registers {@link RELU_GRAD} for the wasm backend. */
export const reluGradConfig: KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: elementwiseGrad(RELU_GRAD, 'relu_grad', (x, dy) => f(dy * step(x))),
};

/** Registers {@link SQUARE_GRAD} for the wasm backend. */
export const squareGradConfig: KernelConfig = {
  kernelName: SQUARE_GRAD,
  backendName: 'wasm',
  kernelFunc: elementwiseGrad(SQUARE_GRAD, 'square_grad', (x, dy) => f(dy * f(x * 2))),
};

/** Registers {@link MEAN_GRAD} for the wasm backend. */
export const meanGradConfig: KernelConfig = {
  kernelName: MEAN_GRAD,
  backendName: 'wasm',
  kernelFunc: meanGrad as unknown as KernelFunc,
};

/** Whether x and dy are float32 tensors of one shape on wasm with the native kernels on. */
function fusable(x: Tensor, dy: Tensor): boolean {
  return nativeKernelsActive() && x.dtype === 'float32' && dy.dtype === 'float32' && util.arraysEqual(x.shape, dy.shape);
}

const reluGradient = fusedGradient(Relu, ['x'], (dy, [x]) => {
  const input = x as Tensor;
  return fusable(input, dy) ? { x: () => engine().runKernel(RELU_GRAD, { x: input, dy }) as Tensor } : undefined;
});

const squareGradient = fusedGradient(Square, ['x'], (dy, [x]) => {
  const input = x as Tensor;
  return fusable(input, dy) ? { x: () => engine().runKernel(SQUARE_GRAD, { x: input, dy }) as Tensor } : undefined;
});

const meanGradient = fusedGradient(Mean, ['x'], (dy, [x], attrs) => {
  const input = x as Tensor;
  const axes = util.parseAxisParam(attrs.axis as number | number[], input.shape);
  const leading = leadingAxisCount(axes, input.rank);
  if (!nativeKernelsActive() || input.dtype !== 'float32' || dy.dtype !== 'float32' || leading === 0 || axes.length !== leading) return undefined;
  return { x: () => engine().runKernel(MEAN_GRAD, { dy }, { shape: input.shape } as unknown as MeanGradAttrs & Record<string, number[]>) as Tensor };
});

/**
 * Installs the Relu, Square and Mean gradients described above (idempotent); tfjs-core's stay in use
 * wherever the fused kernels do not apply. Needs tfjs-core's gradients registered first (importing
 * `@tensorflow/tfjs` does that).
 */
export function registerElementwiseGradients(): void {
  for (const gradient of [reluGradient, squareGradient, meanGradient]) installGradient(gradient);
}
