/**
 * The device that trains: which backend candidate won, the GPU (when libtensorflow runs on one), the CPU,
 * and the versions of tfjs and libtensorflow. Every run record of the bench carries it, and `doctor`
 * prints it, so a number can always be traced to the hardware that produced it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { gpuDeviceSchema, LIBTENSORFLOW_GPU_BUILD, NVIDIA_SMI_QUERY, NVIDIA_SMI_QUERY_WITHOUT_COMPUTE_CAP, libraryVersionFromFileName, parseLdconfig, parseNvidiaSmiQuery, type CudaFacts, type CudaLibrary, type GpuDevice } from './cuda';
import { isNode } from './wasm-threads';

/**
 * A backend candidate: `tensorflow-gpu` is libtensorflow on a CUDA GPU, `tensorflow` libtensorflow on the
 * CPU, `wasm` the WebAssembly backend with tfseg's kernels, `cpu` the pure-JS backend.
 */
export const backendCandidateSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
/** A backend candidate. */
export type BackendCandidate = z.infer<typeof backendCandidateSchema>;

/**
 * How the wasm backend's native kernels round a multiply-add: `separate` (product, then sum: the same
 * bits on every machine) or `fused` (one rounding: `fusedMultiplyAdd` on an engine and CPU that fuse).
 */
export const multiplyAddSchema = z.enum(['separate', 'fused']);
/** How multiply-adds round: see {@link multiplyAddSchema}. */
export type MultiplyAdd = z.infer<typeof multiplyAddSchema>;

/** The device a model trained on (or would train on): what the bench stores with every run. */
export const trainingDeviceSchema = z.object({
  /** The candidate that won: only `tensorflow-gpu` when TensorFlow really runs on a GPU. */
  candidate: backendCandidateSchema,
  /** The GPU TensorFlow uses (the first one CUDA_VISIBLE_DEVICES leaves), null off the GPU. */
  gpu: gpuDeviceSchema.pick({ name: true, memoryMiB: true, computeCapability: true, driverVersion: true }).nullable(),
  /** The host CPU: model name as the OS reports it and its logical CPUs. */
  cpu: z.object({ model: z.string(), logicalCpus: z.int().positive() }),
  /** Threads the backend computes on (wasm: tfseg's kernel pool; others: 1 as configured by tfseg). */
  threads: z.int().positive(),
  /** `@tensorflow/tfjs-core` version. */
  tfjsVersion: z.string(),
  /** libtensorflow's version (`TF_Version`) for the `tensorflow*` candidates, else null. */
  libtensorflowVersion: z.string().nullable(),
  /**
   * wasm with tfseg's native kernels: how their multiply-adds rounded (probed on this engine and CPU, not
   * only what was asked for). Absent for the other backends, and in records written before it existed.
   */
  multiplyAdd: multiplyAddSchema.optional(),
});
/** The device a model trained on. */
export type TrainingDevice = z.infer<typeof trainingDeviceSchema>;

/**
 * A short human-readable label: `NVIDIA A100 (40960 MiB) · tensorflow-gpu` or `AMD EPYC 7B13 × 2 · wasm
 * (2 threads)`, with `· fused multiply-add` when the wasm kernels fused theirs.
 */
export function formatTrainingDevice(device: TrainingDevice): string {
  const where = device.gpu ? `${device.gpu.name}${device.gpu.memoryMiB ? ` (${device.gpu.memoryMiB} MiB)` : ''}` : `${device.cpu.model} × ${device.cpu.logicalCpus}`;
  const threads = device.candidate === 'wasm' ? ` (${device.threads} thread${device.threads === 1 ? '' : 's'})` : '';
  const library = device.libtensorflowVersion ? `, libtensorflow ${device.libtensorflowVersion}` : '';
  const arithmetic = device.multiplyAdd === 'fused' ? ' · fused multiply-add' : '';
  return `${where} · ${device.candidate}${threads}${arithmetic} · tfjs ${device.tfjsVersion}${library}`;
}

/** Runs a command and returns its stdout, or null when it is missing or fails (Node only). */
async function commandOutput(command: string, args: readonly string[]): Promise<string | null> {
  const { execFileSync } = await import('node:child_process');
  try {
    return execFileSync(command, [...args], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
}

/** The GPUs nvidia-smi lists (empty without nvidia-smi or outside Node). */
export async function listGpus(): Promise<GpuDevice[]> {
  if (!isNode()) return [];
  const output = (await commandOutput('nvidia-smi', NVIDIA_SMI_QUERY)) ?? (await commandOutput('nvidia-smi', NVIDIA_SMI_QUERY_WITHOUT_COMPUTE_CAP));
  return output === null ? [] : parseNvidiaSmiQuery(output);
}

/** The GPU CUDA numbers 0: the first entry of CUDA_VISIBLE_DEVICES when it is an index, else nvidia-smi's first. */
export function visibleGpu(gpus: readonly GpuDevice[], cudaVisibleDevices: string | undefined): GpuDevice | null {
  const first = cudaVisibleDevices?.split(',')[0]?.trim();
  if (first !== undefined && first !== '') {
    if (!/^\d+$/.test(first)) return gpus[0] ?? null; // a UUID or MIG name: nvidia-smi's order is the best guess
    return gpus.find((gpu) => gpu.index === Number(first)) ?? null;
  }
  return gpus[0] ?? null;
}

/** Finds a library by soname on the linker path (`ldconfig -p`) or in LD_LIBRARY_PATH, with its full version. */
async function findLibrary(soname: string, ldconfig: Map<string, string>): Promise<CudaLibrary> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const candidates = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((directory) => directory !== '').map((directory) => path.join(directory, soname)),
    ...(ldconfig.has(soname) ? [ldconfig.get(soname)!] : []),
  ];
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) return { soname, path: null, version: null };
  let real = found;
  try {
    real = fs.realpathSync(found);
  } catch {
    // a dangling link still names the library
  }
  return { soname, path: found, version: libraryVersionFromFileName(soname, real) };
}

/** What this machine offers for CUDA: driver, GPUs, the CUDA 11.x runtime and cuDNN 8 (Node only). */
export async function probeCuda(): Promise<CudaFacts> {
  if (!isNode()) {
    const none = (soname: string): CudaLibrary => ({ soname, path: null, version: null });
    return { driver: null, gpus: [], cudaRuntime: none(LIBTENSORFLOW_GPU_BUILD.cudaRuntimeLibrary), cudnn: none(LIBTENSORFLOW_GPU_BUILD.cudnnLibrary) };
  }
  const fs = await import('node:fs');
  const driverFile = '/proc/driver/nvidia/version';
  const driver = fs.existsSync(driverFile) ? (fs.readFileSync(driverFile, 'utf8').split('\n')[0]?.trim() ?? null) : null;
  const ldconfig = parseLdconfig((await commandOutput('ldconfig', ['-p'])) ?? (await commandOutput('/sbin/ldconfig', ['-p'])) ?? '');
  return {
    driver,
    gpus: await listGpus(),
    cudaRuntime: await findLibrary(LIBTENSORFLOW_GPU_BUILD.cudaRuntimeLibrary, ldconfig),
    cudnn: await findLibrary(LIBTENSORFLOW_GPU_BUILD.cudnnLibrary, ldconfig),
  };
}

/** The CPU model and logical CPU count (Node: `os.cpus()`; browsers: `navigator.hardwareConcurrency`). */
async function describeCpu(): Promise<TrainingDevice['cpu']> {
  if (isNode()) {
    const os = await import('node:os');
    const cpus = os.cpus();
    return { model: cpus[0]?.model.trim() || `${os.arch()} CPU`, logicalCpus: Math.max(1, os.availableParallelism()) };
  }
  const logical = typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
  return { model: 'unknown (browser)', logicalCpus: logical };
}

/** What the tfjs-node(-gpu) backend instance exposes about itself (undocumented but stable since tfjs-node 1.x). */
interface NodeBackendInstance {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

/** The active backend instance seen as tfjs-node's, or undefined for other backends. */
export function activeNodeBackend(): NodeBackendInstance | undefined {
  return tf.getBackend() === 'tensorflow' ? (tf.backend() as NodeBackendInstance) : undefined;
}

/** Describes the device of the active backend, `candidate` being what `selectBackend` chose. */
export async function describeTrainingDevice(selection: { candidate: BackendCandidate; threads: number; multiplyAdd?: MultiplyAdd | undefined }): Promise<TrainingDevice> {
  const nodeBackend = activeNodeBackend();
  const gpu = selection.candidate === 'tensorflow-gpu' ? visibleGpu(await listGpus(), isNode() ? process.env.CUDA_VISIBLE_DEVICES : undefined) : null;
  return trainingDeviceSchema.parse({
    candidate: selection.candidate,
    gpu: gpu === null ? (selection.candidate === 'tensorflow-gpu' ? { name: 'unknown GPU (nvidia-smi not found)', memoryMiB: null, computeCapability: null, driverVersion: null } : null) : { name: gpu.name, memoryMiB: gpu.memoryMiB, computeCapability: gpu.computeCapability, driverVersion: gpu.driverVersion },
    cpu: await describeCpu(),
    threads: Math.max(1, selection.threads),
    tfjsVersion: tf.version_core,
    libtensorflowVersion: nodeBackend?.binding?.TF_Version ?? null,
    ...(selection.multiplyAdd === undefined ? {} : { multiplyAdd: selection.multiplyAdd }),
  });
}
