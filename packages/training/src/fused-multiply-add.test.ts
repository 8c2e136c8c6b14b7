import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { selectBackend } from './backend';
import { formatTrainingDevice } from './device';
import { TrainingError } from './errors';
import { nativeKernelThreads, nativeRelaxedMultiplyAdd, probeFusedMultiplyAdd } from './wasm-kernels/native/runtime';
import { gradientsThroughEveryKernel, replaceWasmBackend } from './wasm-kernels/__fixtures__/every-kernel';

/** The largest |a − b| over the largest |b| of each array (0 when they are equal). */
function relativeGaps(actual: Float32Array[], expected: Float32Array[]): number[] {
  return expected.map((values, index) => {
    const other = actual[index] as Float32Array;
    let gap = 0;
    let scale = 0;
    values.forEach((value, i) => {
      gap = Math.max(gap, Math.abs(value - (other[i] as number)));
      scale = Math.max(scale, Math.abs(value));
    });
    return scale === 0 ? gap : gap / scale;
  });
}

const sameBits = (a: Float32Array[], b: Float32Array[]): boolean => a.length === b.length && a.every((values, index) => Buffer.from(values.buffer).equals(Buffer.from((b[index] as Float32Array).buffer)));

describe('fused multiply-adds (selectBackend({ fusedMultiplyAdd: true }))', () => {
  let exact: Float32Array[] = [];
  let fusedOnOneThread: Float32Array[] = [];

  it('the default selection keeps separate multiply-adds and says so in its device', async () => {
    const selection = await selectBackend('wasm', { threads: 1 });
    expect(nativeRelaxedMultiplyAdd(tf.backend() as BackendWasm)).toBe(false);
    expect(selection.device.multiplyAdd).toBe('separate');
    expect(formatTrainingDevice(selection.device)).not.toMatch(/fused/);
    exact = gradientsThroughEveryKernel();
  });

  it('runs the relaxed-SIMD kernels (Node 20: V8 flag set by tfseg), whose gradients differ from the default’s exactly when the device says fused, and stay within float32 rounding of them', async () => {
    replaceWasmBackend();
    const selection = await selectBackend('wasm', { threads: 1, fusedMultiplyAdd: true });
    const numTensors = tf.memory().numTensors;
    expect(nativeRelaxedMultiplyAdd(tf.backend() as BackendWasm)).toBe(true);
    const multiplyAdd = selection.device.multiplyAdd;
    expect(multiplyAdd === 'fused' || multiplyAdd === 'separate').toBe(true);
    // What doctor reports without selecting a backend is what selection found.
    await expect(probeFusedMultiplyAdd()).resolves.toBe(multiplyAdd);
    expect(selection.reason).toMatch(multiplyAdd === 'fused' ? /tfseg SIMD kernels with fused multiply-adds on 1 thread/ : /relaxed multiply-adds, not fused on this CPU/);
    expect(formatTrainingDevice(selection.device).includes('fused multiply-add')).toBe(multiplyAdd === 'fused');
    fusedOnOneThread = gradientsThroughEveryKernel();
    // The probe and the kernels agree: fused rounding changes bits; relaxed but unfused is the default's arithmetic.
    expect(sameBits(fusedOnOneThread, exact)).toBe(multiplyAdd !== 'fused');
    for (const gap of relativeGaps(fusedOnOneThread, exact)) expect(gap).toBeLessThan(1e-4);
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('gives the same bits on 2 threads as on 1', async () => {
    replaceWasmBackend();
    const selection = await selectBackend('wasm', { threads: 2, fusedMultiplyAdd: true });
    expect(nativeKernelThreads(tf.backend() as BackendWasm)).toBe(2);
    expect(selection.device).toMatchObject({ threads: 2 });
    expect(sameBits(gradientsThroughEveryKernel(), fusedOnOneThread)).toBe(true);
  });

  it('cannot switch arithmetic once the backend runs, and other backends reject it (bad input)', async () => {
    await expect(selectBackend('wasm', { fusedMultiplyAdd: false })).rejects.toThrow(/already runs with fused multiply-adds in this process and cannot switch; pass fusedMultiplyAdd to the first selectBackend call/);
    // Not asking either way accepts the running backend.
    await expect(selectBackend('wasm')).resolves.toMatchObject({ backend: 'wasm' });
    const rejection = selectBackend('cpu', { fusedMultiplyAdd: true });
    await expect(rejection).rejects.toThrow(TrainingError);
    await expect(selectBackend('auto', { fusedMultiplyAdd: true })).rejects.toThrow(/fusedMultiplyAdd applies to the wasm backend's native kernels only; expected backend 'wasm', but got 'auto'/);
    await expect(selectBackend('wasm', { fusedMultiplyAdd: 'yes' as unknown as boolean })).rejects.toThrow(/invalid options: fusedMultiplyAdd/);
  });
});
