import { TfsegError } from './tfseg-error';

/**
 * Root of every error @tfseg/metrics throws on purpose (bad options, labels out of range, mismatched
 * inputs). `MetricsError.isInstance` works across duplicate installs, where `instanceof` would not; every
 * tfseg error also answers `TfsegError.isInstance` through the shared `Symbol.for('tfseg.error')` marker.
 */
export class MetricsError extends TfsegError {
  static override readonly marker: symbol = Symbol.for('tfseg.metrics.error');

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MetricsError';
  }
}
