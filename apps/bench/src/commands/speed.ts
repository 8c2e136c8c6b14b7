/**
 * `tfseg-bench speed [--backend B] [--threads N|auto] [--size 64] [--width 8] [--batch 4] [--steps N] [--json]`: the median
 * training-step time of the plain U-Net (1 input channel, 2 classes, no batch norm, ML loss, Adam).
 */
import { buildModel } from '@tfseg/models';
import { backendNameSchema, measureTrainingStep, selectBackend } from '@tfseg/training';
import { z } from 'zod';
import { threadsFlagSchema } from '../config/sweep-config.js';
import { formatZodError } from '../errors.js';
import type { RegisterCommand } from './index.js';

const positiveInteger = z.coerce.number().int().positive();

/** Options of the `speed` command (strings from the command line are coerced). */
export const speedCommandOptionsSchema = z.object({
  backend: backendNameSchema.default('auto'),
  /** Threads of the wasm backend (`auto`: one per available core). */
  threads: threadsFlagSchema.default('auto'),
  /** Patch height and width. */
  size: positiveInteger.default(64),
  /** U-Net base width (filters of the first level). */
  width: positiveInteger.default(8),
  batch: positiveInteger.default(4),
  /** Timed steps; the median is printed. */
  steps: positiveInteger.default(10),
  /** Untimed steps first. */
  warmup: z.coerce.number().int().nonnegative().default(2),
  json: z.boolean().default(false),
});
export type SpeedCommandOptions = z.input<typeof speedCommandOptionsSchema>;

/** The printed result (`--json` prints exactly this). */
export interface SpeedResult {
  backend: string;
  /** Threads of the wasm backend; 1 for the other backends. */
  threads: number;
  size: number;
  width: number;
  batch: number;
  steps: number;
  medianStepMs: number;
}

/** Selects the backend, builds the U-Net and times its training step. */
export async function runSpeedCommand(options: SpeedCommandOptions): Promise<SpeedResult> {
  const parsed = speedCommandOptionsSchema.safeParse(options);
  if (!parsed.success) throw new Error(formatZodError(parsed.error, 'speed'));
  const { size, width, batch, steps, warmup } = parsed.data;
  const selection = await selectBackend(parsed.data.backend, { threads: parsed.data.threads });
  const model = buildModel({ name: 'unet', inChannels: 1, numClasses: 2, inputSize: size, baseWidth: width, batchNorm: false, seed: 0 });
  try {
    const timing = await measureTrainingStep({ model, loss: { name: 'ml' }, numClasses: 2, batchSize: batch, steps, warmupSteps: warmup });
    return { backend: selection.backend, threads: selection.threads, size, width, batch, steps, medianStepMs: Math.round(timing.medianStepMs * 10) / 10 };
  } finally {
    model.dispose();
  }
}

/** Registers `speed`. */
export const registerSpeedCommand: RegisterCommand = (program) => {
  program
    .command('speed')
    .description('Median training-step time of the plain U-Net (ML loss, Adam) on a backend')
    .option('--backend <name>', `backend: ${backendNameSchema.options.join(', ')}`, 'auto')
    .option('--threads <n|auto>', 'wasm threads (auto: one per core)', 'auto')
    .option('--size <pixels>', 'patch height and width', '64')
    .option('--width <filters>', 'U-Net base width', '8')
    .option('--batch <patches>', 'batch size', '4')
    .option('--steps <count>', 'timed steps (after the warm-up)', '10')
    .option('--warmup <count>', 'untimed warm-up steps', '2')
    .option('--json', 'print one JSON line')
    .action(async (options: Record<string, string | boolean>) => {
      const result = await runSpeedCommand(options as SpeedCommandOptions);
      process.stdout.write(
        options.json ? `${JSON.stringify(result)}\n` : `${result.backend}${result.backend === 'wasm' ? ` (${result.threads} thread${result.threads === 1 ? '' : 's'})` : ''}: U-Net ${result.size}×${result.size}, base width ${result.width}, batch ${result.batch}: median ${result.medianStepMs} ms per training step (${result.steps} steps)\n`,
      );
    });
};
