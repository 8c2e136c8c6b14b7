/**
 * @tfseg/metrics — a streaming confusion matrix with class IoU, mIoU, Dice, precision, recall and pixel
 * accuracy for semantic segmentation (the paper's Sec. 4.1 evaluation), fed by typed-array label maps or
 * tfjs tensors; binary sigmoid outputs through its `threshold` option, multi-label ones through
 * `MultiLabelConfusionMatrix`.
 */
export {
  ConfusionMatrix,
  confusionMatrixOptionsSchema,
  confusionMatrixJsonSchema,
  type ConfusionMatrixOptions,
  type ConfusionMatrixJson,
  type ConfusionMatrixReport,
} from './confusion-matrix';
export {
  MultiLabelConfusionMatrix,
  multiLabelConfusionMatrixOptionsSchema,
  type MultiLabelConfusionMatrixOptions,
  type MultiLabelReport,
} from './multi-label';
export { classScoreNames, type ClassScoreName } from './class-scores';
export type { LabelMap } from './count-pairs';
export type { LabelInput } from './tensor-labels';
export { MetricsError } from './errors';
