/**
 * Starting tfjs-backend-wasm's multithreaded (pthreads + SIMD) build, in browsers and in Node.
 *
 * In a cross-origin-isolated browser tfjs picks the threaded build itself; `setThreadsCount` sizes its
 * XNNPACK pool. In Node tfjs turns the threaded build off (`WASM_HAS_MULTITHREAD_SUPPORT` is false there,
 * tensorflow/tfjs#3830) because emscripten starts its pthread workers from `blob:` URLs, which Node's
 * `Worker` refuses. {@link activateThreadedWasmInNode} bridges that for the duration of the backend's
 * initialisation only, then restores every global it touched:
 *
 * 1. string `Blob`s become temp files, and `URL.createObjectURL` hands out their paths;
 * 2. the main-script Blob that emscripten posts to each worker is replaced by its file path, and that
 *    source gets the module aliases of the tfjs Node bundle it refers to (`require$$0`…) prepended;
 * 3. `os.cpus()` reports enough cores: tfjs' C++ caps the pool at logical cores / 2 (it assumes SMT).
 *
 * emscripten creates its whole worker pool (8 workers) during initialisation, so nothing needs the
 * patches afterwards; the workers are `unref`ed so they do not keep a finished process alive.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { env } from '@tensorflow/tfjs-core';

/** Workers emscripten creates at initialisation: XNNPACK can use these plus the calling thread. */
export const MAX_WASM_THREADS = 9;

/** True in Node (where the threaded build needs {@link activateThreadedWasmInNode}). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Module aliases that the threaded factory's source refers to once it is re-evaluated outside the tfjs
 * Node bundle (dist/tf-backend-wasm.node.js defines them at its top).
 */
const bundleAliases: Readonly<Record<string, string>> = {
  require$$0: "require('fs')",
  require$$1: "require('path')",
  require$$3: "require('perf_hooks')",
  require$$4: "require('os')",
  commonjsGlobal: 'globalThis',
};

/** Prepends the aliases the factory source uses; throws when it uses one this bridge does not know. */
function withBundleAliases(source: string): string {
  const used = new Set(source.match(/\brequire\$\$\d+\b|\bcommonjsGlobal\b/g) ?? []);
  const unknown = [...used].filter((name) => !(name in bundleAliases));
  if (unknown.length > 0) {
    throw new Error(`the threaded wasm factory refers to ${unknown.join(', ')}, which this bridge does not know (tfjs-backend-wasm changed its bundle)`);
  }
  const declarations = [...used].map((name) => `${name} = ${bundleAliases[name]}`);
  return declarations.length > 0 ? `var ${declarations.join(', ')};\n${source}` : source;
}

interface WorkerLike {
  unref(): void;
}

/** The emscripten module behind the wasm backend, as far as the thread pool goes. */
interface EmscriptenThreads {
  PThread?: { unusedWorkers?: WorkerLike[]; runningWorkers?: WorkerLike[] };
}

/** Lets the process exit while the (idle) pthread workers of the threaded build exist. */
export function unrefWasmWorkers(backend: BackendWasm): number {
  const threads = (backend.wasm as unknown as EmscriptenThreads).PThread;
  const workers = [...(threads?.unusedWorkers ?? []), ...(threads?.runningWorkers ?? [])];
  for (const worker of workers) worker.unref();
  return workers.length;
}

/**
 * Runs `initialise` (which must initialise the wasm backend) with Node patched so that tfjs starts its
 * threaded build (shared memory, a pool of `threads`); restores the patches and deletes the temp files after.
 */
export async function activateThreadedWasmInNode<T>(threads: number, initialise: () => Promise<T>): Promise<T> {
  const [fs, os, path, workerThreads] = await Promise.all([import('node:fs'), import('node:os'), import('node:path'), import('node:worker_threads')]);
  // Named by process, so a process can tell its own from those of others starting threads at the same time.
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `tfseg-wasm-threads-${process.pid}-`));
  const files = new WeakMap<Blob, string>();
  let fileCount = 0;
  let bridgeError: unknown;

  const NativeBlob = globalThis.Blob;
  const nativeCreateObjectURL = URL.createObjectURL;
  const nativePostMessage = workerThreads.Worker.prototype.postMessage;
  const nativeCpus = os.default.cpus;

  class FileBackedBlob extends NativeBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts === undefined || !parts.every((part) => typeof part === 'string')) return;
      try {
        const text = (parts as string[]).join('');
        const file = path.join(directory, `${fileCount++}.js`);
        fs.writeFileSync(file, text.startsWith('var WasmBackendModuleThreadedSimd') ? withBundleAliases(text) : text);
        files.set(this, file);
      } catch (error) {
        bridgeError ??= error;
      }
    }
  }
  const restore = (): void => {
    globalThis.Blob = NativeBlob;
    URL.createObjectURL = nativeCreateObjectURL;
    workerThreads.Worker.prototype.postMessage = nativePostMessage;
    os.default.cpus = nativeCpus;
    env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // tfjs' own value in Node
  };

  globalThis.Blob = FileBackedBlob;
  URL.createObjectURL = (blob: Blob | MediaSource): string => (blob instanceof NativeBlob && files.get(blob)) || nativeCreateObjectURL(blob as Blob);
  workerThreads.Worker.prototype.postMessage = function postMessage(this: InstanceType<typeof workerThreads.Worker>, message: unknown, transfer?: readonly TransferListItem[]) {
    const blob = message !== null && typeof message === 'object' ? (message as { urlOrBlob?: unknown }).urlOrBlob : undefined;
    const file = blob instanceof NativeBlob ? files.get(blob) : undefined;
    return nativePostMessage.call(this, file === undefined ? message : { ...(message as object), urlOrBlob: file }, transfer);
  };
  os.default.cpus = () => {
    const cpus = nativeCpus();
    const wanted = Math.max(cpus.length, 2 * threads);
    return Array.from({ length: wanted }, (_, index) => cpus[index % cpus.length] as (typeof cpus)[number]);
  };
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  try {
    const result = await initialise();
    if (bridgeError !== undefined) throw bridgeError;
    return result;
  } finally {
    restore();
    // The workers have read their scripts by the time initialisation resolves.
    fs.rmSync(directory, { recursive: true, force: true });
  }
}
