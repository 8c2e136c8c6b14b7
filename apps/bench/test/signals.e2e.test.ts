/**
 * Signals through the built CLI with real processes: Ctrl-C (SIGINT) and SIGTERM stop a sweep running
 * with one worker within seconds (training yields to the event loop between steps), keeping the finished
 * runs; forked workers die when their parent is killed with SIGKILL.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, temporaryDirectory, writeTestConfig } from './cli';

let directory: string;
beforeAll(() => (directory = temporaryDirectory()));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function start(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, stderr: () => stderr };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await sleep(100);
  }
}

const alive = (pid: number): boolean => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

describe.each(['SIGINT', 'SIGTERM'] as const)('%s with --workers 1', (signal) => {
  it('stops a long training run within seconds (exit 130 or 143), writing no partial record', async () => {
    const out = join(directory, `${signal}.jsonl`);
    writeFileSync(out, '');
    // 5000 epochs: hours of training; without yielding the signal would wait for all of it.
    const config = writeTestConfig(directory, { epochs: 5000, losses: [{ name: 'ce' }], samplesPerRun: 0 }, `${signal}.json`);
    const sweep = start(['run', '--config', config, '--out', out, '--workers', '1', '--no-report']);
    await waitFor(() => sweep.stderr().includes('[worker 0] started'), 120_000);
    await sleep(3000);
    const sent = Date.now();
    process.kill(-sweep.child.pid!, signal);
    const result = await sweep.exited;
    expect(Date.now() - sent).toBeLessThan(15_000);
    expect(result.code).toBe(signal === 'SIGINT' ? 130 : 143);
    expect(sweep.stderr()).toContain(`${signal}: stopped; every finished run is saved in ${out}`);
    expect(readFileSync(out, 'utf8')).toBe('');
  });
});

describe('forked workers', () => {
  it('die when their parent is killed with SIGKILL', async () => {
    const config = writeTestConfig(directory, { epochs: 5000, samplesPerRun: 0 }, 'orphans.json');
    const sweep = start(['run', '--config', config, '--out', join(directory, 'orphans.jsonl'), '--workers', '2', '--no-report']);
    await waitFor(() => (sweep.stderr().match(/started/g) ?? []).length >= 2, 180_000);
    const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(sweep.child.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((pid) => pid > 0);
    // With 2 workers the parent runs one slot itself and forks one worker process.
    expect(children.length).toBeGreaterThanOrEqual(1);
    sweep.child.kill('SIGKILL');
    await sweep.exited;
    await waitFor(() => children.every((pid) => !alive(pid)), 20_000);
  });
});
