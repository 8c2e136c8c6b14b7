import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPaperRow, paperClassValue, paperTables } from './paper-tables';

/**
 * The paper's text, line by line. The original (outside the repo, beside the checkout) wins when it is
 * there; CI uses the vendored excerpt of the table lines, which must then equal the original.
 */
const PAPER = join(__dirname, '../../../../../shared/paper/multiplicative-loss-paper.txt');
const EXCERPT = join(__dirname, '__fixtures__/paper-tables-excerpt.txt');

function excerptLines(): Map<number, string> {
  const lines = new Map<number, string>();
  for (const entry of readFileSync(EXCERPT, 'utf8').split('\n')) {
    const separator = entry.indexOf('|');
    if (separator > 0) lines.set(Number(entry.slice(0, separator)), entry.slice(separator + 1));
  }
  return lines;
}

function paperLine(number: number): string {
  if (existsSync(PAPER)) return readFileSync(PAPER, 'utf8').split('\n')[number - 1] ?? '';
  return excerptLines().get(number) ?? '';
}

/** Parses every `mean±std` of a line as printed. */
function printedValues(line: string): { mean: number; std: number }[] {
  return [...line.matchAll(/(\d+\.\d+)±(\d+\.\d+)/g)].map((match) => ({ mean: Number(match[1]), std: Number(match[2]) }));
}

/** The line of the paper that starts a table block with this network label and loss label. */
function findLine(prefix: RegExp): string {
  const text = existsSync(PAPER) ? readFileSync(PAPER, 'utf8').split('\n') : [...excerptLines().values()];
  const matches = text.filter((line) => prefix.test(line));
  expect(matches).toHaveLength(1);
  return matches[0]!;
}

describe('paper tables transcription', () => {
  const tables = paperTables();

  it('has one class list per dataset table and the paper class counts (4, 2, 5)', () => {
    const classCounts = Object.fromEntries(tables.tables.map((table) => [table.table, table.classNames.length]));
    expect(classCounts).toEqual({ 1: 4, 2: 2, 3: 5, 4: 0 });
  });

  it('gives every row a table, a row label, a source line, an mIoU in [0, 100] and the table’s class count', () => {
    for (const row of tables.rows) {
      expect(row.row.length).toBeGreaterThan(3);
      expect(row.meanIoU.mean).toBeGreaterThan(0);
      expect(row.meanIoU.mean).toBeLessThanOrEqual(100);
      const classNames = tables.tables.find((table) => table.table === row.table)!.classNames;
      if (row.table === 4) expect(row.classIoU).toBeNull();
      else expect(row.classIoU).toHaveLength(classNames.length);
      for (const value of row.classIoU ?? []) if (value) expect(value.mean).toBeLessThanOrEqual(100);
      // A missing class value is always explained.
      if (row.classIoU?.includes(null)) expect(row.notes).toMatch(/missing/);
    }
  });

  it('covers 3 models × 3 fractions × 5–7 losses per dataset table, and 6 × 3 Table 4 cells', () => {
    const count = (table: number): number => tables.rows.filter((row) => row.table === table).length;
    expect([count(1), count(2), count(3), count(4)]).toEqual([47, 47, 47, 18]);
  });

  it('matches the paper text line by line: each row’s printed values appear on its line, in order', () => {
    for (const row of tables.rows) {
      const printed = printedValues(paperLine(row.line));
      if (row.table === 4) {
        expect(printed.map((value) => value.mean)).toContain(row.meanIoU.mean);
        continue;
      }
      const transcribed = [row.meanIoU, ...(row.classIoU ?? [])].filter((value) => value !== null);
      expect(printed).toEqual(transcribed);
    }
  });

  it('spot-checks rows against lines parsed from the paper', () => {
    const unetCe = printedValues(findLine(/^U-Net \(Full data\)\tCE Loss\t42/));
    const row = findPaperRow('covid19-ct', 'unet', 1, { name: 'ce' })!;
    expect(row.table).toBe(1);
    expect([row.meanIoU, ...row.classIoU!]).toEqual(unetCe);

    const chase = printedValues(findLine(/^ConvFormer\+U-Net \(1\/2 Training data\)\tCE Loss/));
    expect(findPaperRow('chase-db1', 'convformer-unet', 0.5, { name: 'ce' })!.meanIoU).toEqual(chase[0]);

    const transunetCaml = paperLine(findPaperRow('drosophila', 'transunet', 0.125, { name: 'caml' })!.line);
    expect(transunetCaml).toMatch(/^\tCAML \(ours\)\t51\.93±0\.83/);

    const ablation = printedValues(findLine(/^3\t/));
    expect(findPaperRow('chase-db1', 'unet', 0.25, { name: 'caml', r: 3 })!.meanIoU).toEqual(ablation[1]);
    expect(findPaperRow('drosophila', 'unet', 0.125, { name: 'caml', r: 3 })!.meanIoU).toEqual(ablation[2]);
  });

  it('records the shifted CE rows with the last class missing', () => {
    const line = printedValues(findLine(/^\tU-Net \(1\/8 Training data\)\tCE Loss\t36\.46/));
    expect(line).toHaveLength(4);
    const row = findPaperRow('covid19-ct', 'unet', 0.125, { name: 'ce' })!;
    expect(row.classIoU).toEqual([...line.slice(1), null]);
    expect(paperClassValue(row, 'pleural effusions')).toBeNull();
    expect(paperClassValue(row, 'Ground-glass')).toEqual(line[3]);
  });

  it('prefers Tables 1–3 over the Table 4 duplicate of dynamic CAML, and has no row for unknown settings', () => {
    expect(findPaperRow('covid19-ct', 'unet', 0.125, { name: 'caml' })!.table).toBe(1);
    expect(findPaperRow('covid19-ct', 'unet', 0.5, { name: 'ml' })).toBeUndefined();
    expect(findPaperRow('drosophila', 'unet', 1, { name: 'additive', lambda: 0.4 })).toBeUndefined();
  });

  it('vendors an excerpt identical to the paper’s table lines (when the paper is available)', () => {
    const excerpt = excerptLines();
    expect(excerpt.size).toBe(159);
    if (!existsSync(PAPER)) return;
    const paper = readFileSync(PAPER, 'utf8').split('\n');
    for (const [number, text] of excerpt) expect(paper[number - 1]).toBe(text);
  });
});
