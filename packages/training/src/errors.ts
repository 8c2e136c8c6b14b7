import type { z } from 'zod';
import { describeArgumentIssues, TfsegError } from './tfseg-error';

/**
 * Root of every error @tfseg/training throws on purpose (bad options, missing backend, non-finite
 * loss, incompatible checkpoint). `TrainingError.isInstance` works across duplicate installs, where
 * `instanceof` would not; every tfseg error also answers `TfsegError.isInstance` through the shared
 * `Symbol.for('tfseg.error')` marker.
 */
export class TrainingError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.training.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingError';
  }

  /** `Error in <where>: invalid options: <field>: <rule>; …` for every issue. */
  static override formatZodError(error: z.ZodError, where: string, _value?: unknown, _argument?: string): string {
    const details = error.issues
      .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(options)'}: ${issue.message}`)
      .join('; ');
    return `Error in ${where}: invalid options: ${details}`;
  }
}

/** Thrown for a bad data argument (a patch set whose arrays do not match its shape); names the argument and field. */
export class TrainingDataError extends TrainingError {
  static override readonly marker: symbol = Symbol.for('tfseg.training.data-error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainingDataError';
  }

  /** `Error in <where>: <argument>.<field>: <rule>; …` for every issue. */
  static override formatZodError(error: z.ZodError, where: string, _value: unknown, argument: string): string {
    return describeArgumentIssues(error, where, argument);
  }
}

/** Thrown when the training loss becomes NaN or ±Infinity; names the epoch and step where it happened. */
export class NonFiniteLossError extends TrainingError {
  static override readonly marker: symbol = Symbol.for('tfseg.training.non-finite-loss-error');

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
  static override readonly marker: symbol = Symbol.for('tfseg.training.aborted-error');

  constructor(readonly epoch: number) {
    super(`train was aborted during epoch ${epoch}; rerun with the same checkpointDir to resume`);
    this.name = 'AbortError';
  }
}

/**
 * Thrown when a known backend cannot be used on this machine (a missing native library such as
 * libtensorflow or CUDA, a module that fails to load): the environment is at fault, not the input.
 */
export class BackendUnavailableError extends TrainingError {
  constructor(
    /** The backend that was asked for. */
    readonly backend: string,
    message: string,
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }
}
