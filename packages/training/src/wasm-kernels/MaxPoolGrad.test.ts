import { agreementRuns, describeBothPaths, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { maxPoolGradConfig } from './MaxPoolGrad';

describe('MaxPoolGrad (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('MaxPoolGrad'));

  itIsTheRegisteredKernel(maxPoolGradConfig);

  describeBothPaths(() => {
  it('agrees with the cpu backend on random pools, strides and paddings, ties included', () => {
    const pool = fc
      .record({
        batch: fc.integer({ min: 1, max: 2 }),
        height: fc.integer({ min: 1, max: 9 }),
        width: fc.integer({ min: 1, max: 9 }),
        channels: fc.integer({ min: 1, max: 11 }),
        filterSize: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        pad: fc.constantFrom('same' as const, 'valid' as const),
        seed: fc.nat(),
      })
      .filter((p) => p.pad === 'same' || (p.height >= p.filterSize[0] && p.width >= p.filterSize[1]));
    fc.assert(
      fc.property(pool, (p) => {
        const shape = [p.batch, p.height, p.width, p.channels];
        // Rounded, ReLU-like values: many windows hold equal maxima (zeros), where the first one wins.
        const input = Float32Array.from(seededValues(sizeOf(shape), p.seed), (v) => Math.max(0, Math.round(v * 3)));
        const info = tf.backend_util.computePool2DInfo(shape as [number, number, number, number], p.filterSize, p.strides, 1, p.pad);
        const dyShape = [p.batch, info.outHeight, info.outWidth, p.channels];
        expectAgreement(
          'MaxPoolGrad',
          { dy: { shape: dyShape, values: seededValues(sizeOf(dyShape), p.seed + 1) }, input: { shape, values: input }, output: { shape: dyShape, values: new Float32Array(sizeOf(dyShape)) } },
          { filterSize: p.filterSize, strides: p.strides, pad: p.pad },
        );
      }),
      agreementRuns,
    );
  });
  });

  it('sends each window gradient to the first maximum, by hand', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([0, 0, 5, 5], [1, 2, 2, 1]);
    const dx = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid').mul(3))(x);
    expect(Array.from(dx.dataSync())).toEqual([0, 0, 3, 0]);
    tf.dispose([x, dx]);
  });
});
