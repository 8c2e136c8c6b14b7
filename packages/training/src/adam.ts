import * as tf from '@tensorflow/tfjs-core';
import { TrainingError } from './errors';
import { ADAM_UPDATE, applyAdamUpdate, type AdamUpdateGroup } from './wasm-kernels/AdamUpdate';
import { z } from 'zod';

/** Adam's settings; the defaults are the paper's (lr 1e-3, section 4) and Keras' (β₁ 0.9, β₂ 0.999, ε 1e-7). */
export const adamOptionsSchema = z.object({
  name: z.literal('adam').default('adam'),
  /** Step size α. */
  learningRate: z.number().positive().default(1e-3),
  /** Decay of the first-moment estimate, in [0, 1). */
  beta1: z.number().min(0).lt(1).default(0.9),
  /** Decay of the second-moment estimate, in [0, 1). */
  beta2: z.number().min(0).lt(1).default(0.999),
  /** Added to √v̂ so the update stays finite. */
  epsilon: z.number().positive().default(1e-7),
});
/** Adam's settings after defaults (see {@link adamOptionsSchema}). */
export type AdamOptions = z.output<typeof adamOptionsSchema>;

/** Everything needed to continue Adam exactly where it stopped. */
export interface AdamState {
  /** Number of updates applied so far (t). */
  step: number;
  firstMoments: Float32Array[];
  secondMoments: Float32Array[];
}

/**
 * A float32 variable of zeros shaped like `like`. `tf.zeros` writes a zero array without running a kernel
 * (`tf.zerosLike` runs ZerosLike once per moment: 128 of the kernel calls that profiling a fresh training
 * step of the U-Net counted, which were no part of the step).
 */
function zeroVariableLike(like: tf.Tensor): tf.Variable {
  const zeros = tf.zeros(like.shape, 'float32');
  const variable = tf.variable(zeros, false);
  zeros.dispose();
  return variable;
}

/**
 * Adam (Kingma & Ba 2014), the same update as `tf.train.adam`, but its whole state is the step count and
 * the two moment buffers: the bias corrections are computed from `step` in double precision, so a run
 * resumed from a checkpoint continues bit for bit (tfjs' Adam re-derives β^t with `pow` on resume, which
 * differs in the last bits from its running product).
 */
export class Adam {
  private step = 0;
  private readonly firstMoments: tf.Variable[];
  private readonly secondMoments: tf.Variable[];

  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly options: AdamOptions,
  ) {
    this.firstMoments = variables.map(zeroVariableLike);
    this.secondMoments = variables.map(zeroVariableLike);
  }

  /** Applies one update; `gradients[i]` belongs to `variables[i]`. */
  applyGradients(gradients: readonly tf.Tensor[]): void {
    this.step += 1;
    const { learningRate, beta1, beta2, epsilon } = this.options;
    const firstCorrection = 1 / (1 - beta1 ** this.step);
    const secondCorrection = 1 / (1 - beta2 ** this.step);
    // On wasm one fused kernel call for all variables, in place (wasm-kernels/AdamUpdate.ts), with the same float32 arithmetic.
    if (tf.getKernel(ADAM_UPDATE, tf.getBackend()) !== undefined) {
      const groups = this.variables.map((variable, index): AdamUpdateGroup => [variable, this.firstMoments[index] as tf.Variable, this.secondMoments[index] as tf.Variable, gradients[index] as tf.Tensor]);
      applyAdamUpdate(groups, { beta1, beta2, epsilon, learningRate, firstCorrection, secondCorrection });
      return;
    }
    tf.tidy(() => {
      this.variables.forEach((variable, index) => {
        const gradient = gradients[index] as tf.Tensor;
        const firstMoment = this.firstMoments[index] as tf.Variable;
        const secondMoment = this.secondMoments[index] as tf.Variable;
        const newFirst = tf.add(tf.mul(firstMoment, beta1), tf.mul(gradient, 1 - beta1));
        const newSecond = tf.add(tf.mul(secondMoment, beta2), tf.mul(tf.square(gradient), 1 - beta2));
        firstMoment.assign(newFirst);
        secondMoment.assign(newSecond);
        const update = tf.div(tf.mul(newFirst, firstCorrection), tf.add(tf.sqrt(tf.mul(newSecond, secondCorrection)), epsilon));
        variable.assign(tf.sub(variable, tf.mul(update, learningRate)));
      });
    });
  }

  /** A copy of the state (step count and moments), for checkpoints. */
  async getState(): Promise<AdamState> {
    const read = (variables: tf.Variable[]): Promise<Float32Array[]> => Promise.all(variables.map(async (variable) => ((await variable.data()) as Float32Array).slice()));
    return { step: this.step, firstMoments: await read(this.firstMoments), secondMoments: await read(this.secondMoments) };
  }

  /** Restores a state written by {@link Adam.getState}; the buffer sizes must match the variables. */
  setState(state: AdamState): void {
    const write = (targets: tf.Variable[], values: Float32Array[], what: string): void => {
      targets.forEach((target, index) => {
        const value = values[index];
        if (!value || value.length !== target.size) {
          throw new TrainingError(`Adam state: ${what}[${index}] has ${value?.length ?? 0} values, but variable '${this.variables[index]?.name}' has ${target.size}`);
        }
        tf.tidy(() => target.assign(tf.tensor(value, target.shape)));
      });
    };
    if (state.firstMoments.length !== this.variables.length || state.secondMoments.length !== this.variables.length) {
      throw new TrainingError(`Adam state: holds moments for ${state.firstMoments.length} variables, but the model has ${this.variables.length} trainable weights`);
    }
    write(this.firstMoments, state.firstMoments, 'firstMoments');
    write(this.secondMoments, state.secondMoments, 'secondMoments');
    this.step = state.step;
  }

  /** Frees the moment buffers. */
  dispose(): void {
    for (const variable of [...this.firstMoments, ...this.secondMoments]) variable.dispose();
  }
}
