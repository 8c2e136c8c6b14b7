import type { GraphBuilder } from '../graph-builder';
import { doubleConvolution, type ArchitectureSettings } from './blocks';

/** U-Net presets: first-level width and batch norm. The paper preset is Ronneberger et al.'s (no batch norm). */
export const UNET_PRESETS = {
  paper: { baseWidth: 64, batchNorm: false },
  small: { baseWidth: 16, batchNorm: true },
  tiny: { baseWidth: 8, batchNorm: true },
} as const;

/** Pooling levels of U-Net; the input size must be a multiple of 2^levels. */
export const UNET_LEVELS = 4;

/**
 * U-Net (Ronneberger et al. 2015) with `same` padding: 4 levels of two 3×3 conv + ReLU and 2×2 max-pool,
 * a bottleneck of width 16·base, 4 levels of 2×2 transposed conv, skip concatenation and two 3×3 convs,
 * and a 1×1 head. Returns logits.
 */
export function unet<T>(b: GraphBuilder<T>, input: T, settings: ArchitectureSettings): T {
  const skips: T[] = [];
  let x = input;
  for (let level = 0; level < UNET_LEVELS; level++) {
    x = doubleConvolution(b, x, settings.baseWidth * 2 ** level, settings.batchNorm, `down${level + 1}`);
    skips.push(x);
    x = b.maxPool(x, { poolSize: 2, strides: 2, name: `down${level + 1}_pool` });
  }
  x = doubleConvolution(b, x, settings.baseWidth * 2 ** UNET_LEVELS, settings.batchNorm, 'bottleneck');
  for (let level = UNET_LEVELS - 1; level >= 0; level--) {
    const filters = settings.baseWidth * 2 ** level;
    const name = `up${UNET_LEVELS - level}`;
    x = b.conv2dTranspose(x, { filters, kernelSize: 2, strides: 2, name: `${name}_transpose` });
    x = b.concat([skips[level] as T, x], `${name}_concat`);
    x = doubleConvolution(b, x, filters, settings.batchNorm, name);
  }
  return b.conv2d(x, { filters: settings.numClasses, kernelSize: 1, useBias: true, name: 'head' });
}
