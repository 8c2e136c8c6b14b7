/** Builds the report's figures: plots rendered to SVG and qualitative overlays encoded as PNG. */
import type { RunRecord } from '../results/record';
import type { LossRow, SettingTable } from './aggregate';
import type { Figure } from './content';
import { settingTitle } from './content';
import { datasetLabel, modelLabel } from './labels';
import { figureFiveSpec, figureOneSpec, traceLossCurves } from './loss-curve-plots';
import { isProposedLoss } from './losses';
import { validationChosenAdditive } from './paired';
import type { OverlayColumn } from './overlays';
import { decodePixels, overlayPng, readSamples } from './overlays';
import { fractionSpec, lambdaSpec, trainingCurvesSpec } from './plots';
import { renderSvg } from './render-svg';

const OVERLAY_SAMPLES = 3;

/** A file-name-safe form of a table id (`drosophila/unet/0.125` → `drosophila-unet-0.125`). */
export function fileStem(id: string): string {
  return id.replace(/[^a-zA-Z0-9.]+/g, '-');
}

/** The λ plot and training curves of one setting. */
export async function settingPlots(table: SettingTable): Promise<Figure[]> {
  const stem = fileStem(table.id);
  const title = settingTitle(table);
  const figures: Figure[] = [];
  const lambda = lambdaSpec(table, `mIoU against λ — ${title}`);
  if (lambda) {
    figures.push({ id: `lambda-${stem}`, title: `mIoU against λ — ${title}`, caption: 'Additive loss (Eq. 1) at each λ with ±1 std bars; ML and CAML as horizontal lines. Solid: ours; dashed: the paper.', file: `plots/lambda-${stem}.svg`, kind: 'svg', data: await renderSvg(lambda) });
  }
  const curves = trainingCurvesSpec(table, `Training curves — ${title}`);
  if (curves) {
    figures.push({ id: `curves-${stem}`, title: `Training curves — ${title}`, caption: 'Training loss and validation mIoU per epoch, mean over the runs of each loss.', file: `plots/curves-${stem}.svg`, kind: 'svg', data: await renderSvg(curves) });
  }
  return figures;
}

/** mIoU against the training fraction, one plot per dataset × model. */
export async function fractionPlots(tables: readonly SettingTable[]): Promise<Figure[]> {
  const groups = new Map<string, SettingTable[]>();
  for (const table of tables) {
    const key = `${table.dataset}/${table.model}${table.variant ? `/${table.variant}` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), table]);
  }
  const figures: Figure[] = [];
  for (const [key, group] of groups) {
    const first = group[0]!;
    const title = `mIoU against training fraction — ${datasetLabel(first.dataset)} · ${modelLabel(first.model)}${first.variant ? ` (${first.variant})` : ''}`;
    const spec = fractionSpec(group, title);
    if (!spec) continue;
    figures.push({ id: `fraction-${fileStem(key)}`, title, caption: 'Mean mIoU per loss at each training fraction. Solid: ours; dashed: the paper.', file: `plots/fraction-${fileStem(key)}.svg`, kind: 'svg', data: await renderSvg(spec) });
  }
  return figures;
}

/** Fig. 1 and Fig. 2/5 from the real loss code. */
export async function lossCurveFigures(): Promise<Figure[]> {
  const curves = await traceLossCurves();
  return [
    { id: 'figure-1', title: 'Fig. 1 — loss value and gradient magnitude against p', caption: curves.setup, file: 'plots/figure-1.svg', kind: 'svg', data: await renderSvg(figureOneSpec(curves)) },
    { id: 'figure-5', title: 'Fig. 2/5 — ML against CAML', caption: `CAML as corrected in the Erratum (Eq. 13, Fig. 5). ${curves.setup}`, file: 'plots/figure-5.svg', kind: 'svg', data: await renderSvg(figureFiveSpec(curves)) },
  ];
}

/**
 * A Fig. 3/4-style overlay for one setting: the validation-chosen additive loss (the paired tests'
 * baseline) against ML and CAML on the same fold and seed (so the same test patches). Returns a note instead when the samples do not line up.
 */
export async function overlayFigure(table: SettingTable, resultsDir: string): Promise<Figure | string | undefined> {
  const baseline = validationChosenAdditive(table)?.row;
  const proposed = table.rows.filter((row) => isProposedLoss(row.loss));
  if (!baseline || proposed.length === 0) return undefined;
  const pair = findSharedRun(baseline, proposed);
  if (!pair) return undefined;
  try {
    const base = await readSamples(pair.baseline, resultsDir);
    const others = await Promise.all(pair.proposed.map((run) => readSamples(run, resultsDir)));
    const count = Math.min(OVERLAY_SAMPLES, base.samples.length, ...others.map((samples) => samples.samples.length));
    if (count === 0) return undefined;
    const pixels = base.height * base.width;
    const decode = (value: string, what: string, length = pixels): Uint8Array => decodePixels(value, length, what);
    const images = base.samples.slice(0, count).map((sample, index) => decode(sample.image, `sample ${index} image`, pixels * base.channels));
    const truths = base.samples.slice(0, count).map((sample, index) => decode(sample.truth, `sample ${index} truth`));
    for (const other of others) {
      const same = other.height === base.height && other.width === base.width && other.samples.slice(0, count).every((sample, index) => Buffer.from(decode(sample.truth, 'truth')).equals(Buffer.from(truths[index]!)));
      if (!same) return `Overlay for ${settingTitle(table)} skipped: runs of the same fold and seed saved different test patches.`;
    }
    const columns: OverlayColumn[] = [
      { title: 'truth', labelMaps: truths },
      { title: baseline.label, labelMaps: base.samples.slice(0, count).map((sample) => decode(sample.prediction, 'prediction')), truths },
      ...others.map((samples, index) => ({ title: pair.rows[index]!.label, labelMaps: samples.samples.slice(0, count).map((sample) => decode(sample.prediction, 'prediction')), truths })),
    ];
    const stem = fileStem(table.id);
    const { fold, seed } = pair.baseline.config;
    return {
      id: `overlay-${stem}`,
      title: `Qualitative comparison — ${settingTitle(table)}`,
      caption: `Columns: image | ${columns.map((column) => column.title).join(' | ')}. Rows: the first ${count} saved test patches of fold ${fold}, seed ${seed}. Predictions are drawn over the image in class colours, with false positives (yellow), false negatives (magenta) and wrong foreground classes (cyan) marked.`,
      file: `overlays/${stem}.png`,
      kind: 'png',
      data: overlayPng(base, images, columns),
      columnTitles: ['image', ...columns.map((column) => column.title)],
    };
  } catch (error) {
    return `Overlay for ${settingTitle(table)} skipped: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The first (fold, seed) for which the baseline and every proposed loss saved samples. */
function findSharedRun(baseline: LossRow, proposed: LossRow[]): { baseline: RunRecord; proposed: RunRecord[]; rows: LossRow[] } | undefined {
  const withSamples = (row: LossRow): RunRecord[] => row.runs.filter((run) => run.samplesFile);
  const rows = proposed.filter((row) => withSamples(row).length > 0);
  if (rows.length === 0) return undefined;
  for (const run of withSamples(baseline)) {
    const matches = rows.map((row) => withSamples(row).find((other) => other.config.fold === run.config.fold && other.config.seed === run.config.seed));
    if (matches.every((match) => match !== undefined)) return { baseline: run, proposed: matches as RunRecord[], rows };
  }
  return undefined;
}
