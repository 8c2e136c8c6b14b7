/**
 * A 5×7 pixel font for the legends drawn into PNG overlays (class names, "false positive"). PNG has no
 * text, and a font library would pull a rasteriser and font files into the bench for a few labels.
 * Letters are drawn upper-case; characters without a glyph are drawn as a hollow box.
 */

/** Each glyph: 7 rows, top first, 5 bits per row (bit 4 = leftmost column). */
const GLYPHS: Record<string, readonly number[]> = {
  A: [14, 17, 17, 31, 17, 17, 17], B: [30, 17, 17, 30, 17, 17, 30], C: [14, 17, 16, 16, 16, 17, 14], D: [30, 17, 17, 17, 17, 17, 30],
  E: [31, 16, 16, 30, 16, 16, 31], F: [31, 16, 16, 30, 16, 16, 16], G: [14, 17, 16, 23, 17, 17, 15], H: [17, 17, 17, 31, 17, 17, 17],
  I: [14, 4, 4, 4, 4, 4, 14], J: [7, 2, 2, 2, 2, 18, 12], K: [17, 18, 20, 24, 20, 18, 17], L: [16, 16, 16, 16, 16, 16, 31],
  M: [17, 27, 21, 21, 17, 17, 17], N: [17, 17, 25, 21, 19, 17, 17], O: [14, 17, 17, 17, 17, 17, 14], P: [30, 17, 17, 30, 16, 16, 16],
  Q: [14, 17, 17, 17, 21, 18, 13], R: [30, 17, 17, 30, 20, 18, 17], S: [15, 16, 16, 14, 1, 1, 30], T: [31, 4, 4, 4, 4, 4, 4],
  U: [17, 17, 17, 17, 17, 17, 14], V: [17, 17, 17, 17, 17, 10, 4], W: [17, 17, 17, 21, 21, 21, 10], X: [17, 17, 10, 4, 10, 17, 17],
  Y: [17, 17, 10, 4, 4, 4, 4], Z: [31, 1, 2, 4, 8, 16, 31],
  '0': [14, 17, 19, 21, 25, 17, 14], '1': [4, 12, 4, 4, 4, 4, 14], '2': [14, 17, 1, 2, 4, 8, 31], '3': [31, 2, 4, 2, 1, 17, 14],
  '4': [2, 6, 10, 18, 31, 2, 2], '5': [31, 16, 30, 1, 1, 17, 14], '6': [6, 8, 16, 30, 17, 17, 14], '7': [31, 1, 2, 4, 8, 8, 8],
  '8': [14, 17, 17, 14, 17, 17, 14], '9': [14, 17, 17, 15, 1, 2, 12],
  ' ': [0, 0, 0, 0, 0, 0, 0], '-': [0, 0, 0, 31, 0, 0, 0], '_': [0, 0, 0, 0, 0, 0, 31], '.': [0, 0, 0, 0, 0, 12, 12],
  '/': [1, 1, 2, 4, 8, 16, 16], ':': [0, 12, 12, 0, 12, 12, 0], '%': [24, 25, 2, 4, 8, 19, 3], '(': [2, 4, 8, 8, 8, 4, 2],
  ')': [8, 4, 2, 2, 2, 4, 8], '+': [0, 4, 4, 31, 4, 4, 0], '=': [0, 0, 31, 0, 31, 0, 0], ',': [0, 0, 0, 0, 12, 4, 8],
};
const MISSING = [31, 17, 17, 17, 17, 17, 31];

/** Glyph width and height in font pixels, and the advance from one character to the next. */
export const GLYPH_WIDTH = 5;
export const GLYPH_HEIGHT = 7;
const ADVANCE = GLYPH_WIDTH + 1;

/** Width in image pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * ADVANCE - 1) * scale;
}

/** An RGB image being drawn on: `data` is HWC with 3 channels. */
export interface RgbCanvas {
  height: number;
  width: number;
  data: Uint8Array;
}

/** Draws `text` with its top-left corner at (`top`, `left`), each font pixel `scale`² image pixels; clipped to the canvas. */
export function drawText(canvas: RgbCanvas, text: string, top: number, left: number, color: readonly [number, number, number], scale = 1): void {
  [...text.toUpperCase()].forEach((character, index) => {
    const rows = GLYPHS[character] ?? MISSING;
    rows.forEach((bits, row) => {
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (((bits >> (GLYPH_WIDTH - 1 - column)) & 1) === 0) continue;
        fillRect(canvas, top + row * scale, left + (index * ADVANCE + column) * scale, scale, scale, color);
      }
    });
  });
}

/** Fills a rectangle, clipped to the canvas. */
export function fillRect(canvas: RgbCanvas, top: number, left: number, height: number, width: number, color: readonly [number, number, number]): void {
  for (let y = Math.max(0, top); y < Math.min(canvas.height, top + height); y++) {
    for (let x = Math.max(0, left); x < Math.min(canvas.width, left + width); x++) canvas.data.set(color, (y * canvas.width + x) * 3);
  }
}
