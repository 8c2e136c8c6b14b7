/**
 * End to end through the built CLI: `--json` of run (plan with --dry-run, summary otherwise), merge,
 * report and regress prints one JSON document on stdout while progress stays on stderr, and every record
 * carries the device that trained it.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, temporaryDirectory, writeTestConfig } from './cli';

let directory: string;
let config: string;

beforeAll(() => {
  directory = temporaryDirectory();
  config = writeTestConfig(directory);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('--json', () => {
  it('run --dry-run --json prints the plan and writes nothing', () => {
    const results = join(directory, 'plan.jsonl');
    const result = runCli(['run', '--config', config, '--out', results, '--dry-run', '--json']);
    expect(result.status).toBe(0);
    const plan = JSON.parse(result.stdout) as { sweep: string; runs: number; todo: number; done: number; backend: string; plan: { id: string; done: boolean; config: { loss: { name: string } } }[] };
    expect(plan).toMatchObject({ sweep: 'e2e', runs: 2, todo: 2, done: 0, backend: 'wasm' });
    expect(plan.plan.map((run) => run.config.loss.name)).toEqual(['ce', 'ml']);
    expect(plan.plan.every((run) => /^[0-9a-f]{16}$/.test(run.id) && !run.done)).toBe(true);
    expect(result.stderr).toContain('e2e: 2 runs, 0 already done');
    expect(existsSync(results)).toBe(false);
  });

  it('run --json prints the summary; records carry the device; merge and report --json describe what they wrote', () => {
    const results = join(directory, 'run.jsonl');
    const run = runCli(['run', '--config', config, '--out', results, '--json']);
    expect(run.status).toBe(0);
    const summary = JSON.parse(run.stdout) as { ran: number; ok: number; failed: unknown[]; report: string; settings: { dataset: string; losses: { loss: string; n: number; meanIoU: { mean: number } }[] }[] };
    expect(summary).toMatchObject({ ran: 2, ok: 2, failed: [], report: join(directory, 'run-report', 'report.html') });
    const records = readRecords(results) as unknown as { meanIoU: number; config: { loss: { name: string } }; environment: { device: { candidate: string; gpu: null; cpu: { model: string; logicalCpus: number }; tfjsVersion: string } } }[];
    expect(summary.settings).toHaveLength(1);
    const byLoss = Object.fromEntries(summary.settings[0]!.losses.map((row) => [row.loss, row.meanIoU.mean]));
    for (const record of records) {
      expect(byLoss[record.config.loss.name === 'ce' ? 'CE' : 'ML']).toBeCloseTo(record.meanIoU * 100, 10);
      expect(record.environment.device).toMatchObject({ candidate: 'wasm', gpu: null, tfjsVersion: '4.22.0' });
      expect(record.environment.device.cpu.logicalCpus).toBeGreaterThanOrEqual(1);
    }
    // The report's provenance section names the device.
    expect(readFileSync(join(directory, 'run-report', 'report.md'), 'utf8')).toMatch(/## Provenance[\s\S]*\| Drosophila · U-Net · Full data \| 2 \| .* · wasm \(\d threads?\) · tfjs 4\.22\.0 \| wasm \|/);

    const merged = join(directory, 'merged.jsonl');
    const merge = runCli(['merge', results, '--out', merged, '--json']);
    expect(merge.status).toBe(0);
    expect(JSON.parse(merge.stdout)).toEqual({ out: merged, files: [results], runs: 2, ok: 2, failed: 0, warnings: [] });

    const report = runCli(['report', merged, '--out', join(directory, 'merged-report'), '--json']);
    expect(report.status).toBe(0);
    const written = JSON.parse(report.stdout) as { html: string; files: string[] };
    expect(written.html).toBe(join(directory, 'merged-report', 'report.html'));
    expect(written.files.every((file) => existsSync(file))).toBe(true);
  });

  it('regress --json prints the comparison, passing and failing, with exit codes 0 and 1', () => {
    const baseline = join(directory, 'baseline.json');
    expect(runCli(['regress', '--config', config, '--baseline', baseline, '--update']).status).toBe(0);
    const pass = runCli(['regress', '--config', config, '--baseline', baseline, '--json']);
    expect(pass.status).toBe(0);
    expect(JSON.parse(pass.stdout)).toMatchObject({ sweep: 'e2e', runs: 2, passed: true, regressions: [] });
    const fail = runCli(['regress', '--config', config, '--baseline', baseline, '--json'], { env: { TFSEG_BENCH_FAULT: 'negate-loss' } });
    expect(fail.status).toBe(1);
    const comparison = JSON.parse(fail.stdout) as { passed: boolean; regressions: { id: string; problem: string }[] };
    expect(comparison.passed).toBe(false);
    expect(comparison.regressions.length).toBeGreaterThan(0);
  });
});
