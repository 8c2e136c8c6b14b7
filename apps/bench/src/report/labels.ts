/** Display names for the datasets, models and training fractions that appear in reports. */

const DATASET_LABELS: Record<string, string> = {
  'covid19-ct': 'COVID-19',
  'chase-db1': 'CHASE',
  drosophila: 'Drosophila',
};

const MODEL_LABELS: Record<string, string> = {
  unet: 'U-Net',
  transunet: 'TransUNet',
  'convformer-unet': 'ConvFormer+U-Net',
};

/** The paper's name of a dataset (`covid19-ct` → `COVID-19`); unknown names are shown as given. */
export function datasetLabel(dataset: string): string {
  return DATASET_LABELS[dataset] ?? dataset;
}

/** The paper's name of a model (`convformer-unet` → `ConvFormer+U-Net`). */
export function modelLabel(model: string): string {
  return MODEL_LABELS[model] ?? model;
}

/** A training fraction as a ratio: 1 → `1`, 0.125 → `1/8`, 0.3 → `0.3`. */
export function fractionRatio(fraction: number): string {
  if (fraction === 1) return '1';
  const denominator = Math.round(1 / fraction);
  return Math.abs(1 / denominator - fraction) < 1e-9 ? `1/${denominator}` : String(fraction);
}

/** A training fraction as the paper writes it: `Full data`, `1/8 training data`. */
export function fractionLabel(fraction: number): string {
  return fraction === 1 ? 'Full data' : `${fractionRatio(fraction)} training data`;
}

/** True when two training fractions are the same (they come from different arithmetic). */
export function sameFraction(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-9;
}

/**
 * Compares class names across spellings: `Ground-glass` = `ground glass`, `consolidation` =
 * `consolidations`, `glia/extracellular` = `glia-extracellular`.
 */
export function classKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z]/g, '').replace(/([^s])s$/, '$1');
}
