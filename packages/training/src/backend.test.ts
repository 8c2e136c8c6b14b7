import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TrainingError } from './errors';
import { probeBackends, selectBackend } from './backend';

/**
 * A project where @tensorflow/tfjs-node-gpu is installed but its native addon is missing (what a blocked
 * libtensorflow download leaves): the package throws tfjs-node's own message when loaded.
 */
function projectWithBrokenTfjsNodeGpu(): string {
  const project = mkdtempSync(path.join(tmpdir(), 'tfseg-backend-'));
  const packageDirectory = path.join(project, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  mkdirSync(packageDirectory, { recursive: true });
  writeFileSync(path.join(packageDirectory, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'index.js' }));
  writeFileSync(
    path.join(packageDirectory, 'index.js'),
    `throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: ${packageDirectory}/lib/napi-v8/tfjs_binding.node. \\nPlease run command \\'npm rebuild @tensorflow/tfjs-node-gpu build-addon-from-source\\' to rebuild the native addon module.');\n`,
  );
  return project;
}

describe('selectBackend', () => {
  let previous = '';
  let benchDirectory = '';
  beforeAll(async () => {
    await tf.ready();
    previous = tf.getBackend();
    benchDirectory = projectWithBrokenTfjsNodeGpu();
  });
  afterEach(async () => {
    await tf.setBackend(previous);
  });
  afterAll(() => rmSync(benchDirectory, { recursive: true, force: true }));

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

  it('tensorflow-gpu is libtensorflow on CUDA or nothing: it fails naming what is missing, never falls back', async () => {
    const failure = selectBackend('tensorflow-gpu', { searchPaths: [benchDirectory] });
    await expect(failure).rejects.toThrow(TrainingError);
    await expect(selectBackend('tensorflow-gpu', { searchPaths: [benchDirectory] })).rejects.toThrow(
      /backend 'tensorflow-gpu' is not available \(tensorflow-gpu: @tensorflow\/tfjs-node-gpu is installed but failed to load: .*tfjs_binding\.node.*\)\. `tensorflow-gpu` trains on a CUDA GPU or not at all: it needs an NVIDIA driver, the CUDA 11\.2 runtime \(libcudart\.so\.11\.0\), cuDNN 8\.1 \(libcudnn\.so\.8\)/,
    );
    expect(tf.getBackend()).toBe(previous);
  });

  it('the chosen backend comes with the device it trains on', async () => {
    const selection = await selectBackend('wasm', { searchPaths: [benchDirectory] });
    expect(selection.device).toMatchObject({ candidate: 'wasm', gpu: null, threads: selection.threads, tfjsVersion: tf.version_core, libtensorflowVersion: null });
    expect(selection.device.cpu.logicalCpus).toBeGreaterThanOrEqual(1);
    expect(selection.device.cpu.model).not.toBe('');
    expect((await selectBackend('cpu')).device).toMatchObject({ candidate: 'cpu', gpu: null });
  });

  it('an unknown backend is an Error naming it and listing the valid ones', async () => {
    await expect(selectBackend('webgpu')).rejects.toThrow("Error in selectBackend: unknown backend 'webgpu'; expected one of 'auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'");
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
