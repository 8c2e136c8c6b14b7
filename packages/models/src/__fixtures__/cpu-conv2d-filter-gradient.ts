/**
 * Test-only: a fast cpu `Conv2DBackpropFilter` (NHWC, dilation 1). tfjs-backend-cpu's own kernel reads
 * every element through `TensorBuffer.get(...)` and runs at ~1.5 M multiply-adds per second, which makes a
 * 20-step training test of even the tiny U-Net take minutes. Same arithmetic, contiguous inner loop.
 * `training.test.ts` checks it against the original kernel before using it.
 */
import * as tf from '@tensorflow/tfjs';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type CpuBackend = { data: { get(id: object): { values: Float32Array } }; makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo };

function conv2dFilterGradient({ inputs, backend, attrs }: KernelArgs): tf.TensorInfo {
  const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { strides, pad, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = tf.backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode);
  const cpu = backend as unknown as CpuBackend;
  const xs = cpu.data.get(x.dataId).values;
  const dys = cpu.data.get(dy.dataId).values;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = info;
  const gradient = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++) {
    for (let yR = 0; yR < outHeight; yR++) {
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOffset = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * strideHeight - info.padInfo.top + wR;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * strideWidth - info.padInfo.left + wC;
            if (xC < 0 || xC >= inWidth) continue;
            const xOffset = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOffset = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xValue = xs[xOffset + d1] as number;
              const row = wOffset + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) gradient[row + d2] = (gradient[row + d2] as number) + xValue * (dys[dyOffset + d2] as number);
            }
          }
        }
      }
    }
  }
  return cpu.makeTensorInfo(filterShape, 'float32', gradient);
}

/** Replaces the cpu backend's Conv2DBackpropFilter by the fast one; returns a function restoring the original. */
export function useFastCpuConv2dFilterGradient(): () => void {
  const original = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!original) throw new Error('cpu Conv2DBackpropFilter is not registered');
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: conv2dFilterGradient as tf.KernelFunc });
  return () => {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(original);
  };
}
