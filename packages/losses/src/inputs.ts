import * as tf from '@tensorflow/tfjs-core';
import { LossArgumentError } from './errors';
import { hasKernel, SOFTMAX_LOSS_SUMS, SOFTMAX_PROBABILITY_LOSS_SUMS, type SoftmaxLossSumsAttrs, type SoftmaxProbabilityLossSumsAttrs } from './softmax-loss-kernels';
import { SUM_BLOCK_ROWS, sumLaidOutRows } from './sums';

/** How `yPred`'s channels are read: one softmax distribution per pixel, or independent sigmoids. */
export type Activation = 'softmax' | 'sigmoid';

/** Resolved (defaults filled) options that say how `yTrue` and `yPred` are read. */
export interface InputOptions {
  readonly fromLogits: boolean;
  readonly validateInputs: boolean;
  readonly epsilon: number;
  readonly activation: Activation;
  readonly ignoreIndex: number | undefined;
  readonly classWeights: readonly number[] | undefined;
}

/**
 * The loss inputs flattened to pixels × classes. Probabilities and log-probabilities are computed on
 * first use and then shared, so a loss that needs both (additive, ML, CAML) pays for each once.
 * Only valid inside the `tf.tidy` of one loss call.
 */
export interface PreparedInputs {
  /** The public function name, for error messages. */
  readonly caller: string;
  readonly activation: Activation;
  /** Ground truth y with ignored pixels zeroed (y·m), float32 [P, C]: one-hot (softmax) or multi-hot (sigmoid). */
  readonly target: tf.Tensor2D;
  /** m, 1 for counted pixels and 0 for ignored ones, [P, 1]; undefined when no pixel can be ignored. */
  readonly mask: tf.Tensor2D | undefined;
  /** Number of pixels P = N·H·W (every axis but the last). */
  readonly pixelCount: number;
  /** Number of images N (the first axis; P for a `[P, C]` input). */
  readonly imageCount: number;
  /** Number of classes (channels) C. */
  readonly classCount: number;
  /** The class weights w_c as given, or undefined (all 1). Length C (checked). */
  readonly classWeights: readonly number[] | undefined;
  /** M = Σᵢ mᵢ, the number of counted pixels: P, or a scalar tensor with `ignoreIndex`. */
  readonly countedPixels: number | tf.Scalar;
  /** Predicted probabilities p, [P, C] (softmax or sigmoid of logits with `fromLogits`). */
  probabilities(): tf.Tensor2D;
  /** Σᵢ per class of the per-pixel cross-entropy: −y·log p (softmax) or mᵢ·BCE(y, p) (sigmoid), [C]; ignored pixels add 0. */
  crossEntropySums(): tf.Tensor1D;
  /** Σᵢ over every pixel of the batch of a [P, C] tensor, per class: [C] (accurate, see `sumRows`). */
  sumOverPixels(tensor: tf.Tensor2D): tf.Tensor1D;
  /** The batch sums of eq. 3 per class, computed on first use (with {@link sumOverPixels}): Σᵢ m·y·p, Σᵢ y·m and Σᵢ m·p, [C] each. */
  classSums(): ClassSums;
  /** Σᵢ over the pixels of each image of a [P, C] tensor: [N, C]. */
  sumPerImage(tensor: tf.Tensor2D): tf.Tensor2D;
}

/** The per-class batch sums of eq. 3 (see {@link PreparedInputs.classSums}). */
export interface ClassSums {
  /** Σᵢ mᵢ·yᵢ,c·pᵢ,c. */
  readonly intersections: tf.Tensor1D;
  /** Σᵢ (y·m)ᵢ,c: the target's sums. */
  readonly targets: tf.Tensor1D;
  /** Σᵢ mᵢ·pᵢ,c. */
  readonly probabilities: tf.Tensor1D;
}

/** The outputs of the {@link SOFTMAX_LOSS_SUMS} kernel, in its order. */
interface FusedSoftmaxSums {
  readonly probabilities: tf.Tensor2D;
  readonly classSums: ClassSums;
  /** Σᵢ y·log p per class (the CE sums before their sign). */
  readonly targetLogProbabilities: tf.Tensor1D;
}

/**
 * The backend's kernel for the softmax losses' per-class sums where one applies: {@link SOFTMAX_LOSS_SUMS}
 * from logits (which also gives p), {@link SOFTMAX_PROBABILITY_LOSS_SUMS} on probabilities; each with no
 * ignored pixels, where the kernel computes exactly this file's operations. None while a tape records (the
 * autodiff reference differentiates the operations themselves) or where the backend has no such kernel.
 */
function fusedSumsKernel(options: InputOptions, mask: tf.Tensor | undefined): string | undefined {
  if (options.activation !== 'softmax' || mask !== undefined || tf.engine().isTapeOn()) return undefined;
  const kernelName = options.fromLogits ? SOFTMAX_LOSS_SUMS : SOFTMAX_PROBABILITY_LOSS_SUMS;
  return hasKernel(kernelName) ? kernelName : undefined;
}

/** The outputs of the {@link SOFTMAX_PROBABILITY_LOSS_SUMS} kernel, in its order (p is its input). */
type FusedProbabilitySums = Omit<FusedSoftmaxSums, 'probabilities'>;

function fusedProbabilitySums(probabilities: tf.Tensor2D, target: tf.Tensor2D, epsilon: number): FusedProbabilitySums {
  const attrs: SoftmaxProbabilityLossSumsAttrs = { blockRows: SUM_BLOCK_ROWS, epsilon };
  const [intersections, targets, probabilitySums, targetLogProbabilities] = tf
    .engine()
    .runKernel(SOFTMAX_PROBABILITY_LOSS_SUMS, { probabilities, target }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return { classSums: { intersections, targets, probabilities: probabilitySums }, targetLogProbabilities };
}

function fusedSoftmaxSums(logits: tf.Tensor2D, target: tf.Tensor2D): FusedSoftmaxSums {
  const attrs: SoftmaxLossSumsAttrs = { blockRows: SUM_BLOCK_ROWS };
  const [probabilities, intersections, targets, probabilitySums, targetLogProbabilities] = tf
    .engine()
    .runKernel(SOFTMAX_LOSS_SUMS, { logits, target }, attrs as unknown as tf.NamedAttrMap) as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  return { probabilities, classSums: { intersections, targets, probabilities: probabilitySums }, targetLogProbabilities };
}

function shapeText(tensor: tf.Tensor): string {
  return `[${tensor.shape.join(',')}]`;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, axis) => size === b[axis]);
}

/** Checks ranks and shapes (free) and returns whether `yTrue` holds integer labels rather than one-hot rows. */
function checkShapes(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor, options: InputOptions): { labels: boolean } {
  if (!(yTrue instanceof tf.Tensor)) throw new LossArgumentError(`Error in ${caller}: yTrue must be a tf.Tensor, but got ${typeof yTrue}`);
  if (!(yPred instanceof tf.Tensor)) throw new LossArgumentError(`Error in ${caller}: yPred must be a tf.Tensor, but got ${typeof yPred}`);
  if (yPred.rank < 2) {
    throw new LossArgumentError(`Error in ${caller}: yPred must have rank >= 2 ([..., C], e.g. [N,H,W,C]), but got rank ${yPred.rank} with shape ${shapeText(yPred)}`);
  }
  const classCount = yPred.shape[yPred.rank - 1] as number;
  if (classCount < 2 && options.activation === 'softmax') {
    throw new LossArgumentError(
      `Error in ${caller}: yPred must have C >= 2 classes in its last axis for activation 'softmax' (use activation: 'sigmoid' for a one-channel binary output), but got shape ${shapeText(yPred)}`,
    );
  }
  if (options.classWeights !== undefined && options.classWeights.length !== classCount) {
    throw new LossArgumentError(`Error in ${caller}: classWeights must have one weight per class (C = ${classCount} from yPred ${shapeText(yPred)}), but got ${options.classWeights.length}`);
  }
  if (yPred.size === 0) throw new LossArgumentError(`Error in ${caller}: yPred must hold at least one pixel, but got shape ${shapeText(yPred)}`);
  if (yPred.dtype !== 'float32') throw new LossArgumentError(`Error in ${caller}: yPred must be float32, but got ${yPred.dtype}`);
  if (sameShape(yTrue.shape, yPred.shape)) {
    if (options.ignoreIndex !== undefined) {
      throw new LossArgumentError(
        `Error in ${caller}: ignoreIndex needs integer labels yTrue of shape [${yPred.shape.slice(0, -1).join(',')}], but got yTrue ${shapeText(yTrue)} (one-hot, the shape of yPred)`,
      );
    }
    return { labels: false };
  }
  if (sameShape(yTrue.shape, yPred.shape.slice(0, -1))) return { labels: true };
  throw new LossArgumentError(
    `Error in ${caller}: yTrue must have shape ${shapeText(yPred)} (one-hot) or [${yPred.shape.slice(0, -1).join(',')}] (integer labels) to match yPred ${shapeText(yPred)}, but got ${shapeText(yTrue)}`,
  );
}

/** True when every entry is finite; exact, used only to confirm a non-finite sum. */
function allFinite(tensor: tf.Tensor): boolean {
  return tf.tidy(() => tf.all(tf.isFinite(tensor)).dataSync()[0] === 1);
}

/** A float32 read back, shown with the 7 significant digits float32 holds (1e38, not 9.99999968e+37). */
function float32Text(value: number): string {
  return String(Number(value.toPrecision(7)));
}

/** Largest label value allowed: C − 1, or 1 for a one-channel sigmoid output (labels are then the binary mask). */
function largestLabel(classCount: number, activation: Activation): number {
  return activation === 'sigmoid' && classCount === 1 ? 1 : classCount - 1;
}

/**
 * Value checks that need a data read (`validateInputs`): NaN/±Infinity anywhere; integer labels in
 * [0, C) or `ignoreIndex`; one-hot/multi-hot `yTrue` with values 0 or 1 only (soft labels, −1 or 2 are
 * rejected) and, for softmax, exactly one 1 per pixel; probabilities `yPred` in [0, 1] unless
 * `fromLogits`. A NaN or ±Infinity makes a tensor's sum non-finite, so the sums, minima and maxima come
 * back as one small read; only a non-finite sum triggers the exact element check (which also clears a
 * finite tensor whose sum merely overflowed).
 */
function checkValues(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor, labels: boolean, options: InputOptions): void {
  const classCount = yPred.shape[yPred.rank - 1] as number;
  const [predictionSum, trueSum, predictionMin, predictionMax, trueMin, trueMax, trueWhole, rowMin, rowMax] = tf.tidy(() => {
    const asFloat = (tensor: tf.Tensor) => tf.cast(tensor, 'float32');
    const counted = labels && options.ignoreIndex !== undefined ? tf.where(tf.equal(yTrue, options.ignoreIndex), tf.zerosLike(yTrue), yTrue) : yTrue;
    const rowSums = labels || options.activation === 'sigmoid' ? undefined : tf.sum(yTrue, -1);
    return tf.stack([
      asFloat(tf.sum(yPred)),
      labels ? tf.scalar(0) : asFloat(tf.sum(yTrue)),
      asFloat(tf.min(yPred)),
      asFloat(tf.max(yPred)),
      asFloat(tf.min(counted)),
      asFloat(tf.max(counted)),
      yTrue.dtype === 'int32' ? tf.scalar(1) : asFloat(tf.all(tf.equal(yTrue, tf.floor(yTrue)))),
      rowSums === undefined ? tf.scalar(1) : asFloat(tf.min(rowSums)),
      rowSums === undefined ? tf.scalar(1) : asFloat(tf.max(rowSums)),
    ]);
  }).dataSync() as unknown as [number, number, number, number, number, number, number, number, number];
  if (!Number.isFinite(predictionSum) && !allFinite(yPred)) {
    throw new LossArgumentError(`Error in ${caller}: yPred must contain only finite numbers, but it contains NaN or ±Infinity`);
  }
  if (!labels && !Number.isFinite(trueSum) && !allFinite(yTrue)) {
    throw new LossArgumentError(`Error in ${caller}: yTrue must contain only finite numbers, but it contains NaN or ±Infinity`);
  }
  if (!options.fromLogits && (predictionMin < 0 || predictionMax > 1)) {
    throw new LossArgumentError(
      `Error in ${caller}: yPred must hold probabilities in [0, 1] (${options.activation} outputs; pass fromLogits: true for logits), but got values in [${float32Text(predictionMin)}, ${float32Text(predictionMax)}]`,
    );
  }
  if (labels) {
    if (trueWhole !== 1) throw new LossArgumentError(`Error in ${caller}: yTrue integer labels must be whole numbers, but it contains a fractional value or NaN`);
    const largest = largestLabel(classCount, options.activation);
    if (trueMin < 0 || trueMax > largest) {
      const ignored = options.ignoreIndex === undefined ? '' : ` or ignoreIndex ${options.ignoreIndex}`;
      throw new LossArgumentError(`Error in ${caller}: yTrue labels must be integers in [0, ${largest}] (C = ${classCount})${ignored}, but got values in [${trueMin}, ${trueMax}]`);
    }
    return;
  }
  const kind = options.activation === 'softmax' ? 'one-hot' : 'multi-hot';
  if (trueMin < 0 || trueMax > 1 || trueWhole !== 1) {
    const found = trueWhole === 1 ? `values in [${trueMin}, ${trueMax}]` : 'a fractional value (soft label)';
    throw new LossArgumentError(`Error in ${caller}: yTrue must be ${kind} (every value 0 or 1), but it contains ${found}`);
  }
  if (rowMin !== 1 || rowMax !== 1) {
    throw new LossArgumentError(
      `Error in ${caller}: yTrue must be one-hot with exactly one 1 per pixel for activation 'softmax', but a pixel has ${rowMin !== 1 ? rowMin : rowMax} (an all-zero row or several classes; use activation: 'sigmoid' for multi-label)`,
    );
  }
}

/** Log-probabilities clipped like eq. 2: max(p, ε) rather than clipByValue (same value for p ≤ 1, a cheaper gradient). */
function clippedLog(probabilities: tf.Tensor2D, epsilon: number): tf.Tensor2D {
  return tf.log(tf.maximum(probabilities, epsilon)) as tf.Tensor2D;
}

/**
 * tfjs-core's `logSoftmax` over the last axis: its kernels on the same values (max, x − max, exp, Σ, log,
 * difference) without its float32 → float32 cast of x − max (a copy). While a tape records (the autodiff
 * reference), tfjs' op itself, for its custom gradient; otherwise (inside the closed-form gradient's
 * forward pass) that gradient would only add scopes around the kernels.
 */
function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  if (tf.engine().isTapeOn()) return tf.logSoftmax(logits);
  const axis = logits.rank - 1;
  const shifted = tf.sub(logits, tf.max(logits, axis, true));
  return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axis, true)));
}

/**
 * Validates `(yTrue, yPred)` and flattens them to [P, C]. Call inside `tf.tidy`.
 * @param caller the public function name used in error messages.
 */
export function prepareInputs(caller: string, yTrue: tf.Tensor, yPred: tf.Tensor, options: InputOptions): PreparedInputs {
  const { labels } = checkShapes(caller, yTrue, yPred, options);
  const classCount = yPred.shape[yPred.rank - 1] as number;
  const pixelCount = yPred.size / classCount;
  const imageCount = yPred.shape[0] as number;
  if (options.validateInputs) checkValues(caller, yTrue, yPred, labels, options);

  let target: tf.Tensor2D;
  let mask: tf.Tensor2D | undefined;
  if (labels) {
    const flatLabels = tf.reshape(yTrue, [pixelCount, 1]);
    const labelIndices = tf.cast(flatLabels, 'int32');
    const hot =
      options.activation === 'sigmoid' && classCount === 1
        ? tf.cast(tf.equal(labelIndices, 1), 'float32')
        : tf.reshape(tf.cast(tf.oneHot(tf.reshape(labelIndices, [pixelCount]), classCount), 'float32'), [pixelCount, classCount]);
    if (options.ignoreIndex === undefined) {
      target = hot as tf.Tensor2D;
    } else {
      mask = tf.cast(tf.notEqual(flatLabels, options.ignoreIndex), 'float32') as tf.Tensor2D;
      target = tf.mul(hot, mask);
    }
  } else {
    const flatTrue = tf.reshape(yTrue, [pixelCount, classCount]) as tf.Tensor2D;
    // A Cast to the tensor's own dtype would copy it.
    target = flatTrue.dtype === 'float32' ? flatTrue : tf.cast(flatTrue, 'float32');
  }
  const flatPrediction = tf.reshape(yPred, [pixelCount, classCount]) as tf.Tensor2D;
  const countedPixels = mask === undefined ? pixelCount : (sumLaidOutRows(mask, 1, pixelCount, 1, []) as tf.Scalar);

  let probabilities: tf.Tensor2D | undefined;
  let logProbabilities: tf.Tensor2D | undefined;
  let classSums: ClassSums | undefined;
  // Softmax from logits: one kernel for p and every per-class sum where the backend has it (see
  // softmax-loss-kernels.ts), the same bits as the operations below.
  const fused = fusedSumsKernel(options, mask) === SOFTMAX_LOSS_SUMS ? fusedSoftmaxSums(flatPrediction, target) : undefined;
  // Softmax probabilities: the sums from one kernel where the backend has it, on first use (p is the input).
  let fusedProbabilities: FusedProbabilitySums | undefined;
  const fusedProbabilitiesOnce = (): FusedProbabilitySums | undefined => {
    if (fusedProbabilities === undefined && fusedSumsKernel(options, mask) === SOFTMAX_PROBABILITY_LOSS_SUMS) fusedProbabilities = fusedProbabilitySums(flatPrediction, target, options.epsilon);
    return fusedProbabilities;
  };
  // From logits, log-softmax is exact where log(clip(softmax)) would saturate at log ε.
  const logProbabilitiesOnce = (): tf.Tensor2D => {
    logProbabilities ??= options.fromLogits ? logSoftmax(flatPrediction) : clippedLog(flatPrediction, options.epsilon);
    return logProbabilities;
  };
  const probabilitiesOnce = (): tf.Tensor2D => {
    if (probabilities === undefined) {
      if (fused !== undefined) probabilities = fused.probabilities;
      else if (!options.fromLogits) probabilities = flatPrediction;
      else probabilities = options.activation === 'softmax' ? tf.exp(logProbabilitiesOnce()) : tf.sigmoid(flatPrediction);
    }
    return probabilities;
  };
  const sumOverPixels = (tensor: tf.Tensor2D): tf.Tensor1D => sumLaidOutRows(tensor, 1, pixelCount, classCount, [classCount]) as tf.Tensor1D;
  const binaryCrossEntropySums = (): tf.Tensor1D => {
    const complement = tf.sub(1, target);
    const masked = (perElement: tf.Tensor2D): tf.Tensor2D => (mask === undefined ? perElement : tf.mul(perElement, mask));
    if (options.fromLogits) {
      // BCE = y·softplus(−z) + (1 − y)·softplus(z): −log σ(z) and −log(1 − σ(z)), exact at any |z|.
      // (softplus, not tf.logSigmoid, whose custom gradient fails inside tf.valueAndGrad in tfjs 4.22.)
      return sumOverPixels(masked(tf.add(tf.mul(target, tf.softplus(tf.neg(flatPrediction))), tf.mul(complement, tf.softplus(flatPrediction)))));
    }
    // BCE = −(y·log p + (1 − y)·log(1 − p)) with p clipped to [ε, 1 − ε]; the sign goes on the [C] sums.
    const clipped = tf.clipByValue(flatPrediction, options.epsilon, 1 - options.epsilon);
    const logLikelihoods = tf.add(tf.mul(target, tf.log(clipped)), tf.mul(complement, tf.log(tf.sub(1, clipped)))) as tf.Tensor2D;
    return tf.neg(sumOverPixels(masked(logLikelihoods)));
  };
  return {
    caller,
    activation: options.activation,
    target,
    mask,
    pixelCount,
    imageCount,
    classCount,
    classWeights: options.classWeights,
    countedPixels,
    probabilities: probabilitiesOnce,
    // The sign is applied to the [C] sums, not to every pixel.
    crossEntropySums: () => {
      const fusedSums = fused ?? fusedProbabilitiesOnce();
      if (fusedSums !== undefined) return tf.neg(fusedSums.targetLogProbabilities);
      return options.activation === 'softmax' ? tf.neg(sumOverPixels(tf.mul(target, logProbabilitiesOnce()))) : binaryCrossEntropySums();
    },
    sumOverPixels,
    classSums: () => {
      if (classSums === undefined) {
        const fusedSums = fused ?? fusedProbabilitiesOnce();
        if (fusedSums !== undefined) classSums = fusedSums.classSums;
        else {
          const p = probabilitiesOnce();
          const counted = mask === undefined ? p : (tf.mul(p, mask) as tf.Tensor2D);
          classSums = { intersections: sumOverPixels(tf.mul(target, p)), targets: sumOverPixels(target), probabilities: sumOverPixels(counted) };
        }
      }
      return classSums;
    },
    sumPerImage: (tensor) => sumLaidOutRows(tensor, imageCount, pixelCount / imageCount, classCount, [imageCount, classCount]) as tf.Tensor2D,
  };
}
