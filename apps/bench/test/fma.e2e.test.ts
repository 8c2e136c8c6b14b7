/**
 * End to end through the built CLI: fused multiply-adds (`--fma`, the config's `fusedMultiplyAdd`) on wasm.
 * A tiny sweep with `--fma` runs in two processes (the parent and a forked worker, which gets the setting
 * from the run configs it is sent); its records say which arithmetic trained them — what selectBackend
 * reports, seen here through `speed --fma --json` — under run ids of their own. Never asserts `fused`: a
 * CPU without FMA3 computes the default arithmetic and says `separate`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, useTestSweep, writeTestConfig } from './cli';

interface FmaRecord {
  id: string;
  status: string;
  config: { loss: { name: string }; fusedMultiplyAdd?: boolean };
  environment: { device: { candidate: string; multiplyAdd?: string } };
}

const sweep = useTestSweep();

/** The device `speed` reports (selectBackend's), timing one tiny step. */
function speedDevice(...flags: string[]): { candidate: string; multiplyAdd?: string } {
  const result = runCli(['speed', '--backend', 'wasm', '--threads', '1', '--size', '16', '--width', '2', '--batch', '1', '--steps', '1', '--warmup', '0', '--json', ...flags]);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as { device: { candidate: string; multiplyAdd?: string } }).device;
}

describe('fused multiply-adds', () => {
  it('are refused with any backend but wasm: exit 2, one line naming --fma (or the field) and the backend, nothing written', () => {
    const rule = "needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is";
    const run = runCli(['run', '--preset', 'paper', '--fma', '--out', join(sweep.directory, 'never.jsonl')]);
    expect(run).toMatchObject({ status: 2, stderr: `tfseg-bench: run.fma: --fma ${rule} "tensorflow-gpu" (in preset paper)\n` });
    expect(runCli(['speed', '--fma'])).toMatchObject({ status: 2, stderr: `tfseg-bench: speed.fma: --fma ${rule} "auto"\n` });
    const train = runCli(['train', '--dataset', 'drosophila', '--model', 'unet', '--loss', 'ml', '--backend', 'cpu', '--fma', '--out', join(sweep.directory, 'never-model')]);
    expect(train).toMatchObject({ status: 2, stderr: `tfseg-bench: train.fusedMultiplyAdd: --fma ${rule} "cpu"\n` });
    const cpuConfig = writeTestConfig(sweep.directory, { backend: 'cpu', fusedMultiplyAdd: true }, 'cpu-fma.json');
    expect(runCli(['run', '--config', cpuConfig, '--out', join(sweep.directory, 'never.jsonl')])).toMatchObject({ status: 2, stderr: `tfseg-bench: config.fusedMultiplyAdd: ${rule} "cpu"\n` });
    expect(existsSync(join(sweep.directory, 'never.jsonl')) || existsSync(join(sweep.directory, 'never-model'))).toBe(false);
  });

  it('run --fma: every record says the arithmetic selectBackend reports, under ids apart from the exact runs’, in reports of their own', () => {
    const fusedDevice = speedDevice('--fma');
    expect(fusedDevice.candidate).toBe('wasm');
    expect(['separate', 'fused']).toContain(fusedDevice.multiplyAdd);
    expect(speedDevice().multiplyAdd).toBe('separate');

    const exactFile = join(sweep.directory, 'exact.jsonl');
    expect(runCli(['run', '--config', sweep.config, '--out', exactFile, '--no-report']).status).toBe(0);
    const fusedFile = join(sweep.directory, 'fused.jsonl');
    // Two processes: the parent runs one run and a forked worker the other, each told by the run's config.
    const fused = runCli(['run', '--config', sweep.config, '--out', fusedFile, '--fma', '--workers', '2']);
    expect(fused.stderr).toMatch(/e2e: 2 runs, 0 already done, 2 to run on [12] workers? \(backend wasm with fused multiply-adds, 1 wasm thread each\)/);
    expect(fused.status).toBe(0);

    const exactRecords = readRecords(exactFile) as unknown as FmaRecord[];
    const fusedRecords = readRecords(fusedFile) as unknown as FmaRecord[];
    expect(fusedRecords.map((record) => [record.status, record.config.loss.name, record.config.fusedMultiplyAdd])).toEqual([
      ['ok', 'ce', true],
      ['ok', 'ml', true],
    ]);
    for (const record of fusedRecords) expect(record.environment.device).toMatchObject({ candidate: 'wasm', multiplyAdd: fusedDevice.multiplyAdd });
    for (const record of exactRecords) {
      expect('fusedMultiplyAdd' in record.config).toBe(false);
      expect(record.environment.device.multiplyAdd).toBe('separate');
    }
    const exactIds = exactRecords.map((record) => record.id);
    expect(exactIds).toHaveLength(2);
    expect(fusedRecords.filter((record) => exactIds.includes(record.id))).toEqual([]);

    // Resume keys on the ids: the exact sweep finds none of its runs in the FMA file, the FMA sweep finds both.
    const planOf = (...flags: string[]) => JSON.parse(runCli(['run', '--config', sweep.config, '--out', fusedFile, '--dry-run', '--json', ...flags]).stdout) as { done: number; fusedMultiplyAdd: boolean };
    expect(planOf()).toMatchObject({ done: 0, fusedMultiplyAdd: false });
    expect(planOf('--fma')).toMatchObject({ done: 2, fusedMultiplyAdd: true });

    // Merged, the four runs stay four, and the report shows the FMA runs as a setting of their own.
    const merged = join(sweep.directory, 'merged.jsonl');
    expect(JSON.parse(runCli(['merge', exactFile, fusedFile, '--out', merged, '--json']).stdout)).toMatchObject({ runs: 4, ok: 4, warnings: [] });
    expect(runCli(['report', merged, '--out', join(sweep.directory, 'report')]).status).toBe(0);
    const markdown = readFileSync(join(sweep.directory, 'report', 'report.md'), 'utf8');
    expect(markdown).toContain('Drosophila · U-Net · Full data');
    expect(markdown).toContain('Drosophila · U-Net (fused multiply-add) · Full data');
    expect(markdown).toMatch(/\| Backend \| wasm, wasm with fused multiply-adds \|/);
  });

  it('train --fma records the arithmetic in the model card', () => {
    const model = join(sweep.directory, 'model');
    const train = runCli(['train', '--dataset', 'drosophila', '--model', 'unet', '--preset', 'tiny', '--loss', 'ml', '--size', '32', '--scale', '0.125', '--epochs', '1', '--steps-per-epoch', '2', '--train-patches', '8', '--backend', 'wasm', '--threads', '1', '--fma', '--out', model]);
    expect(train.status).toBe(0);
    const card = JSON.parse(readFileSync(join(model, 'tfseg.json'), 'utf8')) as { device: { device: { candidate: string; multiplyAdd?: string } } };
    expect(card.device.device).toMatchObject({ candidate: 'wasm', multiplyAdd: speedDevice('--fma').multiplyAdd });
  });
});
