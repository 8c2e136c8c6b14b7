import type { GraphBuilder } from '../graph-builder';
import { decoderBlock, type ArchitectureSettings } from './blocks';

/** Sizes of a ConvFormer+U-Net preset. */
export interface ConvFormerUnetPreset {
  /** MetaFormer blocks per stage (S18: 3, 3, 9, 3). */
  depths: readonly [number, number, number, number];
  /** Channels per stage (S18: 64, 128, 320, 512). */
  widths: readonly [number, number, number, number];
  /** Decoder width w: the five decoder blocks have 16w, 8w, 4w, 2w, w channels (smp's Unet default, w = 16). */
  baseWidth: number;
  batchNorm: boolean;
}

/** ConvFormer+U-Net presets; `paper` is ConvFormer-S18 with smp's default Unet decoder. */
export const CONVFORMER_UNET_PRESETS: Record<'paper' | 'small' | 'tiny', ConvFormerUnetPreset> = {
  paper: { depths: [3, 3, 9, 3], widths: [64, 128, 320, 512], baseWidth: 16, batchNorm: true },
  small: { depths: [1, 1, 3, 1], widths: [32, 64, 128, 256], baseWidth: 8, batchNorm: true },
  tiny: { depths: [1, 1, 1, 1], widths: [16, 32, 64, 128], baseWidth: 4, batchNorm: true },
};

/** Output stride of the ConvFormer encoder: 4 (stem) · 2 · 2 · 2. */
export const CONVFORMER_STRIDE = 32;

/** Channel LayerNorm without bias, ε = 1e-6 (MetaFormer's LayerNormWithoutBias). */
function norm<T>(b: GraphBuilder<T>, x: T, name: string): T {
  return b.layerNorm(x, { center: false, epsilon: 1e-6, name });
}

/** One residual branch: x + f(norm(x)), or scale(x) + f(norm(x)) in stages with a residual scale. */
function residual<T>(b: GraphBuilder<T>, x: T, branch: (normalized: T) => T, residualScale: boolean, name: string): T {
  const shortcut = residualScale ? b.scale(x, `${name}_residual_scale`) : x;
  return b.add([shortcut, branch(norm(b, x, `${name}_norm`))], `${name}_add`);
}

/** ConvFormer block: SepConv token mixer (pw ×2, StarReLU, 7×7 depthwise, pw) then MLP ×4 with StarReLU. */
function convFormerBlock<T>(b: GraphBuilder<T>, x: T, width: number, residualScale: boolean, name: string): T {
  const mixed = residual(
    b,
    x,
    (y) => {
      let z = b.dense(y, { units: 2 * width, useBias: false, name: `${name}_mixer_pw1` });
      z = b.starRelu(z, `${name}_mixer_act`);
      z = b.depthwiseConv2d(z, { kernelSize: 7, useBias: false, name: `${name}_mixer_dw` });
      return b.dense(z, { units: width, useBias: false, name: `${name}_mixer_pw2` });
    },
    residualScale,
    `${name}_mixer`,
  );
  return residual(
    b,
    mixed,
    (y) => {
      const hidden = b.starRelu(b.dense(y, { units: 4 * width, useBias: false, name: `${name}_mlp_fc1` }), `${name}_mlp_act`);
      return b.dense(hidden, { units: width, useBias: false, name: `${name}_mlp_fc2` });
    },
    residualScale,
    `${name}_mlp`,
  );
}

/**
 * ConvFormer (Yu et al., MetaFormer Baselines, 2024) encoder: 7×7/4 stem conv + LayerNorm, four stages of
 * ConvFormer blocks with a (LayerNorm, 3×3/2 conv) downsampling before stages 2–4 and residual scales in
 * stages 3–4 (the S18 defaults); then smp's Unet decoder: five nearest ×2 blocks with skips from stages 3,
 * 2 and 1, and a 3×3 head at full resolution. Returns logits.
 */
export function convFormerUnet<T>(b: GraphBuilder<T>, input: T, preset: ConvFormerUnetPreset, settings: ArchitectureSettings): T {
  let x = b.conv2d(input, { filters: preset.widths[0], kernelSize: 7, strides: 4, useBias: true, name: 'stem_conv' });
  x = norm(b, x, 'stem_norm');
  const features: T[] = [];
  preset.widths.forEach((width, stage) => {
    if (stage > 0) {
      x = norm(b, x, `downsample${stage + 1}_norm`);
      x = b.conv2d(x, { filters: width, kernelSize: 3, strides: 2, useBias: true, name: `downsample${stage + 1}_conv` });
    }
    for (let block = 0; block < (preset.depths[stage] as number); block++) {
      x = convFormerBlock(b, x, width, stage >= 2, `stage${stage + 1}_block${block + 1}`);
    }
    features.push(x);
  });
  const width = settings.baseWidth;
  [16 * width, 8 * width, 4 * width, 2 * width, width].forEach((filters, index) => {
    const skip = index < 3 ? features[2 - index] : undefined;
    x = decoderBlock(b, x, skip, filters, { batchNorm: settings.batchNorm, interpolation: 'nearest', name: `decoder${index + 1}` });
  });
  return b.conv2d(x, { filters: settings.numClasses, kernelSize: 3, useBias: true, name: 'head' });
}
