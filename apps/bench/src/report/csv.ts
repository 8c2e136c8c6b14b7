/**
 * The CSV report: one row per dataset × model (and its variant) × fraction × loss with n, mIoU and per-class IoU
 * (mean and std, percent) and the paper's mIoU, for spreadsheets and further analysis.
 */
import type { Cell, SettingTable } from './aggregate';
import { additiveLambda, camlR } from './losses';

/** Renders every table as CSV rows; class columns are the union of all datasets' classes (empty where absent). */
export function renderCsv(tables: readonly SettingTable[]): string {
  const classNames = [...new Set(tables.flatMap((table) => table.classNames))];
  const header = [
    'dataset', 'model', 'variant', 'fraction', 'loss', 'lambda', 'r', 'n', 'failed',
    'miou_mean', 'miou_std', 'paper_miou_mean', 'paper_miou_std', 'paper_table',
    ...classNames.flatMap((name) => [`${name}_mean`, `${name}_std`]),
  ];
  const rows = tables.flatMap((table) =>
    table.rows.map((row) => {
      const classCells = classNames.flatMap((name) => {
        const index = table.classNames.indexOf(name);
        return index < 0 ? ['', ''] : ours(row.classIoU[index]!);
      });
      return [
        table.dataset, table.model, table.variant, String(table.fraction), row.loss.name,
        String(additiveLambda(row.loss) ?? ''),
        String(camlR(row.loss) ?? ''),
        String(row.runs.length), String(row.failed),
        ...ours(row.meanIoU),
        row.meanIoU.paper ? String(row.meanIoU.paper.mean) : '',
        row.meanIoU.paper ? String(row.meanIoU.paper.std) : '',
        row.paperRow ? String(row.paperRow.table) : '',
        ...classCells,
      ];
    }),
  );
  return [header, ...rows].map((cells) => cells.map(quote).join(',')).join('\n') + '\n';
}

/** Mean and std with 4 decimals; std is empty for a single run (no spread to estimate). */
function ours(cell: Cell): [string, string] {
  if (!cell.ours) return ['', ''];
  return [cell.ours.mean.toFixed(4), cell.ours.n < 2 ? '' : cell.ours.std.toFixed(4)];
}

/**
 * One cell: a text that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
 * carriage return, e.g. a dataset named `=HYPERLINK(…)`) gets a leading `'` (OWASP's CSV-injection rule;
 * our numbers are never negative, so no number is touched), then RFC 4180 quoting where needed.
 */
export function csvCell(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const quote = csvCell;
