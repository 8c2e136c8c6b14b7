/**
 * Exp for the wasm backend, replacing the built-in one for float32 inputs: native/exp.c computes what the
 * built-in kernel computes — musl's expf, which its C++ loop calls once per element — four elements at a
 * time in float64x2 SIMD, the same operations on the same values, so the same bits (tested here, and on
 * all 2^32 inputs by bench/exp-bits.mjs). The built-in call costs ~5–15 ns an element ([32768]: ~0.45 ms
 * against ~0.14 ms); @tfseg/losses' log-softmax and probabilities of a [4, 64, 64, C] output are two such
 * exps a training step. Elements split over the native threads; other dtypes, and every input where
 * tfseg's native kernels do not run, go to the built-in kernel.
 */
import { Exp, util, type KernelConfig, type KernelFunc, type TensorInfo, type UnaryInputs } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/**
 * musl's __exp2f_data.tab (2^(i/32) with i·2^52/32 subtracted from its bits), as tfjs-backend-wasm 4.22's
 * modules hold it: native/exp.c reads it from tfjs' heap, written there once (the native modules have no data
 * segments).
 */
export const EXP_TABLE = [
  0x3ff0000000000000n, 0x3fefd9b0d3158574n, 0x3fefb5586cf9890fn, 0x3fef9301d0125b51n, 0x3fef72b83c7d517bn, 0x3fef54873168b9aan, 0x3fef387a6e756238n, 0x3fef1e9df51fdee1n,
  0x3fef06fe0a31b715n, 0x3feef1a7373aa9cbn, 0x3feedea64c123422n, 0x3feece086061892dn, 0x3feebfdad5362a27n, 0x3feeb42b569d4f82n, 0x3feeab07dd485429n, 0x3feea47eb03a5585n,
  0x3feea09e667f3bcdn, 0x3fee9f75e8ec5f74n, 0x3feea11473eb0187n, 0x3feea589994cce13n, 0x3feeace5422aa0dbn, 0x3feeb737b0cdc5e5n, 0x3feec49182a3f090n, 0x3feed503b23e255dn,
  0x3feee89f995ad3adn, 0x3feeff76f2fb5e47n, 0x3fef199bdd85529cn, 0x3fef3720dcef9069n, 0x3fef5818dcfba487n, 0x3fef7c97337b9b5fn, 0x3fefa4afa2a490dan, 0x3fefd0765b6e4540n,
];

function exp(args: { inputs: UnaryInputs; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { x } = requireInputs(Exp, inputs, ['x']);
  const native = x.dtype === 'float32' ? nativeKernels(backend) : undefined;
  if (native === undefined) return runWasmKernel(backend, Exp, { x });
  const out = backend.makeOutput(x.shape, 'float32');
  const size = util.sizeFromShape(x.shape);
  if (size > 0) native.run('exp_elementwise', [heapOffset(backend, x), heapOffset(backend, out), native.constants('exp', EXP_TABLE)], size, size);
  return out;
}

/** Registers as the wasm backend's Exp (native for float32, musl's expf bit for bit; else built-in). */
export const expConfig: KernelConfig = {
  kernelName: Exp,
  backendName: 'wasm',
  kernelFunc: exp as unknown as KernelFunc,
};
