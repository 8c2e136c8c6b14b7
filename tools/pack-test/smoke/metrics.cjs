// Smoke snippet for @tfseg/metrics, run by tools/pack-test/run.mjs against both the ESM and CJS builds:
// a 3-class matrix a reader can check on paper, fed once by typed arrays and once by tensors.
module.exports = async function smoke(metrics, tf) {
  // truth 0 0 0 1 1 2 2 2 2 / prediction 0 0 1 1 2 2 2 2 0 → IoU [2/4, 1/3, 3/5].
  const truth = [0, 0, 0, 1, 1, 2, 2, 2, 2];
  const prediction = [0, 0, 1, 1, 2, 2, 2, 2, 0];
  const expected = [2 / 4, 1 / 3, 3 / 5];
  const fromArrays = new metrics.ConfusionMatrix(3).update(Int32Array.from(truth), Uint8Array.from(prediction));
  const truthTensor = tf.tensor1d(truth, 'int32');
  const scores = tf.oneHot(tf.tensor1d(prediction, 'int32'), 3).toFloat();
  const before = tf.memory().numTensors;
  const fromTensors = new metrics.ConfusionMatrix(3).update(truthTensor, scores);
  if (tf.memory().numTensors !== before) throw new Error('@tfseg/metrics: update leaked tensors');
  tf.dispose([truthTensor, scores]);
  for (const [name, matrix] of [['arrays', fromArrays], ['tensors', fromTensors]]) {
    const iou = matrix.iou();
    if (!iou.every((value, c) => Math.abs(value - expected[c]) < 1e-12)) throw new Error(`@tfseg/metrics (${name}): IoU ${iou}, expected ${expected}`);
  }
  let message = '';
  try {
    fromArrays.update(Int32Array.of(0, 1), Int32Array.of(0));
  } catch (error) {
    message = error.message;
  }
  if (!message.includes('truth and prediction must have the same number of pixels')) throw new Error(`@tfseg/metrics: unexpected error "${message}"`);
};
