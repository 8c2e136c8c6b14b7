/**
 * Test-only helpers shared by every package's jest suites (never published, never imported by src/ code
 * outside *.test.ts). Mapped as `@tfseg-internal/testing` in jest.config.cjs.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** The backends every backend-agnostic suite runs on. */
export const TEST_BACKENDS = ['cpu', 'wasm'] as const;
export type TestBackend = (typeof TEST_BACKENDS)[number];

/**
 * Runs `body` once per backend in {@link TEST_BACKENDS}, inside a `describe` named after it, with that
 * backend active (tfjs' own tests do the same with `describeWithFlags`).
 */
export function describeOnBackends(name: string, body: (backend: TestBackend) => void, backends: readonly TestBackend[] = TEST_BACKENDS): void {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      let previous = '';
      beforeAll(async () => {
        previous = tf.getBackend();
        await tf.setBackend(backend);
        await tf.ready();
      });
      afterAll(async () => {
        if (previous) await tf.setBackend(previous);
      });
      body(backend);
    });
  }
}

/** Asserts that two numeric arrays agree within `absolute + relative·|expected|`, element by element. */
export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relative = 1e-5, absolute = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    if (Number.isNaN(e)) {
      expect(a).toBeNaN();
      continue;
    }
    const tolerance = absolute + relative * Math.abs(e);
    if (!(Math.abs(a - e) <= tolerance)) {
      throw new Error(`element ${i}: got ${a}, expected ${e} (tolerance ${tolerance})`);
    }
  }
}

/**
 * Runs `fn` and asserts it leaves no tensor behind (`tf.memory().numTensors` unchanged), returning its
 * result. Use it around every public function that does tensor work.
 */
export async function expectNoTensorLeak<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${before} tensors before, ${after} after`);
  return result;
}

export { mountSmallDisk, useSmallDisk, type SmallDisk } from './small-disk';
