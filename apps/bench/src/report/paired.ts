/**
 * Paired tests of the proposed losses against the dataset-tuned additive loss of a setting: ML and CAML
 * each against the additive λ with the highest mean VALIDATION mIoU — chosen on the validation parts, never
 * on the test parts the comparison is judged on — pairing runs that share a fold and a seed (the same data
 * split and initialization), so the split-to-split variation cancels.
 */
import type { PairedComparison } from '@tfseg/cross-validation';
import { pairedComparison } from '@tfseg/cross-validation';
import type { RunRecord } from '../results/record';
import type { LossRow, SettingTable } from './aggregate';
import { additiveLambda, isProposedLoss } from './losses';

/** One comparison of a proposed loss with the validation-chosen additive loss of its table. */
export interface PairedTest {
  proposed: string;
  baseline: string;
  /** The baseline's λ and its mean validation mIoU in % (what chose it). */
  baselineLambda: number;
  baselineValidationMeanIoU: number;
  /** Number of (fold, seed) pairs present for both losses. */
  pairs: number;
  /** mIoU in percentage points, proposed − additive; absent when the test could not be run (`reason` says why). */
  comparison: PairedComparison | undefined;
  reason: string | undefined;
}

/**
 * The validation mIoU (fraction) of a run: on the validation part, with the weights that were tested
 * (the best epoch); `undefined` for a failed run or one trained without a validation part.
 */
export function validationMeanIoU(run: RunRecord): number | undefined {
  const value = run.validationMeanIoU ?? run.curves?.validationMeanIoU[run.curves.bestEpoch];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The additive row with the highest mean validation mIoU (in %), among rows whose runs all have one; ties keep the smaller λ. */
export function validationChosenAdditive(table: SettingTable): { row: LossRow; validationMeanIoU: number } | undefined {
  let best: { row: LossRow; validationMeanIoU: number } | undefined;
  for (const row of table.rows) {
    if (row.loss.name !== 'additive' || row.runs.length === 0) continue;
    const scores = row.runs.map(validationMeanIoU);
    if (scores.some((score) => score === undefined)) continue;
    const mean = (100 * (scores as number[]).reduce((sum, score) => sum + score, 0)) / scores.length;
    if (!best || mean > best.validationMeanIoU || (mean === best.validationMeanIoU && (additiveLambda(row.loss) ?? 0) < (additiveLambda(best.row.loss) ?? 0))) best = { row, validationMeanIoU: mean };
  }
  return best;
}

/** Paired tests of ML and CAML against the additive λ with the highest mean validation mIoU in one table. */
export function pairedTests(table: SettingTable): PairedTest[] {
  const additive = validationChosenAdditive(table);
  if (!additive) return [];
  return table.rows.filter((row) => isProposedLoss(row.loss) && row.meanIoU.ours !== null).map((row) => pairedTest(row, additive.row, additive.validationMeanIoU));
}

function pairedTest(proposed: LossRow, baseline: LossRow, baselineValidationMeanIoU: number): PairedTest {
  const baselineByPair = new Map(baseline.runs.map((run) => [pairKey(run), run.meanIoU! * 100]));
  const proposedValues: number[] = [];
  const baselineValues: number[] = [];
  for (const run of proposed.runs) {
    const other = baselineByPair.get(pairKey(run));
    if (other === undefined) continue;
    proposedValues.push(run.meanIoU! * 100);
    baselineValues.push(other);
  }
  const result = { proposed: proposed.label, baseline: baseline.label, baselineLambda: additiveLambda(baseline.loss) ?? 0, baselineValidationMeanIoU, pairs: proposedValues.length };
  if (proposedValues.length < 2) return { ...result, comparison: undefined, reason: 'n too small' };
  try {
    return { ...result, comparison: pairedComparison(proposedValues, baselineValues), reason: undefined };
  } catch (error) {
    return { ...result, comparison: undefined, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Runs are paired when they share the fold (same split) and the seed (same initialization). */
function pairKey(run: RunRecord): string {
  return `${run.config.fold}:${run.config.seed}`;
}
