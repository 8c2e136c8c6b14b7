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

  it('on windows that tile the input (the U-Net’s 2×2 pools), gives the bits of the first-maximum rule: dy + 0 there, +0 elsewhere', () => {
    const pool = fc.record({
      batch: fc.integer({ min: 1, max: 2 }),
      outHeight: fc.integer({ min: 1, max: 5 }),
      outWidth: fc.integer({ min: 1, max: 5 }),
      channelGroups: fc.integer({ min: 1, max: 3 }),
      window: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      seed: fc.nat(),
    });
    fc.assert(
      fc.property(pool, (p) => {
        tf.setBackend('wasm');
        const [kh, kw] = p.window;
        const channels = 4 * p.channelGroups;
        const shape = [p.batch, p.outHeight * kh, p.outWidth * kw, channels] as [number, number, number, number];
        // ReLU-like ties and −0 gradients (which the rule turns into +0).
        const input = Float32Array.from(seededValues(sizeOf(shape), p.seed), (v) => Math.max(0, Math.round(v * 3)));
        const dyShape = [p.batch, p.outHeight, p.outWidth, channels];
        const dyValues = Float32Array.from(seededValues(sizeOf(dyShape), p.seed + 1), (v, i) => (i % 7 === 0 ? -0 : v));
        const expected = new Float32Array(input.length);
        for (let b = 0; b < p.batch; b++) {
          for (let oh = 0; oh < p.outHeight; oh++) {
            for (let ow = 0; ow < p.outWidth; ow++) {
              for (let c = 0; c < channels; c++) {
                let best = -Infinity;
                let where = -1;
                for (let h = 0; h < kh; h++) {
                  for (let w = 0; w < kw; w++) {
                    const at = ((b * shape[1] + oh * kh + h) * shape[2] + ow * kw + w) * channels + c;
                    if ((input[at] as number) > best) [best, where] = [input[at] as number, at];
                  }
                }
                if (where >= 0) expected[where] = 0 + (dyValues[((b * p.outHeight + oh) * p.outWidth + ow) * channels + c] as number);
              }
            }
          }
        }
        const actual = tf.tidy(() => {
          const x = tf.tensor4d(input, shape);
          const dy = tf.tensor(dyValues, dyShape);
          const y = tf.maxPool(x, [kh, kw], [kh, kw], 'valid');
          return tf.engine().runKernel('MaxPoolGrad', { dy, input: x, output: y }, { filterSize: [kh, kw], strides: [kh, kw], pad: 'valid' }) as tf.Tensor;
        });
        const bits = (values: Float32Array): number[] => Array.from(new Uint32Array(Float32Array.from(values).buffer));
        expect(bits(actual.dataSync() as Float32Array)).toEqual(bits(expected));
        actual.dispose();
      }),
      agreementRuns,
    );
  });

  it('sends each window gradient to the first maximum, by hand', () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([0, 0, 5, 5], [1, 2, 2, 1]);
    const dx = tf.grad((input: tf.Tensor) => tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid').mul(3))(x);
    expect(Array.from(dx.dataSync())).toEqual([0, 0, 3, 0]);
    tf.dispose([x, dx]);
  });
});
