import { add, customGrad, engine, mean, mul, reshape, rsqrt, square, sub, sum, util, type GradSaveFunc, type NamedTensorMap, type Tensor } from '@tensorflow/tfjs-core';
import { hasKernel } from './layer-args';

/**
 * Name of the optional kernel of {@link normalizeAndScale}'s forward pass. Inputs `{ x, scale }` and
 * optionally `offset` (float32; x viewed as `[B, M, G, K]` by {@link normalizationLayout}, scale and offset
 * `[G, K]`), attributes {@link NormalizeForwardAttrs}; outputs `[y, normalized, inverseDeviation]`: the
 * value, x̂ (x's shape) and 1/√(var + ε) (x's shape with the reduced axes kept as 1s), each with the
 * bits of the tfjs-core composition below — Mean, Sub, Square, Mean, Add, Rsqrt, Mul, Mul (Add) —
 * on the backend that registers it. Without it, the composition runs.
 */
export const NORMALIZE_FORWARD = 'TfsegNormalizeForward';

/**
 * Name of the optional kernel of {@link normalizeAndScale}'s gradient. Inputs `{ dy, normalized,
 * inverseDeviation, scale }` (the forward pass' x̂ and 1/√(var + ε), float32, x viewed as `[B, M, G, K]`
 * by {@link normalizationLayout} with at least one axis before scale's), attributes
 * {@link NormalizeGradAttrs}; outputs `[dx, dscale]` and with `offset` `doffset`, each with the bits of
 * the tfjs-core composition below (Mul, Mean, Mul, Mean, Sub, Mul, Sub, Mul for dx; Mul and a Sum over
 * the leading axes for dscale, a Sum for doffset) on the backend that registers it.
 */
export const NORMALIZE_GRAD = 'TfsegNormalizeGrad';

/** Attributes of {@link NORMALIZE_GRAD}. */
export interface NormalizeGradAttrs {
  /** The reduced axes of x, ascending. */
  axes: number[];
  /** Whether the operation has an offset (β), whose gradient is then the third output. */
  offset: boolean;
}

/** Shapes under which {@link normalizeAndScale} sees its input and its scale (and offset). */
export interface NormalizationView {
  /** x's shape for the normalisation (same size as x), e.g. `[B, H, W, G, C/G]`. */
  x: number[];
  /** γ's and β's shape (same size as γ), e.g. `[G, C/G]`. */
  scale: number[];
}

/** Attributes of {@link NORMALIZE_FORWARD}. */
export interface NormalizeForwardAttrs {
  /** The reduced axes of x, ascending. */
  axes: number[];
  /** ε added to the variance. */
  epsilon: number;
}

/**
 * x's shape as `[B, M, G, K]` for {@link NORMALIZE_FORWARD} and {@link NORMALIZE_GRAD}: scale covers x's trailing axes, which are
 * kept axes (G) then reduced ones (K); the axes before them are kept (B) then reduced (M) — each run
 * possibly empty (size 1). Undefined when `axes` or scale's shape do not fall into those runs.
 */
export function normalizationLayout(shape: readonly number[], axes: readonly number[], scaleShape: readonly number[]): [number, number, number, number] | undefined {
  const first = shape.length - scaleShape.length;
  if (first < 0 || scaleShape.some((size, axis) => size !== shape[first + axis])) return undefined;
  const runs = (from: number, to: number): [number, number] | undefined => {
    let kept = 1;
    let reduced = 1;
    for (let axis = from; axis < to; axis++) {
      if (axes.includes(axis)) reduced *= shape[axis] as number;
      else if (axes.some((other) => other >= from && other < axis)) return undefined;
      else kept *= shape[axis] as number;
    }
    return [kept, reduced];
  };
  const leading = runs(0, first);
  const trailing = runs(first, shape.length);
  return leading === undefined || trailing === undefined ? undefined : [...leading, ...trailing];
}

/**
 * `(x − mean) / √(var + ε) · γ (+ β)` with mean and (biased) variance over `axes` of `x`, γ and β shaped
 * like the trailing axes of `x` they scale (GroupNormalization's `[G, C/G]` of a `[B, H, W, G, C/G]` view,
 * ChannelLayerNormalization's `[C]`), with the closed-form gradient
 * `dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) / √(var + ε)`, `ĝ = dy · γ`, `dγ = Σ dy · x̂`, `dβ = Σ dy`.
 * The forward values are those of the op-by-op composition; the gradient is one tape node of ~11 kernels
 * instead of tfjs' differentiation through mean, sub, square, rsqrt and the broadcasting products (each
 * with its own broadcast-reducing Sum and Reshape), which dominated the normalisations' share of the
 * TransUNet and ConvFormer training steps. Built from tfjs-core ops, so every backend runs it; a backend
 * that registers {@link NORMALIZE_FORWARD} and {@link NORMALIZE_GRAD} (as @tfseg/training does for wasm)
 * runs the forward pass and the gradient as one kernel each instead, with the same bits. With `view`,
 * `axes` and γ's, β's trailing-axes role refer to x viewed as `view.x` and γ, β as `view.scale` (e.g.
 * GroupNormalization's `[B, H, W, C]` and `[C]` as `[B, H, W, G, C/G]` and `[G, C/G]`); the value and the
 * gradients keep the shapes of x, γ and β — the same bits as reshaping around the call.
 */
export function normalizeAndScale(x: Tensor, gamma: Tensor, beta: Tensor | undefined, axes: number[], epsilon: number, view?: NormalizationView): Tensor {
  if (view !== undefined && (util.sizeFromShape(view.x) !== x.size || util.sizeFromShape(view.scale) !== gamma.size)) {
    throw new Error(`Error in normalizeAndScale: view [${view.x.join(',')}] / [${view.scale.join(',')}] must have the sizes of x [${x.shape.join(',')}] and gamma [${gamma.shape.join(',')}]`);
  }
  const scaleRank = view === undefined ? gamma.rank : view.scale.length;
  const leadingAxes = Array.from({ length: (view === undefined ? x.rank : view.x.length) - scaleRank }, (_, axis) => axis);
  // The kernels' attribute: the reduced axes, ascending.
  const sortedAxes = [...axes].sort((a, b) => a - b);
  // The view's reshapes share data (no values change) and run inside the op, off the tape: tfjs would
  // otherwise record each as a node of its own and keep a clone of its input for the gradient.
  const viewed = (tensor: Tensor, shape: number[] | undefined): Tensor => (shape === undefined ? tensor : reshape(tensor, shape));
  const forward = (input: Tensor, scale: Tensor, offset: Tensor | undefined): { value: Tensor; normalized: Tensor; inverseDeviation: Tensor } => {
    if (hasKernel(NORMALIZE_FORWARD) && input.dtype === 'float32' && normalizationLayout(input.shape, axes, scale.shape) !== undefined) {
      const inputs: NamedTensorMap = offset === undefined ? { x: input, scale } : { x: input, scale, offset };
      const attrs: NormalizeForwardAttrs = { axes: sortedAxes, epsilon };
      const [value, normalized, inverseDeviation] = engine().runKernel(NORMALIZE_FORWARD, inputs, attrs as unknown as Record<string, number[]>) as Tensor[];
      return { value: value as Tensor, normalized: normalized as Tensor, inverseDeviation: inverseDeviation as Tensor };
    }
    const centered = sub(input, mean(input, axes, true));
    const inverseDeviation = rsqrt(add(mean(square(centered), axes, true), epsilon));
    const normalized = mul(centered, inverseDeviation);
    const value = mul(normalized, scale);
    return { value: offset === undefined ? value : add(value, offset), normalized, inverseDeviation };
  };
  const inputGradient = (dy: Tensor, normalized: Tensor, inverseDeviation: Tensor, scale: Tensor): Tensor => {
    const scaled = mul(dy, scale);
    const meanScaled = mean(scaled, axes, true);
    const meanProjection = mean(mul(scaled, normalized), axes, true);
    return mul(sub(sub(scaled, meanScaled), mul(normalized, meanProjection)), inverseDeviation);
  };
  const reduceToShape = (values: Tensor, like: Tensor): Tensor => reshape(leadingAxes.length === 0 ? values : sum(values, leadingAxes), like.shape);
  // One op for both: with β its gradient has a third entry; without, tfjs' customGrad takes two inputs.
  const op = customGrad((...args) => {
    const save = args.pop() as GradSaveFunc;
    const [input, scale, offset] = args as [Tensor, Tensor, Tensor | undefined];
    const scaleView = viewed(scale, view?.scale);
    const offsetView = offset === undefined ? undefined : viewed(offset, view?.scale);
    const { value, normalized, inverseDeviation } = forward(viewed(input, view?.x), scaleView, offsetView);
    // β itself is not needed for the gradient (only whether there is one; its view has γ's shape).
    save([normalized, inverseDeviation, scaleView]);
    const hasOffset = offset !== undefined;
    return {
      value: viewed(value, view === undefined ? undefined : input.shape),
      gradFunc: (dy, saved) => {
        const [normalized, inverseDeviation, scale] = saved as [Tensor, Tensor, Tensor];
        const dyTensor = viewed(dy as Tensor, view?.x);
        // Back to the shapes of x and of γ (β has γ's).
        const original = (gradients: Tensor[]): Tensor[] => (view === undefined ? gradients : gradients.map((gradient, i) => reshape(gradient, i === 0 ? (dy as Tensor).shape : gamma.shape)));
        if (leadingAxes.length > 0 && dyTensor.dtype === 'float32' && hasKernel(NORMALIZE_GRAD) && normalizationLayout(dyTensor.shape, axes, scale.shape) !== undefined) {
          const attrs: NormalizeGradAttrs = { axes: sortedAxes, offset: hasOffset };
          return original(engine().runKernel(NORMALIZE_GRAD, { dy: dyTensor, normalized, inverseDeviation, scale }, attrs as unknown as Record<string, number[]>) as Tensor[]);
        }
        const gradients = [inputGradient(dyTensor, normalized, inverseDeviation, scale), reduceToShape(mul(dyTensor, normalized), scale)];
        return original(hasOffset ? [...gradients, reduceToShape(dyTensor, scale)] : gradients);
      },
    };
  });
  return beta === undefined ? op(x, gamma) : op(x, gamma, beta);
}
