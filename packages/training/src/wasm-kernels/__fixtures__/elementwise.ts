/** Test-only: random cases of the elementwise kernels (Elementwise.ts) and their cpu agreement. */
import { expectAgreement, fc, seededValues, sizeOf } from './agreement';

/**
 * Random Add, Sub, Multiply, Maximum, GreaterEqual, Relu and Step cases: operands of one shape, a
 * per-channel vector of the other (either side, `[C]` or `[1, …, 1, C]`), a column (`[…, 1]`) or a scalar
 * (`[]` or `[1]`), values with exact zeros (where Relu and Step switch).
 * Used on one thread (Elementwise.test.ts) and on two (wasm-threads.test.ts).
 */
export const elementwiseCases = fc.record({
  kernel: fc.constantFrom('Add', 'Sub', 'Multiply', 'Maximum', 'GreaterEqual', 'Relu', 'Step'),
  shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 4 }),
  layout: fc.constantFrom('same', 'vector-b', 'vector-a', 'kept-b', 'column-b', 'column-a', 'scalar-b', 'scalar-a'),
  alpha: fc.constantFrom(0, 0.25),
  seed: fc.nat(),
});

/** Checks one {@link elementwiseCases} case against the cpu backend. */
export function expectElementwiseAgreement(c: typeof elementwiseCases extends fc.Arbitrary<infer T> ? T : never): void {
  const values = (shape: number[], seed: number): Float32Array => seededValues(sizeOf(shape), seed).map((x) => (Math.abs(x) < 0.1 ? 0 : x));
  if (c.kernel === 'Relu' || c.kernel === 'Step') {
    expectAgreement(c.kernel, { x: { shape: c.shape, values: values(c.shape, c.seed) } }, c.kernel === 'Step' ? { alpha: c.alpha } : {});
    return;
  }
  const full = { shape: c.shape, values: values(c.shape, c.seed) };
  const shape = otherShape(c.shape, c.layout, c.seed);
  const other = { shape, values: c.layout === 'same' ? values(shape, c.seed + 1) : seededValues(sizeOf(shape), c.seed + 1) };
  expectAgreement(c.kernel, c.layout.endsWith('-a') ? { a: other, b: full } : { a: full, b: other }, {});
}

/** The second operand's shape of a binary case beside `shape`: the same, a channel vector, a column or a scalar. */
export function otherShape(shape: number[], layout: string, seed: number): number[] {
  const last = shape.length - 1;
  switch (layout) {
    case 'same':
      return shape;
    case 'kept-b':
      return shape.map((d, axis) => (axis === last ? d : 1));
    case 'column-a':
    case 'column-b':
      return shape.map((d, axis) => (axis === last ? 1 : d));
    case 'scalar-a':
    case 'scalar-b':
      return seed % 2 === 0 ? [] : [1];
    default:
      return [shape[last] as number];
  }
}
