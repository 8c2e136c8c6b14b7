/**
 * Test-only: random layouts of @tfseg/models' normalizeAndScale and the bit-for-bit comparison of
 * Normalize.ts' kernels with the tfjs-core composition they replace. Used on one thread
 * (Normalize.test.ts) and on two (wasm-threads.test.ts).
 */
import { NORMALIZE_FORWARD, NORMALIZE_GRAD, normalizeAndScale } from '@tfseg/models';
import { normalizeForwardConfig, normalizeGradConfig } from '../Normalize';
import { fc, seededValues, sizeOf, tf } from './agreement';

/**
 * A random x of `[B…, M…, G…, K…]` (each run 0–2 axes, K at least 1; rank ≤ 6, as XNNPACK's broadcasting
 * kernels in the composition take), its reduced axes and γ, β over the G and K runs.
 */
export const layouts = fc
  .record({
    batch: fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 2 }),
    outer: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
    groups: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 2 }),
    inner: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
    offset: fc.boolean(),
    seed: fc.nat(),
  })
  .filter((l) => l.batch.length + l.outer.length + l.groups.length + l.inner.length <= 6);
export type Layout = typeof layouts extends fc.Arbitrary<infer T> ? T : never;

/**
 * Layouts that reach every path of native/normalize.c's items of 4 (b, g) pairs: 1–27 pairs (whole
 * items and 1–3 pairs left over), G a multiple of 4 or not (an item's lanes side by side in memory, or
 * across two b), K = 1 and 2 (lanes side by side), K ≥ 4 with and without a remainder (4 × 4
 * transposes, gathered values), K over 16 (per-lane elementwise passes); GroupNormalization's
 * `[B, M, G, K]` and a layer norm's `[B, N, K]` over K (every lane a row, G = 1), M and N 1–7, or as
 * many more as make `minElements` (so that the native kernels split the pairs over threads).
 */
export function laneLayouts(minElements = 0): fc.Arbitrary<Layout> {
  return fc
    .record({
      form: fc.constantFrom('group', 'layer'),
      batch: fc.integer({ min: 1, max: 3 }),
      rows: fc.integer({ min: 1, max: 7 }),
      // Weighted towards the side-by-side paths (G a multiple of 4, K = 1 or 2), rarer otherwise.
      groups: fc.oneof(fc.constantFrom(4, 8), fc.integer({ min: 1, max: 9 })),
      k: fc.oneof(fc.constantFrom(1, 2), fc.constantFrom(3, 4, 5, 7, 8, 9, 16, 17, 21)),
      offset: fc.boolean(),
      seed: fc.nat(),
    })
    .map((l) => {
      const groups = l.form === 'group' ? l.groups : 1;
      const rows = l.rows * Math.max(1, Math.ceil(minElements / (l.batch * l.rows * groups * l.k)));
      return {
        batch: l.form === 'group' ? [l.batch] : [l.batch, rows],
        outer: l.form === 'group' ? [rows] : [],
        groups: l.form === 'group' ? [groups] : [],
        inner: [l.k],
        offset: l.offset,
        seed: l.seed,
      };
    });
}

function caseOf(l: Layout): { shape: number[]; axes: number[]; scaleShape: number[] } {
  const shape = [...l.batch, ...l.outer, ...l.groups, ...l.inner];
  const first = l.batch.length;
  const afterOuter = first + l.outer.length;
  const axes = shape.map((_, axis) => axis).filter((axis) => (axis >= first && axis < afterOuter) || axis >= afterOuter + l.groups.length);
  return { shape, axes, scaleShape: [...l.groups, ...l.inner] };
}

/** The tfjs-core composition the kernel replaces (@tfseg/models' normalizeAndScale without it), op for op. */
export function composition(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor | undefined, axes: number[], epsilon: number): tf.Tensor[] {
  const centered = tf.sub(x, tf.mean(x, axes, true));
  const inverseDeviation = tf.rsqrt(tf.add(tf.mean(tf.square(centered), axes, true), epsilon));
  const normalized = tf.mul(centered, inverseDeviation);
  const value = tf.mul(normalized, scale);
  return [offset === undefined ? value : tf.add(value, offset), normalized, inverseDeviation];
}

/** Byte equality, with any NaN equal to any NaN (the kernels may differ in a NaN's sign or payload). */
export function expectSameBits(actual: tf.Tensor, expected: tf.Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  const a = actual.dataSync() as Float32Array;
  const e = expected.dataSync() as Float32Array;
  const canonical = (values: Float32Array): Float32Array => values.map((v) => (Number.isNaN(v) ? Number.NaN : v));
  expect(Buffer.from(canonical(a).buffer).equals(Buffer.from(canonical(e).buffer))).toBe(true);
}

/** x (NaN, +∞ or −∞ at one seeded element with `special`), γ, β of a layout, and its reduced axes. */
export function inputsOf(l: Layout, special = false): { x: tf.Tensor; scale: tf.Tensor; offset: tf.Tensor | undefined; axes: number[] } {
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
export function withoutKernels<T>(body: () => T): T {
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
export function valueAndGradients(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor | undefined, axes: number[], w: tf.Tensor): tf.Tensor[] {
  const f = (...args: tf.Tensor[]): tf.Scalar => tf.sum(tf.mul(normalizeAndScale(args[0] as tf.Tensor, args[1] as tf.Tensor, args[2], axes, 1e-5), w));
  const { value, grads } = tf.valueAndGrads(f)(offset === undefined ? [x, scale] : [x, scale, offset]);
  return [normalizeAndScale(x, scale, offset, axes, 1e-5), value, ...grads];
}

/** TfsegNormalizeForward's y, x̂ and r on the current (wasm) backend, checked to be the composition's bits. */
export function expectForwardBits(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor | undefined, axes: number[]): tf.Tensor[] {
  const inputs = offset === undefined ? { x, scale } : { x, scale, offset };
  const actual = tf.engine().runKernel(NORMALIZE_FORWARD, inputs, { axes, epsilon: 1e-5 } as unknown as tf.NamedAttrMap) as tf.Tensor[];
  const expected = composition(x, scale, offset, axes, 1e-5);
  actual.forEach((tensor, index) => expectSameBits(tensor, expected[index] as tf.Tensor));
  return actual;
}

/**
 * On the current (wasm) backend: TfsegNormalizeForward's y, x̂ and r are the composition's bits, and so
 * are normalizeAndScale's value and gradients (x, γ, β) with both kernels against without them.
 */
export function expectCompositionBits(l: Layout, special: boolean): void {
  tf.tidy(() => {
    const { x, scale, offset, axes } = inputsOf(l, special);
    expectForwardBits(x, scale, offset, axes);
    const w = tf.tensor(seededValues(x.size, l.seed + 7), x.shape);
    const actual = valueAndGradients(x, scale, offset, axes, w);
    const expected = withoutKernels(() => valueAndGradients(x, scale, offset, axes, w));
    actual.forEach((tensor, index) => expectSameBits(tensor, expected[index] as tf.Tensor));
  });
}
