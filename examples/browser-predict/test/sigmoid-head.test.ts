/**
 * The page's segmentation reads a one-channel sigmoid head (tfseg.json `model.output: 'sigmoid'`, a
 * binary dataset) as the class probabilities (1 − p, p): the label is 1 exactly where p > 0.5.
 */
import * as tf from '@tensorflow/tfjs';

it('labels the foreground where the sigmoid output is above 0.5', async () => {
  (globalThis as { tf?: unknown }).tf = tf;
  // The page's plain-JS module (no type declarations): loaded by path.
  const modulePath: string = '../segment.js';
  const { segment } = (await import(modulePath)) as { segment: (model: tf.LayersModel, card: unknown, image: unknown) => Promise<{ labels: Uint8Array; probabilities: Float32Array }> };
  const model = tf.sequential({
    layers: [tf.layers.conv2d({ inputShape: [32, 32, 1], filters: 1, kernelSize: 3, padding: 'same', activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }), biasInitializer: 'zeros' })],
  });
  const data = Float32Array.from({ length: 32 * 32 }, (_, i) => ((i * 7919) % 101) / 101);
  const card = { classes: [{ name: 'background', values: [0] }, { name: 'vessel', values: [255] }], model: { output: 'sigmoid' }, input: { size: 32, scale: 1, overlap: 0, mode: 'sliding-window' } };
  const result = await segment(model, card, { height: 32, width: 32, channels: 1, data });
  const p = tf.tidy(() => (model.predict(tf.tensor4d(data, [1, 32, 32, 1])) as tf.Tensor).dataSync());
  expect(Array.from(result.labels)).toEqual(Array.from(p, (value) => (value > 0.5 ? 1 : 0)));
  expect(new Set(result.labels).size).toBe(2); // both labels occur: the test can tell a threshold from a constant
  p.forEach((value, i) => expect(result.probabilities[2 * i + 1]).toBeCloseTo(value, 5));
  model.dispose();
});
