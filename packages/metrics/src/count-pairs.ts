/** An integer label map: one class label per pixel, flattened in any fixed order. */
export type LabelMap = Int32Array | Uint8Array;

/**
 * Adds every (truth, prediction) pixel pair to the row-major `counts` matrix (rows = truth) and returns -1,
 * or returns the index of the first pixel whose label is not in [0, numClasses), leaving `counts` unchanged.
 * Pixels whose truth equals `ignoreIndex` are skipped; pass NaN for "ignore nothing" (no integer equals NaN).
 *
 * Speed (≥ 100 million pixels/s, see BENCHMARKS.md): `(label >>> 0) >= numClasses` rejects negative and
 * too-large labels with one unsigned comparison; pixels are counted into four interleaved private tables,
 * four pixels per step, so consecutive pixels of the same class (most of an image) do not wait on one
 * another's increment; the tables are added to `counts` only when every label was valid.
 */
export function countPairs(counts: Float64Array, numClasses: number, truth: LabelMap, prediction: LabelMap, ignoreIndex: number): number {
  const cells = numClasses * numClasses;
  const tables = new Float64Array(4 * cells);
  const bad = Number.isNaN(ignoreIndex) ? countAll(tables, numClasses, truth, prediction) : countSkipping(tables, numClasses, truth, prediction, ignoreIndex);
  if (bad >= 0) return bad;
  for (let cell = 0; cell < cells; cell++) {
    counts[cell]! += (tables[cell] as number) + (tables[cells + cell] as number) + (tables[2 * cells + cell] as number) + (tables[3 * cells + cell] as number);
  }
  return -1;
}

/** No ignored label: four pixels per step, one table each; validation of the four is one OR of flags. */
function countAll(tables: Float64Array, numClasses: number, truth: LabelMap, prediction: LabelMap): number {
  const cells = numClasses * numClasses;
  const length = truth.length;
  const blocked = length - (length % 4);
  for (let i = 0; i < blocked; i += 4) {
    const t0 = truth[i] as number;
    const t1 = truth[i + 1] as number;
    const t2 = truth[i + 2] as number;
    const t3 = truth[i + 3] as number;
    const p0 = prediction[i] as number;
    const p1 = prediction[i + 1] as number;
    const p2 = prediction[i + 2] as number;
    const p3 = prediction[i + 3] as number;
    const invalid =
      Number(t0 >>> 0 >= numClasses) | Number(t1 >>> 0 >= numClasses) | Number(t2 >>> 0 >= numClasses) | Number(t3 >>> 0 >= numClasses) |
      Number(p0 >>> 0 >= numClasses) | Number(p1 >>> 0 >= numClasses) | Number(p2 >>> 0 >= numClasses) | Number(p3 >>> 0 >= numClasses);
    if (invalid !== 0) return firstInvalid(numClasses, truth, prediction, i);
    tables[t0 * numClasses + p0]!++;
    tables[cells + t1 * numClasses + p1]!++;
    tables[2 * cells + t2 * numClasses + p2]!++;
    tables[3 * cells + t3 * numClasses + p3]!++;
  }
  for (let i = blocked; i < length; i++) {
    const t = truth[i] as number;
    const p = prediction[i] as number;
    if (t >>> 0 >= numClasses || p >>> 0 >= numClasses) return i;
    tables[t * numClasses + p]!++;
  }
  return -1;
}

/** With an ignored truth label: one pixel per step, rotating over the four tables. */
function countSkipping(tables: Float64Array, numClasses: number, truth: LabelMap, prediction: LabelMap, ignoreIndex: number): number {
  const cells = numClasses * numClasses;
  const length = truth.length;
  for (let i = 0; i < length; i++) {
    const t = truth[i] as number;
    if (t === ignoreIndex) continue;
    const p = prediction[i] as number;
    if (t >>> 0 >= numClasses || p >>> 0 >= numClasses) return i;
    tables[(i & 3) * cells + t * numClasses + p]!++;
  }
  return -1;
}

function firstInvalid(numClasses: number, truth: LabelMap, prediction: LabelMap, from: number): number {
  for (let i = from; ; i++) {
    if ((truth[i] as number) >>> 0 >= numClasses || (prediction[i] as number) >>> 0 >= numClasses) return i;
  }
}
