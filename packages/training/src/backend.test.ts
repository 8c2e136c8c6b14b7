import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TrainingError } from './errors';
import { probeBackends, selectBackend } from './backend';

/** apps/bench lists @tensorflow/tfjs-node-gpu as an optional dependency; here its native addon is missing. */
const benchDirectory = path.resolve(__dirname, '../../../apps/bench');

describe('selectBackend', () => {
  let previous = '';
  beforeAll(async () => {
    await tf.ready();
    previous = tf.getBackend();
  });
  afterEach(async () => {
    await tf.setBackend(previous);
  });

  it('auto picks wasm here and says why libtensorflow (GPU and CPU) was skipped', async () => {
    const selection = await selectBackend('auto', { searchPaths: [benchDirectory] });
    expect(selection.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(selection.reason).toMatch(/^auto: WebAssembly/);
    expect(selection.skipped.map((entry) => entry.backend)).toEqual(['tensorflow-gpu', 'tensorflow']);
    expect(selection.skipped[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is installed but failed to load: The Node.js native addon module \(tfjs_binding.node\) can not be found/);
    expect(selection.skipped[1]?.reason).toMatch(/@tensorflow\/tfjs-node is not installed/);
  });

  it('cpu and wasm can be chosen by name, with nothing skipped', async () => {
    expect(await selectBackend('cpu')).toMatchObject({ backend: 'cpu', candidate: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toMatchObject({ backend: 'wasm', skipped: [] });
    expect(tf.getBackend()).toBe('wasm');
    // The stock wasm backend has no filter gradient; selecting wasm registers the training kernels.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('an explicit tensorflow request fails saying what is missing and how to install it', async () => {
    const failure = selectBackend('tensorflow', { searchPaths: [benchDirectory] });
    await expect(failure).rejects.toThrow(TrainingError);
    await expect(selectBackend('tensorflow', { searchPaths: [benchDirectory] })).rejects.toThrow(
      /backend 'tensorflow' is not available \(tensorflow-gpu: @tensorflow\/tfjs-node-gpu is installed but failed to load: .*tfjs_binding\.node.*; tensorflow: @tensorflow\/tfjs-node is not installed.*\)\. Install `@tensorflow\/tfjs-node`.*npm rebuild/,
    );
  });

  it('an unknown backend is an Error naming it and listing the valid ones', async () => {
    await expect(selectBackend('webgpu')).rejects.toThrow("Error in selectBackend: unknown backend 'webgpu'; expected one of 'auto', 'tensorflow', 'wasm', 'cpu'");
  });

  it('bad options name the field', async () => {
    await expect(selectBackend('cpu', { searchPaths: [''] })).rejects.toThrow(/Error in selectBackend: invalid options: searchPaths\.0: /);
  });

  it('probeBackends reports every candidate and leaves the active backend alone', async () => {
    await tf.setBackend('cpu');
    const probes = await probeBackends({ searchPaths: [benchDirectory] });
    expect(probes.map((probe) => [probe.backend, probe.available])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['wasm', true],
      ['cpu', true],
    ]);
    expect(tf.getBackend()).toBe('cpu');
  });
});
