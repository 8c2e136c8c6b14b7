import type { z } from 'zod';
import { describeArgumentIssues, TfsegError } from './tfseg-error';

/**
 * Root of every error this package throws on purpose: bad arguments, and data files that are missing,
 * truncated, corrupt, of the wrong size or with unexpected values. The message names the file (or
 * argument), the value and the rule. `DatasetsError.isInstance` works across duplicate installs of the
 * package; every tfseg error also answers `TfsegError.isInstance` through the shared
 * `Symbol.for('tfseg.error')` marker.
 */
export class DatasetsError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.datasets.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatasetsError';
  }

  /** `Error in <where>: <argument>.<field>: <rule>; …` for every issue (`Error in prepareFold: options.fold: Too big: …`). */
  static override formatZodError(error: z.ZodError, where: string, _value: unknown, argument: string): string {
    return describeArgumentIssues(error, where, argument);
  }
}

/** The name {@link DatasetsError} had before every package's root error was named after its package; the same class. */
export const DatasetError = DatasetsError;
/** The name {@link DatasetsError} had before every package's root error was named after its package; the same class. */
export type DatasetError = DatasetsError;

/** Wraps a decoder failure into a DatasetError that names the file. */
export function fileError(file: string, problem: string, cause?: unknown): DatasetError {
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new DatasetError(`${file}: ${problem}${detail}`, cause === undefined ? undefined : { cause });
}
