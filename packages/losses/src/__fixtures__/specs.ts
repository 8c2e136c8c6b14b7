import type { LossSpec } from '../spec';

/** One spec per loss and CAML variant, for the suites that run every loss. */
export const EVERY_LOSS: readonly LossSpec[] = [
  { name: 'ce' },
  { name: 'dice' },
  { name: 'additive', lambda: 0.3 },
  { name: 'ml' },
  { name: 'caml' },
  { name: 'caml', r: 3 },
  { name: 'caml', confidence: 'mean-probability' },
];

/** `it.each` rows: [JSON label, spec]. */
export const everyLossCase = (specs: readonly LossSpec[] = EVERY_LOSS) => specs.map((spec) => [JSON.stringify(spec), spec] as const);
