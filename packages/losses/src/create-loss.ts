import { buildAdditiveLoss } from './additive';
import { buildCamlLoss } from './caml';
import { buildCrossEntropyLoss } from './cross-entropy';
import { buildDiceLoss } from './dice';
import type { LossFunction } from './loss-function';
import { buildMultiplicativeLoss } from './multiplicative';
import { parseLossSpec, type LossSpec } from './spec';

/**
 * Builds the loss a spec names: `'ce'` (eq. 2), `'dice'` (eqs. 3–4), `'additive'` (eq. 1), `'ml'`
 * (eq. 5) or `'caml'` (Erratum eq. 13). The spec is validated here; a bad one throws a
 * `LossArgumentError` naming the field.
 * @example
 * const loss = createLoss({ name: 'caml' });
 * model.compile({ optimizer: 'adam', loss });
 */
export function createLoss(spec: LossSpec): LossFunction {
  const parsed = parseLossSpec(spec);
  switch (parsed.name) {
    case 'ce':
      return buildCrossEntropyLoss(parsed);
    case 'dice':
      return buildDiceLoss(parsed);
    case 'additive':
      return buildAdditiveLoss(parsed);
    case 'ml':
      return buildMultiplicativeLoss(parsed);
    case 'caml':
      return buildCamlLoss(parsed);
  }
}
