/**
 * How the report groups, names and orders losses: one row per distinct loss spec, labelled with
 * @tfseg/losses' `lossDisplayName`, in the paper's row order (CE, Dice, additive by λ, ML, CAML, then the
 * constant-r CAML ablation of Table 4).
 */
import { DEFAULT_LAMBDA, LOSS_NAMES, lossDisplayName, type LossSpec } from '@tfseg/losses';
import { canonicalJson } from '@tfseg/training';

/** The λ an additive loss trains with (its default filled in); undefined for other losses. */
export function additiveLambda(loss: LossSpec): number | undefined {
  return loss.name === 'additive' ? (loss.lambda ?? DEFAULT_LAMBDA) : undefined;
}
/** The constant exponent r of the Table 4 CAML ablation; undefined for dynamic CAML and other losses. */
export function camlR(loss: LossSpec): number | undefined {
  return loss.name === 'caml' ? loss.r : undefined;
}

/**
 * A stable key for grouping runs by loss: `ce`, `additive:0.3`, `caml`, `caml:r=2` for the paper's
 * settings; any other option (sigmoid, class weights, ...) follows as its canonical JSON, so runs that
 * differ in it never share a row.
 */
export function lossKey(loss: LossSpec): string {
  const lambda = additiveLambda(loss);
  const r = camlR(loss);
  const base = lambda !== undefined ? `additive:${lambda}` : r !== undefined ? `caml:r=${r}` : loss.name;
  const options = Object.entries(loss).filter(([field, value]) => !['name', 'lambda', 'r'].includes(field) && value !== undefined);
  return options.length === 0 ? base : `${base} ${canonicalJson(Object.fromEntries(options))}`;
}

/** A loss's row label: @tfseg/losses' `lossDisplayName` (`λ·Dice + (1−λ)·CE (λ=0.3)`, `CAML (r=2)`, ...). */
export function lossLabel(loss: LossSpec): string {
  return lossDisplayName(loss);
}

/** Sorts losses in the paper's row order; additive losses by λ, constant-r CAML after CAML by r, then by key. */
export function compareLosses(a: LossSpec, b: LossSpec): number {
  const byName = LOSS_NAMES.indexOf(a.name) - LOSS_NAMES.indexOf(b.name);
  if (byName !== 0) return byName;
  // Dynamic CAML (no r) first, then the Table 4 ablation by r.
  const byParameter = (additiveLambda(a) ?? camlR(a) ?? 0) - (additiveLambda(b) ?? camlR(b) ?? 0);
  if (byParameter !== 0) return byParameter;
  const [keyA, keyB] = [lossKey(a), lossKey(b)];
  return keyA < keyB ? -1 : keyA > keyB ? 1 : 0;
}

/** True for the paper's ML, or CAML with the dynamic Dice exponent (not the constant-r ablation). */
export function isProposedLoss(loss: LossSpec): boolean {
  return loss.name === 'ml' || (loss.name === 'caml' && loss.r === undefined);
}
