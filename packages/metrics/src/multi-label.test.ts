import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { ConfusionMatrix, MetricsError, MultiLabelConfusionMatrix } from './index';

describeOnBackends('binary sigmoid outputs (threshold 0.5)', () => {
  it('a one-channel probability map is read as foreground where p > 0.5, by hand', async () => {
    // Truth mask 1 1 0 0, prediction 0.9 0.4 0.6 0.1 → foreground TP 1, FN 1, FP 1; background TP 1.
    const matrix = new ConfusionMatrix(2, { threshold: 0.5 });
    await expectNoTensorLeak(() => {
      const truth = tf.tensor4d([1, 1, 0, 0], [1, 2, 2, 1]);
      const prediction = tf.tensor4d([0.9, 0.4, 0.6, 0.1], [1, 2, 2, 1]);
      matrix.update(truth, prediction);
      tf.dispose([truth, prediction]);
    });
    expect(matrix.counts).toEqual([[1, 1], [1, 1]]);
    expect(matrix.iou()).toEqual([1 / 3, 1 / 3]);
    expect(matrix.dice()).toEqual([0.5, 0.5]);
    // Integer label maps still work beside thresholded scores, and the option survives JSON.
    matrix.update(new Int32Array([1]), tf.tensor4d([0.7], [1, 1, 1, 1]));
    expect(ConfusionMatrix.fromJSON(JSON.parse(JSON.stringify(matrix))).counts).toEqual([[1, 1], [1, 2]]);
  });

  it('rejects a threshold with numClasses ≠ 2 and several channels', () => {
    expect(() => new ConfusionMatrix(3, { threshold: 0.5 })).toThrow(/numClasses must be 2, but got 3/);
    const matrix = new ConfusionMatrix(2, { threshold: 0.5 });
    expect(() => matrix.update(tf.zeros([1, 2, 2, 3]), tf.zeros([1, 2, 2, 3]))).toThrow(/last axis must have 1 entry \(use MultiLabelConfusionMatrix/);
  });
});

describeOnBackends('MultiLabelConfusionMatrix', () => {
  it('scores each channel as its own binary mask, by hand', async () => {
    const matrix = new MultiLabelConfusionMatrix(2, { channelNames: ['vessel', 'lesion'] });
    await expectNoTensorLeak(() => {
      // Four pixels × two channels: vessel truth 1 1 0 0, predicted 0.9 0.2 0.8 0.1 (TP 1, FN 1, FP 1);
      // lesion truth 0 0 0 0, predicted all below 0.5 (empty in both → NaN, left out of the means).
      const truth = tf.tensor3d([1, 0, 1, 0, 0, 0, 0, 0], [1, 4, 2]);
      const prediction = tf.tensor3d([0.9, 0.1, 0.2, 0.3, 0.8, 0.4, 0.1, 0.0], [1, 4, 2]);
      matrix.update(truth, prediction);
      tf.dispose([truth, prediction]);
    });
    expect(matrix.iou()[0]).toBeCloseTo(1 / 3, 12);
    expect(matrix.iou()[1]).toBeNaN();
    expect(matrix.dice()[0]).toBeCloseTo(0.5, 12);
    expect(matrix.meanIoU()).toBeCloseTo(1 / 3, 12);
    expect(matrix.report().channelNames).toEqual(['vessel', 'lesion']);
  });

  it('agrees with a binary ConfusionMatrix on one channel, and uses its threshold (logits at 0)', () => {
    const truth = tf.tensor4d([1, 0, 1, 1, 0, 0], [1, 2, 3, 1]);
    const logits = tf.tensor4d([2, -1, -0.5, 3, 0.2, -4], [1, 2, 3, 1]);
    const multi = new MultiLabelConfusionMatrix(1, { threshold: 0 }).update(truth, logits);
    const binary = new ConfusionMatrix(2, { threshold: 0 }).update(truth, logits);
    expect(multi.iou()).toEqual([binary.iou()[1]]);
    expect(multi.dice()).toEqual([binary.dice()[1]]);
    tf.dispose([truth, logits]);
  });

  it('rejects shapes that do not match numChannels, naming the argument', () => {
    const matrix = new MultiLabelConfusionMatrix(3);
    expect(() => matrix.update(tf.zeros([2, 3]), tf.zeros([2, 2]))).toThrow(/prediction must have shape \[\.\.\., 3\] \(numChannels\), but got \[2, 2\]/);
    expect(() => new MultiLabelConfusionMatrix(0)).toThrow(MetricsError);
    expect(() => new MultiLabelConfusionMatrix(2, { channelNames: ['a'] })).toThrow(/channelNames must have numChannels = 2 entries/);
  });
});
