/**
 * The report's tables as plain grids of text cells, so the Markdown and HTML writers lay out exactly
 * the same content: the paper's Tables 1–4 with a paper column beside each of ours, and the paired tests.
 */
import type { Cell, SettingTable } from './aggregate';
import { formatDifference, formatPaperValue, formatPValue, formatSummary, MISSING } from './format';
import { datasetLabel, fractionRatio, modelLabel } from './labels';
import type { PairedTest } from './paired';

/** One cell: its text, whether it is its column's best (bold), and whether it is the paper's number. */
export interface GridCell {
  text: string;
  bold: boolean;
  paper: boolean;
}

/** A table: header cells and body rows of the same width. */
export interface Grid {
  header: GridCell[];
  rows: GridCell[][];
}

const plain = (text: string): GridCell => ({ text, bold: false, paper: false });

/** Loss, n, then for mIoU and each class: ours (mean ± std) and the paper's, best of each bold. */
export function settingGrid(table: SettingTable): Grid {
  const columns = ['mIoU', ...table.classNames];
  const header = [plain('Loss'), plain('n'), ...columns.flatMap((name) => [plain(name), { ...plain(`${name} (paper)`), paper: true }])];
  const rows = table.rows.map((row) => [
    plain(row.label),
    plain(row.failed > 0 ? `${row.runs.length} (+${row.failed} failed)` : String(row.runs.length)),
    ...[row.meanIoU, ...row.classIoU].flatMap(pairOfCells),
  ]);
  return { header, rows };
}

function pairOfCells(cell: Cell): GridCell[] {
  return [
    { text: formatSummary(cell.ours), bold: cell.best, paper: false },
    { text: formatPaperValue(cell.paper), bold: cell.paperBest, paper: true },
  ];
}

/** One row per paired test: difference, 95% interval, paired t and Wilcoxon p-values. */
export function pairedGrid(tests: readonly PairedTest[]): Grid {
  const header = ['Comparison (mIoU, pp)', 'pairs', 'mean difference', '95% interval', 'paired t: p', 'Wilcoxon: p'].map(plain);
  const rows = tests.map((test) => {
    const name = plain(`${test.proposed} − ${test.baseline}`);
    const comparison = test.comparison;
    if (!comparison) return [name, plain(String(test.pairs)), plain(MISSING), plain(MISSING), plain(test.reason ?? MISSING), plain(test.reason ?? MISSING)];
    const [low, high] = comparison.ci95;
    return [
      name,
      plain(String(comparison.n)),
      plain(formatDifference(comparison.meanDifference)),
      plain(`[${formatDifference(low)}, ${formatDifference(high)}]`),
      { ...plain(formatPValue(comparison.tTest.pValue)), bold: comparison.tTest.pValue < 0.05 },
      { ...plain(formatPValue(comparison.wilcoxon.pValue)), bold: comparison.wilcoxon.pValue < 0.05 },
    ];
  });
  return { header, rows };
}

/**
 * The constant-r ablation laid out like the paper's Table 4: rows r = 1, 2, … then CAML with the Dice
 * exponent; one column per setting that has constant-r runs (mIoU, ours and the paper's), best of each
 * column among these rows bold. Undefined when no run used a constant r.
 */
export function ablationGrid(tables: readonly SettingTable[]): Grid | undefined {
  const settings = tables.filter((table) => table.rows.some((row) => row.loss.name === 'caml' && row.loss.r !== undefined));
  if (settings.length === 0) return undefined;
  const camlRows = settings.flatMap((table) => table.rows.filter((row) => row.loss.name === 'caml'));
  const keys = [...new Set(camlRows.map((row) => row.key))].sort((a, b) => rOf(a) - rOf(b));
  const header = [plain('r'), ...settings.flatMap((table) => {
    const name = `${datasetLabel(table.dataset)} · ${modelLabel(table.model)} · ${fractionRatio(table.fraction)}`;
    return [plain(name), { ...plain(`${name} (paper)`), paper: true }];
  })];
  const columns = settings.map((table) => keys.map((key) => table.rows.find((row) => row.key === key)?.meanIoU));
  const rows = keys.map((key, index) => [
    plain(key === 'caml' ? 'CAML (D)' : String(rOf(key))),
    ...columns.flatMap((column) => {
      const cell = column[index];
      const bestOurs = Math.max(...column.map((entry) => entry?.ours?.mean ?? -Infinity));
      const bestPaper = Math.max(...column.map((entry) => entry?.paper?.mean ?? -Infinity));
      return [
        { text: formatSummary(cell?.ours ?? null), bold: cell?.ours?.mean === bestOurs, paper: false },
        { text: formatPaperValue(cell?.paper ?? null), bold: cell?.paper?.mean === bestPaper, paper: true },
      ];
    }),
  ]);
  return { header, rows };
}

/** The r of a `caml:r=2` key; the dynamic CAML (`caml`) sorts last, as in Table 4. */
function rOf(key: string): number {
  const match = /r=([\d.]+)$/.exec(key);
  return match ? Number(match[1]) : Infinity;
}
