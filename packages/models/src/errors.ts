import type { z } from 'zod';
import { TfsegError } from './tfseg-error';

/**
 * Root of every error `@tfseg/models` throws on purpose. `ModelsError.isInstance` works across duplicate
 * installs, where `instanceof` would not; every tfseg error also answers `TfsegError.isInstance` through
 * the shared `Symbol.for('tfseg.error')` marker.
 */
export class ModelsError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.models.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelsError';
  }
}

/**
 * Thrown for a bad argument to any `@tfseg/models` function (options, input size, files). The message
 * names the function, the argument, the value and the rule, like tfjs' own op errors.
 */
export class ModelArgumentError extends ModelsError {
  static override readonly marker: symbol = Symbol.for('tfseg.models.argument-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelArgumentError';
  }

  /** `Error in <where>: options.<field> is <value>: <rule>` for the first issue. */
  static override formatZodError(error: z.ZodError, where: string, value: unknown): string {
    const issue = error.issues[0];
    const path = issue?.path ?? [];
    const field = ['options', ...path.map(String)].join('.');
    const received = valueAt(value, path);
    return `Error in ${where}: ${field} is ${JSON.stringify(received) ?? String(received)}: ${issue?.message ?? 'invalid'}`;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
