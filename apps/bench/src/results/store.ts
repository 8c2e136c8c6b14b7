/**
 * The results file: JSON Lines, one {@link RunRecord} per line, appended by one writer per file. Each
 * record is appended as one complete line on an `O_APPEND` descriptor (every byte checked) and fsynced, so
 * a finished run survives Ctrl-C, a kill or a power cut. A full disk cuts the file back to its previous
 * length and throws a `FileWriteError` naming it; a crash mid-write can at worst leave a torn last line,
 * which readers ignore and the next sweep cuts off before appending. A complete last record without its
 * newline (e.g. a file edited by hand) is a record, not a torn line.
 */
import { existsSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { appendFileChecked, writeFileAtomic } from '@tfseg/training';
import { BenchError } from '../errors';
import { runRecordSchema, type RunRecord } from './record';

/** What {@link readResults} found in a results file. */
export interface ResultsFile {
  /** Every valid record, in file order (a run may appear more than once: a failure, then a success). */
  records: RunRecord[];
  /** 1-based numbers of lines that are not a valid record (other than a torn last line). */
  invalidLines: number[];
  /** True when the file ends in a partial line (a write cut short by a crash). */
  tornTail: boolean;
}

/** Reads a results file; a missing file is an empty one. */
export function readResults(file: string): ResultsFile {
  if (!existsSync(file)) return { records: [], invalidLines: [], tornTail: false };
  if (statSync(file).isDirectory()) throw new BenchError(`results file ${file} is a folder, expected a JSONL file`);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  // A file that ends in '\n' splits into a trailing empty string; a last line without its newline is a
  // record when it parses as one, and torn (cut short by a crash) otherwise.
  const tail = lines.pop() ?? '';
  const tailRecord = tail.trim() === '' ? undefined : parseRecordLine(tail);
  const records: RunRecord[] = [];
  const invalidLines: number[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseRecordLine(line);
    if (record) records.push(record);
    else invalidLines.push(index + 1);
  });
  if (tailRecord) records.push(tailRecord);
  return { records, invalidLines, tornTail: tail.trim() !== '' && tailRecord === undefined };
}

/**
 * Throws a BenchError (before anything is written) unless `file` can be a results file to append to: it
 * is missing, empty, or a JSONL file whose first line is a run record. So `run --out README.md` is refused
 * instead of cutting the last line of somebody's file, and `--out some-folder/` names the folder.
 */
export function checkResultsFileTarget(file: string, flag = '--out'): void {
  if (!existsSync(file)) return;
  if (statSync(file).isDirectory()) throw new BenchError(`${flag} ${file} is a folder; expected a results file (JSONL), e.g. ${file.replace(/\/+$/, '')}/results.jsonl`);
  const text = readFileSync(file, 'utf8');
  const first = text.split('\n').find((line) => line.trim() !== '');
  if (first !== undefined && parseRecordLine(first) === undefined) {
    throw new BenchError(`${flag} ${file} exists and is not a tfseg results file (its first line is not a run record); choose another file — it was not changed`);
  }
}

function parseRecordLine(line: string): RunRecord | undefined {
  try {
    const result = runRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Makes a results file ready for the next append: a torn last line (from a crash mid-write) is cut off; a
 * complete last record without its newline gets the newline. Returns true when it changed the file.
 */
export function repairResultsFile(file: string): boolean {
  if (!existsSync(file) || statSync(file).size === 0) return false;
  const bytes = readFileSync(file);
  if (bytes[bytes.length - 1] === 0x0a) return false;
  const tailStart = bytes.lastIndexOf(0x0a) + 1;
  if (parseRecordLine(bytes.subarray(tailStart).toString('utf8')) !== undefined) appendFileChecked(file, '\n');
  else truncateSync(file, tailStart);
  return true;
}

/**
 * Appends one record as one line on an `O_APPEND` descriptor (never interleaved with another append),
 * every byte checked, then fsync before returning, so a returned append is on disk. On failure the file is
 * unchanged and a `FileWriteError` names it.
 */
export function appendRecord(file: string, record: RunRecord): void {
  appendFileChecked(file, JSON.stringify(runRecordSchema.parse(record)) + '\n');
}

/** Writes a whole results file atomically (temp file, checked writes, fsync, rename); on failure the old file stays. */
export function writeResults(file: string, records: readonly RunRecord[]): void {
  writeFileAtomic(file, records.map((record) => JSON.stringify(record) + '\n').join(''));
}

/**
 * One record per run id: an `ok` record beats a `failed` one, and among equals the later one wins (a rerun
 * supersedes). Order: first appearance of each id.
 */
export function latestRecords(records: readonly RunRecord[]): RunRecord[] {
  const byId = new Map<string, RunRecord>();
  for (const record of records) {
    const previous = byId.get(record.id);
    if (!previous || record.status === 'ok' || previous.status === 'failed') byId.set(record.id, record);
  }
  return [...byId.values()];
}

/** Ids of the runs that finished with status `ok`: the runs a resumed sweep skips. */
export function finishedRunIds(records: readonly RunRecord[]): Set<string> {
  return new Set(records.filter((record) => record.status === 'ok').map((record) => record.id));
}
