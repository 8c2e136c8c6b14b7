import { CommanderError } from 'commander';
import { ZodError } from 'zod';
import { describeArgumentIssues, describeZodIssues, TfsegError } from './tfseg-error';

/** Exit code for bad input (bad flags, bad config, missing data, unknown backend). */
export const EXIT_BAD_INPUT = 2;

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

/** Prints one clear line for any error and exits: 2 for bad input and failures, 0 for --help/--version. */
export function exitWithError(error: unknown): never {
  if (error instanceof CommanderError) {
    // commander already printed its message (help, version, or a usage error).
    process.exit(error.exitCode === 0 ? 0 : EXIT_BAD_INPUT);
  }
  const message = error instanceof ZodError ? formatZodError(error) : error instanceof Error ? error.message : String(error);
  process.stderr.write(`tfseg-bench: ${message}\n`);
  process.exit(EXIT_BAD_INPUT);
}
