/** Test-only: random cases of the elementwise kernels (Elementwise.ts) and their cpu agreement. */
import { expectAgreement, fc, seededValues, sizeOf } from './agreement';

/**
 * Random Add, Sub, Multiply, Relu and Step cases: operands of one shape or a per-channel vector of the
 * other (either side, `[C]` or `[1, …, 1, C]`), values with exact zeros (where Relu and Step switch).
 * Used on one thread (Elementwise.test.ts) and on two (wasm-threads.test.ts).
 */
export const elementwiseCases = fc.record({
  kernel: fc.constantFrom('Add', 'Sub', 'Multiply', 'Relu', 'Step'),
  shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
  layout: fc.constantFrom('same', 'vector-b', 'vector-a', 'kept-b'),
  alpha: fc.constantFrom(0, 0.25),
  seed: fc.nat(),
});

/** Checks one {@link elementwiseCases} case against the cpu backend. */
export function expectElementwiseAgreement(c: typeof elementwiseCases extends fc.Arbitrary<infer T> ? T : never): void {
  const values = (shape: number[], seed: number): Float32Array => seededValues(sizeOf(shape), seed).map((x) => (Math.abs(x) < 0.1 ? 0 : x));
  const channels = c.shape[c.shape.length - 1] as number;
  if (c.kernel === 'Relu' || c.kernel === 'Step') {
    expectAgreement(c.kernel, { x: { shape: c.shape, values: values(c.shape, c.seed) } }, c.kernel === 'Step' ? { alpha: c.alpha } : {});
    return;
  }
  const vectorShape = c.layout === 'kept-b' ? c.shape.map((d, axis) => (axis === c.shape.length - 1 ? d : 1)) : [channels];
  const full = { shape: c.shape, values: values(c.shape, c.seed) };
  const other = c.layout === 'same' ? { shape: c.shape, values: values(c.shape, c.seed + 1) } : { shape: vectorShape, values: seededValues(channels, c.seed + 1) };
  expectAgreement(c.kernel, c.layout === 'vector-a' ? { a: other, b: full } : { a: full, b: other }, {});
}
