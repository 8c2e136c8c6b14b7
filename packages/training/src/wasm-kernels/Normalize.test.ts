import { NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizeAndScale } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, tf } from './__fixtures__/agreement';
import { composition, expectCompositionBits, expectForwardBits, expectSameBits, inputsOf, laneLayouts, layouts, type Layout, valueAndGradients, withoutKernels } from './__fixtures__/normalize';
import { normalizeForwardConfig, normalizeGradConfig } from './Normalize';

describe('TfsegNormalizeForward (GroupNormalization and ChannelLayerNormalization forward on wasm)', () => {
  beforeAll(() => prepareBackends(NORMALIZE_FORWARD));

  itIsTheRegisteredKernel(normalizeForwardConfig);
  itIsTheRegisteredKernel(normalizeGradConfig);

  it('are registered for wasm only', () => {
    expect(tf.getKernel(NORMALIZE_FORWARD, 'cpu')).toBeUndefined();
    expect(tf.getKernel(NORMALIZE_GRAD, 'cpu')).toBeUndefined();
  });

  describeBothPaths(() => {
    it('gives the bits of the tfjs composition it replaces on wasm, and agrees with cpu, for random [B, M, G, K] layouts', () => {
      fc.assert(
        fc.property(layouts, fc.boolean(), (l, special) => {
          tf.setBackend('wasm');
          tf.tidy(() => {
            const { x, scale, offset, axes } = inputsOf(l, special);
            const actual = expectForwardBits(x, scale, offset, axes);
            if (!special) {
              const values = actual.map((tensor) => tensor.dataSync() as Float32Array);
              tf.setBackend('cpu');
              const onCpu = composition(tf.tensor(x.dataSync(), x.shape), tf.tensor(scale.dataSync(), scale.shape), offset === undefined ? undefined : tf.tensor(offset.dataSync(), offset.shape), axes, 1e-5);
              onCpu.forEach((tensor, index) => {
                const reference = tensor.dataSync() as Float32Array;
                const scaleOf = reference.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
                (values[index] as Float32Array).forEach((v, i) => expect(Math.abs(v - (reference[i] as number))).toBeLessThanOrEqual(1e-4 * scaleOf + 1e-6));
              });
              tf.setBackend('wasm');
            }
          });
        }),
        agreementRuns,
      );
    });

    it('make the forward outputs and normalizeAndScale’s gradients (x, γ, β) the composition’s bits for random [B, M, G, K] layouts with an axis before γ’s, NaN and ±∞ included', () => {
      fc.assert(
        fc.property(layouts.filter((l) => l.batch.length + l.outer.length > 0), fc.boolean(), (l, special) => {
          tf.setBackend('wasm');
          expectCompositionBits(l, special);
        }),
        agreementRuns,
      );
    });

    it('give the composition’s bits on every path of the native 4-pair SIMD items (lanes side by side, transposed, gathered; left-over pairs; K ≤ 16 and over), GroupNormalization and layer-norm layouts, NaN and ±∞ included', () => {
      tf.setBackend('wasm');
      fc.assert(fc.property(laneLayouts(), fc.boolean(), expectCompositionBits), { numRuns: 3 * agreementRuns.numRuns });
    });

    it('makes normalizeAndScale give the same value and gradients, bit for bit, as without it (GroupNormalization and layer-norm axes), leaking no tensor', async () => {
      const cases: Layout[] = [
        { batch: [2], outer: [4, 4], groups: [8], inner: [2], offset: true, seed: 3 },
        { batch: [2, 5], outer: [], groups: [], inner: [16], offset: true, seed: 4 },
        { batch: [3], outer: [2, 3], groups: [4], inner: [1], offset: false, seed: 5 },
      ];
      tf.setBackend('wasm');
      for (const l of cases) {
        const { x, scale, offset, axes } = inputsOf(l);
        const w = tf.tensor(seededValues(x.size, l.seed + 7), x.shape);
        const before = tf.memory().numTensors;
        const actual = valueAndGradients(x, scale, offset, axes, w);
        const expected = withoutKernels(() => valueAndGradients(x, scale, offset, axes, w));
        actual.forEach((tensor, index) => expectSameBits(tensor, expected[index] as tf.Tensor));
        tf.dispose([...actual, ...expected]);
        expect(tf.memory().numTensors).toBe(before);
        const { kernelNames } = await tf.profile(() => tf.dispose(valueAndGradients(x, scale, offset, axes, w)));
        expect(kernelNames).toEqual(expect.arrayContaining([NORMALIZE_FORWARD, NORMALIZE_GRAD]));
        tf.dispose([x, scale, w, ...(offset === undefined ? [] : [offset])]);
      }
    });
  });

  describeBothPaths(() => {
    it('make normalizeAndScale with GroupNormalization’s view ([B, H, W, C] as [B, H, W, G, C/G], γ and β [C] as [G, C/G]) give the bits of the kernels on reshapes around the call and of the composition, NaN and ±∞ included', () => {
      tf.setBackend('wasm');
      fc.assert(
        fc.property(fc.record({ groups: fc.integer({ min: 1, max: 4 }), perGroup: fc.integer({ min: 1, max: 5 }), side: fc.integer({ min: 1, max: 6 }), offset: fc.boolean(), special: fc.boolean(), seed: fc.nat(1000) }), ({ groups, perGroup, side, offset, special, seed }) => {
          const channels = groups * perGroup;
          const shape = [2, side, side, channels];
          const values = seededValues(2 * side * side * channels, seed);
          if (special) values[seed % values.length] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][seed % 3] as number;
          const x = tf.tensor(values, shape);
          const gamma = tf.tensor(seededValues(channels, seed + 1), [channels]);
          const beta = offset ? tf.tensor(seededValues(channels, seed + 2), [channels]) : undefined;
          const w = tf.tensor(seededValues(x.size, seed + 3), shape);
          const view = { x: [2, side, side, groups, perGroup], scale: [groups, perGroup] };
          const run = (viewed: boolean): tf.Tensor[] => {
            const f = (...args: tf.Tensor[]): tf.Tensor => {
              const [a, g, b] = args as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
              if (viewed) return normalizeAndScale(a, g, b, [1, 2, 4], 1e-5, view);
              const grouped = (t: tf.Tensor | undefined): tf.Tensor | undefined => (t === undefined ? undefined : t.reshape(view.scale));
              return normalizeAndScale(a.reshape(view.x), grouped(g) as tf.Tensor, grouped(b), [1, 2, 4], 1e-5).reshape(shape);
            };
            const { value, grads } = tf.valueAndGrads((...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), w)))(beta === undefined ? [x, gamma] : [x, gamma, beta]);
            return [tf.tidy(() => f(...(beta === undefined ? [x, gamma] : [x, gamma, beta]))), value, ...grads];
          };
          const before = tf.memory().numTensors;
          const actual = run(true);
          const expected = run(false);
          const composed = withoutKernels(() => run(true));
          actual.forEach((tensor, index) => {
            expectSameBits(tensor, expected[index] as tf.Tensor);
            expectSameBits(tensor, composed[index] as tf.Tensor);
          });
          tf.dispose([...actual, ...expected, ...composed]);
          expect(tf.memory().numTensors).toBe(before);
          tf.dispose([x, gamma, w, ...(beta === undefined ? [] : [beta])]);
        }),
        agreementRuns,
      );
    });
  });

  it('rejects axes that are not a [B, M, G, K] layout, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 4]);
      expect(() => tf.engine().runKernel(NORMALIZE_FORWARD, { x, scale: tf.ones([4]) }, { axes: [0, 2], epsilon: 1e-5 } as unknown as tf.NamedAttrMap)).toThrow(NORMALIZE_FORWARD);
    });
  });
});
