/**
 * Mean for the wasm backend, replacing the built-in one for float32 means over leading axes — batch
 * normalization's statistics (tfjs' `moments` over batch, height and width of `[B, H, W, C]`). The
 * built-in kernel transposes the reduced axes to the end first (a copy of the whole tensor); here
 * native/reduce.c sums columns in place and divides by the row count (leading-reduction.ts). Every other
 * Mean, and every Mean where tfseg's native kernels do not run, goes to the built-in kernel.
 */
import { Mean, type KernelConfig, type KernelFunc, type MeanAttrs, type MeanInputs, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs } from './wasm-backend';
import { reduceLeadingAxes } from './leading-reduction';

function mean(args: { inputs: MeanInputs; backend: BackendWasm; attrs: MeanAttrs }): TensorInfo {
  const { x } = requireInputs(Mean, args.inputs, ['x']);
  return reduceLeadingAxes(Mean, args.backend, x, args.attrs, true);
}

/** Registers as the wasm backend's Mean (float32 means over leading axes; the rest stay built-in). */
export const meanConfig: KernelConfig = {
  kernelName: Mean,
  backendName: 'wasm',
  kernelFunc: mean as unknown as KernelFunc,
};
