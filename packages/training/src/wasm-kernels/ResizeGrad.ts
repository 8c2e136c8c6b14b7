/**
 * ResizeNearestNeighborGrad and ResizeBilinearGrad for the wasm backend (the gradients of TransUNet's
 * bilinear and ConvFormer+U-Net's nearest ×2 up-sampling): the built-in kernels are scalar loops (~1 ms
 * for a 64×64×8 batch of 4). `native/resize_grad.c` adds dy's pixels into their dx rows four channels at
 * a time, rows split over the native threads; which dx row and column each dy row and column reaches,
 * and the bilinear weights, are computed here as tfjs' cpu backend computes them (the same dx values
 * for nearest, the same order of additions for bilinear with float32 weights). The built-in kernels
 * stay for half-pixel centers (the cpu backend's gradients ignore them), other dtypes, native kernels
 * off, and sizes whose maps do not fit the argument block.
 */
import {
  ResizeBilinearGrad,
  ResizeNearestNeighborGrad,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { ARGUMENT_SLOTS, floatBits, nativeKernels } from './native/runtime';
import { heapOffset, requireInputs, runWasmKernel } from './wasm-backend';

/** dx size over dy size along one axis, as the cpu backend's resize gradients compute it. */
function axisScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** The dx index each dy index reaches under nearest-neighbour resizing (cpu's `sourceNearest…`). */
function nearestSources(inSize: number, outSize: number, alignCorners: boolean): number[] {
  const scale = axisScale(inSize, outSize, alignCorners);
  return Array.from({ length: outSize }, (_, index) => Math.min(inSize - 1, alignCorners ? Math.round(index * scale) : Math.floor(index * scale)));
}

/** Per dy index: the two dx indices it reaches under bilinear resizing and the far one's weight (3 slots). */
function bilinearSources(inSize: number, outSize: number, alignCorners: boolean): number[] {
  const scale = axisScale(inSize, outSize, alignCorners);
  return Array.from({ length: outSize }, (_, index) => {
    const source = index * scale;
    const near = Math.floor(source);
    return [near, Math.min(Math.ceil(source), inSize - 1), floatBits(source - near)];
  }).flat();
}

function resizeGradKernel(kernelName: typeof ResizeNearestNeighborGrad | typeof ResizeBilinearGrad): KernelFunc {
  return ((args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: NamedAttrMap }): TensorInfo => {
    const { inputs, backend, attrs } = args;
    const { images, dy } = requireInputs(kernelName, inputs, ['images', 'dy']);
    const alignCorners = attrs.alignCorners === true;
    const [batch, inHeight, inWidth, channels] = images.shape as [number, number, number, number];
    const [, outHeight, outWidth] = dy.shape as [number, number, number, number];
    const slotsPerIndex = kernelName === ResizeBilinearGrad ? 3 : 1;
    const fits = 8 + slotsPerIndex * (outHeight + outWidth) <= ARGUMENT_SLOTS;
    const native = fits && attrs.halfPixelCenters !== true && dy.dtype === 'float32' && images.shape.length === 4 ? nativeKernels(backend) : undefined;
    if (native === undefined) return runWasmKernel(backend, kernelName, { images, dy }, attrs);
    const dx = backend.makeOutput(images.shape, 'float32');
    if (util.sizeFromShape(images.shape) === 0) return dx;
    const sources = kernelName === ResizeBilinearGrad ? bilinearSources : nearestSources;
    const geometry = [heapOffset(backend, dy), heapOffset(backend, dx), batch, inHeight, inWidth, channels, outHeight, outWidth];
    const kernel = kernelName === ResizeBilinearGrad ? 'resize_bilinear_grad' : 'resize_nearest_grad';
    native.run(kernel, [...geometry, ...sources(inHeight, outHeight, alignCorners), ...sources(inWidth, outWidth, alignCorners)], batch * inHeight, util.sizeFromShape(dy.shape) * slotsPerIndex);
    return dx;
  }) as unknown as KernelFunc;
}

/** Registers as the wasm backend's ResizeNearestNeighborGrad (native; built-in where that does not apply). */
export const resizeNearestNeighborGradConfig: KernelConfig = { kernelName: ResizeNearestNeighborGrad, backendName: 'wasm', kernelFunc: resizeGradKernel(ResizeNearestNeighborGrad) };
/** Registers as the wasm backend's ResizeBilinearGrad (native; built-in where that does not apply). */
export const resizeBilinearGradConfig: KernelConfig = { kernelName: ResizeBilinearGrad, backendName: 'wasm', kernelFunc: resizeGradKernel(ResizeBilinearGrad) };
