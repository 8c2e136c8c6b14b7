/**
 * The report's plots as vega-lite specs: mIoU against λ (ML and CAML as horizontal lines), mIoU against
 * the training fraction per loss, and training curves. Values are percent; the paper's numbers are drawn
 * dashed beside ours where it has them.
 */
import { DEFAULT_LAMBDA } from '@tfseg/losses';
import type { TopLevelSpec } from 'vega-lite';
import type { SettingTable } from './aggregate';
import { fractionRatio } from './labels';
import { additiveLambda, isProposedLoss, lossLabel } from './losses';

const OURS = 'ours';
const PAPER = 'paper';
const SOURCE_DASH = { field: 'source', type: 'nominal', title: 'numbers', scale: { domain: [OURS, PAPER], range: [[1, 0], [5, 3]] }, legend: {
    symbolType: 'stroke',
    symbolSize: 400,
    // Layers with filled points would otherwise draw these stroke-only symbols invisible.
    encode: { symbols: { update: { stroke: { value: '#333' }, strokeWidth: { value: 2 }, fill: { value: 'transparent' } } } },
  },
} as const;

/**
 * mIoU against the additive weight λ (Eq. 1), with ML and CAML as horizontal lines; undefined when the
 * table has no additive run.
 */
export function lambdaSpec(table: SettingTable, title: string): TopLevelSpec | undefined {
  const additive = table.rows.filter((row) => row.loss.name === 'additive');
  if (!additive.some((row) => row.meanIoU.ours)) return undefined;
  const point = (lambda: number, mean: number, std: number, source: string) => ({ lambda, mean, low: mean - std, high: mean + std, source, loss: 'additive' });
  const points = additive.flatMap((row) => {
    const lambda = additiveLambda(row.loss) ?? DEFAULT_LAMBDA;
    const { ours, paper } = row.meanIoU;
    // A single run has no spread (its std is NaN): no bar.
    return [...(ours ? [point(lambda, ours.mean, ours.n < 2 ? 0 : ours.std, OURS)] : []), ...(paper ? [point(lambda, paper.mean, paper.std, PAPER)] : [])];
  });
  const lines = table.rows
    .filter((row) => isProposedLoss(row.loss))
    .flatMap((row) => [
      ...(row.meanIoU.ours ? [{ loss: row.label, mean: row.meanIoU.ours.mean, source: OURS }] : []),
      ...(row.meanIoU.paper ? [{ loss: row.label, mean: row.meanIoU.paper.mean, source: PAPER }] : []),
    ]);
  const color = { field: 'loss', type: 'nominal', title: 'loss', scale: { domain: ['additive', 'ML', 'CAML'], range: ['#4c78a8', '#e45756', '#54a24b'] } } as const;
  const y = { field: 'mean', type: 'quantitative', title: 'mIoU (%)', scale: { zero: false } } as const;
  return {
    title,
    width: 320,
    height: 200,
    layer: [
      {
        data: { values: points },
        mark: { type: 'errorbar', ticks: true },
        encoding: { x: { field: 'lambda', type: 'quantitative', title: 'λ (weight of Dice in Eq. 1)', scale: { domain: [0, 1] } }, y: { field: 'low', type: 'quantitative', title: 'mIoU (%)', scale: { zero: false } }, y2: { field: 'high' }, color, strokeDash: SOURCE_DASH },
      },
      { data: { values: points }, mark: { type: 'line', point: true }, encoding: { x: { field: 'lambda', type: 'quantitative' }, y, color, strokeDash: SOURCE_DASH } },
      { data: { values: lines }, mark: { type: 'rule', strokeWidth: 2 }, encoding: { y, color, strokeDash: SOURCE_DASH } },
    ],
  } as TopLevelSpec;
}

/** mIoU against the training fraction, one line per loss (ours solid, the paper's dashed). */
export function fractionSpec(tables: readonly SettingTable[], title: string): TopLevelSpec | undefined {
  const values = tables.flatMap((table) =>
    table.rows.flatMap((row) => {
      const base = { fraction: table.fraction, ratio: fractionRatio(table.fraction), loss: row.label };
      return [
        ...(row.meanIoU.ours ? [{ ...base, mean: row.meanIoU.ours.mean, source: OURS }] : []),
        ...(row.meanIoU.paper ? [{ ...base, mean: row.meanIoU.paper.mean, source: PAPER }] : []),
      ];
    }),
  );
  if (!values.some((value) => value.source === OURS)) return undefined;
  return {
    title,
    width: 320,
    height: 220,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'fraction', type: 'quantitative', title: 'training fraction (log scale)', scale: { type: 'log', base: 2, domain: [0.1, 1] }, axis: { values: [0.125, 0.25, 0.5, 1], format: '.3~f' } },
      y: { field: 'mean', type: 'quantitative', title: 'mIoU (%)', scale: { zero: false } },
      color: { field: 'loss', type: 'nominal', title: 'loss', sort: tables[0]?.rows.map((row) => row.label) ?? [] },
      strokeDash: SOURCE_DASH,
      detail: { field: 'source' },
    },
  } as TopLevelSpec;
}

/** Training loss and validation mIoU per epoch, averaged over the runs of each loss. */
export function trainingCurvesSpec(table: SettingTable, title: string): TopLevelSpec | undefined {
  const values = table.rows.flatMap((row) => {
    const curves = row.runs.flatMap((run) => (run.curves ? [run.curves] : []));
    const epochs = Math.max(0, ...curves.map((curve) => curve.trainLoss.length));
    return Array.from({ length: epochs }, (_, epoch) => ({
      epoch: epoch + 1,
      loss: lossLabel(row.loss),
      trainLoss: meanOf(curves.map((curve) => curve.trainLoss[epoch])),
      validationMeanIoU: scaled(meanOf(curves.map((curve) => curve.validationMeanIoU[epoch]))),
    }));
  });
  if (values.length === 0) return undefined;
  const color = { field: 'loss', type: 'nominal', title: 'loss', sort: table.rows.map((row) => row.label) } as const;
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } } as const;
  return {
    title,
    data: { values },
    hconcat: [
      { width: 260, height: 180, mark: { type: 'line', point: values.length < 60 }, encoding: { x, y: { field: 'trainLoss', type: 'quantitative', title: 'training loss (mean over runs)' }, color } },
      { width: 260, height: 180, mark: { type: 'line', point: values.length < 60 }, encoding: { x, y: { field: 'validationMeanIoU', type: 'quantitative', title: 'validation mIoU (%)', scale: { zero: false } }, color } },
    ],
  } as TopLevelSpec;
}

function meanOf(values: readonly (number | null | undefined)[]): number | null {
  const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value));
  return present.length ? present.reduce((sum, value) => sum + value, 0) / present.length : null;
}

function scaled(value: number | null): number | null {
  return value === null ? null : value * 100;
}
