import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig, testRecord } from './__fixtures__/records';
import { appendRecord, finishedRunIds, latestRecords, readResults, repairResultsFile } from './store';

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
});
