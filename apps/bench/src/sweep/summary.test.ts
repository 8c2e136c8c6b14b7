import { makeRecord } from '../report/__fixtures__/synthetic-records';
import { formatSweepSummary, sweepSummary } from './summary';

describe('the end-of-sweep summary', () => {
  it('names each setting with its variant, so exact and fused multiply-add runs of one config show as two settings', () => {
    const exact = makeRecord({ loss: { name: 'ml' }, classIoU: [0.6, 0.6, 0.6, 0.6, 0.6] });
    const fused = { ...exact, id: 'fma', config: { ...exact.config, backend: 'wasm' as const, fusedMultiplyAdd: true as const } };
    expect(formatSweepSummary([exact, fused]).split('\n').filter((line) => line.startsWith('drosophila'))).toEqual([
      'drosophila · unet · fraction 1',
      'drosophila · unet (fused multiply-add) · fraction 1',
    ]);
    expect(sweepSummary([exact, fused]).map((setting) => [setting.variant, setting.losses[0]!.n])).toEqual([
      ['', 1],
      ['fused multiply-add', 1],
    ]);
  });
});
