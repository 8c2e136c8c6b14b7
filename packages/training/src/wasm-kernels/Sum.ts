/**
 * Sum for the wasm backend, replacing the built-in one for float32 sums over leading axes — the bias
 * gradients of every convolution (a Sum of `[B, H, W, C]` over batch, height and width). The built-in
 * kernel transposes the reduced axes to the end first (a copy of the whole tensor) and then sums rows;
 * native/reduce.c sums columns in place (leading-reduction.ts). Every other Sum, and every Sum where
 * tfseg's native kernels do not run, goes to the built-in kernel.
 */
import { Sum, type KernelConfig, type KernelFunc, type SumAttrs, type SumInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs } from './wasm-backend';
import { reduceLeadingAxes } from './leading-reduction';

function sum(args: { inputs: SumInputs; backend: BackendWasm; attrs: SumAttrs }): TensorInfo {
  const { x } = requireInputs(Sum, args.inputs, ['x']);
  return reduceLeadingAxes(Sum, args.backend, x, args.attrs, false);
}

/** Registers as the wasm backend's Sum (float32 sums over leading axes; the rest stay built-in). */
export const sumConfig: KernelConfig = {
  kernelName: Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as KernelFunc,
};
