/**
 * `TfsegAdamUpdate`: one Adam step of one variable as a single wasm kernel (native/adam.c), instead of
 * the dozen elementwise ops (and their bookkeeping) of the op-by-op update — per step, a U-Net with
 * 46 weight tensors saves ~550 kernel calls. Same float32 operations in the same order as adam.ts' op
 * path, so both give the same bits. Without tfseg's native kernels it runs the same loop in JS.
 *
 * Inputs `variable`, `firstMoment`, `secondMoment`, `gradient` (float32, one shape); attributes the
 * hyper-parameters and the two bias corrections; outputs the new variable and moments.
 */
import { util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32Views, heapOffset, requireInputs } from './wasm-backend';
import { floatBits, nativeKernels } from './native/runtime';

/** The kernel's name (not one of tfjs': it exists on the wasm backend only). */
export const ADAM_UPDATE = 'TfsegAdamUpdate';

/** Attributes of {@link ADAM_UPDATE}: Adam's settings and 1 / (1 − β^t) for both moments. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  firstCorrection: number;
  secondCorrection: number;
}

function adamUpdate(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: AdamUpdateAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { variable, firstMoment, secondMoment, gradient } = requireInputs(ADAM_UPDATE, inputs, ['variable', 'firstMoment', 'secondMoment', 'gradient']);
  for (const [name, input] of Object.entries({ firstMoment, secondMoment, gradient })) {
    if (!util.arraysEqual(input.shape, variable.shape) || input.dtype !== 'float32') {
      throw new Error(`Error in ${ADAM_UPDATE}: ${name} must be float32 of shape [${variable.shape.join(', ')}], but got ${input.dtype} [${input.shape.join(', ')}]`);
    }
  }
  const outputs = [variable, firstMoment, secondMoment].map((like) => backend.makeOutput(like.shape, 'float32'));
  const size = util.sizeFromShape(variable.shape);
  const { beta1, beta2, epsilon, learningRate, firstCorrection, secondCorrection } = attrs;
  // The op path multiplies by float32 scalars made from these doubles: 1 − β is computed in double first.
  const constants = [beta1, 1 - beta1, beta2, 1 - beta2, firstCorrection, secondCorrection, epsilon, learningRate];
  const native = nativeKernels(backend);
  if (native !== undefined) {
    const pointers = [variable, firstMoment, secondMoment, gradient, ...outputs].map((info) => heapOffset(backend, info));
    native.run('adam_update', [...pointers, ...constants.map(floatBits)], size, 4 * size);
    return outputs;
  }
  const [w, m, v, g] = float32Views(backend, [variable, firstMoment, secondMoment, gradient] as const);
  const [wOut, mOut, vOut] = float32Views(backend, outputs as [TensorInfo, TensorInfo, TensorInfo]);
  const [b1, ob1, b2, ob2, c1, c2, eps, lr] = constants.map(Math.fround) as [number, number, number, number, number, number, number, number];
  const f = Math.fround;
  for (let i = 0; i < size; i++) {
    const gi = g[i] as number;
    const mi = f(f(f((m[i] as number) * b1) + f(gi * ob1)));
    const vi = f(f((v[i] as number) * b2) + f(f(gi * gi) * ob2));
    const update = f(f(mi * c1) / f(f(Math.sqrt(f(vi * c2))) + eps));
    mOut[i] = mi;
    vOut[i] = vi;
    wOut[i] = f((w[i] as number) - f(update * lr));
  }
  return outputs;
}

/** Registers {@link ADAM_UPDATE} for the wasm backend. */
export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: adamUpdate as unknown as KernelFunc,
};
