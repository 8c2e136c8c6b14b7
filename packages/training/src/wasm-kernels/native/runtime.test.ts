import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { plainKernelsWasm, sharedKernelsWasm } from './binaries';
import { floatBits, NATIVE_KERNEL_NAMES, nativeKernels, nativeKernelsEnabled, nativeKernelThreads, setNativeKernelsEnabled, startNativeKernels } from './runtime';

describe('tfseg native kernels runtime', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
  afterEach(() => setNativeKernelsEnabled(true));

  it('embeds two valid modules that import only a memory (plain and shared) and export every kernel and the stack pointer', () => {
    for (const [text, shared] of [
      [plainKernelsWasm, false],
      [sharedKernelsWasm, true],
    ] as const) {
      const module = new WebAssembly.Module(Buffer.from(text, 'base64'));
      expect(WebAssembly.Module.imports(module)).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
      expect(WebAssembly.Module.exports(module).map((entry) => entry.name).sort()).toEqual(
        // The one kernel list (whose order is the dispatch index) is exactly what the module exports.
        ['__stack_pointer', 'conv2d_backprop_filter_items', ...NATIVE_KERNEL_NAMES].sort(),
      );
      // A shared module instantiates on a shared memory only, a plain one on a plain memory only.
      const memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory } })).not.toThrow();
      const other = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared: !shared });
      expect(() => new WebAssembly.Instance(module, { env: { memory: other } })).toThrow();
    }
  });

  it('runs on the wasm backend’s own heap, single-threaded without the threaded build, and can be turned off', () => {
    const backend = tf.backend() as BackendWasm;
    expect(nativeKernels(backend)?.threads).toBe(1);
    expect(nativeKernelThreads(backend)).toBe(1);
    setNativeKernelsEnabled(false);
    expect(nativeKernelsEnabled()).toBe(false);
    expect(nativeKernels(backend)).toBeUndefined();
  });

  it('starts no pool when turned off, and none without the threaded build (a plain memory)', async () => {
    const backend = tf.backend() as BackendWasm;
    setNativeKernelsEnabled(false);
    expect(await startNativeKernels(backend, 2)).toBe(0);
    setNativeKernelsEnabled(true);
    expect(await startNativeKernels(backend, 2)).toBe(1);
  });

  it('sums columns in place in the heap (a kernel call end to end)', () => {
    const backend = tf.backend() as BackendWasm;
    const native = nativeKernels(backend);
    if (native === undefined) throw new Error('native kernels unavailable on wasm');
    const x = tf.tensor2d([1, 2, 3, 4, 5, 10, 20, 30, 40, 50], [2, 5]);
    const out = tf.zeros([5]);
    const offset = (t: tf.Tensor): number => backend.dataIdMap.get(t.dataId)?.memoryOffset as number;
    native.run('sum_leading', [offset(x), offset(out), 2, 5, floatBits(1)], 2, 10);
    expect(Array.from(out.dataSync())).toEqual([11, 22, 33, 44, 55]);
    tf.dispose([x, out]);
  });

  it('encodes float arguments as their float32 bits', () => {
    expect(floatBits(1)).toBe(0x3f800000);
    expect(floatBits(-2)).toBe(0xc0000000 | 0);
    expect(floatBits(0.1)).toBe(0x3dcccccd);
  });
});
