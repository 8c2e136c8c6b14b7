/**
 * Aggregation of run records into the paper's table layout: one table per dataset × model × training
 * fraction, one row per loss, mIoU and per-class IoU in percent as mean ± std over folds × seeds, the
 * paper's value beside ours, and the best value of each column marked.
 */
import type { Summary } from '@tfseg/cross-validation';
import { summarize } from '@tfseg/cross-validation';
import type { RunRecord } from '../results/record';
import type { LossSpec } from '@tfseg/losses';
import { compareLosses, lossKey, lossLabel } from './losses';
import type { PaperRow, PaperValue } from './paper-tables';

export type { Summary };
import { findPaperRow, paperClassValue, paperTables } from './paper-tables';

/** One cell of a table: our summary, the paper's value, and whether each is its column's best. */
export interface Cell {
  ours: Summary | null;
  paper: PaperValue | null;
  best: boolean;
  paperBest: boolean;
}

/** One loss in one setting. */
export interface LossRow {
  loss: LossSpec;
  key: string;
  label: string;
  /** Successful runs, in record order. */
  runs: RunRecord[];
  failed: number;
  paperRow: PaperRow | undefined;
  meanIoU: Cell;
  classIoU: Cell[];
}

/**
 * One table: a dataset × model (and its {@link settingVariant}) × training fraction, rows in the paper's
 * loss order.
 */
export interface SettingTable {
  /** `dataset/model/fraction`, unique per table; used for anchors and file names. */
  id: string;
  dataset: string;
  model: string;
  /**
   * {@link settingVariant}: the model's options beyond its name when a config set them, and `fused
   * multiply-add` for runs that asked for it (`width 16, no batch norm, torch init, fused multiply-add`);
   * empty otherwise.
   */
  variant: string;
  fraction: number;
  classNames: string[];
  rows: LossRow[];
}

/** The options that make one model a different network than its preset, as a short label (empty when none). */
export function modelVariant(config: RunRecord['config']): string {
  return [
    config.baseWidth === undefined ? undefined : `width ${config.baseWidth}`,
    config.batchNorm === undefined ? undefined : config.batchNorm ? 'batch norm' : 'no batch norm',
    config.init === undefined ? undefined : `${config.init} init`,
  ].filter((part) => part !== undefined).join(', ');
}

/**
 * What sets a table's runs apart beyond dataset, model and fraction: {@link modelVariant}, and `fused
 * multiply-add` for runs with `fusedMultiplyAdd`. It is part of the table key, so FMA runs (whose bits
 * differ from the default's) get tables of their own and are never averaged, or paired, with exact runs.
 */
export function settingVariant(config: RunRecord['config']): string {
  return [modelVariant(config), config.fusedMultiplyAdd === true ? 'fused multiply-add' : ''].filter((part) => part !== '').join(', ');
}

const MODEL_ORDER = ['unet', 'transunet', 'convformer-unet'];

/** Groups records into tables, in the paper's order (table number, then model, then largest fraction first). */
export function aggregateRecords(records: readonly RunRecord[]): SettingTable[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const { dataset, model, fraction } = record.config;
    const variant = settingVariant(record.config);
    const id = `${dataset}/${model}${variant ? ` (${variant})` : ''}/${fraction}`;
    groups.set(id, [...(groups.get(id) ?? []), record]);
  }
  const tables = [...groups.entries()].map(([id, group]) => buildTable(id, group));
  return tables.sort(compareTables);
}

function compareTables(a: SettingTable, b: SettingTable): number {
  return (
    tableNumber(a.dataset) - tableNumber(b.dataset) ||
    a.dataset.localeCompare(b.dataset) ||
    modelRank(a.model) - modelRank(b.model) ||
    a.model.localeCompare(b.model) ||
    a.variant.localeCompare(b.variant) ||
    b.fraction - a.fraction
  );
}

function tableNumber(dataset: string): number {
  return paperTables().tables.find((table) => table.dataset === dataset)?.table ?? 99;
}

function modelRank(model: string): number {
  const rank = MODEL_ORDER.indexOf(model);
  return rank < 0 ? MODEL_ORDER.length : rank;
}

function buildTable(id: string, records: RunRecord[]): SettingTable {
  const first = records[0]!.config;
  const classNames = (records.find((record) => record.status === 'ok') ?? records[0]!).classNames;
  const byLoss = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = lossKey(record.config.loss);
    byLoss.set(key, [...(byLoss.get(key) ?? []), record]);
  }
  const rows = [...byLoss.values()]
    .map((group) => buildRow(group, classNames, first.dataset, first.model, first.fraction))
    .sort((a, b) => compareLosses(a.loss, b.loss));
  markBest(rows.map((row) => row.meanIoU));
  classNames.forEach((_, index) => markBest(rows.map((row) => row.classIoU[index]!)));
  return { id, dataset: first.dataset, model: first.model, variant: settingVariant(first), fraction: first.fraction, classNames, rows };
}

function buildRow(records: RunRecord[], classNames: string[], dataset: string, model: string, fraction: number): LossRow {
  const loss = records[0]!.config.loss;
  const runs = records.filter((record) => record.status === 'ok' && record.meanIoU !== undefined);
  const paperRow = findPaperRow(dataset, model, fraction, loss);
  const meanIoU = cell(runs.map((run) => run.meanIoU ?? null), paperRow?.meanIoU ?? null);
  const classIoU = classNames.map((className, index) =>
    cell(
      runs.map((run) => run.classIoU?.[index] ?? null),
      paperClassValue(paperRow, className),
    ),
  );
  return { loss, key: lossKey(loss), label: lossLabel(loss), runs, failed: records.length - runs.length, paperRow, meanIoU, classIoU };
}

/** Summarizes the present values (fractions → percent); a class absent from every run gives null. */
function cell(fractions: (number | null)[], paper: PaperValue | null): Cell {
  const percents = fractions.filter((value): value is number => value !== null && Number.isFinite(value)).map((value) => value * 100);
  return { ours: percents.length > 0 ? summarize(percents) : null, paper, best: false, paperBest: false };
}

/** Marks the highest mean of a column (ties all marked), separately for ours and for the paper's. */
function markBest(column: Cell[]): void {
  const bestOurs = Math.max(...column.map((entry) => entry.ours?.mean ?? -Infinity));
  const bestPaper = Math.max(...column.map((entry) => entry.paper?.mean ?? -Infinity));
  for (const entry of column) {
    entry.best = entry.ours !== null && Math.abs(entry.ours.mean - bestOurs) < 1e-9;
    entry.paperBest = entry.paper !== null && Math.abs(entry.paper.mean - bestPaper) < 1e-9;
  }
}

