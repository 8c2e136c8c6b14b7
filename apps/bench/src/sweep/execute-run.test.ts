import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeSyntheticChase, writeSyntheticDrosophila, type PatchSet } from '@tfseg/datasets';
import { parseSweepConfig } from '../config/sweep-config';
import { ensureBackend, executeRun, initialModel, loadDataset, runBatches, runFold, runModel } from './execute-run';
import { planSweep } from './plan';
import type { RunSamples } from '../results/record';

let root: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = mkdtempSync(join(tmpdir(), 'tfseg-execute-run-'));
  writeSyntheticDrosophila(root, { images: 10, size: 64 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Two runs of one setting that differ only in their seed. */
function twoSeeds(extra: Record<string, unknown> = {}): ReturnType<typeof planSweep> {
  return planSweep(parseSweepConfig({
    datasets: [{ name: 'synthetic-drosophila', root }],
    models: [{ name: 'unet', preset: 'tiny' }],
    losses: [{ name: 'ml' }],
    foldIndices: [1],
    seeds: [0, 1],
    imageSize: 16,
    epochs: 2,
    ...extra,
  }));
}

/** Every batch of an epoch, concatenated: the pixels and masks the run trains on. */
function epochData(batches: (epoch: number) => Iterable<PatchSet>, epoch: number): { images: number[]; labels: number[] } {
  const images: number[] = [];
  const labels: number[] = [];
  for (const batch of batches(epoch)) {
    images.push(...batch.images);
    labels.push(...batch.labels);
  }
  return { images, labels };
}

describe('a run of the sweep', () => {
  it('two seeds of one setting see the same split but start from different weights and draw different batches', async () => {
    const [first, second] = twoSeeds();
    expect(first!.config.seed).not.toBe(second!.config.seed);
    const dataset = await loadDataset('synthetic-drosophila', root);
    const [foldA, foldB] = [runFold(first!.config, dataset), runFold(second!.config, dataset)];
    expect(foldA.split).toEqual(foldB.split);
    expect(foldA.train).toEqual(foldB.train);
    expect(foldA.test.images).toEqual(foldB.test.images);
    const [modelA, modelB] = [runModel(first!.config, foldA), runModel(second!.config, foldB)];
    try {
      const kernel = (model: tf.LayersModel): Float32Array => model.getWeights()[0]!.dataSync() as Float32Array;
      expect(kernel(modelA)).not.toEqual(kernel(modelB));
      expect(kernel(runModel(first!.config, foldA))).toEqual(kernel(modelA)); // one seed, one initialisation
    } finally {
      modelA.dispose();
      modelB.dispose();
    }
    expect(epochData(runBatches(first!.config, foldA), 0)).not.toEqual(epochData(runBatches(second!.config, foldB), 0));
  });

  it('two epochs of one run see different crops and flips of the same training images; one (seed, epoch) repeats exactly', async () => {
    const [run] = twoSeeds();
    const dataset = await loadDataset('synthetic-drosophila', root);
    const fold = runFold(run!.config, dataset);
    expect(fold.trainSampling).toEqual({ crop: { size: 16 }, samplesPerEpoch: 48 });
    const batches = runBatches(run!.config, fold);
    const [zero, one] = [epochData(batches, 0), epochData(batches, 1)];
    expect(zero.images).toHaveLength(48 * 16 * 16);
    expect(one.images).not.toEqual(zero.images);
    expect(epochData(batches, 1)).toEqual(one);
    // With stepsPerEpoch (the CPU presets), every pass is augmented afresh too, and every batch is full.
    const [steppedRun] = twoSeeds({ stepsPerEpoch: 20, batchSize: 5 });
    const stepped = runBatches(steppedRun!.config, runFold(steppedRun!.config, dataset));
    const stepA = [...stepped(0)];
    const stepB = [...stepped(1)];
    expect(stepA.map((batch) => batch.count)).toEqual(Array.from({ length: 20 }, () => 5));
    expect(stepA[0]!.images).not.toEqual(stepA[10]!.images); // pass 2 of epoch 0 (48 draws = 9.6 batches of 5) is a new draw
    expect(stepA.map((batch) => batch.images)).not.toEqual(stepB.map((batch) => batch.images));
  });

  it('a config splitSeed is part of the run: another split seed moves the split, and the run id', async () => {
    const [protocol] = twoSeeds();
    const [other] = twoSeeds({ splitSeed: 5 });
    expect(protocol!.config.splitSeed).toBe(0);
    expect(other!.id).not.toBe(protocol!.id);
    const dataset = await loadDataset('synthetic-drosophila', root);
    const splits = [protocol, other].map((run) => [0, 1, 2, 3, 4].map((fold) => runFold({ ...run!.config, fold }, dataset).split.groups.test));
    expect(splits[1]).not.toEqual(splits[0]);
  });

  it("builds the config's network: baseWidth, batchNorm and init reach @tfseg/models", async () => {
    const [plain] = twoSeeds();
    const [custom] = twoSeeds({ models: [{ name: 'unet', preset: 'tiny', baseWidth: 4, batchNorm: false, init: 'torch' }] });
    const dataset = await loadDataset('synthetic-drosophila', root);
    const fold = runFold(plain!.config, dataset);
    const [a, b] = [runModel(plain!.config, fold), runModel(custom!.config, fold)];
    try {
      expect(b.countParams()).toBeLessThan(a.countParams());
      expect(b.layers.some((layer) => layer.getClassName() === 'BatchNormalization')).toBe(false);
      const firstBias = (model: tf.LayersModel): number[] => Array.from(model.layers.find((layer) => layer.getClassName() === 'Conv2D')!.getWeights()[1]?.dataSync() ?? []);
      expect(firstBias(b).some((value) => value !== 0)).toBe(true); // torch biases are drawn, he biases are zero
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('consecutive runs of one network and seed reuse its model, reset to the initial weights (batch norm statistics included): the same values as a fresh build', async () => {
    const [first, second] = twoSeeds({ models: [{ name: 'unet', preset: 'tiny', batchNorm: true }] });
    const fold = runFold(first!.config, await loadDataset('synthetic-drosophila', root));
    const values = (model: tf.LayersModel): number[][] => model.getWeights().map((weight) => Array.from(weight.dataSync()));
    const model = initialModel(first!.config, fold);
    const tensors = tf.memory().numTensors;
    // What training leaves behind: every weight, moving statistics too, changed.
    const trained = model.getWeights().map((weight) => tf.add(weight, 1));
    model.setWeights(trained);
    tf.dispose(trained);
    expect(model.weights.map((weight) => weight.name)).toEqual(expect.arrayContaining([expect.stringMatching(/moving_mean/)]));
    const fresh = runModel(first!.config, fold);
    try {
      expect(values(model)).not.toEqual(values(fresh));
      expect(initialModel(first!.config, fold)).toBe(model);
      expect(values(model)).toEqual(values(fresh));
    } finally {
      fresh.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensors);
    // Another seed builds its own model (and the previous one is released).
    const other = initialModel(second!.config, fold);
    expect(other).not.toBe(model);
    const otherFresh = runModel(second!.config, fold);
    expect(values(other)).toEqual(values(otherFresh));
    otherFresh.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('runs in one process share the loaded dataset and its resized images: same scores as a fresh load, no tensors left behind', async () => {
    // A copy of the dataset folder is another cache key: loaded and resized afresh.
    const copy = join(root, 'copy');
    writeSyntheticDrosophila(copy, { images: 10, size: 64 });
    const sweep = (datasetRoot: string): ReturnType<typeof planSweep> =>
      planSweep(parseSweepConfig({
        datasets: [{ name: 'synthetic-drosophila', root: datasetRoot }],
        models: [{ name: 'unet', preset: 'tiny' }],
        losses: [{ name: 'ce' }, { name: 'ml' }],
        foldIndices: [0],
        seeds: [0],
        imageSize: 16,
        epochs: 2,
        stepsPerEpoch: 2,
        data: { scale: 0.5 },
      }));
    const options = { resultsDirectory: root, samplesFolder: 'samples', samplesPerRun: 0 };
    const scores = (record: Awaited<ReturnType<typeof executeRun>>): unknown => {
      expect(record.error).toBeUndefined();
      return { classIoU: record.classIoU, meanIoU: record.meanIoU, validationMeanIoU: record.validationMeanIoU, curves: record.curves };
    };
    const [ce, ml] = sweep(root);
    const first = scores(await executeRun(ce!, options));
    const tensors = tf.memory().numTensors;
    const other = scores(await executeRun(ml!, options));
    const again = scores(await executeRun(ce!, options)); // dataset and resized images reused from the first run
    expect(tf.memory().numTensors).toBe(tensors);
    expect(again).toEqual(first);
    const [freshCe, freshMl] = sweep(copy);
    expect(scores(await executeRun(freshCe!, options))).toEqual(first);
    expect(scores(await executeRun(freshMl!, options))).toEqual(other);
    expect(other).not.toEqual(first);
  });

  it('saves as samples the test predictions that were scored: all test patches of a run give back its class IoUs', async () => {
    const [run] = twoSeeds();
    const test = runFold(run!.config, await loadDataset('synthetic-drosophila', root)).test;
    const record = await executeRun(run!, { resultsDirectory: root, samplesFolder: 'all-samples', samplesPerRun: test.count + 5 });
    expect(record.status).toBe('ok');
    const saved = JSON.parse(readFileSync(join(root, record.samplesFile as string), 'utf8')) as RunSamples;
    expect(saved.samples).toHaveLength(test.count);
    const decode = (text: string): Buffer => Buffer.from(text, 'base64');
    const truth = Buffer.concat(saved.samples.map((sample) => decode(sample.truth)));
    const predicted = Buffer.concat(saved.samples.map((sample) => decode(sample.prediction)));
    expect(truth.equals(Buffer.from(test.labels))).toBe(true);
    const classIoU = saved.classNames.map((_, c) => {
      let intersection = 0;
      let union = 0;
      truth.forEach((label, index) => {
        const inTruth = label === c;
        const inPrediction = predicted[index] === c;
        if (inTruth && inPrediction) intersection += 1;
        if (inTruth || inPrediction) union += 1;
      });
      return union === 0 ? null : intersection / union;
    });
    expect(classIoU).toEqual(record.classIoU);
  });

  it('a sigmoid loss trains one sigmoid channel on a binary (CHASE-like) dataset and records its foreground IoU; a 5-class dataset is refused', async () => {
    const chase = join(root, 'chase');
    writeSyntheticChase(chase, { children: 5 });
    const loss = { name: 'caml', activation: 'sigmoid', classWeights: [2], diceReduction: 'image' };
    const [run] = planSweep(parseSweepConfig({ datasets: [{ name: 'synthetic-chase-db1', root: chase }], models: [{ name: 'unet', preset: 'tiny' }], losses: [loss], foldIndices: [0], seeds: [0], imageSize: 32, epochs: 1, stepsPerEpoch: 2 }));
    expect(run!.config.loss).toEqual(loss);
    const record = await executeRun(run!, { resultsDirectory: root, samplesFolder: 'samples', samplesPerRun: 1 });
    expect(record.error).toBeUndefined();
    expect(record).toMatchObject({ status: 'ok', classNames: ['retinal vessel'] });
    expect(record.classIoU).toHaveLength(1);
    expect(record.meanIoU).toBe(record.classIoU?.[0] ?? Number.NaN);
    const fold = runFold(run!.config, await loadDataset('synthetic-chase-db1', chase));
    const model = runModel(run!.config, fold);
    expect(model.outputs[0]!.shape).toEqual([null, 32, 32, 1]);
    model.dispose();

    const [multiClass] = twoSeeds({ losses: [{ name: 'ml', activation: 'sigmoid' }] });
    const drosophila = runFold(multiClass!.config, await loadDataset('synthetic-drosophila', root));
    expect(() => runModel(multiClass!.config, drosophila)).toThrow(/^run\.loss\.activation: 'sigmoid' trains one sigmoid channel and needs a binary dataset \(a background and one foreground class\), but synthetic-drosophila has 5 classes/);
  });

  it('keeps one arithmetic per process: after exact runs, a run asking for fused multiply-adds is refused, naming both', async () => {
    const device = await ensureBackend('cpu', 1);
    expect(await ensureBackend('cpu', 1, false)).toBe(device);
    await expect(ensureBackend('cpu', 1, true)).rejects.toThrow(
      'this process already trains on cpu with exact, unfused multiply-adds, but a run asks for fused multiply-adds (fusedMultiplyAdd: true): ' +
        'the arithmetic is fixed once per process, so run FMA and exact runs as separate sweeps',
    );
  });
});
