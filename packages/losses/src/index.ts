/**
 * @tfseg/losses — the segmentation losses of "Multiplicative Loss" (CE eq. 2, Dice eqs. 3–4, additive
 * eq. 1, ML eq. 5, CAML Erratum eq. 13) for TensorFlow.js. This file is the whole public surface.
 */
export { createLoss } from './create-loss';
export { crossEntropyLoss, type CrossEntropyLossOptions } from './cross-entropy';
export { diceLoss, type DiceLossOptions } from './dice';
export { additiveLoss, type AdditiveLossOptions } from './additive';
export { multiplicativeLoss, type MultiplicativeLossOptions } from './multiplicative';
export { camlLoss, CAML_POWER_FLOOR, type CamlLossOptions } from './caml';
export type { LossFunction } from './loss-function';
export {
  additiveSpecSchema,
  camlSpecSchema,
  crossEntropySpecSchema,
  DEFAULT_EPSILON,
  DEFAULT_LAMBDA,
  DEFAULT_SMOOTH,
  diceSpecSchema,
  LOSS_NAMES,
  lossDisplayName,
  lossSpecSchema,
  multiplicativeSpecSchema,
  parseLossSpec,
  type AdditiveSpec,
  type CamlSpec,
  type CrossEntropySpec,
  type DiceSpec,
  type LossName,
  type LossSpec,
  type MultiplicativeSpec,
} from './spec';
export { lossCurves, lossCurvesOptionsSchema, type LossCurve, type LossCurves, type LossCurvesOptions } from './loss-curves';
export { stopGradient } from './stop-gradient';
export {
  SOFTMAX_LOSS_GRAD,
  SOFTMAX_LOSS_SUMS,
  SOFTMAX_PROBABILITY_LOSS_GRAD,
  SOFTMAX_PROBABILITY_LOSS_SUMS,
  type SoftmaxLossSumsAttrs,
  type SoftmaxProbabilityLossGradAttrs,
  type SoftmaxProbabilityLossSumsAttrs,
} from './softmax-loss-kernels';
export { LossArgumentError, LossesError } from './errors';
