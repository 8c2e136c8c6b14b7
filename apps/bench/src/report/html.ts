/**
 * The self-contained HTML report: inline CSS, plots as inline SVG, overlays as PNG data URIs; no
 * scripts, fonts or any other external resource, so the file can be mailed or archived as is.
 */
import type { Figure, ReportContent } from './content';
import { pairedTestsIntro, paperTableName, settingTitle, tableLegend } from './content';
import { experimentGrid, experimentVerdict } from './experiment';
import type { Grid, GridCell } from './grid';
import { ablationGrid, pairedGrid, settingGrid } from './grid';
import { paperTables } from './paper-tables';
import { PROVENANCE_LEGEND, provenanceGrid } from './provenance';

const STYLE = `
body { font: 14px/1.45 Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1280px; padding: 0 16px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; }
th { background: #f3f3f3; }
span.paper { color: #8a6d1f; font-size: 12px; }
.note { background: #fff7d6; border-left: 4px solid #e0b000; padding: 6px 10px; }
.legend { color: #555; max-width: 960px; }
figure { margin: 12px 0 24px; } figcaption { color: #555; max-width: 960px; font-size: 12px; }
figure img { image-rendering: pixelated; max-width: 100%; display: block; }
.image-grid { display: inline-block; width: min-content; }
.image-grid img { max-width: none; }
.columns { display: grid; column-gap: 4px; font-size: 12px; text-align: center; color: #333; margin-bottom: 2px; }
.scroll { overflow-x: auto; }
nav ul { columns: 2; }
`;

/** Renders the report as one HTML document. */
export function renderHtml(content: ReportContent): string {
  const ablation = ablationGrid(content.sections.map((section) => section.table));
  const body: string[] = [
    `<h1>${escapeHtml(content.title)}</h1>`,
    `<p>Source: <code>${escapeHtml(content.source)}</code> — ${content.runs.ok} runs ok, ${content.runs.failed} failed.</p>`,
    ...(content.experiment.length
      ? ['<section id="experiment"><h2>The experiment</h2>', `<p>${escapeHtml(experimentVerdict(content.experiment))}</p>`, gridToHtml(experimentGrid(content.experiment), 'experiment'), '</section>']
      : []),
    `<p class="legend">${escapeHtml(tableLegend())}</p>`,
    ...content.notes.map((note) => `<p class="note">${escapeHtml(note)}</p>`),
    '<nav><ul>',
    ...content.sections.map((section) => `<li><a href="#${anchor(section.table.id)}">${escapeHtml(settingTitle(section.table))}</a></li>`),
    ablation ? '<li><a href="#ablation">Ablation: constant r (Table 4)</a></li>' : '',
    content.overviewFigures.length ? '<li><a href="#across-settings">Across settings</a></li>' : '',
    content.sections.length ? '<li><a href="#provenance">Provenance</a></li>' : '',
    '</ul></nav>',
  ];
  for (const section of content.sections) {
    body.push(
      `<section id="${anchor(section.table.id)}" class="setting">`,
      `<h2>${escapeHtml(settingTitle(section.table))}</h2>`,
      `<p>Paper: ${escapeHtml(paperTableName(section.table))}.</p>`,
      gridToHtml(settingGrid(section.table), 'results'),
    );
    if (section.tests.length) body.push(`<p>${escapeHtml(pairedTestsIntro(section.tests))}</p>`, gridToHtml(pairedGrid(section.tests), 'paired'));
    body.push(...section.figures.map(figureToHtml), '</section>');
  }
  if (ablation) body.push('<section id="ablation"><h2>Ablation: constant r instead of the Dice score D (Table 4)</h2><p>mIoU in %.</p>', gridToHtml(ablation, 'ablation'), '</section>');
  if (content.overviewFigures.length) body.push('<section id="across-settings"><h2>Across settings</h2>', ...content.overviewFigures.map(figureToHtml), '</section>');
  if (content.sections.length) {
    body.push('<section id="provenance"><h2>Provenance</h2>', `<p class="legend">${escapeHtml(PROVENANCE_LEGEND)}</p>`, gridToHtml(provenanceGrid(content.sections.map((section) => section.table)), 'provenance'), '</section>');
  }
  body.push(
    `<details id="paper-notes"><summary>About the paper's numbers (${paperTables().notes.length} notes on the transcription)</summary><ul>`,
    ...paperTables().notes.map((note) => `<li>${escapeHtml(note)}</li>`),
    '</ul></details>',
  );
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(content.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head><body>',
    ...body.filter((line) => line !== ''),
    '</body></html>',
    '',
  ].join('\n');
}

function gridToHtml(grid: Grid, className: string): string {
  const header = `<tr>${mergePaperCells(grid.header).map(([ours, paper]) => `<th>${escapeHtml(ours.text)}${paper ? '<br><span class="paper">paper</span>' : ''}</th>`).join('')}</tr>`;
  const rows = grid.rows.map((row) => `<tr>${mergePaperCells(row).map(([ours, paper]) => `<td>${cellText(ours)}${paper ? `<br><span class="paper">${cellText(paper)}</span>` : ''}</td>`).join('')}</tr>`);
  return `<div class="scroll"><table class="${className}"><thead>${header}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** Stacks each paper cell under the cell of ours before it, so a wide table stays readable. */
function mergePaperCells(cells: readonly GridCell[]): [GridCell, GridCell | undefined][] {
  const merged: [GridCell, GridCell | undefined][] = [];
  for (const cell of cells) {
    const last = merged[merged.length - 1];
    if (cell.paper && last && !last[1]) last[1] = cell;
    else merged.push([cell, undefined]);
  }
  return merged;
}

function cellText(cell: GridCell): string {
  return cell.bold ? `<strong>${escapeHtml(cell.text)}</strong>` : escapeHtml(cell.text);
}

function figureToHtml(figure: Figure): string {
  const media =
    figure.kind === 'svg'
      ? scopeSvgIds(String(figure.data), figure.id)
      : `<div class="image-grid">${columnHeads(figure.columnTitles)}<img alt="${escapeHtml(figure.title)}" src="data:image/png;base64,${Buffer.from(figure.data as Uint8Array).toString('base64')}"></div>`;
  return `<figure id="${anchor(figure.id)}" class="${figure.kind}">${media}<figcaption><strong>${escapeHtml(figure.title)}.</strong> ${escapeHtml(figure.caption)}</figcaption></figure>`;
}

/** Column titles over an image grid; the grid's columns are equal with 4 px gaps, like the PNG's tiles. */
function columnHeads(titles: readonly string[] | undefined): string {
  if (!titles?.length) return '';
  return `<div class="columns" style="grid-template-columns: repeat(${titles.length}, minmax(0, 1fr))">${titles.map((title) => `<span>${escapeHtml(title)}</span>`).join('')}</div>`;
}

/** Several inline SVGs share one id space; prefix each SVG's ids (clip paths, gradients) with its figure id. */
function scopeSvgIds(svg: string, scope: string): string {
  const prefix = anchor(scope);
  return svg
    .replace(/\sid="([^"]+)"/g, ` id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}-$1"`);
}

function anchor(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]+/g, '-');
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
