/**
 * Paired tests of the proposed losses against the best additive loss of a setting: ML and CAML each
 * against the additive λ with the highest mean mIoU, pairing runs that share a fold and a seed (the
 * same data split and initialization), so the split-to-split variation cancels.
 */
import type { PairedComparison } from '@tfseg/cross-validation';
import { pairedComparison } from '@tfseg/cross-validation';
import type { RunRecord } from '../results/record';
import type { LossRow, SettingTable } from './aggregate';
import { isProposedLoss } from './losses';

/** One comparison of a proposed loss with the best additive loss of its table. */
export interface PairedTest {
  proposed: string;
  baseline: string;
  /** Number of (fold, seed) pairs present for both losses. */
  pairs: number;
  /** mIoU in percentage points, proposed − additive; absent when the test could not be run (`reason` says why). */
  comparison: PairedComparison | undefined;
  reason: string | undefined;
}

/** Paired tests of ML and CAML against the best additive λ (by mean mIoU) in one table. */
export function pairedTests(table: SettingTable): PairedTest[] {
  const additive = table.rows
    .filter((row) => row.loss.name === 'additive' && row.meanIoU.ours !== null)
    .sort((a, b) => b.meanIoU.ours!.mean - a.meanIoU.ours!.mean)[0];
  if (!additive) return [];
  return table.rows.filter((row) => isProposedLoss(row.loss) && row.meanIoU.ours !== null).map((row) => pairedTest(row, additive));
}

function pairedTest(proposed: LossRow, baseline: LossRow): PairedTest {
  const baselineByPair = new Map(baseline.runs.map((run) => [pairKey(run), run.meanIoU! * 100]));
  const proposedValues: number[] = [];
  const baselineValues: number[] = [];
  for (const run of proposed.runs) {
    const other = baselineByPair.get(pairKey(run));
    if (other === undefined) continue;
    proposedValues.push(run.meanIoU! * 100);
    baselineValues.push(other);
  }
  const result = { proposed: proposed.label, baseline: baseline.label, pairs: proposedValues.length };
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
