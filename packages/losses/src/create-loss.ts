import { buildAdditiveLoss } from './additive';
import { buildCamlLoss } from './caml';
import { buildCrossEntropyLoss } from './cross-entropy';
import { buildDiceLoss } from './dice';
import type { GradientMode, LossFunction } from './loss-function';
import { buildMultiplicativeLoss } from './multiplicative';
import { parseLossSpec, type LossSpec } from './spec';

/**
 * Builds the loss a spec names: `'ce'` (eq. 2), `'dice'` (eqs. 3–4), `'additive'` (eq. 1), `'ml'`
 * (eq. 5) or `'caml'` (Erratum eq. 13). The spec is validated here; a bad one throws a
 * `LossArgumentError` naming the field. The loss's gradient w.r.t. `yPred` is in closed form (one custom
 * gradient built from eqs. 1–6 and Erratum eqs. 13–15, see the README's "Closed-form gradients"), the
 * value the same operations as autodiff would record.
 * @example
 * const loss = createLoss({ name: 'caml' });
 * model.compile({ optimizer: 'adam', loss });
 */
export function createLoss(spec: LossSpec): LossFunction {
  return createLossWithGradient(spec, 'closed-form');
}

/**
 * {@link createLoss} with a choice of how the gradient is computed; `'autodiff'` is the reference the
 * closed-form gradients are tested against (internal: not exported from the package).
 */
export function createLossWithGradient(spec: LossSpec, gradient: GradientMode): LossFunction {
  const parsed = parseLossSpec(spec);
  switch (parsed.name) {
    case 'ce':
      return buildCrossEntropyLoss(parsed, gradient);
    case 'dice':
      return buildDiceLoss(parsed, gradient);
    case 'additive':
      return buildAdditiveLoss(parsed, gradient);
    case 'ml':
      return buildMultiplicativeLoss(parsed, gradient);
    case 'caml':
      return buildCamlLoss(parsed, gradient);
  }
}
