/**
 * Test-only fault injection, so the bench's tests can break a loss for real: `TFSEG_BENCH_FAULT` set to
 * `negate-loss` trains on the negated loss (gradient ascent, as a sign bug would) — `regress` must catch
 * it; `nan-loss` makes the loss NaN — the run must fail and the sweep go on. `<fault>:<loss name>` limits
 * it to runs of that loss (`nan-loss:ml`). Never set it outside tests.
 */
import * as tf from '@tensorflow/tfjs';
import type { LossFunction } from '@tfseg/losses';
import { BenchError } from '../errors';

/** The environment variable read by {@link injectLossFault}. */
export const FAULT_ENVIRONMENT_VARIABLE = 'TFSEG_BENCH_FAULT';

const faults: Record<string, (loss: LossFunction) => LossFunction> = {
  'negate-loss': (loss) => (yTrue, yPred) => tf.tidy(() => tf.neg(loss(yTrue, yPred))),
  'nan-loss': (loss) => (yTrue, yPred) => tf.tidy(() => tf.mul(loss(yTrue, yPred), NaN)),
};

/** Returns `loss` (of the loss named `lossName`) unchanged, or broken as `TFSEG_BENCH_FAULT` asks. */
export function injectLossFault(loss: LossFunction, lossName: string): LossFunction {
  const setting = process.env[FAULT_ENVIRONMENT_VARIABLE];
  if (!setting) return loss;
  const [fault = '', only] = setting.split(':');
  const inject = faults[fault];
  if (!inject) {
    throw new BenchError(`${FAULT_ENVIRONMENT_VARIABLE} must be one of ${Object.keys(faults).join(', ')} (optionally :<loss name>), but got ${JSON.stringify(setting)}`);
  }
  return only === undefined || only === lossName ? inject(loss) : loss;
}
