import { agreementRuns, itIsTheRegisteredKernel, expectAgreement, fc, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { tileConfig } from './Tile';

describe('Tile (wasm training kernel)', () => {
  beforeAll(() => prepareBackends('Tile'));

  itIsTheRegisteredKernel(tileConfig);

  it('agrees with the cpu backend on random ranks and repetitions, float32 and int32', () => {
    const tiling = fc.record({
      dimensions: fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 5 }),
      integer: fc.boolean(),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(tiling, (t) => {
        const shape = t.dimensions.map(([size]) => size);
        const reps = t.dimensions.map(([, repetitions]) => repetitions);
        const values = seededValues(sizeOf(shape), t.seed);
        const x = t.integer ? { shape, values: Int32Array.from(values, (v) => Math.round(v * 100)), dtype: 'int32' as const } : { shape, values };
        expectAgreement('Tile', { x }, { reps });
      }),
      agreementRuns,
    );
  });

  it('tiles a row and a column by hand', () => {
    tf.setBackend('wasm');
    const tiled = tf.tile(tf.tensor2d([1, 2], [2, 1]), [2, 3]);
    expect(Array.from(tiled.dataSync())).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]);
    tf.dispose(tiled);
  });
});
