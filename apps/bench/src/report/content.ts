/** What a report holds, independent of its format: sections per setting, figures, and notes. */
import type { SettingTable } from './aggregate';
import type { ExperimentSetting } from './experiment';
import { datasetLabel, fractionLabel, modelLabel } from './labels';
import type { PairedTest } from './paired';
import { paperTables } from './paper-tables';

/** A plot (SVG text) or an image (PNG bytes), saved as `file` and embedded in the HTML. */
export interface Figure {
  /** Unique in the report; used for file names and HTML anchors. */
  id: string;
  title: string;
  caption: string;
  /** Path relative to the report folder. */
  file: string;
  kind: 'svg' | 'png';
  data: string | Uint8Array;
  /** For an image grid: the title of each column, shown above it in the HTML. */
  columnTitles?: string[];
}

/** One dataset × model × fraction: its table, its paired tests and its figures. */
export interface SettingSection {
  table: SettingTable;
  tests: PairedTest[];
  figures: Figure[];
}

/** Everything a report shows. */
export interface ReportContent {
  title: string;
  /** Where the records came from, as given. */
  source: string;
  runs: { ok: number; failed: number };
  /** The sweep's settings beside the paper's (the report's header). */
  experiment: ExperimentSetting[];
  sections: SettingSection[];
  /** Figures across settings (mIoU against fraction, loss curves of Fig. 1/2/5). */
  overviewFigures: Figure[];
  /** Anything the reader must know (skipped figures, torn lines repaired, ...). */
  notes: string[];
}

/** `COVID-19 · U-Net · 1/8 training data`. */
export function settingTitle(table: SettingTable): string {
  return `${datasetLabel(table.dataset)} · ${modelLabel(table.model)}${table.variant ? ` (${table.variant})` : ''} · ${fractionLabel(table.fraction)}`;
}

/** Which paper table the paper column of a setting comes from (`Table 1`), or a dash. */
export function paperTableName(table: SettingTable): string {
  const numbers = [...new Set(table.rows.flatMap((row) => (row.paperRow ? [row.paperRow.table] : [])))].sort();
  return numbers.length ? numbers.map((number) => `Table ${number}`).join(', ') : 'not in the paper';
}

/**
 * The sentence above a setting's paired tests: which additive λ they compare against and why — the λ
 * with the highest mean validation mIoU, so the baseline is not picked on the test data it is judged on.
 */
export function pairedTestsIntro(tests: readonly PairedTest[]): string {
  const first = tests[0];
  if (!first) return '';
  return (
    `Paired tests against the dataset-tuned additive loss, λ = ${first.baselineLambda}: the λ with the highest mean ` +
    `validation mIoU in this setting (${first.baselineValidationMeanIoU.toFixed(2)} %), chosen on the validation parts, not on the test parts.`
  );
}

/** The explanation printed above the tables in every format. */
export function tableLegend(): string {
  return (
    'IoU in %, mean ± std over folds × seeds (n = runs). With each of our values, "paper" is the ' +
    "paper's own number for the same dataset, model, training fraction and loss (— where the paper has none). " +
    'Bold: best of the column (ours and the paper separately). Paired tests pair runs by (fold, seed); bold p < 0.05; ' +
    `pp = percentage points of mIoU. The paper's numbers are transcribed in apps/bench/data/paper-tables.json (${paperTables().notes.length} anomalies of the text noted there).`
  );
}
