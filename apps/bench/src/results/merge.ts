import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { BenchError } from '../errors';
import type { RunRecord } from './record';
import { canonicalJson } from '@tfseg/training';
import { describeRun } from './describe';
import { latestRecords, readResults } from './store';

/** What {@link mergeResultFiles} joined, and what it had to skip. */
export interface MergedResults {
  records: RunRecord[];
  /** Per input file: lines that were torn or not a valid record; conflicts resolved by `prefer`. */
  warnings: string[];
}

/**
 * What to do when two files hold an `ok` record of the same run id with different results (two codes or
 * machines produced them): `error` refuses (the default), `first`/`last` keep the one from the earlier or
 * later file on the command line.
 */
export type ConflictPreference = 'error' | 'first' | 'last';

/** The results of a record that must agree between two `ok` records of one run id. */
function resultsOf(record: RunRecord): string {
  return canonicalJson({ meanIoU: record.meanIoU, classIoU: record.classIoU, curves: record.curves });
}

interface Located {
  record: RunRecord;
  file: string;
}

/**
 * Joins results files (e.g. the shards of a cluster sweep) into one list, one record per run id (an `ok`
 * record beats a `failed` one; later files win ties of equal results). Two `ok` records of one id with
 * different results are a conflict: a BenchError naming the run and both files unless `prefer` says which
 * to keep. Each `samplesFile` is rewritten relative to `outputDirectory`, so the merged file still finds
 * every run's samples.
 */
export function mergeResultFiles(files: readonly string[], outputDirectory: string, prefer: ConflictPreference = 'error'): MergedResults {
  const warnings: string[] = [];
  const all: Located[] = [];
  for (const file of files) {
    const results = readResults(file);
    if (results.invalidLines.length > 0) warnings.push(`${file}: skipped invalid lines ${results.invalidLines.join(', ')}`);
    if (results.tornTail) warnings.push(`${file}: skipped a torn last line (a write cut short by a crash)`);
    for (const record of results.records) {
      const samplesFile = record.samplesFile;
      if (samplesFile === undefined || isAbsolute(samplesFile)) all.push({ record, file });
      else all.push({ record: { ...record, samplesFile: relative(outputDirectory, resolve(dirname(file), samplesFile)) }, file });
    }
  }
  const firstOk = new Map<string, Located>();
  const conflicts: string[] = [];
  for (const entry of all) {
    if (entry.record.status !== 'ok') continue;
    const earlier = firstOk.get(entry.record.id);
    if (!earlier) firstOk.set(entry.record.id, entry);
    else if (resultsOf(earlier.record) !== resultsOf(entry.record)) {
      conflicts.push(`run ${entry.record.id} (${describeRun(entry.record.config)}): mIoU ${earlier.record.meanIoU} in ${earlier.file}, ${entry.record.meanIoU} in ${entry.file}`);
    }
  }
  if (conflicts.length > 0 && prefer === 'error') {
    throw new BenchError(
      `merge: ${conflicts.length} run(s) have two different ok results, so two different codes or machines produced them; ` +
        `nothing was written. Pass --prefer first or --prefer last to keep one. ${conflicts.join('; ')}`,
    );
  }
  for (const conflict of conflicts) warnings.push(`conflict kept the ${prefer} file's result: ${conflict}`);
  const ordered = prefer === 'first' ? preferFirstOk(all) : all.map((entry) => entry.record);
  return { records: latestRecords(ordered), warnings };
}

/** Drops every `ok` record after the first of its id, so {@link latestRecords} keeps the first. */
function preferFirstOk(all: readonly Located[]): RunRecord[] {
  const seen = new Set<string>();
  return all
    .filter(({ record }) => {
      if (record.status !== 'ok') return true;
      if (seen.has(record.id)) return false;
      seen.add(record.id);
      return true;
    })
    .map((entry) => entry.record);
}
