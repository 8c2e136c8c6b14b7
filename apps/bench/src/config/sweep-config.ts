/**
 * The sweep config: the axes of an experiment (datasets × models × losses × fractions × folds × seeds) and
 * the settings shared by every run. This zod schema is the single source of its type; a config file (JSON
 * or YAML) or a preset is parsed once here, and the rest of the bench trusts the typed value.
 */
import { prepareFoldOptionsSchema, splitFoldOptionsSchema } from '@tfseg/datasets';
import { additiveSpecSchema, camlSpecSchema, crossEntropySpecSchema, diceSpecSchema, multiplicativeSpecSchema } from '@tfseg/losses';
import { initNameSchema, modelNameSchema, modelOptionsSchema, presetNameSchema } from '@tfseg/models';
import { adamOptionsSchema, backendNameSchema, MAX_WASM_THREADS, selectBackendOptionsSchema, wasmThreadsSchema, type BackendName } from '@tfseg/training';
import { z } from 'zod';
import { BenchError } from '../errors';
import { parseWithSchema } from '../tfseg-error';

const threadsRule = `must be auto or a whole number from 1 to ${MAX_WASM_THREADS}`;
/** `--threads <n|auto>` as commander hands it over (a string). */
export const threadsFlagSchema = z.union(
  [z.literal('auto'), z.coerce.number({ error: threadsRule }).int({ error: threadsRule }).min(1, { error: threadsRule }).max(MAX_WASM_THREADS, { error: threadsRule })],
  { error: threadsRule },
);

/**
 * One entry of `losses`: @tfseg/losses' own spec (every option it accepts: `activation`, `classWeights`,
 * `ignoreIndex`, `includeBackground`, `diceReduction`, `epsilon`, `smooth`, ...), except that `additive`
 * takes one λ or a list of them (one run per λ, eq. 1) and `caml` an optional constant `r` or a list (the
 * Table 4 ablation; without `r` it is erratum eq. 13). `fromLogits` is left out: the bench's models end in
 * their probabilities (softmax or sigmoid).
 */
const lambdaAxis = additiveSpecSchema.shape.lambda.unwrap();
const rAxis = camlSpecSchema.shape.r.unwrap();
const noLogits = { fromLogits: true } as const;
export const sweepLossSchema = z.discriminatedUnion('name', [
  crossEntropySpecSchema.omit(noLogits),
  diceSpecSchema.omit(noLogits),
  multiplicativeSpecSchema.omit(noLogits),
  additiveSpecSchema.omit(noLogits).extend({ lambda: z.union([lambdaAxis, z.array(lambdaAxis).min(1, 'must list at least one λ')]) }),
  camlSpecSchema.omit(noLogits).extend({ r: z.union([rAxis, z.array(rAxis).min(1, 'must list at least one r')]).optional() }),
]);
/** One `losses` entry as parsed. */
export type SweepLoss = z.infer<typeof sweepLossSchema>;

/** A dataset by its @tfseg/datasets name, optionally with the folder its files are in. */
export const sweepDatasetSchema = z.union([
  z.string().min(1),
  z.strictObject({
    name: z.string().min(1),
    /** Folder of the dataset's files; not part of a run's identity (the same data may live anywhere). */
    root: z.string().min(1).optional(),
  }),
]);

/**
 * A model by its @tfseg/models name and preset (`paper`, `small`, `tiny`), optionally with the preset's
 * width (`baseWidth`) or batch normalization (`batchNorm`) overridden — the paper's plain U-Net at any
 * width is `{ name: unet, preset: paper, baseWidth: 16 }` — and its weight initialisation (`init`: `he`
 * by default, `torch` for torch.nn's). Every field is @tfseg/models' own.
 */
export const sweepModelSchema = z.strictObject({
  name: modelNameSchema,
  preset: presetNameSchema,
  baseWidth: modelOptionsSchema.shape.baseWidth,
  batchNorm: modelOptionsSchema.shape.batchNorm,
  init: initNameSchema.optional(),
});

/**
 * Parameters of the data protocol, passed to @tfseg/datasets' `prepareFold`: its own options, picked.
 * `scale` stays optional without prepareFold's default, so a config that omits it records no `scale`
 * (run ids hash what the config says).
 */
export const dataProtocolSchema = prepareFoldOptionsSchema
  .pick({ trainPatches: true, validationGroups: true })
  .extend({ scale: prepareFoldOptionsSchema.shape.scale.removeDefault().optional() })
  .strict();
/** The data-protocol parameters of a sweep and of each run. */
export type DataProtocol = z.infer<typeof dataProtocolSchema>;

/**
 * Why fused multiply-adds cannot be asked for on `backend`, or undefined on wasm (the only backend that
 * has them: they are a build of tfseg's native wasm kernels). The config, `run --fma`, `train --fma` and
 * `speed --fma` all say it in these words.
 */
export function fusedMultiplyAddBackendProblem(backend: BackendName): string | undefined {
  return backend === 'wasm' ? undefined : `needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is ${JSON.stringify(backend)}`;
}

/**
 * The schemas' one refinement for it: an issue at `path`, its message prefixed with `label` (the flag a
 * command line says, e.g. `--fma `), when fused multiply-adds are `requested` on a backend other than wasm.
 */
export function refineFusedMultiplyAddBackend(context: z.RefinementCtx, requested: boolean | undefined, backend: BackendName, path: string, label = ''): void {
  const problem = requested === true ? fusedMultiplyAddBackendProblem(backend) : undefined;
  if (problem !== undefined) context.addIssue({ code: 'custom', path: [path], message: `${label}${problem}` });
}

const fractionSchema = z.number().gt(0, 'must be > 0').max(1, 'must be ≤ 1');

/** A whole sweep. Every list is an axis; the runs are their cartesian product. */
export const sweepConfigSchema = z
  .strictObject({
    /** A name for logs and reports. */
    name: z.string().min(1).default('sweep'),
    /** One-line description, shown before the sweep starts. */
    description: z.string().optional(),
    datasets: z.array(sweepDatasetSchema).min(1, 'must list at least one dataset'),
    models: z.array(sweepModelSchema).min(1, 'must list at least one model'),
    losses: z.array(sweepLossSchema).min(1, 'must list at least one loss'),
    /** Training fractions in (0, 1] (the paper: 1, 1/2, 1/4, 1/8); nested subsets of the training set. */
    fractions: z.array(fractionSchema).min(1).default([1]),
    /** k of the k-fold cross-validation (the paper: 5). */
    folds: z.number().int().min(2, 'must be ≥ 2').max(1000, 'must be ≤ 1000').default(5),
    /** Which folds of the k to run (0-based); all k when omitted. */
    foldIndices: z.array(z.number().int().nonnegative()).min(1).optional(),
    /**
     * Seeds; each (fold, seed) is one independent run per setting (the paper: 3 initialisations per fold).
     * A seed drives initialisation, batch order and augmentation only; every seed sees the same split.
     */
    seeds: z.array(z.number().int().nonnegative()).min(1).default([0]),
    /**
     * Seed of the folds, validation parts and nested reduced training sets — part of the protocol, shared
     * by every run (default: @tfseg/datasets' PROTOCOL_SPLIT_SEED, 0). Change it to repeat the experiment on another split.
     */
    splitSeed: splitFoldOptionsSchema.shape.splitSeed,
    /** Square patch size in pixels fed to the model (the paper: 256). */
    imageSize: z.number().int().positive().max(8192, 'must be ≤ 8192'),
    epochs: z.number().int().positive().max(100_000, 'must be ≤ 100000'),
    /**
     * Optimisation steps per epoch: passes over the (reshuffled) training set run into each other, or are
     * cut, to this many full batches (@tfseg/datasets' `stepsPerEpoch`), so reduced training fractions get
     * as many steps of as many patches as the full set. One pass when omitted.
     */
    stepsPerEpoch: z.number().int().positive().max(10_000_000, 'must be ≤ 10000000').optional(),
    batchSize: z.number().int().positive().max(4096, 'must be ≤ 4096').default(4),
    learningRate: z.number().positive().default(1e-3),
    /** Adam's ε (@tfseg/training's `optimizer.epsilon`): Keras' 1e-7 when omitted; PyTorch's is 1e-8. */
    adamEpsilon: adamOptionsSchema.shape.epsilon.unwrap().optional(),
    backend: backendNameSchema.default('auto'),
    data: dataProtocolSchema.default({}),
    /** Test patches saved per run for qualitative overlays (Fig. 3/4 style); 0 saves none. */
    samplesPerRun: z.number().int().nonnegative().default(4),
    /** Worker processes by default (`--workers` overrides); not part of any run's identity. */
    workers: z.number().int().positive().default(1),
    /**
     * Threads of the wasm backend per worker process (`--threads` overrides): a count, or `auto`
     * for the available cores shared out among the workers. Not part of any run's identity: results are
     * bit-identical for every count.
     */
    threads: wasmThreadsSchema.default('auto'),
    /**
     * Train with fused multiply-adds (@tfseg/training's `fusedMultiplyAdd`; `run --fma` sets it): wasm only,
     * off by default. Faster on CPUs with FMA, but the results differ from the default's in the last bits
     * and between machines, so it is part of every run's identity (`fusedMultiplyAdd: true` in the run
     * config, hence other run ids), and keeps these runs apart from exact ones on resume, merge and in reports.
     */
    fusedMultiplyAdd: selectBackendOptionsSchema.shape.fusedMultiplyAdd,
  })
  .superRefine((config, context) => {
    refineFusedMultiplyAddBackend(context, config.fusedMultiplyAdd, config.backend, 'fusedMultiplyAdd');
    config.foldIndices?.forEach((fold, index) => {
      if (fold >= config.folds) {
        context.addIssue({
          code: 'custom',
          path: ['foldIndices', index],
          message: `must be < folds (${config.folds}), but got ${fold}`,
        });
      }
    });
  });

/** A parsed, validated sweep config. */
export type SweepConfig = z.infer<typeof sweepConfigSchema>;
/** A sweep config as written in a file (defaults not yet applied). */
export type SweepConfigInput = z.input<typeof sweepConfigSchema>;

/** Thrown for an invalid config; the message names the field (`config.losses[2].lambda: must be ≤ 1`). */
export class ConfigError extends BenchError {
  static override readonly marker: symbol = Symbol.for('tfseg.bench.config-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }

  /** `<where>.<field>: <rule>` for the first issue, `where` being the config's name (`config.losses[2].lambda: …`). */
  static override formatZodError(error: z.ZodError, where: string): string {
    const issue = error.issues[0];
    if (issue === undefined) return `${where}: invalid`;
    const message = issue.code === 'unrecognized_keys' ? `unknown key ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}` : issue.message;
    return `${formatPath(where, issue.path)}: ${message}`;
  }
}

/** `['losses', 2, 'lambda']` → `config.losses[2].lambda`. */
function formatPath(source: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    source,
  );
}

/**
 * Validates a raw config object (from JSON, YAML or a preset). Throws a {@link ConfigError} whose message
 * names the first bad field and the rule, with the ZodError as `cause`.
 */
export function parseSweepConfig(raw: unknown, source = 'config'): SweepConfig {
  return parseWithSchema(sweepConfigSchema, raw, source, ConfigError);
}
