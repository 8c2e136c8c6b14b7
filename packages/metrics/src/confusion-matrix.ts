import { z } from 'zod';
import { classScoreNames, classScores, meanOfDefined, pixelAccuracyOf, type ClassScoreName } from './class-scores';
import { countPairs, type LabelMap } from './count-pairs';
import { MetricsError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { toLabelMap, type LabelInput } from './tensor-labels';

/** Options of {@link ConfusionMatrix}; parsed once by its constructor. */
export const confusionMatrixOptionsSchema = z
  .object({
    /** One display name per class, carried into `toJSON()` and `report()`. Default: `class 0`, `class 1`, … */
    classNames: z.array(z.string()).optional(),
    /** Truth label to skip (e.g. 255 for VOC borders). Inside [0, numClasses) it also removes that class from every score and mean. */
    ignoreIndex: z.number().int().optional(),
    /** Value of a per-class score whose denominator is 0 (IoU, Dice: class absent from truth and prediction). `'nan'` leaves it out of the means. */
    absentClass: z.enum(['nan', 'one', 'zero']).default('nan'),
    /** Average the per-class scores over images (one `update` call = one image) instead of pooling all pixels (VOC style). */
    perImage: z.boolean().default(false),
    /**
     * Binary segmentation with a one-channel sigmoid output: float32 tensors `[..., 1]` (probabilities, or
     * a 0/1 mask) become labels 1 where the value is above `threshold` (0.5 for probabilities, 0 for
     * logits), else 0; numClasses must be 2 (background, foreground). Default: none (argmax over classes).
     */
    threshold: z.number().optional(),
  })
  .strict();

/** Options accepted by `new ConfusionMatrix(numClasses, options)`. */
export type ConfusionMatrixOptions = z.input<typeof confusionMatrixOptionsSchema>;

type ParsedOptions = z.output<typeof confusionMatrixOptionsSchema>;

const absentValues = { nan: Number.NaN, one: 1, zero: 0 } as const;
const finiteCount = z.number().nonnegative();

/** The serialised form of a {@link ConfusionMatrix}, from `toJSON()` and for `ConfusionMatrix.fromJSON()`. */
export const confusionMatrixJsonSchema = z.object({
  format: z.literal('tfseg.confusion-matrix'),
  version: z.literal(1),
  numClasses: z.number().int().positive(),
  classNames: z.array(z.string()),
  ignoreIndex: z.number().int().nullable(),
  absentClass: z.enum(['nan', 'one', 'zero']),
  perImage: z.boolean(),
  /** The `threshold` option (binary sigmoid outputs); absent or null for argmax. */
  threshold: z.number().nullable().optional(),
  imageCount: z.number().int().nonnegative(),
  /** Rows = truth, columns = prediction. */
  counts: z.array(z.array(finiteCount)),
  /** Per-image mode only: per score, per class, the sum of the per-image values and how many images defined it. */
  perImageSums: z.record(z.enum(classScoreNames), z.array(z.number())).nullable(),
  perImageDefined: z.record(z.enum(classScoreNames), z.array(finiteCount)).nullable(),
  /** Per-image mode only: [sum of per-image pixel accuracies, images with at least one counted pixel]. */
  perImageAccuracy: z.tuple([z.number(), finiteCount]).nullable(),
});

/** JSON form of a {@link ConfusionMatrix}. */
export type ConfusionMatrixJson = z.infer<typeof confusionMatrixJsonSchema>;

/** Everything a report needs from one {@link ConfusionMatrix}, as plain numbers. */
export interface ConfusionMatrixReport {
  classNames: string[];
  iou: number[];
  dice: number[];
  precision: number[];
  recall: number[];
  meanIoU: number;
  meanDice: number;
  pixelAccuracy: number;
  imageCount: number;
}

/**
 * A streaming confusion matrix for semantic segmentation: feed it (truth, prediction) label maps batch by
 * batch with {@link ConfusionMatrix.update}, then read class IoU, mIoU, Dice, precision, recall and pixel
 * accuracy. By default counts are pooled over the whole evaluation set before any ratio is taken (PASCAL VOC
 * style, the paper's Sec. 4.1 protocol); `perImage: true` averages per-image scores instead.
 *
 * A class whose score has a zero denominator (for IoU: absent from both truth and prediction) scores NaN and
 * is left out of the means, like tf.keras `MeanIoU` and torchmetrics; `absentClass: 'one' | 'zero'` counts
 * it as 1 or 0 instead.
 */
export class ConfusionMatrix {
  /** Number of classes; labels are integers in [0, numClasses). */
  readonly numClasses: number;
  /** Display name of each class. */
  readonly classNames: readonly string[];
  private readonly options: ParsedOptions;
  private readonly absentValue: number;
  /** Row-major numClasses × numClasses, rows = truth. Float64 counts stay exact up to 2^53 pixels. */
  private readonly matrix: Float64Array;
  /** Per-image mode: counts of the current image before they join `matrix`. */
  private readonly imageMatrix: Float64Array;
  private readonly perImageSums: Record<ClassScoreName, Float64Array>;
  private readonly perImageDefined: Record<ClassScoreName, Float64Array>;
  private perImageAccuracy: [number, number] = [0, 0];
  private images = 0;

  constructor(numClasses: number, options: ConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numClasses) || numClasses < 1) {
      throw new MetricsError(`Error in ConfusionMatrix: numClasses must be a positive integer, but got ${numClasses}`);
    }
    const parsed = parseWithSchema(confusionMatrixOptionsSchema, options, 'ConfusionMatrix', MetricsError);
    if (parsed.threshold !== undefined && numClasses !== 2) {
      throw new MetricsError(`Error in ConfusionMatrix: threshold reads a one-channel sigmoid output as 2 classes (background, foreground), so numClasses must be 2, but got ${numClasses}`);
    }
    const classNames = parsed.classNames ?? Array.from({ length: numClasses }, (_, c) => `class ${c}`);
    if (classNames.length !== numClasses) {
      throw new MetricsError(`Error in ConfusionMatrix: classNames must have numClasses = ${numClasses} entries, but got ${classNames.length}`);
    }
    this.numClasses = numClasses;
    this.classNames = Object.freeze([...classNames]);
    this.options = parsed;
    this.absentValue = absentValues[parsed.absentClass];
    this.matrix = new Float64Array(numClasses * numClasses);
    this.imageMatrix = new Float64Array(parsed.perImage ? numClasses * numClasses : 0);
    this.perImageSums = perScore(() => new Float64Array(parsed.perImage ? numClasses : 0));
    this.perImageDefined = perScore(() => new Float64Array(parsed.perImage ? numClasses : 0));
  }

  /** The ignored truth label, if any. */
  get ignoreIndex(): number | undefined {
    return this.options.ignoreIndex;
  }

  /** True when scores are averaged per image (one `update` call = one image). */
  get perImage(): boolean {
    return this.options.perImage;
  }

  /** Number of `update` calls since construction or the last `reset` (= images in per-image mode). */
  get imageCount(): number {
    return this.images;
  }

  /** A copy of the pooled counts: `counts[truth][prediction]` pixels (ignored pixels excluded). */
  get counts(): readonly (readonly number[])[] {
    return Array.from({ length: this.numClasses }, (_, row) => Array.from(this.matrix.subarray(row * this.numClasses, (row + 1) * this.numClasses)));
  }

  /**
   * Counts one batch (or, with `perImage`, one image). `truth` and `prediction` are flat label maps of equal
   * length (`Int32Array` or `Uint8Array`, any layout as long as both use the same), int32 label tensors, or
   * float32 score tensors `[..., numClasses]` reduced by argmax. Throws, leaving the counts unchanged, when
   * the lengths differ or a label is outside [0, numClasses) (truth may also equal `ignoreIndex`).
   * Returns `this` for chaining.
   */
  update(truth: LabelInput, prediction: LabelInput): this {
    const truthLabels = toLabelMap(truth, this.numClasses, 'truth', this.options.threshold);
    const predictedLabels = toLabelMap(prediction, this.numClasses, 'prediction', this.options.threshold);
    if (truthLabels.length !== predictedLabels.length) {
      throw new MetricsError(`Error in ConfusionMatrix.update: truth and prediction must have the same number of pixels, but got ${truthLabels.length} and ${predictedLabels.length}`);
    }
    const target = this.options.perImage ? this.imageMatrix : this.matrix;
    if (this.options.perImage) target.fill(0);
    const bad = countPairs(target, this.numClasses, truthLabels, predictedLabels, this.options.ignoreIndex ?? Number.NaN);
    if (bad >= 0) this.throwBadLabel(truthLabels, predictedLabels, bad);
    if (this.options.perImage) this.addImage();
    this.images++;
    return this;
  }

  /**
   * Per-class IoU (Jaccard index) = TP / (TP + FP + FN), the paper's evaluation metric (Sec. 4.1, after PASCAL
   * VOC [3]); NaN (or the `absentClass` value) for a class absent from both truth and prediction.
   */
  iou(): number[] {
    return this.scores('iou');
  }

  /** Mean IoU over classes; classes whose IoU is NaN (absent, or the ignored class) are left out. NaN if none is left. */
  meanIoU(): number {
    return meanOfDefined(this.iou(), this.ignoredClass());
  }

  /**
   * Per-class Dice coefficient (= F1) = 2·TP / (2·TP + FP + FN): the paper's Eq. (3) with hard one-hot
   * predictions in place of probabilities. Absent classes as for {@link ConfusionMatrix.iou}.
   */
  dice(): number[] {
    return this.scores('dice');
  }

  /** Mean Dice over classes, leaving NaN classes out like {@link ConfusionMatrix.meanIoU}. */
  meanDice(): number {
    return meanOfDefined(this.dice(), this.ignoredClass());
  }

  /** Per-class precision = TP / (TP + FP); NaN (or the `absentClass` value) for a class never predicted. */
  precision(): number[] {
    return this.scores('precision');
  }

  /** Per-class recall (sensitivity) = TP / (TP + FN); NaN (or the `absentClass` value) for a class never in the truth. */
  recall(): number[] {
    return this.scores('recall');
  }

  /** Correct pixels / counted pixels (per-image mode: mean over images that had counted pixels); NaN when nothing was counted. */
  pixelAccuracy(): number {
    if (!this.options.perImage) return pixelAccuracyOf(this.matrix, this.numClasses);
    const [sum, images] = this.perImageAccuracy;
    return images === 0 ? Number.NaN : sum / images;
  }

  /** All scores at once, for reports and result records. */
  report(): ConfusionMatrixReport {
    return {
      classNames: [...this.classNames],
      iou: this.iou(),
      dice: this.dice(),
      precision: this.precision(),
      recall: this.recall(),
      meanIoU: this.meanIoU(),
      meanDice: this.meanDice(),
      pixelAccuracy: this.pixelAccuracy(),
      imageCount: this.images,
    };
  }

  /**
   * Adds the counts of `other` (e.g. from a parallel worker) into this matrix; the result equals having fed
   * both streams to one matrix. Both must have the same number of classes, class names, ignoreIndex,
   * absentClass and perImage. Returns `this`.
   */
  merge(other: ConfusionMatrix): this {
    const mismatch = (['numClasses', 'ignoreIndex', 'perImage'] as const).find((key) => this[key] !== other[key]);
    if (mismatch !== undefined) {
      throw new MetricsError(`Error in ConfusionMatrix.merge: both matrices must have the same ${mismatch}, but got ${String(this[mismatch])} and ${String(other[mismatch])}`);
    }
    if (this.options.absentClass !== other.options.absentClass || this.classNames.join('\u0000') !== other.classNames.join('\u0000')) {
      throw new MetricsError('Error in ConfusionMatrix.merge: both matrices must have the same absentClass and classNames');
    }
    addInto(this.matrix, other.matrix);
    for (const score of classScoreNames) {
      addInto(this.perImageSums[score], other.perImageSums[score]);
      addInto(this.perImageDefined[score], other.perImageDefined[score]);
    }
    this.perImageAccuracy = [this.perImageAccuracy[0] + other.perImageAccuracy[0], this.perImageAccuracy[1] + other.perImageAccuracy[1]];
    this.images += other.images;
    return this;
  }

  /** Forgets every count (options and class names stay). Returns `this`. */
  reset(): this {
    this.matrix.fill(0);
    for (const score of classScoreNames) {
      this.perImageSums[score].fill(0);
      this.perImageDefined[score].fill(0);
    }
    this.perImageAccuracy = [0, 0];
    this.images = 0;
    return this;
  }

  /** A plain-JSON snapshot (counts and options) that {@link ConfusionMatrix.fromJSON} restores exactly. */
  toJSON(): ConfusionMatrixJson {
    const perImage = this.options.perImage;
    const perScoreArrays = (source: Record<ClassScoreName, Float64Array>) => perScore((score) => Array.from(source[score]));
    return {
      format: 'tfseg.confusion-matrix',
      version: 1,
      numClasses: this.numClasses,
      classNames: [...this.classNames],
      ignoreIndex: this.options.ignoreIndex ?? null,
      absentClass: this.options.absentClass,
      perImage,
      threshold: this.options.threshold ?? null,
      imageCount: this.images,
      counts: this.counts.map((row) => [...row]),
      perImageSums: perImage ? perScoreArrays(this.perImageSums) : null,
      perImageDefined: perImage ? perScoreArrays(this.perImageDefined) : null,
      perImageAccuracy: perImage ? [...this.perImageAccuracy] : null,
    };
  }

  /** Rebuilds a matrix from {@link ConfusionMatrix.toJSON} output (validated; throws naming the bad field). */
  static fromJSON(json: unknown): ConfusionMatrix {
    const data = parseWithSchema(confusionMatrixJsonSchema, json, 'ConfusionMatrix.fromJSON', MetricsError);
    const matrix = new ConfusionMatrix(data.numClasses, {
      classNames: data.classNames,
      absentClass: data.absentClass,
      perImage: data.perImage,
      ...(data.ignoreIndex === null ? {} : { ignoreIndex: data.ignoreIndex }),
      ...(data.threshold === null || data.threshold === undefined ? {} : { threshold: data.threshold }),
    });
    const C = data.numClasses;
    if (data.counts.length !== C || data.counts.some((row) => row.length !== C)) {
      throw new MetricsError(`Error in ConfusionMatrix.fromJSON: counts must be a ${C} × ${C} matrix`);
    }
    data.counts.forEach((row, r) => matrix.matrix.set(row, r * C));
    if (data.perImage) {
      if (data.perImageSums === null || data.perImageDefined === null || data.perImageAccuracy === null) {
        throw new MetricsError('Error in ConfusionMatrix.fromJSON: perImageSums, perImageDefined and perImageAccuracy are required when perImage is true');
      }
      for (const score of classScoreNames) {
        copyClassVector(matrix.perImageSums[score], data.perImageSums[score], `perImageSums.${score}`);
        copyClassVector(matrix.perImageDefined[score], data.perImageDefined[score], `perImageDefined.${score}`);
      }
      matrix.perImageAccuracy = [...data.perImageAccuracy];
    }
    matrix.images = data.imageCount;
    return matrix;
  }

  private scores(score: ClassScoreName): number[] {
    const values = this.options.perImage
      ? Array.from(this.perImageSums[score], (sum, c) => {
          const images = this.perImageDefined[score][c] as number;
          return images === 0 ? Number.NaN : sum / images;
        })
      : classScores(this.matrix, this.numClasses, score, this.absentValue);
    const ignored = this.ignoredClass();
    if (ignored !== undefined) values[ignored] = Number.NaN;
    return values;
  }

  /** The class index removed by an in-range ignoreIndex, if any. */
  private ignoredClass(): number | undefined {
    const ignored = this.options.ignoreIndex;
    return ignored !== undefined && ignored >= 0 && ignored < this.numClasses ? ignored : undefined;
  }

  /** Per-image mode: turns the current image's counts into scores, adds them to the running sums and pools the counts. */
  private addImage(): void {
    for (const score of classScoreNames) {
      classScores(this.imageMatrix, this.numClasses, score, this.absentValue).forEach((value, c) => {
        if (Number.isNaN(value)) return;
        this.perImageSums[score][c]! += value;
        this.perImageDefined[score][c]!++;
      });
    }
    const accuracy = pixelAccuracyOf(this.imageMatrix, this.numClasses);
    if (!Number.isNaN(accuracy)) this.perImageAccuracy = [this.perImageAccuracy[0] + accuracy, this.perImageAccuracy[1] + 1];
    addInto(this.matrix, this.imageMatrix);
  }

  private throwBadLabel(truth: LabelMap, prediction: LabelMap, index: number): never {
    const truthLabel = truth[index] as number;
    const [name, value] = truthLabel >>> 0 >= this.numClasses ? ['truth', truthLabel] : ['prediction', prediction[index] as number];
    const allowed = name === 'truth' && this.options.ignoreIndex !== undefined ? ` or ignoreIndex ${this.options.ignoreIndex}` : '';
    throw new MetricsError(`Error in ConfusionMatrix.update: ${name}[${index}] = ${value} is not a class label; expected an integer in [0, ${this.numClasses})${allowed}`);
  }
}

function perScore<T>(make: (score: ClassScoreName) => T): Record<ClassScoreName, T> {
  return { iou: make('iou'), dice: make('dice'), precision: make('precision'), recall: make('recall') };
}

function addInto(target: Float64Array, source: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i]! += source[i] as number;
}

function copyClassVector(target: Float64Array, source: readonly number[], field: string): void {
  if (source.length !== target.length) {
    throw new MetricsError(`Error in ConfusionMatrix.fromJSON: ${field} must have ${target.length} entries, but got ${source.length}`);
  }
  target.set(source);
}
