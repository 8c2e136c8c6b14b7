import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Sample } from './dataset';
import { fileError } from './errors';
import { readVolumePair, type NiftiVolume } from './nifti';
import { type DatasetSource, type ReadOptions, type SourceOptions, sourceIdentity } from './source';

/** COVID-19 CT classes in the order of the paper's Table 1. */
export const COVID_CLASS_NAMES = ['background', 'consolidations', 'ground glass', 'pleural effusions'];

/**
 * Mask value in `tr_mask` (0 background, 1 ground-glass, 2 consolidation, 3 pleural effusion, as published
 * by MedicalSegmentation.com) → class index in Table 1 order.
 */
export const COVID_MASK_VALUES: readonly number[] = [0, 2, 1, 3];

/** Hounsfield window mapped to [0, 1] unless `load({ huWindow })` says otherwise (lung and soft tissue). */
export const COVID_HU_WINDOW: readonly [number, number] = [-1250, 250];

/** The first of `names` that exists in `root`, or the first name (so the missing-file message names it). */
function firstExisting(root: string, names: string[]): string {
  const found = names.find((name) => existsSync(join(root, name)));
  return join(root, found ?? (names[0] as string));
}

/** Slices along the third axis as samples: pixel (row r, column c) of slice k is voxel (x = c, y = r, z = k). */
function volumeSlices(image: NiftiVolume, mask: NiftiVolume, maskFile: string, huWindow: [number, number]): Sample[] {
  const [width, height, depth] = image.dims as [number, number, number];
  const [low, high] = huWindow;
  const sliceSize = width * height;
  const samples: Sample[] = [];
  for (let k = 0; k < depth; k++) {
    const pixels = new Float32Array(sliceSize);
    const classes = new Uint8Array(sliceSize);
    const base = k * sliceSize;
    for (let i = 0; i < sliceSize; i++) {
      const hounsfield = image.data[base + i] as number;
      pixels[i] = Math.min(1, Math.max(0, (hounsfield - low) / (high - low)));
      const value = mask.data[base + i] as number;
      const index = Number.isInteger(value) ? COVID_MASK_VALUES[value] : undefined;
      if (index === undefined) {
        throw fileError(maskFile, `unexpected mask value ${value} at voxel (x ${i % width}, y ${Math.floor(i / width)}, z ${k}); expected 0, 1, 2 or 3`);
      }
      classes[i] = index;
    }
    const id = `slice-${String(k).padStart(3, '0')}`;
    samples.push({ id, group: id, height, width, channels: 1, image: pixels, mask: classes });
  }
  return samples;
}

/** COVID-19 CT segmentation (MedicalSegmentation.com): `tr_im.nii[.gz]` and `tr_mask.nii[.gz]` in one folder. */
export function covidSource(options: SourceOptions): DatasetSource {
  return {
    ...sourceIdentity(options),
    classNames: COVID_CLASS_NAMES,
    classValues: COVID_CLASS_NAMES.map((_, index) => [COVID_MASK_VALUES.indexOf(index)]),
    inputChannels: 1,
    nativeSize: options.nativeSize ?? { height: 512, width: 512 },
    list(root) {
      const imageFile = firstExisting(root, ['tr_im.nii.gz', 'tr_im.nii']);
      const maskFile = firstExisting(root, ['tr_mask.nii.gz', 'tr_mask.nii']);
      const problems = [imageFile, maskFile].filter((file) => !existsSync(file)).map((file) => `${file}: file is missing (or the .nii variant)`);
      const entries = problems.length > 0 ? [] : [{
        files: [imageFile, maskFile],
        read: ({ huWindow }: ReadOptions) => {
          const { image, mask } = readVolumePair(imageFile, maskFile);
          return volumeSlices(image, mask, maskFile, huWindow ?? [...COVID_HU_WINDOW]);
        },
      }];
      return { entries, problems };
    },
  };
}

/** The real dataset, user-supplied: 100 axial slices of 512², 70/10/20 per fold, resized to 256². */
export const covid = covidSource({
  name: 'covid19-ct',
  title: 'COVID-19 CT segmentation (MedicalSegmentation.com, Jenssen 2020)',
  protocol: (samples) => ({ resizeTo: 256, patchSize: 256, validationGroups: Math.round(samples.length / 10), folds: 5 }),
});
