/**
 * Checked file writing: every file tfseg writes (checkpoints here; results, samples, reports and merged
 * files in the bench) goes through these two functions, so a full disk, a quota or an I/O error can never
 * leave a 0-byte, torn or silently shortened file, and the error always names the path.
 *
 * Why not `write-file-atomic` (npm's): its `writeFileSync` issues one `writeSync` without checking the
 * byte count (the very bug of a short write on a nearly full disk), its errors do not name the path, it
 * does not fsync the folder after the rename, and it has no checked append for JSON Lines.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { TrainingError } from './errors';

/**
 * errno codes that mean the machine, not the input, is at fault: a full disk or quota, an I/O error, a
 * read-only file system, no permission, too many open files, no memory.
 */
export const ENVIRONMENT_ERROR_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'EMFILE', 'ENFILE', 'ENOMEM', 'EFBIG']);

/** A file could not be written (completely); `path` is the file, `code` the errno code (`ENOSPC`, ...). */
export class FileWriteError extends TrainingError {
  constructor(
    /** The file that was being written (not the temporary file). */
    readonly path: string,
    /** The errno code of the failure, e.g. `ENOSPC`; `ESHORT` when a write made no progress. */
    readonly code: string,
    cause: unknown,
  ) {
    // Not `instanceof Error`: errors of node:fs come from another realm under test runners.
    const message = (cause as { message?: unknown } | undefined)?.message;
    const reason = typeof message === 'string' ? message.replace(/^[A-Z]+: /, '') : String(cause);
    super(`cannot write ${path}: ${reason} (${code}); the file's previous content, if any, is unchanged`, { cause });
    this.name = 'FileWriteError';
  }

  /** True when the failure is the machine's (full disk, I/O error, permissions), not the caller's. */
  get isEnvironmental(): boolean {
    return ENVIRONMENT_ERROR_CODES.has(this.code);
  }
}

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : 'EUNKNOWN';
}

/** Writes all of `bytes` at the descriptor's position, looping over short writes; a write of 0 bytes is an error. */
function writeFully(descriptor: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    const count = writeSync(descriptor, bytes, written, bytes.length - written);
    if (count <= 0) throw Object.assign(new Error(`short write: ${written} of ${bytes.length} bytes written, then no progress`), { code: 'ESHORT' });
    written += count;
  }
}

function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** fsyncs a folder so a rename inside it is durable; some file systems refuse, which is harmless. */
function syncDirectory(directory: string): void {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(directory, 'r');
    fsyncSync(descriptor);
  } catch {
    // Not every platform lets a directory be opened or fsynced (Windows); the rename itself is atomic.
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

let temporaryCounter = 0;

/**
 * Replaces `path` with `data` atomically: writes a temporary file in the same folder (looping until every
 * byte is written), fsyncs it, renames it over `path` and fsyncs the folder. On any failure the temporary
 * file is removed, the old `path` is left exactly as it was, and a {@link FileWriteError} naming `path`
 * is thrown. Creates missing parent folders.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const directory = dirname(path);
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${temporaryCounter++}.tmp`);
  let descriptor: number | undefined;
  try {
    mkdirSync(directory, { recursive: true });
    if (isDirectory(path)) throw Object.assign(new Error(`${path} is a folder, expected a file`), { code: 'EISDIR' });
    descriptor = openSync(temporary, 'wx');
    writeFully(descriptor, toBytes(data));
    fsyncSync(descriptor);
    closeSync(descriptor);
    descriptor = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (descriptor !== undefined) {
      try {
        closeSync(descriptor);
      } catch {
        // Already failing; the close error adds nothing.
      }
    }
    removeQuietly(temporary);
    throw new FileWriteError(path, errorCode(error), error);
  }
  syncDirectory(directory);
}

/**
 * Appends `data` (e.g. one JSON line) to `path` with `O_APPEND`, looping until every byte is written, then
 * fsyncs. If the append fails part-way (a full disk), the file is cut back to its previous length, so it
 * never ends in a torn line, and a {@link FileWriteError} naming `path` is thrown. Creates missing folders.
 */
export function appendFileChecked(path: string, data: string | Uint8Array): void {
  let descriptor: number | undefined;
  let sizeBefore: number | undefined;
  try {
    mkdirSync(dirname(path), { recursive: true });
    if (isDirectory(path)) throw Object.assign(new Error(`${path} is a folder, expected a file`), { code: 'EISDIR' });
    descriptor = openSync(path, 'a');
    sizeBefore = fstatSync(descriptor).size;
    writeFully(descriptor, toBytes(data));
    fsyncSync(descriptor);
  } catch (error) {
    if (descriptor !== undefined && sizeBefore !== undefined) {
      try {
        ftruncateSync(descriptor, sizeBefore);
        fsyncSync(descriptor);
      } catch {
        // Truncating to a smaller size needs no space; if even that fails the reader's torn-line rule applies.
      }
    }
    throw new FileWriteError(path, errorCode(error), error);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // The temporary file was never created (its folder is missing or not a folder).
  }
}
