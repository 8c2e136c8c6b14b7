import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { defaultReportDir, registerReportCommand, runReportCommand } from './report';
import { makeRecord } from '../report/__fixtures__/synthetic-records';

describe('tfseg-bench report', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tfseg-report-command-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  const results = join(folder, 'quick.jsonl');
  const classIoU = [0.7, 0.8, 0.3, 0.6, 0.9];
  const lines = [
    makeRecord({ loss: { name: 'ml' }, fold: 0, classIoU }),
    makeRecord({ loss: { name: 'ml' }, fold: 1, classIoU: classIoU.map((value) => value - 0.1) }),
    makeRecord({ loss: { name: 'additive', lambda: 0.5 }, fold: 0, classIoU }),
  ].map((record) => JSON.stringify(record));
  // The last run was cut off mid-write.
  writeFileSync(results, `${lines.join('\n')}\n${lines[0]!.slice(0, 40)}`);

  it('writes report.md, report.csv and report.html into <results basename>-report next to the file, noting a torn line', async () => {
    expect(defaultReportDir(results)).toBe(join(folder, 'quick-report'));
    const files = await runReportCommand({ results });
    for (const name of ['report.md', 'report.csv', 'report.html']) expect(files).toContain(join(folder, 'quick-report', name));
    const markdown = readFileSync(join(folder, 'quick-report', 'report.md'), 'utf8');
    expect(markdown).toContain('3 runs ok, 0 failed');
    expect(markdown).toContain('torn line');
    expect(markdown).toContain('| ML | 2 |');
  });

  it('fails with one line naming the missing file, writing nothing', async () => {
    const missing = join(folder, 'nope.jsonl');
    await expect(runReportCommand({ results: missing })).rejects.toThrow(`results file ${missing} does not exist`);
    expect(existsSync(join(folder, 'nope-report'))).toBe(false);
  });

  it('is registered as `report RESULTS --out DIR`', async () => {
    const program = new Command().exitOverride();
    registerReportCommand(program);
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((text) => printed.push(String(text)) > 0);
    try {
      await program.parseAsync(['node', 'tfseg-bench', 'report', results, '--out', join(folder, 'custom')], { from: 'node' });
    } finally {
      write.mockRestore();
    }
    expect(existsSync(join(folder, 'custom', 'report.html'))).toBe(true);
    expect(printed.join('')).toContain(join(folder, 'custom', 'report.html'));
  });
});
