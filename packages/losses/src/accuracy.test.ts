import * as tf from '@tensorflow/tfjs';
import { describeOnBackends } from '@tfseg-internal/testing';
import { camlTerms } from './caml';
import { resolveInputOptions } from './loss-function';
import { prepareInputs } from './inputs';
import { createLoss, type CamlSpec, type LossSpec } from './index';
import { mulberry32 } from './__fixtures__/random';

/**
 * Issue 16, "sums accurate at training sizes": at [4,256,256,C] every loss value and CAML's p̄ are within
 * 1e-6 relative of a float64 reference computed here in plain JavaScript from the same float32 inputs.
 * (A single float32 pass over the 262,144 pixels, as tf.sum and a [1,P]×[P,C] matMul do on wasm, is off
 * by up to 4.6e-4.)
 */
const [N, H, W] = [4, 256, 256];
const P = N * H * W;
const IGNORE = 255;


interface Batch {
  activation: 'softmax' | 'sigmoid';
  classes: number;
  /** Integer labels [P] (IGNORE where ignored), or undefined for multi-hot `target`. */
  labels: Int32Array | undefined;
  /** y per pixel and class (0 at ignored pixels), float64 view of what the loss sees. */
  target: Float64Array;
  mask: Float64Array;
  /** Probabilities, already rounded to float32 (the exact tensor values). */
  probabilities: Float32Array;
}

function makeBatch(activation: 'softmax' | 'sigmoid', classes: number, integerLabels: boolean, ignoreFraction: number, seed: number): Batch {
  const random = mulberry32(seed);
  const probabilities = new Float32Array(P * classes);
  const target = new Float64Array(P * classes);
  const mask = new Float64Array(P).fill(1);
  const labels = integerLabels ? new Int32Array(P) : undefined;
  const labelCount = activation === 'sigmoid' && classes === 1 ? 2 : classes;
  for (let i = 0; i < P; i++) {
    const label = Math.floor(random() * labelCount);
    const ignored = random() < ignoreFraction;
    if (labels) labels[i] = ignored ? IGNORE : label;
    if (ignored) mask[i] = 0;
    // Confident-ish, realistic predictions: the true class favoured most of the time.
    const logits = Array.from({ length: classes }, (_, c) => 3 * (random() - 0.5) + (c === label || (classes === 1 && label === 1) ? 2 : 0));
    if (activation === 'softmax') {
      const top = Math.max(...logits);
      const exps = logits.map((z) => Math.exp(z - top));
      const total = exps.reduce((a, b) => a + b, 0);
      exps.forEach((e, c) => (probabilities[i * classes + c] = e / total));
    } else {
      logits.forEach((z, c) => (probabilities[i * classes + c] = 1 / (1 + Math.exp(-z))));
    }
    for (let c = 0; c < classes; c++) {
      const hot = activation === 'sigmoid' && !integerLabels ? (random() < 0.4 ? 1 : 0) : classes === 1 ? label : c === label ? 1 : 0;
      target[i * classes + c] = ignored ? 0 : hot;
    }
  }
  return { activation, classes, labels, target, mask, probabilities };
}

/** The definitions in float64 (probabilities in, ε = 1e-7, s = 1e-6). */
function reference(spec: LossSpec, batch: Batch): { value: number; confidence: number } {
  const { classes, target, mask, probabilities } = batch;
  const epsilon = 1e-7;
  const smooth = 1e-6;
  const weights = spec.classWeights ?? new Array<number>(classes).fill(1);
  const imageCount = spec.name !== 'ce' && spec.diceReduction === 'image' ? N : 1;
  const pixelsPerGroup = P / imageCount;
  const intersections = Array.from({ length: imageCount }, () => new Float64Array(classes));
  const denominators = Array.from({ length: imageCount }, () => new Float64Array(classes));
  const crossEntropySums = new Float64Array(classes);
  const targetSums = new Float64Array(classes);
  let counted = 0;
  let agreement = 0;
  for (let i = 0; i < P; i++) {
    const m = mask[i] as number;
    counted += m;
    const group = Math.floor(i / pixelsPerGroup);
    for (let c = 0; c < classes; c++) {
      const y = target[i * classes + c] as number;
      const p = probabilities[i * classes + c] as number;
      if (batch.activation === 'softmax') {
        crossEntropySums[c]! += -y * Math.log(Math.max(p, epsilon));
      } else {
        const clipped = Math.min(Math.max(p, epsilon), 1 - epsilon);
        crossEntropySums[c]! += -m * (y * Math.log(clipped) + (1 - y) * Math.log(1 - clipped));
        agreement += m * (y * p + (1 - y) * (1 - p));
      }
      targetSums[c]! += y;
      intersections[group]![c]! += y * p * m;
      denominators[group]![c]! += (y + p) * m;
    }
  }
  let crossEntropy: number;
  if (batch.activation === 'softmax') {
    const numerator = crossEntropySums.reduce((sum, value, c) => sum + weights[c]! * value, 0);
    const denominator = spec.classWeights === undefined && spec.ignoreIndex === undefined ? P : targetSums.reduce((sum, value, c) => sum + weights[c]! * value, 0);
    crossEntropy = numerator / denominator;
  } else {
    crossEntropy = crossEntropySums.reduce((sum, value, c) => sum + (weights[c]! * value) / counted, 0) / weights.reduce((a, b) => a + b, 0);
  }
  const diceWeights = weights.map((w, c) => (c === 0 && spec.name !== 'ce' && spec.includeBackground === false ? 0 : w));
  let meanDice = 0;
  for (let c = 0; c < classes; c++) {
    let coefficient = 0;
    for (let g = 0; g < imageCount; g++) coefficient += (2 * intersections[g]![c]! + smooth) / (denominators[g]![c]! + smooth) / imageCount;
    meanDice += (diceWeights[c]! * coefficient) / diceWeights.reduce((a, b) => a + b, 0);
  }
  const diceLoss = 1 - meanDice;
  const totalIntersection = intersections.reduce((sum, perGroup) => sum + perGroup.reduce((a, b) => a + b, 0), 0);
  const confidence = batch.activation === 'softmax' ? totalIntersection / counted : agreement / (counted * classes);
  switch (spec.name) {
    case 'ce':
      return { value: crossEntropy, confidence };
    case 'dice':
      return { value: diceLoss, confidence };
    case 'additive':
      return { value: (spec.lambda ?? 0.5) * diceLoss + (1 - (spec.lambda ?? 0.5)) * crossEntropy, confidence };
    case 'ml':
      return { value: diceLoss * crossEntropy, confidence };
    case 'caml': {
      const alpha = (1 - confidence) ** (spec.r ?? meanDice);
      return { value: diceLoss * crossEntropy ** alpha, confidence };
    }
  }
}

const LOSSES: LossSpec[] = [{ name: 'ce' }, { name: 'dice' }, { name: 'additive', lambda: 0.3 }, { name: 'ml' }, { name: 'caml' }, { name: 'caml', r: 3 }];
const SETTINGS = [
  { label: 'softmax C=4, defaults', activation: 'softmax' as const, classes: 4, integerLabels: true, ignoreFraction: 0, options: {} },
  {
    label: 'softmax C=3, ignoreIndex + classWeights + no background + image Dice',
    activation: 'softmax' as const,
    classes: 3,
    integerLabels: true,
    ignoreFraction: 0.1,
    options: { ignoreIndex: IGNORE, classWeights: [0.5, 1, 3], includeBackground: false, diceReduction: 'image' as const },
  },
  { label: 'sigmoid C=3 multi-label', activation: 'sigmoid' as const, classes: 3, integerLabels: false, ignoreFraction: 0, options: {} },
  { label: 'sigmoid C=1 binary, ignoreIndex', activation: 'sigmoid' as const, classes: 1, integerLabels: true, ignoreFraction: 0.1, options: { ignoreIndex: IGNORE } },
];

describeOnBackends('sums accurate at [4,256,256,C]: every loss and p̄ within 1e-6 of float64', () => {
  describe.each(SETTINGS.map((setting, index) => [setting.label, setting, index] as const))('%s', (_, setting, index) => {
    const batch = makeBatch(setting.activation, setting.classes, setting.integerLabels, setting.ignoreFraction, 100 + index);
    let yTrue: tf.Tensor;
    let yPred: tf.Tensor;
    beforeAll(() => {
      yTrue = batch.labels ? tf.tensor3d(batch.labels, [N, H, W], 'int32') : tf.tensor4d(Float32Array.from(batch.target), [N, H, W, setting.classes]);
      yPred = tf.tensor4d(batch.probabilities, [N, H, W, setting.classes]);
    });
    afterAll(() => tf.dispose([yTrue, yPred]));

    it.each(LOSSES.map((loss) => [JSON.stringify(loss), loss] as const))('%s', (_, loss) => {
      const spec = { ...loss, validateInputs: false, activation: setting.activation, ...(loss.name === 'ce' ? { ignoreIndex: setting.options.ignoreIndex, classWeights: setting.options.classWeights } : setting.options) } as LossSpec;
      const value = tf.tidy(() => createLoss(spec)(yTrue, yPred).dataSync()[0] as number);
      const expected = reference(spec, batch).value;
      expect(Math.abs(value - expected) / Math.abs(expected)).toBeLessThan(1e-6);
    });

    it('p̄ (CAML confidence)', () => {
      const spec: CamlSpec = { name: 'caml', activation: setting.activation, ...setting.options };
      const confidence = tf.tidy(() => camlTerms(prepareInputs('camlLoss', yTrue, yPred, resolveInputOptions(spec)), spec).confidence.dataSync()[0] as number);
      const expected = reference(spec, batch).confidence;
      expect(Math.abs(confidence - expected) / expected).toBeLessThan(1e-6);
    });
  });
});
