import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmPackage from '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { z } from 'zod';
import { missingForCuda } from './cuda';
import { activeNodeBackend, backendCandidateSchema, describeTrainingDevice, probeCuda, type BackendCandidate, type MultiplyAdd, type TrainingDevice } from './device';
import { BackendUnavailableError, TrainingError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { nativeKernelsEnabled, nativeKernelThreads, nativeMultiplyAdd, nativeRelaxedMultiplyAdd, startNativeKernels } from './wasm-kernels/native/runtime';
import { MAX_WASM_THREADS, activateThreadedWasmInNode, isNode, unrefWasmWorkers } from './wasm-threads';

/**
 * The backends `selectBackend` accepts: `auto` picks the fastest one that works; `tensorflow-gpu` is
 * libtensorflow on a CUDA GPU or nothing; `tensorflow` is libtensorflow on whatever device it finds
 * (`@tensorflow/tfjs-node-gpu`, else `@tensorflow/tfjs-node`).
 */
const backendNames = ['auto', ...backendCandidateSchema.options] as const;
export const backendNameSchema = z.enum(backendNames, {
  error: (issue) => `must be one of ${backendNames.join(', ')}, but got ${JSON.stringify(issue.input)}`,
});
/** A backend request: `'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu'`. */
export type BackendName = z.infer<typeof backendNameSchema>;

/**
 * Threads of the wasm backend: 1 to {@link MAX_WASM_THREADS}, or `'auto'` for one per available
 * core. Results are bit-identical for every count.
 */
export const wasmThreadsSchema = z.union([z.int().min(1).max(MAX_WASM_THREADS, `must be at most ${MAX_WASM_THREADS} (the workers tfjs starts)`), z.literal('auto')]);
/** A wasm thread count or `'auto'`. */
export type WasmThreads = z.infer<typeof wasmThreadsSchema>;

/** Options of {@link selectBackend}. */
export const selectBackendOptionsSchema = z.object({
  /**
   * Directories from which `@tensorflow/tfjs-node(-gpu)` are resolved. They are loaded dynamically (never
   * bundled), so they must be resolvable from the application, not from this library. Default: the
   * current directory and the directory of the running script.
   */
  searchPaths: z.array(z.string().min(1)).optional(),
  /**
   * Threads of the wasm backend: a count from 1 to 9, or `'auto'` for one per available core
   * (`os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers). Default 1. More
   * than one starts tfjs' threaded build (in Node through a bridge that tfjs lacks; in browsers it needs
   * cross-origin isolation, else tfjs stays single-threaded). In Node the threads run tfseg's native
   * kernels (convolutions, their gradients, Adam…) and XNNPACK keeps one; in browsers they are
   * XNNPACK's and the native kernels run on the calling thread. Results are bit-identical for every count;
   * threads pay off on idle cores and hurt on oversubscribed ones. Fixed once the wasm backend has
   * initialised in a process. Ignored by the other backends.
   */
  threads: wasmThreadsSchema.optional(),
  /**
   * wasm only: run tfseg's native kernels built with WebAssembly relaxed SIMD's `f32x4.relaxed_madd`,
   * which the engine fuses (one rounding) on CPUs with FMA (x64 with FMA3; Arm64): the convolutions run
   * 1.15–1.2× faster (BENCHMARKS.md). The price: results differ from the default build's in the last
   * bits, and from one machine to another (whether the engine fuses depends on the CPU), so a regression
   * baseline made with it reproduces only where the multiply-adds round alike. Bits stay identical for
   * every thread count on one machine. In Node 20 this turns on V8's `--experimental-wasm-relaxed-simd`
   * for the process; in a browser it needs relaxed SIMD (Chrome/Edge 114+, Firefox 146+; not Safari). Default false.
   * Fixed once the wasm backend has initialised in a process, like `threads`; other backends reject it.
   * The selection's `device.multiplyAdd` says what the engine really did.
   */
  fusedMultiplyAdd: z.boolean().optional(),
});
/** Options of {@link selectBackend}. */
export type SelectBackendOptions = z.infer<typeof selectBackendOptionsSchema>;

/** What {@link selectBackend} chose, why, and why each earlier candidate was skipped. */
export interface BackendSelection {
  /** The active tfjs backend name (`tf.getBackend()`). */
  backend: 'tensorflow' | 'wasm' | 'cpu';
  /** The candidate that won: `tensorflow-gpu` only when libtensorflow really runs on a GPU. */
  candidate: BackendCandidate;
  /** The device it trains on (GPU, CPU, versions), as run records store it. */
  device: TrainingDevice;
  /** Why this candidate was chosen. */
  reason: string;
  /** Candidates tried before it, each with the reason it could not be used. */
  skipped: { backend: BackendCandidate; reason: string }[];
  /** Threads of the wasm backend (tfseg's native-kernel pool, or XNNPACK's); 1 for the other backends' reporting. */
  threads: number;
}

const nativeModules = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;

/** The install advice tfjs-node gives, adapted to both packages. */
export const TENSORFLOW_INSTALL_HINT =
  'Install `@tensorflow/tfjs-node` (CPU) or `@tensorflow/tfjs-node-gpu` (CUDA 11.2 + cuDNN 8.1) in your application; ' +
  'their install step downloads libtensorflow 2.9.1, so if it was blocked run `npm rebuild @tensorflow/tfjs-node-gpu --build-addon-from-source` ' +
  'once storage.googleapis.com (or TFJS_NODE_CDN_STORAGE) is reachable. `tfseg-bench doctor` prints the full steps.';

/** What `tensorflow-gpu` needs, said when it cannot be had. */
export const TENSORFLOW_GPU_HINT =
  '`tensorflow-gpu` trains on a CUDA GPU or not at all: it needs an NVIDIA driver, the CUDA 11.2 runtime (libcudart.so.11.0), cuDNN 8.1 (libcudnn.so.8), ' +
  'a GPU of compute capability 3.5 or newer, and @tensorflow/tfjs-node-gpu with its libtensorflow 2.9.1 (`pnpm gpu:setup` in the tfseg repository). ' +
  'Ask for `tensorflow` to accept libtensorflow on the CPU. `tfseg-bench doctor` shows what this machine has.';

function defaultSearchPaths(): string[] {
  const paths = [process.cwd()];
  const script = process.argv[1];
  if (script) paths.push(path.dirname(path.resolve(script)));
  return paths;
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}

/** Loads tfjs-node(-gpu) from the first search path that resolves it; throws a one-line reason otherwise. */
function loadNative(moduleName: string, searchPaths: readonly string[]): void {
  for (const directory of searchPaths) {
    const requireFrom = createRequire(path.join(path.resolve(directory), 'noop.js'));
    let resolved: string;
    try {
      resolved = requireFrom.resolve(moduleName);
    } catch {
      continue;
    }
    try {
      requireFrom(resolved);
    } catch (error) {
      throw new Error(`${moduleName} is installed but failed to load: ${firstLine(error)}`);
    }
    return;
  }
  throw new Error(`${moduleName} is not installed (looked from ${searchPaths.join(', ')})`);
}

async function activate(name: 'tensorflow' | 'wasm' | 'cpu'): Promise<void> {
  if (!tf.findBackendFactory(name)) {
    throw new Error(`backend '${name}' is not registered with this copy of @tensorflow/tfjs-core ${tf.version_core}`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise`);
  await tf.ready();
}

/** The wasm backend package's exports (loaded dynamically: it is an optional peer). */
type WasmModule = typeof WasmPackage;

/** The thread count an `auto` request means here. */
async function availableCores(): Promise<number> {
  if (isNode()) return (await import('node:os')).availableParallelism();
  return typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
}

/** The threads the wasm backend computes on: tfseg's native-kernel pool or XNNPACK's pool, the larger. */
function wasmThreadsOf(backend: BackendWasm): number {
  return Math.max(backend.wasm.tfjs.getThreadsCount(), nativeKernelThreads(backend));
}

/**
 * Initialises the wasm backend with `requested` threads (default 1), or checks that it already runs
 * with them (any count when `requested` is undefined); returns the count and how it is shared out.
 * In Node, with tfseg's native kernels on (the default), the threads go to their pool and XNNPACK keeps
 * one: the native kernels do the heavy work of training, and two pools polling the same cores slow
 * each other down (measured in BENCHMARKS.md). In browsers the threads are XNNPACK's.
 */
async function activateWasm(wasm: WasmModule, requested: number | undefined, fusedMultiplyAdd: boolean | undefined): Promise<{ threads: number; note: string; split: string }> {
  // The engine's live instance, not the package's module-level count, which outlives a removed backend.
  const initialised = tf.engine().registry['wasm'] as BackendWasm | undefined;
  if (initialised !== undefined) {
    const initialisedThreads = wasmThreadsOf(initialised);
    if (requested !== undefined && initialisedThreads !== requested) {
      throw new Error(
        `the wasm backend already runs with ${initialisedThreads} thread(s) in this process and cannot change to ${requested}; ` +
          'pass threads to the first selectBackend call (or start a new process)',
      );
    }
    const relaxed = nativeRelaxedMultiplyAdd(initialised) ?? false;
    if (fusedMultiplyAdd !== undefined && relaxed !== fusedMultiplyAdd) {
      throw new Error(
        `the wasm backend already runs ${relaxed ? 'with' : 'without'} fused multiply-adds in this process and cannot switch; ` +
          'pass fusedMultiplyAdd to the first selectBackend call (or start a new process)',
      );
    }
    await activate('wasm');
    return { threads: initialisedThreads, note: '', split: threadSplit(initialised) };
  }
  if (fusedMultiplyAdd === true && !nativeKernelsEnabled()) throw new Error("fusedMultiplyAdd needs tfseg's native kernels, which setNativeKernelsEnabled(false) turned off");
  const threads = requested ?? 1;
  const nativePool = isNode() && nativeKernelsEnabled();
  wasm.setThreadsCount(nativePool ? 1 : threads);
  let note = '';
  if (threads === 1 || !isNode()) {
    await activate('wasm');
  } else {
    try {
      await activateThreadedWasmInNode(threads, () => activate('wasm'));
    } catch (error) {
      // A working single-threaded backend beats none: say why the threads were not had.
      note = `; ${threads} threads were requested, but the threaded build failed to start (${firstLine(error)})`;
      wasm.setThreadsCount(1);
      await activate('wasm');
    }
  }
  const backend = tf.backend() as BackendWasm;
  unrefWasmWorkers(backend);
  // Browsers too: there the kernels must be compiled asynchronously, and run on the calling thread.
  if (nativeKernelsEnabled()) await startNativeKernels(backend, nativePool ? threads : 1, fusedMultiplyAdd === true);
  const actual = wasmThreadsOf(backend);
  if (note === '' && actual !== threads) note = `; ${threads} threads were requested, tfjs started ${actual}${isNode() ? '' : ' (threads need a cross-origin-isolated page)'}`;
  return { threads: actual, note, split: threadSplit(backend) };
}

/** How the wasm backend's threads are shared out, for the selection's reason. */
function threadSplit(backend: BackendWasm): string {
  const native = nativeKernelThreads(backend);
  const xnnpack = backend.wasm.tfjs.getThreadsCount();
  const plural = (count: number): string => `${count} thread${count === 1 ? '' : 's'}`;
  const multiplyAdd = nativeRelaxedMultiplyAdd(backend)
    ? nativeMultiplyAdd(backend) === 'fused'
      ? ' with fused multiply-adds'
      : ' with relaxed multiply-adds, not fused on this CPU'
    : '';
  return native > 0 ? `tfseg SIMD kernels${multiplyAdd} on ${plural(native)}, XNNPACK on ${plural(xnnpack)}` : `XNNPACK on ${plural(xnnpack)}`;
}

/** Activates one candidate; returns the candidate that really runs, why it was chosen and its thread count (1 except for wasm). */
async function tryCandidate(
  candidate: BackendCandidate,
  searchPaths: readonly string[],
  requestedThreads: number | undefined,
  requireGpu = false,
  fusedMultiplyAdd?: boolean,
): Promise<{ candidate: BackendCandidate; reason: string; threads: number; multiplyAdd?: MultiplyAdd | undefined }> {
  switch (candidate) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const moduleName = nativeModules[candidate];
      loadNative(moduleName, searchPaths);
      await activate('tensorflow');
      if (candidate === 'tensorflow') return { candidate, reason: `${moduleName} loaded: native libtensorflow on the CPU`, threads: 1 };
      if (activeNodeBackend()?.isUsingGpuDevice === true) {
        return { candidate, reason: `${moduleName} loaded: libtensorflow on a CUDA GPU`, threads: 1 };
      }
      const missing = missingForCuda(await probeCuda());
      const why = `${moduleName} loaded, but TensorFlow sees no GPU (missing: ${missing.length > 0 ? missing.join('; ') : 'nothing visible to tfseg — run with TF_CPP_MIN_LOG_LEVEL=0 to see why TensorFlow skipped the GPU'})`;
      if (requireGpu) throw new Error(why);
      return { candidate: 'tensorflow', reason: `${why}: libtensorflow runs on the CPU`, threads: 1 };
    }
    case 'wasm': {
      let wasm: WasmModule;
      try {
        wasm = await import('@tensorflow/tfjs-backend-wasm');
      } catch (error) {
        throw new Error(`@tensorflow/tfjs-backend-wasm is not installed: ${firstLine(error)}`);
      }
      // The stock wasm backend cannot train a conv net (no Conv2DBackpropFilter): add the training kernels.
      const kernels = registerWasmTrainingKernels();
      const { threads, note, split } = await activateWasm(wasm, requestedThreads, fusedMultiplyAdd);
      const reason = `WebAssembly backend (${split}) with the tfseg training kernels (${kernels.join(', ')})${note}`;
      return { candidate, reason, threads, multiplyAdd: nativeMultiplyAdd(tf.backend() as BackendWasm) };
    }
    case 'cpu':
      await activate('cpu');
      return { candidate, reason: 'pure-JavaScript CPU backend (slowest; for tiny models and tests)', threads: 1 };
  }
}

const autoOrder: readonly BackendCandidate[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Activates a TensorFlow.js backend for training. `auto` tries libtensorflow with CUDA, libtensorflow on
 * the CPU, WASM and pure JS, in that order, and reports why each faster one was skipped; a named backend
 * that cannot be used is an Error saying what is missing and how to install it. Selecting `wasm` also
 * registers the gradient kernels that the stock wasm backend lacks.
 */
export async function selectBackend(name: BackendName | string = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const parsedName = backendNameSchema.safeParse(name);
  if (!parsedName.success) {
    throw new TrainingError(`Error in selectBackend: unknown backend '${String(name)}'; expected one of ${backendNameSchema.options.map((option) => `'${option}'`).join(', ')}`);
  }
  const settings = parseWithSchema(selectBackendOptionsSchema, options, 'selectBackend', TrainingError);
  const searchPaths = settings.searchPaths ?? defaultSearchPaths();
  const requestedThreads = settings.threads === 'auto' ? Math.min(await availableCores(), MAX_WASM_THREADS) : settings.threads;

  const candidates: readonly BackendCandidate[] =
    parsedName.data === 'auto' ? autoOrder : parsedName.data === 'tensorflow' ? ['tensorflow-gpu', 'tensorflow'] : [parsedName.data];
  const requireGpu = parsedName.data === 'tensorflow-gpu';
  if (settings.fusedMultiplyAdd === true && parsedName.data !== 'wasm') {
    throw new TrainingError(`Error in selectBackend: fusedMultiplyAdd applies to the wasm backend's native kernels only; expected backend 'wasm', but got '${parsedName.data}'`);
  }
  const skipped: BackendSelection['skipped'] = [];
  for (const candidate of candidates) {
    try {
      const chosen = await tryCandidate(candidate, searchPaths, requestedThreads, requireGpu, settings.fusedMultiplyAdd);
      const backend = chosen.candidate === 'tensorflow-gpu' ? 'tensorflow' : chosen.candidate;
      const device = await describeTrainingDevice(chosen);
      return { backend, candidate: chosen.candidate, device, reason: parsedName.data === 'auto' ? `auto: ${chosen.reason}` : chosen.reason, skipped, threads: chosen.threads };
    } catch (error) {
      skipped.push({ backend: candidate, reason: firstLine(error) });
    }
  }
  const reasons = skipped.map((entry) => `${entry.backend}: ${entry.reason}`).join('; ');
  const hint = requireGpu ? ` ${TENSORFLOW_GPU_HINT}` : parsedName.data === 'tensorflow' ? ` ${TENSORFLOW_INSTALL_HINT}` : '';
  const message = `Error in selectBackend: backend '${parsedName.data}' is not available (${reasons}).${hint}`;
  // Asking for a GPU the machine lacks is bad input (the CLI's exit 2); a missing library for the others is the environment's.
  throw requireGpu ? new TrainingError(message) : new BackendUnavailableError(parsedName.data, message);
}

/** Whether one backend candidate works here, and why (not). */
export interface BackendProbe {
  backend: BackendCandidate;
  available: boolean;
  /** The reason it was (or would be) chosen, or why it cannot be used. */
  detail: string;
}

/** Tries every candidate in `auto` order and restores the active backend after; used by `tfseg-bench doctor`. */
export async function probeBackends(options: SelectBackendOptions = {}): Promise<BackendProbe[]> {
  const settings = parseWithSchema(selectBackendOptionsSchema, options, 'probeBackends', TrainingError);
  const searchPaths = settings.searchPaths ?? defaultSearchPaths();
  const previous = tf.getBackend();
  const results: BackendProbe[] = [];
  for (const candidate of autoOrder) {
    try {
      // A probe of tensorflow-gpu counts only a real GPU; libtensorflow on the CPU is the tensorflow probe's.
      results.push({ backend: candidate, available: true, detail: (await tryCandidate(candidate, searchPaths, undefined, candidate === 'tensorflow-gpu')).reason });
    } catch (error) {
      results.push({ backend: candidate, available: false, detail: firstLine(error) });
    }
  }
  if (previous) await tf.setBackend(previous);
  return results;
}
