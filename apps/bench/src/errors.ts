/**
 * Errors and exit codes of `tfseg-bench`. Every command ends with one of five codes, chosen by the class of
 * what went wrong (never by message text):
 *
 * | code | meaning | raised by |
 * | --- | --- | --- |
 * | 0 | ok | |
 * | 1 | runs failed, or a regression | the command itself (`process.exitCode`) |
 * | 2 | bad input: flags, config, data files, results files | {@link BenchError}, any tfseg package error (`TfsegError`), zod, commander |
 * | 3 | environment failure: full disk, I/O error, permissions, a missing native library | `FileWriteError` with an environmental errno, {@link EnvironmentError}, `BackendUnavailableError`, node errors with an environmental errno |
 * | 4 | internal error: a bug | anything else |
 *
 * Errors go to stderr as one line `tfseg-bench: <message>` (the stack too for code 4).
 */
import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { BackendUnavailableError, ENVIRONMENT_ERROR_CODES, FileWriteError } from '@tfseg/training';
import { describeArgumentIssues, describeZodIssues, TfsegError } from './tfseg-error';

/** Exit code: everything went fine. */
export const EXIT_OK = 0;
/** Exit code: some runs failed, or `regress` found a regression. */
export const EXIT_RUNS_FAILED = 1;
/** Exit code for bad input (bad flags, bad config, missing or corrupt data, unknown backend). */
export const EXIT_BAD_INPUT = 2;
/** Exit code for an environment failure (disk full, I/O error, missing system library); the message names the path or library. */
export const EXIT_ENVIRONMENT = 3;
/** Exit code for an internal error (a bug in tfseg). */
export const EXIT_INTERNAL = 4;

/**
 * Root of every error the bench throws on purpose (bad flags, config, results or baseline files).
 * `BenchError.isInstance` works across copies; every tfseg error (the packages' too) answers
 * `TfsegError.isInstance` through the shared `Symbol.for('tfseg.error')` marker.
 */
export class BenchError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.bench.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BenchError';
  }

  /** `Error in <where>: <argument>.<field>: <rule>; …` for every issue. */
  static override formatZodError(error: ZodError, where: string, _value: unknown, argument: string): string {
    return describeArgumentIssues(error, where, argument);
  }
}

/** Bad options of a CLI command; the message names each flag as `<command>.<flag>: <rule>`. */
export class CommandOptionsError extends BenchError {
  static override readonly marker: symbol = Symbol.for('tfseg.bench.command-options-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CommandOptionsError';
  }

  /** `<command>.<flag>: <rule>; …` for every issue (`where` is the command's name). */
  static override formatZodError(error: ZodError, where: string): string {
    return formatZodError(error, where);
  }
}

/** A file the bench reads (baseline, samples) whose content does not match its schema; names the file and the first bad field. */
export class FileContentError extends BenchError {
  static override readonly marker: symbol = Symbol.for('tfseg.bench.file-content-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FileContentError';
  }

  /** `<where>: <field>: <rule>` for the first issue (`where` names the file). */
  static override formatZodError(error: ZodError, where: string): string {
    const issue = error.issues[0];
    return `${where}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`;
  }
}

/** Formats a zod failure as `path.to.field: message` lines, so users see which field is wrong. */
export function formatZodError(error: ZodError, source = 'options'): string {
  return describeZodIssues(error, { source, showValues: false });
}

/** The machine, not the input, is at fault (e.g. a forked worker cannot start). Exit code 3. */
export class EnvironmentError extends BenchError {
  static override readonly marker: symbol = Symbol.for('tfseg.bench.environment-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvironmentError';
  }
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The exit code for an error, by its class (see the table at the top of this file). */
export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
  if (typeof error !== 'object' || error === null) return EXIT_INTERNAL;
  if (error instanceof FileWriteError) return error.isEnvironmental ? EXIT_ENVIRONMENT : EXIT_BAD_INPUT;
  if (EnvironmentError.isInstance(error) || error instanceof BackendUnavailableError) return EXIT_ENVIRONMENT;
  const code = errnoCode(error);
  if (code !== undefined && ENVIRONMENT_ERROR_CODES.has(code)) return EXIT_ENVIRONMENT;
  if (error instanceof ZodError || TfsegError.isInstance(error)) return EXIT_BAD_INPUT;
  return EXIT_INTERNAL;
}

/** Prints one clear line for any error on stderr and exits with {@link exitCodeFor}'s code. */
export function exitWithError(error: unknown): never {
  const code = exitCodeFor(error);
  // commander already printed its message (help, version, or a usage error).
  if (error instanceof CommanderError) process.exit(code);
  const message = error instanceof ZodError ? formatZodError(error) : error instanceof Error ? error.message : String(error);
  const path = (error as { path?: unknown } | null)?.path;
  process.stderr.write(`tfseg-bench: ${message}${typeof path === 'string' && !message.includes(path) ? ` (${path})` : ''}\n`);
  if (code === EXIT_INTERNAL && error instanceof Error && error.stack) {
    process.stderr.write(`internal error, please report it with this trace:\n${error.stack}\n`);
  }
  process.exit(code);
}
