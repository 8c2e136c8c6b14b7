/**
 * Test-only: @tfseg/losses' softmax losses on wasm, from logits and on probabilities, with the
 * `TfsegSoftmaxLossSums`, `TfsegSoftmaxLossGrad`, `TfsegSoftmaxProbabilityLossSums` and
 * `TfsegSoftmaxProbabilityLossGrad` kernels registered and unregistered (the losses' composition), for the
 * bit comparisons of SoftmaxLoss.test.ts (1 thread) and wasm-threads.test.ts (2 threads).
 */
import * as tf from '@tensorflow/tfjs';
import { createLoss, type LossSpec } from '@tfseg/losses';
import fc from 'fast-check';
import { softmaxLossGradConfig, softmaxLossSumsConfig, softmaxProbabilityLossGradConfig, softmaxProbabilityLossSumsConfig } from '../SoftmaxLoss';
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

/**
 * The losses' option sets that take the kernels (and per-image Dice, which takes the forward one for p
 * and CE), from logits or (`fromLogits` false) on probabilities, then with ε 1e-7 (the default) or 1e-3.
 */
export const softmaxLossSpecs = (classes: number, fromLogits = true): fc.Arbitrary<LossSpec> => {
  const weights = fc.option(fc.array(fc.double({ min: 0.1, max: 3, noNaN: true }), { minLength: classes, maxLength: classes }), { nil: undefined });
  const epsilon = fromLogits ? fc.constant({}) : fc.constantFrom({}, { epsilon: 1e-3 });
  const common = { fromLogits, validateInputs: false as const };
  return fc.oneof(
    fc.tuple(weights, epsilon).map(([classWeights, e]) => ({ name: 'ce' as const, ...common, ...e, ...(classWeights === undefined ? {} : { classWeights }) })),
    fc.record({ includeBackground: fc.boolean(), diceReduction: fc.constantFrom('batch' as const, 'image' as const) }).map((o) => ({ name: 'dice' as const, ...common, ...o })),
    fc.double({ min: 0, max: 1, noNaN: true }).map((lambda) => ({ name: 'additive' as const, lambda, ...common })),
    fc.tuple(weights, epsilon).map(([classWeights, e]) => ({ name: 'ml' as const, ...common, ...e, ...(classWeights === undefined ? {} : { classWeights }) })),
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

const softmaxLossConfigs = [softmaxLossSumsConfig, softmaxLossGradConfig, softmaxProbabilityLossSumsConfig, softmaxProbabilityLossGradConfig];

/** Runs `body` with the four kernels unregistered from wasm (the losses compose), then registers them again. */
export function withoutSoftmaxLossKernels<T>(body: () => T): T {
  for (const config of softmaxLossConfigs) tf.unregisterKernel(config.kernelName, 'wasm');
  try {
    return body();
  } finally {
    for (const config of softmaxLossConfigs) tf.registerKernel(config);
  }
}

/** Checks that `run`'s loss value and gradient are the same bits with the kernels as without, and that no tensor is left. */
function expectSameBits(run: () => { value: Uint32Array; gradient: Uint32Array }): void {
  const before = tf.memory().numTensors;
  const fused = run();
  const composed = withoutSoftmaxLossKernels(run);
  expect(tf.memory().numTensors).toBe(before);
  expect(fused.value).toEqual(composed.value);
  expect(fused.gradient).toEqual(composed.gradient);
}

/** Checks that `c`'s loss value and gradient are the same bits with the kernels as without, and that no tensor is left. */
export function expectKernelBits(c: SoftmaxLossCase): void {
  expectSameBits(() => lossValueAndGradient(c));
}

/**
 * A loss case on probabilities (a softmax output layer): P pixels as [P, C] or [4, P/4, 1, C], C classes,
 * rows of softmax(logits) with a share of entries replaced by `specials` (0, −0, values below and at ε,
 * 1, and with `nonFinite` NaN and ±∞), and integer labels, one-hot rows or soft labels (random values
 * with exact zeros, −0 and, with `nonFinite`, NaN).
 */
export interface SoftmaxProbabilityLossCase {
  pixels: number;
  classes: number;
  specials: number;
  nonFinite: boolean;
  target: 'labels' | 'one-hot' | 'soft';
  seed: number;
  spec: LossSpec;
}

/** Random probability cases: P from 1 to a few thousand, C 2..8, special entries from none to half. */
export function softmaxProbabilityLossCases(maxPixels = 3000): fc.Arbitrary<SoftmaxProbabilityLossCase> {
  return fc
    .record({
      pixels: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: maxPixels })),
      classes: fc.integer({ min: 2, max: 8 }),
      specials: fc.constantFrom(0, 0.05, 0.5),
      nonFinite: fc.boolean(),
      target: fc.constantFrom('labels' as const, 'one-hot' as const, 'soft' as const),
      seed: fc.nat(),
    })
    .chain((c) => softmaxLossSpecs(c.classes, false).map((spec) => ({ ...c, spec })));
}

/** The special probabilities: exact 0 and −0, below ε (1e-7 and 1e-3), at ε, and 1; NaN and ±∞ with `nonFinite`. */
function specialProbabilities(nonFinite: boolean): number[] {
  const finite = [0, -0, 1e-9, 5e-8, Math.fround(1e-7), 1e-7, 5e-4, Math.fround(1e-3), 1];
  return nonFinite ? [...finite, NaN, Infinity, -Infinity] : finite;
}

/** The loss value and its gradient w.r.t. the probabilities for `c` on the current backend, as float32 bits. */
export function probabilityLossValueAndGradient(c: SoftmaxProbabilityLossCase): { value: Uint32Array; gradient: Uint32Array } {
  const [value, gradient] = tf.tidy(() => {
    const logits = seededValues(c.pixels * c.classes, c.seed);
    const picks = seededValues(c.pixels * c.classes, c.seed + 2);
    const specials = specialProbabilities(c.nonFinite);
    const probabilityValues = new Float32Array(c.pixels * c.classes);
    for (let row = 0; row < c.pixels; row++) {
      const exps = Array.from({ length: c.classes }, (_, k) => Math.exp(4 * (logits[row * c.classes + k] as number)));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, k) => (probabilityValues[row * c.classes + k] = e / total));
    }
    probabilityValues.forEach((_, i) => {
      const pick = ((picks[i] as number) + 1) / 2;
      if (pick < c.specials) probabilityValues[i] = specials[Math.floor((pick / c.specials) * specials.length)] as number;
    });
    const labelValues = Int32Array.from(seededValues(c.pixels, c.seed + 1), (v) => Math.min(c.classes - 1, Math.floor(((v + 1) / 2) * c.classes)));
    const shape = c.pixels % 4 === 0 ? [4, c.pixels / 4, 1, c.classes] : [c.pixels, c.classes];
    const probabilities = tf.tensor(probabilityValues, shape);
    const labels = tf.tensor(labelValues, shape.slice(0, -1), 'int32');
    let yTrue: tf.Tensor = labels;
    if (c.target === 'one-hot') yTrue = tf.oneHot(labels, c.classes).asType('float32');
    if (c.target === 'soft') {
      const soft = seededValues(c.pixels * c.classes, c.seed + 3).map((v, i) => {
        if (v < -0.5) return 0;
        if (v < -0.4) return -0;
        if (c.nonFinite && i % 97 === 5) return NaN;
        return (v + 1) / 2;
      });
      yTrue = tf.tensor(soft, shape);
    }
    const loss = createLoss(c.spec);
    const { value, grad } = tf.valueAndGrad((p: tf.Tensor) => loss(yTrue, p))(probabilities);
    return [value.dataSync() as Float32Array, grad.dataSync() as Float32Array];
  }) as [Float32Array, Float32Array];
  return { value: float32Bits(value), gradient: float32Bits(gradient) };
}

/** Checks that the probability case `c` gives the same bits with the kernels as without, and that no tensor is left. */
export function expectProbabilityKernelBits(c: SoftmaxProbabilityLossCase): void {
  expectSameBits(() => probabilityLossValueAndGradient(c));
}
