/**
 * `tfseg-bench datasets list|check|stats|split`: what @tfseg/datasets knows, whether a folder holds a
 * complete, readable copy of a dataset (naming every missing or unreadable file), its size and per-class
 * pixel counts at native resolution, and the protocol's split of one fold.
 */
import { getDataset, listDatasets, splitFold, splitFoldOptionsSchema, type CheckReport, type DatasetStats } from '@tfseg/datasets';
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError, CommandOptionsError, exitWithError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './command';

/** Arguments of `datasets check` and `datasets stats`. */
export const datasetsCommandOptionsSchema = z.object({
  /** A registered dataset name (`tfseg-bench datasets list`). */
  name: z.string().refine((name) => listDatasets().includes(name), { message: `must be one of ${listDatasets().join(', ')}` }),
  /** The dataset folder; default: the dataset's own location (vendored Drosophila, synthetic cache). */
  root: z.string().min(1).optional(),
  json: z.boolean().default(false),
});
/** Arguments accepted by `datasets check` and `datasets stats`. */
export type DatasetsCommandOptions = z.input<typeof datasetsCommandOptionsSchema>;

function parse(options: DatasetsCommandOptions): z.infer<typeof datasetsCommandOptionsSchema> {
  return parseWithSchema(datasetsCommandOptionsSchema, options, 'datasets', CommandOptionsError);
}

/** Validates every file of a dataset folder; the report lists every problem. */
export async function runDatasetsCheck(options: DatasetsCommandOptions): Promise<CheckReport> {
  const { name, root } = parse(options);
  return getDataset(name, { root }).check(root);
}

/** Image count, native size, class names and per-class pixel counts at native resolution. */
export async function runDatasetsStats(options: DatasetsCommandOptions): Promise<DatasetStats> {
  const { name, root } = parse(options);
  return getDataset(name, { root }).stats(root);
}

/** `1/8`, `0.125` or `1` → a number; anything else is left for the schema to reject. */
function fractionText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ratio = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  return ratio ? Number(ratio[1]) / Number(ratio[2]) : value.trim() === '' ? value : Number(value);
}

const integerFlag = (schema: z.ZodNumber) => z.preprocess((value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value), schema);

/** Arguments of `datasets split` (flags arrive as strings; the split's own rules come from @tfseg/datasets). */
export const datasetsSplitOptionsSchema = datasetsCommandOptionsSchema.extend({
  fold: integerFlag(splitFoldOptionsSchema.shape.fold),
  folds: integerFlag(z.number().int().min(2)).optional(),
  fraction: z.preprocess(fractionText, splitFoldOptionsSchema.shape.fraction.unwrap()).default(1),
  /** The run seed: accepted so users can see that it changes nothing. */
  seed: integerFlag(z.number().int().nonnegative()).optional(),
  splitSeed: integerFlag(splitFoldOptionsSchema.shape.splitSeed.unwrap()).optional(),
});
/** Arguments accepted by `datasets split`. */
export type DatasetsSplitOptions = z.input<typeof datasetsSplitOptionsSchema>;

/** The group ids (image / slice / child, as the dataset names them) of one fold's three parts. */
export interface DatasetSplit {
  train: string[];
  validation: string[];
  test: string[];
}

/**
 * The protocol's split of one fold at one training fraction, as group ids. The run seed (`seed`) is
 * accepted and ignored: splits depend on (dataset, folds, fold, fraction, splitSeed) only.
 */
export async function runDatasetsSplit(options: DatasetsSplitOptions): Promise<DatasetSplit> {
  const { name, root, fold, folds, fraction, splitSeed } = parseWithSchema(datasetsSplitOptionsSchema, options, 'datasets split', CommandOptionsError);
  const dataset = await getDataset(name).load(root === undefined ? {} : { root });
  const { groups } = splitFold(dataset, { fold, fraction, ...(folds === undefined ? {} : { folds }), ...(splitSeed === undefined ? {} : { splitSeed }) });
  return groups;
}

/** A split as text: one line per part, `part (count): ids…`. */
export function formatDatasetSplit(split: DatasetSplit): string {
  return (['train', 'validation', 'test'] as const).map((part) => `${part} (${split[part].length}): ${split[part].join(' ')}`).join('\n');
}

/** Stats as aligned text: one header line, then one line per class with its share of the pixels. */
export function formatDatasetStats(stats: DatasetStats): string {
  const total = stats.pixelCounts.reduce((sum, count) => sum + count, 0);
  const width = Math.max(5, ...stats.classes.map((name) => name.length));
  const lines = stats.classes.map((name, i) => {
    const count = stats.pixelCounts[i] ?? 0;
    return `  ${name.padEnd(width)}  ${count.toLocaleString('en-US').padStart(14)}  ${((100 * count) / (total || 1)).toFixed(2).padStart(6)} %`;
  });
  const size = stats.height === undefined || stats.width === undefined ? 'of different sizes' : `of ${stats.width}x${stats.height}`;
  return [`${stats.name}: ${stats.images} images ${size}`, ...lines].join('\n');
}

/** The flags `check` and `stats` share. */
function withDatasetFlags(command: Command, json: string): Command {
  return command.option('--root <dir>', "dataset folder (default: the dataset's own location)").option('--json', json);
}

export const registerDatasetsCommand: RegisterCommand = (program) => {
  const datasets = program.command('datasets').description('List, check and count the datasets of @tfseg/datasets');
  datasets
    .command('list')
    .description('Every registered dataset name')
    .action(() => {
      process.stdout.write(`${listDatasets().join('\n')}\n`);
    });
  withDatasetFlags(datasets.command('check <name>'), 'print the report as JSON')
    .description('Validate a dataset folder, naming every missing or unreadable file (exit 2 if any)')
    .action(async (name: string, flags: { root?: string; json?: boolean }) => {
      try {
        const report = await runDatasetsCheck({ name, ...flags });
        if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
        if (report.problems.length > 0) {
          if (!flags.json) for (const problem of report.problems) process.stderr.write(`${problem}\n`);
          throw new BenchError(`datasets check: ${report.problems.length} problem(s) in ${report.root}`);
        }
        if (!flags.json) process.stdout.write(`${report.name}: ok, ${report.filesChecked} files checked in ${report.root}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
  withDatasetFlags(datasets.command('stats <name>'), 'print JSON: {name, images, height, width, classes, pixelCounts}')
    .description('Image count, native size and per-class pixel counts at native resolution')
    .action(async (name: string, flags: { root?: string; json?: boolean }) => {
      try {
        const stats = await runDatasetsStats({ name, ...flags });
        process.stdout.write(`${flags.json ? JSON.stringify(stats) : formatDatasetStats(stats)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
  withDatasetFlags(datasets.command('split <name>'), 'print JSON: {train, validation, test} group ids')
    .description("The protocol's split of one fold: group ids (image / slice / child) of its training, validation and test parts")
    .requiredOption('--fold <k>', '0-based fold')
    .option('--folds <n>', "number of folds (default: the dataset's protocol, 5)")
    .option('--fraction <f>', 'training fraction: 1, 1/2, 1/4, 1/8 or a decimal (default 1)')
    .option('--seed <s>', 'a run seed: accepted to show that it changes nothing (splits depend on the split seed only)')
    .option('--split-seed <s>', 'the protocol split seed (default 0, the config key `splitSeed`)')
    .action(async (name: string, flags: { root?: string; json?: boolean; fold: string; folds?: string; fraction?: string; seed?: string; splitSeed?: string }) => {
      try {
        const split = await runDatasetsSplit({ name, ...flags });
        process.stdout.write(`${flags.json ? JSON.stringify(split) : formatDatasetSplit(split)}\n`);
      } catch (error) {
        exitWithError(error);
      }
    });
};
