/**
 * The program of the native kernels' worker threads (Node, tfjs' threaded build). It is a real,
 * linted and type-checked function, but it runs in a worker started with `eval` from its source text
 * ({@link nativeWorkerSource}): a worker file of its own would have to be found next to the bundle at
 * run time (ESM, CommonJS and jest each place it differently). So {@link serveNativeKernels} must be
 * self-contained: no imports, no module-level names — everything it needs comes in `workerData`.
 */

/** Indices of the control block's Int32 words (see runtime.ts' `Control`). */
export interface ControlSlots {
  sequence: number;
  open: number;
  active: number;
  kernel: number;
  arguments: number;
  items: number;
  chunkItems: number;
  nextChunk: number;
  ready: number;
  failed: number;
  words: number;
}

/** What the caller hands each worker. */
export interface NativeWorkerData {
  /** The compiled kernel module (shared-memory variant). */
  module: WebAssembly.Module;
  /** tfjs' shared `WebAssembly.Memory`. */
  memory: WebAssembly.Memory;
  /** Byte offset of the control block in the heap. */
  control: number;
  /** Top of this worker's stack (allocated with tfjs' `malloc`). */
  stackTop: number;
  /** The module's kernels, in dispatch order (runtime.ts' `NATIVE_KERNEL_NAMES`). */
  kernelNames: readonly string[];
  slots: ControlSlots;
  /** How long to keep polling for the next kernel before sleeping, ms. */
  spinMs: number;
}

type KernelFunction = (args: number, begin: number, end: number) => void;

/**
 * Instantiates the kernels on the shared memory, then serves kernel calls until the process ends:
 * wait for the caller to bump `sequence`, count in as `active`, and while the call is `open` take
 * chunks of its items from `nextChunk`. Never returns.
 */
export function serveNativeKernels(data: NativeWorkerData): void {
  const { module, memory, control, stackTop, kernelNames, slots, spinMs } = data;
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  (instance.exports.__stack_pointer as WebAssembly.Global).value = stackTop;
  const kernels = kernelNames.map((name) => instance.exports[name] as KernelFunction);
  const words = new Int32Array(memory.buffer, control, slots.words);
  let seen = Atomics.load(words, slots.sequence);
  Atomics.add(words, slots.ready, 1);
  Atomics.notify(words, slots.ready);
  for (;;) {
    const idleSince = performance.now();
    for (let spin = 0; Atomics.load(words, slots.sequence) === seen; spin++) {
      // Stay awake spinMs after a kernel (the next one of a training step comes sooner), then sleep.
      if ((spin & 1023) === 1023 && performance.now() - idleSince > spinMs) Atomics.wait(words, slots.sequence, seen);
    }
    seen = Atomics.load(words, slots.sequence);
    Atomics.add(words, slots.active, 1);
    if (Atomics.load(words, slots.open) !== 0) {
      const kernelIndex = words[slots.kernel] as number;
      const kernel = kernels[kernelIndex] as KernelFunction;
      const args = words[slots.arguments] as number;
      const items = words[slots.items] as number;
      const chunk = words[slots.chunkItems] as number;
      try {
        for (let begin = Atomics.add(words, slots.nextChunk, 1) * chunk; begin < items; begin = Atomics.add(words, slots.nextChunk, 1) * chunk) {
          kernel(args, begin, Math.min(items, begin + chunk));
        }
      } catch (error) {
        // Never leave the caller waiting: report, count out, and let it throw.
        console.error(`tfseg native kernel ${kernelNames[kernelIndex]} failed on a worker thread:`, error);
        Atomics.store(words, slots.failed, 1);
      }
    }
    Atomics.sub(words, slots.active, 1);
  }
}

/** The worker's source: {@link serveNativeKernels} applied to its `workerData`. */
export const nativeWorkerSource = `(${serveNativeKernels.toString()})(require('node:worker_threads').workerData);\n`;
