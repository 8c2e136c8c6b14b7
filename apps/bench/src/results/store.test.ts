import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig, testRecord } from './__fixtures__/records';
import { appendRecord, checkResultsFileTarget, finishedRunIds, latestRecords, readResults, repairResultsFile } from './store';

let directory: string;
beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'tfseg-store-'))));
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('results store', () => {
  it('appends whole lines and reads them back; a missing file is empty', () => {
    const file = join(directory, 'sub', 'results.jsonl');
    expect(readResults(file)).toEqual({ records: [], invalidLines: [], tornTail: false });
    const records = [testRecord(testConfig({ seed: 0 }), 'ok', 0.4), testRecord(testConfig({ seed: 1 }), 'failed')];
    for (const record of records) appendRecord(file, record);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
    expect(readResults(file).records).toEqual(records);
  });

  it('ignores a torn last line, and repair cuts it off so the next append starts clean', () => {
    const file = join(directory, 'results.jsonl');
    const first = testRecord(testConfig({ seed: 0 }), 'ok');
    appendRecord(file, first);
    appendFileSync(file, JSON.stringify(testRecord(testConfig({ seed: 1 }), 'ok')).slice(0, 50));
    expect(readResults(file)).toEqual({ records: [first], invalidLines: [], tornTail: true });
    expect(repairResultsFile(file)).toBe(true);
    expect(repairResultsFile(file)).toBe(false);
    const second = testRecord(testConfig({ seed: 2 }), 'ok');
    appendRecord(file, second);
    expect(readResults(file)).toEqual({ records: [first, second], invalidLines: [], tornTail: false });
  });

  it('reports complete lines that are not records by number', () => {
    const file = join(directory, 'results.jsonl');
    writeFileSync(file, `${JSON.stringify(testRecord(testConfig(), 'ok'))}\n{"not":"a record"}\nnot json\n`);
    expect(readResults(file).invalidLines).toEqual([2, 3]);
  });

  it('keeps one record per run: ok beats failed, later beats earlier', () => {
    const config = testConfig();
    const failed = testRecord(config, 'failed');
    const ok = testRecord(config, 'ok', 0.6);
    const rerun = testRecord(config, 'ok', 0.7);
    expect(latestRecords([failed, ok, testRecord(config, 'failed')])).toEqual([ok]);
    expect(latestRecords([ok, rerun])).toEqual([rerun]);
    expect(finishedRunIds([failed])).toEqual(new Set());
    expect(finishedRunIds([failed, ok])).toEqual(new Set([ok.id]));
  });

  it('counts a complete last record without its newline as a record, and repair adds the newline instead of cutting it', () => {
    const file = join(directory, 'results.jsonl');
    const [first, second] = [testRecord(testConfig({ seed: 0 }), 'ok', 0.4), testRecord(testConfig({ seed: 1 }), 'ok', 0.5)];
    writeFileSync(file, `${JSON.stringify(first)}\n${JSON.stringify(second)}`);
    expect(readResults(file)).toEqual({ records: [first, second], invalidLines: [], tornTail: false });
    expect(repairResultsFile(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(`${JSON.stringify(first)}\n${JSON.stringify(second)}\n`);
    const third = testRecord(testConfig({ seed: 2 }), 'ok', 0.6);
    appendRecord(file, third);
    expect(readResults(file).records).toEqual([first, second, third]);
  });

  it('refuses, before writing, an --out that is a folder or an existing file that is not a results file', () => {
    const folder = join(directory, 'folder');
    mkdirSync(folder);
    expect(() => checkResultsFileTarget(folder)).toThrow(`--out ${folder} is a folder; expected a results file (JSONL)`);
    const notes = join(directory, 'notes.txt');
    writeFileSync(notes, '# my notes\nline two');
    expect(() => checkResultsFileTarget(notes)).toThrow(`--out ${notes} exists and is not a tfseg results file`);
    expect(readFileSync(notes, 'utf8')).toBe('# my notes\nline two');
    const results = join(directory, 'results.jsonl');
    appendRecord(results, testRecord(testConfig(), 'ok'));
    appendFileSync(results, '{"torn":');
    expect(() => checkResultsFileTarget(results)).not.toThrow();
    expect(() => checkResultsFileTarget(join(directory, 'new.jsonl'))).not.toThrow();
    writeFileSync(join(directory, 'empty.jsonl'), '');
    expect(() => checkResultsFileTarget(join(directory, 'empty.jsonl'))).not.toThrow();
  });
});
