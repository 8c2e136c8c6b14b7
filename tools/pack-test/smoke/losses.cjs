// Smoke snippet for @tfseg/losses, run by tools/pack-test/run.mjs against both the ESM and CJS builds:
// it computes every loss on a tiny tensor and checks the values a reader can verify on paper.
module.exports = async function smoke(losses, tf) {
  // Two pixels, two classes: pixel 0 is class 0 predicted [0.8, 0.2]; pixel 1 is class 1 predicted [0.4, 0.6].
  const crossEntropy = -(Math.log(0.8) + Math.log(0.6)) / 2;
  const diceLoss = 1 - ((2 * 0.8) / 2.2 + (2 * 0.6) / 1.8) / 2;
  const expected = {
    ce: crossEntropy,
    dice: diceLoss,
    additive: 0.3 * diceLoss + 0.7 * crossEntropy,
    ml: diceLoss * crossEntropy,
    caml: diceLoss * crossEntropy ** (0.3 ** (1 - diceLoss)),
  };
  const yTrue = tf.tensor2d([[1, 0], [0, 1]]);
  const yPred = tf.tensor2d([[0.8, 0.2], [0.4, 0.6]]);
  for (const [name, value] of Object.entries(expected)) {
    const loss = losses.createLoss(name === 'additive' ? { name, lambda: 0.3 } : { name });
    const actual = loss(yTrue, yPred).dataSync()[0];
    if (!(Math.abs(actual - value) < 1e-5)) throw new Error(`@tfseg/losses ${name}: got ${actual}, expected ${value}`);
  }
  let message = '';
  try {
    losses.createLoss({ name: 'focal' });
  } catch (error) {
    message = error.message;
  }
  if (!message.startsWith('Error in createLoss: name must be one of')) throw new Error(`@tfseg/losses: unexpected error for a bad name: "${message}"`);
  if (typeof losses.lossCurves !== 'function' || typeof losses.lossSpecSchema?.parse !== 'function') throw new Error('@tfseg/losses: lossCurves or lossSpecSchema missing');
};
