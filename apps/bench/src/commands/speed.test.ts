import * as tf from '@tensorflow/tfjs';
import { arithmeticNote, runSpeedCommand } from './speed';

describe('speed', () => {
  it('times the plain U-Net on the chosen backend and reports the settings it ran', async () => {
    const before = tf.memory().numTensors;
    const result = await runSpeedCommand({ backend: 'wasm', threads: '2', size: '16', width: '2', batch: '2', steps: '2', warmup: '1' });
    expect(result).toMatchObject({ model: 'unet', preset: 'tiny', batchNorm: false, backend: 'wasm', threads: 2, size: 16, width: 2, batch: 2, steps: 2 });
    expect(result.medianStepMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('times the model and preset a user trains: the preset’s width and batch norm unless overridden', async () => {
    const before = tf.memory().numTensors;
    const transUnet = await runSpeedCommand({ backend: 'wasm', threads: '2', model: 'transunet', preset: 'tiny', size: '32', batch: '1', steps: '1', warmup: '0' });
    expect(transUnet).toMatchObject({ model: 'transunet', preset: 'tiny', width: 4, batchNorm: true, size: 32, batch: 1 });
    expect(transUnet.parameters).toBeGreaterThan(0);
    const unet = await runSpeedCommand({ backend: 'wasm', threads: '2', model: 'unet', preset: 'small', width: '2', batchNorm: false, size: '16', batch: '1', steps: '1', warmup: '0' });
    expect(unet).toMatchObject({ model: 'unet', preset: 'small', width: 2, batchNorm: false });
    // Without a preset: the plain U-Net, with batch norm only when asked for.
    const plainWithBatchNorm = await runSpeedCommand({ backend: 'wasm', threads: '2', width: '2', batchNorm: true, size: '16', batch: '1', steps: '1', warmup: '0' });
    expect(plainWithBatchNorm).toMatchObject({ model: 'unet', preset: 'tiny', width: 2, batchNorm: true });
    expect(plainWithBatchNorm.parameters).not.toBe(unet.parameters); // the same U-Net, batch norm the only difference
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a bad flag and its rule', async () => {
    await expect(runSpeedCommand({ backend: 'wasm', model: 'resnet' as 'unet' })).rejects.toThrow(/^speed\.model: /);
    await expect(runSpeedCommand({ backend: 'wasm', preset: 'huge' as 'tiny' })).rejects.toThrow(/^speed\.preset: /);
    await expect(runSpeedCommand({ backend: 'wasm', size: '0' })).rejects.toThrow(/^speed\.size: /);
    await expect(runSpeedCommand({ backend: 'gpu' as 'wasm' })).rejects.toThrow(/^speed\.backend: /);
    await expect(runSpeedCommand({ backend: 'wasm', threads: 'many' })).rejects.toThrow('speed.threads: must be auto or a whole number from 1 to 9');
    await expect(runSpeedCommand({ backend: 'wasm', threads: '12' })).rejects.toThrow('speed.threads: must be auto or a whole number from 1 to 9');
    // --fma on any backend but wasm (the default is auto), before a backend starts.
    const fma = "speed.fma: --fma needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is";
    await expect(runSpeedCommand({ fma: true })).rejects.toThrow(`${fma} "auto"`);
    await expect(runSpeedCommand({ backend: 'cpu', fma: true })).rejects.toThrow(`${fma} "cpu"`);
  });

  it('says what the arithmetic was when it is not the default', () => {
    const device = { candidate: 'wasm', gpu: null, cpu: { model: 'x', logicalCpus: 2 }, threads: 1, tfjsVersion: '4.22.0', libtensorflowVersion: null } as const;
    expect(arithmeticNote({ ...device, multiplyAdd: 'fused' }, true)).toBe(', fused multiply-adds');
    expect(arithmeticNote({ ...device, multiplyAdd: 'separate' }, true)).toBe(', --fma asked for, but this CPU does not fuse: the default arithmetic');
    expect(arithmeticNote({ ...device, multiplyAdd: 'separate' }, false)).toBe('');
    expect(arithmeticNote(device, false)).toBe('');
  });

  it('passes the model builder’s error for a size the U-Net cannot take', async () => {
    await expect(runSpeedCommand({ backend: 'wasm', size: '20', width: '2', steps: '1', warmup: '0' })).rejects.toThrow(/inputSize 20/);
  });
});
