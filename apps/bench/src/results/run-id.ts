import { createHash } from 'node:crypto';
import { canonicalJson } from '@tfseg/training';
import type { RunConfig } from './record';


/**
 * The id of a run: the first 16 hex digits of the sha256 of its canonical config. Any change to what the
 * run computes (dataset, model, loss, fraction, fold, seed, sizes, epochs, backend, protocol) changes it;
 * where the data live does not.
 */
export function runId(config: RunConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex').slice(0, 16);
}
