/**
 * A prediction drawn over its image, as in the paper's Figs. 3 and 4: each class blended in its colour
 * and, when the truth is known, every wrong pixel marked — false positives (truth background), false
 * negatives (prediction background) and confusions between two foreground classes — plus a legend.
 */
import { drawText, fillRect, GLYPH_HEIGHT, textWidth, type RgbCanvas } from './bitmap-font';

type Rgb = readonly [number, number, number];

/** Marks of wrong pixels; chosen apart from every class colour of {@link classColors}. */
export const ERROR_COLORS = {
  falsePositive: [255, 220, 0] as Rgb,
  falseNegative: [255, 0, 255] as Rgb,
  confusion: [0, 230, 255] as Rgb,
} as const;

/** How strongly a class colour covers the image (0: invisible, 1: opaque). */
const CLASS_ALPHA = 0.45;

/** What {@link blendPrediction} draws. */
export interface BlendInput {
  height: number;
  width: number;
  /** HWC 8-bit image, 1 or 3 channels. */
  image: Uint8Array;
  channels: number;
  /** HW predicted class indices. */
  prediction: Uint8Array;
  /** HW true class indices; when given, wrong pixels are marked. */
  truth?: Uint8Array;
  /** Colour of each class. */
  colors: readonly Rgb[];
  /** Classes left unblended (the background): indices. */
  transparent?: readonly number[];
}

/** The image in RGB with the prediction blended over it and, with `truth`, the errors marked opaque. */
export function blendPrediction(input: BlendInput): RgbCanvas {
  const { height, width, image, channels, prediction, truth, colors } = input;
  const transparent = new Set(input.transparent ?? []);
  const data = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) {
    const predicted = prediction[i] as number;
    const actual = truth?.[i];
    let color: Rgb | undefined;
    let alpha = CLASS_ALPHA;
    if (actual !== undefined && actual !== predicted) {
      color = transparent.has(actual) ? ERROR_COLORS.falsePositive : transparent.has(predicted) ? ERROR_COLORS.falseNegative : ERROR_COLORS.confusion;
      alpha = 1;
    } else if (!transparent.has(predicted)) {
      color = colors[predicted] ?? [255, 0, 255];
    }
    for (let c = 0; c < 3; c++) {
      const base = image[i * channels + (channels >= 3 ? c : 0)] as number;
      data[i * 3 + c] = color === undefined ? base : Math.round((1 - alpha) * base + alpha * (color[c] as number));
    }
  }
  return { height, width, data };
}

/** The indices of classes named "background" (left unblended); none when no class has that name. */
export function backgroundClasses(classNames: readonly string[]): number[] {
  return classNames.flatMap((name, index) => (name.toLowerCase() === 'background' ? [index] : []));
}

/** Legend entries: every class colour, then (with errors) the three error marks. */
export function legendEntries(classNames: readonly string[], colors: readonly Rgb[], withErrors: boolean): Array<{ label: string; color: Rgb }> {
  const classes = classNames.map((label, index) => ({ label, color: colors[index] ?? ([255, 0, 255] as Rgb) }));
  if (!withErrors) return classes;
  return [
    ...classes,
    { label: 'false positive', color: ERROR_COLORS.falsePositive },
    { label: 'false negative', color: ERROR_COLORS.falseNegative },
    { label: 'wrong class', color: ERROR_COLORS.confusion },
  ];
}

/**
 * Adds a legend below `canvas`: one swatch and name per entry, wrapped to the canvas width. The font
 * scales with the image (1 pixel per font pixel up to 400 px wide, 2 up to 1200, ...).
 */
export function withLegend(canvas: RgbCanvas, entries: ReadonlyArray<{ label: string; color: Rgb }>): RgbCanvas {
  const scale = Math.max(1, Math.ceil(canvas.width / 600));
  const lineHeight = (GLYPH_HEIGHT + 5) * scale;
  const padding = 4 * scale;
  const placed: Array<{ label: string; color: Rgb; top: number; left: number }> = [];
  let left = padding;
  let top = padding;
  for (const entry of entries) {
    const entryWidth = lineHeight + textWidth(entry.label, scale) + 3 * padding;
    if (left > padding && left + entryWidth > canvas.width) {
      left = padding;
      top += lineHeight;
    }
    placed.push({ ...entry, top, left });
    left += entryWidth;
  }
  const legendHeight = top + lineHeight + padding;
  const out: RgbCanvas = { height: canvas.height + legendHeight, width: canvas.width, data: new Uint8Array((canvas.height + legendHeight) * canvas.width * 3).fill(255) };
  out.data.set(canvas.data);
  for (const entry of placed) {
    const y = canvas.height + entry.top;
    const swatch = GLYPH_HEIGHT * scale;
    fillRect(out, y - scale, entry.left - scale, swatch + 2 * scale, swatch + 2 * scale, [0, 0, 0]);
    fillRect(out, y, entry.left, swatch, swatch, entry.color);
    drawText(out, entry.label, y, entry.left + swatch + 2 * padding, [0, 0, 0], scale);
  }
  return out;
}
