/**
 * _FusedMatMul (matmul + bias + activation: what tfjs-layers' Dense runs forward, e.g. ConvFormer's
 * pointwise convolutions and MLPs and TransUNet's MLP) for the wasm backend, replacing the built-in one
 * (XNNPACK on one thread): with tfseg's native kernels on, float32 products run in
 * native/batch_matmul.c (BatchMatMul.ts) and native/bias_activation.c then adds a `[N]` bias and
 * applies linear, relu, relu6 or leaky relu in place, both on the native threads. Other activations,
 * prelu, other bias shapes and N not divisible by 4 (and everything with the native kernels off) run as
 * BatchMatMul.ts' product, then the built-in Add and activation kernels: tfjs-backend-wasm 4.22's own
 * _FusedMatMul adds the bias wrongly for batches > 1 and with transposeB (the agreement test finds it).
 */
import { _FusedMatMul, type _FusedMatMulAttrs, type _FusedMatMulInputs, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo, util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { floatBits, nativeKernels } from './native/runtime';
import { nativeBatchMatMul } from './BatchMatMul';
import { activationCodes } from './FusedConv2D';
import { disposeIntermediate, heapOffset, matMulWasm, requireInputs, runWasmKernel } from './wasm-backend';

/** The fallback: the product (transposes first, then XNNPACK), then the bias and the activation, each a built-in kernel. */
function composedFusedMatMul(backend: BackendWasm, a: TensorInfo, b: TensorInfo, inputs: _FusedMatMulInputs, attrs: _FusedMatMulAttrs): TensorInfo {
  let result = matMulWasm(backend, a, b, attrs.transposeA, attrs.transposeB);
  const then = (kernelName: string, kernelInputs: NamedTensorInfoMap, kernelAttrs: NamedAttrMap = {}) => {
    const next = runWasmKernel(backend, kernelName, kernelInputs, kernelAttrs);
    disposeIntermediate(backend, result);
    result = next;
  };
  if (inputs.bias !== undefined) then('Add', { a: result, b: inputs.bias });
  const activation = attrs.activation ?? 'linear';
  if (activation === 'relu') then('Relu', { x: result });
  else if (activation === 'relu6') then('Relu6', { x: result });
  else if (activation === 'elu') then('Elu', { x: result });
  else if (activation === 'sigmoid') then('Sigmoid', { x: result });
  else if (activation === 'leakyrelu') then('LeakyRelu', { x: result }, { alpha: attrs.leakyreluAlpha ?? 0.2 });
  else if (activation === 'prelu') {
    if (inputs.preluActivationWeights === undefined) throw new Error("Error in _FusedMatMul: activation 'prelu' needs preluActivationWeights");
    then('Prelu', { x: result, alpha: inputs.preluActivationWeights });
  } else if (activation !== 'linear') throw new Error(`Error in _FusedMatMul: unknown activation '${activation}' (expected linear, relu, relu6, elu, sigmoid, leakyrelu or prelu)`);
  return result;
}

function fusedMatMul(args: { inputs: _FusedMatMulInputs; backend: BackendWasm; attrs: _FusedMatMulAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { a, b } = requireInputs(_FusedMatMul, inputs as unknown as NamedTensorInfoMap, ['a', 'b']);
  const { bias, preluActivationWeights } = inputs;
  const activation = activationCodes[attrs.activation ?? 'linear'];
  const columns = (attrs.transposeB ? b.shape[b.shape.length - 2] : b.shape[b.shape.length - 1]) as number;
  const plainBias = bias === undefined || (bias.shape.length === 1 && bias.shape[0] === columns && bias.dtype === 'float32');
  const applies = activation !== undefined && preluActivationWeights === undefined && plainBias && columns % 4 === 0 && nativeKernels(backend) !== undefined;
  const out = applies ? nativeBatchMatMul(backend, a, b, attrs.transposeA, attrs.transposeB) : undefined;
  const native = nativeKernels(backend);
  if (out === undefined || native === undefined || activation === undefined) return composedFusedMatMul(backend, a, b, inputs, attrs);
  const rows = util.sizeFromShape(out.shape) / columns;
  if ((bias !== undefined || activation !== 0) && rows > 0) {
    const epilogue = [heapOffset(backend, out), heapOffset(backend, out), bias === undefined ? 0 : heapOffset(backend, bias), columns, activation, floatBits(attrs.leakyreluAlpha ?? 0.2)];
    native.run('bias_activation', epilogue, rows, rows * columns);
  }
  return out;
}

/** Registers as the wasm backend's _FusedMatMul (native where it applies, XNNPACK otherwise). */
export const fusedMatMulConfig: KernelConfig = {
  kernelName: _FusedMatMul,
  backendName: 'wasm',
  kernelFunc: fusedMatMul as unknown as KernelFunc,
};
