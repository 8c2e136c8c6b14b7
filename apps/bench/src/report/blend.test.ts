import { backgroundClasses, blendPrediction, ERROR_COLORS, legendEntries, withLegend } from './blend';
import { drawText, textWidth } from './bitmap-font';

const colors = [[0, 0, 0], [255, 255, 255], [230, 40, 40]] as const;
const pixel = (data: Uint8Array, i: number): number[] => Array.from(data.subarray(3 * i, 3 * i + 3));

describe('blendPrediction', () => {
  // Pixels: right (bg/bg), false positive (truth bg, predicted 1), false negative (truth 1, predicted bg),
  // confusion (truth 1, predicted 2), right foreground (2/2).
  const truth = Uint8Array.from([0, 0, 1, 1, 2]);
  const prediction = Uint8Array.from([0, 1, 0, 2, 2]);
  const image = Uint8Array.from([100, 100, 100, 100, 100]);

  it('marks false positives, false negatives and confusions opaque, and blends correct classes', () => {
    const canvas = blendPrediction({ height: 1, width: 5, image, channels: 1, prediction, truth, colors, transparent: [0] });
    expect(pixel(canvas.data, 0)).toEqual([100, 100, 100]);
    expect(pixel(canvas.data, 1)).toEqual([...ERROR_COLORS.falsePositive]);
    expect(pixel(canvas.data, 2)).toEqual([...ERROR_COLORS.falseNegative]);
    expect(pixel(canvas.data, 3)).toEqual([...ERROR_COLORS.confusion]);
    expect(pixel(canvas.data, 4)).toEqual([Math.round(0.55 * 100 + 0.45 * 230), Math.round(0.55 * 100 + 0.45 * 40), Math.round(0.55 * 100 + 0.45 * 40)]);
  });

  it('without truth only blends the prediction', () => {
    const canvas = blendPrediction({ height: 1, width: 5, image, channels: 1, prediction, colors, transparent: [0] });
    expect(pixel(canvas.data, 2)).toEqual([100, 100, 100]);
    expect(pixel(canvas.data, 1)).toEqual([Math.round(0.55 * 100 + 0.45 * 255), Math.round(0.55 * 100 + 0.45 * 255), Math.round(0.55 * 100 + 0.45 * 255)]);
  });

  it('leaves only classes named background unblended', () => {
    expect(backgroundClasses(['background', 'vessel'])).toEqual([0]);
    expect(backgroundClasses(['membrane', 'mitochondria'])).toEqual([]);
  });
});

describe('legend', () => {
  it('adds rows below the image with a swatch per entry, wrapping to the width', () => {
    const canvas = { height: 10, width: 120, data: new Uint8Array(10 * 120 * 3).fill(7) };
    const entries = legendEntries(['background', 'vessel'], colors, true);
    expect(entries.map((entry) => entry.label)).toEqual(['background', 'vessel', 'false positive', 'false negative', 'wrong class']);
    const out = withLegend(canvas, entries);
    expect(out.width).toBe(120);
    expect(out.height).toBeGreaterThan(10 + 3 * 12); // five entries do not fit on one 120 px row
    expect(Array.from(out.data.subarray(0, 10 * 120 * 3)).every((value) => value === 7)).toBe(true);
    const legendPixels = out.data.subarray(10 * 120 * 3);
    expect(legendPixels.some((value, i) => i % 3 === 0 && value === ERROR_COLORS.falsePositive[0] && legendPixels[i + 2] === 0)).toBe(true);
  });

  it('draws text glyphs in the given colour, clipped to the canvas', () => {
    const canvas = { height: 7, width: textWidth('I', 1), data: new Uint8Array(7 * 5 * 3) };
    drawText(canvas, 'i', 0, 0, [255, 0, 0]);
    // "I" is a centre bar with serifs: the middle column is red on every row.
    for (let row = 0; row < 7; row++) expect(canvas.data[(row * 5 + 2) * 3]).toBe(255);
    expect(canvas.data[(3 * 5 + 0) * 3]).toBe(0);
  });
});
