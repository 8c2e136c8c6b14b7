/**
 * @tfseg/datasets — the user's own data in a folder (`folderDataset`), the paper's three datasets (Sec. 4.1) read from the files their publishers distribute
 * (Drosophila ssTEM, COVID-19 CT, CHASE_DB1), synthetic stand-ins written in the same formats, the paper's
 * per-fold protocol (patches, resizing, reduced training sets) and seeded augmentation into tfjs batches.
 */
export { getDataset, listDatasets, registerDataset, type DatasetName } from './registry';
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
} from './dataset';
export {
  prepareFold,
  prepareFoldOptionsSchema,
  splitFold,
  splitFoldOptionsSchema,
  PROTOCOL_SPLIT_SEED,
  type FoldSplit,
  type PrepareFoldOptions,
  type PreparedFold,
  type SplitFoldOptions,
  type TrainSampling,
} from './prepare-fold';
export type { PatchSet, PatchSource } from './patch-set';
export { trainingBatches, trainingBatchesOptionsSchema, patchSources, DEFAULT_CROP_MIN_SCALE, type TrainingBatchesOptions } from './training-batches';
export { toTensors } from './tensors';
export { statsOf } from './source';
export { DROSOPHILA_CLASS_NAMES, DROSOPHILA_LABEL_VALUES } from './drosophila';
export { COVID_CLASS_NAMES, COVID_MASK_VALUES, COVID_HU_WINDOW } from './covid';
export { CHASE_CLASS_NAMES } from './chase';
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
} from './folder';
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
} from './synthetic';
export { MAX_NIFTI_VOXELS, niftiGeometrySchema, readNifti, readVolumePair, writeNifti, writeNiftiOptionsSchema, type NiftiGeometry, type NiftiVolume, type NiftiDatatype, type WriteNiftiOptions } from './nifti';
export { MAX_TIFF_BYTES, readTiff, writeTiff } from './tiff';
export { readPng, writePng } from './png';
export { readJpeg, writeJpeg } from './jpeg';
export { resizeImage, resizeMask, type ResizeMethod } from './resize';
export type { Raster } from './raster';
export { findDataFolder, DATA_DIRECTORY_VARIABLE } from './data-root';
export { DatasetError, DatasetsError } from './errors';
