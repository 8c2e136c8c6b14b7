const marker = Symbol.for('tfseg.losses.error');

/**
 * Thrown for a bad argument to any `@tfseg/losses` function (spec, tensor shapes or values). The message
 * names the function, the argument, the value and what was expected, like tfjs' own op errors.
 */
export class LossArgumentError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LossArgumentError';
  }

  /** True for a `LossArgumentError`, also one created by another copy of this package. */
  static isInstance(error: unknown): error is LossArgumentError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
