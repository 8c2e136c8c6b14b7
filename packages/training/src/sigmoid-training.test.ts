import * as tf from '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import { MultiLabelConfusionMatrix } from '@tfseg/metrics';
import { evaluate, predict } from './evaluate';
import type { PatchSet } from './patch-set';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { train, type TrainOptions } from './train';
import { shuffledBatches, splitPatchSet, syntheticDisks, syntheticMultiLabelDisks, tinyConvNet } from './__fixtures__/synthetic-disks';

const SIZE = 16;

/** A 1×1 conv with fixed weights and a sigmoid per channel: channel c is on where `kernel[c]·x + bias[c] > 0`. */
function fixedSigmoidModel(kernel: number[], bias: number[]): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [null, null, 1], filters: kernel.length, kernelSize: 1, activation: 'sigmoid' })] });
  const weights = [tf.tensor4d(kernel, [1, 1, 1, kernel.length]), tf.tensor1d(bias)];
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}

/** Pixels 0.1, 0.9, 0.7, 0.2: above 0.6 are pixels 1 and 2. */
const images = Float32Array.of(0.1, 0.9, 0.7, 0.2);

/** A run on the tiny net with a sigmoid head of `channels` outputs. */
function sigmoidOptions(channels: number, set: PatchSet, overrides: Partial<TrainOptions>, width = 4): TrainOptions {
  const pick = (count: number, seed: number): PatchSet => (channels === 1 ? syntheticDisks(count, SIZE, seed) : syntheticMultiLabelDisks(count, SIZE, seed));
  return {
    model: tinyConvNet(SIZE, 5, width, { channels, activation: 'sigmoid' }),
    loss: { name: 'caml', activation: 'sigmoid' },
    trainBatches: shuffledBatches(splitPatchSet(set, 8), 3),
    validation: pick(8, 2),
    test: pick(8, 3),
    numClasses: channels,
    epochs: 6,
    seed: 5,
    optimizer: { learningRate: 0.1 },
    ...overrides,
  };
}

describeOnBackends(
  'train and evaluate with a sigmoid head',
  () => {
    beforeAll(() => {
      registerWasmTrainingKernels();
    });

    it('scores a one-channel binary head by its foreground IoU alone: confusion [TN, FP, FN, TP] = [2, 1, 0, 1], mIoU 1/2 (not the 2-class 7/12)', async () => {
      const model = fixedSigmoidModel([10], [-6]);
      const set: PatchSet = { images, labels: Uint8Array.of(0, 1, 0, 0), count: 1, height: 2, width: 2, channels: 1 };
      expect(Array.from(predict(model, set, { activation: 'sigmoid' }))).toEqual([0, 1, 1, 0]);
      const result = await expectNoTensorLeak(() => evaluate(model, set, 1, { activation: 'sigmoid' }));
      expect(result.confusion).toEqual([[2, 1, 0, 1]]);
      expectAllClose(result.classIoU, [1 / 2]);
      expectAllClose([result.meanIoU], [1 / 2]);
      // An ignored pixel (the false positive) counts nowhere: IoU 1.
      const ignored = evaluate(model, { ...set, labels: Uint8Array.of(0, 1, 255, 0) }, 1, { activation: 'sigmoid', ignoreIndex: 255 });
      expect(ignored.confusion).toEqual([[2, 0, 0, 1]]);
      expect(ignored.meanIoU).toBe(1);
      model.dispose();
    });

    it('scores a multi-label head per channel (multi-hot truth, threshold 0.5), as @tfseg/metrics MultiLabelConfusionMatrix does', async () => {
      const model = fixedSigmoidModel([10, -10, 10], [-6, 6, -6]);
      // Channel-major by hand, stored pixel-major: ch0 0,1,0,0; ch1 1,0,1,1; ch2 1,1,1,0.
      const labels = Uint8Array.of(0, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0);
      const set: PatchSet = { images, labels, labelChannels: 3, count: 1, height: 2, width: 2, channels: 1 };
      const result = await expectNoTensorLeak(() => evaluate(model, set, 3, { activation: 'sigmoid' }));
      expect(result.confusion).toEqual([[2, 1, 0, 1], [1, 0, 1, 2], [1, 0, 1, 2]]);
      expectAllClose(result.classIoU, [1 / 2, 2 / 3, 2 / 3]);
      expectAllClose([result.meanIoU], [11 / 18]);
      const reference = new MultiLabelConfusionMatrix(3);
      tf.tidy(() => {
        reference.update(tf.tensor4d(labels, [1, 2, 2, 3], 'int32'), model.predict(tf.tensor4d(images, [1, 2, 2, 1])) as tf.Tensor);
      });
      expectAllClose([result.meanIoU, ...result.classIoU], [reference.meanIoU(), ...reference.iou()]);
      model.dispose();
    });

  },
  ['cpu', 'wasm'],
);

// Training runs on wasm only: the cpu backend takes a minute for the same steps (CI time); both
// the losses' values and gradients are tested on both backends in @tfseg/losses.
describeOnBackends(
  'train with a sigmoid head',
  () => {
    beforeAll(() => {
      registerWasmTrainingKernels();
    });

    it('trains a one-channel sigmoid head (binary mask labels) with CAML: the loss falls, the foreground IoU clears a bar the untrained model misses, no tensor leaks', async () => {
      const options = sigmoidOptions(1, syntheticDisks(24, SIZE, 1), {});
      const model = options.model;
      const untrained = evaluate(model, options.test as PatchSet, 1, { activation: 'sigmoid' }).meanIoU;
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      const result = await train({ ...options, onProgress: (event) => event.type === 'epoch' && counts.push(tf.memory().numTensors) });
      const bar = 0.8;
      expect(untrained).toBeLessThan(bar);
      expect(result.test?.meanIoU).toBeGreaterThan(bar);
      expect(result.test?.classIoU).toHaveLength(1);
      expect(result.history.trainLoss[5]).toBeLessThan(result.history.trainLoss[0] as number);
      expect(new Set(counts).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });

    it('trains a 3-channel multi-label head (multi-hot labels) with ML, class weights and per-image Dice', async () => {
      const options = sigmoidOptions(3, syntheticMultiLabelDisks(24, SIZE, 1), { loss: { name: 'ml', activation: 'sigmoid', classWeights: [1, 1, 2], diceReduction: 'image' }, optimizer: { learningRate: 0.05 } }, 8);
      const model = options.model;
      const untrained = evaluate(model, options.test as PatchSet, 3, { activation: 'sigmoid' }).meanIoU;
      const before = tf.memory().numTensors;
      const result = await train(options);
      const bar = 0.7;
      expect(untrained).toBeLessThan(bar);
      expect(result.test?.meanIoU).toBeGreaterThan(bar);
      expect(result.test?.classIoU).toHaveLength(3);
      expect(result.history.trainLoss[5]).toBeLessThan(result.history.trainLoss[0] as number);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });

    it('passes integer labels when the loss ignores a label: pixels marked 255 are left out of training and scoring', async () => {
      // Every disk's boundary row is unknown (255): the loss must skip it, scoring must not count it.
      const withIgnored = (set: PatchSet): PatchSet => ({ ...set, labels: set.labels.map((label, i) => (label === 1 && set.labels[i - SIZE] === 0 ? 255 : label)) });
      for (const [channels, loss] of [
        [2, { name: 'additive', ignoreIndex: 255 }],
        [1, { name: 'ml', activation: 'sigmoid', ignoreIndex: 255 }],
      ] as const) {
        const model = tinyConvNet(SIZE, 5, 4, { channels, activation: channels === 1 ? 'sigmoid' : 'softmax' });
        const result = await train({
          model,
          loss,
          trainBatches: shuffledBatches(splitPatchSet(withIgnored(syntheticDisks(24, SIZE, 1)), 8), 3),
          validation: withIgnored(syntheticDisks(8, SIZE, 2)),
          test: withIgnored(syntheticDisks(8, SIZE, 3)),
          numClasses: channels,
          epochs: 6,
          seed: 5,
          optimizer: { learningRate: 0.1 },
        });
        expect(result.history.trainLoss.every(Number.isFinite)).toBe(true);
        expect(result.history.trainLoss[5]).toBeLessThan(result.history.trainLoss[0] as number);
        expect(result.test?.meanIoU).toBeGreaterThan(0.5);
        model.dispose();
      }
    });
  },
  ['wasm'],
);

describe('train with sigmoid options: bad combinations', () => {
  const binary = syntheticDisks(4, SIZE, 1);
  const base = (overrides: Partial<TrainOptions>): TrainOptions => sigmoidOptions(1, binary, { epochs: 1, validation: undefined, test: undefined, ...overrides });

  it.each([
    [{ numClasses: 3 }, /trainBatches\(0\) must hold multi-hot labels with labelChannels = 3 \(numClasses, activation 'sigmoid'\), but labelChannels is absent/],
    [{ loss: { name: 'ce', activation: 'sigmoid', classWeights: [1, 2] } }, /loss.classWeights must have one weight per output channel \(numClasses = 1\), but got 2/],
    [{ numClasses: 3, loss: { name: 'caml', activation: 'sigmoid', ignoreIndex: 255 } }, /loss.ignoreIndex needs one integer label per pixel, but activation 'sigmoid' with numClasses 3 trains on multi-hot labels/],
    [{ loss: { name: 'ml', activation: 'sigmoid', ignoreIndex: 300 } }, /loss.ignoreIndex must be in 0..255 \(patch labels are a Uint8Array\), but got 300/],
    [{ loss: { name: 'ml' }, activation: 'sigmoid' }, /invalid options: activation: must match loss.activation/],
    [{ loss: { name: 'dice', activation: 'sigmoid', includeBackground: false } }, /loss.includeBackground false .* needs numClasses ≥ 2, but the model has one output channel/],
    [{ loss: { name: 'ml' } }, /numClasses must be ≥ 2 for activation 'softmax' \(use a sigmoid loss, activation: 'sigmoid', for a one-channel binary head\), but got 1/],
    [{ trainBatches: () => [{ ...binary, labels: binary.labels.map((label) => 2 * label) }] }, /trainBatches\(0\).labels holds 2, but a one-channel sigmoid head trains on a binary mask \(labels 0 or 1\)/],
    [{ classNames: ['background', 'disk'] }, /classNames: must have one name per class \(channel\): numClasses entries/],
  ] as Array<[Partial<TrainOptions>, RegExp]>)('rejects %o with an Error naming the option', async (overrides, message) => {
    const options = base(overrides);
    await expect(train(options)).rejects.toThrow(message);
    options.model.dispose();
  });
});
