/**
 * @tfseg/cross-validation — the paper's evaluation protocol (Sec. 4.1): grouped, seeded k-fold splits,
 * nested reduced training sets, independent seeded random streams, mean ± sample std over folds × seeds,
 * and paired tests (t and Wilcoxon) for comparing two losses.
 */
export { kFold, kFoldOptionsSchema, type KFoldOptions, type Fold } from './k-fold.js';
export { subsample } from './subsample.js';
export { seedStream, type Random } from './random.js';
export { summarize, summarizeClasses, type Summary } from './summary.js';
export { pairedComparison, type PairedComparison } from './paired-comparison.js';
export type { WilcoxonResult } from './wilcoxon.js';
export type { GroupLabel } from './groups.js';
export { CrossValidationError } from './errors.js';
