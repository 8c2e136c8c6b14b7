import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { blockedRowSums, sumRows } from './sums';

function bits(values: Float32Array): number[] {
  return Array.from(new Int32Array(values.buffer, values.byteOffset, values.length));
}

/** Values in [−2, 2) with exact zeros of both signs among them (a gradient's ±0 must come out the same). */
function values(size: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length: size }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const value = state / 2 ** 30 - 2;
    return state % 7 === 0 ? 0 : state % 11 === 0 ? -0 : value;
  });
}

describeOnBackends('sumRows', () => {
  it('gives the same sums and, through its custom gradient, the same gradient bits as the op-by-op blocked sum', async () => {
    const cases = fc.record({ groups: fc.integer({ min: 1, max: 3 }), rows: fc.integer({ min: 1, max: 2100 }), columns: fc.integer({ min: 1, max: 4 }), seed: fc.nat() });
    await expectNoTensorLeak(() =>
      fc.assert(
        fc.property(cases, ({ groups, rows, columns, seed }) => {
          const x = tf.tensor3d(values(groups * rows * columns, seed), [groups, rows, columns]);
          const weights = tf.tensor2d(values(groups * columns, seed + 1), [groups, columns]);
          const [custom, recorded] = [sumRows, blockedRowSums].map((sum) =>
            tf.tidy(() => {
              const { value, grads } = tf.valueAndGrads((input: tf.Tensor) => tf.sum(tf.mul(sum(input as tf.Tensor3D), weights)))([x]);
              return [sum(x), value, grads[0] as tf.Tensor].map((tensor) => tensor.dataSync() as Float32Array);
            }),
          ) as [Float32Array[], Float32Array[]];
          tf.dispose([x, weights]);
          custom.forEach((result, index) => expect(bits(result)).toEqual(bits(recorded[index] as Float32Array)));
        }),
        { numRuns: 20 },
      ),
    );
  });

  it('records one operation on the tape and replays its gradient as one tile', async () => {
    const x = tf.ones([2, 1000, 3]) as tf.Tensor3D;
    const { kernels } = await tf.profile(() => tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(sumRows(input as tf.Tensor3D)))(x)));
    const names = kernels.map((kernel) => kernel.name);
    expect(names.filter((name) => name === 'Tile')).toHaveLength(1);
    // The two levels' forward matMuls only: recorded op by op, each level's gradient is one more BatchMatMul.
    expect(names.filter((name) => name === 'BatchMatMul')).toHaveLength(2);
    x.dispose();
  });
});
