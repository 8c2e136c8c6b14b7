/**
 * The paper's own numbers (Tables 1–4), transcribed into `data/paper-tables.json`, and the lookup that
 * puts them beside ours. Values are IoU in percent, mean ± std as printed.
 */
import { lossSpecSchema, type LossSpec } from '@tfseg/losses';
import { z } from 'zod';
import paperTablesJson from '../../data/paper-tables.json';
import { classKey, sameFraction } from './labels';
import { lossKey } from './losses';

/** A printed `mean±std` value, in percent. */
export const paperValueSchema = z.object({ mean: z.number().min(0).max(100), std: z.number().min(0).max(100) });
export type PaperValue = z.infer<typeof paperValueSchema>;

/** One row of one paper table, for one dataset, model, training fraction and loss. */
export const paperRowSchema = z.object({
  /** Table number in the paper (1–4). */
  table: z.number().int().min(1).max(4),
  /** The row as the paper labels it (`U-Net (1/8 Training data) / CE Loss`). */
  row: z.string(),
  /** Line of the row in the paper's text extraction. */
  line: z.number().int().positive(),
  dataset: z.string(),
  model: z.string(),
  fraction: z.number().gt(0).max(1),
  loss: lossSpecSchema,
  meanIoU: paperValueSchema,
  /** Per class in the table's class order; a null entry is missing from the text; null for Table 4. */
  classIoU: z.array(paperValueSchema.nullable()).nullable(),
  notes: z.string().optional(),
});
export type PaperRow = z.infer<typeof paperRowSchema>;

/** The whole transcription: table captions and class names, anomalies found, and every row. */
export const paperTablesSchema = z.object({
  source: z.string(),
  units: z.string(),
  notes: z.array(z.string()),
  tables: z.array(
    z.object({
      table: z.number().int(),
      dataset: z.string().nullable(),
      datasetLabel: z.string(),
      caption: z.string(),
      classNames: z.array(z.string()),
    }),
  ),
  rows: z.array(paperRowSchema),
});
export type PaperTables = z.infer<typeof paperTablesSchema>;

/** The transcription of the paper's Tables 1–4, validated once on first use. */
let cached: PaperTables | undefined;
export function paperTables(): PaperTables {
  cached ??= paperTablesSchema.parse(paperTablesJson);
  return cached;
}

/**
 * The paper's row for one setting and loss, or undefined where the paper has none. Tables 1–3 are
 * preferred; Table 4 supplies the constant-r CAML ablation.
 */
export function findPaperRow(dataset: string, model: string, fraction: number, loss: LossSpec): PaperRow | undefined {
  const key = lossKey(loss);
  const matches = paperTables().rows.filter(
    (row) => row.dataset === dataset && row.model === model && sameFraction(row.fraction, fraction) && lossKey(row.loss) === key,
  );
  return matches.sort((a, b) => a.table - b.table)[0];
}

/** The paper's per-class value for a class name in a dataset's table, or null where the paper has none. */
export function paperClassValue(row: PaperRow | undefined, className: string): PaperValue | null {
  if (!row?.classIoU) return null;
  const table = paperTables().tables.find((entry) => entry.table === row.table);
  const wanted = classKey(className);
  const index = table?.classNames.findIndex((name) => classKey(name) === wanted) ?? -1;
  return index < 0 ? null : (row.classIoU[index] ?? null);
}

