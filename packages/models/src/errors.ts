const marker = Symbol.for('tfseg.models.error');

/**
 * Thrown for a bad argument to any `@tfseg/models` function (options, input size, files). The message
 * names the function, the argument, the value and the rule, like tfjs' own op errors.
 */
export class ModelArgumentError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelArgumentError';
  }

  /** True for a `ModelArgumentError`, also one created by another copy of this package. */
  static isInstance(error: unknown): error is ModelArgumentError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
