/**
 * A tiny tmpfs for disk-full tests. Mounting needs root: CI runs as root, so there the tests always run
 * (a failed mount as root is an error, never a skip); elsewhere {@link mountSmallDisk} returns the reason
 * to skip, which the caller prints.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, fstatSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A mounted small file system; `fill` leaves about `freeBytes` free (tmpfs counts whole 4 KiB pages). */
export interface SmallDisk {
  path: string;
  fill(freeBytes: number): void;
  unmount(): void;
}

/** Mounts a `sizeKiB` tmpfs in a fresh temporary folder, or returns why it cannot (not root). */
export function mountSmallDisk(sizeKiB = 64): SmallDisk | string {
  if (process.getuid?.() !== 0) return `disk-full test skipped: mounting a tmpfs needs root (uid ${process.getuid?.() ?? '?'}); CI runs as root`;
  const path = mkdtempSync(join(tmpdir(), 'tfseg-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', path]);
  return {
    path,
    fill(freeBytes) {
      const descriptor = openSync(join(path, '.fill'), 'w');
      try {
        const chunk = Buffer.alloc(4096);
        try {
          for (;;) writeSync(descriptor, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
        }
        ftruncateSync(descriptor, Math.max(0, fstatSync(descriptor).size - freeBytes));
      } finally {
        closeSync(descriptor);
      }
    },
    unmount() {
      execFileSync('umount', [path]);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/**
 * Mounts a small disk for the enclosing `describe` (beforeAll/afterAll) and returns a getter: undefined
 * when the tests must skip (not root; the reason is printed once).
 */
export function useSmallDisk(sizeKiB = 64): () => SmallDisk | undefined {
  let disk: SmallDisk | undefined;
  beforeAll(() => {
    const mounted = mountSmallDisk(sizeKiB);
    if (typeof mounted === 'string') console.warn(mounted);
    else disk = mounted;
  });
  afterAll(() => disk?.unmount());
  return () => disk;
}
