/**
 * The report's tables as plain grids of text cells, so the Markdown and HTML writers lay out exactly
 * the same content: the paper's Tables 1–4 with a paper column beside each of ours, and the paired tests.
 */
import type { Cell, SettingTable } from './aggregate.js';
import { formatDifference, formatPaperValue, formatPValue, formatSummary, MISSING } from './format.js';
import type { PairedTest } from './paired.js';

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
