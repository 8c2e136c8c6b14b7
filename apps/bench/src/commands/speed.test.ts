import * as tf from '@tensorflow/tfjs';
import { runSpeedCommand } from './speed';

describe('speed', () => {
  it('times the plain U-Net on the chosen backend and reports the settings it ran', async () => {
    const before = tf.memory().numTensors;
    const result = await runSpeedCommand({ backend: 'wasm', threads: '2', size: '16', width: '2', batch: '2', steps: '2', warmup: '1' });
    expect(result).toMatchObject({ backend: 'wasm', threads: 2, size: 16, width: 2, batch: 2, steps: 2 });
    expect(result.medianStepMs).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a bad flag and its rule', async () => {
    await expect(runSpeedCommand({ backend: 'wasm', size: '0' })).rejects.toThrow(/^speed\.size: /);
    await expect(runSpeedCommand({ backend: 'gpu' as 'wasm' })).rejects.toThrow(/^speed\.backend: /);
    await expect(runSpeedCommand({ backend: 'wasm', threads: 'many' })).rejects.toThrow('speed.threads: must be auto or a whole number from 1 to 9');
    await expect(runSpeedCommand({ backend: 'wasm', threads: '12' })).rejects.toThrow('speed.threads: must be auto or a whole number from 1 to 9');
  });

  it('passes the model builder’s error for a size the U-Net cannot take', async () => {
    await expect(runSpeedCommand({ backend: 'wasm', size: '20', width: '2', steps: '1', warmup: '0' })).rejects.toThrow(/inputSize 20/);
  });
});
