import * as tf from '@tensorflow/tfjs';
import { describeOnBackends, expectNoTensorLeak } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { Conv2D, CONV2D_BIAS_RELU, conv2dBiasRelu, registerCustomLayers } from '.';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

interface Case {
  batch: number;
  size: number;
  inChannels: number;
  filters: number;
  kernelSize: number;
  strides: number;
  padding: 'same' | 'valid';
  seed: number;
}

const caseArbitrary: fc.Arbitrary<Case> = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    size: fc.integer({ min: 1, max: 7 }),
    inChannels: fc.integer({ min: 1, max: 5 }),
    filters: fc.integer({ min: 1, max: 9 }),
    kernelSize: fc.integer({ min: 1, max: 3 }),
    strides: fc.integer({ min: 1, max: 2 }),
    padding: fc.constantFrom('same' as const, 'valid' as const),
    seed: fc.integer({ min: 0, max: 10_000 }),
  })
  .filter((c) => c.padding === 'same' || c.size >= c.kernelSize);

/** A built conv layer with random kernel and a bias around 0 (the same for equal seeds). */
function buildLayer(layer: AnyLayer, c: Case): void {
  layer.apply(tf.input({ shape: [c.size, c.size, c.inChannels] }));
  const kernel = tf.randomNormal([c.kernelSize, c.kernelSize, c.inChannels, c.filters], 0, 0.5, 'float32', c.seed + 1);
  layer.setWeights(layer.weights.length === 1 ? [kernel] : [kernel, tf.randomNormal([c.filters], 0, 0.5, 'float32', c.seed + 2)]);
}

/** Training-mode output and the gradients of Σ y·r with respect to x, the kernel and the bias (if any). */
function trainingStep(layer: AnyLayer, c: Case): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([c.batch, c.size, c.size, c.inChannels], 0, 1, 'float32', c.seed + 3);
    const y = layer.apply(x, { training: true }) as tf.Tensor;
    const r = tf.randomNormal(y.shape, 0, 1, 'float32', c.seed + 4);
    const weights = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const loss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input, { training: true }) as tf.Tensor, r));
    const dx = tf.grad(loss)(x);
    const { grads } = tf.variableGrads(() => loss(x), weights);
    return [y, dx, ...weights.map((weight) => grads[weight.name] as tf.Tensor)].map((t) => Float32Array.from(t.dataSync()));
  });
}

/** The gradients of Σ y·r with respect to the layer's weights only (a network's first layer: x needs none). */
function weightGradients(layer: AnyLayer, c: Case): tf.Tensor[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([c.batch, c.size, c.size, c.inChannels], 0, 1, 'float32', c.seed + 3);
    const weights = layer.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const loss = (): tf.Scalar => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor));
    const { grads } = tf.variableGrads(loss, weights);
    return weights.map((weight) => grads[weight.name] as tf.Tensor);
  });
}

const layerArgs = (c: Case, activation: 'relu' | 'linear' = 'relu', useBias = true) => ({ filters: c.filters, kernelSize: c.kernelSize, strides: c.strides, padding: c.padding, activation, useBias });

/** On random cases, our Conv2D and tfjs-layers' with the same arguments train with the same bits. */
function expectTrainsLikeTfjs(args: (c: Case) => ReturnType<typeof layerArgs>): void {
  fc.assert(
    fc.property(caseArbitrary, (c) => {
      const ours = new Conv2D(args(c));
      const theirs = tf.layers.conv2d(args(c));
      buildLayer(ours, c);
      buildLayer(theirs, c);
      const [a, b] = [ours, theirs].map((layer) => trainingStep(layer, c).map((values) => Array.from(values)));
      expect(a).toEqual(b);
      ours.dispose();
      theirs.dispose();
    }),
    { numRuns: 20 },
  );
}

// cpu only: tfjs' wasm backend has no convolution gradient kernels of its own (@tfseg/training adds them,
// and tests this layer on wasm with its kernels in ConvBiasRelu.test.ts).
describeOnBackends('Conv2D (conv + bias + ReLU as one tape operation where the backend has the kernels)', (backend) => {
  it('trains like tfjs-layers’ Conv2D (same output and gradients, the same bits) without the kernels', () => {
    expect(tf.getKernel(CONV2D_BIAS_RELU, backend)).toBeUndefined();
    expectTrainsLikeTfjs(layerArgs);
  });

  it('with a forward kernel registered and the gradient composed of tfjs-core ops, trains with the same bits as tfjs-layers’ Conv2D (one tape operation)', async () => {
    // A backend's forward kernel as @tfseg/training registers one for wasm: here the backend's own FusedConv2D.
    const fusedConv2D = tf.getKernel('FusedConv2D', backend);
    if (fusedConv2D === undefined) throw new Error(`the ${backend} backend has no FusedConv2D kernel`);
    tf.registerKernel({
      kernelName: CONV2D_BIAS_RELU,
      backendName: backend,
      kernelFunc: ({ inputs, backend: instance, attrs }) => fusedConv2D.kernelFunc({ inputs, backend: instance, attrs: { ...attrs, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' } }),
    });
    try {
      expectTrainsLikeTfjs(layerArgs);
      const c: Case = { batch: 2, size: 5, inChannels: 3, filters: 4, kernelSize: 3, strides: 1, padding: 'same', seed: 1 };
      const layer = new Conv2D(layerArgs(c));
      buildLayer(layer, c);
      trainingStep(layer, c); // warm-up (first-call caches)
      await expectNoTensorLeak(() => trainingStep(layer, c));
      const profile = await tf.profile(() => trainingStep(layer, c));
      const names = profile.kernels.map((kernel) => kernel.name);
      expect(names).toContain(CONV2D_BIAS_RELU);
      expect(names).not.toContain('Relu');
      // Inference keeps tfjs-layers' pass: tfjs' FusedConv2D.
      const inference = await tf.profile(() => tf.tidy(() => layer.apply(tf.ones([1, 5, 5, 3])) as tf.Tensor));
      expect(inference.kernels.map((kernel) => kernel.name)).toEqual(expect.arrayContaining(['FusedConv2D']));
      expect(inference.kernels.map((kernel) => kernel.name)).not.toContain(CONV2D_BIAS_RELU);
      layer.dispose();
    } finally {
      tf.unregisterKernel(CONV2D_BIAS_RELU, backend);
    }
  });

  it('conv2dBiasRelu without the kernels is tfjs-core’s fused conv2d', () => {
    const c: Case = { batch: 2, size: 6, inChannels: 3, filters: 5, kernelSize: 3, strides: 2, padding: 'same', seed: 5 };
    tf.tidy(() => {
      const x = tf.randomNormal([2, 6, 6, 3], 0, 1, 'float32', c.seed) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', c.seed + 1) as tf.Tensor4D;
      const b = tf.randomNormal([5], 0, 1, 'float32', c.seed + 2) as tf.Tensor1D;
      const ours = conv2dBiasRelu(x, w, b, { strides: [2, 2], pad: 'same' });
      const theirs = tf.fused.conv2d({ x, filter: w, bias: b, strides: 2, pad: 'same', activation: 'relu' });
      expect(Array.from(ours.dataSync())).toEqual(Array.from(theirs.dataSync()));
    });
  });

  it('runs tfjs-layers’ own pass for a linear activation with a bias', () => {
    expectTrainsLikeTfjs((c) => layerArgs(c, 'linear'));
  });

  it('without bias and activation (before a batch norm) trains like tfjs-layers’ Conv2D, and computes no input gradient where only the kernel needs one', async () => {
    expectTrainsLikeTfjs((c) => layerArgs(c, 'linear', false));
    const c: Case = { batch: 2, size: 6, inChannels: 1, filters: 4, kernelSize: 3, strides: 1, padding: 'same', seed: 7 };
    const ours = new Conv2D(layerArgs(c, 'linear', false));
    const theirs = tf.layers.conv2d(layerArgs(c, 'linear', false));
    buildLayer(ours, c);
    buildLayer(theirs, c);
    const [a, b] = [ours, theirs].map((layer) => tf.tidy(() => weightGradients(layer, c).map((t) => Array.from(t.dataSync()))));
    expect(a).toEqual(b);
    const inputGradients = async (layer: AnyLayer): Promise<number> => {
      const profile = await tf.profile(() => tf.dispose(weightGradients(layer, c)));
      return profile.kernels.filter((kernel) => kernel.name === 'Conv2DBackpropInput').length;
    };
    // tfjs-layers' fused.conv2d computes the image's gradient anyway; ours does not.
    expect(await inputGradients(theirs)).toBe(1);
    expect(await inputGradients(ours)).toBe(0);
    tf.dispose(weightGradients(ours, c)); // warm-up (first-call caches)
    await expectNoTensorLeak(() => tf.dispose(weightGradients(ours, c)));
    ours.dispose();
    theirs.dispose();
  });

  it('saves as tfjs-layers’ Conv2D (class name, config, weight names) and loads back as this class', async () => {
    registerCustomLayers();
    const build = (layer: AnyLayer): tf.LayersModel => {
      const input = tf.input({ shape: [4, 4, 2], name: 'image' });
      return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor, name: 'net' });
    };
    const args = { filters: 4, kernelSize: 3, padding: 'same' as const, activation: 'relu' as const, name: 'conv' };
    const ours = build(new Conv2D(args));
    const theirs = build(tf.layers.conv2d(args));
    expect(ours.toJSON(null, false)).toEqual(theirs.toJSON(null, false));
    expect(ours.weights.map((w) => w.name.replace(/_\d+$/, ''))).toEqual(['conv/kernel', 'conv/bias']);
    let saved: tf.io.ModelArtifacts | undefined;
    await ours.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    expect(loaded.layers[1]).toBeInstanceOf(Conv2D);
    tf.dispose([ours, theirs, loaded].flatMap((model) => model.weights.map((w) => w.read())));
  });
}, ['cpu']);
