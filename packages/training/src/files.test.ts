import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { useSmallDisk } from '@tfseg-internal/testing';
import { appendFileChecked, FileWriteError, writeFileAtomic } from './files';

let directory: string;
beforeEach(() => (directory = mkdtempSync(join(tmpdir(), 'tfseg-files-'))));
afterEach(() => rmSync(directory, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes exactly the given bytes (any content and size), creating folders, leaving no temporary file', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (bytes) => {
        const file = join(directory, 'a', 'b.bin');
        writeFileAtomic(file, bytes);
        expect(new Uint8Array(readFileSync(file))).toEqual(bytes);
        expect(readdirSync(join(directory, 'a'))).toEqual(['b.bin']);
      }),
      { numRuns: 30 },
    );
  });

  it('names the path when its folder cannot be made (a file is in the way)', () => {
    const file = join(directory, 'report.md');
    writeFileSync(file, 'old');
    const blocked = join(directory, 'report.md', 'inner.md');
    expect(() => writeFileAtomic(blocked, 'new')).toThrow(FileWriteError);
    expect(() => writeFileAtomic(blocked, 'new')).toThrow(`cannot write ${blocked}`);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(directory)).toEqual(['report.md']);
  });

  it('refuses a folder as the target with an error naming it', () => {
    mkdirSync(join(directory, 'out'));
    expect(() => writeFileAtomic(join(directory, 'out'), 'x')).toThrow(`cannot write ${join(directory, 'out')}: ${join(directory, 'out')} is a folder, expected a file (EISDIR)`);
    expect(readdirSync(directory)).toEqual(['out']);
  });
});

describe('appendFileChecked', () => {
  it('appends whole lines', () => {
    const file = join(directory, 'r.jsonl');
    appendFileChecked(file, 'one\n');
    appendFileChecked(file, 'two\n');
    expect(readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });

  it('names the path when the target is a folder and creates nothing', () => {
    const target = join(directory, 'results');
    mkdirSync(target);
    const error = (() => {
      try {
        appendFileChecked(target, 'x\n');
      } catch (thrown) {
        return thrown;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error as FileWriteError).path).toBe(target);
    expect((error as FileWriteError).code).toBe('EISDIR');
    expect(existsSync(join(target, 'x'))).toBe(false);
  });
});

describe('on a full disk (tmpfs)', () => {
  const smallDisk = useSmallDisk(64);

  it('writeFileAtomic keeps the old file intact, removes its temporary file and names the path (ENOSPC)', () => {
    const disk = smallDisk();
    if (!disk) return;
    const file = join(disk.path, 'merged.jsonl');
    writeFileSync(file, 'old\n');
    disk.fill(4096);
    const error = catchError(() => writeFileAtomic(file, 'x'.repeat(20_000)));
    expect(error).toBeInstanceOf(FileWriteError);
    expect((error as FileWriteError).code).toBe('ENOSPC');
    expect((error as FileWriteError).isEnvironmental).toBe(true);
    expect((error as Error).message).toMatch(`cannot write ${file}: no space left on device`);
    expect(readFileSync(file, 'utf8')).toBe('old\n');
    expect(readdirSync(disk.path).sort()).toEqual(['.fill', 'merged.jsonl']);
  });

  it('appendFileChecked leaves no torn line: the file is cut back to its previous length', () => {
    const disk = smallDisk();
    if (!disk) return;
    const file = join(disk.path, 'results.jsonl');
    writeFileSync(file, '{"a":1}\n');
    disk.fill(4096);
    const error = catchError(() => appendFileChecked(file, JSON.stringify({ b: 'y'.repeat(20_000) }) + '\n'));
    expect((error as FileWriteError).code).toBe('ENOSPC');
    expect((error as Error).message).toMatch(`cannot write ${file}`);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n');
  });
});

function catchError(action: () => void): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
