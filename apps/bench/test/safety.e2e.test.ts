/**
 * Nothing lost, nothing silently wrong, through the built CLI: a full disk (a real tmpfs), conflicting
 * shards, newline-less records, --out mistakes, plans that cannot run (refused before anything is
 * written, also with --dry-run), and the exit code scheme (0 ok, 1 runs failed, 2 bad input,
 * 3 environment, 4 internal).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useSmallDisk } from '@tfseg-internal/testing';
import { readRecords, runCli, temporaryDirectory, writeTestConfig } from './cli';

let directory: string;
let config: string;
let results: string;

beforeAll(() => {
  directory = temporaryDirectory();
  config = writeTestConfig(directory);
  results = join(directory, 'results.jsonl');
  const first = runCli(['run', '--config', config, '--out', results, '--no-report']);
  if (first.status !== 0) throw new Error(`the sweep the tests start from failed: ${first.stderr}`);
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** Every file under `folder` (recursively) with its size. */
function filesIn(folder: string): { path: string; size: number }[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, size: statSync(path).size }));
}

/** Lines of stderr that the CLI printed as its error. */
const errorLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line.startsWith('tfseg-bench:'));

describe('merge', () => {
  it('refuses two different ok results for one run id (exit 2, nothing written) unless --prefer says which', () => {
    const [a, b] = [join(directory, 'conflict-a.jsonl'), join(directory, 'conflict-b.jsonl')];
    const lines = readFileSync(results, 'utf8').trimEnd().split('\n');
    writeFileSync(a, lines.join('\n') + '\n');
    const changed = { ...JSON.parse(lines[0]!), meanIoU: 0.123456 };
    writeFileSync(b, JSON.stringify(changed) + '\n');
    const out = join(directory, 'conflict-merged.jsonl');
    const refused = runCli(['merge', a, b, '--out', out]);
    expect(refused.status).toBe(2);
    expect(errorLines(refused.stderr)[0]).toMatch(new RegExp(`two different ok results.*Pass --prefer first or --prefer last.*run ${changed.id} .*in ${b}`));
    expect(existsSync(out)).toBe(false);
    const last = runCli(['merge', a, b, '--out', out, '--prefer', 'last']);
    expect(last.status).toBe(0);
    expect(readRecords(out).find((record) => record.id === changed.id)?.meanIoU).toBe(0.123456);
    expect(runCli(['merge', a, b, '--out', out, '--prefer', 'first']).status).toBe(0);
    expect(readRecords(out).find((record) => record.id === changed.id)?.meanIoU).toBe(JSON.parse(lines[0]!).meanIoU);
    expect(runCli(['merge', a, b, '--out', out, '--prefer', 'newest']).status).toBe(2);
  });

  it('counts a complete last record without its newline (merge and report keep it)', () => {
    const noNewline = join(directory, 'no-newline.jsonl');
    writeFileSync(noNewline, readFileSync(results, 'utf8').trimEnd());
    const merged = runCli(['merge', noNewline, '--out', join(directory, 'no-newline-merged.jsonl')]);
    expect(merged.status).toBe(0);
    expect(merged.stdout).toContain('2 runs (2 ok, 0 failed)');
    expect(merged.stderr).not.toContain('torn');
    const report = runCli(['report', noNewline, '--out', join(directory, 'no-newline-report')]);
    expect(report.status).toBe(0);
    expect(readFileSync(join(directory, 'no-newline-report', 'report.md'), 'utf8')).toContain('2 runs ok');
  });
});

describe('run --out', () => {
  it('resumes from a results file whose last record has no newline, without recomputing or cutting it', () => {
    const file = join(directory, 'resume-no-newline.jsonl');
    writeFileSync(file, readFileSync(results, 'utf8').trimEnd());
    const rerun = runCli(['run', '--config', config, '--out', file, '--no-report']);
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toContain('2 already done, 0 to run');
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(results, 'utf8'));
  });

  it('refuses an existing file that is not a results file (exit 2, the file untouched), and a folder, naming it', () => {
    const notes = join(directory, 'notes.md');
    writeFileSync(notes, '# notes\nthe last line has no newline');
    const refused = runCli(['run', '--config', config, '--out', notes]);
    expect(refused.status).toBe(2);
    expect(errorLines(refused.stderr)).toEqual([`tfseg-bench: --out ${notes} exists and is not a tfseg results file (its first line is not a run record); choose another file — it was not changed`]);
    expect(readFileSync(notes, 'utf8')).toBe('# notes\nthe last line has no newline');
    const folder = join(directory, 'a-folder');
    mkdirSync(folder);
    const dryRun = runCli(['run', '--config', config, '--out', folder, '--dry-run']);
    expect(dryRun.status).toBe(2);
    expect(errorLines(dryRun.stderr)[0]).toContain(`--out ${folder} is a folder`);
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('plans that cannot run: exit 2 before anything is written, also with --dry-run', () => {
  const cases: [string, Record<string, unknown>, string[], RegExp][] = [
    ['more folds than groups', { folds: 25, foldIndices: [0] }, [], /^tfseg-bench: dataset drosophila with folds 25, .*cannot be prepared: .*25/],
    ['a scale too small for the patch', { data: { trainPatches: 8, scale: 0.01 } }, [], /^tfseg-bench: dataset drosophila .*cannot be prepared: .*patchSize 32 is larger than the prepared images/],
    ['an unknown dataset', { datasets: ['drosophilia'] }, [], /^tfseg-bench: dataset "drosophilia" cannot be loaded: .*unknown dataset "drosophilia"; expected one of/],
    ['an input size the model cannot take', { imageSize: 36 }, [], /^tfseg-bench: model unet\/tiny at imageSize 36: .*multiple of 16/],
    ['epochs beyond any sane bound', { epochs: 1e12 }, [], /^tfseg-bench: config\.epochs: must be ≤ 100000$/],
    ['a shard with spaces', {}, ['--shard', ' 0/2 '], /^tfseg-bench: --shard must be i\/N .*but got " 0\/2 "$/],
  ];
  it.each(cases)('%s', (_, overrides, flags, message) => {
    const file = writeTestConfig(directory, overrides, 'unrunnable.json');
    // --dry-run is the stronger claim (it used to skip the checks); one case also runs for real.
    for (const dryRun of overrides.folds === 25 ? [[], ['--dry-run']] : [['--dry-run']]) {
      const out = join(directory, 'unrunnable', 'results.jsonl');
      const result = runCli(['run', '--config', file, '--out', out, ...flags, ...dryRun]);
      expect(result.status).toBe(2);
      expect(errorLines(result.stderr)).toHaveLength(1);
      expect(errorLines(result.stderr)[0]).toMatch(message);
      expect(existsSync(join(directory, 'unrunnable'))).toBe(false);
    }
  });

  it('--dry-run of a plan that can run exits 0 and writes nothing', () => {
    const out = join(directory, 'dry', 'results.jsonl');
    const result = runCli(['run', '--config', config, '--out', out, '--dry-run']);
    expect(result.status).toBe(0);
    expect(existsSync(join(directory, 'dry'))).toBe(false);
  });
});

describe('a full disk (a 256 KiB tmpfs)', () => {
  const smallDisk = useSmallDisk(256);

  it('merge: exit 3 naming the file, the previous merged file intact, no temporary file', () => {
    const disk = smallDisk();
    if (!disk) return;
    const out = join(disk.path, 'm.jsonl');
    const previous = readFileSync(results, 'utf8').split('\n')[0] + '\n';
    writeFileSync(out, previous);
    const inputs = [0, 1, 2, 3].map((index) => {
      const copy = join(directory, `big-${index}.jsonl`);
      // Enough distinct records to need more room than is left.
      const lines = readFileSync(results, 'utf8').trimEnd().split('\n').map((line) => JSON.stringify({ ...JSON.parse(line), id: `${JSON.parse(line).id.slice(0, 12)}${index}${'0'.repeat(3)}` }));
      writeFileSync(copy, lines.join('\n') + '\n');
      return copy;
    });
    disk.fill(4096);
    const result = runCli(['merge', ...inputs, '--out', out]);
    expect(result.status).toBe(3);
    expect(errorLines(result.stderr)).toEqual([expect.stringContaining(`tfseg-bench: cannot write ${out}: no space left on device`)]);
    expect(result.stdout).not.toContain('merged');
    expect(readFileSync(out, 'utf8')).toBe(previous);
    expect(readdirSync(disk.path).sort()).toEqual(['.fill', 'm.jsonl']);
    rmSync(join(disk.path, '.fill'));
    rmSync(out);
  });

  it('run: trained runs stay ok (samples dropped, not the run), no 0-byte, torn or temporary file, exit 3 naming the path', () => {
    const disk = smallDisk();
    if (!disk) return;
    const out = join(disk.path, 'sweep.jsonl');
    const samplesConfig = writeTestConfig(directory, { samplesPerRun: 4 }, 'disk-full.json');
    // Room for the records but not for the samples files (4 patches each) or the report.
    disk.fill(12 * 1024);
    const result = runCli(['run', '--config', samplesConfig, '--out', out]);
    expect(result.status).toBe(3);
    expect(errorLines(result.stderr).join('\n')).toMatch(new RegExp(`cannot write ${disk.path}/\\S+: no space left on device|could not be written, first ${disk.path}/`));
    const records = readRecords(out);
    expect(records.length).toBeGreaterThanOrEqual(1);
    expect(records.every((record) => record.status === 'ok' && (record.meanIoU ?? 0) > 0)).toBe(true);
    expect(readFileSync(out, 'utf8').endsWith('\n')).toBe(true);
    for (const file of filesIn(disk.path)) {
      expect(file.path).not.toMatch(/\.tmp$/);
      if (!file.path.endsWith('.fill')) expect(file.size).toBeGreaterThan(0);
    }
    // The next run (with room again) finds the kept runs done.
    rmSync(join(disk.path, '.fill'));
    copyFileSync(out, join(directory, 'disk-full-kept.jsonl'));
    const rerun = runCli(['run', '--config', samplesConfig, '--out', out, '--no-report']);
    expect(rerun.status).toBe(0);
    expect(rerun.stderr).toContain(`${records.length} already done`);
  });
});
