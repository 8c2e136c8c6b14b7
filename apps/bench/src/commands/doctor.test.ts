import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { collectDoctorReport, cudaSteps, formatDoctorReport } from './doctor';

describe('doctor', () => {
  it('reports every backend in auto order, finds wasm usable here and leaves the active backend alone', async () => {
    await tf.setBackend('cpu');
    const report = await collectDoctorReport();
    expect(report.backends.map((probe) => probe.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    expect(report.backends.map((probe) => probe.available)).toEqual([false, false, true, true]);
    expect(report.backends[0]?.detail).toMatch(/@tensorflow\/tfjs-node-gpu (is not installed|is installed but failed to load)/);
    expect(report.node).toBe(process.version);
    expect(report.versions['tfjs-core']).toBe(tf.version_core);
    expect(tf.getBackend()).toBe('cpu');
    const text = formatDoctorReport(report);
    expect(text).toContain('✓ wasm');
    expect(text).toContain('✗ tensorflow-gpu');
    expect(text).toContain('To train on a CUDA GPU:');
  });

  it('gives the CUDA steps with the versions and names tfjs-node-gpu 4.x really uses', () => {
    const steps = cudaSteps('/x/tfjs-node-gpu').join('\n');
    for (const needle of [
      'libtensorflow 2.9.1',
      'CUDA 11.2',
      'cuDNN 8.1',
      'LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64',
      'libtensorflow-gpu-linux-x86_64-2.9.1.tar.gz',
      'pnpm rebuild @tensorflow/tfjs-node-gpu',
      'TFJS_NODE_CDN_STORAGE',
      '/x/tfjs-node-gpu/scripts/custom-binary.json',
      '/x/tfjs-node-gpu/deps/lib/libtensorflow.so.2.9.1',
      'node scripts/install.js gpu',
    ]) {
      expect(steps).toContain(needle);
    }
  });

  it('matches the installed @tensorflow/tfjs-node-gpu: its libtensorflow version and install variables', () => {
    const packageDirectory = path.dirname(require.resolve('@tensorflow/tfjs-node-gpu/package.json', { paths: [path.resolve(__dirname, '../..')] }));
    const constants = readFileSync(path.join(packageDirectory, 'scripts/deps-constants.js'), 'utf8');
    const install = readFileSync(path.join(packageDirectory, 'scripts/install.js'), 'utf8');
    const version = /LIBTENSORFLOW_VERSION = '([\d.]+)'/.exec(constants)?.[1];
    const steps = cudaSteps().join('\n');
    expect(steps).toContain(`libtensorflow ${version}`);
    for (const variable of ['TFJS_NODE_CDN_STORAGE', 'TFJS_NODE_BASE_URI']) {
      expect(install).toContain(`process.env.${variable}`);
      expect(steps).toContain(variable);
    }
    expect(install).toContain("process.argv[3]"); // 'download' forces a download; without it deps/ is kept
  });
});
