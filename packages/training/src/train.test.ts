import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeOnBackends } from '@tfseg-internal/testing';
import { createLoss } from '@tfseg/losses';
import { NonFiniteLossError, TrainingError } from './errors';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { evaluate, predict } from './evaluate';
import { train, type TrainOptions, type TrainingEvent } from './train';
import { shuffledBatches, splitPatchSet, syntheticDisks, tinyConvNet } from './__fixtures__/synthetic-disks';

const SIZE = 16;
const trainingSet = syntheticDisks(24, SIZE, 1);
const batches = shuffledBatches(splitPatchSet(trainingSet, 8), 3);
const smallBatches = shuffledBatches(splitPatchSet(syntheticDisks(8, SIZE, 4), 4), 3);
const validation = syntheticDisks(8, SIZE, 2);
const test = syntheticDisks(8, SIZE, 3);

/** A small, fast run on the tiny net: 24 patches in batches of 4 → 6 steps per epoch. */
function options(overrides: Partial<TrainOptions> = {}): TrainOptions {
  return {
    model: overrides.model ?? tinyConvNet(SIZE, 5),
    loss: { name: 'ml' },
    trainBatches: batches,
    validation,
    test,
    numClasses: 2,
    epochs: 3,
    seed: 5,
    optimizer: { learningRate: 0.1 },
    ...overrides,
  };
}

async function temporaryDirectory(): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), 'tfseg-train-'));
}

describeOnBackends(
  'train',
  () => {
    beforeAll(() => {
      registerWasmTrainingKernels();
    });

    it('learns the disks: test mIoU clears a bar the untrained model does not reach', async () => {
      const model = tinyConvNet(SIZE, 5);
      const untrained = evaluate(model, test, 2).meanIoU;
      const result = await train(options({ model, epochs: 5 }));
      const bar = 0.7;
      expect(untrained).toBeLessThan(bar);
      expect(result.test?.meanIoU).toBeGreaterThan(bar);
      expect(result.history.trainLoss).toHaveLength(5);
      expect(result.history.trainLoss[4]).toBeLessThan(result.history.trainLoss[0] as number);
      expect(result.peakRssBytes).toBeGreaterThan(0);
      expect(result.model).toBe(model);
      // The test scores' label map: what predict gives with the restored weights, scored to the same evaluation.
      expect(result.testPrediction).toEqual(predict(model, test, { batchSize: 3 }));
      expect(evaluate(model, test, 2)).toEqual(result.test);
      expect(Array.from(result.testPrediction ?? [])).toEqual(expect.arrayContaining([0, 1]));
      model.dispose();
    });

    it('leaks no tensor: the tensor count is the same after every epoch and after the run', async () => {
      const model = tinyConvNet(SIZE, 5);
      const before = tf.memory().numTensors;
      const counts: number[] = [];
      await train(options({ model, onProgress: (event) => event.type === 'epoch' && counts.push(tf.memory().numTensors) }));
      expect(counts).toHaveLength(3);
      expect(new Set(counts).size).toBe(1);
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    });

    it('refuses to resume a checkpoint written with another seed', async () => {
      const directory = await temporaryDirectory();
      try {
        const first = await train(options({ epochs: 1, checkpointDir: directory }));
        first.model.dispose();
        await expect(train(options({ epochs: 2, seed: 6, checkpointDir: directory }))).rejects.toThrow(/written with seed 5, but seed is 6/);
      } finally {
        await fs.rm(directory, { recursive: true, force: true });
      }
    });

    it('stops at a NaN loss with an Error naming the step and epoch, before that step changes the weights', async () => {
      const ml = createLoss({ name: 'ml' });
      let calls = 0;
      // The 9th loss evaluation (global step 8 = epoch 1, its 3rd step) turns NaN.
      const poisoned = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => tf.tidy(() => (++calls === 9 ? tf.mul(ml(yTrue, yPred), NaN) : ml(yTrue, yPred)) as tf.Scalar);
      const model = tinyConvNet(SIZE, 5);
      let weightsBeforeBadStep: number[][] = [];
      const keepWeights = (event: TrainingEvent): void => {
        if (event.type === 'step') weightsBeforeBadStep = model.getWeights().map((weight) => Array.from(weight.dataSync()));
      };
      await expect(train(options({ model, loss: poisoned, onProgress: keepWeights }))).rejects.toThrow(/^Error in train: loss became NaN at step 8 \(epoch 1\)/);
      expect(model.getWeights().map((weight) => Array.from(weight.dataSync()))).toEqual(weightsBeforeBadStep);
      model.dispose();

      const infinite = (yTrue: tf.Tensor, yPred: tf.Tensor): tf.Scalar => tf.tidy(() => tf.div(ml(yTrue, yPred), 0) as tf.Scalar);
      await expect(train(options({ loss: infinite }))).rejects.toThrow(NonFiniteLossError);
      await expect(train(options({ loss: infinite }))).rejects.toThrow(/loss became Infinity at step 0 \(epoch 0\)/);
    });

    it('restores the best validation epoch for the test and can stop early', async () => {
      const result = await train(options({ epochs: 4, test: validation }));
      const best = Math.max(...result.history.validationMeanIoU);
      expect(result.history.validationMeanIoU[result.bestEpoch]).toBe(best);
      expect(result.test?.meanIoU).toBe(best);
      result.model.dispose();

      // A learning rate too small to move float32 weights: mIoU never improves after epoch 0.
      const stalled = await train(options({ epochs: 10, optimizer: { learningRate: 1e-12 }, earlyStopping: { patience: 2, minDelta: 0 } }));
      expect(stalled.history.validationMeanIoU).toHaveLength(3);
      expect(stalled.bestEpoch).toBe(0);
      stalled.model.dispose();
    });

    it('counts steps across epochs, splits sets into batches and reports throughput and ETA', async () => {
      const events: TrainingEvent[] = [];
      const result = await train(options({ epochs: undefined, steps: 8, batchSize: 3, validation: undefined, onProgress: (event) => events.push(event) }));
      const steps = events.filter((event) => event.type === 'step');
      // 8-patch sets in batches of 3 → 3 + 3 + 2 patches: 9 steps per epoch, so 8 steps end inside epoch 0.
      expect(steps.map((event) => event.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(steps.every((event) => event.type === 'step' && event.epoch === 0 && event.imagesPerSecond > 0 && (event.etaMs ?? -1) >= 0)).toBe(true);
      expect(result.history.trainLoss).toHaveLength(1);
      expect(result.bestEpoch).toBe(0);

      // With epochs, an array of sets gives the ETA from the first step; a generator only after epoch 0.
      const etaKnown = async (trainBatches: TrainOptions['trainBatches']): Promise<boolean[]> => {
        const known: boolean[] = [];
        const run = await train(options({ epochs: 2, trainBatches, validation: undefined, onProgress: (event) => event.type === 'step' && known.push(event.etaMs !== undefined) }));
        run.model.dispose();
        return known;
      };
      expect(await etaKnown(batches)).toEqual(new Array(12).fill(true));
      expect(await etaKnown(function* (epoch) {
        yield* batches(epoch);
      })).toEqual([...new Array(6).fill(false), ...new Array(6).fill(true)]);
      result.model.dispose();
    });

    it('rejects bad options with an Error naming the field and rule', async () => {
      await expect(train(options({ steps: 3 }))).rejects.toThrow(/Error in train: invalid options: epochs: give exactly one of epochs and steps/);
      await expect(train(options({ batchSize: 0 }))).rejects.toThrow(/batchSize: /);
      await expect(train(options({ earlyStopping: { patience: 1, minDelta: 0 }, validation: undefined }))).rejects.toThrow(/earlyStopping: needs a validation set/);
      await expect(train(options({ test: { ...test, labels: test.labels.subarray(1) } }))).rejects.toThrow(/test\.labels: must hold count·height·width = 2048 values, but holds 2047/);
      await expect(train(options({ numClasses: 2, trainBatches: () => [{ ...validation, labels: new Uint8Array(validation.labels.length).fill(3) }] }))).rejects.toThrow(
        /trainBatches\(0\)\.labels holds class 3, but numClasses is 2/,
      );
      await expect(train(options({ numClasses: 2, trainBatches: () => [] }))).rejects.toThrow(TrainingError);
      await expect(train(options({ validation: { ...validation, images: Array.from(validation.images) as unknown as Float32Array } }))).rejects.toThrow(/validation\.images: must be a Float32Array/);
    });
  },
  ['wasm'],
);

// Bit-exact reproducibility depends on the backend's kernels, so it is checked on both.
describeOnBackends(
  'train reproducibility',
  () => {
    beforeAll(() => {
      registerWasmTrainingKernels();
    });

    // 8 patches in batches of 4: 2 steps per epoch keeps the cpu backend quick.
    const reproducible = (overrides: Partial<TrainOptions>): TrainOptions => options({ trainBatches: smallBatches, ...overrides });

    it('refuses to resume a checkpoint of a run with another loss or learning rate, naming the setting', async () => {
      const directory = await temporaryDirectory();
      try {
        const first = await train(reproducible({ epochs: 1, checkpointDir: directory }));
        first.model.dispose();
        await expect(train(reproducible({ epochs: 2, loss: { name: 'ce' }, checkpointDir: directory }))).rejects.toThrow(/other settings \(loss: \{"name":"ml"\} in the checkpoint, \{"name":"ce"\} now\)/);
        await expect(train(reproducible({ epochs: 2, optimizer: { learningRate: 0.01 }, checkpointDir: directory }))).rejects.toThrow(/other settings \(optimizer: .*"learningRate":0.1.* in the checkpoint, .*"learningRate":0.01.* now\)/);
        // The same settings with more epochs continue the run.
        const events: TrainingEvent[] = [];
        const resumed = await train(reproducible({ epochs: 2, checkpointDir: directory, onProgress: (event) => events.push(event) }));
        expect(events[0]).toMatchObject({ type: 'resumed', epoch: 1 });
        resumed.model.dispose();
      } finally {
        await fs.rm(directory, { recursive: true, force: true });
      }
    });

    it('stops at the next step when its signal is aborted from a timer (training yields to the event loop)', async () => {
      const controller = new AbortController();
      let steps = 0;
      const timer = setTimeout(() => controller.abort(), 0);
      await expect(train(options({ epochs: 50, signal: controller.signal, onProgress: (event) => event.type === 'step' && (steps += 1) }))).rejects.toThrow(/aborted during epoch 0/);
      clearTimeout(timer);
      // 50 epochs are 300 steps; a loop that never yields would run them all before the timer fires.
      expect(steps).toBeLessThan(3);
    });

    it('is deterministic: the same seed gives the same losses and test mIoU twice in a row', async () => {
      const first = await train(reproducible({}));
      const second = await train(reproducible({}));
      expect(second.history).toEqual(first.history);
      expect(second.test?.meanIoU).toBe(first.test?.meanIoU);
      first.model.dispose();
      second.model.dispose();
    });

    it('scores the same with the default evaluation batch (all 8 patches in one pass) as one patch at a time', async () => {
      const batched = await train(reproducible({ epochs: 2 }));
      const single = await train(reproducible({ epochs: 2, evaluationBatchSize: 1 }));
      expect(batched.history).toEqual(single.history);
      expect(batched.test?.confusion).toEqual(single.test?.confusion);
      batched.model.dispose();
      single.model.dispose();
    });

    it('resumes a killed run from its checkpoint and ends exactly where an uninterrupted run ends', async () => {
      const uninterrupted = await train(reproducible({ epochs: 4 }));
      const directory = await temporaryDirectory();
      try {
        const controller = new AbortController();
        const killed = train(
          reproducible({ epochs: 4, checkpointDir: directory, signal: controller.signal, onProgress: (event) => event.type === 'epoch' && event.epoch === 1 && controller.abort() }),
        );
        await expect(killed).rejects.toThrow(/aborted during epoch 2/);
        const events: TrainingEvent[] = [];
        const resumed = await train(reproducible({ epochs: 4, checkpointDir: directory, onProgress: (event) => events.push(event) }));
        expect(events[0]).toEqual({ type: 'resumed', epoch: 2, step: 4, checkpointDir: directory });
        expect(resumed.history).toEqual(uninterrupted.history);
        expect(resumed.bestEpoch).toBe(uninterrupted.bestEpoch);
        expect(resumed.test?.meanIoU).toBe(uninterrupted.test?.meanIoU);
        const resumedWeights = resumed.model.getWeights().map((weight) => Array.from(weight.dataSync()));
        expect(resumedWeights).toEqual(uninterrupted.model.getWeights().map((weight) => Array.from(weight.dataSync())));
        resumed.model.dispose();
      } finally {
        uninterrupted.model.dispose();
        await fs.rm(directory, { recursive: true, force: true });
      }
    });
  },
  ['cpu', 'wasm'],
);
