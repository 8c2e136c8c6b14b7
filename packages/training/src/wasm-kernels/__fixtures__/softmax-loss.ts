/**
 * Test-only: @tfseg/losses' softmax-from-logits losses on wasm with the `TfsegSoftmaxLossSums` and
 * `TfsegSoftmaxLossGrad` kernels registered and unregistered (the losses' composition), for the bit
 * comparisons of SoftmaxLoss.test.ts (1 thread) and wasm-threads.test.ts (2 threads).
 */
import * as tf from '@tensorflow/tfjs';
import { createLoss, SOFTMAX_LOSS_GRAD, SOFTMAX_LOSS_SUMS, type LossSpec } from '@tfseg/losses';
import fc from 'fast-check';
import { softmaxLossGradConfig, softmaxLossSumsConfig } from '../SoftmaxLoss';
import { seededValues } from './agreement';

/** A loss case: P pixels (as [P, C] or [4, P/4, 1, C]), C classes, logits of one scale with or without ties, labels or one-hot targets. */
export interface SoftmaxLossCase {
  pixels: number;
  classes: number;
  scale: number;
  ties: boolean;
  oneHot: boolean;
  seed: number;
  spec: LossSpec;
}

/** The losses' option sets that take the kernels (and per-image Dice, which takes the forward one for p and CE). */
export const softmaxLossSpecs = (classes: number): fc.Arbitrary<LossSpec> => {
  const weights = fc.option(fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: classes, maxLength: classes }), { nil: undefined });
  const common = { fromLogits: true as const, validateInputs: false as const };
  return fc.oneof(
    weights.map((classWeights) => ({ name: 'ce' as const, ...common, ...(classWeights === undefined ? {} : { classWeights }) })),
    fc.record({ includeBackground: fc.boolean(), diceReduction: fc.constantFrom('batch' as const, 'image' as const) }).map((o) => ({ name: 'dice' as const, ...common, ...o })),
    fc.double({ min: 0, max: 1, noNaN: true }).map((lambda) => ({ name: 'additive' as const, lambda, ...common })),
    weights.map((classWeights) => ({ name: 'ml' as const, ...common, ...(classWeights === undefined ? {} : { classWeights }) })),
    fc.record({ confidence: fc.constantFrom('true-class' as const, 'mean-probability' as const), r: fc.option(fc.double({ min: 0.1, max: 3, noNaN: true }), { nil: undefined }) }).map((o) => ({
      name: 'caml' as const,
      ...common,
      confidence: o.confidence,
      ...(o.r === undefined ? {} : { r: o.r }),
    })),
  );
};

/** Random cases: P from 1 to a few thousand (multiples of 4 for the per-image layout), C 2..8, logit scales up to 1e30. */
export function softmaxLossCases(maxPixels = 3000): fc.Arbitrary<SoftmaxLossCase> {
  return fc
    .record({
      pixels: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: maxPixels })),
      classes: fc.integer({ min: 2, max: 8 }),
      scale: fc.constantFrom(1, 8, 1e3, 1e30),
      ties: fc.boolean(),
      oneHot: fc.boolean(),
      seed: fc.nat(),
    })
    .chain((c) => softmaxLossSpecs(c.classes).map((spec) => ({ ...c, spec })));
}

/** Float32 bits of `values`, every NaN as one pattern (NaN payloads are not part of tfjs' contract). */
export function float32Bits(values: Float32Array): Uint32Array {
  const bits = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  values.forEach((value, index) => {
    if (Number.isNaN(value)) bits[index] = 0x7fc00000;
  });
  return bits;
}

/** The loss value and its gradient w.r.t. the logits for `c` on the current backend, as float32 bits. */
export function lossValueAndGradient(c: SoftmaxLossCase): { value: Uint32Array; gradient: Uint32Array } {
  const [value, gradient] = tf.tidy(() => {
    const logitValues = seededValues(c.pixels * c.classes, c.seed).map((v) => (c.ties ? Math.round(v * 2) : v) * c.scale);
    const labelValues = Int32Array.from(seededValues(c.pixels, c.seed + 1), (v) => Math.min(c.classes - 1, Math.floor(((v + 1) / 2) * c.classes)));
    // Per-image Dice needs images: [N, P/N, 1, C] when P is a multiple of 4, else [P, C] (P one-pixel images).
    const shape = c.pixels % 4 === 0 ? [4, c.pixels / 4, 1, c.classes] : [c.pixels, c.classes];
    const logits = tf.tensor(logitValues, shape);
    const labels = tf.tensor(labelValues, shape.slice(0, -1), 'int32');
    const yTrue = c.oneHot ? tf.oneHot(labels, c.classes).asType('float32') : labels;
    const loss = createLoss(c.spec);
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor) => loss(yTrue, z))(logits);
    return [value.dataSync() as Float32Array, grad.dataSync() as Float32Array];
  }) as [Float32Array, Float32Array];
  return { value: float32Bits(value), gradient: float32Bits(gradient) };
}

/** Runs `body` with the two kernels unregistered from wasm (the losses compose), then registers them again. */
export function withoutSoftmaxLossKernels<T>(body: () => T): T {
  tf.unregisterKernel(SOFTMAX_LOSS_SUMS, 'wasm');
  tf.unregisterKernel(SOFTMAX_LOSS_GRAD, 'wasm');
  try {
    return body();
  } finally {
    tf.registerKernel(softmaxLossSumsConfig);
    tf.registerKernel(softmaxLossGradConfig);
  }
}

/** Checks that `c`'s loss value and gradient are the same bits with the kernels as without, and that no tensor is left. */
export function expectKernelBits(c: SoftmaxLossCase): void {
  const before = tf.memory().numTensors;
  const fused = lossValueAndGradient(c);
  const composed = withoutSoftmaxLossKernels(() => lossValueAndGradient(c));
  expect(tf.memory().numTensors).toBe(before);
  expect(fused.value).toEqual(composed.value);
  expect(fused.gradient).toEqual(composed.gradient);
}
