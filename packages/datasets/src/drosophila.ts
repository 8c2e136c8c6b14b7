import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from './dataset';
import { fileError } from './errors';
import { findDataFolder } from './data-root';
import { greyChannel, readPng } from './png';
import { readDataFile, requireSameSize, type DatasetSource, type SourceOptions, sourceIdentity, type SourceEntry } from './source';
import { readTiff } from './tiff';

/** Drosophila classes in the order of the paper's Table 3. */
export const DROSOPHILA_CLASS_NAMES = ['membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'intracellular'];

/**
 * Merged label value → class index (Table 3 order): membrane 0, 32, 64, 96, 128 (the four orientations and
 * junctions); mitochondria 191; synapse 223; glia/extracellular 159; intracellular 255.
 */
export const DROSOPHILA_LABEL_VALUES: Readonly<Record<number, number>> = {
  0: 0, 32: 0, 64: 0, 96: 0, 128: 0, 191: 1, 223: 2, 159: 3, 255: 4,
};

const unknownLabel = 255;
const labelLookup = new Uint8Array(256).fill(unknownLabel);
for (const [value, index] of Object.entries(DROSOPHILA_LABEL_VALUES)) labelLookup[Number(value)] = index;

/** File names of image `index` in the published layout: `raw/NN.tif` and `labels/labels000000NN.png`. */
export function drosophilaFileNames(index: number): { image: string; labels: string } {
  const id = String(index).padStart(2, '0');
  return { image: `raw/${id}.tif`, labels: `labels/labels${String(index).padStart(8, '0')}.png` };
}

/** The stack folder: `root/stack1` as published, or `root` itself when it holds `raw/` directly. */
function stackFolder(root: string): string {
  return existsSync(join(root, 'raw')) ? root : join(root, 'stack1');
}

/** Reads one image and its merged labels, mapping label values to Table 3 classes. */
export function readDrosophilaSample(imageFile: string, labelFile: string, id: string): Sample {
  const raster = readTiff(readDataFile(imageFile), imageFile);
  const grey = greyChannel(raster, imageFile);
  const scale = grey instanceof Uint16Array ? 1 / 65535 : 1 / 255;
  const image = new Float32Array(grey.length);
  for (let i = 0; i < grey.length; i++) image[i] = (grey[i] as number) * scale;
  const labelRaster = readPng(readDataFile(labelFile), labelFile);
  requireSameSize(imageFile, raster, labelFile, labelRaster);
  const values = greyChannel(labelRaster, labelFile);
  if (labelRaster.depth !== 8) throw fileError(labelFile, `expected 8-bit labels, but the PNG has ${labelRaster.depth}-bit samples`);
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const index = labelLookup[values[i] as number] as number;
    if (index === unknownLabel) {
      throw fileError(labelFile, `unexpected label value ${values[i]} at (row ${Math.floor(i / raster.width)}, column ${i % raster.width}); expected one of ${Object.keys(DROSOPHILA_LABEL_VALUES).join(', ')}`);
    }
    mask[i] = index;
  }
  return { id, group: id, height: raster.height, width: raster.width, channels: 1, image, mask };
}

/**
 * The Drosophila ssTEM stack (Gerhard et al. 2013) in its published layout. With `count`, exactly images
 * 0..count-1 are expected (each missing file is a problem); without, the images found in `raw/` are used.
 */
export function drosophilaSource(options: SourceOptions & { count?: number }): DatasetSource {
  return {
    ...sourceIdentity(options),
    classNames: DROSOPHILA_CLASS_NAMES,
    classValues: DROSOPHILA_CLASS_NAMES.map((_, index) => Object.entries(DROSOPHILA_LABEL_VALUES).filter(([, owner]) => owner === index).map(([value]) => Number(value)).sort((a, b) => a - b)),
    inputChannels: 1,
    nativeSize: options.nativeSize ?? { height: 1024, width: 1024 },
    list(root) {
      const stack = stackFolder(root);
      const problems: string[] = [];
      let indices: number[];
      if (options.count !== undefined) {
        indices = Array.from({ length: options.count }, (_, index) => index);
      } else {
        const rawFolder = join(stack, 'raw');
        indices = existsSync(rawFolder) ? readdirSync(rawFolder).filter((file) => /^\d+\.tif$/.test(file)).map((file) => Number.parseInt(file, 10)).sort((a, b) => a - b) : [];
        if (indices.length === 0) problems.push(`${rawFolder}: no images (expected raw/00.tif, raw/01.tif, ...)`);
      }
      const entries: SourceEntry[] = [];
      for (const index of indices) {
        const names = drosophilaFileNames(index);
        const files = [join(stack, names.image), join(stack, names.labels)];
        const missing = files.filter((file) => !existsSync(file));
        for (const file of missing) problems.push(`${file}: file is missing${file === files[1] && !missing.includes(files[0] as string) ? ` (labels of ${names.image})` : ''}`);
        if (missing.length === 0) entries.push({ files, read: () => [readDrosophilaSample(files[0] as string, files[1] as string, String(index).padStart(2, '0'))] });
      }
      return { entries, problems };
    },
  };
}

/** The real dataset: 20 images of 1024², vendored in `data/drosophila-sstem` (CC BY-NC-SA 3.0). */
export const drosophila = drosophilaSource({
  name: 'drosophila',
  title: 'Drosophila ssTEM stack 1 (Gerhard et al. 2013, doi:10.6084/m9.figshare.856713)',
  count: 20,
  defaultRoot: () => findDataFolder('drosophila-sstem'),
  // Sec. 4.1: 256² patches, 48 random training crops, 16 tiles per validation/test image; one validation image.
  protocol: () => ({ patchSize: 256, trainPatches: 48, validationGroups: 1, folds: 5 }),
});
