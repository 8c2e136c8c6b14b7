/**
 * Reports of a sweep: Markdown, CSV and a self-contained HTML page with the paper's Tables 1–4 layout,
 * the paper's own numbers beside ours, paired tests of ML and CAML against the best additive λ, plots
 * and qualitative overlays. `tfseg-bench report` and `tfseg-bench run` both call {@link writeReport}.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '@tfseg/training';
import { z } from 'zod';
import { BenchError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { runRecordSchema } from '../results/record';
import { aggregateRecords } from './aggregate';
import type { Figure, ReportContent, SettingSection } from './content';
import { renderCsv } from './csv';
import { fractionPlots, lossCurveFigures, overlayFigure, settingPlots } from './figures';
import { renderHtml } from './html';
import { renderMarkdown } from './markdown';
import { describeExperiment } from './experiment';
import { pairedTests } from './paired';

/** Options of {@link writeReport}. */
export const writeReportOptionsSchema = z.object({
  /** The runs to report (each run once; see `latestRecords`). Failed runs are counted, not averaged. */
  records: z.array(runRecordSchema),
  /** Folder to write `report.md`, `report.csv`, `report.html`, `plots/` and `overlays/` into (created). */
  outDir: z.string().min(1),
  /** Folder of the results file: the runs' `samplesFile` paths are relative to it. */
  resultsDir: z.string().min(1),
  /** Shown as the report's source (default: the results folder). */
  source: z.string().optional(),
  /** Report title. */
  title: z.string().default('tfseg-bench report'),
  /** Draw Fig. 1 and Fig. 2/5 from the loss code (default true). */
  lossCurves: z.boolean().default(true),
  /** Notes shown at the top of the report (e.g. lines of the results file that were skipped). */
  notes: z.array(z.string()).default([]),
});
/** Options of {@link writeReport}. */
export type WriteReportOptions = z.input<typeof writeReportOptionsSchema>;

/**
 * Writes the report of a set of runs: `report.md`, `report.csv`, `report.html` (self-contained) and the
 * figures as files (`plots/*.svg`, `overlays/*.png`), each replaced atomically (a failure throws a
 * `FileWriteError` naming the file and leaves its previous version). Returns the paths written.
 */
export async function writeReport(options: WriteReportOptions): Promise<{ files: string[] }> {
  const parsed = parseWithSchema(writeReportOptionsSchema, options, 'writeReport', BenchError);
  const { records, outDir, resultsDir, title, lossCurves } = parsed;
  const content = await buildReportContent(records, resultsDir, parsed.source ?? resultsDir, title, lossCurves);
  content.notes.unshift(...parsed.notes);
  const outputs: [string, string | Uint8Array][] = [
    ['report.md', renderMarkdown(content)],
    ['report.csv', renderCsv(content.sections.map((section) => section.table))],
    ['report.html', renderHtml(content)],
    ...[...content.sections.flatMap((section) => section.figures), ...content.overviewFigures].map((figure): [string, string | Uint8Array] => [figure.file, figure.data]),
  ];
  const files: string[] = [];
  for (const [name, data] of outputs) {
    const path = join(outDir, name);
    // Each file replaced atomically: a full disk leaves the previous report file, never a torn one.
    writeFileAtomic(path, data);
    files.push(path);
  }
  return { files };
}

/** Aggregates the records and renders every figure: the format-independent report. */
export async function buildReportContent(records: z.infer<typeof runRecordSchema>[], resultsDir: string, source: string, title: string, withLossCurves: boolean): Promise<ReportContent> {
  const tables = aggregateRecords(records);
  const notes: string[] = [];
  const sections: SettingSection[] = [];
  for (const table of tables) {
    const figures: Figure[] = await settingPlots(table);
    const overlay = await overlayFigure(table, resultsDir);
    if (typeof overlay === 'string') notes.push(overlay);
    else if (overlay) figures.push(overlay);
    sections.push({ table, tests: pairedTests(table), figures });
  }
  const overviewFigures = [...(await fractionPlots(tables)), ...(withLossCurves ? await lossCurveFigures() : [])];
  const failed = records.filter((record) => record.status === 'failed').length;
  if (records.length === 0) notes.push('The results file holds no runs.');
  return { title, source, runs: { ok: records.length - failed, failed }, experiment: describeExperiment(records), sections, overviewFigures, notes };
}

export { aggregateRecords, type Cell, type LossRow, type SettingTable, type Summary } from './aggregate';
export { pairedTests, type PairedTest } from './paired';
export { findPaperRow, paperTables, paperTablesSchema, type PaperRow, type PaperTables } from './paper-tables';
