/**
 * Test-only fault injection, so the regression check can be shown to catch a broken loss for real: with
 * `TFSEG_BENCH_FAULT=negate-loss` in the environment every run trains on the negated loss (gradient
 * ascent), as a sign bug in a loss would. Never set it outside tests.
 */
import * as tf from '@tensorflow/tfjs';

/** The environment variable read by {@link injectLossFault}. */
export const FAULT_ENVIRONMENT_VARIABLE = 'TFSEG_BENCH_FAULT';

type Loss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Scalar;

/** Returns `loss` unchanged, or broken as `TFSEG_BENCH_FAULT` asks. */
export function injectLossFault<L extends Loss>(loss: L): L {
  const fault = process.env[FAULT_ENVIRONMENT_VARIABLE];
  if (!fault) return loss;
  if (fault === 'negate-loss') return ((yTrue: tf.Tensor, yPred: tf.Tensor) => tf.tidy(() => tf.neg(loss(yTrue, yPred)))) as L;
  throw new Error(`${FAULT_ENVIRONMENT_VARIABLE} must be 'negate-loss' or unset, but got ${JSON.stringify(fault)}`);
}
