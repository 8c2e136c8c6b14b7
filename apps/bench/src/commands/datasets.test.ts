import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { writeSyntheticCovid, writeSyntheticDrosophila } from '@tfseg/datasets';
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

  describe('split', () => {
    let covidRoot: string;
    beforeAll(() => {
      covidRoot = join(root, 'covid');
      writeSyntheticCovid(covidRoot, { slices: 100, size: 16 }); // tr_im.nii.gz / tr_mask.nii.gz, as the real files
    });
    const split = async (...args: string[]): Promise<{ train: string[]; validation: string[]; test: string[] }> => {
      const { stdout, stderr, code } = await run('split', 'covid19-ct', '--root', covidRoot, '--json', ...args);
      expect([code, stderr]).toEqual([0, '']);
      return JSON.parse(stdout) as { train: string[]; validation: string[]; test: string[] };
    };

    it('prints 70/10/20 slices in every fold, the same for every run seed, with nested reduced sets', async () => {
      const tested: string[] = [];
      for (let fold = 0; fold < 5; fold++) {
        const full = await split('--fold', String(fold));
        expect([full.train.length, full.validation.length, full.test.length]).toEqual([70, 10, 20]);
        expect(await split('--fold', String(fold), '--seed', '7')).toEqual(full);
        tested.push(...full.test);
      }
      expect(new Set(tested).size).toBe(100);
      const full = await split('--fold', '1');
      const quarter = await split('--fold', '1', '--fraction', '1/4', '--seed', '2');
      const eighth = await split('--fold', '1', '--fraction', '0.125');
      expect([quarter.train.length, eighth.train.length]).toEqual([18, 9]);
      for (const slice of eighth.train) expect(quarter.train).toContain(slice);
      for (const slice of quarter.train) expect(full.train).toContain(slice);
      expect([eighth.validation, eighth.test]).toEqual([full.validation, full.test]);
      expect((await split('--fold', '1', '--split-seed', '3')).test).not.toEqual(full.test);
    });

    it('prints one line per part as text', async () => {
      const { stdout, code } = await run('split', 'synthetic-drosophila', '--root', root, '--fold', '0');
      expect(code).toBe(0);
      expect(stdout).toMatch(/^train \(3\): \S+ \S+ \S+\nvalidation \(1\): \S+\ntest \(1\): \S+\n$/);
    });

    it('names a bad fold or fraction, exit 2', async () => {
      const missing = await run('split', 'synthetic-drosophila', '--root', root);
      expect(missing.code).not.toBe(0); // commander's usage error; the CLI's exitWithError turns it into 2
      expect(missing.stderr).toMatch(/required option '--fold <k>' not specified/);
      const tooBig = await run('split', 'synthetic-drosophila', '--root', root, '--fold', '5');
      expect([tooBig.code, tooBig.stderr]).toEqual([2, 'tfseg-bench: Error in splitFold: options.fold must be less than folds (5), but got 5\n']);
      const fraction = await run('split', 'synthetic-drosophila', '--root', root, '--fold', '0', '--fraction', 'half');
      expect(fraction.code).toBe(2);
      expect(fraction.stderr).toMatch(/^tfseg-bench: datasets split\.fraction: /);
    });
  });
});
