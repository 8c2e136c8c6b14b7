import { z } from 'zod';
import { LossArgumentError } from './errors';
import { parseWithSchema } from './tfseg-error';

/** Default ε: probabilities are clipped below at ε before the log of eq. 2 (the Keras default ε). */
export const DEFAULT_EPSILON = 1e-7;
/** Default smoothing added to the numerator and denominator of eq. 3; only keeps 0/0 finite. */
export const DEFAULT_SMOOTH = 1e-6;
/** Default λ of the additive loss (eq. 1): Dice and CE weighted equally. */
export const DEFAULT_LAMBDA = 0.5;

const inputOptions = {
  /** `yPred` holds logits: softmax (or sigmoid) is applied inside, and CE uses log-softmax (log-sigmoid) instead of clipped probabilities. Default false. */
  fromLogits: z.boolean({ error: 'must be a boolean' }).optional(),
  /**
   * Check tensor values on every call: NaN/±Infinity anywhere, integer labels in [0, C) (or `ignoreIndex`),
   * one-hot `yTrue` with values 0 or 1 (exactly one 1 per pixel for softmax), and probabilities `yPred`
   * in [0, 1] (unless `fromLogits`). Costs one small read per call (see BENCHMARKS.md); shapes are always
   * checked. Default true.
   */
  validateInputs: z.boolean({ error: 'must be a boolean' }).optional(),
  /**
   * `'softmax'` (default, the paper's): the C channels are one distribution per pixel, C >= 2, and `yTrue`
   * is one-hot or integer labels. `'sigmoid'`: every channel is an independent probability (binary or
   * multi-label segmentation), C >= 1, and `yTrue` is multi-hot (0 or 1 per channel) of `yPred`'s shape —
   * or, for C = 1, integer labels 0/1 (the binary mask).
   */
  activation: z.enum(['softmax', 'sigmoid'], { error: 'must be "softmax" or "sigmoid"' }).optional(),
  /**
   * With integer labels `[N,H,W]`: pixels whose label equals this are left out of every term (CE, Dice
   * and CAML's p̄), as PyTorch's `ignore_index`. Any integer (often 255 or −100). Default: none.
   */
  ignoreIndex: z.number({ error: 'must be an integer' }).int({ error: 'must be an integer' }).optional(),
  /**
   * One non-negative weight w_c per class (length C, not all zero). CE: Σᵢ w_{yᵢ}·(−log p)/Σᵢ w_{yᵢ}
   * (PyTorch's weighted mean) for softmax, Σ_c w_c·BCE_c/Σ_c w_c for sigmoid; Dice:
   * 1 − Σ_c w_c·Dice_c/Σ_c w_c. Default: every class weight 1.
   */
  classWeights: z
    .array(z.number({ error: 'must be a finite number >= 0' }).min(0, { error: 'must be a finite number >= 0' }).max(1e30, { error: 'must be a finite number >= 0' }), { error: 'must be an array of numbers' })
    .min(1, { error: 'must list one weight per class' })
    .refine((weights) => weights.some((weight) => weight > 0), { error: 'must not be all zero' })
    .optional(),
};
const epsilonOption = {
  /** Probabilities are clipped below at epsilon, max(p, ε) (sigmoid: to [ε, 1 − ε]), before the logs of eq. 2 (ignored with `fromLogits`). Default 1e-7. */
  epsilon: z.number({ error: 'must be a number' }).gt(0, { error: 'must be in (0, 0.5)' }).lt(0.5, { error: 'must be in (0, 0.5)' }).optional(),
};
const diceOptions = {
  /** Added to the numerator and denominator of eq. 3 so an absent, unpredicted class gives Dice 1, not 0/0. Default 1e-6. */
  smooth: z.number({ error: 'must be a number' }).positive({ error: 'must be a number > 0 (0 would make an absent class 0/0)' }).max(1e6, { error: 'must be a finite number > 0' }).optional(),
  /** `false` leaves channel 0 (the background) out of the Dice term, and so out of CAML's D, as MONAI's `include_background`; CE keeps every class. Needs C >= 2. Default true. */
  includeBackground: z.boolean({ error: 'must be a boolean' }).optional(),
  /**
   * `'batch'` (default, the paper's eq. 3): each class's Dice over every pixel of the batch. `'image'`:
   * Dice per image (first axis) and class, then the mean over images (MONAI's `batch=False`).
   */
  diceReduction: z.enum(['batch', 'image'], { error: 'must be "batch" or "image"' }).optional(),
};

/** Spec of the cross-entropy loss, eq. 2. */
export const crossEntropySpecSchema = z.strictObject({ name: z.literal('ce'), ...inputOptions, ...epsilonOption });
/** Spec of the Dice loss, eqs. 3–4. */
export const diceSpecSchema = z.strictObject({ name: z.literal('dice'), ...inputOptions, ...diceOptions });
/** Spec of the additive loss, eq. 1. */
export const additiveSpecSchema = z.strictObject({
  name: z.literal('additive'),
  /** Weight of the Dice term in eq. 1, λ ∈ [0, 1]; CE gets 1 − λ. Default 0.5. */
  lambda: z.number({ error: 'must be a number' }).min(0, { error: 'must be a number in [0, 1]' }).max(1, { error: 'must be a number in [0, 1]' }).optional(),
  ...inputOptions,
  ...epsilonOption,
  ...diceOptions,
});
/** Spec of the Multiplicative Loss, eq. 5. */
export const multiplicativeSpecSchema = z.strictObject({ name: z.literal('ml'), ...inputOptions, ...epsilonOption, ...diceOptions });
/** Spec of the Confidence-Adaptive Multiplicative Loss, Erratum eq. 13. */
export const camlSpecSchema = z.strictObject({
  name: z.literal('caml'),
  /** Table 4 ablation: a constant exponent r > 0 replaces the Dice coefficient D, α = (1 − p̄)^r. */
  r: z.number({ error: 'must be a number' }).positive({ error: 'must be a number > 0' }).max(1e6, { error: 'must be a finite number > 0' }).optional(),
  /**
   * How p̄ in α = (1 − p̄)^D is read. `'true-class'` (default): the batch mean probability of each
   * pixel's true class, (1/N)·Σᵢ Σ_c y·p. `'mean-probability'`: the literal mean of every softmax output
   * (always 1/C for softmax inputs, so α is constant).
   */
  confidence: z.enum(['true-class', 'mean-probability'], { error: 'must be "true-class" or "mean-probability"' }).optional(),
  ...inputOptions,
  ...epsilonOption,
  ...diceOptions,
});

/** Every loss this package builds, as a discriminated union on `name` (the one source of the spec types). */
export const lossSpecSchema = z.discriminatedUnion('name', [crossEntropySpecSchema, diceSpecSchema, additiveSpecSchema, multiplicativeSpecSchema, camlSpecSchema]);

/** A loss spec: `{ name: 'ce' | 'dice' | 'additive' | 'ml' | 'caml', ...options }`. */
export type LossSpec = z.infer<typeof lossSpecSchema>;
/** The loss names, in the order of the paper (eqs. 2, 4, 1, 5, 13). */
export type LossName = LossSpec['name'];
/** All loss names. */
export const LOSS_NAMES: readonly LossName[] = lossSpecSchema.options.map((option) => option.shape.name.value);

/** `{ name: 'ce', ... }` (eq. 2). */
export type CrossEntropySpec = z.infer<typeof crossEntropySpecSchema>;
/** `{ name: 'dice', ... }` (eqs. 3–4). */
export type DiceSpec = z.infer<typeof diceSpecSchema>;
/** `{ name: 'additive', lambda?, ... }` (eq. 1). */
export type AdditiveSpec = z.infer<typeof additiveSpecSchema>;
/** `{ name: 'ml', ... }` (eq. 5). */
export type MultiplicativeSpec = z.infer<typeof multiplicativeSpecSchema>;
/** `{ name: 'caml', r?, confidence?, ... }` (Erratum eq. 13). */
export type CamlSpec = z.infer<typeof camlSpecSchema>;

/** Parses a loss spec (any name) at the public boundary; a failure is a {@link LossArgumentError} naming the field, the value and the rule, with the ZodError as `cause`. */
export function parseLossSpec(spec: unknown, caller = 'createLoss'): LossSpec {
  return parseWithSchema(lossSpecSchema, spec, caller, LossArgumentError);
}

function formatNumber(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/**
 * A short human-readable name of a loss for reports and plots, e.g. `"λ·Dice + (1−λ)·CE (λ=0.3)"`,
 * `"ML"`, `"CAML"`, `"CAML (r=3)"`, `"CAML (sigmoid, image Dice)"` (options that differ from the paper's).
 */
export function lossDisplayName(spec: LossSpec): string {
  const parsed = parseLossSpec(spec, 'lossDisplayName');
  const details: string[] = [];
  let base: string;
  switch (parsed.name) {
    case 'ce':
      base = 'CE';
      break;
    case 'dice':
      base = 'Dice';
      break;
    case 'additive':
      base = 'λ·Dice + (1−λ)·CE';
      details.push(`λ=${formatNumber(parsed.lambda ?? DEFAULT_LAMBDA)}`);
      break;
    case 'ml':
      base = 'ML';
      break;
    case 'caml':
      base = 'CAML';
      if (parsed.r !== undefined) details.push(`r=${formatNumber(parsed.r)}`);
      if (parsed.confidence === 'mean-probability') details.push('p̄=mean probability');
      break;
  }
  // The options of issue 16, when they differ from the paper's setting, so reports tell the runs apart.
  if (parsed.activation === 'sigmoid') details.push('sigmoid');
  if (parsed.ignoreIndex !== undefined) details.push(`ignoreIndex=${parsed.ignoreIndex}`);
  if (parsed.classWeights !== undefined) details.push(`weights=[${parsed.classWeights.map(formatNumber).join(',')}]`);
  if (parsed.name !== 'ce' && parsed.includeBackground === false) details.push('no background');
  if (parsed.name !== 'ce' && parsed.diceReduction === 'image') details.push('image Dice');
  return details.length === 0 ? base : `${base} (${details.join(', ')})`;
}
