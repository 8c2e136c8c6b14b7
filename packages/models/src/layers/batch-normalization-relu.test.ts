import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import { buildModel } from '../build-model';
import { loadModel, saveModel } from '../model-files';
import { BatchNormalization, FusingLayersModel, ReLU, registerCustomLayers } from '.';
import { rectifiedPairs } from './batch-normalization-relu';

type LayerJson = { class_name: string; config: { name: string } };
const bits = (tensor: tf.Tensor): number[] => Array.from(new Uint32Array(Float32Array.from(tensor.dataSync()).buffer));

/**
 * input → dense → BatchNormalization → ReLU → dense (per pixel: layers whose gradients plain wasm has) in a
 * FusingLayersModel; optionally the batch norm's output fetched too, or a clipped ReLU.
 */
function smallNet(options: { fetchBatchNorm?: boolean; reluMaxValue?: number } = {}): { model: tf.LayersModel; batchNorm: BatchNormalization; relu: ReLU } {
  const input = tf.input({ shape: [6, 6, 2] });
  const convolved = tf.layers.dense({ units: 4, useBias: false, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
  const batchNorm = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  const normalised = batchNorm.apply(convolved) as tf.SymbolicTensor;
  const relu = new ReLU(options.reluMaxValue === undefined ? {} : { maxValue: options.reluMaxValue });
  const rectified = relu.apply(normalised) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(rectified) as tf.SymbolicTensor;
  const model = new FusingLayersModel({ inputs: input, outputs: options.fetchBatchNorm ? [output, normalised] : output });
  return { model, batchNorm, relu };
}

/** The loss of `model` in training mode, its gradients and the weights (moving statistics updated) after, from `start`; as bits. */
function trainingBits(model: tf.LayersModel, owner: tf.LayersModel, start: tf.Tensor[], x: tf.Tensor): number[][] {
  owner.setWeights(start);
  return tf.tidy(() => {
    const variables = owner.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.apply(x, { training: true }) as tf.Tensor)), variables);
    return [value, ...Object.values(grads), ...owner.getWeights()].map(bits);
  });
}

describeOnBackends('BatchNormalization → ReLU pairs in a FusingLayersModel (one operation in training, two standard layers saved)', () => {
  it('pair a batch norm with the ReLU that alone reads it, and train with the same bits as the two layers (a tf.model of the same layers)', () => {
    registerCustomLayers();
    const { model, batchNorm, relu } = smallNet();
    expect([...rectifiedPairs(model)]).toEqual([batchNorm, relu]);
    const start = model.getWeights().map((w) => w.clone());
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 3);
    const fused = trainingBits(model, model, start, x);
    const plain = trainingBits(tf.model({ inputs: model.inputs, outputs: model.outputs }), model, start, x);
    expect(fused).toEqual(plain);
    // ReLU did something (values at 0 in its output), so its gradient was exercised.
    const rectifiedOutput = tf.tidy(() => (tf.model({ inputs: model.inputs, outputs: relu.output as tf.SymbolicTensor }).apply(x, { training: true }) as tf.Tensor).dataSync());
    expect(Array.from(rectifiedOutput).some((value) => value === 0)).toBe(true);
    tf.dispose([x, ...start]);
    model.dispose();
  });

  it('leave a batch norm unpaired when its output is also a model output (and then return it unrectified), or the ReLU is clipped', () => {
    const fetched = smallNet({ fetchBatchNorm: true });
    expect(rectifiedPairs(fetched.model).size).toBe(0);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 4);
    const [, normalised] = fetched.model.apply(x, { training: true }) as tf.Tensor[];
    expect(Array.from((normalised as tf.Tensor).dataSync()).some((value) => value < 0)).toBe(true);
    expect(rectifiedPairs(smallNet({ reluMaxValue: 6 }).model).size).toBe(0);
    // A sub-model ending at the batch norm, whose layers a FusingLayersModel pairs: its own training pass does not rectify.
    const { model, batchNorm } = smallNet();
    const sub = new FusingLayersModel({ inputs: model.inputs, outputs: batchNorm.output as tf.SymbolicTensor });
    expect(rectifiedPairs(model).size).toBe(2);
    expect(Array.from((sub.apply(x, { training: true }) as tf.Tensor).dataSync()).some((value) => value < 0)).toBe(true);
    tf.dispose(x);
  });

  it('predict (inference apply) with the same bits as the two layers, and leak no tensors', async () => {
    const { model, batchNorm } = smallNet();
    // Moving statistics other than 0 and 1, so that the inference pass normalises.
    const statistics = [tf.tensor1d([0.3, -0.2, 0.1, 0.5]), tf.tensor1d([1.5, 0.7, 2.2, 0.9])];
    batchNorm.setWeights([...batchNorm.getWeights().slice(0, 2), ...statistics]);
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 6);
    const plain = tf.model({ inputs: model.inputs, outputs: model.outputs });
    const fused = tf.tidy(() => bits(model.apply(x, { training: false }) as tf.Tensor));
    expect(tf.tidy(() => bits(model.apply(x) as tf.Tensor))).toEqual(fused);
    expect(tf.tidy(() => bits(plain.apply(x) as tf.Tensor))).toEqual(fused);
    await expectNoTensorLeak(async () => {
      (model.apply(x) as tf.Tensor).dispose();
    });
    tf.dispose([x, ...statistics]);
    model.dispose();
  });

  it('leak no tensors in a training step', async () => {
    const { model } = smallNet();
    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 5);
    const step = (): void => {
      tf.tidy(() => {
        tf.variableGrads(() => tf.mean(model.apply(x, { training: true }) as tf.Tensor), model.trainableWeights.map((w) => w.read() as tf.Variable));
      });
    };
    step(); // warm-up (first-call caches)
    await expectNoTensorLeak(async () => step());
    tf.dispose(x);
    model.dispose();
  });

  it('save a BN U-Net as tfjs’ own Model, BatchNormalization and ReLU layers (the weight names of before), which load back as a FusingLayersModel with the same predictions', async () => {
    const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 16, seed: 2 });
    expect(model).toBeInstanceOf(FusingLayersModel);
    expect(rectifiedPairs(model).size).toBe(2 * 18);
    const json = model.toJSON(null, false) as unknown as { class_name: string; config: { layers: LayerJson[] } };
    expect(json.class_name).toBe('Model');
    const classes = json.config.layers.map((layer) => layer.class_name);
    expect(new Set(classes)).toEqual(new Set(['InputLayer', 'Conv2D', 'BatchNormalization', 'ReLU', 'MaxPooling2D', 'Conv2DTranspose', 'Concatenate', 'Softmax']));
    // Each unit: conv, its batch norm, its ReLU, in that order.
    json.config.layers.forEach((layer, index) => {
      if (layer.class_name === 'BatchNormalization') expect(json.config.layers[index + 1]?.config.name).toBe(layer.config.name.replace(/_bn$/, '_relu'));
    });
    for (const layer of model.layers.filter((l) => l instanceof BatchNormalization)) {
      expect(layer.weights.map((w) => w.name.replace(/_\d+$/, ''))).toEqual(['gamma', 'beta', 'moving_mean', 'moving_variance'].map((weight) => `${layer.name}/${weight}`));
    }
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded).toBeInstanceOf(FusingLayersModel);
    expect(rectifiedPairs(loaded).size).toBe(2 * 18);
    const x = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(bits(b)).toEqual(bits(a));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('load a U-Net saved before FusingLayersModel (tf.model, tfjs-layers’ ReLU) as one, which trains with the same bits as the two layers', async () => {
    registerCustomLayers();
    // What the builder made before: tfjs' LayersModel and layers.reLU.
    const input = tf.input({ shape: [8, 8, 1] });
    const convolved = tf.layers.dense({ units: 4, useBias: false }).apply(input) as tf.SymbolicTensor;
    const before = tf.model({ inputs: input, outputs: tf.layers.reLU({ name: 'unit_relu' }).apply(new BatchNormalization({ name: 'unit_bn' }).apply(convolved)) as tf.SymbolicTensor });
    let saved: tf.io.ModelArtifacts | undefined;
    await before.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded).toBeInstanceOf(FusingLayersModel);
    expect(rectifiedPairs(loaded).size).toBe(2);
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 7);
    const start = before.getWeights().map((w) => w.clone());
    loaded.setWeights(start);
    expect(trainingBits(loaded, loaded, start, x)).toEqual(trainingBits(before, before, start, x));
    tf.dispose([x, ...start]);
    [before, loaded].forEach((m) => m.dispose());
  });
});

describe('a saved BN U-Net in plain TensorFlow.js', () => {
  it('loads with @tensorflow/tfjs alone (no tfseg layers registered) and predicts what the model predicts', async () => {
    await tf.setBackend('cpu');
    const directory = await mkdtemp(join(tmpdir(), 'tfseg-plain-tfjs-'));
    try {
      const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 16, seed: 8 });
      await saveModel(model, directory);
      const x = tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 9);
      await writeFile(join(directory, 'input.json'), JSON.stringify(Array.from(x.dataSync())));
      const script = `
        const tf = require('@tensorflow/tfjs');
        const { readFileSync, writeFileSync } = require('node:fs');
        const dir = process.argv[1];
        (async () => {
          await tf.setBackend('cpu');
          const json = JSON.parse(readFileSync(dir + '/model.json', 'utf8'));
          const weights = readFileSync(dir + '/weights.bin');
          const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((group) => group.weights), weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) }));
          const x = tf.tensor(JSON.parse(readFileSync(dir + '/input.json', 'utf8')), [1, 16, 16, 1]);
          writeFileSync(dir + '/output.json', JSON.stringify({ className: model.constructor.name, layers: model.layers.map((layer) => layer.getClassName()), output: Array.from(model.predict(x).dataSync()) }));
        })().catch((error) => { console.error(error); process.exit(1); });`;
      const child = spawnSync(process.execPath, ['-e', script, directory], { encoding: 'utf8', cwd: __dirname, timeout: 120_000 });
      if (child.status !== 0) throw new Error(`plain tfjs failed to load or run the model: ${child.stderr}`);
      const result = JSON.parse(await readFile(join(directory, 'output.json'), 'utf8')) as { className: string; layers: string[]; output: number[] };
      expect(result.className).toBe('LayersModel');
      expect(result.layers.filter((name) => name === 'ReLU')).toHaveLength(18);
      const expected = model.predict(x) as tf.Tensor;
      expect(result.output).toEqual(Array.from(expected.dataSync()));
      // And tfseg's own loader makes it a FusingLayersModel again, with the same predictions.
      const loaded = await loadModel(directory);
      expect(loaded).toBeInstanceOf(FusingLayersModel);
      const again = loaded.predict(x) as tf.Tensor;
      expect(bits(again)).toEqual(bits(expected));
      tf.dispose([x, expected, again]);
      model.dispose();
      loaded.dispose();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
