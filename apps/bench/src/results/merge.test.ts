import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig, testRecord } from './__fixtures__/records';
import { mergeResultFiles } from './merge';
import { appendRecord } from './store';

let directory: string;
beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'tfseg-merge-'))));
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('mergeResultFiles', () => {
  it('joins shards, one record per id preferring ok, and re-roots sample paths at the output folder', () => {
    const [a, b] = [join(directory, 'a', 'shard0.jsonl'), join(directory, 'b', 'shard1.jsonl')];
    mkdirSync(join(directory, 'merged'));
    const shared = testConfig({ seed: 0 });
    appendRecord(a, testRecord(shared, 'failed'));
    appendRecord(a, testRecord(testConfig({ seed: 1 }), 'ok', 0.3, { samplesFile: 'shard0.samples/x.json' }));
    appendRecord(b, testRecord(shared, 'ok', 0.4));
    appendRecord(b, testRecord(shared, 'failed'));
    const merged = mergeResultFiles([a, b], join(directory, 'merged'));
    expect(merged.warnings).toEqual([]);
    expect(merged.records.map((record) => [record.config.seed, record.status, record.meanIoU])).toEqual([
      [0, 'ok', 0.4],
      [1, 'ok', 0.3],
    ]);
    expect(merged.records[1]!.samplesFile).toBe(join('..', 'a', 'shard0.samples', 'x.json'));
  });

  it('refuses two different ok results for one run id unless told which to prefer; equal results are no conflict', () => {
    const [a, b] = [join(directory, 'a.jsonl'), join(directory, 'b.jsonl')];
    const config = testConfig({ seed: 0 });
    appendRecord(a, testRecord(config, 'ok', 0.41));
    appendRecord(b, testRecord(config, 'ok', 0.39));
    appendRecord(b, testRecord(testConfig({ seed: 1 }), 'ok', 0.5));
    expect(() => mergeResultFiles([a, b], directory)).toThrow(
      new RegExp(`^merge: 1 run\\(s\\) have two different ok results, .*nothing was written\\. Pass --prefer first or --prefer last .*run ${testRecord(config, 'ok').id} .*: mIoU 0\\.41 in ${a}, 0\\.39 in ${b}$`),
    );
    expect(mergeResultFiles([a, b], directory, 'first').records.map((record) => record.meanIoU)).toEqual([0.41, 0.5]);
    const last = mergeResultFiles([a, b], directory, 'last');
    expect(last.records.map((record) => record.meanIoU)).toEqual([0.39, 0.5]);
    expect(last.warnings).toEqual([expect.stringMatching(/^conflict kept the last file's result: run /)]);
    // The same shard given twice: identical results, no conflict.
    expect(mergeResultFiles([b, b], directory).records).toHaveLength(2);
  });
});
