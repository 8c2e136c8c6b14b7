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
    // The device a run would record: wasm on this machine's CPU, no GPU; nothing about CUDA is here.
    expect(report.device).toMatchObject({ candidate: 'wasm', gpu: null, libtensorflowVersion: null });
    expect(text).toContain(`A run with backend auto trains on: ${report.device.cpu.model} × ${report.device.cpu.logicalCpus} · wasm`);
    expect(report.gpu.gpus).toEqual([]);
    expect(report.gpu.missing).toEqual([expect.stringMatching(/^an NVIDIA driver/), expect.stringMatching(/^the CUDA 11\.2 runtime/), expect.stringMatching(/^cuDNN 8\.1/)]);
    expect(text).toContain('tensorflow-gpu lacks: an NVIDIA driver');
    // Node 20 has relaxed SIMD (behind the flag tfseg sets): --fma runs, fused or not depending on the CPU.
    expect(['fused', 'separate']).toContain(report.wasm.fusedMultiplyAdd);
    expect(text).toMatch(/fused multiply-add \(--fma\) (yes \(fused on this CPU|runs, but not fused on this CPU)/);
  });

  it('says in words what --fma would give in each case', () => {
    const base = { node: 'v20', platform: 'linux', versions: {}, backends: [], device: { candidate: 'wasm' as const, gpu: null, cpu: { model: 'CPU', logicalCpus: 2 }, threads: 1, tfjsVersion: '4', libtensorflowVersion: null }, tfjsNodeGpu: { installed: false as const }, cudaSteps: [] };
    const gpu = { driver: null, gpus: [], cudaRuntime: { soname: 'libcudart.so.11.0', path: null, version: null }, cudnn: { soname: 'libcudnn.so.8', path: null, version: null }, missing: [] };
    const text = (fusedMultiplyAdd: 'fused' | 'separate' | null): string => formatDoctorReport({ ...base, gpu, wasm: { simd: true, threads: true, fusedMultiplyAdd } });
    expect(text('fused')).toContain('fused multiply-add (--fma) yes (fused on this CPU: faster, other bits than without --fma)');
    expect(text('separate')).toContain('fused multiply-add (--fma) runs, but not fused on this CPU (no speed-up; the same bits as without --fma)');
    expect(text(null)).toContain('fused multiply-add (--fma) no (this engine lacks WebAssembly relaxed SIMD; --fma would fail)');
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
      'pnpm gpu:setup',
      'TFJS_NODE_CDN_STORAGE',
      '/x/tfjs-node-gpu/scripts/custom-binary.json',
      '/x/tfjs-node-gpu/deps/lib/libtensorflow.so.2.9.1',
      'node scripts/install.js gpu',
    ]) {
      expect(steps).toContain(needle);
    }
  });
});
