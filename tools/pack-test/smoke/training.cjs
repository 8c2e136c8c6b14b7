// Smoke snippet for @tfseg/training, run by tools/pack-test/run.mjs against both the ESM and CJS builds:
// backend selection from the installed package (the threaded wasm build and the native kernels' worker
// pool started from a plain npm layout, a Winograd convolution agreeing with the cpu backend), and a 1×1-conv segmenter trained on a rule a reader can
// check (class 1 ⇔ pixel > 0.5) with the installed losses and metrics.
module.exports = async function smoke(training, tf) {
  const threaded = await training.selectBackend('wasm', { threads: 2 });
  if (threaded.threads !== 2) throw new Error(`@tfseg/training: wasm started ${threaded.threads} thread(s), not 2: ${threaded.reason}`);
  // The embedded native kernels instantiate from the installed package and run on the worker pool.
  if (!threaded.reason.includes('tfseg SIMD kernels on 2 threads')) throw new Error(`@tfseg/training: the native kernels did not start on 2 threads: ${threaded.reason}`);
  const convolve = () => tf.tidy(() => tf.conv2d(tf.randomUniform([2, 24, 24, 8], -1, 1, 'float32', 1), tf.randomUniform([3, 3, 8, 16], -1, 1, 'float32', 2), 1, 'same').dataSync());
  const onWasm = convolve();
  const selection = await training.selectBackend('auto');
  if (selection.backend !== 'wasm') throw new Error(`@tfseg/training: auto chose ${selection.backend}, not the installed wasm`);
  if (!selection.skipped.some((entry) => entry.backend === 'tensorflow-gpu')) throw new Error('@tfseg/training: auto did not report why tfjs-node-gpu was skipped');
  await training.selectBackend('cpu');
  const onCpu = convolve();
  const worst = onWasm.reduce((max, value, index) => Math.max(max, Math.abs(value - onCpu[index])), 0);
  if (!(worst < 1e-4)) throw new Error(`@tfseg/training: threaded wasm conv differs from cpu by ${worst}`);
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
