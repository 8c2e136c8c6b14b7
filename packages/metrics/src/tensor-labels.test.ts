import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { ConfusionMatrix } from './index';

describeOnBackends('ConfusionMatrix.update with tensors', () => {
  it('takes int32 label tensors and float32 probabilities [..., C] (argmax over the last axis) without leaking', async () => {
    const truth = tf.tensor3d([[[0, 1], [2, 2]]], [1, 2, 2], 'int32');
    // Argmax per pixel: 0, 2, 2, 1 → counts: (0,0) (1,2) (2,2) (2,1).
    const probabilities = tf.tensor4d(
      [
        [0.7, 0.2, 0.1],
        [0.1, 0.3, 0.6],
        [0.2, 0.2, 0.6],
        [0.1, 0.8, 0.1],
      ].flat(),
      [1, 2, 2, 3],
    );
    const matrix = new ConfusionMatrix(3);
    await expectNoTensorLeak(() => matrix.update(truth, probabilities));
    expect(matrix.counts).toEqual([
      [1, 0, 0],
      [0, 0, 1],
      [0, 1, 1],
    ]);
    tf.dispose([truth, probabilities]);
  });

  it('accepts one-hot float32 truth and mixes tensors with typed arrays', async () => {
    const oneHot = tf.oneHot(tf.tensor1d([2, 0, 1], 'int32'), 3).toFloat();
    const matrix = new ConfusionMatrix(3);
    await expectNoTensorLeak(() => matrix.update(oneHot, Int32Array.from([2, 1, 1])));
    expect(matrix.counts).toEqual([
      [0, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    oneHot.dispose();
  });

  it('rejects a float32 tensor whose last axis is not numClasses, without leaking', async () => {
    const scores = tf.zeros([2, 2, 4]);
    const matrix = new ConfusionMatrix(3);
    await expectNoTensorLeak(() =>
      expect(() => matrix.update(Int32Array.from([0, 0, 0, 0]), scores)).toThrow('prediction is a float32 tensor of shape [2, 2, 4], read as class scores whose last axis must have numClasses = 3 entries'),
    );
    scores.dispose();
  });
});
