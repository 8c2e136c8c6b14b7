import { add, customGrad, mean, mul, reshape, rsqrt, square, sub, sum, type GradSaveFunc, type Tensor } from '@tensorflow/tfjs-core';

/**
 * `(x − mean) / √(var + ε) · γ (+ β)` with mean and (biased) variance over `axes` of `x`, γ and β shaped
 * like the trailing axes of `x` they scale (GroupNormalization's `[G, C/G]` of a `[B, H, W, G, C/G]` view,
 * ChannelLayerNormalization's `[C]`), with the closed-form gradient
 * `dx = (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)) / √(var + ε)`, `ĝ = dy · γ`, `dγ = Σ dy · x̂`, `dβ = Σ dy`.
 * The forward values are those of the op-by-op composition; the gradient is one tape node of ~11 kernels
 * instead of tfjs' differentiation through mean, sub, square, rsqrt and the broadcasting products (each
 * with its own broadcast-reducing Sum and Reshape), which dominated the normalisations' share of the
 * TransUNet and ConvFormer training steps. Built from tfjs-core ops only, so every backend runs it.
 */
export function normalizeAndScale(x: Tensor, gamma: Tensor, beta: Tensor | undefined, axes: number[], epsilon: number): Tensor {
  const leadingAxes = Array.from({ length: x.rank - gamma.rank }, (_, axis) => axis);
  const forward = (input: Tensor, scale: Tensor): { value: Tensor; normalized: Tensor; inverseDeviation: Tensor } => {
    const centered = sub(input, mean(input, axes, true));
    const inverseDeviation = rsqrt(add(mean(square(centered), axes, true), epsilon));
    const normalized = mul(centered, inverseDeviation);
    return { value: mul(normalized, scale), normalized, inverseDeviation };
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
    const { value, normalized, inverseDeviation } = forward(input, scale);
    save(offset === undefined ? [normalized, inverseDeviation, scale] : [normalized, inverseDeviation, scale, offset]);
    return {
      value: offset === undefined ? value : add(value, offset),
      gradFunc: (dy, saved) => {
        const [normalized, inverseDeviation, scale, offset] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
        const dyTensor = dy as Tensor;
        const gradients = [inputGradient(dyTensor, normalized, inverseDeviation, scale), reduceToShape(mul(dyTensor, normalized), scale)];
        return offset === undefined ? gradients : [...gradients, reduceToShape(dyTensor, offset)];
      },
    };
  });
  return beta === undefined ? op(x, gamma) : op(x, gamma, beta);
}
