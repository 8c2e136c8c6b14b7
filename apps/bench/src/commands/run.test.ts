import { join, resolve } from 'node:path';
import { exitCodeFor, EXIT_BAD_INPUT } from '../errors';
import { prepareSweep } from './run';

// The shipped presets as config files (jest cannot resolve the presets folder from import.meta).
const preset = (name: string): string => join(__dirname, '../../presets', `${name}.yaml`);

describe('run --fma', () => {
  it("sets the sweep's fusedMultiplyAdd before planning: every run config carries it, and its results go to <name>.fma.jsonl", () => {
    const exact = prepareSweep({ config: preset('smoke') }).sweep;
    const { sweep } = prepareSweep({ config: preset('smoke'), fma: true });
    expect(sweep.config.fusedMultiplyAdd).toBe(true);
    expect(sweep.runs.every((run) => run.config.fusedMultiplyAdd === true)).toBe(true);
    expect(sweep.runs.map((run) => run.id).filter((id) => exact.runs.some((other) => other.id === id))).toEqual([]);
    expect(exact.resultsFile).toBe(resolve('results/smoke.jsonl'));
    expect(sweep.resultsFile).toBe(resolve('results/smoke.fma.jsonl'));
    // A shard of it: the same FMA runs, shard by shard.
    const shard = prepareSweep({ config: preset('smoke'), fma: true, shard: '1/2' }).sweep;
    expect(shard.resultsFile).toBe(resolve('results/smoke.fma.shard-1-of-2.jsonl'));
    expect(shard.runs.map((run) => run.id)).toEqual(sweep.runs.filter((_, index) => index % 2 === 1).map((run) => run.id));
  });

  it('with a sweep on another backend than wasm: a bad-input error naming --fma and the backend (exit 2)', () => {
    let error: unknown;
    try {
      prepareSweep({ config: preset('paper'), fma: true });
    } catch (caught) {
      error = caught;
    }
    expect((error as Error).message).toBe(
      `run.fma: --fma needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is "tensorflow-gpu" (in ${preset('paper')})`,
    );
    expect(exitCodeFor(error)).toBe(EXIT_BAD_INPUT);
  });
});
