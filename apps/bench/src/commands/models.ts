/**
 * `tfseg-bench models [--in-channels N] [--classes C] [--size S] [--json]`: every architecture and preset
 * of @tfseg/models with its parameter count and forward GFLOPs per image, to pick a preset for a machine.
 */
import { listModels } from '@tfseg/models';
import { z } from 'zod';
import { CommandOptionsError, exitWithError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './command';

/** Options of the `models` command (strings from the command line are coerced). */
export const modelsCommandOptionsSchema = z.object({
  /** Input channels the models are sized for. */
  inChannels: z.coerce.number().int().positive().default(1),
  /** Output classes, background included. */
  classes: z.coerce.number().int().min(2).default(2),
  /** Input height and width in pixels (multiple of 32 so every model accepts it). */
  size: z.coerce.number().int().positive().default(256),
  json: z.boolean().default(false),
});
/** Options of the `models` command as commander passes them (strings). */
export type ModelsCommandOptions = z.input<typeof modelsCommandOptionsSchema>;

/** One line of the listing. */
export interface ModelsRow {
  name: string;
  preset: string;
  /** Every stored weight (tfjs `countParams()`, batch-norm statistics included). */
  params: number;
  /** Trainable weights only (PyTorch's count). */
  trainableParams: number;
  /** Forward GFLOPs per image (multiply-add = 2 FLOPs). */
  gflops: number;
}

/** Parses the options and lists every model and preset. */
export function runModelsCommand(options: ModelsCommandOptions): ModelsRow[] {
  const { inChannels, classes, size } = parseWithSchema(modelsCommandOptionsSchema, options, 'models', CommandOptionsError);
  return listModels({ inChannels, numClasses: classes, inputSize: size }).map((model) => ({
    name: model.name,
    preset: model.preset,
    params: model.parameters,
    trainableParams: model.trainableParameters,
    gflops: Math.round(model.flops / 1e7) / 100,
  }));
}

/** The rows as an aligned text table. */
export function formatModelsTable(rows: ModelsRow[]): string {
  const header = ['model', 'preset', 'parameters', 'GFLOPs/image'];
  const cells = rows.map((row) => [row.name, row.preset, row.params.toLocaleString('en-US'), row.gflops.toFixed(2)]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] as string).length)));
  const format = (line: string[]): string => line.map((cell, column) => (column < 2 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ');
  return [format(header), ...cells.map(format)].join('\n');
}

/** Registers `tfseg-bench models`. */
export const registerModelsCommand: RegisterCommand = (program) => {
  program
    .command('models')
    .description('Every model and preset with its parameter count and forward GFLOPs per image')
    .option('--in-channels <count>', 'input channels', '1')
    .option('--classes <count>', 'output classes', '2')
    .option('--size <pixels>', 'input height and width (a multiple of 32)', '256')
    .option('--json', 'print a JSON array')
    .action((options: ModelsCommandOptions) => {
      try {
        const rows = runModelsCommand(options);
        process.stdout.write(options.json ? `${JSON.stringify(rows)}\n` : `${formatModelsTable(rows)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
};
