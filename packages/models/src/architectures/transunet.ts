import { groupsFor, type GraphBuilder } from '../graph-builder';
import { convolutionUnit, decoderBlock, type ArchitectureSettings } from './blocks';

/** Sizes of a TransUNet (R50-ViT hybrid) preset. */
export interface TransUnetPreset {
  /** Width of the ResNet root; stage i has bottleneck width root·2^i and output width 4·root·2^i. */
  rootWidth: number;
  /** Bottleneck units in the three ResNet stages (R50: 3, 4, 9). */
  stageUnits: readonly [number, number, number];
  hiddenSize: number;
  layers: number;
  heads: number;
  mlpSize: number;
  /** Decoder width w: conv_more has 32w channels, the four decoder blocks 16w, 8w, 4w, w (paper w = 16). */
  baseWidth: number;
  batchNorm: boolean;
}

/** TransUNet presets; `paper` is R50-ViT-B/16 with the cascaded upsampler of Chen et al. 2021. */
export const TRANSUNET_PRESETS: Record<'paper' | 'small' | 'tiny', TransUnetPreset> = {
  paper: { rootWidth: 64, stageUnits: [3, 4, 9], hiddenSize: 768, layers: 12, heads: 12, mlpSize: 3072, baseWidth: 16, batchNorm: true },
  small: { rootWidth: 16, stageUnits: [1, 2, 2], hiddenSize: 128, layers: 4, heads: 4, mlpSize: 512, baseWidth: 8, batchNorm: true },
  tiny: { rootWidth: 8, stageUnits: [1, 1, 1], hiddenSize: 64, layers: 2, heads: 2, mlpSize: 128, baseWidth: 4, batchNorm: true },
};

/** Output stride of the CNN part; the ViT takes 1×1 patches of its feature map (R50-ViT-B/16 grid). */
export const TRANSUNET_STRIDE = 16;

function groupNormRelu<T>(b: GraphBuilder<T>, x: T, name: string, relu = true): T {
  const normalized = b.groupNorm(x, { groups: groupsFor(b.shape(x)[2] as number), name: `${name}_gn` });
  return relu ? b.relu(normalized, `${name}_relu`) : normalized;
}

/** TransUNet's ResNetV2 bottleneck: 1×1, 3×3 (strided), 1×1 convs with group norm; projection on the first unit. */
function bottleneck<T>(b: GraphBuilder<T>, x: T, width: number, strides: number, project: boolean, name: string): T {
  let y = groupNormRelu(b, b.conv2d(x, { filters: width, kernelSize: 1, useBias: false, name: `${name}_conv1` }), `${name}_conv1`);
  y = groupNormRelu(b, b.conv2d(y, { filters: width, kernelSize: 3, strides, useBias: false, name: `${name}_conv2` }), `${name}_conv2`);
  y = groupNormRelu(b, b.conv2d(y, { filters: 4 * width, kernelSize: 1, useBias: false, name: `${name}_conv3` }), `${name}_conv3`, false);
  const shortcut = project
    ? groupNormRelu(b, b.conv2d(x, { filters: 4 * width, kernelSize: 1, strides, useBias: false, name: `${name}_projection` }), `${name}_projection`, false)
    : x;
  return b.relu(b.add([shortcut, y], `${name}_add`), `${name}_relu`);
}

/** Pre-norm transformer block: x + MHSA(LN(x)), then x + MLP(LN(x)) with GELU. */
function transformerBlock<T>(b: GraphBuilder<T>, x: T, preset: TransUnetPreset, name: string): T {
  const attended = b.selfAttention(b.layerNorm(x, { center: true, epsilon: 1e-6, name: `${name}_attention_norm` }), { heads: preset.heads, name: `${name}_attention` });
  const afterAttention = b.add([x, attended], `${name}_attention_add`);
  let y = b.layerNorm(afterAttention, { center: true, epsilon: 1e-6, name: `${name}_mlp_norm` });
  y = b.dense(y, { units: preset.mlpSize, useBias: true, gelu: true, name: `${name}_mlp_fc1` });
  y = b.dense(y, { units: preset.hiddenSize, useBias: true, name: `${name}_mlp_fc2` });
  return b.add([afterAttention, y], `${name}_mlp_add`);
}

/**
 * TransUNet (Chen et al. 2021): ResNet root (7×7/2 conv, GN, ReLU, 3×3/2 max-pool) and three bottleneck
 * stages (strides 1, 2, 2) to 1/16; 1×1 patch embedding to `hiddenSize`, learned position embeddings,
 * `layers` pre-norm transformer blocks and a final LayerNorm; the cascaded upsampler (3×3 conv to 32w,
 * four bilinear ×2 blocks with skips from 1/8, 1/4 and 1/2) and a 3×3 head. Returns logits.
 */
export function transUnet<T>(b: GraphBuilder<T>, input: T, preset: TransUnetPreset, settings: ArchitectureSettings): T {
  const root = groupNormRelu(b, b.conv2d(input, { filters: preset.rootWidth, kernelSize: 7, strides: 2, useBias: false, name: 'root_conv' }), 'root');
  const skips: T[] = [root];
  let x = b.maxPool(root, { poolSize: 3, strides: 2, name: 'root_pool' });
  preset.stageUnits.forEach((units, stage) => {
    for (let unit = 0; unit < units; unit++) {
      const strides = stage > 0 && unit === 0 ? 2 : 1;
      x = bottleneck(b, x, preset.rootWidth * 2 ** stage, strides, unit === 0, `stage${stage + 1}_unit${unit + 1}`);
    }
    if (stage < 2) skips.push(x);
  });
  const [gridHeight, gridWidth] = b.shape(x) as [number, number];
  x = b.conv2d(x, { filters: preset.hiddenSize, kernelSize: 1, useBias: true, name: 'patch_embedding' });
  x = b.positionEmbedding(b.toTokens(x, 'tokens'), 'position_embedding');
  for (let layer = 0; layer < preset.layers; layer++) x = transformerBlock(b, x, preset, `transformer${layer + 1}`);
  x = b.layerNorm(x, { center: true, epsilon: 1e-6, name: 'encoder_norm' });
  x = b.toGrid(x, { height: gridHeight, width: gridWidth, name: 'grid' });

  const width = settings.baseWidth;
  x = convolutionUnit(b, x, 32 * width, settings.batchNorm, 'conv_more');
  const decoderWidths = [16 * width, 8 * width, 4 * width, width];
  decoderWidths.forEach((filters, index) => {
    const skip = skips[skips.length - 1 - index];
    x = decoderBlock(b, x, skip, filters, { batchNorm: settings.batchNorm, interpolation: 'bilinear', name: `decoder${index + 1}` });
  });
  return b.conv2d(x, { filters: settings.numClasses, kernelSize: 3, useBias: true, name: 'head' });
}
