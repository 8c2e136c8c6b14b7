import type * as tf from '@tensorflow/tfjs-core';
import { z } from 'zod';
import { meanOfDefined } from './class-scores';
import { ConfusionMatrix } from './confusion-matrix';
import { MetricsError } from './errors';
import { parseWithSchema } from './tfseg-error';
import { thresholdChannels } from './tensor-labels';

/** Options of {@link MultiLabelConfusionMatrix}; parsed once by its constructor. */
export const multiLabelConfusionMatrixOptionsSchema = z
  .object({
    /** One display name per channel. Default: `channel 0`, `channel 1`, … */
    channelNames: z.array(z.string()).optional(),
    /** A predicted channel is on where its score is above this (0.5 for sigmoid probabilities, 0 for logits). Default 0.5. */
    threshold: z.number().default(0.5),
  })
  .strict();

/** Options accepted by `new MultiLabelConfusionMatrix(numChannels, options)`. */
export type MultiLabelConfusionMatrixOptions = z.input<typeof multiLabelConfusionMatrixOptionsSchema>;

/** Scores of a {@link MultiLabelConfusionMatrix}, one entry per channel (the channel's foreground). */
export interface MultiLabelReport {
  channelNames: string[];
  iou: number[];
  dice: number[];
  meanIoU: number;
  meanDice: number;
}

/**
 * Binary and multi-label segmentation metrics (sigmoid outputs `[..., C]`, each channel an independent
 * mask): every channel is thresholded and counted in its own 2-class {@link ConfusionMatrix}, pooled over
 * every update; IoU and Dice are those of the channel's foreground (class 1), and the means leave out a
 * channel that is empty in both truth and prediction (NaN), as `ConfusionMatrix` does for absent classes.
 * (segmentation_models_pytorch's `mode='multilabel'` metrics, micro-averaged over the images.)
 */
export class MultiLabelConfusionMatrix {
  /** Number of channels C. */
  readonly numChannels: number;
  /** Display name of each channel. */
  readonly channelNames: readonly string[];
  private readonly threshold: number;
  private readonly channels: ConfusionMatrix[];

  constructor(numChannels: number, options: MultiLabelConfusionMatrixOptions = {}) {
    if (!Number.isInteger(numChannels) || numChannels < 1) {
      throw new MetricsError(`Error in MultiLabelConfusionMatrix: numChannels must be a positive integer, but got ${numChannels}`);
    }
    const parsed = parseWithSchema(multiLabelConfusionMatrixOptionsSchema, options, 'MultiLabelConfusionMatrix', MetricsError);
    const names = parsed.channelNames ?? Array.from({ length: numChannels }, (_, c) => `channel ${c}`);
    if (names.length !== numChannels) {
      throw new MetricsError(`Error in MultiLabelConfusionMatrix: channelNames must have numChannels = ${numChannels} entries, but got ${names.length}`);
    }
    this.numChannels = numChannels;
    this.channelNames = Object.freeze([...names]);
    this.threshold = parsed.threshold;
    this.channels = names.map((name) => new ConfusionMatrix(2, { classNames: [`not ${name}`, name] }));
  }

  /**
   * Counts one batch: `truth` is a 0/1 mask tensor `[..., C]` (any dtype; on where > 0.5), `prediction`
   * the scores `[..., C]` (on where > `threshold`). Shapes must be equal with C = numChannels.
   */
  update(truth: tf.Tensor, prediction: tf.Tensor): this {
    for (const [argument, tensor] of [['truth', truth], ['prediction', prediction]] as const) {
      if (tensor.rank === 0 || tensor.shape[tensor.rank - 1] !== this.numChannels) {
        throw new MetricsError(`Error in MultiLabelConfusionMatrix.update: ${argument} must have shape [..., ${this.numChannels}] (numChannels), but got [${tensor.shape.join(', ')}]`);
      }
    }
    if (truth.size !== prediction.size) {
      throw new MetricsError(`Error in MultiLabelConfusionMatrix.update: truth [${truth.shape.join(', ')}] and prediction [${prediction.shape.join(', ')}] must have the same shape`);
    }
    const truthOn = thresholdChannels(truth, 0.5);
    const predictedOn = thresholdChannels(prediction, this.threshold);
    const pixels = truthOn.length / this.numChannels;
    this.channels.forEach((matrix, c) => {
      const channel = (values: Uint8Array) => Uint8Array.from({ length: pixels }, (_, i) => values[i * this.numChannels + c] as number);
      matrix.update(channel(truthOn), channel(predictedOn));
    });
    return this;
  }

  /** Foreground IoU of each channel, TP / (TP + FP + FN); NaN for a channel empty in truth and prediction. */
  iou(): number[] {
    return this.channels.map((matrix) => matrix.iou()[1] as number);
  }

  /** Foreground Dice of each channel, 2·TP / (2·TP + FP + FN); NaN as for {@link MultiLabelConfusionMatrix.iou}. */
  dice(): number[] {
    return this.channels.map((matrix) => matrix.dice()[1] as number);
  }

  /** Mean foreground IoU over channels, NaN channels left out. */
  meanIoU(): number {
    return meanOfDefined(this.iou(), undefined);
  }

  /** Mean foreground Dice over channels, NaN channels left out. */
  meanDice(): number {
    return meanOfDefined(this.dice(), undefined);
  }

  /** All scores at once. */
  report(): MultiLabelReport {
    return { channelNames: [...this.channelNames], iou: this.iou(), dice: this.dice(), meanIoU: this.meanIoU(), meanDice: this.meanDice() };
  }
}
