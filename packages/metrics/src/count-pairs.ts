/** An integer label map: one class label per pixel, flattened in any fixed order. */
export type LabelMap = Int32Array | Uint8Array;

/**
 * Adds every (truth, prediction) pixel pair to the row-major `counts` matrix (rows = truth) and returns -1,
 * or stops at the first pixel whose label is not in [0, numClasses) and returns its index, after removing
 * the pairs it had already added so that `counts` is unchanged on failure. Pixels whose truth equals
 * `ignoreIndex` are skipped; pass NaN for "ignore nothing" (no integer equals NaN).
 *
 * One tight loop over the typed arrays: `(label >>> 0) >= numClasses` rejects negatives and too-large
 * labels with one unsigned comparison, so validation costs almost nothing next to the count itself.
 */
export function countPairs(counts: Float64Array, numClasses: number, truth: LabelMap, prediction: LabelMap, ignoreIndex: number): number {
  const length = truth.length;
  for (let i = 0; i < length; i++) {
    const t = truth[i] as number;
    if (t === ignoreIndex) continue;
    const p = prediction[i] as number;
    if (t >>> 0 >= numClasses || p >>> 0 >= numClasses) {
      removePairs(counts, numClasses, truth, prediction, ignoreIndex, i);
      return i;
    }
    counts[t * numClasses + p]!++;
  }
  return -1;
}

/** Undoes `countPairs` for the pixels before `end` (all of which were valid). */
function removePairs(counts: Float64Array, numClasses: number, truth: LabelMap, prediction: LabelMap, ignoreIndex: number, end: number): void {
  for (let i = 0; i < end; i++) {
    const t = truth[i] as number;
    if (t === ignoreIndex) continue;
    counts[t * numClasses + (prediction[i] as number)]!--;
  }
}
