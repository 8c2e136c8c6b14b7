/**
 * The benchmark's model, loss and data: the plain U-Net built with tfjs-layers (mirrors
 * unet_step_torch.py layer for layer) and the ML loss (Dice × CE, Eq. 5) written with tfjs ops.
 */
import * as tf from '@tensorflow/tfjs';

const convRelu = (filters, name) =>
  tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name, kernelInitializer: 'heNormal' });

/** Plain U-Net: 4 down / 4 up levels, two 3×3 conv+ReLU each, max-pool, 2×2/2 transposed conv, skips. */
export function buildUnet({ size, width, inChannels = 1, numClasses = 2 }) {
  const input = tf.input({ shape: [size, size, inChannels] });
  let x = input;
  const skips = [];
  for (let level = 0; level < 4; level++) {
    const filters = width * 2 ** level;
    x = convRelu(filters, `down${level}a`).apply(x);
    x = convRelu(filters, `down${level}b`).apply(x);
    skips.push(x);
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(x);
  }
  x = convRelu(width * 16, 'bottleneckA').apply(x);
  x = convRelu(width * 16, 'bottleneckB').apply(x);
  for (let level = 3; level >= 0; level--) {
    const filters = width * 2 ** level;
    x = tf.layers.conv2dTranspose({ filters, kernelSize: 2, strides: 2, padding: 'valid', name: `up${level}` }).apply(x);
    x = tf.layers.concatenate().apply([skips[level], x]);
    x = convRelu(filters, `up${level}a`).apply(x);
    x = convRelu(filters, `up${level}b`).apply(x);
  }
  const logits = tf.layers.conv2d({ filters: numClasses, kernelSize: 1, name: 'head' }).apply(x);
  return tf.model({ inputs: input, outputs: logits });
}

/** ML loss (Eq. 5): (1 − mean_c Dice_c) × CE, from logits `[B, H, W, C]` and one-hot `[B, H, W, C]`. */
export function mlLoss(oneHot, logits) {
  return tf.tidy(() => {
    const logProbabilities = tf.logSoftmax(logits);
    const probabilities = tf.exp(logProbabilities);
    const pixels = logits.size / logits.shape[3];
    const crossEntropy = tf.neg(tf.sum(tf.mul(oneHot, logProbabilities))).div(pixels);
    const intersection = tf.sum(tf.mul(oneHot, probabilities), [0, 1, 2]);
    const total = tf.add(tf.sum(oneHot, [0, 1, 2]), tf.sum(probabilities, [0, 1, 2]));
    const dice = tf.mean(tf.div(tf.mul(2, intersection), total));
    return tf.mul(tf.sub(1, dice), crossEntropy);
  });
}

/** A reproducible batch: uniform images and one-hot labels of a thresholded, smoothed copy. */
export function syntheticBatch(batch, size, inChannels, numClasses = 2) {
  return tf.tidy(() => {
    const images = tf.randomUniform([batch, size, size, inChannels], 0, 1, 'float32', 42);
    const smooth = tf.avgPool(images.mean(3, true), 5, 1, 'same');
    const classes = tf.cast(tf.greater(smooth, 0.5), 'int32').reshape([batch, size, size]);
    return { images, labels: tf.oneHot(classes, numClasses).toFloat() };
  });
}
