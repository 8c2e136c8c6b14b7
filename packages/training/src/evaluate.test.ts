import * as tf from '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { TrainingError } from './errors';
import { evaluate, predict } from './evaluate';
import type { PatchSet } from './patch-set';
import { syntheticDisks } from './__fixtures__/synthetic-disks';

/** 1×1 conv + softmax with logits (6 − 10x, 10x − 6): class 1 where the pixel is above 0.6 (disk pixels are ≥ 0.6, noise < 0.6). */
function thresholdModel(): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [null, null, 1], filters: 2, kernelSize: 1, activation: 'softmax' })] });
  const kernel = tf.tensor4d([-10, 10], [1, 1, 1, 2]);
  const bias = tf.tensor1d([6, -6]);
  model.setWeights([kernel, bias]);
  tf.dispose([kernel, bias]);
  return model;
}

describeOnBackends('predict and evaluate', () => {
  it('scores a hand-checkable 2×2 patch: confusion [[2,1],[0,1]], IoU 2/3 and 1/2', async () => {
    const model = thresholdModel();
    const set: PatchSet = { images: Float32Array.of(0.1, 0.9, 0.7, 0.2), labels: Uint8Array.of(0, 1, 0, 0), count: 1, height: 2, width: 2, channels: 1 };
    const result = await expectNoTensorLeak(() => evaluate(model, set, 2));
    expect(result.confusion).toEqual([[2, 1], [0, 1]]);
    expectAllClose(result.classIoU, [2 / 3, 1 / 2]);
    expectAllClose([result.meanIoU], [7 / 12]);
    model.dispose();
  });

  it('gives the same label maps for any batch size, without leaking tensors', async () => {
    const model = thresholdModel();
    const set = syntheticDisks(5, 8, 11);
    const reference = predict(model, set, { batchSize: 5 });
    expect(Array.from(reference)).toEqual(Array.from(set.labels));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 7 }), async (batchSize) => {
        const labels = await expectNoTensorLeak(() => predict(model, set, { batchSize }));
        expect(Array.from(labels)).toEqual(Array.from(reference));
      }),
      { numRuns: 5 },
    );
    model.dispose();
  });

  it('names the bad argument', () => {
    const model = thresholdModel();
    const set = syntheticDisks(1, 4, 1);
    expect(() => evaluate(model, { ...set, labels: set.labels.fill(2) }, 2)).toThrow('Error in evaluate: set.labels holds class 2, but numClasses is 2 (classes are 0..1)');
    expect(() => evaluate(model, set, 1)).toThrow("Error in evaluate: numClasses must be ≥ 2 for activation 'softmax' (use a sigmoid loss, activation: 'sigmoid', for a one-channel binary head), but got 1");
    expect(() => evaluate(model, set, 0)).toThrow("Error in evaluate: numClasses must be a positive integer (the model's output channels), but got 0");
    expect(() => evaluate(model, set, 1)).toThrow(TrainingError);
    let caught: unknown;
    try {
      predict(model, set, { batchSize: -1 });
    } catch (error) {
      caught = error;
    }
    expect(TrainingError.isInstance(caught)).toBe(true);
    expect(TrainingError.isInstance(new Error('other'))).toBe(false);
    expect(() => predict(model, { ...set, count: 2 })).toThrow(/Error in predict: set.images must be a Float32Array of count·height·width·channels = 32 values, but got 16/);
    expect(() => predict(model, set, { batchSize: 0 })).toThrow(/Error in predict: invalid options: batchSize: /);
    model.dispose();
  });
});
