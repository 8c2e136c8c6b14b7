/**
 * BatchMatMul for the wasm backend, replacing the built-in one. Attention's forward pass (Q·Kᵀ) and the
 * gradients of every matrix product (dA = dy·Bᵀ, dB = Aᵀ·dy) have a transposed operand, which the
 * built-in kernel runs in a scalar loop at 1–3 GFLOP/s. With tfseg's native kernels on, float32
 * products of any transpose combination run in native/batch_matmul.c, split over the native threads
 * by batch and blocks of rows (the same bits for any thread count); A or B may be broadcast over the
 * batch (a batch size of 1), as tf.matMul allows. Otherwise (native kernels off, other dtypes) a
 * flagged operand is transposed first and XNNPACK multiplies untransposed (~30 GFLOP/s, one thread).
 */
import { backend_util, BatchMatMul, util, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from './native/runtime';
import { heapOffset, matMulWasm, requireInputs } from './wasm-backend';

/** The product on the native kernel (native/batch_matmul.c), or undefined when it does not apply (the caller falls back). */
export function nativeBatchMatMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo | undefined {
  const native = nativeKernels(backend);
  if (native === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) return undefined;
  const [aRows, aColumns] = a.shape.slice(-2) as [number, number];
  const [bRows, bColumns] = b.shape.slice(-2) as [number, number];
  const [m, k] = transposeA ? [aColumns, aRows] : [aRows, aColumns];
  const [kB, n] = transposeB ? [bColumns, bRows] : [bRows, bColumns];
  const batchA = util.sizeFromShape(a.shape.slice(0, -2));
  const batchB = util.sizeFromShape(b.shape.slice(0, -2));
  // Mismatches go to the built-in kernel, which reports them in tfjs' words.
  if (k !== kB || (batchA !== batchB && batchA !== 1 && batchB !== 1)) return undefined;
  const outerShape = backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const out = backend.makeOutput([...outerShape, m, n], 'float32');
  const batch = Math.max(batchA, batchB);
  if (batch * m * n === 0) return out;
  const args = [heapOffset(backend, a), heapOffset(backend, b), heapOffset(backend, out), batch, batchA === 1 ? 0 : m * k, batchB === 1 ? 0 : k * n, m, k, n, transposeA ? 1 : 0, transposeB ? 1 : 0];
  native.run('batch_matmul', args, batch * Math.ceil(m / 4), batch * m * n * Math.max(k, 1));
  return out;
}

function batchMatMul(args: { inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = requireInputs(BatchMatMul, inputs, ['a', 'b']);
  return nativeBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB) ?? matMulWasm(backend, a, b, attrs.transposeA, attrs.transposeB);
}

/** Registers as the wasm backend's BatchMatMul, replacing the built-in one. */
export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
