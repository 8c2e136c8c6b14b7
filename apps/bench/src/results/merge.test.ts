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
});
