import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { everyLossCase } from './__fixtures__/specs';
import { createLoss } from './index';


/** A learnable toy task: class = which of 3 intensity bands each pixel of a 4×4 image falls in. */
function toyData(): { x: tf.Tensor4D; y: tf.Tensor4D } {
  return tf.tidy(() => {
    const x = tf.randomUniform([16, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.cast(tf.clipByValue(tf.floor(tf.mul(x, 3)), 0, 2), 'int32');
    return { x, y: tf.oneHot(tf.reshape(labels, [16, 4, 4]), 3).toFloat() as tf.Tensor4D };
  });
}

/** Two per-pixel dense layers (dense acts on the last axis; the wasm backend has no conv2d gradient kernels). */
function toyModel(): tf.LayersModel {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4, 4, 1], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  return model;
}

/** Fits `model` for 25 epochs and checks the loss stayed finite and fell by at least 20%. */
async function expectFitLowersLoss(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const history = await model.fit(x, y, { epochs: 25, batchSize: 16, verbose: 0, shuffle: false });
  const losses = history.history.loss as number[];
  expect(losses.every(Number.isFinite)).toBe(true);
  expect(losses[losses.length - 1]!).toBeLessThan(0.8 * losses[0]!);
}

describeOnBackends('training with each loss', () => {
  it.each(everyLossCase())('%s: model.compile + model.fit decreases the loss', async (_, spec) => {
    const { x, y } = toyData();
    const model = toyModel();
    model.compile({ optimizer: tf.train.adam(0.05), loss: createLoss(spec) });
    await expectFitLowersLoss(model, x, y);
    model.dispose();
    tf.dispose([x, y]);
  });

  it.each(everyLossCase())('%s: model.compile with a one-channel sigmoid head (binary masks) learns', async (_, spec) => {
    const { x } = toyData();
    const mask = tf.tidy(() => tf.cast(tf.greater(x, 0.5), 'float32'));
    const model = tf.sequential();
    model.add(tf.layers.dense({ inputShape: [4, 4, 1], units: 8, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    model.compile({ optimizer: tf.train.adam(0.05), loss: createLoss({ ...spec, activation: 'sigmoid' }) });
    await expectFitLowersLoss(model, x, mask);
    model.dispose();
    tf.dispose([x, mask]);
  });

  it.each(everyLossCase())('%s: a custom loop with tf.grad of logits decreases the loss, without leaks', async (_, spec) => {
    const loss = createLoss({ ...spec, fromLogits: true });
    const labels = tf.tensor3d([[[0, 1], [2, 1]]], [1, 2, 2], 'int32');
    const logits = tf.variable(tf.zeros([1, 2, 2, 3]));
    const optimizer = tf.train.sgd(spec.name === 'dice' ? 5 : 2);
    const lossValue = () => tf.tidy(() => loss(labels, logits).dataSync()[0] as number);
    const first = lossValue();
    await expectNoTensorLeak(() => {
      for (let step = 0; step < 20; step++) tf.dispose(optimizer.minimize(() => loss(labels, logits), true) ?? []);
    });
    expect(lossValue()).toBeLessThan(0.5 * first);
    tf.dispose([labels, logits]);
    optimizer.dispose();
  });
});
