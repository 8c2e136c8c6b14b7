/** The Markdown report: the same tables as the HTML page, with links to the saved figures. */
import type { Grid } from './grid';
import { ablationGrid, pairedGrid, settingGrid } from './grid';
import type { Figure, ReportContent } from './content';
import { paperTableName, settingTitle, tableLegend } from './content';
import { paperTables } from './paper-tables';

/** Renders the report as GitHub-flavoured Markdown. */
export function renderMarkdown(content: ReportContent): string {
  const lines = [`# ${content.title}`, '', `Source: \`${content.source}\` — ${content.runs.ok} runs ok, ${content.runs.failed} failed.`, '', tableLegend(), ''];
  for (const note of content.notes) lines.push(`> ${note}`, '');
  for (const section of content.sections) {
    lines.push(`## ${settingTitle(section.table)}`, '', `Paper: ${paperTableName(section.table)}.`, '', ...gridToMarkdown(settingGrid(section.table)), '');
    if (section.tests.length) lines.push('Paired tests against the best additive λ:', '', ...gridToMarkdown(pairedGrid(section.tests)), '');
    lines.push(...section.figures.flatMap(figureLink));
  }
  const ablation = ablationGrid(content.sections.map((section) => section.table));
  if (ablation) lines.push('## Ablation: constant r instead of the Dice score D (Table 4)', '', 'mIoU in %.', '', ...gridToMarkdown(ablation), '');
  if (content.overviewFigures.length) lines.push('## Across settings', '', ...content.overviewFigures.flatMap(figureLink));
  lines.push("## About the paper's numbers", '', ...paperTables().notes.map((note) => `- ${note}`), '');
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

function gridToMarkdown(grid: Grid): string[] {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    row(grid.header.map((cell) => cell.text)),
    row(grid.header.map((_, index) => (index === 0 ? '---' : '---:'))),
    ...grid.rows.map((cells) => row(cells.map((cell) => (cell.bold ? `**${cell.text}**` : cell.text)))),
  ];
}

function figureLink(figure: Figure): string[] {
  return [`![${figure.title}](${figure.file})`, '', `*${figure.title}.* ${figure.caption}`, ''];
}
