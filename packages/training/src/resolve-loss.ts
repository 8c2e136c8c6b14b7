import { createLoss, lossSpecSchema, type LossFunction, type LossSpec } from '@tfseg/losses';
import { z } from 'zod';

/** A loss as `train` and `measureTrainingStep` take it: a `@tfseg/losses` spec, or a loss function used as given. */
export const trainingLossSchema = z.union([
  lossSpecSchema,
  z.custom<LossFunction>((value) => typeof value === 'function', 'must be a loss spec or a function'),
]);
/** A loss spec or a loss function (see {@link trainingLossSchema}). */
export type TrainingLoss = LossSpec | LossFunction;

/** Options of {@link resolveLoss}. */
export interface ResolveLossOptions {
  /**
   * Wraps the loss after it is built, e.g. to log or (in the bench's tests) to break it on purpose;
   * receives the built loss and returns the one to optimise.
   */
  wrap?: (loss: LossFunction) => LossFunction;
}

/**
 * The one place a training loss is built, used by `train`, `measureTrainingStep` and the bench, so all
 * optimise (and time) the same function. A spec goes through `createLoss` with `validateInputs` off
 * unless the spec turns it on: training data are checked once before the first step, and the per-call
 * value check would cost a read back from the backend on every step. A function is used as given.
 */
export function resolveLoss(loss: TrainingLoss, options: ResolveLossOptions = {}): LossFunction {
  const built = typeof loss === 'function' ? loss : createLoss({ ...loss, validateInputs: loss.validateInputs ?? false });
  return options.wrap === undefined ? built : options.wrap(built);
}
