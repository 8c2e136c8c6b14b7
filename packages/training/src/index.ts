/**
 * @tfseg/training: backend selection (libtensorflow/CUDA, WASM, CPU), a deterministic, resumable training
 * loop with validation mIoU and best-weight restore, evaluation helpers and a step timer.
 */
export { selectBackend, probeBackends, backendNameSchema, selectBackendOptionsSchema, wasmThreadsSchema, TENSORFLOW_INSTALL_HINT, TENSORFLOW_GPU_HINT } from './backend';
export type { BackendName, BackendSelection, BackendProbe, SelectBackendOptions, WasmThreads } from './backend';
export { backendCandidateSchema, multiplyAddSchema, trainingDeviceSchema, describeTrainingDevice, formatTrainingDevice, listGpus, visibleGpu, probeCuda } from './device';
export type { BackendCandidate, MultiplyAdd, TrainingDevice } from './device';
export {
  LIBTENSORFLOW_GPU_BUILD,
  NVIDIA_SMI_QUERY,
  NVIDIA_SMI_QUERY_WITHOUT_COMPUTE_CAP,
  gpuDeviceSchema,
  cudaLibrarySchema,
  parseNvidiaSmiQuery,
  parseLdconfig,
  libraryVersionFromFileName,
  computeCapabilitySupport,
  missingForCuda,
} from './cuda';
export type { GpuDevice, CudaLibrary, CudaFacts, ComputeCapabilitySupport } from './cuda';
export { MAX_WASM_THREADS } from './wasm-threads';
export { registerWasmTrainingKernels, wasmTrainingKernelConfigs, setNativeKernelsEnabled, setNativeWorkerThreadsEnabled, probeFusedMultiplyAdd } from './wasm-kernels';
export { train, trainOptionsSchema } from './train';
export type { TrainOptions, TrainResult, TrainingEvent } from './train';
export { evaluate, predict, predictOptionsSchema } from './evaluate';
export type { Evaluation, EvaluateOptions, PredictOptions } from './evaluate';
export { patchSetSchema } from './patch-set';
export { activationSchema, type Activation } from './label-format';
export type { PatchSet, ImageSet } from './patch-set';
export { adamOptionsSchema } from './adam';
export type { AdamOptions } from './adam';
export { resolveLoss, trainingLossSchema, type ResolveLossOptions, type TrainingLoss } from './resolve-loss';
export { measureTrainingStep, measureTrainingStepOptionsSchema, createTrainingStepTimer, median } from './measure-training-step';
export type { MeasureTrainingStepOptions, TrainingStepTiming, TrainingStepTimer, TrainingStepTimerOptions } from './measure-training-step';
export { TrainingError, TrainingDataError, NonFiniteLossError, TrainingAbortedError, BackendUnavailableError } from './errors';
export { writeFileAtomic, appendFileChecked, FileWriteError, ENVIRONMENT_ERROR_CODES } from './files';
export { canonicalJson } from './canonical-json';
