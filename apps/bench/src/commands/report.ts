/** `tfseg-bench report RESULTS.jsonl [--out DIR]`: Markdown, CSV and HTML report of a results file. */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { BenchError, CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { writeReport } from '../report/index';
import { latestRecords, readResults } from '../results/store';
import type { RegisterCommand } from './command';

/** Options of the `report` command. */
export const reportCommandOptionsSchema = z.object({
  /** The results file (JSON Lines) written by `run`. */
  results: z.string().min(1),
  /** Output folder; default `<results basename>-report/` next to the results file. */
  out: z.string().min(1).optional(),
});
export type ReportCommandOptions = z.infer<typeof reportCommandOptionsSchema>;

/** The default report folder: `results/quick.jsonl` → `results/quick-report`. */
export function defaultReportDir(resultsFile: string): string {
  return join(dirname(resultsFile), `${basename(resultsFile, extname(resultsFile))}-report`);
}

/** Reads the results file, writes the report and returns the written paths. */
export async function runReportCommand(input: { results: string; out?: string | undefined }): Promise<string[]> {
  const parsed = parseWithSchema(reportCommandOptionsSchema, input, 'report', CommandOptionsError);
  const resultsFile = resolve(parsed.results);
  if (!existsSync(resultsFile)) throw new BenchError(`report: results file ${parsed.results} does not exist (expected the JSONL file written by \`tfseg-bench run\`)`);
  const { records, invalidLines, tornTail } = readResults(resultsFile);
  const notes = [
    ...(invalidLines.length ? [`Skipped ${invalidLines.length} line(s) of the results file that are not valid records: ${invalidLines.slice(0, 10).join(', ')}.`] : []),
    ...(tornTail ? ['The results file ends in a torn line (a run cut off mid-write); it was ignored.'] : []),
  ];
  const { files } = await writeReport({
    records: latestRecords(records),
    outDir: parsed.out ?? defaultReportDir(resultsFile),
    resultsDir: dirname(resultsFile),
    source: parsed.results,
    notes,
  });
  return files;
}

/** Registers `report`. */
export const registerReportCommand: RegisterCommand = (program) => {
  program
    .command('report')
    .description('Write report.md, report.csv and a self-contained report.html (paper tables beside ours, paired tests, plots)')
    .argument('<results>', 'results JSONL file written by `tfseg-bench run`')
    .option('--out <dir>', 'output folder (default: <results basename>-report next to the results file)')
    .option('--json', 'print the written files as JSON on stdout')
    .action(async (results: string, options: { out?: string; json?: boolean }) => {
      const files = await runReportCommand({ results, out: options.out });
      const html = files.find((file) => file.endsWith('report.html'));
      if (options.json === true) process.stdout.write(`${JSON.stringify({ html: html ?? null, files }, null, 2)}\n`);
      else process.stdout.write(`Wrote ${files.length} files; open ${html ?? files[0] ?? '(none)'}\n`);
    });
};
