import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from './dataset';
import { fileError } from './errors';
import { readJpeg } from './jpeg';
import { greyChannel, readPng } from './png';
import { readDataFile, requireSameSize, type DatasetSource, type SourceOptions, sourceIdentity, type SourceEntry } from './source';

/** CHASE_DB1 classes in the order of the paper's Table 2. */
export const CHASE_CLASS_NAMES = ['background', 'retinal vessel'];

/** `Image_01L` … `Image_14R`: the 28 images of the 14 children, left and right eye. */
export function chaseImageIds(children = 14): string[] {
  return Array.from({ length: children }, (_, child) => String(child + 1).padStart(2, '0')).flatMap((child) => [`Image_${child}L`, `Image_${child}R`]);
}

/** Reads one fundus photograph (RGB JPEG) and its first observer's vessel mask (0 background, the maximum value vessel). */
export function readChaseSample(imageFile: string, maskFile: string, id: string): Sample {
  const raster = readJpeg(readDataFile(imageFile), imageFile);
  const image = new Float32Array(raster.data.length);
  for (let i = 0; i < image.length; i++) image[i] = (raster.data[i] as number) / 255;
  const maskRaster = readPng(readDataFile(maskFile), maskFile);
  requireSameSize(imageFile, raster, maskFile, maskRaster);
  const values = greyChannel(maskRaster, maskFile);
  const vessel = 2 ** maskRaster.depth - 1; // 255 for 8-bit masks, 1 for 1-bit ones
  const mask = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (value !== 0 && value !== vessel) {
      throw fileError(maskFile, `unexpected mask value ${value} at (row ${Math.floor(i / raster.width)}, column ${i % raster.width}); expected 0 or ${vessel}`);
    }
    mask[i] = value === 0 ? 0 : 1;
  }
  return { id, group: id.slice('Image_'.length, -1), height: raster.height, width: raster.width, channels: 3, image, mask };
}

/** CHASE_DB1 as distributed: `Image_NNX.jpg` with `Image_NNX_1stHO.png` (the first observer, used as truth). */
export function chaseSource(options: SourceOptions & { children?: number }): DatasetSource {
  return {
    ...sourceIdentity(options),
    classNames: CHASE_CLASS_NAMES,
    classValues: [[0], [255]],
    inputChannels: 3,
    nativeSize: options.nativeSize ?? { height: 960, width: 999 },
    list(root) {
      const problems: string[] = [];
      const ids = options.children !== undefined
        ? chaseImageIds(options.children)
        : readdirSync(root).filter((file) => /^Image_\d\d[LR]\.jpg$/.test(file)).map((file) => file.slice(0, -'.jpg'.length)).sort();
      if (ids.length === 0) problems.push(`${root}: no images (expected Image_01L.jpg, Image_01R.jpg, ...)`);
      const entries: SourceEntry[] = [];
      for (const id of ids) {
        const files = [join(root, `${id}.jpg`), join(root, `${id}_1stHO.png`)];
        const missing = files.filter((file) => !existsSync(file));
        for (const file of missing) problems.push(`${file}: file is missing`);
        if (missing.length === 0) entries.push({ files, read: () => [readChaseSample(files[0] as string, files[1] as string, id)] });
      }
      return { entries, problems };
    },
  };
}

/** The real dataset, user-supplied: 28 images of 999×960 from 14 children, resized to 256², grouped by child. */
export const chase = chaseSource({
  name: 'chase-db1',
  title: 'CHASE_DB1 retinal vessels (Fraz et al. 2012)',
  children: 14,
  // 3 children (6 images) of each fold's training part validate: 16 train / 6 validation / 6 test images.
  protocol: () => ({ resizeTo: 256, patchSize: 256, validationGroups: 3, folds: 5 }),
});
