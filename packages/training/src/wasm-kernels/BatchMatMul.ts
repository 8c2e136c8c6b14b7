/**
 * BatchMatMul for the wasm backend, replacing the built-in one for transposed operands. The gradients
 * of a matrix product are products with a transposed operand (dA = dy·Bᵀ, dB = Aᵀ·dy), which the
 * built-in kernel runs in a scalar loop at 1–3 GFLOP/s; transposing first and multiplying untransposed
 * runs on XNNPACK at ~30 GFLOP/s (attention and MLP layers of TransUNet/ConvFormer train through it).
 */
import { BatchMatMul, type BatchMatMulAttrs, type BatchMatMulInputs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { matMulWasm, requireInputs } from './wasm-backend';

function batchMatMul(args: { inputs: BatchMatMulInputs; backend: BackendWasm; attrs: BatchMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = requireInputs(BatchMatMul, inputs, ['a', 'b']);
  return matMulWasm(backend, a, b, attrs.transposeA, attrs.transposeB);
}

/** Registers as the wasm backend's BatchMatMul, replacing the built-in one. */
export const batchMatMulConfig: KernelConfig = {
  kernelName: BatchMatMul,
  backendName: 'wasm',
  kernelFunc: batchMatMul as unknown as KernelFunc,
};
