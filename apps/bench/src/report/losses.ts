/**
 * How the report names and orders losses: the paper's row order (CE, Dice, additive by λ, ML, CAML,
 * then the constant-r CAML ablation of Table 4) and its row labels.
 */
import type { RunConfig } from '../results/record';

/** A loss as recorded in a run's config. */
export type RecordLoss = RunConfig['loss'];

const RANK: Record<RecordLoss['name'], number> = { ce: 0, dice: 1, additive: 2, ml: 3, caml: 4 };

/** A stable key for grouping runs by loss: `ce`, `additive:0.3`, `caml`, `caml:r=2`. */
export function lossKey(loss: RecordLoss): string {
  if (loss.name === 'additive') return `additive:${loss.lambda ?? 0.5}`;
  if (loss.name === 'caml' && loss.r !== undefined) return `caml:r=${loss.r}`;
  return loss.name;
}

/** The label the paper's tables use for a loss (`λ Dice + (1−λ) CE (λ = 0.3)`, `CAML (r = 2)`, ...). */
export function lossLabel(loss: RecordLoss): string {
  switch (loss.name) {
    case 'ce':
      return 'CE';
    case 'dice':
      return 'Dice';
    case 'additive':
      return `λ Dice + (1−λ) CE (λ = ${loss.lambda ?? 0.5})`;
    case 'ml':
      return 'ML';
    case 'caml':
      return loss.r === undefined ? 'CAML' : `CAML (r = ${loss.r})`;
  }
}

/** Sorts losses in the paper's row order; additive losses by λ, constant-r CAML after CAML by r. */
export function compareLosses(a: RecordLoss, b: RecordLoss): number {
  const byName = RANK[a.name] - RANK[b.name];
  if (byName !== 0) return byName;
  if (a.name === 'additive') return (a.lambda ?? 0.5) - (b.lambda ?? 0.5);
  // Dynamic CAML (no r) first, then the Table 4 ablation by r.
  return (a.r ?? 0) - (b.r ?? 0);
}

/** True for the paper's ML, or CAML with the dynamic Dice exponent (not the constant-r ablation). */
export function isProposedLoss(loss: RecordLoss): boolean {
  return loss.name === 'ml' || (loss.name === 'caml' && loss.r === undefined);
}
