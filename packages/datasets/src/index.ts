/**
 * @tfseg/datasets — the user's own data in a folder (`folderDataset`), the paper's three datasets (Sec. 4.1) read from the files their publishers distribute
 * (Drosophila ssTEM, COVID-19 CT, CHASE_DB1), synthetic stand-ins written in the same formats, the paper's
 * per-fold protocol (patches, resizing, reduced training sets) and seeded augmentation into tfjs batches.
 */
export { getDataset, listDatasets, registerDataset, type DatasetName } from './registry.js';
export {
  datasetDescriptorSchema,
  loadOptionsSchema,
  protocolSchema,
  type CheckReport,
  type DatasetDescriptor,
  type DatasetStats,
  type LoadedDataset,
  type LoadOptions,
  type Protocol,
  type Sample,
} from './dataset.js';
export { prepareFold, prepareFoldOptionsSchema, type PrepareFoldOptions, type PreparedFold } from './prepare-fold.js';
export type { PatchSet } from './patch-set.js';
export { trainingBatches, trainingBatchesOptionsSchema, type TrainingBatchesOptions } from './training-batches.js';
export { toTensors } from './tensors.js';
export { statsOf } from './source.js';
export { DROSOPHILA_CLASS_NAMES, DROSOPHILA_LABEL_VALUES } from './drosophila.js';
export { COVID_CLASS_NAMES, COVID_MASK_VALUES, COVID_HU_WINDOW } from './covid.js';
export { CHASE_CLASS_NAMES } from './chase.js';
export {
  folderDataset,
  folderDatasetConfigSchema,
  folderClassSchema,
  folderContentHash,
  readFolderDatasetConfig,
  splitImageName,
  isNiftiFile,
  volumeSliceId,
  readImageFile,
  readImageFileOptionsSchema,
  type ReadImageFileOptions,
  type ImageFile,
  FOLDER_DATASET_NAME,
  FOLDER_CONFIG_FILES,
  DEFAULT_VOLUME_WINDOW,
  type FolderDatasetConfig,
} from './folder.js';
export {
  writeSyntheticDrosophila,
  writeSyntheticCovid,
  writeSyntheticChase,
  syntheticDrosophilaOptionsSchema,
  syntheticCovidOptionsSchema,
  syntheticChaseOptionsSchema,
  type SyntheticDrosophilaOptions,
  type SyntheticCovidOptions,
  type SyntheticChaseOptions,
  type SyntheticFiles,
} from './synthetic.js';
export { readNifti, readVolumePair, writeNifti, writeNiftiOptionsSchema, type NiftiVolume, type NiftiDatatype, type WriteNiftiOptions } from './nifti.js';
export { readTiff, writeTiff } from './tiff.js';
export { readPng, writePng } from './png.js';
export { readJpeg, writeJpeg } from './jpeg.js';
export { resizeImage, resizeMask, type ResizeMethod } from './resize.js';
export type { Raster } from './raster.js';
export { findDataFolder, DATA_DIRECTORY_VARIABLE } from './data-root.js';
export { DatasetError, DatasetsError } from './errors.js';
