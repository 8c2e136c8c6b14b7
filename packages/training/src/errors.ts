import type { ZodError } from 'zod';

const marker = Symbol.for('tfseg.training.error');

/**
 * Base class of every error @tfseg/training throws on purpose (bad options, missing backend, non-finite
 * loss, incompatible checkpoint). `TrainingError.isInstance` works across duplicate installs, where
 * `instanceof` would not.
 */
export class TrainingError extends Error {
  private readonly [marker] = true;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingError';
  }

  /** True for any {@link TrainingError}, even one thrown by another copy of this package. */
  static isInstance(error: unknown): error is TrainingError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}

/** Thrown when the training loss becomes NaN or ±Infinity; names the epoch and step where it happened. */
export class NonFiniteLossError extends TrainingError {
  constructor(
    /** Epoch (0-based) of the step whose loss was not finite. */
    readonly epoch: number,
    /** Global optimisation step (0-based, counted over all epochs). */
    readonly step: number,
    /** The loss value (NaN, Infinity or -Infinity). */
    readonly loss: number,
  ) {
    super(`Error in train: loss became ${loss} at step ${step} (epoch ${epoch}); training stopped before the weights were ruined further. Lower the learning rate or check the data and loss.`);
    this.name = 'NonFiniteLossError';
  }
}

/** Thrown when `train` is stopped through its `signal`; the last checkpoint (if any) is on disk. */
export class TrainingAbortedError extends TrainingError {
  constructor(readonly epoch: number) {
    super(`train was aborted during epoch ${epoch}; rerun with the same checkpointDir to resume`);
    this.name = 'AbortError';
  }
}

/** Wraps a zod failure into a {@link TrainingError} naming each failing field and its rule. */
export function optionsError(where: string, error: ZodError): TrainingError {
  const details = error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(options)'}: ${issue.message}`)
    .join('; ');
  return new TrainingError(`Error in ${where}: invalid options: ${details}`, { cause: error });
}
