import { TfsegError } from './tfseg-error';

/**
 * Root of every error @tfseg/cross-validation throws on purpose (bad options, too few groups, mismatched
 * samples). `CrossValidationError.isInstance` works across duplicate installs, where `instanceof` would
 * not; every tfseg error also answers `TfsegError.isInstance` through the shared `Symbol.for('tfseg.error')` marker.
 */
export class CrossValidationError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.cross-validation.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CrossValidationError';
  }
}
