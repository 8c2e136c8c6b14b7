/**
 * Replacing one of tfjs-core's gradients with a fused one that runs on wasm with tfseg's native kernels,
 * while tfjs-core's own gradient stays in use everywhere else (other backends, shapes, or native kernels
 * off). The gradient registry is global, not per backend, so each replacement decides per call.
 */
import { backend as activeBackend, getBackend, getGradient, registerGradient, type GradConfig, type NamedAttrMap, type Tensor } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { nativeKernels } from './native/runtime';

/** The gradients a gradient function returns: one function per input name. */
type NamedGradientMap = ReturnType<GradConfig['gradFunc']>;

/** tfjs-core's gradients that a replacement took the place of, by kernel name. */
const coreGradients = new Map<string, GradConfig>();

/** Whether the active backend is wasm with tfseg's native kernels on. */
export function nativeKernelsActive(): boolean {
  return getBackend() === 'wasm' && nativeKernels(activeBackend() as BackendWasm) !== undefined;
}

/**
 * A gradient for `kernelName` that calls `fused` when it returns gradients and tfjs-core's gradient when
 * it returns undefined (the case it does not handle). `inputsToSave` must be tfjs-core's.
 */
export function fusedGradient(
  kernelName: string,
  inputsToSave: string[],
  fused: (dy: Tensor, saved: Tensor[], attrs: NamedAttrMap) => NamedGradientMap | undefined,
): GradConfig {
  return {
    kernelName,
    inputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const gradients = Array.isArray(dy) ? undefined : fused(dy, saved, attrs);
      if (gradients !== undefined) return gradients;
      const core = coreGradients.get(kernelName);
      if (core === undefined) throw new Error(`Error in ${kernelName}'s gradient: tfjs-core's gradient is not registered (import @tensorflow/tfjs)`);
      return core.gradFunc(dy, saved, attrs);
    },
  };
}

/** Installs `config` in place of the registered gradient, which is kept as the fallback (idempotent). */
export function installGradient(config: GradConfig): void {
  const current = getGradient(config.kernelName);
  if (current === config) return;
  if (current !== undefined) coreGradients.set(config.kernelName, current);
  registerGradient(config);
}
