import { z } from 'zod';
import { CrossValidationError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { groupMembers, itemsOf, type GroupMembers } from './groups';
import { seedStream } from './random';

/** Options of {@link kFold}. */
export const kFoldOptionsSchema = z
  .object({
    /** The group of each item (one entry per item): items of one group always land in the same part. */
    groups: z.array(z.union([z.string(), z.number()])).min(1).readonly(),
    /** Number of folds; each distinct group is in the test part of exactly one fold. */
    k: z.number().int().min(2).default(5),
    /** Seed of the group shuffle and of the validation draw. */
    seed: z.number().int(),
    /** Number of groups carved from each fold's training part as its validation part. */
    validationGroups: z.number().int().nonnegative().optional(),
    /** Fraction of each fold's training groups used for validation (rounded, at least one group when > 0). */
    validationFraction: z.number().min(0).lt(1).optional(),
  })
  .strict()
  .refine((options) => options.validationGroups === undefined || options.validationFraction === undefined, {
    message: 'give validationGroups or validationFraction, not both',
  });

/** Options accepted by {@link kFold}. */
export type KFoldOptions = z.input<typeof kFoldOptionsSchema>;

/** One fold: item indices (ascending) of its three disjoint parts. */
export interface Fold {
  /** 0-based fold number. */
  fold: number;
  train: number[];
  validation: number[];
  test: number[];
}

/**
 * Grouped, seeded k-fold cross-validation (the paper's five-fold protocol, Sec. 4.1). Folds are drawn over
 * distinct groups, so no two items of one image or patient are ever split between train and test: the
 * groups are shuffled with the seed, then, largest first, each goes to the fold with the fewest items so
 * far (scikit-learn's `GroupKFold` balancing, with a seeded shuffle breaking ties). Every group is in the
 * test part of exactly one fold. Each fold's validation part is drawn from its remaining groups by a stream
 * of its own, so the test parts never depend on the validation settings.
 */
export function kFold(options: KFoldOptions): Fold[] {
  const { groups, k, seed, validationGroups, validationFraction } = parseWithSchema(kFoldOptionsSchema, options, 'kFold', CrossValidationError);
  const members = groupMembers(groups, groups.keys());
  if (k > members.length) {
    throw new CrossValidationError(`Error in kFold: k = ${k} is more than the ${members.length} distinct groups; every fold needs at least one test group`);
  }
  const testGroups = assignGroups(seedStream(seed, 'kFold', 'test').shuffle([...members]), k);
  return testGroups.map((test, fold) => {
    const rest = members.filter((group) => !test.includes(group));
    const count = validationGroups ?? (validationFraction === undefined || validationFraction === 0 ? 0 : Math.max(1, Math.round(validationFraction * rest.length)));
    if (count > rest.length - 1) {
      throw new CrossValidationError(`Error in kFold: ${count} validation groups leave no training group in fold ${fold}, which has ${rest.length} non-test groups`);
    }
    const drawn = seedStream(seed, 'kFold', 'validation', fold).shuffle([...rest]);
    return { fold, train: itemsOf(drawn.slice(count)), validation: itemsOf(drawn.slice(0, count)), test: itemsOf(test) };
  });
}

/** Largest group first (stable, so the shuffled order breaks ties) into the fold with the fewest items, then fewest groups. */
function assignGroups(shuffled: GroupMembers[], k: number): GroupMembers[][] {
  const folds = Array.from({ length: k }, () => ({ groups: [] as GroupMembers[], items: 0 }));
  for (const group of shuffled.sort((a, b) => b.items.length - a.items.length)) {
    const target = folds.reduce((best, fold) => (fold.items < best.items || (fold.items === best.items && fold.groups.length < best.groups.length) ? fold : best));
    target.groups.push(group);
    target.items += group.items.length;
  }
  return folds.map((fold) => fold.groups);
}
