import * as tf from '@tensorflow/tfjs';
import { describeOnBackends } from '@tfseg-internal/testing';
import { Conv2DTranspose, CONV2D_TRANSPOSE_BIAS, registerCustomLayers } from '.';

type AnyLayer = InstanceType<typeof tf.layers.Layer>;

// cpu only: tfjs' wasm backend has no convolution gradient kernels of its own (@tfseg/training adds them
// and the one-op kernel, and tests the layer on wasm in ConvTransposeBias.test.ts).
describeOnBackends(
  'Conv2DTranspose (transposed convolution + bias as one tape operation where the backend has the kernel)',
  (backend) => {
    it('without the kernel, trains exactly as tfjs-layers’ Conv2DTranspose (output and gradients)', () => {
      expect(tf.getKernel(CONV2D_TRANSPOSE_BIAS, backend)).toBeUndefined();
      const args = { filters: 3, kernelSize: 2, strides: 2, padding: 'same' as const };
      const [ours, theirs] = [new Conv2DTranspose(args), tf.layers.conv2dTranspose(args)].map((layer: AnyLayer) => {
        layer.apply(tf.input({ shape: [3, 3, 2] }));
        layer.setWeights([tf.randomNormal([2, 2, 3, 2], 0, 1, 'float32', 1), tf.randomNormal([3], 0, 1, 'float32', 2)]);
        return layer;
      }) as [AnyLayer, AnyLayer];
      const run = (layer: AnyLayer): number[][] =>
        tf.tidy(() => {
          const x = tf.randomNormal([2, 3, 3, 2], 0, 1, 'float32', 3);
          const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(layer.apply(x, { training: true }) as tf.Tensor)), layer.trainableWeights.map((w) => w.read() as tf.Variable));
          return [value, ...Object.values(grads)].map((t) => Array.from(t.dataSync()));
        });
      expect(run(ours)).toEqual(run(theirs));
      ours.dispose();
      theirs.dispose();
    });

    it('saves as tfjs-layers’ Conv2DTranspose (class name, config, weights) and loads back as this class', async () => {
      registerCustomLayers();
      const build = (layer: AnyLayer): tf.LayersModel => {
        const input = tf.input({ shape: [4, 4, 2], name: 'image' });
        return tf.model({ inputs: input, outputs: layer.apply(input) as tf.SymbolicTensor, name: 'net' });
      };
      const args = { filters: 4, kernelSize: 2, strides: 2, padding: 'same' as const, name: 'up' };
      const ours = build(new Conv2DTranspose(args));
      const theirs = build(tf.layers.conv2dTranspose(args));
      expect(ours.toJSON(null, false)).toEqual(theirs.toJSON(null, false));
      let saved: tf.io.ModelArtifacts | undefined;
      await ours.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
      const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      expect(loaded.layers[1]).toBeInstanceOf(Conv2DTranspose);
      tf.dispose([ours, theirs, loaded].flatMap((model) => model.weights.map((w) => w.read())));
    });
  },
  ['cpu'],
);
