import * as tf from '@tensorflow/tfjs';
import { fc, itIsTheRegisteredKernel, prepareBackends, wasmOutputBytes } from './__fixtures__/agreement';
import { expConfig } from './Exp';

/** float32 values with the given bit patterns. */
function fromBits(bits: number[]): Float32Array {
  return new Float32Array(Uint32Array.from(bits).buffer);
}

describe('Exp (wasm kernel: native musl expf, 4 elements a step in float64x2)', () => {
  beforeAll(() => prepareBackends('Exp'));

  itIsTheRegisteredKernel(expConfig);

  it('gives the built-in kernel’s bits on any float32 bit pattern (NaN, ±∞, ±0, subnormals, the |x| ≥ 88 special cases) and any length', () => {
    tf.setBackend('wasm');
    const numTensors = tf.memory().numTensors;
    // Around the special cases' thresholds (88, 0x1.62e42ep6 overflow, −0x1.9fe368p6 underflow, ±∞, NaN), the rest anywhere.
    const edges = [0x42b00000, 0xc2b00000, 0x42b17217, 0x42b17218, 0xc2cff1b4, 0xc2cff1b5, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00001, 0x00000001, 0x80000000, 0];
    const bitPattern = fc.oneof(
      fc.nat({ max: 0xffffffff }),
      fc.constantFrom(...edges).chain((edge) => fc.integer({ min: -3, max: 3 }).map((offset) => (edge + offset) >>> 0)),
      fc.double({ min: -90, max: 90, noNaN: true }).map((x) => new Uint32Array(new Float32Array([x]).buffer)[0] as number),
    );
    fc.assert(
      fc.property(fc.array(bitPattern, { minLength: 0, maxLength: 41 }), (bits) => {
        const x = tf.tensor1d(fromBits(bits));
        const run = (): tf.Tensor => tf.exp(x);
        expect(wasmOutputBytes(run, true).equals(wasmOutputBytes(run, false))).toBe(true);
        x.dispose();
      }),
      { numRuns: 300 },
    );
    expect(tf.memory().numTensors).toBe(numTensors);
  });

  it('gives the built-in kernel’s bits on a [4, 64, 64, 5] log-softmax’s range, and keeps other dtypes on the built-in kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.randomUniform([4, 64, 64, 5], -30, 5, 'float32', 3);
      const run = (): tf.Tensor => tf.exp(x);
      expect(wasmOutputBytes(run, true).equals(wasmOutputBytes(run, false))).toBe(true);
      const integers = tf.tensor1d([0, 1, 2, -3], 'int32');
      expect(Array.from(tf.exp(integers).dataSync())).toEqual(Array.from(tf.exp(integers.toFloat()).dataSync()));
    });
  });
});
