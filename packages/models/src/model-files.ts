import type * as FileSystem from 'node:fs/promises';
import type * as Path from 'node:path';
import { io } from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { ModelArgumentError } from './errors';
import { registerCustomLayers } from './layers';

/** File names inside a saved model's directory (the layout of tfjs' own `file://` handler). */
export const MODEL_FILE = 'model.json';
/** File holding all weights, concatenated in manifest order. */
export const WEIGHTS_FILE = 'weights.bin';

// node:fs and node:path are imported lazily so that bundling this package for a browser still works.
async function nodeModules(): Promise<{ fs: typeof FileSystem; path: typeof Path }> {
  const [fs, path] = await Promise.all([import('node:fs/promises'), import('node:path')]);
  return { fs, path };
}

/**
 * Writes `file` whole or not at all: a temporary file beside it, flushed to disk, then renamed over it.
 * (@tfseg/training's writeFileAtomic does the same for the other packages; models is a leaf and keeps
 * its own few lines.) The temporary file is removed if anything fails.
 */
async function writeFileAtomically(fs: typeof FileSystem, file: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  try {
    const handle = await fs.open(temporary, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw new ModelArgumentError(`Error in saveModel: cannot write ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A tfjs `IOHandler` that saves to and loads from a directory: `model.json` (topology, weight manifest,
 * training config) and `weights.bin`. tfjs-node's `file://` handler needs libtensorflow, so we write our own.
 */
export function directoryHandler(directory: string): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      const { fs, path } = await nodeModules();
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new ModelArgumentError('Error in saveModel: binary model topologies are not supported');
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0) : io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        trainingConfig: artifacts.trainingConfig,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await fs.mkdir(directory, { recursive: true });
      // Weights first, model.json last: model.json is what loadModel reads first, so it only ever names
      // complete files, and a crash mid-save leaves the previous model.json (or none), never half a file.
      await writeFileAtomically(fs, path.join(directory, WEIGHTS_FILE), new Uint8Array(weights));
      await writeFileAtomically(fs, path.join(directory, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<io.ModelArtifacts> {
      const { fs, path } = await nodeModules();
      const modelPath = path.join(directory, MODEL_FILE);
      let modelJson: io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(modelPath, 'utf8')) as io.ModelJSON;
      } catch (error) {
        throw new ModelArgumentError(`Error in loadModel: cannot read ${modelPath}: ${(error as Error).message}`, { cause: error });
      }
      const weightSpecs = modelJson.weightsManifest.flatMap((group) => group.weights);
      const buffers = await Promise.all(
        modelJson.weightsManifest.flatMap((group) => group.paths).map(async (file) => {
          const bytes = await fs.readFile(path.join(directory, file));
          return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        }),
      );
      return io.getModelArtifactsForJSON(modelJson, async () => [weightSpecs, io.CompositeArrayBuffer.join(buffers)]);
    },
  };
}

/** Saves a model's topology and weights to `directory` (created if missing) as `model.json` + `weights.bin`. */
export async function saveModel(model: LayersModel, directory: string): Promise<void> {
  await model.save(directoryHandler(directory));
}

/** Loads a model saved by {@link saveModel} (registers the custom layers first). */
export async function loadModel(directory: string): Promise<LayersModel> {
  registerCustomLayers();
  return loadLayersModel(directoryHandler(directory));
}
