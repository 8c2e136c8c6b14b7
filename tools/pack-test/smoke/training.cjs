// Smoke snippet for @tfseg/training, run by tools/pack-test/run.mjs against both the ESM and CJS builds:
// backend selection from the installed package, and a 1×1-conv segmenter trained on a rule a reader can
// check (class 1 ⇔ pixel > 0.5) with the installed losses and metrics.
module.exports = async function smoke(training, tf) {
  const selection = await training.selectBackend('auto');
  if (!['wasm', 'cpu'].includes(selection.backend)) throw new Error(`@tfseg/training: auto chose ${selection.backend}`);
  if (!selection.skipped.some((entry) => entry.backend === 'tensorflow-gpu')) throw new Error('@tfseg/training: auto did not report why tfjs-node-gpu was skipped');
  await training.selectBackend('cpu');
  const size = 8;
  const count = 4;
  const images = Float32Array.from({ length: count * size * size }, (_, index) => ((index * 37) % 100) / 100);
  const labels = Uint8Array.from(images, (value) => (value > 0.5 ? 1 : 0));
  const set = { images, labels, count, height: size, width: size, channels: 1 };
  const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [size, size, 1], filters: 2, kernelSize: 1, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) })] });
  const before = tf.memory().numTensors;
  const result = await training.train({ model, loss: { name: 'ce' }, trainBatches: () => [set], test: set, numClasses: 2, epochs: 40, seed: 1, optimizer: { learningRate: 0.1 } });
  if (tf.memory().numTensors !== before) throw new Error('@tfseg/training: train leaked tensors');
  if (!(result.test.meanIoU > 0.9)) throw new Error(`@tfseg/training: a learnable threshold reached only mIoU ${result.test.meanIoU}`);
  let message = '';
  try {
    await training.train({ model, loss: { name: 'ce' }, trainBatches: () => [set], numClasses: 2, seed: 1 });
  } catch (error) {
    message = error.message;
  }
  if (!message.includes('give exactly one of epochs and steps')) throw new Error(`@tfseg/training: unexpected error "${message}"`);
  model.dispose();
};
