/**
 * The operations the three architectures are written in. Each architecture is one function over this
 * interface, run once by the tfjs builder (which makes layers) and once by the counting builder (which
 * adds up parameters and FLOPs from shapes). So the analytic counts describe exactly the built model.
 *
 * Shapes exclude the batch dimension: `[height, width, channels]` for images, `[tokens, features]` for
 * token sequences. Every spatial operation pads `same`.
 */
export interface GraphBuilder<T> {
  /** Shape of `x` without the batch dimension. */
  shape(x: T): number[];
  /** 2-D convolution, `same` padding, optionally followed by ReLU. */
  conv2d(x: T, options: { filters: number; kernelSize: number; strides?: number; useBias: boolean; relu?: boolean; name: string }): T;
  /** 2-D transposed convolution with bias (used to upsample). */
  conv2dTranspose(x: T, options: { filters: number; kernelSize: number; strides: number; name: string }): T;
  /** Depthwise 2-D convolution (channel multiplier 1), `same` padding. */
  depthwiseConv2d(x: T, options: { kernelSize: number; useBias: boolean; name: string }): T;
  /** Linear layer over the last axis, optionally followed by GELU. */
  dense(x: T, options: { units: number; useBias: boolean; gelu?: boolean; name: string }): T;
  /** Max pooling with `same` padding. */
  maxPool(x: T, options: { poolSize: number; strides: number; name: string }): T;
  /** Resizes height and width by an integer factor. */
  upsample(x: T, options: { factor: number; interpolation: 'nearest' | 'bilinear'; name: string }): T;
  /** Batch normalization over the last axis. */
  batchNorm(x: T, name: string): T;
  /** Group normalization over channel groups. */
  groupNorm(x: T, options: { groups: number; name: string }): T;
  /** Layer normalization over the last axis (channels), with or without a learned bias. */
  layerNorm(x: T, options: { center: boolean; epsilon: number; name: string }): T;
  /** ReLU. */
  relu(x: T, name: string): T;
  /** StarReLU `s·relu(x)² + b` with learned scalars s and b. */
  starRelu(x: T, name: string): T;
  /** Per-channel learned scale (MetaFormer's residual scale). */
  scale(x: T, name: string): T;
  /** Element-wise sum. */
  add(inputs: T[], name: string): T;
  /** Concatenation over the last axis. */
  concat(inputs: T[], name: string): T;
  /** `[h, w, c]` → `[h·w, c]`. */
  toTokens(x: T, name: string): T;
  /** `[h·w, c]` → `[h, w, c]`. */
  toGrid(x: T, options: { height: number; width: number; name: string }): T;
  /** Adds a learned embedding per token position. */
  positionEmbedding(x: T, name: string): T;
  /** Multi-head self-attention with query, key, value and output projections. */
  selfAttention(x: T, options: { heads: number; name: string }): T;
  /** Softmax over the last axis. */
  softmax(x: T, name: string): T;
  /** Element-wise logistic sigmoid (independent per-channel probabilities). */
  sigmoid(x: T, name: string): T;
}

/** Groups for a group normalization of `channels`: the largest divisor of `channels` that is at most 32. */
export function groupsFor(channels: number): number {
  for (let groups = Math.min(32, channels); groups > 1; groups--) if (channels % groups === 0) return groups;
  return 1;
}
