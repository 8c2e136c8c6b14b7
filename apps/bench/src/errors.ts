import { CommanderError } from 'commander';
import { ZodError } from 'zod';

/** Exit code for bad input (bad flags, bad config, missing data, unknown backend). */
export const EXIT_BAD_INPUT = 2;

/** Formats a zod failure as `path.to.field: message` lines, so users see which field is wrong. */
export function formatZodError(error: ZodError, source = 'options'): string {
  return error.issues
    .map((issue) => `${source}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`)
    .join('; ');
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
