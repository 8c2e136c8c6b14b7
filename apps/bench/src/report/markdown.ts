/** The Markdown report: the same tables as the HTML page, with links to the saved figures. */
import type { Grid } from './grid';
import { ablationGrid, pairedGrid, settingGrid } from './grid';
import type { Figure, ReportContent } from './content';
import { pairedTestsIntro, paperTableName, settingTitle, tableLegend } from './content';
import { experimentGrid, experimentVerdict } from './experiment';
import { paperTables } from './paper-tables';
import { PROVENANCE_LEGEND, provenanceGrid } from './provenance';

/** Renders the report as GitHub-flavoured Markdown. */
export function renderMarkdown(content: ReportContent): string {
  const lines = [`# ${escapeMarkdown(content.title)}`, '', `Source: ${escapeMarkdown(content.source)} — ${content.runs.ok} runs ok, ${content.runs.failed} failed.`, ''];
  if (content.experiment.length) lines.push('## The experiment', '', escapeMarkdown(experimentVerdict(content.experiment)), '', ...gridToMarkdown(experimentGrid(content.experiment)), '');
  lines.push(escapeMarkdown(tableLegend()), '');
  for (const note of content.notes) lines.push(`> ${escapeMarkdown(note)}`, '');
  for (const section of content.sections) {
    lines.push(`## ${escapeMarkdown(settingTitle(section.table))}`, '', `Paper: ${escapeMarkdown(paperTableName(section.table))}.`, '', ...gridToMarkdown(settingGrid(section.table)), '');
    if (section.tests.length) lines.push(escapeMarkdown(pairedTestsIntro(section.tests)), '', ...gridToMarkdown(pairedGrid(section.tests)), '');
    lines.push(...section.figures.flatMap(figureLink));
  }
  const ablation = ablationGrid(content.sections.map((section) => section.table));
  if (ablation) lines.push('## Ablation: constant r instead of the Dice score D (Table 4)', '', 'mIoU in %.', '', ...gridToMarkdown(ablation), '');
  if (content.overviewFigures.length) lines.push('## Across settings', '', ...content.overviewFigures.flatMap(figureLink));
  if (content.sections.length) lines.push('## Provenance', '', PROVENANCE_LEGEND, '', ...gridToMarkdown(provenanceGrid(content.sections.map((section) => section.table))), '');
  lines.push("## About the paper's numbers", '', ...paperTables().notes.map((note) => `- ${escapeMarkdown(note)}`), '');
  return lines.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/**
 * Text from result fields (dataset, model, class and loss names, notes, paths) as inert Markdown: HTML
 * becomes entities (`<script>` shows as text), Markdown punctuation that could make links, images,
 * emphasis, code or table cells is backslash-escaped, and line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]{}|#!~]/g, (character) => `\\${character}`)
    .replace(/\r?\n|\r/g, ' ');
}

function gridToMarkdown(grid: Grid): string[] {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [
    row(grid.header.map((cell) => escapeMarkdown(cell.text))),
    row(grid.header.map((_, index) => (index === 0 ? '---' : '---:'))),
    ...grid.rows.map((cells) => row(cells.map((cell) => (cell.bold ? `**${escapeMarkdown(cell.text)}**` : escapeMarkdown(cell.text))))),
  ];
}

function figureLink(figure: Figure): string[] {
  // `<…>` link destinations may hold spaces and parentheses; the path itself is percent-encoded.
  return [`![${escapeMarkdown(figure.title)}](<${encodeURI(figure.file)}>)`, '', `*${escapeMarkdown(figure.title)}.* ${escapeMarkdown(figure.caption)}`, ''];
}
