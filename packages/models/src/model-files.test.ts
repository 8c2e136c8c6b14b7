import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectNoTensorLeak } from '@tfseg-internal/testing';
import { buildModel } from './build-model';
import { loadModel, saveModel } from './model-files';

let directory = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  directory = await mkdtemp(join(tmpdir(), 'tfseg-models-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('saveModel and loadModel', () => {
  it.each(['transunet', 'convformer-unet'] as const)('round-trip a tiny %s (every custom layer) with identical outputs', async (name) => {
    const model = buildModel({ name, preset: 'tiny', inChannels: 3, numClasses: 4, inputSize: 32, seed: 5 });
    const target = join(directory, name);
    await expectNoTensorLeak(() => saveModel(model, target));
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    const loaded = await loadModel(target);
    expect(loaded.countParams()).toBe(model.countParams());
    const image = tf.randomUniform([2, 32, 32, 3], 0, 1, 'float32', 9);
    const [expected, actual] = [model, loaded].map((m) => m.predict(image) as tf.Tensor);
    expect(Array.from(actual?.dataSync() ?? [])).toEqual(Array.from(expected?.dataSync() ?? []));
    tf.dispose([image, expected as tf.Tensor, actual as tf.Tensor]);
    model.dispose();
    loaded.dispose();
  });

  it('writes whole files or none: a failed save names the file and leaves no temporary file behind', async () => {
    const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 16, seed: 1 });
    const target = join(directory, 'blocked');
    await mkdir(join(target, 'model.json'), { recursive: true }); // a directory where model.json must go
    await expect(saveModel(model, target)).rejects.toThrow(/Error in saveModel: cannot write .*blocked\/model\.json/);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    await rm(join(target, 'model.json'), { recursive: true });
    await saveModel(model, target);
    expect((await readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    expect((await loadModel(target)).countParams()).toBe(model.countParams());
    model.dispose();
  });

  it('names the missing file when a directory holds no model', async () => {
    await expect(loadModel(join(directory, 'missing'))).rejects.toThrow(/Error in loadModel: cannot read .*missing\/model\.json/);
  });
});
