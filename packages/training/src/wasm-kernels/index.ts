/** Fast training kernels for tfjs' wasm backend (see register.ts for the list). */
export { registerWasmTrainingKernels, wasmTrainingKernelConfigs } from './register';
export { setNativeKernelsEnabled } from './native/runtime';
