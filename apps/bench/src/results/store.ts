/**
 * The results file: JSON Lines, one {@link RunRecord} per line, appended by one writer per file. Each
 * record is written as one complete line with a single `write` on an `O_APPEND` descriptor and then
 * fsynced, so a finished run survives Ctrl-C, a kill or a power cut; a crash can at worst leave a torn last
 * line, which readers ignore and the next sweep cuts off before appending.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  // A file that ends in '\n' splits into a trailing empty string; anything else there is a torn line.
  const tail = lines.pop() ?? '';
  const records: RunRecord[] = [];
  const invalidLines: number[] = [];
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseRecordLine(line);
    if (record) records.push(record);
    else invalidLines.push(index + 1);
  });
  return { records, invalidLines, tornTail: tail.trim() !== '' };
}

function parseRecordLine(line: string): RunRecord | undefined {
  try {
    const result = runRecordSchema.safeParse(JSON.parse(line));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Cuts a torn last line (from a crash mid-write) off a results file, so the next append starts clean. */
export function repairResultsFile(file: string): boolean {
  if (!existsSync(file) || statSync(file).size === 0) return false;
  const bytes = readFileSync(file);
  if (bytes[bytes.length - 1] === 0x0a) return false;
  truncateSync(file, bytes.lastIndexOf(0x0a) + 1);
  return true;
}

/**
 * Appends one record as one line: a single write on an `O_APPEND` descriptor (never interleaved with
 * another append), then fsync before returning, so a returned append is on disk.
 */
export function appendRecord(file: string, record: RunRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  const line = Buffer.from(JSON.stringify(runRecordSchema.parse(record)) + '\n', 'utf8');
  const descriptor = openSync(file, 'a');
  try {
    let written = 0;
    while (written < line.length) written += writeSync(descriptor, line, written);
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/** Writes a whole results file atomically (temp file, fsync, rename). */
export function writeResults(file: string, records: readonly RunRecord[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const descriptor = openSync(temporary, 'w');
  try {
    writeSync(descriptor, records.map((record) => JSON.stringify(record) + '\n').join(''));
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
  renameSync(temporary, file);
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
