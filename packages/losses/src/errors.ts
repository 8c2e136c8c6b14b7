import type { z } from 'zod';
import { TfsegError } from './tfseg-error';

/**
 * Root of every error `@tfseg/losses` throws on purpose. `LossesError.isInstance` works across duplicate
 * installs, where `instanceof` would not; every tfseg error also answers `TfsegError.isInstance` through
 * the shared `Symbol.for('tfseg.error')` marker.
 */
export class LossesError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.losses.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LossesError';
  }
}

/**
 * Thrown for a bad argument to any `@tfseg/losses` function (spec, tensor shapes or values). The message
 * names the function, the argument, the value and what was expected, like tfjs' own op errors.
 */
export class LossArgumentError extends LossesError {
  static override readonly marker: symbol = Symbol.for('tfseg.losses.argument-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LossArgumentError';
  }

  /** `Error in <where>: <field> <rule>, but got <value>` for the first issue, naming the valid loss names or the unknown options. */
  static override formatZodError(error: z.ZodError, where: string, value: unknown): string {
    const issue = error.issues[0];
    let detail: string;
    if (typeof value !== 'object' || value === null) {
      detail = `spec must be an object like { name: 'ml' }, but got ${describeValue(value)}`;
    } else if (issue === undefined) {
      detail = 'spec is invalid';
    } else if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) {
      // A discriminated union lists the names it accepts (lossSpecSchema: the loss names).
      detail = `${issue.path.map(String).join('.')} must be one of ${issue.options.map((name) => `"${String(name)}"`).join(', ')}, but got ${describeValue(valueAt(value, issue.path))}`;
    } else if (issue.code === 'unrecognized_keys') {
      const name = describeValue(valueAt(value, ['name']));
      detail = `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')} for loss ${name}`;
    } else {
      detail = `${issue.path.map(String).join('.')} ${issue.message}, but got ${describeValue(valueAt(value, issue.path))}`;
    }
    return `Error in ${where}: ${detail}`;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined || typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return JSON.stringify(value);
  } catch {
    return typeof value;
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = input;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}
