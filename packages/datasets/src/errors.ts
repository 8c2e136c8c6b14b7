import type { ZodError, ZodType } from 'zod';

const marker = Symbol.for('tfseg.datasets.error');

/**
 * Every error this package throws on purpose: bad arguments, and data files that are missing, truncated,
 * corrupt, of the wrong size or with unexpected values. The message names the file (or argument), the
 * value and the rule. `DatasetError.isInstance` works across duplicate installs of the package.
 */
export class DatasetError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetError';
  }

  /** True for a DatasetError from any copy of this package. */
  static isInstance(error: unknown): error is DatasetError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/**
 * Parses `value` with `schema` at a public boundary; a failure becomes a DatasetError naming each field
 * and rule (`Error in prepareFold: options.fold: Too big: expected number to be <5`), with the ZodError
 * as `cause`.
 */
export function parseOptions<T>(schema: ZodType<T>, value: unknown, where: string, source = 'options'): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new DatasetError(`Error in ${where}: ${describeZodError(result.error, source)}`, { cause: result.error });
}

function describeZodError(error: ZodError, source: string): string {
  return error.issues
    .map((issue) => `${source}${issue.path.length ? '.' + issue.path.join('.') : ''}: ${issue.message}`)
    .join('; ');
}

/** Wraps a decoder failure into a DatasetError that names the file. */
export function fileError(file: string, problem: string, cause?: unknown): DatasetError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new DatasetError(`${file}: ${problem}${detail}`, cause === undefined ? undefined : { cause });
}
