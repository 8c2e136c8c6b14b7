/* global process, URL */
/**
 * Experiment (benchmarks only, not shipped): starts tfjs-backend-wasm's threaded SIMD build in Node.
 *
 * tfjs turns the threaded build off in Node (`WASM_HAS_MULTITHREAD_SUPPORT` is false there) because
 * emscripten's pthread workers are started from `blob:` URLs, which Node's `Worker` refuses
 * (ERR_WORKER_PATH). This shim (1) writes every string Blob to a temp file and hands out that path as its
 * object URL, (2) prepends to the re-evaluated factory source the module aliases of the tfjs bundle it
 * refers to (`require$$0`…), and (3) doubles `os.cpus()`, since tfjs' C++ sizes XNNPACK's thread pool as
 * logical cores / 2 (it assumes hyper-threads). A Blob posted to a worker (the main script) is replaced
 * by its file path, which the worker loads as a script. Call before `tf.setBackend('wasm')`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';

const bundleAliases = "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), require$$4 = require('os'), commonjsGlobal = globalThis;\n";

/** Enables `threads` XNNPACK threads for the wasm backend in Node; returns a cleanup function. */
export function enableWasmThreadsInNode(threads) {
  const directory = join(os.tmpdir(), `tfseg-wasm-threads-${process.pid}`);
  mkdirSync(directory, { recursive: true });
  const NativeBlob = globalThis.Blob;
  const files = new WeakMap();
  let count = 0;
  globalThis.Blob = class FileBackedBlob extends NativeBlob {
    constructor(parts, options) {
      super(parts, options);
      if (parts.every((part) => typeof part === 'string')) {
        const text = parts.join('');
        const file = join(directory, `${count++}.js`);
        writeFileSync(file, text.startsWith('var WasmBackendModuleThreadedSimd') ? bundleAliases + text : text);
        files.set(this, file);
      }
    }
  };
  const nativeCreateObjectURL = URL.createObjectURL;
  URL.createObjectURL = (blob) => files.get(blob) ?? nativeCreateObjectURL(blob);
  const nativePostMessage = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function postMessage(message, transfer) {
    const file = message !== null && typeof message === 'object' ? files.get(message.urlOrBlob) : undefined;
    return nativePostMessage.call(this, file === undefined ? message : { ...message, urlOrBlob: file }, transfer);
  };
  const nativeCpus = os.cpus;
  os.cpus = () => {
    const cpus = nativeCpus();
    return cpus.concat(cpus);
  };
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(threads);
  return () => rmSync(directory, { recursive: true, force: true });
}
