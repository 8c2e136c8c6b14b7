import type { z } from 'zod';

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

/**
 * Parses `value` with `schema` or throws a {@link MetricsError} that names each bad field, its rule and the
 * value received (the ZodError is kept as `cause`).
 */
export function parseOptions<Schema extends z.ZodType>(where: string, schema: Schema, value: unknown): z.output<Schema> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'options';
    // An unknown key or a cross-field rule is about the whole object, whose value would only repeat the input.
    const showsValue = issue.code !== 'unrecognized_keys' && issue.code !== 'custom' && 'input' in issue && issue.input !== undefined;
    const received = showsValue ? `, but got ${preview(issue.input)}` : '';
    return `${field}: ${issue.message}${received}`;
  });
  throw new MetricsError(`Error in ${where}: ${issues.join('; ')}`, { cause: result.error });
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
