import * as tf from '@tensorflow/tfjs';
import { describeOnBackends } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { EVERY_LOSS } from './__fixtures__/specs';
import { createLoss } from './index';
import { mulberry32 } from './__fixtures__/random';


/** How predictions relate to labels: the extremes where 0·log 0, 0/0 and 0^α lurk. */
const predictionModes = ['random', 'perfect', 'confidently-wrong', 'uniform', 'saturated-mix'] as const;
type PredictionMode = (typeof predictionModes)[number];

const batchArbitrary = fc.record({
  shape: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 5 })),
  allBackground: fc.boolean(),
  mode: fc.constantFrom(...predictionModes),
  fromLogits: fc.boolean(),
  seed: fc.integer(),
});


/** Builds labels and a prediction row per pixel; logits use ±60 for the saturated cases (softmax → 0/1 in float32). */
function makeBatch(shape: [number, number, number, number], allBackground: boolean, mode: PredictionMode, fromLogits: boolean, seed: number) {
  const random = mulberry32(seed);
  const classes = shape[3];
  const pixels = shape[0] * shape[1] * shape[2];
  const labels = Array.from({ length: pixels }, () => (allBackground ? 0 : Math.floor(random() * classes)));
  const rows = labels.map((label) => {
    const row = Array.from({ length: classes }, (_, c) => {
      switch (mode) {
        case 'random':
          return random();
        case 'perfect':
          return c === label ? 1 : 0;
        case 'confidently-wrong':
          return c === (label + 1) % classes ? 1 : 0;
        case 'uniform':
          return 1;
        case 'saturated-mix':
          return random() < 0.5 ? (c === label ? 1 : 0) : random();
      }
    });
    if (fromLogits) return row.map((v) => (mode === 'random' ? 10 * (v - 0.5) : 60 * (2 * v - 1)));
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / total);
  });
  return { labels, values: rows.flat() };
}

describeOnBackends('numerics: finite values and gradients for every valid input (fast-check)', () => {
  it('all losses, random shapes and extremes', () => {
    fc.assert(
      fc.property(batchArbitrary, ({ shape, allBackground, mode, fromLogits, seed }) => {
        const { labels, values } = makeBatch(shape, allBackground, mode, fromLogits, seed);
        const before = tf.memory().numTensors;
        for (const spec of EVERY_LOSS) {
          const loss = createLoss({ ...spec, fromLogits });
          const [value, gradient] = tf.tidy(() => {
            const yTrue = tf.tensor3d(labels, shape.slice(0, 3) as [number, number, number], 'int32');
            const { value, grad } = tf.valueAndGrad((yPred: tf.Tensor) => loss(yTrue, yPred))(tf.tensor4d(values, shape));
            return [value.dataSync()[0] as number, Array.from(grad.dataSync())];
          });
          const context = `${JSON.stringify(spec)} shape ${shape} mode ${mode} fromLogits ${fromLogits} allBackground ${allBackground}`;
          if (!Number.isFinite(value) || value < -1e-6) throw new Error(`loss ${value} for ${context}`);
          const bad = gradient.find((g) => !Number.isFinite(g));
          if (bad !== undefined) throw new Error(`gradient entry ${bad} for ${context}`);
        }
        if (tf.memory().numTensors !== before) throw new Error('tensor leak');
      }),
      { numRuns: 40, seed: 20260101 },
    );
  });

  it('every option of issue 16 at the extremes: finite values and gradients, no leak', () => {
    const optionsArbitrary = fc.record({
      activation: fc.constantFrom('softmax' as const, 'sigmoid' as const),
      ignore: fc.constantFrom('none', 'some', 'all', 'inside'),
      weights: fc.option(fc.array(fc.constantFrom(0, 0.5, 1, 3, 1e6), { minLength: 5, maxLength: 5 }), { nil: undefined }),
      includeBackground: fc.boolean(),
      diceReduction: fc.constantFrom('batch' as const, 'image' as const),
    });
    fc.assert(
      fc.property(batchArbitrary, optionsArbitrary, ({ shape, allBackground, mode, fromLogits, seed }, { activation, ignore, weights, includeBackground, diceReduction }) => {
        const classes = activation === 'sigmoid' && seed % 3 === 0 ? 1 : shape[3];
        const fullShape: [number, number, number, number] = [shape[0], shape[1], shape[2], classes];
        const { labels, values } = makeBatch(fullShape.map((size, axis) => (axis === 3 ? Math.max(size, 2) : size)) as typeof fullShape, allBackground, mode, fromLogits, seed);
        // Sigmoid inputs: the first `classes` entries of each row (probabilities in [0, 1] or logits up to ±60).
        const rowLength = Math.max(classes, 2);
        const predictions = activation === 'softmax' ? values : values.filter((_, index) => index % rowLength < classes);
        const ignoreIndex = ignore === 'none' ? undefined : ignore === 'inside' ? 0 : 255;
        const counted = labels.map((label, index) => (ignore === 'all' || (ignore === 'some' && index % 2 === 0) ? (ignoreIndex ?? label) : label));
        const finalLabels = classes === 1 ? counted.map((label) => (label === ignoreIndex ? label : Math.min(label, 1))) : counted;
        const classWeights = weights?.slice(0, classes);
        const usable = (classWeights === undefined || classWeights.some((w, c) => w > 0 && (includeBackground || c > 0))) && (includeBackground || classes >= 2);
        if (!usable) return;
        const before = tf.memory().numTensors;
        for (const spec of EVERY_LOSS) {
          const options = { fromLogits, activation, ...(ignoreIndex === undefined ? {} : { ignoreIndex }), ...(classWeights === undefined ? {} : { classWeights }) };
          const loss = createLoss(spec.name === 'ce' ? { ...spec, ...options } : { ...spec, ...options, includeBackground, diceReduction });
          const [value, gradient] = tf.tidy(() => {
            const yTrue = tf.tensor3d(finalLabels, shape.slice(0, 3) as [number, number, number], 'int32');
            const { value, grad } = tf.valueAndGrad((yPred: tf.Tensor) => loss(yTrue, yPred))(tf.tensor4d(predictions, fullShape));
            return [value.dataSync()[0] as number, Array.from(grad.dataSync())];
          });
          const context = `${JSON.stringify(spec)} ${JSON.stringify({ activation, ignore, classWeights, includeBackground, diceReduction, fromLogits })} shape ${fullShape} mode ${mode}`;
          if (!Number.isFinite(value) || value < -1e-6) throw new Error(`loss ${value} for ${context}`);
          const bad = gradient.find((g) => !Number.isFinite(g));
          if (bad !== undefined) throw new Error(`gradient entry ${bad} for ${context}`);
        }
        if (tf.memory().numTensors !== before) throw new Error('tensor leak');
      }),
      { numRuns: 60, seed: 20261202 },
    );
  });

  it('perfect predictions give (near) zero for every loss, including 0^α in CAML', () => {
    for (const spec of EVERY_LOSS) {
      const value = tf.tidy(() => createLoss(spec)(tf.tensor1d([0, 1, 1], 'int32'), tf.tensor2d([[1, 0], [0, 1], [0, 1]])).dataSync()[0] as number);
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1e-5);
    }
  });
});
