import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';
import * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { createLoss } from './create-loss';
import { lossDisplayName, lossSpecSchema, type LossSpec } from './spec';

/** Options of {@link lossCurves}. */
export const lossCurvesOptionsSchema = z.strictObject({
  /** Number of evenly spaced probabilities p. Default 99. */
  points: z.number({ error: 'must be a number' }).int({ error: 'must be an integer in [2, 10000]' }).min(2, { error: 'must be an integer in [2, 10000]' }).max(10000, { error: 'must be an integer in [2, 10000]' }).optional(),
  /** Smallest p. Default 0.01. */
  from: z.number({ error: 'must be a number' }).gt(0, { error: 'must be in (0, 1)' }).lt(1, { error: 'must be in (0, 1)' }).optional(),
  /** Largest p. Default 0.99. */
  to: z.number({ error: 'must be a number' }).gt(0, { error: 'must be in (0, 1)' }).lt(1, { error: 'must be in (0, 1)' }).optional(),
  /** The losses to trace. Default: CE, Dice, additive with λ = 0.3, 0.5, 0.7, ML, CAML (Figs. 1, 2 and 5). */
  losses: z.array(lossSpecSchema).min(1, { error: 'must list at least one loss' }).optional(),
});
/** Options of {@link lossCurves} (all optional). */
export type LossCurvesOptions = z.infer<typeof lossCurvesOptionsSchema>;

/** One loss traced against p. */
export interface LossCurve {
  readonly spec: LossSpec;
  /** {@link lossDisplayName} of the spec. */
  readonly displayName: string;
  /** Loss value at each p. */
  readonly loss: number[];
  /** |dL/dp| at each p, by `tf.grad` through the real loss. */
  readonly gradientMagnitude: number[];
}

/** The data behind Figs. 1, 2 and 5: loss and gradient magnitude against the true-class probability p. */
export interface LossCurves {
  /** How the batch is built from p (for a plot caption). */
  readonly setup: string;
  /** The probabilities p, ascending. */
  readonly probabilities: number[];
  readonly curves: LossCurve[];
}

const DEFAULT_CURVE_LOSSES: LossSpec[] = [
  { name: 'ce' },
  { name: 'dice' },
  { name: 'additive', lambda: 0.3 },
  { name: 'additive', lambda: 0.5 },
  { name: 'additive', lambda: 0.7 },
  { name: 'ml' },
  { name: 'caml' },
];

const SETUP =
  'Binary case, C = 2: a batch of two pixels, one of each class, both predicted with true-class probability p ' +
  '(yTrue = [[1,0],[0,1]], yPred = [[p,1−p],[1−p,p]]). Then L_CE = −log p, Dice_c = p, L_Dice = 1 − p, ' +
  'p̄ = p and D = p. Values come from the real loss functions; |dL/dp| from tf.grad through them.';

/** Runs `compute`, turning tfjs' "gradient function not found" (tfjs-core alone) into an actionable message. */
function gradientOrExplain<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof Error && /gradient function not found/i.test(error.message)) {
      throw new Error(`Error in lossCurves: ${error.message} Import '@tensorflow/tfjs' (or '@tensorflow/tfjs-node') once in your program: '@tensorflow/tfjs-core' alone registers no gradients.`, { cause: error });
    }
    throw error;
  }
}

/**
 * Loss value and gradient magnitude |dL/dp| against the true-class probability p for each loss, in the
 * binary setup described by the returned `setup` (the paper's Fig. 1 and Figs. 2/5). Needs a tfjs
 * build with gradients registered (`@tensorflow/tfjs` or tfjs-node), as every `tf.grad` does.
 */
export function lossCurves(options: LossCurvesOptions = {}): LossCurves {
  const parsed = parseWithSchema(lossCurvesOptionsSchema, options, 'lossCurves', LossArgumentError);
  const points = parsed.points ?? 99;
  const from = parsed.from ?? 0.01;
  const to = parsed.to ?? 0.99;
  const probabilities = Array.from({ length: points }, (_, index) => from + ((to - from) * index) / (points - 1));
  const curves = (parsed.losses ?? DEFAULT_CURVE_LOSSES).map((spec): LossCurve => {
    const loss = createLoss({ ...spec, fromLogits: false, validateInputs: false });
    const values: number[] = [];
    const gradients: number[] = [];
    for (const p of probabilities) {
      tf.tidy(() => {
        const yTrue = tf.tensor2d([[1, 0], [0, 1]]);
        const lossOfP = (probability: tf.Tensor): tf.Scalar => {
          const q = tf.sub(1, probability);
          return loss(yTrue, tf.stack([tf.stack([probability, q]), tf.stack([q, probability])]));
        };
        const { value, grad } = gradientOrExplain(() => tf.valueAndGrad(lossOfP)(tf.scalar(p)));
        values.push(value.dataSync()[0] as number);
        gradients.push(Math.abs(grad.dataSync()[0] as number));
      });
    }
    return { spec, displayName: lossDisplayName(spec), loss: values, gradientMagnitude: gradients };
  });
  return { setup: SETUP, probabilities, curves };
}
