/**
 * tfseg's own WebAssembly SIMD kernels (native/*.c, embedded in binaries.ts), run on the wasm backend's
 * own memory: the module imports tfjs' `WebAssembly.Memory`, so kernels read and write tensors where
 * they lie, with no copy. With tfjs' threaded build (shared memory) in Node, `threads − 1` worker threads
 * instantiate the same module on the same memory; the caller and the workers take chunks of each
 * kernel's work items from an atomic counter until none is left (Atomics on a control block in the
 * heap), so a worker that wakes late only takes fewer chunks.
 *
 * Why not XNNPACK alone: tfjs' wasm backend has no filter-gradient convolution, and composing one from
 * XNNPACK's forward conv runs at half its rate (it repacks dy as a filter and builds an indirection
 * buffer per call); the other kernels here replace JS loops or generic transposing paths.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { plainFmaKernelsWasm, plainKernelsWasm, sharedFmaKernelsWasm, sharedKernelsWasm } from './binaries';
import { nativeWorkerSource, type ControlSlots, type NativeWorkerData } from './worker';
import type { MultiplyAdd } from '../../device';

/**
 * The kernels the module exports, each `(args, begin, end)` over its items (argument layouts:
 * native/kernels.h). The one list of their names: a kernel's index here is the number the caller
 * hands the worker threads to say which kernel to run.
 */
export const NATIVE_KERNEL_NAMES = [
  'conv2d',
  'conv2d_winograd',
  'conv2d_winograd_filter',
  'conv2d_backprop_filter',
  'adam_update',
  'sum_leading',
  'copy_parts',
  'max_pool_grad',
  'bias_activation',
  'conv2d_winograd_backprop_filter',
  'conv2d_winograd_filter_output',
  'batch_norm_apply',
  'batch_norm_sums',
  'relu_grad',
  'square_grad',
  'broadcast_mean',
  'tile_grad',
  'batch_matmul',
  'depthwise_conv2d',
  'depthwise_conv2d_backprop_input',
  'depthwise_conv2d_backprop_filter',
  'binary_elementwise',
  'unary_elementwise',
  'flip_filter',
  'batch_norm_statistics',
  'batch_norm_backward',
  'resize_nearest_grad',
  'resize_bilinear_grad',
  'conv2d_strided_backprop_input',
  'conv2d_strided_backprop_input_wide',
  'bias_relu_grad',
  'conv2d_winograd4_backprop_filter',
  'conv2d_winograd4_filter_output',
  'conv2d_winograd_filter_4x4',
  'conv2d_winograd_4x4',
  'conv2d_backprop_filter_packed',
  'conv2d_winograd_input',
  'conv2d_winograd_strips',
  'batch_norm_coefficients',
  'softmax_rows',
  'conv2d_single_channel',
  'conv2d_single_channel_backprop_filter',
  'conv2d_pointwise',
  'conv2d_pointwise_backprop_input',
  'conv2d_pointwise_backprop_filter',
  'normalize_forward',
  'normalize_backward',
  'normalize_parameter_grads',
  'exp_elementwise',
  'softmax_loss_exp_sums',
  'softmax_loss_sums',
  'softmax_loss_grad',
  'softmax_probability_loss_gather',
  'softmax_probability_loss_log_sums',
  'softmax_probability_loss_grad',
  'conv2d_packed',
  'pack_filter',
  'conv2d_backprop_filter_tiling_pack',
  'conv2d_backprop_filter_tiling',
] as const;

/** A kernel of {@link NATIVE_KERNEL_NAMES}. */
export type NativeKernelName = (typeof NATIVE_KERNEL_NAMES)[number];

/**
 * Int32 slots of the argument block (the largest argument lists: Concat's, 4 + 3 per part; the resize
 * gradients', 8 + up to 3 per dy row and column).
 */
export const ARGUMENT_SLOTS = 4096;
/** Stack of each instance (2 MiB): kernels keep blocks of up to {@link NATIVE_BLOCK_BYTES} there. */
const STACK_BYTES = 2 * 1024 * 1024;
/** Bytes a kernel's per-thread scratch block (the Winograd kernels' transformed tiles) may take on the stack. */
export const NATIVE_BLOCK_BYTES = STACK_BYTES / 2;
/** Below this many multiply-adds (or element visits) a kernel runs on the calling thread alone: waking a worker costs more. */
const MIN_WORK_FOR_THREADS = 1 << 17;

/** Whether kernels may use the worker threads ({@link setNativeWorkerThreadsEnabled}). */
let workerThreadsEnabled = true;

/**
 * Lets the native kernels split their work over the worker threads that `selectBackend('wasm', { threads })`
 * started (on by default), or keeps every kernel on the calling thread with a one-thread backend's splits
 * (`threads` reads 1) while the workers idle. Results never depend on the thread count (the kernels' split
 * rules), so this only moves time: for benchmarks that time one and several threads in one process, where a
 * VM's speed drifts too much between processes (bench/thread-scaling.mjs).
 */
export function setNativeWorkerThreadsEnabled(value: boolean): void {
  workerThreadsEnabled = value;
}

/** How long a worker keeps polling for the next kernel before it sleeps (waking one costs ~50–100 µs). */
const SPIN_MS = 2;
/** Chunks per thread a kernel's items are cut into: threads take chunks until none is left (load balance). */
const CHUNKS_PER_THREAD = 8;

/**
 * Control block words (Int32, in the shared heap). A call is *open* from when the caller publishes it
 * (`Open` = its generation) until the caller has taken the last chunk (`Open` = 0). A worker joins by
 * counting itself `Active` and only then reading `Open`; the caller, after closing, waits for `Active`
 * to drop to 0. With sequentially consistent atomics a worker either joins an open call (and is waited
 * for) or sees it closed, so the call's arguments are never rewritten while a worker reads them, and a
 * worker that wakes late never delays the caller.
 */
const enum Control {
  /** Bumped for every call, to wake sleeping workers. */
  Sequence = 0,
  Open = 1,
  Active = 2,
  Kernel = 3,
  Arguments = 4,
  Items = 5,
  ChunkItems = 6,
  NextChunk = 7,
  Ready = 8,
  /** Set by a worker whose kernel threw (a trap): the caller throws once the call is over. */
  Failed = 9,
  Words = 16,
}

/** The control block's layout, for the worker program (worker.ts), which cannot import it. */
const CONTROL_SLOTS: ControlSlots = {
  sequence: Control.Sequence,
  open: Control.Open,
  active: Control.Active,
  kernel: Control.Kernel,
  arguments: Control.Arguments,
  items: Control.Items,
  chunkItems: Control.ChunkItems,
  nextChunk: Control.NextChunk,
  ready: Control.Ready,
  failed: Control.Failed,
  words: Control.Words,
};

/** The emscripten module behind tfjs' wasm backend, as far as these kernels use it. */
interface EmscriptenModule {
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  asm?: { memory?: WebAssembly.Memory };
  wasmMemory?: WebAssembly.Memory;
  tfjs: { getThreadsCount(): number };
}

/** tfseg's native kernels bound to one wasm backend. */
export interface NativeKernels {
  /** Threads that share the items of a kernel (1: the calling thread only). */
  readonly threads: number;
  /** Whether the modules were built with relaxed SIMD's multiply-add (what `startNativeKernels` was asked for). */
  readonly relaxedMultiplyAdd: boolean;
  /**
   * Runs `kernel` on items `[0, items)` with the int32 `args` (see {@link floatBits} for floats),
   * split among the threads when `work` (about the multiply-adds) makes that pay.
   */
  run(kernel: NativeKernelName, args: ArrayLike<number>, items: number, work: number): void;
  /** A heap pointer to at least `count` float32 zeros (never written; valid until the next call). */
  zeros(count: number): number;
  /**
   * A heap pointer to the 64-bit words `values`, written on the first call with `key` and kept for the
   * runtime's life: a kernel's constant table (the modules have no data segments).
   */
  constants(key: string, values: readonly bigint[]): number;
  /** The item count a kernel reports for `args` (kernels that export `<name>_items`). */
  items(kernel: 'conv2d_backprop_filter', args: ArrayLike<number>): number;
}

const scratch = new DataView(new ArrayBuffer(4));
/** The int32 bit pattern of a float32, for a kernel's argument block. */
export function floatBits(value: number): number {
  scratch.setFloat32(0, value, true);
  return scratch.getInt32(0, true);
}

const wideScratch = new DataView(new ArrayBuffer(8));
/** A float64's two int32 words, low first: two slots of a kernel's argument block (a value JS keeps as a double). */
export function doubleBits(value: number): [number, number] {
  wideScratch.setFloat64(0, value, true);
  return [wideScratch.getInt32(0, true), wideScratch.getInt32(4, true)];
}

function wasmMemory(module: EmscriptenModule): WebAssembly.Memory | undefined {
  const memory = module.asm?.memory ?? module.wasmMemory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return Uint8Array.from(Buffer.from(text, 'base64'));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

type KernelExports = Record<NativeKernelName, (args: number, begin: number, end: number) => void> & {
  conv2d_backprop_filter_items(args: number): number;
  __stack_pointer: WebAssembly.Global;
};

interface WorkerHandle {
  unref(): void;
  terminate(): Promise<number>;
}

class NativeKernelRuntime implements NativeKernels {
  private readonly exports: KernelExports;
  private readonly argumentPointer: number;
  private control = 0;
  /** The control block's words; a shared buffer never detaches, so one view serves every call. */
  private controlView: Int32Array | undefined;
  private workers: WorkerHandle[] = [];
  private zeroPointer = 0;
  private zeroCount = 0;
  private generation = 0;
  private argumentView: Int32Array | undefined;
  private readonly constantBlocks = new Map<string, number>();

  constructor(
    private readonly module: EmscriptenModule,
    private readonly memory: WebAssembly.Memory,
    private readonly compiled: WebAssembly.Module,
    instance: WebAssembly.Instance,
    readonly relaxedMultiplyAdd: boolean,
  ) {
    this.exports = instance.exports as unknown as KernelExports;
    const stack = module._malloc(STACK_BYTES);
    this.exports.__stack_pointer.value = stack + STACK_BYTES;
    this.argumentPointer = module._malloc(ARGUMENT_SLOTS * 4);
  }

  /** Kernel calls split over the worker threads so far (the call generation; for tests). */
  get threadedCalls(): number {
    return this.generation;
  }

  get threads(): number {
    return workerThreadsEnabled ? 1 + this.workers.length : 1;
  }

  /** Starts `count` workers on the shared memory (Node only); resolves once they all wait for work. */
  async startWorkers(count: number): Promise<void> {
    if (count <= 0 || this.workers.length > 0 || !isShared(this.memory)) return;
    const { Worker } = await import('node:worker_threads');
    this.control = this.module._malloc(Control.Words * 4);
    const words = new Int32Array(this.memory.buffer, this.control, Control.Words);
    this.controlView = words;
    words.fill(0);
    for (let index = 0; index < count; index++) {
      const stackTop = this.module._malloc(STACK_BYTES) + STACK_BYTES;
      const workerData: NativeWorkerData = { module: this.compiled, memory: this.memory, control: this.control, stackTop, kernelNames: NATIVE_KERNEL_NAMES, slots: CONTROL_SLOTS, spinMs: SPIN_MS };
      const worker = new Worker(nativeWorkerSource, { eval: true, workerData });
      worker.unref();
      this.workers.push(worker);
    }
    // Wait (without blocking the event loop, which the workers' start needs) until every worker is ready.
    const deadline = Date.now() + 30_000;
    while (Atomics.load(words, Control.Ready) < count) {
      if (Date.now() > deadline) {
        await Promise.all(this.workers.map((worker) => worker.terminate()));
        this.workers = [];
        throw new Error(`tfseg native kernels: ${count} worker thread(s) did not start within 30 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  zeros(count: number): number {
    if (count > this.zeroCount) {
      if (this.zeroPointer !== 0) this.module._free(this.zeroPointer);
      this.zeroCount = Math.max(count, 2 * this.zeroCount, 1024);
      this.zeroPointer = this.module._malloc(this.zeroCount * 4);
      new Float32Array(this.memory.buffer, this.zeroPointer, this.zeroCount).fill(0);
    }
    return this.zeroPointer;
  }

  constants(key: string, values: readonly bigint[]): number {
    let address = this.constantBlocks.get(key);
    if (address === undefined) {
      address = this.module._malloc(values.length * 8);
      new BigUint64Array(this.memory.buffer, address, values.length).set(values);
      this.constantBlocks.set(key, address);
    }
    return address;
  }

  items(_kernel: 'conv2d_backprop_filter', args: ArrayLike<number>): number {
    this.writeArguments(args);
    return this.exports.conv2d_backprop_filter_items(this.argumentPointer);
  }

  run(kernel: NativeKernelName, args: ArrayLike<number>, items: number, work: number): void {
    if (items <= 0) return;
    this.writeArguments(args);
    const workers = workerThreadsEnabled ? this.workers.length : 0;
    if (workers === 0 || items < 2 || work < MIN_WORK_FOR_THREADS) {
      this.exports[kernel](this.argumentPointer, 0, items);
      return;
    }
    const words = this.controlView as Int32Array;
    const chunk = Math.ceil(items / ((workers + 1) * CHUNKS_PER_THREAD));
    words[Control.Kernel] = NATIVE_KERNEL_NAMES.indexOf(kernel);
    words[Control.Arguments] = this.argumentPointer;
    words[Control.Items] = items;
    words[Control.ChunkItems] = chunk;
    Atomics.store(words, Control.NextChunk, 0);
    this.generation = (this.generation % 0x7fffffff) + 1;
    Atomics.store(words, Control.Open, this.generation);
    Atomics.add(words, Control.Sequence, 1);
    Atomics.notify(words, Control.Sequence);
    const run = this.exports[kernel];
    for (let begin = Atomics.add(words, Control.NextChunk, 1) * chunk; begin < items; begin = Atomics.add(words, Control.NextChunk, 1) * chunk) {
      run(this.argumentPointer, begin, Math.min(items, begin + chunk));
    }
    Atomics.store(words, Control.Open, 0);
    // Workers that joined finish their last chunk; one that did not join will see the call closed.
    while (Atomics.load(words, Control.Active) !== 0);
    if (Atomics.exchange(words, Control.Failed, 0) !== 0) throw new Error(`tfseg native kernels: ${kernel} failed on a worker thread (its error is on stderr)`);
  }

  private writeArguments(args: ArrayLike<number>): void {
    if (args.length > ARGUMENT_SLOTS) throw new Error(`tfseg native kernels: ${args.length} arguments, at most ${ARGUMENT_SLOTS}`);
    // The view is remade only when the heap has grown (a new buffer).
    if (this.argumentView?.buffer !== this.memory.buffer) this.argumentView = new Int32Array(this.memory.buffer, this.argumentPointer, ARGUMENT_SLOTS);
    this.argumentView.set(args);
  }
}

const runtimes = new WeakMap<object, NativeKernelRuntime | null>();
let enabled = true;

/**
 * Turns tfseg's native kernels on or off (on by default); off, the training kernels compose XNNPACK
 * calls and JS loops as before. For benchmarks and tests of both paths.
 */
export function setNativeKernelsEnabled(value: boolean): void {
  enabled = value;
}

function moduleBytes(memory: WebAssembly.Memory, relaxedMultiplyAdd: boolean): BufferSource {
  const shared = isShared(memory);
  const base64 = relaxedMultiplyAdd ? (shared ? sharedFmaKernelsWasm : plainFmaKernelsWasm) : shared ? sharedKernelsWasm : plainKernelsWasm;
  return decodeBase64(base64) as BufferSource;
}

/**
 * One function, `(a, b, c) → lane 0 of f32x4.relaxed_madd(splat a, splat b, splat c)`: the smallest
 * module that tells whether this engine validates relaxed SIMD and whether it fuses the multiply-add.
 */
const RELAXED_MADD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // \0asm, version 1
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7d, 0x7d, 0x7d, 0x01, 0x7d, // type: (f32, f32, f32) → f32
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export it as "f"
  0x0a, 0x16, 0x01, 0x14, 0x00, // code: one body of 20 bytes, no locals
  0x20, 0x00, 0xfd, 0x13, 0x20, 0x01, 0xfd, 0x13, 0x20, 0x02, 0xfd, 0x13, // three local.get + f32x4.splat
  0xfd, 0x85, 0x02, 0xfd, 0x1f, 0x00, 0x0b, // f32x4.relaxed_madd, f32x4.extract_lane 0, end
]);

/** Whether this engine validates relaxed SIMD, turning on Node 20's V8 flag for it when needed. */
async function relaxedSimdAvailable(): Promise<boolean> {
  if (WebAssembly.validate(RELAXED_MADD_PROBE)) return true;
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') return false;
  // V8 11.x (Node 20) implements the final relaxed-SIMD proposal behind this flag; it applies to modules
  // compiled afterwards, in every thread of the process.
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  return WebAssembly.validate(RELAXED_MADD_PROBE);
}

/**
 * Whether relaxed_madd rounds once here: (1 + 2⁻¹²)² − (1 + 2⁻¹¹) is 2⁻²⁴ exactly, but 0 when the
 * product is rounded first (to 1 + 2⁻¹¹, the tie rounding to even).
 */
let fuses: boolean | undefined;
function relaxedMaddFuses(): boolean {
  if (fuses !== undefined) return fuses;
  const instance = new WebAssembly.Instance(new WebAssembly.Module(RELAXED_MADD_PROBE as BufferSource));
  const probe = instance.exports['f'] as (a: number, b: number, c: number) => number;
  fuses = probe(1 + 2 ** -12, 1 + 2 ** -12, -(1 + 2 ** -11)) !== 0;
  return fuses;
}

/** The wasm backend's emscripten module and memory, when the native kernels can use them. */
function hostOf(backend: BackendWasm): { module: EmscriptenModule; memory: WebAssembly.Memory } | undefined {
  const module = backend.wasm as unknown as EmscriptenModule;
  const memory = wasmMemory(module);
  return memory === undefined || typeof module._malloc !== 'function' ? undefined : { module, memory };
}

/** Compiles and instantiates synchronously (a kernel's first call, when selectBackend did not prepare them). */
function createRuntime(backend: BackendWasm): NativeKernelRuntime | null {
  const host = hostOf(backend);
  if (host === undefined) return null;
  try {
    const compiled = new WebAssembly.Module(moduleBytes(host.memory, false));
    return new NativeKernelRuntime(host.module, host.memory, compiled, new WebAssembly.Instance(compiled, { env: { memory: host.memory } }), false);
  } catch {
    // E.g. a browser main thread refusing to compile 143 KB synchronously: the XNNPACK compositions remain.
    return null;
  }
}

/**
 * The same, asynchronously (what browsers allow on their main thread for modules over 4 KB). With
 * `relaxedMultiplyAdd`, the fused-multiply-add modules or an Error saying why they cannot run: that was
 * asked for explicitly, so no quiet fallback.
 */
async function createRuntimeAsync(backend: BackendWasm, relaxedMultiplyAdd: boolean): Promise<NativeKernelRuntime | null> {
  const host = hostOf(backend);
  if (relaxedMultiplyAdd) {
    if (host === undefined) throw new Error("fused multiply-adds need tfseg's native kernels, which cannot use this wasm backend's memory");
    if (!(await relaxedSimdAvailable())) throw new Error('fused multiply-adds need WebAssembly relaxed SIMD, which this engine does not validate (Chrome/Edge 114+, Firefox 146+ and Node 20+ have it; Safari does not)');
  }
  if (host === undefined) return null;
  try {
    const compiled = await WebAssembly.compile(moduleBytes(host.memory, relaxedMultiplyAdd));
    const instance = await WebAssembly.instantiate(compiled, { env: { memory: host.memory } });
    return new NativeKernelRuntime(host.module, host.memory, compiled, instance, relaxedMultiplyAdd);
  } catch (error) {
    if (relaxedMultiplyAdd) throw new Error(`the fused-multiply-add kernels failed to compile: ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** The native kernels of `backend`, instantiated on first use; undefined when disabled or unavailable. */
export function nativeKernels(backend: BackendWasm): NativeKernels | undefined {
  if (!enabled) return undefined;
  let runtime = runtimes.get(backend);
  if (runtime === undefined) {
    runtime = createRuntime(backend);
    runtimes.set(backend, runtime);
  }
  return runtime ?? undefined;
}

/** Whether tfseg's native kernels are on (see {@link setNativeKernelsEnabled}). */
export function nativeKernelsEnabled(): boolean {
  return enabled;
}

/** Threads the native kernels of `backend` run on (0: not instantiated or unavailable). */
export function nativeKernelThreads(backend: BackendWasm): number {
  return runtimes.get(backend)?.threads ?? 0;
}

/** Kernel calls of `backend`'s native kernels that were split over worker threads so far (0 without workers). */
export function nativeThreadedCalls(backend: BackendWasm): number {
  return runtimes.get(backend)?.threadedCalls ?? 0;
}

/**
 * What `selectBackend('wasm', { fusedMultiplyAdd: true })` would give here, without selecting a backend:
 * `fused` (the engine validates relaxed SIMD and fuses its multiply-add on this CPU), `separate` (it
 * validates it but computes a product and a sum), or undefined (no relaxed SIMD: the option would fail).
 * In Node 20 it turns on V8's relaxed-SIMD flag, as the option does.
 */
export async function probeFusedMultiplyAdd(): Promise<MultiplyAdd | undefined> {
  if (!(await relaxedSimdAvailable())) return undefined;
  return relaxedMaddFuses() ? 'fused' : 'separate';
}

/**
 * Whether the native kernels of `backend` run the fused-multiply-add modules; undefined when they are not
 * instantiated or unavailable.
 */
export function nativeRelaxedMultiplyAdd(backend: BackendWasm): boolean | undefined {
  const runtime = runtimes.get(backend);
  return runtime === undefined || runtime === null ? undefined : runtime.relaxedMultiplyAdd;
}

/**
 * How the native kernels of `backend` round their multiply-adds: `fused` only with the
 * fused-multiply-add modules on an engine and CPU that fuse `f32x4.relaxed_madd` (probed); undefined
 * when they are not instantiated or unavailable.
 */
export function nativeMultiplyAdd(backend: BackendWasm): MultiplyAdd | undefined {
  const relaxed = nativeRelaxedMultiplyAdd(backend);
  if (relaxed === undefined) return undefined;
  return relaxed && relaxedMaddFuses() ? 'fused' : 'separate';
}

/**
 * Compiles and instantiates the native kernels for `backend` asynchronously (so browsers allow it on
 * their main thread) and, with tfjs' threaded build (a shared memory) in Node, starts `threads − 1`
 * worker threads for them. With `relaxedMultiplyAdd`, the modules whose multiply-adds are relaxed SIMD's
 * `f32x4.relaxed_madd` (in Node 20 this turns on V8's `--experimental-wasm-relaxed-simd`); throws when
 * they cannot run here, or when the kernels of `backend` already run with the other arithmetic.
 * Returns the thread count they run on (0: none).
 */
export async function startNativeKernels(backend: BackendWasm, threads: number, relaxedMultiplyAdd = false): Promise<number> {
  if (!enabled) {
    if (relaxedMultiplyAdd) throw new Error("fused multiply-adds need tfseg's native kernels, which setNativeKernelsEnabled(false) turned off");
    return 0;
  }
  const existing = runtimes.get(backend);
  if (existing === undefined) runtimes.set(backend, await createRuntimeAsync(backend, relaxedMultiplyAdd));
  else if (existing === null && relaxedMultiplyAdd) throw new Error("fused multiply-adds need tfseg's native kernels, which cannot run on this wasm backend");
  else if (existing !== null && existing.relaxedMultiplyAdd !== relaxedMultiplyAdd) {
    throw new Error(
      `tfseg's native kernels already run ${relaxedMultiplyAdd ? 'without' : 'with'} fused multiply-adds on this wasm backend and cannot switch; start a new process`,
    );
  }
  const runtime = runtimes.get(backend);
  if (runtime === undefined || runtime === null) return 0;
  const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';
  if (inNode && threads > 1) await runtime.startWorkers(threads - 1);
  return runtime.threads;
}
