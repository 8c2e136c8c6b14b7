import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeSyntheticDrosophila } from '@tfseg/datasets';
import { writeDrosophilaFolder } from '../__fixtures__/folder-datasets';
import { formatDatasetStats, registerDatasetsCommand, runDatasetsStats } from './datasets';

/** Runs `tfseg-bench datasets ...` through commander, capturing stdout, stderr and the exit code. */
async function run(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw Object.assign(new Error('exit'), { exitCode: code });
  });
  let code = 0;
  try {
    const program = new Command().exitOverride();
    registerDatasetsCommand(program);
    await program.parseAsync(['node', 'tfseg-bench', 'datasets', ...args]);
  } catch (error) {
    code = (error as { exitCode?: number }).exitCode ?? -1;
  } finally {
    out.mockRestore();
    err.mockRestore();
    exit.mockRestore();
  }
  return { stdout: stdout.join(''), stderr: stderr.join(''), code };
}

describe('tfseg-bench datasets', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'tfseg-bench-datasets-'));
    writeSyntheticDrosophila(root, { images: 5, size: 16 });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('stats --json prints the counts at native resolution, exit 0', async () => {
    const { stdout, code } = await run('stats', 'synthetic-drosophila', '--root', root, '--json');
    expect(code).toBe(0);
    const stats = JSON.parse(stdout) as { name: string; images: number; height: number; width: number; classes: string[]; pixelCounts: number[] };
    expect(stats).toMatchObject({ name: 'synthetic-drosophila', images: 5, height: 16, width: 16, classes: ['membrane', 'mitochondria', 'synapse', 'glia/extracellular', 'intracellular'] });
    expect(stats.pixelCounts.reduce((a, b) => a + b, 0)).toBe(5 * 16 * 16);
  });

  it('stats prints a table with one line per class', async () => {
    const { stdout } = await run('stats', 'synthetic-drosophila', '--root', root);
    expect(stdout).toMatch(/^synthetic-drosophila: 5 images of 16x16\n {2}membrane +[\d,]+ +\d+\.\d\d %\n/);
    expect(stdout.trim().split('\n')).toHaveLength(6);
  });

  it('check reports ok, or names every missing file on stderr and exits 2', async () => {
    expect(await run('check', 'synthetic-drosophila', '--root', root)).toMatchObject({ code: 0, stdout: expect.stringMatching(/synthetic-drosophila: ok, 10 files checked in /) });
    const { stderr, code } = await run('check', 'drosophila', '--root', root); // the real layout needs 20 images
    expect(code).toBe(2);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(31); // 15 images × 2 files, then the summary
    expect(lines[0]).toMatch(/raw\/05\.tif: file is missing/);
    expect(lines[30]).toMatch(/^tfseg-bench: datasets check: 30 problem\(s\) in /);
  });

  it('a bad name or a missing folder is one clear line and exit 2', async () => {
    const unknown = await run('stats', 'mnist');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('tfseg-bench: datasets.name: must be one of drosophila, covid19-ct, chase-db1, synthetic-drosophila, synthetic-covid19-ct, synthetic-chase-db1, folder\n');
    const missing = await run('stats', 'covid19-ct', '--root', join(root, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^tfseg-bench: covid19-ct: folder .*nope does not exist\n$/);
  });

  it('list names every dataset', async () => {
    expect((await run('list')).stdout.split('\n')).toContain('chase-db1');
  });

  it('formats the real Drosophila stats from the vendored copy (no --root)', async () => {
    const stats = await runDatasetsStats({ name: 'drosophila' });
    expect(stats).toMatchObject({ images: 20, height: 1024, width: 1024 });
    expect(formatDatasetStats(stats)).toMatch(/^drosophila: 20 images of 1024x1024\n {2}membrane /);
  });

  it('check and stats work on the user\'s own folder (the vendored Drosophila images in the folder layout)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tfseg-bench-folder-'));
    try {
      writeDrosophilaFolder(folder, 3);
      expect(await run('check', 'folder', '--root', folder)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^folder: ok, 6 files checked in /) });
      const { stdout, code } = await run('stats', 'folder', '--root', folder, '--json');
      expect(code).toBe(0);
      const stats = JSON.parse(stdout) as { images: number; height: number; width: number; classes: string[]; pixelCounts: number[] };
      const paper = await runDatasetsStats({ name: 'drosophila' });
      expect(stats).toMatchObject({ images: 3, height: 1024, width: 1024, classes: paper.classes });
      expect(stats.pixelCounts.reduce((a, b) => a + b, 0)).toBe(3 * 1024 * 1024);
      const missing = await run('stats', 'folder');
      expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/the folder dataset needs its root/) });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
