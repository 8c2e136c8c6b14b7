import { NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizeAndScale } from '@tfseg/models';
import { agreementRuns, describeBothPaths, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf } from './__fixtures__/agreement';
import { normalizeForwardConfig, normalizeGradConfig } from './Normalize';

/**
 * A random x of `[B…, M…, G…, K…]` (each run 0–2 axes, K at least 1; rank ≤ 6, as XNNPACK's broadcasting
 * kernels in the composition take), its reduced axes and γ, β over the G and K runs.
 */
const layouts = fc.record({
  batch: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
  outer: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
  groups: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
  inner: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
  offset: fc.boolean(),
  seed: fc.nat(),
}).filter((l) => l.batch.length + l.outer.length + l.groups.length + l.inner.length <= 6);
type Layout = typeof layouts extends fc.Arbitrary<infer T> ? T : never;

function caseOf(l: Layout): { shape: number[]; axes: number[]; scaleShape: number[] } {
  const shape = [...l.batch, ...l.outer, ...l.groups, ...l.inner];
  const first = l.batch.length;
  const afterOuter = first + l.outer.length;
  const axes = shape.map((_, axis) => axis).filter((axis) => (axis >= first && axis < afterOuter) || axis >= afterOuter + l.groups.length);
  return { shape, axes, scaleShape: [...l.groups, ...l.inner] };
}

/** The tfjs-core composition the kernel replaces (@tfseg/models' normalizeAndScale without it), op for op. */
function composition(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor | undefined, axes: number[], epsilon: number): tf.Tensor[] {
  const centered = tf.sub(x, tf.mean(x, axes, true));
  const inverseDeviation = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), epsilon));
  const normalized = tf.mul(centered, inverseDeviation);
  const value = tf.mul(normalized, scale);
  return [offset === undefined ? value : tf.add(value, offset), normalized, inverseDeviation];
}

/** Byte equality, with any NaN equal to any NaN (the kernels may differ in a NaN's sign or payload). */
function expectSameBits(actual: tf.Tensor, expected: tf.Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync() as Float32Array;
  const e = expected.dataSync() as Float32Array;
  const canonical = (values: Float32Array): Float32Array => values.map((v) => (Number.isNaN(v) ? Number.NaN : v));
  expect(Buffer.from(canonical(a).buffer).equals(Buffer.from(canonical(e).buffer))).toBe(true);
}

function inputsOf(l: Layout, special = false): { x: tf.Tensor; scale: tf.Tensor; offset: tf.Tensor | undefined; axes: number[] } {
  const { shape, axes, scaleShape } = caseOf(l);
  const values = seededValues(sizeOf(shape), l.seed).map((v) => v * 3 + 0.5);
  if (special && values.length > 1) {
    values[l.seed % values.length] = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY][l.seed % 3] as number;
  }
  return {
    x: tf.tensor(values, shape),
    scale: tf.tensor(seededValues(sizeOf(scaleShape), l.seed + 1), scaleShape),
    offset: l.offset ? tf.tensor(seededValues(sizeOf(scaleShape), l.seed + 2), scaleShape) : undefined,
    axes,
  };
}

/** Runs `body` with both kernels unregistered on wasm (normalizeAndScale then runs its compositions). */
function withoutKernels<T>(body: () => T): T {
  tf.unregisterKernel(NORMALIZE_FORWARD, 'wasm');
  tf.unregisterKernel(NORMALIZE_GRAD, 'wasm');
  try {
    return body();
  } finally {
    tf.registerKernel(normalizeForwardConfig);
    tf.registerKernel(normalizeGradConfig);
  }
}

/** normalizeAndScale's value and its gradients (x, γ, β) for Σ y·w. */
function valueAndGradients(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor | undefined, axes: number[], w: tf.Tensor): tf.Tensor[] {
  const f = (...args: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(normalizeAndScale(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2], axes, 1e-5), w));
  const { value, grads } = tf.valueAndGrads(f)(offset === undefined ? [x, scale] : [x, scale, offset]);
  return [normalizeAndScale(x, scale, offset, axes, 1e-5), value, ...grads];
}

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
            const inputs = offset === undefined ? { x, scale } : { x, scale, offset };
            const actual = tf.engine().runKernel(NORMALIZE_FORWARD, inputs, { axes, epsilon: 1e-5 } as unknown as tf.NamedAttrMap) as tf.Tensor[];
            const expected = composition(x, scale, offset, axes, 1e-5);
            actual.forEach((tensor, index) => expectSameBits(tensor, expected[index] as tf.Tensor));
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

    it('make normalizeAndScale’s gradients (x, γ, β) the composition’s bits for random [B, M, G, K] layouts with an axis before γ’s, NaN and ±∞ included', () => {
      fc.assert(
        fc.property(layouts.filter((l) => l.batch.length + l.outer.length > 0), fc.boolean(), (l, special) => {
          tf.setBackend('wasm');
          tf.tidy(() => {
            const { x, scale, offset, axes } = inputsOf(l, special);
            const w = tf.tensor(seededValues(x.size, l.seed + 7), x.shape);
            const actual = valueAndGradients(x, scale, offset, axes, w);
            const expected = withoutKernels(() => valueAndGradients(x, scale, offset, axes, w));
            actual.forEach((tensor, index) => expectSameBits(tensor, expected[index] as tf.Tensor));
          });
        }),
        agreementRuns,
      );
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

  it('rejects axes that are not a [B, M, G, K] layout, naming the kernel', () => {
    tf.setBackend('wasm');
    tf.tidy(() => {
      const x = tf.zeros([2, 3, 4]);
      expect(() => tf.engine().runKernel(NORMALIZE_FORWARD, { x, scale: tf.ones([4]) }, { axes: [0, 2], epsilon: 1e-5 } as unknown as tf.NamedAttrMap)).toThrow(NORMALIZE_FORWARD);
    });
  });
});
