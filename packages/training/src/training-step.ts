import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { LossFunction } from '@tfseg/losses';
import { Adam, type AdamOptions } from './adam';

/** One optimisation step of a model: forward in training mode, loss, gradients, Adam update. */
export interface TrainingStep {
  /**
   * Runs one step on a batch (labels as the loss takes them: one-hot, multi-hot or integer labels) and returns its loss. A non-finite loss is returned without updating the
   * weights, so the caller can stop with the model as it was before the bad step.
   */
  run(images: tf.Tensor4D, labels: tf.Tensor): Promise<number>;
  readonly optimizer: Adam;
  dispose(): void;
}

/** The model's trainable variables, in `model.trainableWeights` order. */
function trainableVariables(model: LayersModel): tf.Variable[] {
  return model.trainableWeights.map((weight) => weight.read() as tf.Variable);
}

/** Builds the step used by `train` and `measureTrainingStep`, so both time and run the same code. */
export function createTrainingStep(model: LayersModel, loss: LossFunction, optimizerOptions: AdamOptions): TrainingStep {
  const variables = trainableVariables(model);
  const optimizer = new Adam(variables, optimizerOptions);
  return {
    optimizer,
    async run(images, labels) {
      const { value, grads } = tf.variableGrads(() => loss(labels, model.apply(images, { training: true }) as tf.Tensor), variables);
      try {
        const lossValue = (await value.data())[0] as number;
        if (Number.isFinite(lossValue)) optimizer.applyGradients(variables.map((variable) => grads[variable.name] as tf.Tensor));
        return lossValue;
      } finally {
        value.dispose();
        tf.dispose(grads);
      }
    },
    dispose() {
      optimizer.dispose();
    },
  };
}
