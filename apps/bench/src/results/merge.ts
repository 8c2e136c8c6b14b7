import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { RunRecord } from './record';
import { latestRecords, readResults } from './store';

/** What {@link mergeResultFiles} joined, and what it had to skip. */
export interface MergedResults {
  records: RunRecord[];
  /** Per input file: lines that were torn or not a valid record. */
  warnings: string[];
}

/**
 * Joins results files (e.g. the shards of a cluster sweep) into one list, one record per run id (an `ok`
 * record beats a `failed` one; later files win ties). Each `samplesFile` is rewritten relative to
 * `outputDirectory`, so the merged file still finds every run's samples.
 */
export function mergeResultFiles(files: readonly string[], outputDirectory: string): MergedResults {
  const warnings: string[] = [];
  const all: RunRecord[] = [];
  for (const file of files) {
    const results = readResults(file);
    if (results.invalidLines.length > 0) warnings.push(`${file}: skipped invalid lines ${results.invalidLines.join(', ')}`);
    if (results.tornTail) warnings.push(`${file}: skipped a torn last line (a write cut short by a crash)`);
    for (const record of results.records) {
      const samplesFile = record.samplesFile;
      if (samplesFile === undefined || isAbsolute(samplesFile)) all.push(record);
      else all.push({ ...record, samplesFile: relative(outputDirectory, resolve(dirname(file), samplesFile)) });
    }
  }
  return { records: latestRecords(all), warnings };
}
