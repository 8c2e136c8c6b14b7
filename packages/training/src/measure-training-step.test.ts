import * as tfl from '@tensorflow/tfjs-layers';
import fc from 'fast-check';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { createTrainingStepTimer, measureTrainingStep, median, type MeasureTrainingStepOptions } from './measure-training-step';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { tinyConvNet } from './__fixtures__/synthetic-disks';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle values', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('lies between the minimum and maximum and ignores order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 20 }), (values) => {
        const middle = median(values);
        expect(middle).toBeGreaterThanOrEqual(Math.min(...values));
        expect(middle).toBeLessThanOrEqual(Math.max(...values));
        expect(median([...values].reverse())).toBe(middle);
      }),
    );
  });
});

describeOnBackends(
  'measureTrainingStep',
  () => {
    beforeAll(() => {
      registerWasmTrainingKernels();
    });

    it('times the requested steps of the real training step (weights change), leaking nothing', async () => {
      const model = tinyConvNet(8, 1);
      const before = model.getWeights().map((weight) => Array.from(weight.dataSync()));
      const timing = await expectNoTensorLeak(() => measureTrainingStep({ model, loss: { name: 'ml' }, numClasses: 2, batchSize: 2, warmupSteps: 1, steps: 3 }));
      expect(timing.backend).toBe('wasm');
      expect(timing.stepTimesMs).toHaveLength(3);
      expect(timing.stepTimesMs.every((time) => time > 0)).toBe(true);
      expect(timing.medianStepMs).toBe(median(timing.stepTimesMs));
      expect(model.getWeights().map((weight) => Array.from(weight.dataSync()))).not.toEqual(before);
      model.dispose();
    });

    it('times a sigmoid head with the labels train passes: a binary mask (with ignoreIndex) and multi-hot', async () => {
      const cases: Array<[number, MeasureTrainingStepOptions['loss']]> = [
        [1, { name: 'caml', activation: 'sigmoid', ignoreIndex: 255 }],
        [3, { name: 'ml', activation: 'sigmoid', classWeights: [1, 2, 1] }],
        [2, { name: 'additive', ignoreIndex: 255 }],
      ];
      for (const [channels, loss] of cases) {
        const model = tinyConvNet(8, 1, 4, { channels, activation: channels === 2 ? 'softmax' : 'sigmoid' });
        const timing = await expectNoTensorLeak(() => measureTrainingStep({ model, loss, numClasses: channels, batchSize: 2, warmupSteps: 0, steps: 2 }));
        expect(timing.stepTimesMs).toHaveLength(2);
        model.dispose();
      }
      const model = tinyConvNet(8, 1, 4, { channels: 1, activation: 'sigmoid' });
      await expect(measureTrainingStep({ model, loss: { name: 'ml' }, numClasses: 1 })).rejects.toThrow(/numClasses must be ≥ 2 for activation 'softmax'/);
      model.dispose();
    });

    it('keeps the step ready between timed blocks: the weights keep training, nothing leaks', async () => {
      const model = tinyConvNet(8, 1);
      const weights = () => model.getWeights().map((weight) => Array.from(weight.dataSync()));
      await expectNoTensorLeak(async () => {
        const timer = createTrainingStepTimer({ model, loss: { name: 'ml' }, numClasses: 2, batchSize: 2 });
        expect(timer.backend).toBe('wasm');
        expect(await timer.time(0)).toEqual([]);
        const first = weights();
        expect(await timer.time(2)).toHaveLength(2);
        const second = weights();
        expect(second).not.toEqual(first);
        expect(await timer.time(1)).toHaveLength(1);
        expect(weights()).not.toEqual(second);
        timer.dispose();
      });
      model.dispose();
    });

    it('needs a model with a fixed input size', async () => {
      const model = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [null, null, 1], filters: 2, kernelSize: 1, activation: 'softmax' })] });
      await expect(measureTrainingStep({ model, loss: { name: 'ce' }, numClasses: 2 })).rejects.toThrow('Error in measureTrainingStep: model input must have shape [null, height, width, channels], but got [null, null, null, 1]');
      await expect(measureTrainingStep({ model, loss: { name: 'ce' }, numClasses: 2, steps: 0 })).rejects.toThrow(/invalid options: steps: /);
      model.dispose();
    });
  },
  ['wasm'],
);
