/**
 * `TfsegTileGrad`: the gradient of Tile in one pass, dx[i] = Σ over the repetitions of dy (native/tile_grad.c,
 * split over the native threads by elements of dx). tfjs-layers' LayerNormalization tiles its mean,
 * variance, scale and offset to the input's shape on every call, and tfjs-core's Tile gradient is one
 * Slice and one Add per repetition: 4 × 64 kernels per layer norm of a 64-wide TransUNet `tiny` token
 * (1,280 Slices and as many Adds per step, a fifth of the step). The repetitions are added in the same
 * row-major order, from zero, as tfjs-core's gradient adds its slices, so the bits are the same.
 *
 * {@link registerTileGradient} installs a Tile gradient that runs this kernel on wasm when the native
 * kernels are on, and tfjs-core's own gradient everywhere else (other backends, native kernels off).
 */
import { engine, Tile, util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type Tensor, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fusedGradient, installGradient, nativeKernelsActive } from './gradient-override';
import { heapOffset, requireInputs } from './wasm-backend';
import { nativeKernels } from './native/runtime';

/** The kernel's name (not one of tfjs': it exists on the wasm backend only). */
export const TILE_GRAD = 'TfsegTileGrad';

/** The rank native/tile_grad.c works in (lower ranks get leading 1s). */
const TILE_RANK = 6;

/** Attributes of {@link TILE_GRAD}: the forward Tile's repetitions and its input's shape. */
export interface TileGradAttrs {
  reps: number[];
  xShape: number[];
}

function tileGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: TileGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy } = requireInputs(TILE_GRAD, inputs, ['dy']);
  const { reps, xShape } = attrs;
  const tiledShape = xShape.map((size, axis) => size * (reps[axis] as number));
  if (dy.dtype !== 'float32' || xShape.length > TILE_RANK || reps.length !== xShape.length || !util.arraysEqual(dy.shape, tiledShape)) {
    throw new Error(`Error in ${TILE_GRAD}: expected float32 dy of shape [${tiledShape.join(', ')}] (x [${xShape.join(', ')}] tiled by [${reps.join(', ')}], rank ≤ ${TILE_RANK}), but got ${dy.dtype} [${dy.shape.join(', ')}]`);
  }
  const native = nativeKernels(backend);
  if (native === undefined) throw new Error(`Error in ${TILE_GRAD}: tfseg's native kernels are off or unavailable (the Tile gradient then is tfjs-core's)`);
  const dx = backend.makeOutput(xShape, 'float32');
  const size = util.sizeFromShape(xShape);
  const leading = new Array<number>(TILE_RANK - xShape.length).fill(1);
  native.run('tile_grad', [heapOffset(backend, dy), heapOffset(backend, dx), ...leading, ...xShape, ...leading, ...reps], size, util.sizeFromShape(dy.shape));
  return dx;
}

/** Registers {@link TILE_GRAD} for the wasm backend. */
export const tileGradConfig: KernelConfig = {
  kernelName: TILE_GRAD,
  backendName: 'wasm',
  kernelFunc: tileGrad as unknown as KernelFunc,
};

const tileGradient = fusedGradient(Tile, ['x'], (dy, [x], attrs) => {
  const input = x as Tensor;
  const reps = (attrs as unknown as { reps: number[] }).reps;
  if (!nativeKernelsActive() || input.dtype !== 'float32' || dy.dtype !== 'float32' || input.rank > TILE_RANK || input.rank === 0) return undefined;
  return { x: () => engine().runKernel(TILE_GRAD, { dy }, { reps, xShape: input.shape }) as Tensor };
});

/**
 * Installs the Tile gradient described above (idempotent). tfjs-core's gradient stays in use wherever
 * the native kernel does not apply. Needs tfjs-core's gradients registered first (importing
 * `@tensorflow/tfjs` does that).
 */
export function registerTileGradient(): void {
  installGradient(tileGradient);
}
