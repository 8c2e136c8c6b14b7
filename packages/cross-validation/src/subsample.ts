import { CrossValidationError } from './errors';
import { groupMembers, itemsOf, type GroupLabel } from './groups';
import { seedStream } from './random';

/**
 * A reduced training set (the paper's 1/2, 1/4, 1/8 settings, Sec. 4.1): `ceil(fraction · n)` of the items
 * of `train` (at least one), ascending. The items are put in one seeded order and the first ones taken, so
 * for one seed the sets are **nested**: `subsample(x, 1/8, s) ⊂ subsample(x, 1/4, s) ⊂ subsample(x, 1/2, s)`.
 * The order depends on the set of `train`, not its order. With `groups` (the group of every item, as given
 * to `kFold`), whole groups are drawn instead: `ceil(fraction · number of groups in train)` of them.
 * Only the training part shrinks; a fold's test part stays as it is.
 */
export function subsample(train: readonly number[], fraction: number, seed: number, groups?: readonly GroupLabel[]): number[] {
  if (train.length === 0) throw new CrossValidationError('Error in subsample: train must not be empty');
  if (!(fraction > 0 && fraction <= 1)) throw new CrossValidationError(`Error in subsample: fraction must be in (0, 1], but got ${fraction}`);
  if (!Number.isSafeInteger(seed)) throw new CrossValidationError(`Error in subsample: seed must be an integer, but got ${seed}`);
  const seen = new Set<number>();
  for (const item of train) {
    if (!Number.isInteger(item) || item < 0) throw new CrossValidationError(`Error in subsample: train must hold item indices (integers ≥ 0), but got ${item}`);
    if (groups !== undefined && item >= groups.length) {
      throw new CrossValidationError(`Error in subsample: train item ${item} has no entry in groups (length ${groups.length})`);
    }
    if (seen.has(item)) throw new CrossValidationError(`Error in subsample: train holds item ${item} twice`);
    seen.add(item);
  }
  const random = seedStream(seed, 'subsample');
  if (groups === undefined) {
    const order = random.shuffle([...train].sort((a, b) => a - b));
    return order.slice(0, keep(order.length, fraction)).sort((a, b) => a - b);
  }
  const order = random.shuffle(groupMembers(groups, train));
  return itemsOf(order.slice(0, keep(order.length, fraction)));
}

/** ceil(fraction · n), at least 1; the 1e-9 keeps 0.3 · 10 = 3.0000000000000004 at 3. */
function keep(n: number, fraction: number): number {
  return Math.max(1, Math.ceil(fraction * n - 1e-9));
}
