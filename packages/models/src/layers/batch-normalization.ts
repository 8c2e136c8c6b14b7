/**
 * Batch normalization whose training-mode forward pass is ONE operation on the gradient tape, with the
 * closed-form gradient, instead of tfjs-layers' chain of ~10 taped kernels (moments' Mean, Sub, Square,
 * Mean and their reshapes, the FusedBatchNorm, the moving-average updates) whose gradients flow back
 * through the moments one elementwise kernel at a time.
 *
 * With n rows per channel, x̂ = (x − μ)·r, r = 1/√(σ² + ε) (μ, σ² the batch mean and biased variance):
 *
 *   dβ = Σ dy      dγ = Σ dy·x̂ = r·Σ dy·(x − μ)      dx = γ·r·(dy − dβ/n − (x − μ)·r²·Σ dy·(x − μ)/n)
 *
 * — the same function as differentiating through tfjs' `moments` and `batchNorm` (Ioffe & Szegedy
 * 2015, and PyTorch's `batch_norm_backward`); only the summation order differs.
 *
 * Backend-agnostic: the forward pass and the gradient are tfjs-core ops by default. A backend may
 * register the kernels named {@link BATCH_NORM_TRAINING} and {@link BATCH_NORM_TRAINING_GRAD} (as
 * @tfseg/training does for wasm, as native one- and two-pass kernels); when the active backend has
 * them, they run instead of the compositions.
 *
 * Followed by a ReLU layer in a {@link FusingLayersModel} (a U-Net's conv → BN → ReLU unit), the layer's
 * training pass includes the ReLU (`relu` below): with the two kernels still one tape operation (ReLU
 * inside the kernels, its gradient dy·step(y) folded into the closed form); without them, batch norm then
 * tfjs' relu. See batch-normalization-relu.ts.
 */
import {
  batchNorm,
  customGrad,
  div,
  engine,
  moments,
  mul,
  op,
  relu,
  rsqrt,
  serialization,
  square,
  sub,
  sum,
  tidy,
  util,
  add,
  type NamedTensorMap,
  type Tensor,
} from '@tensorflow/tfjs-core';
import type { layers, LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { hasKernel, leadingAxes, singleInput } from './layer-args';

/**
 * Name of the optional kernel of the training forward pass. Inputs `{ x, scale, offset, movingMean,
 * movingVariance }` (x `[..., C]` float32, the others `[C]`), attributes {@link BatchNormTrainingForwardAttrs};
 * outputs `[y, mean, variance, nextMovingMean, nextMovingVariance]`: mean and biased variance `[C]` over
 * every axis but the last, as tfjs-core's `moments`; y = (x − mean)·scale/√(variance + ε) + offset, as
 * tfjs-core's `batchNorm`; and each moving statistic m − (m − batch value)·(1 − momentum), as tfjs-layers
 * updates them (float32 operations in that order).
 */
export const BATCH_NORM_TRAINING = 'TfsegBatchNormTraining';

/**
 * Name of the optional kernel of the gradient. Inputs `{ x, dy, mean, variance, scale }` and with `relu`
 * `offset` (the forward pass' x, mean and variance), attributes {@link BatchNormTrainingAttrs}; outputs `[dx, dscale,
 * doffset]` as in this module's header. With `relu`, dy is the gradient of relu(y) and the kernel uses
 * dy·step(y) in its place (tfjs-core's ReLU gradient), y recomputed as the forward kernel computed it.
 */
export const BATCH_NORM_TRAINING_GRAD = 'TfsegBatchNormTrainingGrad';

/**
 * Name of the optional kernel of the inference pass of a BatchNormalization → ReLU pair (a
 * {@link FusingLayersModel}'s call without `training: true`). Inputs `{ x, mean, variance, scale, offset }`
 * as tfjs-core's FusedBatchNorm (x `[..., C]` float32, the others `[C]`: the moving statistics, gamma and
 * beta), attribute `varianceEpsilon`; output relu((x − mean)·scale/√(variance + ε) + offset), the same bits
 * as FusedBatchNorm then Relu. Without it, the pair runs tfjs-layers' pass, then relu.
 */
export const BATCH_NORM_RELU = 'TfsegBatchNormRelu';

/** Attributes of {@link BATCH_NORM_TRAINING_GRAD}. */
export interface BatchNormTrainingAttrs {
  /** ε added to the variance. */
  varianceEpsilon: number;
  /** ReLU after the normalisation: the forward kernel outputs relu(y), the gradient kernel takes its gradient. Default false. */
  relu?: boolean;
}

/** Attributes of {@link BATCH_NORM_TRAINING}. */
export interface BatchNormTrainingForwardAttrs extends BatchNormTrainingAttrs {
  /** Keras' momentum of the moving statistics (tfjs-layers' `momentum`; PyTorch's is 1 − this). */
  momentum: number;
}


/** tfjs-layers' moving-average update m − (m − value)·(1 − momentum) (same kernels, so the same bits). */
function movingAverage(current: Tensor, value: Tensor, momentum: number): Tensor {
  const decay = 1 - momentum;
  return sub(current, mul(sub(current, value), decay));
}

/**
 * Forward pass: `[y, mean, variance, nextMovingMean, nextMovingVariance]`, by the backend's kernel or as
 * tfjs-layers computes them.
 */
function forward(x: Tensor, scale: Tensor, offset: Tensor, movingMean: Tensor, movingVariance: Tensor, attrs: BatchNormTrainingForwardAttrs): Tensor[] {
  if (hasKernel(BATCH_NORM_TRAINING)) {
    return engine().runKernel(BATCH_NORM_TRAINING, { x, scale, offset, movingMean, movingVariance } as NamedTensorMap, attrs as unknown as Record<string, number>) as Tensor[];
  }
  const { mean, variance } = moments(x, leadingAxes(x));
  const y = batchNorm(x, mean, variance, offset, scale, attrs.varianceEpsilon);
  return [y, mean, variance, movingAverage(movingMean, mean, attrs.momentum), movingAverage(movingVariance, variance, attrs.momentum)];
}

/**
 * Gradient: `[dx, dscale, doffset]`, by the backend's kernel or as tfjs-core ops. `offset` is needed
 * only with `relu` (which only the kernel does: {@link batchNormTraining} composes tfjs' relu otherwise).
 */
function gradient(dy: Tensor, x: Tensor, mean: Tensor, variance: Tensor, scale: Tensor, offset: Tensor | undefined, attrs: BatchNormTrainingAttrs): [Tensor, Tensor, Tensor] {
  const { varianceEpsilon } = attrs;
  if (hasKernel(BATCH_NORM_TRAINING_GRAD)) {
    const inputs: NamedTensorMap = offset === undefined ? { x, dy, mean, variance, scale } : { x, dy, mean, variance, scale, offset };
    return engine().runKernel(BATCH_NORM_TRAINING_GRAD, inputs, attrs as unknown as Record<string, number>) as [Tensor, Tensor, Tensor];
  }
  return tidy(() => {
    const axes = leadingAxes(x);
    const rows = util.sizeFromShape(x.shape) / (x.shape[x.rank - 1] as number);
    const r = rsqrt(add(variance, varianceEpsilon));
    const centred = sub(x, mean);
    const sumDy = sum(dy, axes);
    const sumDyCentred = sum(mul(dy, centred), axes);
    const dx = mul(sub(sub(dy, div(sumDy, rows)), mul(centred, mul(square(r), div(sumDyCentred, rows)))), mul(scale, r));
    return [dx, mul(sumDyCentred, r), sumDy];
  }) as [Tensor, Tensor, Tensor];
}

/** Settings of {@link batchNormTraining}. */
export interface BatchNormTrainingSettings {
  /** ε added to the variance. */
  epsilon: number;
  /** The moving statistics, updated as tfjs-layers does: m ← m − (m − batch value)·(1 − momentum). */
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
  momentum: number;
  /** ReLU after the normalisation (default false): in the same tape operation when the backend has both kernels. */
  relu?: boolean;
}

function batchNormTraining_(x: Tensor, scale: Tensor, offset: Tensor, settings: BatchNormTrainingSettings): Tensor {
  // ReLU inside the operation only where kernels compute it; the compositions stay batch norm, then relu.
  const inside = settings.relu === true && hasKernel(BATCH_NORM_TRAINING) && hasKernel(BATCH_NORM_TRAINING_GRAD);
  const normalise = customGrad((...args) => {
    const [input, gamma, beta, save] = args as [Tensor, Tensor, Tensor, (tensors: Tensor[]) => void];
    const attrs: BatchNormTrainingForwardAttrs = { varianceEpsilon: settings.epsilon, momentum: settings.momentum, ...(inside ? { relu: true } : {}) };
    const [y, mean, variance, nextMovingMean, nextMovingVariance] = forward(input, gamma, beta, settings.movingMean.read(), settings.movingVariance.read(), attrs) as [Tensor, Tensor, Tensor, Tensor, Tensor];
    settings.movingMean.write(nextMovingMean);
    settings.movingVariance.write(nextMovingVariance);
    save(inside ? [input, mean, variance, gamma, beta] : [input, mean, variance, gamma]);
    return {
      value: y,
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [savedX, savedMean, savedVariance, savedScale, savedOffset] = saved as [Tensor, Tensor, Tensor, Tensor, Tensor | undefined];
        return gradient(dy, savedX, savedMean, savedVariance, savedScale, savedOffset, { varianceEpsilon: settings.epsilon, ...(inside ? { relu: true } : {}) });
      },
    };
  });
  const normalised = normalise(x, scale, offset);
  return settings.relu === true && !inside ? relu(normalised) : normalised;
}

/**
 * Batch normalization in training mode over every axis but the last: normalises `x` with its batch
 * mean and biased variance, scales by `scale` and shifts by `offset` (`[C]` each), and updates the
 * moving statistics — one operation on the gradient tape, whose gradient is the closed form above.
 * With `relu`, followed by ReLU (inside that operation where the backend has the kernels).
 */
export const batchNormTraining = op({ batchNormTraining_ });

/**
 * Key under which a {@link FusingLayersModel} passes, in the kwargs of its layers' calls during a training
 * pass, the set of layers of its BatchNormalization → ReLU pairs: a BatchNormalization in the set outputs
 * relu(batch norm) and its ReLU passes that on (a symbol: never serialised, never a layer's own kwarg).
 */
export const RECTIFIED_PAIRS: unique symbol = Symbol('tfseg.rectifiedPairs');

/** Whether `layer` belongs to a BatchNormalization → ReLU pair fused in this call (see {@link RECTIFIED_PAIRS}). */
export function inRectifiedPair(kwargs: object | undefined, layer: object): boolean {
  const pairs = (kwargs as { [RECTIFIED_PAIRS]?: unknown } | undefined)?.[RECTIFIED_PAIRS];
  return pairs instanceof Set && pairs.has(layer);
}

/**
 * tfjs-layers' own BatchNormalization class, as tfjs-layers registered it under its className (the
 * package exports only the `layers.batchNormalization` factory, and a throwaway instance would take a
 * layer id).
 */
const TfjsBatchNormalization = serialization.SerializationMap.getMap().classNameMap['BatchNormalization']?.[0] as unknown as (new (
  args?: Parameters<typeof layers.batchNormalization>[0],
) => ReturnType<typeof layers.batchNormalization>) &
  Omit<typeof layers.Layer, 'prototype'>;

/** The settings of a built layer that the fused training pass needs. */
interface FusedSettings {
  channelsLast: boolean;
  fusable: boolean;
  epsilon: number;
  momentum: number;
}

/**
 * tfjs-layers' `BatchNormalization`, the same layer (same class name, config, weights and inference
 * pass, so saved models and checkpoints load either way), whose training pass over the last axis runs
 * {@link batchNormTraining}: one tape operation with the closed-form gradient. Other axes, and layers
 * without scale or offset, run tfjs-layers' own pass. {@link registerCustomLayers} registers it under
 * tfjs' class name, so models loaded afterwards train this way too.
 */
export class BatchNormalization extends TfjsBatchNormalization {
  /** Name under which the class is registered for serialization: tfjs-layers' own. */
  static className = 'BatchNormalization';
  private fused?: FusedSettings;

  override build(inputShape: Shape | Shape[]): void {
    super.build(inputShape);
    const config = this.getConfig();
    const rank = ((Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape).length;
    const axis = Number(config.axis);
    this.fused = {
      channelsLast: axis === -1 || axis === rank - 1,
      fusable: config.scale === true && config.center === true,
      epsilon: Number(config.epsilon),
      momentum: Number(config.momentum),
    };
  }

  /**
   * tfjs-layers' pass, or in training {@link batchNormTraining}; as the first layer of a pair in
   * `kwargs[RECTIFIED_PAIRS]` (a {@link FusingLayersModel}'s call), followed by ReLU — always, so that the
   * pair's ReLU layer can pass this output on; in inference by the backend's {@link BATCH_NORM_RELU} kernel
   * when it has one.
   */
  override call(inputs: Tensor | Tensor[], kwargs: Record<string, unknown>): Tensor | Tensor[] {
    const settings = this.fused;
    const rectified = inRectifiedPair(kwargs, this);
    const fusable = settings !== undefined && settings.channelsLast && settings.fusable;
    // weights: gamma, beta (both present: fusable), moving_mean, moving_variance — build()'s order.
    const [gamma, beta, movingMean, movingVariance] = this.weights as [LayerVariable, LayerVariable, LayerVariable, LayerVariable];
    if (kwargs.training !== true || !fusable) {
      if (!rectified) return super.call(inputs, kwargs);
      if (fusable && hasKernel(BATCH_NORM_RELU)) {
        // tfjs-layers' inference pass over the last axis is this FusedBatchNorm (batchNorm of the moving statistics), then the ReLU.
        const x = singleInput(inputs, 'BatchNormalization');
        const kernelInputs = { x, mean: movingMean.read(), variance: movingVariance.read(), scale: gamma.read(), offset: beta.read() } as NamedTensorMap;
        return engine().runKernel(BATCH_NORM_RELU, kernelInputs, { varianceEpsilon: settings.epsilon }) as Tensor;
      }
      return tidy(() => relu(singleInput(super.call(inputs, kwargs), 'BatchNormalization')));
    }
    const x = singleInput(inputs, 'BatchNormalization');
    return tidy(() =>
      batchNormTraining(x, gamma.read(), beta.read(), { epsilon: settings.epsilon, momentum: settings.momentum, movingMean, movingVariance, relu: rectified }),
    );
  }
}
