/** Fast training kernels for tfjs' wasm backend (see register.ts for the list). */
export { registerWasmTrainingKernels, wasmTrainingKernelConfigs } from './register';
export { probeFusedMultiplyAdd, setNativeKernelsEnabled, setNativeWorkerThreadsEnabled } from './native/runtime';
