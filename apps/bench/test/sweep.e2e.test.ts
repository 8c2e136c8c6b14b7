/**
 * End to end through the built CLI: a sweep runs and reports, resumes after a kill without losing or
 * duplicating runs, shards merge to the full run, and bad input exits 2 without writing anything.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readRecords, runCli, startCli, temporaryDirectory, writeTestConfig } from './cli';

let directory: string;
let config: string;
let fullResults: string;

beforeAll(() => {
  directory = temporaryDirectory();
  config = writeTestConfig(directory);
  fullResults = join(directory, 'full.jsonl');
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('tfseg-bench run', () => {
  it('runs every run of the sweep once, records it, and ends with the report', () => {
    // Two worker processes here; the shards below run in-process, and must agree with them.
    const result = runCli(['run', '--config', config, '--out', fullResults, '--workers', '2']);
    expect(result.stderr).toMatch(/e2e: 2 runs, 0 already done, 2 to run on [12] workers? \(backend wasm, 1 wasm thread each\)/);
    expect(result.status).toBe(0);
    const records = readRecords(fullResults);
    expect(records.map((record) => record.status)).toEqual(['ok', 'ok']);
    expect(new Set(records.map((record) => record.id)).size).toBe(2);
    for (const record of records) {
      expect(record.meanIoU).toBeGreaterThan(0);
      expect(record.meanIoU).toBeLessThanOrEqual(1);
    }
    expect(result.stdout).toContain(join(directory, 'full-report', 'report.html'));
    expect(existsSync(join(directory, 'full-report', 'report.html'))).toBe(true);
    expect(readdirSync(join(directory, 'full.samples'))).toHaveLength(2);

    // A rerun finds everything done and computes nothing.
    const rerun = runCli(['run', '--config', config, '--out', fullResults, '--no-report']);
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toContain('2 already done, 0 to run');
    expect(readRecords(fullResults)).toHaveLength(2);
  });

  it('resumes after being killed mid-sweep without losing or duplicating a run', async () => {
    const resumeConfig = writeTestConfig(directory, { seeds: [0, 1], losses: [{ name: 'ce' }, { name: 'ml' }, { name: 'dice' }] }, 'resume.json');
    const results = join(directory, 'resume.jsonl');
    const child = startCli(['run', '--config', resumeConfig, '--out', results, '--no-report']);
    let running = true;
    const exited = new Promise((resolve) => child.on('exit', resolve)).finally(() => (running = false));
    while (running && readRecords(results).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running).toBe(true);
    child.kill('SIGKILL');
    await exited;
    const beforeKill = readRecords(results);
    expect(beforeKill.length).toBeGreaterThanOrEqual(1);
    expect(beforeKill.length).toBeLessThan(6);

    const rerun = runCli(['run', '--config', resumeConfig, '--out', results, '--no-report']);
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toContain(`${beforeKill.length} already done, ${6 - beforeKill.length} to run`);
    const after = readRecords(results);
    expect(after).toHaveLength(6);
    expect(new Set(after.map((record) => record.id)).size).toBe(6);
    // The runs finished before the kill are kept as they were, not recomputed.
    expect(after.slice(0, beforeKill.length)).toEqual(beforeKill);
  });

  it('records a run that throws as failed, goes on with the others, and retries it on the next call', () => {
    const results = join(directory, 'failing.jsonl');
    const failing = runCli(['run', '--config', config, '--out', results], { env: { TFSEG_BENCH_FAULT: 'nan-loss:ml' } });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toMatch(/e2e: 1 runs ok, 1 failed/);
    expect(readRecords(results).map((record) => [record.status, record.error?.split('\n')[0]])).toEqual([
      ['ok', undefined],
      ['failed', expect.stringMatching(/NaN|not finite|non-finite/i)],
    ]);
    expect(existsSync(join(directory, 'failing-report', 'report.md'))).toBe(true);

    const retry = runCli(['run', '--config', config, '--out', results, '--no-report']);
    expect(retry.status).toBe(0);
    expect(retry.stderr).toContain('1 already done, 1 to run');
    expect(readRecords(results).map((record) => record.status)).toEqual(['ok', 'failed', 'ok']);
  });

  it('shards 0/2 and 1/2 merge to the same runs and mIoUs as the full sweep', () => {
    const shardFiles = [0, 1].map((index) => join(directory, `shard${index}.jsonl`));
    expect(runCli(['run', '--config', config, '--shard', '0/2', '--out', shardFiles[0]!, '--no-report']).status).toBe(0);
    expect(runCli(['run', '--config', config, '--shard', '1/2', '--out', shardFiles[1]!, '--no-report']).status).toBe(0);
    const merged = join(directory, 'merged.jsonl');
    const result = runCli(['merge', ...shardFiles, '--out', merged]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2 runs (2 ok, 0 failed)');
    const byId = (file: string) => Object.fromEntries(readRecords(file).map((record) => [record.id, record.meanIoU]));
    expect(readRecords(shardFiles[0]!)).toHaveLength(1);
    expect(byId(merged)).toEqual(byId(fullResults));
  });
});

describe('bad input (exit 2) or a missing library (exit 3): one line, nothing written', () => {
  const cases: [string, Record<string, unknown>, number, RegExp][] = [
    ['a bad field', { losses: [{ name: 'ce' }, { name: 'ml' }, { name: 'additive', lambda: 1.5 }] }, 2, /^tfseg-bench: config\.losses\[2\]\.lambda: must be a number in \[0, 1\]$/],
    ['an unknown backend', { backend: 'webgpu' }, 2, /^tfseg-bench: config\.backend: must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, but got "webgpu"$/],
    ['a backend that is not installed', { backend: 'tensorflow' }, 3, /^tfseg-bench: backend "tensorflow" cannot be used: .*tfjs-node/],
    ['a GPU the machine lacks', { backend: 'tensorflow-gpu' }, 2, /^tfseg-bench: backend "tensorflow-gpu" cannot be used: .*`tensorflow-gpu` trains on a CUDA GPU or not at all: it needs an NVIDIA driver, the CUDA 11\.2 runtime .*cuDNN 8\.1/],
    ['an input size the model cannot take', { imageSize: 36 }, 2, /^tfseg-bench: model unet\/tiny at imageSize 36: .*multiple of 16/],
    ['a missing dataset folder', { datasets: [{ name: 'drosophila', root: '/nonexistent/drosophila' }] }, 2, /^tfseg-bench: dataset "drosophila" cannot be loaded: .*\/nonexistent\/drosophila/],
  ];
  it.each(cases)('%s', (_, overrides, code, message) => {
    const file = writeTestConfig(directory, overrides, 'bad.json');
    const out = join(directory, 'bad', 'results.jsonl');
    const result = runCli(['run', '--config', file, '--out', out]);
    expect(result.status).toBe(code);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('tfseg-bench:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
    expect(existsSync(join(directory, 'bad'))).toBe(false);
  });
});
