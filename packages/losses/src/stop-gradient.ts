import * as tf from '@tensorflow/tfjs-core';

/**
 * Identity in the forward pass, zero gradient in the backward pass (TensorFlow's `tf.stop_gradient`,
 * which tfjs does not export). CAML uses it to hold the Dice coefficient D constant (eqs. 14–15).
 */
export function stopGradient<T extends tf.Tensor>(tensor: T): T {
  const shape = tensor.shape;
  const identity = tf.customGrad((...inputs) => ({
    value: tf.clone(inputs[0] as tf.Tensor),
    gradFunc: () => tf.zeros(shape),
  }));
  return identity(tensor) as T;
}
