import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { BatchNormalization, BatchNormalizationReLU, registerCustomLayers } from '.';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

interface Case {
  shape: number[];
  seed: number;
  momentum: number;
  epsilon: number;
}

/** A layer built for `shape` with random gamma, beta and moving statistics (the same for equal seeds). */
function buildLayer(layer: AnyLayer, shape: number[], seed: number, axis = shape.length - 1): void {
  layer.apply(tf.input({ shape: shape.slice(1) }));
  const channels = shape[axis] as number;
  layer.setWeights([
    tf.randomUniform([channels], 0.5, 2, 'float32', seed + 1),
    tf.randomNormal([channels], 0, 1, 'float32', seed + 2),
    tf.randomNormal([channels], 0, 1, 'float32', seed + 3),
    tf.randomUniform([channels], 0.5, 2, 'float32', seed + 4),
  ]);
}

/** Training-mode output, gradients of Σ y·r (x, gamma, beta) and the moving statistics after the step. */
function trainingStep(layer: AnyLayer, x: tf.Tensor, r: tf.Tensor): { y: Float32Array; dx: Float32Array; dGamma: Float32Array; dBeta: Float32Array; moving: Float32Array[] } {
  const [gamma, beta] = layer.trainableWeights.map((weight) => weight.read() as tf.Variable) as [tf.Variable, tf.Variable];
  let y: Float32Array = new Float32Array();
  const { grads, value } = tf.variableGrads(() => {
    const out = layer.apply(x, { training: true }) as tf.Tensor;
    y = out.dataSync() as Float32Array;
    return tf.sum(tf.mul(out, r));
  }, [gamma, beta]);
  const dx = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r)))(x);
  const result = {
    y,
    dx: dx.dataSync() as Float32Array,
    dGamma: (grads[gamma.name] as tf.Tensor).dataSync() as Float32Array,
    dBeta: (grads[beta.name] as tf.Tensor).dataSync() as Float32Array,
    moving: layer.getWeights().slice(2).map((weight) => weight.dataSync() as Float32Array),
  };
  tf.dispose([value, dx, ...Object.values(grads)]);
  return result;
}

/**
 * Builds `ours` and `theirs` (whose batch norm is `theirsBatchNorm`) with the same weights, runs a training
 * step of each and expects the same output and moving statistics and the same gradients up to summation
 * order; returns our output.
 */
function expectSameTraining(ours: AnyLayer, theirs: AnyLayer, theirsBatchNorm: AnyLayer, { shape, seed }: Case): Float32Array {
  buildLayer(ours, shape, seed);
  buildLayer(theirsBatchNorm, shape, seed);
  const x = tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed + 5), 3), 1);
  const r = tf.randomNormal(shape, 0, 1, 'float32', seed + 6);
  const a = trainingStep(ours, x, r);
  const b = trainingStep(theirs, x, r);
  expectAllClose(a.y, b.y, 1e-5, 1e-5);
  // Moving statistics: the same kernels from the same batch statistics (two steps: twice updated), so the same bits.
  expect(a.moving.map((values) => Array.from(values))).toEqual(b.moving.map((values) => Array.from(values)));
  expectAllClose(a.dGamma, b.dGamma, 1e-4, 1e-4);
  expectAllClose(a.dBeta, b.dBeta, 1e-5, 1e-5);
  expectAllClose(a.dx, b.dx, 1e-3, 1e-4);
  tf.dispose([x, r]);
  ours.dispose();
  theirs.dispose();
  return a.y;
}

const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  shape: fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 9 })).map((s) => [...s]),
    fc.tuple(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 6 })).map((s) => [...s]),
  ),
  seed: fc.integer({ min: 0, max: 10_000 }),
  momentum: fc.constantFrom(0.9, 0.99, 0.5),
  epsilon: fc.constantFrom(1e-5, 1e-3),
});

describeOnBackends('BatchNormalization (one tape operation in training)', () => {
  it('trains like tfjs-layers’ BatchNormalization: same output and moving statistics, same gradients up to summation order', () => {
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const args = { axis: -1, momentum: c.momentum, epsilon: c.epsilon };
        const theirs = tf.layers.batchNormalization(args);
        expectSameTraining(new BatchNormalization(args), theirs, theirs, c);
      }),
      { numRuns: 25 },
    );
  });

  it('runs inference exactly as tfjs-layers (moving statistics, no update)', () => {
    const ours = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    const theirs = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    buildLayer(ours, [2, 3, 3, 4], 7);
    buildLayer(theirs, [2, 3, 3, 4], 7);
    const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 8);
    const [a, b] = [ours, theirs].map((layer) => layer.apply(x) as tf.Tensor) as [tf.Tensor, tf.Tensor];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(ours.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(theirs.getWeights().map((w) => Array.from(w.dataSync())));
    tf.dispose([x, a, b]);
  });

  it('falls back to tfjs-layers’ pass for another axis (same output and moving statistics)', () => {
    // (tfjs-layers' own gradient of this broadcasting case fails, so only the forward pass is compared.)
    const ours = new BatchNormalization({ axis: 1 });
    const theirs = tf.layers.batchNormalization({ axis: 1 });
    buildLayer(ours, [2, 3, 4], 3, 1);
    buildLayer(theirs, [2, 3, 4], 3, 1);
    const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 4);
    const [a, b] = [ours, theirs].map((layer) => layer.apply(x, { training: true }) as tf.Tensor) as [tf.Tensor, tf.Tensor];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(ours.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(theirs.getWeights().map((w) => Array.from(w.dataSync())));
    tf.dispose([x, a, b]);
  });

  it('leaks no tensors in a training step with gradients, nor without', async () => {
    const layer = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
    buildLayer(layer, [2, 4, 4, 3], 1);
    const x = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 2);
    const r = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 3);
    trainingStep(layer, x, r); // warm-up (first-call caches)
    await expectNoTensorLeak(() => {
      trainingStep(layer, x, r);
      tf.tidy(() => {
        layer.apply(x, { training: true });
      });
    });
    tf.dispose([x, r]);
  });

  it('saves as tfjs-layers’ BatchNormalization (class name, config, weight names) and loads back as this class', async () => {
    registerCustomLayers();
    const build = (layer: AnyLayer): tf.LayersModel => {
      const input = tf.input({ shape: [3, 3, 2], name: 'image' });
      return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor, name: 'net' });
    };
    const ours = build(new BatchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn' }));
    const theirs = build(tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn' }));
    expect(ours.toJSON(null, false)).toEqual(theirs.toJSON(null, false));
    const names = (model: tf.LayersModel): string[] => model.weights.map((w) => w.name.replace(/_\d+$/, ''));
    expect(names(ours)).toEqual(['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
    expect(names(ours)).toEqual(names(theirs));
    let saved: tf.io.ModelArtifacts | undefined;
    await ours.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers[1]).toBeInstanceOf(BatchNormalization);
    tf.dispose([ours, theirs, loaded].flatMap((model) => model.weights.map((w) => w.read())));
  });

  it('BatchNormalizationReLU trains like tfjs-layers’ BatchNormalization followed by a ReLU layer (output, moving statistics, gradients up to summation order)', () => {
    let zeros = 0;
    fc.assert(
      fc.property(caseArbitrary, (c) => {
        const args = { axis: -1, momentum: c.momentum, epsilon: c.epsilon };
        const theirs = tf.sequential({ layers: [tf.layers.batchNormalization({ ...args, inputShape: c.shape.slice(1) }), tf.layers.reLU()] });
        const y = expectSameTraining(new BatchNormalizationReLU(args), theirs as unknown as AnyLayer, theirs.layers[0] as AnyLayer, c);
        zeros += y.filter((value) => value === 0).length;
      }),
      { numRuns: 25 },
    );
    // The ReLU was off somewhere (normalised values around random offsets), so its gradient was tested.
    expect(zeros).toBeGreaterThan(0);
  });

  it('BatchNormalizationReLU runs inference exactly as tfjs-layers’ BatchNormalization and ReLU, and leaks no tensors in training', async () => {
    const ours = new BatchNormalizationReLU({ momentum: 0.9, epsilon: 1e-5 });
    const theirs = tf.sequential({ layers: [tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5, inputShape: [3, 3, 4] }), tf.layers.reLU()] });
    buildLayer(ours, [2, 3, 3, 4], 7);
    buildLayer(theirs.layers[0] as AnyLayer, [2, 3, 3, 4], 7);
    const x = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 8);
    const r = tf.randomNormal([2, 3, 3, 4], 0, 1, 'float32', 9);
    const [a, b] = [ours.apply(x) as tf.Tensor, theirs.apply(x) as tf.Tensor];
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync()).some((value) => value === 0)).toBe(true);
    trainingStep(ours, x, r); // warm-up (first-call caches)
    await expectNoTensorLeak(() => {
      trainingStep(ours, x, r);
      tf.tidy(() => {
        ours.apply(x, { training: true });
        ours.apply(x);
      });
    });
    tf.dispose([x, r, a, b]);
    ours.dispose();
    theirs.dispose();
  });

  it('BatchNormalizationReLU saves under its own class name with batch norm’s config and weight names, and loads back as itself', async () => {
    registerCustomLayers();
    const input = tf.input({ shape: [3, 3, 2], name: 'image' });
    const model = tf.model({ inputs: input, outputs: new BatchNormalizationReLU({ momentum: 0.9, epsilon: 1e-5, name: 'bn' }).apply(input) as tf.SymbolicTensor, name: 'net' });
    const plain = tf.model({ inputs: input, outputs: new BatchNormalization({ momentum: 0.9, epsilon: 1e-5, name: 'bn' }).apply(input) as tf.SymbolicTensor, name: 'net' });
    type LayerJson = { class_name: string; config: unknown };
    const [layerJson, plainJson] = [model, plain].map((m) => (m.toJSON(null, false) as { config: { layers: LayerJson[] } }).config.layers[1]);
    expect(layerJson?.class_name).toBe('BatchNormalizationReLU');
    expect(layerJson?.config).toEqual(plainJson?.config);
    expect(model.weights.map((w) => w.name.replace(/_\d+$/, ''))).toEqual(['bn/gamma', 'bn/beta', 'bn/moving_mean', 'bn/moving_variance']);
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers[1]).toBeInstanceOf(BatchNormalizationReLU);
    const x = tf.randomNormal([1, 3, 3, 2], 0, 1, 'float32', 1);
    const [a, b] = [model.predict(x) as tf.Tensor, loaded.predict(x) as tf.Tensor];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b, ...[model, plain, loaded].flatMap((m) => m.weights.map((w) => w.read()))]);
  });
});
