import { readdirSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from './backend';
import { nativeKernelThreads, nativeThreadedCalls, setNativeWorkerThreadsEnabled } from './wasm-kernels/native/runtime';
import { agreementRuns, fc } from './wasm-kernels/__fixtures__/agreement';
import { gradientsThroughEveryKernel, replaceWasmBackend } from './wasm-kernels/__fixtures__/every-kernel';
import { elementwiseCases, expectElementwiseAgreement } from './wasm-kernels/__fixtures__/elementwise';
import { expectCompositionBits, laneLayouts } from './wasm-kernels/__fixtures__/normalize';
import { expectPackedBits, expectPanelBits, packedConvCases, sixteenChannels } from './wasm-kernels/__fixtures__/packed-conv';
import { expectStripsBits, stripsConvolution } from './wasm-kernels/__fixtures__/winograd';
import { expectKernelBits, expectProbabilityKernelBits, softmaxLossCases, softmaxProbabilityLossCases } from './wasm-kernels/__fixtures__/softmax-loss';

/** This process's bridge directories (other processes, such as jest's other workers, start threads too). */
function temporaryBridgeDirectories(): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith(`tfseg-wasm-threads-${process.pid}-`));
}

describe('wasm threads', () => {
  it('2 threads start in Node, restore every global they patch, and give bit-identical gradients to 1 thread (native kernels split over both)', async () => {
    const single = await selectBackend('wasm', { threads: 1 });
    expect(single.threads).toBe(1);
    expect(single.reason).toMatch(/^WebAssembly backend \(tfseg SIMD kernels on 1 thread, XNNPACK on 1 thread\)/);
    const expected = gradientsThroughEveryKernel();
    const numTensors = tf.memory().numTensors;

    // A new wasm backend instance: the thread count is fixed when one initialises.
    replaceWasmBackend();

    const globalsBefore = { Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, postMessage: Worker.prototype.postMessage, cpus: os.cpus };
    const directoriesBefore = temporaryBridgeDirectories();
    const threaded = await selectBackend('wasm', { threads: 2 });
    expect(threaded).toMatchObject({ backend: 'wasm', threads: 2 });
    // The threads go to tfseg's native kernels; XNNPACK keeps one (two polling pools would fight).
    expect(threaded.reason).toMatch(/^WebAssembly backend \(tfseg SIMD kernels on 2 threads, XNNPACK on 1 thread\)/);
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    expect({ Blob: globalThis.Blob, createObjectURL: URL.createObjectURL, postMessage: Worker.prototype.postMessage, cpus: os.cpus }).toEqual(globalsBefore);
    expect(os.cpus().length).toBe(os.availableParallelism());
    expect(temporaryBridgeDirectories()).toEqual(directoriesBefore);

    const actual = gradientsThroughEveryKernel();
    expect(actual.map((values) => values.length)).toEqual(expected.map((values) => values.length));
    actual.forEach((values, index) => expect(Buffer.from(values.buffer).equals(Buffer.from((expected[index] as Float32Array).buffer))).toBe(true));
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('on 2 threads, Add, Sub, Multiply, Maximum, GreaterEqual, Relu and Step (native, threaded) agree with cpu on random shapes, and Relu and Step keep NaN', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    fc.assert(fc.property(elementwiseCases, expectElementwiseAgreement), agreementRuns);
    const x = tf.tensor1d([Number.NaN, -1, 0, 2, -0]);
    expect(Array.from(tf.relu(x).dataSync())).toEqual([Number.NaN, 0, 0, 2, 0]);
    expect(Array.from(tf.step(x, 0.5).dataSync())).toEqual([Number.NaN, 0.5, 0.5, 1, 0.5]);
    x.dispose();
  });

  it('on 2 threads, TfsegNormalizeForward and TfsegNormalizeGrad (4-pair items split over both) give the composition’s bits on every SIMD path, as on 1 thread (Normalize.test.ts)', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    // ≥ 44 Ki elements: the kernels' work (3 passes) is over the runtime's threshold for splitting; fewer runs, as they are large.
    fc.assert(fc.property(laneLayouts(44 * 1024), fc.boolean(), expectCompositionBits), { numRuns: Math.ceil(agreementRuns.numRuns / 3) });
  });

  it('on 2 threads, TfsegSoftmaxLossSums and TfsegSoftmaxLossGrad (blocks of rows, rows split over both) give the losses’ composition bits, as on 1 thread (SoftmaxLoss.test.ts)', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    // Up to 20k pixels: above the runtime's threshold for splitting (P·C·16 work ≥ 2^17 from 4096 pixels of 2 classes).
    fc.assert(fc.property(softmaxLossCases(20000), expectKernelBits), { numRuns: agreementRuns.numRuns });
    expectKernelBits({ pixels: 4 * 64 * 64, classes: 2, scale: 4, ties: false, oneHot: false, seed: 7, spec: { name: 'ml', fromLogits: true, validateInputs: false } });
  });

  it('on 2 threads, TfsegSoftmaxProbabilityLossSums and TfsegSoftmaxProbabilityLossGrad give the losses’ composition bits on probabilities, as on 1 thread (SoftmaxLoss.test.ts)', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    fc.assert(fc.property(softmaxProbabilityLossCases(20000), expectProbabilityKernelBits), { numRuns: agreementRuns.numRuns });
    expectProbabilityKernelBits({ pixels: 4 * 64 * 64, classes: 5, specials: 0.01, nonFinite: true, target: 'labels', seed: 7, spec: { name: 'ml', validateInputs: false } });
  });

  it('on 2 threads, the direct convolution from a packed filter (tiling convolutions, transposed convolutions’ tiled products) gives the unpacked kernel’s bits, as on 1 thread (Conv2D.test.ts)', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    // Batch 4 and 8² to 16² maps: above the runtime's threshold for splitting.
    fc.assert(fc.property(packedConvCases.map((c) => ({ ...c, batch: 4, height: 8 + (c.height % 9), width: 8 + (c.width % 9) })), expectPackedBits), agreementRuns);
    expectPackedBits({ batch: 4, height: 4, width: 4, kernel: [2, 2], extra: [0, 0], inChannels: 128, outChannels: 256, nonFinite: true, seed: 3 });
  });

  it('on 2 threads, a tiling convolution’s filter gradient from panels (pack by rows, sums by tap × 16 × 16 blocks) gives the packed kernel’s bits, as on 1 thread (Conv2DBackpropFilter.test.ts)', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    fc.assert(fc.property(packedConvCases.map((c) => ({ ...sixteenChannels(c), batch: 4, height: 4 + (c.height % 9), width: 4 + (c.width % 9) })), expectPanelBits), agreementRuns);
    expectPanelBits({ batch: 4, height: 4, width: 4, kernel: [2, 2], extra: [0, 0], inChannels: 128, outChannels: 256, nonFinite: true, seed: 5 });
  });

  it('on 2 threads, F(2×2) by output-channel strips (strips split over both) gives the bits of the blocks of tiles, as on 1 thread (Conv2D.test.ts), up to 512 channels, with NaN and ±inf', () => {
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    fc.assert(fc.property(stripsConvolution(4, 128), expectStripsBits), { numRuns: Math.ceil(agreementRuns.numRuns / 3) });
  });

  it('with the worker threads switched off in the same process (setNativeWorkerThreadsEnabled), kernels run as on 1 thread with the same bits, and switching back restores 2', () => {
    const backend = tf.backend() as BackendWasm;
    const callsBefore = nativeThreadedCalls(backend);
    const threaded = gradientsThroughEveryKernel();
    expect(nativeThreadedCalls(backend)).toBeGreaterThan(callsBefore);
    const numTensors = tf.memory().numTensors;
    setNativeWorkerThreadsEnabled(false);
    try {
      expect(nativeKernelThreads(backend)).toBe(1);
      const callsOff = nativeThreadedCalls(backend);
      const single = gradientsThroughEveryKernel();
      // No call went to the workers.
      expect(nativeThreadedCalls(backend)).toBe(callsOff);
      expect(single.map((values) => values.length)).toEqual(threaded.map((values) => values.length));
      single.forEach((values, index) => expect(Buffer.from(values.buffer).equals(Buffer.from((threaded[index] as Float32Array).buffer))).toBe(true));
    } finally {
      setNativeWorkerThreadsEnabled(true);
    }
    expect(nativeKernelThreads(backend)).toBe(2);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('a request for a different count once wasm has initialised is an Error saying why', async () => {
    await expect(selectBackend('wasm', { threads: 3 })).rejects.toThrow(/already runs with \d thread\(s\) in this process and cannot change to 3; pass threads to the first selectBackend call/);
  });

  it('bad thread counts name the field and the limit', async () => {
    await expect(selectBackend('wasm', { threads: 0 })).rejects.toThrow(/Error in selectBackend: invalid options: threads: /);
    await expect(selectBackend('wasm', { threads: 10 })).rejects.toThrow(/threads: .*must be at most 9/);
    await expect(selectBackend('wasm', { threads: 'all' as 'auto' })).rejects.toThrow(/threads: /);
  });
});
