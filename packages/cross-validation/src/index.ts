/**
 * @tfseg/cross-validation — the paper's evaluation protocol (Sec. 4.1): grouped, seeded k-fold splits,
 * nested reduced training sets, independent seeded random streams, mean ± sample std over folds × seeds,
 * and paired tests (t and Wilcoxon) for comparing two losses.
 */
export { kFold, kFoldOptionsSchema, type KFoldOptions, type Fold } from './k-fold';
export { subsample } from './subsample';
export { seedStream, type Random } from './random';
export { summarize, summarizeClasses, type Summary } from './summary';
export { pairedComparison, type PairedComparison } from './paired-comparison';
export type { WilcoxonResult } from './wilcoxon';
export type { GroupLabel } from './groups';
export { CrossValidationError } from './errors';
