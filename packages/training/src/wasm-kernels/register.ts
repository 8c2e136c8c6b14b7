/** The wasm training kernels and their registration (like tfjs' register_all_kernels.ts). */
import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs-core';
import { addConfig } from './Add';
import { adamUpdateConfig } from './AdamUpdate';
import { batchMatMulConfig } from './BatchMatMul';
import { batchNormGradConfig, registerBatchNormGradient } from './BatchNormGrad';
import { batchNormTrainingConfig, batchNormTrainingGradConfig } from './BatchNormTraining';
import { castConfig } from './Cast';
import { conv2DConfig } from './Conv2D';
import { conv2dBiasReluConfig, conv2dBiasReluGradConfig } from './ConvBiasRelu';
import { conv2dTransposeBiasConfig } from './ConvTransposeBias';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';
import { concatConfig } from './Concat';
import { depthwiseConv2dNativeConfig } from './DepthwiseConv2dNative';
import { depthwiseConv2dNativeBackpropFilterConfig } from './DepthwiseConv2dNativeBackpropFilter';
import { depthwiseConv2dNativeBackpropInputConfig } from './DepthwiseConv2dNativeBackpropInput';
import { expConfig } from './Exp';
import { greaterEqualConfig, maximumConfig, multiplyConfig, reluConfig, stepConfig, subConfig } from './Elementwise';
import { meanGradConfig, registerElementwiseGradients, reluGradConfig, squareGradConfig } from './ElementwiseGrad';
import { batchNormReluConfig, fusedBatchNormConfig } from './FusedBatchNorm';
import { fusedConv2DConfig } from './FusedConv2D';
import { fusedMatMulConfig } from './FusedMatMul';
import { identityConfig } from './Identity';
import { maxPoolGradConfig } from './MaxPoolGrad';
import { meanConfig } from './Mean';
import { normalizeForwardConfig, normalizeGradConfig } from './Normalize';
import { resizeBilinearGradConfig, resizeNearestNeighborGradConfig } from './ResizeGrad';
import { softmaxConfig } from './Softmax';
import { softmaxLossGradConfig, softmaxLossSumsConfig, softmaxProbabilityLossGradConfig, softmaxProbabilityLossSumsConfig } from './SoftmaxLoss';
import { splitVConfig } from './SplitV';
import { sumConfig } from './Sum';
import { tileConfig } from './Tile';
import { registerTileGradient, tileGradConfig } from './TileGrad';
import { rememberBuiltinKernel } from './wasm-backend';

/** Every training kernel this package provides for the wasm backend. */
export const wasmTrainingKernelConfigs: readonly KernelConfig[] = [
  adamUpdateConfig,
  addConfig,
  batchMatMulConfig,
  batchNormGradConfig,
  batchNormReluConfig,
  batchNormTrainingConfig,
  batchNormTrainingGradConfig,
  castConfig,
  concatConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  conv2dBiasReluConfig,
  conv2dBiasReluGradConfig,
  conv2dTransposeBiasConfig,
  depthwiseConv2dNativeConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  expConfig,
  fusedBatchNormConfig,
  fusedConv2DConfig,
  fusedMatMulConfig,
  greaterEqualConfig,
  identityConfig,
  maxPoolGradConfig,
  maximumConfig,
  meanConfig,
  meanGradConfig,
  multiplyConfig,
  normalizeForwardConfig,
  normalizeGradConfig,
  reluConfig,
  reluGradConfig,
  resizeBilinearGradConfig,
  resizeNearestNeighborGradConfig,
  softmaxConfig,
  softmaxLossGradConfig,
  softmaxLossSumsConfig,
  softmaxProbabilityLossGradConfig,
  softmaxProbabilityLossSumsConfig,
  splitVConfig,
  squareGradConfig,
  stepConfig,
  subConfig,
  sumConfig,
  tileConfig,
  tileGradConfig,
];

/**
 * Registers every kernel of {@link wasmTrainingKernelConfigs} for backend `'wasm'`, replacing a built-in
 * kernel of the same name (which stays callable by the replacement), and the FusedBatchNorm gradient
 * that uses `TfsegBatchNormGrad` on wasm, the Relu, Square and Mean gradients that use the one-pass
 * kernels of ElementwiseGrad.ts and the Tile gradient that uses `TfsegTileGrad` (TileGrad.ts); tfjs-core's
 * own gradients everywhere else.
 * Idempotent: calling it again changes nothing. Works before or after `tf.setBackend('wasm')`.
 *
 * @returns the registered kernel names.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const config of wasmTrainingKernelConfigs) {
    const current = getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    const builtin = rememberBuiltinKernel(config.kernelName);
    if (current !== undefined) unregisterKernel(config.kernelName, 'wasm');
    // The backend runs setup functions once, at initialisation, for the kernels registered then: keep
    // the built-in one's, which binds the wasm function the replacement may call.
    registerKernel(builtin?.setupFunc === undefined ? config : { ...config, setupFunc: builtin.setupFunc });
  }
  registerBatchNormGradient();
  registerElementwiseGradients();
  registerTileGradient();
  return wasmTrainingKernelConfigs.map((config) => config.kernelName);
}
