import { z } from 'zod';

/** One image (or CT slice) and its mask, at native resolution. */
export interface Sample {
  /** Unique within the dataset: file stem (`00`, `Image_01L`) or slice (`slice-042`). */
  id: string;
  /** Cross-validation group: the source image, slice or subject (CHASE: the child, so 01L and 01R stay together). */
  group: string;
  height: number;
  width: number;
  /** Input channels (1 grey, 3 RGB). */
  channels: number;
  /** HWC intensities in [0, 1], row 0 at the top. */
  image: Float32Array;
  /** HW class indices into the dataset's `classNames`. */
  mask: Uint8Array;
}

/** How the paper prepares a dataset for training (Sec. 4.1); {@link prepareFold} applies it. */
export const protocolSchema = z.object({
  /** Side length every image is resized to first (COVID-19 CT and CHASE: 256); absent keeps the native size (Drosophila). */
  resizeTo: z.number().int().positive().optional(),
  /** Patch side after resizing (Drosophila: 256 patches of 1024² images; COVID/CHASE: the whole 256² image). */
  patchSize: z.number().int().positive(),
  /** Random training crops per fold (Drosophila: 48); absent: training images are tiled like validation and test. */
  trainPatches: z.number().int().positive().optional(),
  /** Groups carved from each fold's training part for validation. */
  validationGroups: z.number().int().nonnegative(),
  /** Number of cross-validation folds. */
  folds: z.number().int().min(2),
});
/** How the paper prepares a dataset for training. */
export type Protocol = z.infer<typeof protocolSchema>;

/** What {@link DatasetDescriptor.load} returns: every sample at native resolution, with the paper's protocol. */
export interface LoadedDataset {
  name: string;
  /** Class names in the paper's table order; mask value `i` is `classNames[i]`. */
  classNames: string[];
  inputChannels: number;
  samples: Sample[];
  protocol: Protocol;
}

/** Options of {@link DatasetDescriptor.load}. */
export const loadOptionsSchema = z
  .object({
    /** Folder holding the dataset as its publisher distributes it; default: the descriptor's `defaultRoot`. */
    root: z.string().min(1).optional(),
    /** COVID-19 CT only: Hounsfield window mapped to [0, 1] (values outside are clamped). */
    huWindow: z
      .tuple([z.number(), z.number()])
      .refine(([low, high]) => high > low, { message: 'huWindow must be [low, high] with high > low' })
      .optional(),
  })
  .strict();
/** Options accepted by {@link DatasetDescriptor.load}. */
export type LoadOptions = z.input<typeof loadOptionsSchema>;

/** The result of {@link DatasetDescriptor.check}. */
export interface CheckReport {
  name: string;
  root: string;
  /** Number of files that were read and validated. */
  filesChecked: number;
  /** One line per missing, unreadable or invalid file; empty when the folder is complete and valid. */
  problems: string[];
}

/** The result of {@link DatasetDescriptor.stats}: counts at native resolution, before any resizing. */
export interface DatasetStats {
  name: string;
  /** Images (CHASE, Drosophila) or slices (COVID-19 CT, NIfTI volumes of a folder). */
  images: number;
  /** Height shared by every sample; absent when sizes differ (a folder dataset may mix them). */
  height?: number;
  /** Width shared by every sample; absent when sizes differ. */
  width?: number;
  /** Class names in the paper's table order. */
  classes: string[];
  /** Pixels of each class over all images, in the order of `classes`. */
  pixelCounts: number[];
}

/** Validates the data part of a descriptor when it is registered. */
export const datasetDescriptorSchema = z.object({
  name: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'a kebab-case name'),
  title: z.string().min(1),
  classNames: z.array(z.string().min(1)).min(2).max(255),
  classValues: z.array(z.array(z.number().int().nonnegative()).min(1)).optional(),
  inputChannels: z.number().int().positive(),
  nativeSize: z.object({ height: z.number().int().positive(), width: z.number().int().positive() }),
  defaultRoot: z.string().optional(),
  load: z.custom<DatasetDescriptor['load']>((value) => typeof value === 'function', 'a function'),
  check: z.custom<DatasetDescriptor['check']>((value) => typeof value === 'function', 'a function'),
  stats: z.custom<DatasetDescriptor['stats']>((value) => typeof value === 'function', 'a function'),
});

/** A dataset by name: what it holds, where it lives, and how to load, check and count it. */
export interface DatasetDescriptor {
  name: string;
  /** Human-readable title with its source. */
  title: string;
  /** Class names in the paper's table order (Tables 1–3). */
  classNames: string[];
  /**
   * The mask values of each class as stored in the dataset's files (Drosophila membrane: 0, 32, 64, 96,
   * 128); the first is the one a prediction writes back, so it reads like the dataset's own masks.
   */
  classValues?: number[][];
  inputChannels: number;
  /** Size of the published images (informational; files are checked against each other). */
  nativeSize: { height: number; width: number };
  /** Where the data is found when no `root` is given (the vendored Drosophila copy, a synthetic cache). */
  defaultRoot?: string;
  /** Reads and validates every file; throws a DatasetError naming every problem, never returns a partial dataset. */
  load(options?: LoadOptions): Promise<LoadedDataset>;
  /** Reads and validates every file, collecting every problem instead of throwing. */
  check(root?: string): Promise<CheckReport>;
  /** Image count, native size and per-class pixel counts at native resolution. */
  stats(root?: string): Promise<DatasetStats>;
}
