import { testConfig } from '../results/__fixtures__/records';
import { estimateRunSeconds, estimateSweepMilliseconds } from './estimate';
import { estimateFlops } from '@tfseg/models';

describe('sweep time estimate', () => {
  const config = testConfig({ dataset: 'drosophila', imageSize: 64, epochs: 2, backend: 'wasm', data: { trainPatches: 8 } });
  const flops = estimateFlops({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 5, inputSize: 64 });

  it('counts 3 forward passes per trained patch and 1 per scored patch at the assumed throughput', () => {
    // 2 epochs × 8 patches trained, (2 + 1) × 16 patches scored, 1e10 FLOP/s on wasm.
    expect(estimateRunSeconds(config)).toBeCloseTo(((3 * 16 + 48) * flops) / 1e10, 9);
    expect(estimateRunSeconds({ ...config, fraction: 0.125 })).toBeCloseTo(((3 * 2 + 48) * flops) / 1e10, 9);
  });

  it('divides by the workers and gives up on unknown datasets', () => {
    expect(estimateSweepMilliseconds([config, config], 2)).toBeCloseTo(estimateRunSeconds(config) * 1000, 6);
    expect(estimateSweepMilliseconds([{ ...config, dataset: 'no-such-dataset' }], 1)).toBeUndefined();
  });
});
