/**
 * One pass through every wasm training kernel, for tests that compare two backend configurations bit for
 * bit (1 vs 2 threads) or within a tolerance (fused multiply-adds).
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import { BATCH_NORM_RELU, BatchNormalization, batchNormTraining, conv2dBiasRelu, conv2dTransposeBias, normalizeAndScale } from '@tfseg/models';
import { Adam, adamOptionsSchema } from '../../adam';

/**
 * The loss and every gradient of a small net that goes through each wasm training kernel and through
 * XNNPACK work large enough to be split across threads (conv, transposed conv, pooling, concat, softmax,
 * batch norm (tfjs-core's and @tfseg/models' training-mode layers, with and without ReLU), depthwise conv, transposed matmul, tile and its gradient),
 * then Adam steps on two variables.
 */
export function gradientsThroughEveryKernel(): Float32Array[] {
  // @tfseg/models' BatchNormalization (one tape operation in training), on this backend instance.
  const batchNorm = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  batchNorm.apply(tf.input({ shape: [32, 32, 32] }));
  // Another one's weights for batch norm with ReLU inside the operation (a BatchNormalization → ReLU pair in training).
  const batchNormRelu = new BatchNormalization({ momentum: 0.9, epsilon: 1e-5 });
  batchNormRelu.apply(tf.input({ shape: [32, 32, 32] }));
  const [gamma, beta, movingMean, movingVariance] = batchNormRelu.weights as [LayerVariable, LayerVariable, LayerVariable, LayerVariable];
  const gradients = tf.tidy(() => {
    const x = tf.randomUniform([4, 32, 32, 8], -1, 1, 'float32', 1);
    const weights = [
      tf.randomUniform([3, 3, 8, 16], -0.3, 0.3, 'float32', 2),
      tf.randomUniform([2, 2, 16, 16], -0.3, 0.3, 'float32', 3),
      tf.randomUniform([3, 3, 32, 1], -0.3, 0.3, 'float32', 4),
      tf.randomUniform([64, 32], -0.3, 0.3, 'float32', 5),
      tf.randomUniform([3, 3, 16, 32], -0.3, 0.3, 'float32', 6),
      tf.randomUniform([3, 3, 16, 16], -0.3, 0.3, 'float32', 7),
      tf.randomUniform([3, 3, 16, 8], -0.3, 0.3, 'float32', 8),
      tf.randomUniform([3, 3, 16, 16], -0.3, 0.3, 'float32', 9),
      tf.randomUniform([16], -0.1, 0.1, 'float32', 10),
      tf.randomUniform([3, 3, 16, 32], -0.3, 0.3, 'float32', 11),
      tf.randomUniform([3, 3, 128, 128], -0.1, 0.1, 'float32', 14),
      tf.randomUniform([3, 3, 64, 64], -0.1, 0.1, 'float32', 15),
      tf.randomUniform([2, 2, 32, 64], -0.3, 0.3, 'float32', 16),
      tf.randomUniform([3, 3, 1, 16], -0.3, 0.3, 'float32', 21),
      tf.randomUniform([1, 1, 16, 2], -0.3, 0.3, 'float32', 22),
      tf.randomUniform([1, 1, 16, 5], -0.3, 0.3, 'float32', 23),
      tf.randomUniform([5], -0.1, 0.1, 'float32', 24),
    ] as const;
    const image = tf.randomUniform([4, 32, 32, 1], -1, 1, 'float32', 25) as tf.Tensor4D;
    const wideSmall = tf.randomUniform([4, 8, 8, 128], -1, 1, 'float32', 17) as tf.Tensor4D;
    const wideSmallest = tf.randomUniform([4, 4, 4, 64], -1, 1, 'float32', 18) as tf.Tensor4D;
    const wideCoarse = tf.randomUniform([4, 8, 8, 64], -1, 1, 'float32', 19) as tf.Tensor4D;
    const loss = (input: tf.Tensor, w0: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor, w3: tf.Tensor, w4: tf.Tensor, w5: tf.Tensor, w6: tf.Tensor, w7: tf.Tensor, b7: tf.Tensor, w8: tf.Tensor, w9: tf.Tensor, w10: tf.Tensor, w11: tf.Tensor, w12: tf.Tensor, w13: tf.Tensor, w14: tf.Tensor, b14: tf.Tensor): tf.Scalar => {
      const features = tf.relu(tf.conv2d(input as tf.Tensor4D, w0 as tf.Tensor4D, 1, 'same'));
      // 16 → 32 channels: Winograd's filter gradient, its tile partitions split over the threads.
      const wider = tf.conv2d(features, w4 as tf.Tensor4D, 1, 'same');
      const pooled = tf.maxPool(features, 2, 2, 'valid');
      // 8×8 maps: one Winograd filter-gradient partition, split over the threads by input channels
      // (F(4×4): 16 of its tiles); 4×4 maps: the same by F(2×2) (4 F(4×4) tiles are too few).
      const small = tf.conv2d(tf.maxPool(pooled, 2, 2, 'valid'), w8 as tf.Tensor4D, 1, 'same');
      const smallest = tf.conv2d(tf.maxPool(tf.maxPool(pooled, 2, 2, 'valid'), 2, 2, 'valid'), w8 as tf.Tensor4D, 1, 'same');
      // Wide channels on small maps: every Winograd tile in one block, dW written without partial sums
      // (split by input channels); a 2×2/2 transposed conv to 32 channels from 64 (its filter gradient
      // from packed rows, split by channel blocks).
      const wideSmallOut = tf.conv2d(wideSmall, w9 as tf.Tensor4D, 1, 'same');
      const wideSmallestOut = tf.conv2d(wideSmallest, w10 as tf.Tensor4D, 1, 'same');
      const wideUpsampled = tf.conv2dTranspose(wideCoarse, w11 as tf.Tensor4D, [4, 16, 16, 32], 2, 'valid');
      // 8×8 maps, 64 → 64 channels: F(2×2) by output-channel strips, forward and input gradient (split by strips).
      const deep = tf.conv2d(tf.tile(tf.maxPool(pooled, 2, 2, 'valid'), [1, 1, 1, 4]), tf.tile(w8, [1, 1, 4, 2]) as tf.Tensor4D, 1, 'same');
      const upsampled = tf.conv2dTranspose(pooled, w1 as tf.Tensor4D, [4, 32, 32, 16], 2, 'valid');
      const concatenated = tf.concat([features, upsampled], 3);
      // Training-time batch norm (native Mean, FusedBatchNorm and its fused gradient, partitioned sums).
      const { mean, variance } = tf.moments(concatenated, [0, 1, 2]);
      const joined = tf.batchNorm4d(concatenated, mean as tf.Tensor1D, variance as tf.Tensor1D, tf.fill([32], 0.1) as tf.Tensor1D, tf.fill([32], 1.5) as tf.Tensor1D, 1e-3);
      // Training-mode batch norm of @tfseg/models (TfsegBatchNormTraining and its gradient, threaded).
      const mixed = tf.depthwiseConv2d(batchNorm.apply(joined, { training: true }) as tf.Tensor4D, w2 as tf.Tensor4D, 1, 'same');
      const tokens = mixed.reshape([4, 1024, 32]);
      const attention = tf.matMul(tokens.slice([0, 0, 0], [4, 64, 32]), tokens.slice([0, 64, 0], [4, 64, 32]), false, true);
      const projected = tf.matMul(attention.reshape([256, 64]), w3 as tf.Tensor2D);
      const tiled = tf.tile(projected.mean(0, true), [8, 1]);
      // LayerNormalization-style tiling of statistics: the native Tile gradient over 128 Ki elements.
      const tiledStatistics = tf.tile(wider.mean([1, 2], true), [1, 32, 32, 1]);
      // Batch norm with ReLU inside (the masked sums and the in-place input gradient, threaded).
      const rectified = batchNormTraining(wider, gamma.read(), beta.read(), { epsilon: 1e-5, momentum: 0.9, movingMean, movingVariance, relu: true });
      // GroupNormalization's and a layer norm's forward (TfsegNormalizeForward, (batch, group) items split over the threads).
      const grouped = normalizeAndScale(wider.reshape([4, 32, 32, 8, 4]), tf.linspace(0.5, 1.5, 32).reshape([8, 4]), tf.fill([8, 4], 0.1), [1, 2, 4], 1e-5);
      const layerNormalized = normalizeAndScale(wider.reshape([4, 1024, 32]), tf.linspace(0.5, 1.5, 32), undefined, [2], 1e-5);
      // A bias-gradient-like sum over batch, height and width (the native Sum).
      const channelSums = tf.sum(features, [0, 1, 2]);
      // Full-size elementwise kernels split over the threads ([4, 64, 64, 16]): a fused conv + ReLU (its
      // gradient is mul(dy, step(y))), x − mean with a channel vector, and the Adds of a tensor used twice.
      const large = tf.tile(features, [1, 2, 2, 1]);
      const activated = tf.fused.conv2d({ x: large as tf.Tensor4D, filter: w5 as tf.Tensor4D, strides: 1, pad: 'same', bias: tf.fill([16], 0.05), activation: 'relu' });
      const centred = tf.sub(activated, tf.mean(activated, [0, 1, 2], true));
      // @tfseg/models' one-op conv + bias + ReLU: its gradient's dz and bias sums split over the threads by channel.
      const convolved = conv2dBiasRelu(large as tf.Tensor4D, w7 as tf.Tensor4D, b7 as tf.Tensor1D, { strides: [1, 1], pad: 'same' });
      // @tfseg/models' one-op transposed convolution + bias (the bias added in place, threaded).
      // …and at [4, 64, 64, 8] (131072 elements, its one-pass gradient, threaded by column groups).
      const narrow = conv2dBiasRelu(large as tf.Tensor4D, w6 as tf.Tensor4D, tf.slice(b7, 0, 8) as tf.Tensor1D, { strides: [1, 1], pad: 'same' });
      const upsampledWithBias = conv2dTransposeBias(pooled, w1 as tf.Tensor4D, b7 as tf.Tensor1D, { inputShape: [4, 32, 32, 16], strides: [2, 2], pad: 'valid' });
      // A 3×3/2 convolution (its input gradient: the native strided kernel) and nearest and bilinear
      // ×2 up-sampling (the native resize gradients), as in ConvFormer's and TransUNet's steps.
      const downsampled = tf.conv2d(features, w6 as tf.Tensor4D, 2, 'same');
      const resized = tf.mul(tf.image.resizeNearestNeighbor(features, [64, 64]), tf.image.resizeBilinear(features, [64, 64]));
      // A softmax head (native Softmax, groups of rows split over the threads) under the probabilities'
      // clipped log: max(p, ε) and p ≥ ε with a scalar, and the softmax gradient's [P, 1] · [P, C] (native broadcasts).
      const probabilities = tf.softmax(activated);
      // A U-Net's edges: a one-channel image's 3×3 first layer (its filter gradient in one pass per 4
      // channels), and 1×1 heads to 2 and 5 classes (forward, input and filter gradients; native/conv2d_narrow.c).
      const firstLayer = tf.conv2d(image, w12 as tf.Tensor4D, 1, 'same');
      const heads = [tf.fused.conv2d({ x: large as tf.Tensor4D, filter: w13 as tf.Tensor4D, strides: 1, pad: 'same', activation: 'linear' }), tf.fused.conv2d({ x: large as tf.Tensor4D, filter: w14 as tf.Tensor4D, bias: b14, strides: 1, pad: 'same', activation: 'linear' })];
      // A log-softmax over 3 classes ([4, 128, 128, 3]): x − max and x − log Σ exp broadcast a [P, 1] column
      // over [P, 3] rows (native/elementwise.c's blocks of 4 rows, split over the threads).
      const threeClasses = tf.tile(activated.slice([0, 0, 0, 0], [4, 64, 64, 3]), [1, 2, 2, 1]);
      const logProbabilities = tf.logSoftmax(threeClasses);
      const clippedLog = tf.mul(tf.log(tf.maximum(probabilities, 0.05)), tf.cast(tf.greaterEqual(probabilities, 0.05), 'float32'));
      const terms = [clippedLog.mean(), tf.mul(logProbabilities, threeClasses).mean(), tf.square(downsampled).mean(), resized.mean(), tf.square(projected).mean(), tf.square(tiled).sum().mul(1e-3), tf.square(channelSums).sum().mul(1e-6), tf.square(wider).mean(), tf.mul(grouped.reshape([4, 32, 32, 32]), activated.slice([0, 0, 0, 0], [4, 32, 32, 16]).tile([1, 1, 1, 2])).mean(), tf.mul(layerNormalized, tokens).mean(), tf.mul(centred, activated).mean(), tf.square(tiledStatistics).mean(), tf.square(convolved).mean(), tf.square(small).mean(), tf.square(smallest).mean(), tf.square(deep).mean(), tf.square(upsampledWithBias).mean(), tf.square(narrow).mean(), tf.mul(rectified, wider).mean(), tf.square(wideSmallOut).mean(), tf.square(wideSmallestOut).mean(), tf.square(wideUpsampled).mean(), tf.square(firstLayer).mean(), ...heads.map((head) => tf.square(head).mean())];
      return tf.addN(terms) as tf.Scalar;
    };
    const { value, grads } = tf.valueAndGrads(loss)([x, ...weights]);
    return [value, ...grads].map((tensor) => tensor.dataSync() as Float32Array);
  });
  // Inference batch norm + ReLU (TfsegBatchNormRelu, rows split over the threads) with the moving statistics the step updated.
  const inference = tf.tidy(() => {
    const inputs = { x: tf.randomUniform([4, 32, 32, 32], -1, 1, 'float32', 14), mean: movingMean.read(), variance: movingVariance.read(), scale: gamma.read(), offset: beta.read() };
    return (tf.engine().runKernel(BATCH_NORM_RELU, inputs as unknown as tf.NamedTensorMap, { varianceEpsilon: 1e-3 }) as tf.Tensor).dataSync() as Float32Array;
  });
  batchNorm.dispose();
  batchNormRelu.dispose();
  return [...gradients, inference, ...adamSteps()];
}

/**
 * The weights after three steps of the package's Adam (on wasm one TfsegAdamUpdate call per step, in
 * place; split over the threads above 32 Ki elements) on a 2¹⁶-element and a small variable.
 */
function adamSteps(): Float32Array[] {
  const variables = [tf.randomUniform([256, 256], -1, 1, 'float32', 12), tf.randomUniform([3, 3, 16, 16], -1, 1, 'float32', 13)].map((initial) => {
    const variable = tf.variable(initial);
    initial.dispose();
    return variable;
  });
  const gradients = variables.map((variable, index) => tf.randomUniform(variable.shape, -1, 1, 'float32', 20 + index));
  const adam = new Adam(variables, adamOptionsSchema.parse({ learningRate: 0.01 }));
  for (let step = 0; step < 3; step++) adam.applyGradients(gradients);
  const values = variables.map((variable) => (variable.dataSync() as Float32Array).slice());
  adam.dispose();
  tf.dispose([...variables, ...gradients]);
  return values;
}

/** A new wasm backend instance, registered in place of the current one: threads and arithmetic are fixed when one initialises. */
export function replaceWasmBackend(): void {
  const factory = tf.findBackendFactory('wasm');
  if (factory === null) throw new Error('the wasm backend factory is not registered');
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', factory, 2);
}
