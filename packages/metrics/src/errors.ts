import type { ZodError } from 'zod';

const marker = Symbol.for('tfseg.metrics.error');

/**
 * Base class of every error @tfseg/metrics throws on purpose (bad options, labels out of range, mismatched
 * inputs). `MetricsError.isInstance` works across duplicate installs, where `instanceof` would not.
 */
export class MetricsError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsError';
  }

  /** True for any {@link MetricsError}, even one thrown by another copy of this package. */
  static isInstance(error: unknown): error is MetricsError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** Wraps a zod failure into a {@link MetricsError} whose message names each field and its rule. */
export function optionsError(where: string, error: ZodError): MetricsError {
  const issues = error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : 'value'}: ${issue.message}`);
  return new MetricsError(`Error in ${where}: invalid options (${issues.join('; ')})`, { cause: error });
}
