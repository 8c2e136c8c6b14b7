/**
 * `tfseg-bench datasets list|check|stats`: what @tfseg/datasets knows, whether a folder holds a complete,
 * readable copy of a dataset (naming every missing or unreadable file), and its size and per-class pixel
 * counts at native resolution.
 */
import { getDataset, listDatasets, type CheckReport, type DatasetName, type DatasetStats } from '@tfseg/datasets';
import type { Command } from 'commander';
import { z } from 'zod';
import { BenchError, CommandOptionsError, exitWithError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './index';

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
  return getDataset(name as DatasetName, { root }).check(root);
}

/** Image count, native size, class names and per-class pixel counts at native resolution. */
export async function runDatasetsStats(options: DatasetsCommandOptions): Promise<DatasetStats> {
  const { name, root } = parse(options);
  return getDataset(name as DatasetName, { root }).stats(root);
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
};
