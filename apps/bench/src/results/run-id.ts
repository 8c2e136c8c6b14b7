import { createHash } from 'node:crypto';
import type { RunConfig } from './record';

/** JSON with object keys sorted at every level and `undefined` fields dropped, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The id of a run: the first 16 hex digits of the sha256 of its canonical config. Any change to what the
 * run computes (dataset, model, loss, fraction, fold, seed, sizes, epochs, backend, protocol) changes it;
 * where the data live does not.
 */
export function runId(config: RunConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}
