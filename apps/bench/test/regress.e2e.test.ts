/**
 * `tfseg-bench regress` end to end: it passes on an unchanged tree and fails, with a table, when a loss is
 * broken for real (TFSEG_BENCH_FAULT=negate-loss makes every run train on the negated loss).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, temporaryDirectory, writeTestConfig } from './cli';

let directory: string;
beforeAll(() => (directory = temporaryDirectory()));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tfseg-bench regress', () => {
  it('passes against its own baseline and fails when a loss is broken', () => {
    const config = writeTestConfig(directory);
    const baseline = join(directory, 'baseline.json');
    const update = runCli(['regress', '--config', config, '--baseline', baseline, '--update']);
    expect(update.status).toBe(0);
    const runs = JSON.parse(readFileSync(baseline, 'utf8')).runs as Record<string, { meanIoU: number; run: string }>;
    expect(Object.values(runs).map((run) => run.run)).toEqual(expect.arrayContaining([expect.stringContaining(' CE '), expect.stringContaining(' ML ')]));

    const unchanged = runCli(['regress', '--config', config, '--baseline', baseline]);
    expect(unchanged.stdout).toContain('all 2 runs of e2e match');
    expect(unchanged.status).toBe(0);

    const broken = runCli(['regress', '--config', config, '--baseline', baseline], { env: { TFSEG_BENCH_FAULT: 'negate-loss' } });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toContain('2 of 2 runs differ');
    expect(broken.stdout).toContain('| run id | run | baseline mIoU | current mIoU | Δ | problem |');
    for (const id of Object.keys(runs)) expect(broken.stdout).toMatch(new RegExp(`\\| ${id} \\|.*\\| moved by more than 0\\.000001 \\|`));
  });

  it('refuses a baseline made from another sweep', () => {
    const config = writeTestConfig(directory, { name: 'other' }, 'other.json');
    const result = runCli(['regress', '--config', config, '--baseline', join(__dirname, '..', 'baselines', 'smoke.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tfseg-bench: baseline .*smoke\.json was made from sweep "smoke", but this is "other"\n$/);
  });
});
