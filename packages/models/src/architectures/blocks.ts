import type { GraphBuilder } from '../graph-builder';

/** 3×3 convolution followed by batch norm and ReLU (bias only without batch norm, where it is not redundant). */
export function convolutionUnit<T>(b: GraphBuilder<T>, x: T, filters: number, batchNorm: boolean, name: string): T {
  if (!batchNorm) return b.conv2d(x, { filters, kernelSize: 3, useBias: true, relu: true, name });
  const convolved = b.conv2d(x, { filters, kernelSize: 3, useBias: false, name });
  return b.relu(b.batchNorm(convolved, `${name}_bn`), `${name}_relu`);
}

/** Two {@link convolutionUnit}s: U-Net's "double conv" and the decoder block of TransUNet and smp's Unet. */
export function doubleConvolution<T>(b: GraphBuilder<T>, x: T, filters: number, batchNorm: boolean, name: string): T {
  return convolutionUnit(b, convolutionUnit(b, x, filters, batchNorm, `${name}_conv1`), filters, batchNorm, `${name}_conv2`);
}

/** Decoder block: upsample ×2, concatenate the skip (if any), two convolution units. */
export function decoderBlock<T>(
  b: GraphBuilder<T>,
  x: T,
  skip: T | undefined,
  filters: number,
  options: { batchNorm: boolean; interpolation: 'nearest' | 'bilinear'; name: string },
): T {
  const upsampled = b.upsample(x, { factor: 2, interpolation: options.interpolation, name: `${options.name}_upsample` });
  const merged = skip === undefined ? upsampled : b.concat([upsampled, skip], `${options.name}_concat`);
  return doubleConvolution(b, merged, filters, options.batchNorm, options.name);
}

/** Architecture-independent settings every architecture function receives. */
export interface ArchitectureSettings {
  numClasses: number;
  /** Base width (see each architecture for its meaning). */
  baseWidth: number;
  batchNorm: boolean;
}
