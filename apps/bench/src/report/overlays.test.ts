import { decode } from 'fast-png';
import { ERROR_COLORS } from './blend';
import { classColors, decodePixels, overlayPng } from './overlays';

describe('overlays', () => {
  it('colours classes as the paper’s figures name them, other classes from a fallback palette', () => {
    const colors = classColors(['Membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'ground-glass', 'tumour']);
    expect(colors.slice(0, 5)).toEqual([[255, 255, 255], [230, 40, 40], [40, 200, 60], [50, 90, 230], [40, 200, 60]]);
    expect(colors[5]).toHaveLength(3);
  });

  it('draws image | truth | predictions per sample row, enlarged and separated by white gaps', () => {
    // 2×2 patches, two classes (background black, vessel white), one sample.
    const samples = { height: 2, width: 2, channels: 1, classNames: ['background', 'vessel'], samples: [] };
    const image = Uint8Array.from([10, 20, 30, 40]);
    const truth = Uint8Array.from([0, 1, 1, 0]);
    const prediction = Uint8Array.from([1, 1, 1, 1]);
    const png = decode(overlayPng(samples, [image], [{ title: 'truth', labelMaps: [truth] }, { title: 'ML', labelMaps: [prediction], truths: [truth] }]));
    // Tiles of 2 px are enlarged 64× to 128 px; three columns with two 4 px gaps; the legend below.
    expect([png.width, png.channels]).toEqual([3 * 128 + 2 * 4, 3]);
    expect(png.height).toBeGreaterThan(128);
    const pixel = (x: number, y: number): number[] => Array.from(png.data.slice((y * png.width + x) * 3, (y * png.width + x) * 3 + 3));
    expect(pixel(0, 0)).toEqual([10, 10, 10]);
    expect(pixel(127, 127)).toEqual([40, 40, 40]);
    expect(pixel(129, 0)).toEqual([255, 255, 255]); // gap
    expect(pixel(132, 0)).toEqual([0, 0, 0]); // truth: background
    expect(pixel(132 + 64, 0)).toEqual([255, 255, 255]); // truth: vessel
    // Prediction: vessel everywhere, over the image. Right where truth is vessel (blended), a false
    // positive where truth is background (marked opaque).
    expect(pixel(264 + 64, 0)).toEqual([Math.round(0.55 * 20 + 0.45 * 255), Math.round(0.55 * 20 + 0.45 * 255), Math.round(0.55 * 20 + 0.45 * 255)]);
    expect(pixel(264, 127)).toEqual([Math.round(0.55 * 30 + 0.45 * 255), Math.round(0.55 * 30 + 0.45 * 255), Math.round(0.55 * 30 + 0.45 * 255)]);
    expect(pixel(264, 0)).toEqual([...ERROR_COLORS.falsePositive]);
    expect(pixel(264 + 127, 127)).toEqual([...ERROR_COLORS.falsePositive]);
  });

  it('rejects pixel data of the wrong length, naming it', () => {
    expect(() => decodePixels(Buffer.from([1, 2, 3]).toString('base64'), 4, 'sample 0 truth')).toThrow('sample 0 truth has 3 values, expected 4');
  });
});
