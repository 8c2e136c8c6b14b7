/** The per-class scores a {@link ConfusionMatrix} reports, each a ratio of confusion-matrix counts. */
export const classScoreNames = ['iou', 'dice', 'precision', 'recall'] as const;

/** One of {@link classScoreNames}. */
export type ClassScoreName = (typeof classScoreNames)[number];

/**
 * Per-class scores from a row-major `numClasses × numClasses` count matrix (rows = truth, columns =
 * prediction). With TP the diagonal, T the row sum (truth pixels) and P the column sum (predicted pixels):
 * IoU = TP / (T + P − TP) (Jaccard, PASCAL VOC), Dice = 2·TP / (T + P) (= F1), precision = TP / P,
 * recall = TP / T. A zero denominator (for IoU and Dice: the class is absent from both truth and
 * prediction) gives `absentValue`.
 */
export function classScores(counts: Float64Array, numClasses: number, score: ClassScoreName, absentValue: number): number[] {
  const scores = new Array<number>(numClasses);
  for (let c = 0; c < numClasses; c++) {
    let truthTotal = 0;
    let predictedTotal = 0;
    for (let other = 0; other < numClasses; other++) {
      truthTotal += counts[c * numClasses + other] as number;
      predictedTotal += counts[other * numClasses + c] as number;
    }
    const truePositives = counts[c * numClasses + c] as number;
    const [numerator, denominator] = ratio(score, truePositives, truthTotal, predictedTotal);
    scores[c] = denominator === 0 ? absentValue : numerator / denominator;
  }
  return scores;
}

function ratio(score: ClassScoreName, truePositives: number, truthTotal: number, predictedTotal: number): [number, number] {
  switch (score) {
    case 'iou':
      return [truePositives, truthTotal + predictedTotal - truePositives];
    case 'dice':
      return [2 * truePositives, truthTotal + predictedTotal];
    case 'precision':
      return [truePositives, predictedTotal];
    case 'recall':
      return [truePositives, truthTotal];
  }
}

/** Fraction of counted pixels whose prediction equals the truth (trace / total); NaN when nothing was counted. */
export function pixelAccuracyOf(counts: Float64Array, numClasses: number): number {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  for (let c = 0; c < numClasses; c++) correct += counts[c * numClasses + c] as number;
  return total === 0 ? Number.NaN : correct / total;
}

/** Mean of the values that are not NaN, skipping index `skip` (an ignored class); NaN when none is left. */
export function meanOfDefined(values: readonly number[], skip: number | undefined): number {
  let sum = 0;
  let count = 0;
  values.forEach((value, index) => {
    if (index === skip || Number.isNaN(value)) return;
    sum += value;
    count++;
  });
  return count === 0 ? Number.NaN : sum / count;
}
