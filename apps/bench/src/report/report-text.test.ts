import { aggregateRecords } from './aggregate';
import type { ReportContent } from './content';
import fc from 'fast-check';
import { csvCell, renderCsv } from './csv';
import { escapeMarkdown, renderMarkdown } from './markdown';
import { describeExperiment } from './experiment';
import { pairedTests } from './paired';
import { makeRecord, syntheticSweep } from './__fixtures__/synthetic-records';

function contentOf(records: ReturnType<typeof syntheticSweep>): ReportContent {
  const tables = aggregateRecords(records);
  return {
    title: 'Test report',
    source: 'results.jsonl',
    runs: { ok: records.length, failed: 0 },
    experiment: describeExperiment(records),
    sections: tables.map((table) => ({ table, tests: pairedTests(table), figures: [] })),
    overviewFigures: [],
    notes: ['a note'],
  };
}

/** Splits a Markdown table row into its cells. */
const cells = (line: string): string[] => line.split('|').slice(1, -1).map((cell) => cell.trim());

describe('Markdown report', () => {
  const markdown = renderMarkdown(contentOf(syntheticSweep()));
  const lines = markdown.split('\n');

  it('has one table per setting laid out like the paper: loss rows, mIoU then classes, ours beside the paper', () => {
    expect(lines.filter((line) => line.startsWith('## '))).toEqual(['## The experiment', '## Drosophila · U-Net · Full data', '## Drosophila · U-Net · 1/8 training data', '## Provenance', "## About the paper's numbers"]);
    const header = lines.find((line) => line.startsWith('| Loss |'))!;
    expect(cells(header)).toEqual([
      'Loss', 'n', 'mIoU', 'mIoU (paper)', 'membrane', 'membrane (paper)', 'mitochondria', 'mitochondria (paper)',
      'synapse', 'synapse (paper)', 'glia/extracellular', 'glia/extracellular (paper)', 'intracellular', 'intracellular (paper)',
    ]);
    const headerIndex = lines.indexOf(header);
    expect(cells(lines[headerIndex + 1]!)).toEqual(['---', ...Array<string>(13).fill('---:')]);
    const body = lines.slice(headerIndex + 2, headerIndex + 9).map(cells);
    expect(body.map((row) => row[0])).toEqual(['CE', 'Dice', 'λ·Dice + (1−λ)·CE (λ=0.3)', 'λ·Dice + (1−λ)·CE (λ=0.5)', 'λ·Dice + (1−λ)·CE (λ=0.7)', 'ML', 'CAML']);
    expect(body.every((row) => row.length === 14)).toBe(true);
    expect(body[0]![1]).toBe('6');
    expect(body[0]![3]).toBe('68.20 ± 0.69');
    // CAML is the best mIoU of ours; ML the best of the paper's (69.40).
    expect(body[6]![2]).toMatch(/^\*\*\d+\.\d\d ± \d+\.\d\d\*\*$/);
    expect(body[5]![3]).toBe('**69.40 ± 0.20**');
    expect(body[0]![2]).not.toContain('**');
  });

  it('shows — where the paper has no such row, and the paired tests', () => {
    const eighth = lines.slice(lines.indexOf('## Drosophila · U-Net · 1/8 training data'));
    const lambda03 = cells(eighth.find((line) => line.startsWith('| λ·Dice + (1−λ)·CE (λ=0.3)'))!);
    expect(lambda03[3]).toBe('—');
    expect(markdown).toContain('| ML − λ·Dice + (1−λ)·CE (λ=0.5) | 6 |');
    expect(markdown).toContain('> a note');
    expect(markdown).toContain("## About the paper's numbers");
    expect(markdown).toContain('- Table 4 does not print the training fraction');
  });

  it('says "n too small" instead of a p-value for a single pair', () => {
    const records = [
      makeRecord({ loss: { name: 'additive', lambda: 0.5 }, classIoU: [0.5, 0.5, 0.5, 0.5, 0.5] }),
      makeRecord({ loss: { name: 'ml' }, classIoU: [0.6, 0.6, 0.6, 0.6, 0.6] }),
    ];
    const row = renderMarkdown(contentOf(records)).split('\n').find((line) => line.startsWith('| ML − '))!;
    expect(cells(row)).toEqual(['ML − λ·Dice + (1−λ)·CE (λ=0.5)', '1', '—', '—', 'n too small', 'n too small']);
  });
});

describe('Table 4 ablation', () => {
  it('lays out constant-r CAML like the paper’s Table 4: r rows then CAML, one column per setting, ours beside the paper', () => {
    const classNames = ['background', 'retinal vessel'];
    const records = [3, 1, 2].flatMap((r) => [0, 1].map((fold) => makeRecord({ dataset: 'chase-db1', fraction: 0.25, fold, loss: { name: 'caml', r }, classIoU: [0.9, 0.2 + r / 100 + fold / 100], classNames })));
    records.push(makeRecord({ dataset: 'chase-db1', fraction: 0.25, loss: { name: 'caml' }, classIoU: [0.9, 0.3], classNames }));
    const lines = renderMarkdown(contentOf(records)).split('\n');
    const start = lines.indexOf('## Ablation: constant r instead of the Dice score D (Table 4)');
    expect(start).toBeGreaterThan(0);
    const table = lines.slice(start + 4, start + 10).map(cells);
    expect(table[0]).toEqual(['r', 'CHASE · U-Net · 1/4', 'CHASE · U-Net · 1/4 (paper)']);
    expect(table.slice(2).map((row) => row[0])).toEqual(['1', '2', '3', 'CAML (D)']);
    // r = 3: (90 + 23) / 2 and (90 + 24) / 2 → 56.75 ± 0.35; the paper's best is r = 3 (62.60), ours CAML (60).
    expect(table[4]).toEqual(['3', '56.75 ± 0.35', '**62.60 ± 0.40**']);
    expect(table[5]).toEqual(['CAML (D)', '**60.00**', '61.40 ± 0.40']);
  });
});

describe('CSV report', () => {
  it('has one row per dataset × model (variant) × fraction × loss with n, mean/std per class and mIoU, and the paper’s mIoU', () => {
    const records = [
      ...syntheticSweep(),
      makeRecord({ dataset: 'chase-db1', loss: { name: 'ml' }, classIoU: [0.9, 0.3], classNames: ['background', 'retinal vessel'] }),
    ];
    const [header, ...rows] = renderCsv(aggregateRecords(records)).trimEnd().split('\n').map((line) => line.split(','));
    expect(header!.slice(0, 14)).toEqual(['dataset', 'model', 'variant', 'fraction', 'loss', 'lambda', 'r', 'n', 'failed', 'miou_mean', 'miou_std', 'paper_miou_mean', 'paper_miou_std', 'paper_table']);
    // Class columns: the union over datasets, each with mean and std.
    expect(header!.slice(14)).toEqual(['background_mean', 'background_std', 'retinal vessel_mean', 'retinal vessel_std', 'membrane_mean', 'membrane_std', 'mitochondria_mean', 'mitochondria_std', 'synapse_mean', 'synapse_std', 'glia/extracellular_mean', 'glia/extracellular_std', 'intracellular_mean', 'intracellular_std']);
    expect(rows).toHaveLength(2 * 7 + 1);
    expect(rows.every((row) => row.length === header!.length)).toBe(true);
    const chase = rows[0]!;
    expect(chase.slice(0, 9)).toEqual(['chase-db1', 'unet', '', '1', 'ml', '', '', '1', '0']);
    expect(chase.slice(9, 14)).toEqual(['60.0000', '', '62.8', '0.87', '2']);
    expect(chase.slice(14, 18)).toEqual(['90.0000', '', '30.0000', '']);
    expect(chase.slice(18).every((cell) => cell === '')).toBe(true);
    const lambda = rows.find((row) => row[4] === 'additive' && row[5] === '0.3' && row[3] === '1')!;
    expect(lambda[7]).toBe('6');
    expect(Number(lambda[10])).toBeGreaterThan(0);
  });
});

describe('result fields cannot inject markup or formulas', () => {
  const hostile = '<img src=x onerror=alert(1)>[click](http://evil.example) **bold** | cell';
  const records = [
    makeRecord({ loss: { name: 'ce' }, classIoU: [0.5, 0.6], dataset: hostile, classNames: ['@SUM(A1)', '+cmd|calc'] }),
    // Model names are @tfseg/models' enum once parsed; the dataset name is free text (the folder dataset's own).
    makeRecord({ loss: { name: 'ce' }, classIoU: [0.5, 0.6], dataset: '=HYPERLINK("http://evil.example","x")', classNames: ['@SUM(A1)', '+cmd|calc'] }),
  ];

  it('report.md shows them as text: no raw HTML, link, emphasis or extra table cell', () => {
    const content = { ...contentOf(records), title: `T ${hostile}`, source: 'a`b`.jsonl', notes: [hostile] };
    const markdown = renderMarkdown(content);
    expect(markdown).not.toContain('<img');
    expect(markdown).not.toMatch(/(?<!\\)\[click(?<!\\)\]/);
    expect(markdown).not.toMatch(/(?<!\\)\*\*bold/);
    expect(markdown).toContain('&lt;img src=x onerror=alert(1)&gt;\\[click\\](http://evil.example) \\*\\*bold\\*\\* \\| cell');
    // Every table row has as many unescaped cell separators as its header.
    // (per table: the provenance table has its own columns)
    const lines = markdown.split('\n');
    lines.forEach((line, index) => {
      if (!line.startsWith('| ')) return;
      let header = index;
      while (header > 0 && lines[header - 1]!.startsWith('| ')) header--;
      expect(line.split(/(?<!\\)\|/).length).toBe(lines[header]!.split(/(?<!\\)\|/).length);
    });
  });

  it('escapeMarkdown leaves plain text alone and makes any text inert (property)', () => {
    expect(escapeMarkdown('CE 68.20 ± 0.69 (λ = 0.5)')).toBe('CE 68.20 ± 0.69 (λ = 0.5)');
    fc.assert(
      fc.property(fc.string(), (text) => {
        const escaped = escapeMarkdown(text);
        expect(escaped).not.toMatch(/[<>\n\r]/);
        // Every Markdown-active character is preceded by a backslash that is itself not escaped.
        expect(escaped.replace(/\\[\\`*_[\]{}|#!~]/g, '')).not.toMatch(/[\\`*_[\]{}|#!~]/);
      }),
    );
  });

  it('report.csv neutralises cells that start with = + - @ (no formula runs in a spreadsheet)', () => {
    const csv = renderCsv(aggregateRecords(records));
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(csv).toContain("'@SUM(A1)_mean");
    expect(csv).toContain("'+cmd|calc_mean");
    expect(csvCell('-1+2')).toBe("'-1+2");
    expect(csvCell('0.5')).toBe('0.5');
    fc.assert(fc.property(fc.string(), (text) => expect(csvCell(text)).not.toMatch(/^"?[=+\-@\t\r]/)));
  });
});
