/**
 * `tfseg-bench speed [--model unet|transunet|convformer-unet] [--preset P] [--batch-norm|--no-batch-norm]
 * [--backend B] [--threads N|auto] [--fma] [--size 64] [--width W] [--batch 4] [--steps N] [--json]`: the median
 * training-step time (1 input channel, 2 classes, ML loss, Adam; the step of `train()`) of the model a
 * user trains. Without `--preset` it times the plain U-Net (width 8, no batch norm) as before; with one,
 * that preset's width and batch norm unless `--width` or `--batch-norm`/`--no-batch-norm` override them.
 * `--json` prints the measured figures and the device that ran them (its `multiplyAdd` says whether
 * `--fma` really fused), not the PyTorch comparison, which lives in the benchmark scripts.
 */
import { buildModel, CONVFORMER_UNET_PRESETS, modelOptionsSchema, TRANSUNET_PRESETS, UNET_PRESETS, type ModelName, type PresetName } from '@tfseg/models';
import { backendNameSchema, measureTrainingStep, selectBackend, selectBackendOptionsSchema, type TrainingDevice } from '@tfseg/training';
import { z } from 'zod';
import { refineFusedMultiplyAddBackend, threadsFlagSchema } from '../config/sweep-config';
import { CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './command';

const positiveInteger = z.coerce.number().int().positive();

/** Options of the `speed` command (strings from the command line are coerced). */
export const speedCommandOptionsSchema = z
  .object({
    /** Architecture (the models package's names). */
    model: modelOptionsSchema.shape.name.default('unet'),
    /** Size preset; omitted: the plain U-Net of earlier versions (preset `tiny`, width 8, no batch norm). */
    preset: modelOptionsSchema.shape.preset.unwrap().optional(),
    /** Batch norm on or off (default: the preset's; off without a preset). */
    batchNorm: z.boolean().optional(),
    backend: backendNameSchema.default('auto'),
    /** Threads of the wasm backend (`auto`: one per available core). */
    threads: threadsFlagSchema.default('auto'),
    /** `--fma`: time the step with fused multiply-adds (@tfseg/training's `fusedMultiplyAdd`; wasm only). */
    fma: selectBackendOptionsSchema.shape.fusedMultiplyAdd,
    /** Patch height and width. */
    size: positiveInteger.default(64),
    /** Base width (the preset's `baseWidth`: U-Net's first level, the decoder's narrowest otherwise); default: the preset's, 8 without one. */
    width: positiveInteger.optional(),
    batch: positiveInteger.default(4),
    /** Timed steps; the median is printed. */
    steps: positiveInteger.default(10),
    /** Untimed steps first. */
    warmup: z.coerce.number().int().nonnegative().default(2),
    json: z.boolean().default(false),
  })
  .superRefine((options, context) => refineFusedMultiplyAddBackend(context, options.fma, options.backend, 'fma', '--fma '));
export type SpeedCommandOptions = z.input<typeof speedCommandOptionsSchema>;

/** The printed result (`--json` prints exactly this). */
export interface SpeedResult {
  model: ModelName;
  preset: PresetName;
  batchNorm: boolean;
  /** Trainable and non-trainable weights of the timed model. */
  parameters: number;
  backend: string;
  /** Threads of the wasm backend; 1 for the other backends. */
  threads: number;
  /** The device that ran the steps, as run records store it (`multiplyAdd`: the wasm kernels' arithmetic). */
  device: TrainingDevice;
  size: number;
  width: number;
  batch: number;
  steps: number;
  medianStepMs: number;
}

const PRESETS = { unet: UNET_PRESETS, transunet: TRANSUNET_PRESETS, 'convformer-unet': CONVFORMER_UNET_PRESETS } as const;

/** The model a speed run times: the preset's width and batch norm unless overridden; the plain U-Net without a preset. */
function timedModel(options: { model: ModelName; preset?: PresetName | undefined; width?: number | undefined; batchNorm?: boolean | undefined }): { preset: PresetName; width: number; batchNorm: boolean } {
  const preset = options.preset ?? 'tiny';
  const defaults = options.preset === undefined ? { baseWidth: 8, batchNorm: false } : PRESETS[options.model][preset];
  return { preset, width: options.width ?? defaults.baseWidth, batchNorm: options.batchNorm ?? defaults.batchNorm };
}

/** Selects the backend, builds the model and times its training step. */
export async function runSpeedCommand(options: SpeedCommandOptions): Promise<SpeedResult> {
  const parsed = parseWithSchema(speedCommandOptionsSchema, options, 'speed', CommandOptionsError);
  const { model: name, size, batch, steps, warmup } = parsed;
  const { preset, width, batchNorm } = timedModel(parsed);
  const selection = await selectBackend(parsed.backend, { threads: parsed.threads, ...(parsed.fma === true ? { fusedMultiplyAdd: true } : {}) });
  const model = buildModel({ name, preset, inChannels: 1, numClasses: 2, inputSize: size, baseWidth: width, batchNorm, seed: 0 });
  try {
    const timing = await measureTrainingStep({ model, loss: { name: 'ml' }, numClasses: 2, batchSize: batch, steps, warmupSteps: warmup });
    const medianStepMs = Math.round(timing.medianStepMs * 10) / 10;
    return { model: name, preset, batchNorm, parameters: model.countParams(), backend: selection.backend, threads: selection.threads, device: selection.device, size, width, batch, steps, medianStepMs };
  } finally {
    model.dispose();
  }
}

/**
 * What the wasm kernels' arithmetic was, when it is not the default's: fused, or asked for (`--fma`) on a
 * CPU that does not fuse (relaxed SIMD's multiply-add then computes the default's bits).
 */
export function arithmeticNote(device: TrainingDevice, requested: boolean): string {
  if (device.multiplyAdd === 'fused') return ', fused multiply-adds';
  return requested ? ', --fma asked for, but this CPU does not fuse: the default arithmetic' : '';
}

/** Registers `speed`. */
export const registerSpeedCommand: RegisterCommand = (program) => {
  program
    .command('speed')
    .description('Median training-step time of a model (ML loss, Adam) on a backend; the plain U-Net by default')
    .option('--model <name>', `architecture: ${modelOptionsSchema.shape.name.options.join(', ')}`, 'unet')
    .option('--preset <name>', `size preset: ${modelOptionsSchema.shape.preset.unwrap().options.join(', ')} (default: the plain U-Net, width 8, no batch norm)`)
    .option('--batch-norm', "batch norm on (default: the preset's)")
    .option('--no-batch-norm', 'batch norm off')
    .option('--backend <name>', `backend: ${backendNameSchema.options.join(', ')}`, 'auto')
    .option('--threads <n|auto>', 'wasm threads (auto: one per core)', 'auto')
    .option('--fma', 'fused multiply-adds (wasm only; faster on CPUs with FMA, results differ in the last bits)')
    .option('--size <pixels>', 'patch height and width', '64')
    .option('--width <filters>', "base width (default: the preset's; 8 without one)")
    .option('--batch <patches>', 'batch size', '4')
    .option('--steps <count>', 'timed steps (after the warm-up)', '10')
    .option('--warmup <count>', 'untimed warm-up steps', '2')
    .option('--json', 'print one JSON line')
    .action(async (options: Record<string, string | boolean>) => {
      const result = await runSpeedCommand(options as SpeedCommandOptions);
      process.stdout.write(
        options.json
          ? `${JSON.stringify(result)}\n`
          : `${result.backend}${result.backend === 'wasm' ? ` (${result.threads} thread${result.threads === 1 ? '' : 's'}${arithmeticNote(result.device, options.fma === true)})` : ''}: ${result.model} ${result.preset}${options.preset === undefined ? ' (plain)' : ''}, ${result.size}×${result.size}, base width ${result.width}, ${result.batchNorm ? 'batch norm' : 'no batch norm'}, ${result.parameters} parameters, batch ${result.batch}: median ${result.medianStepMs} ms per training step (${result.steps} steps)\n`,
      );
    });
};
