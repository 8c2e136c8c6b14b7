import { parseSweepConfig } from '../config/sweep-config';
import { createBaseline } from '../results/baseline';
import { testRecord } from '../results/__fixtures__/records';
import { planSweep } from '../sweep/plan';
import { fusedMultiplyAddWarning } from './regress';

const sweep = { datasets: ['synthetic-drosophila'], models: [{ name: 'unet', preset: 'tiny' }], losses: [{ name: 'ce' }, { name: 'ml' }], foldIndices: [0], imageSize: 32, epochs: 1, backend: 'wasm' };
const baselineOf = (runs: ReturnType<typeof planSweep>) => createBaseline('s', runs.map((run) => ({ ...testRecord(run.config, 'ok'), id: run.id })));

describe('regress with fused multiply-adds', () => {
  it('warns in one line when the baseline holds FMA runs (or --update is about to write them), and says nothing for exact ones', () => {
    const exact = planSweep(parseSweepConfig(sweep));
    const fused = planSweep(parseSweepConfig({ ...sweep, fusedMultiplyAdd: true }));
    expect(fusedMultiplyAddWarning(exact, baselineOf(exact), 'smoke.json')).toBeUndefined();
    expect(fusedMultiplyAddWarning(exact, undefined, 'smoke.json')).toBeUndefined();
    const warning = fusedMultiplyAddWarning(fused, baselineOf(fused), 'fma.json');
    expect(warning).toBe(
      'tfseg-bench: warning: 2 run(s) of fma.json use fused multiply-adds (fusedMultiplyAdd): they reproduce only on a CPU that fuses as the one that wrote it did, so keep this baseline out of checks on other machines',
    );
    expect(warning).not.toContain('\n');
    expect(fusedMultiplyAddWarning(fused, undefined, 'fma.json')).toBe(warning);
    // An FMA sweep against an exact baseline: no FMA run in the baseline (its runs are reported missing and new instead).
    expect(fusedMultiplyAddWarning(fused, baselineOf(exact), 'smoke.json')).toBeUndefined();
  });
});
