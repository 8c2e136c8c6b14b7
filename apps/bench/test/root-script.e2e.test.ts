/**
 * End to end: `pnpm tfseg-bench <command>` from the repository root (the root script tools/tfseg-bench.mjs)
 * builds what changed, runs the built CLI, keeps stdout for the command's output and passes the exit code on.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

function pnpmTfsegBench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('pnpm', ['-s', 'tfseg-bench', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('pnpm tfseg-bench from the repository root', () => {
  it('prints the package version for --version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'apps', 'bench', 'package.json'), 'utf8')) as { version: string };
    const result = pnpmTfsegBench(['--version']);
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('prints the Drosophila statistics as JSON on stdout', () => {
    const result = pnpmTfsegBench(['datasets', 'stats', 'drosophila', '--json']);
    expect(result.status).toBe(0);
    const stats = JSON.parse(result.stdout) as { name: string; images: number; classes: string[]; pixelCounts: number[] };
    expect(stats.name).toBe('drosophila');
    expect(stats.images).toBe(20);
    expect(stats.classes).toHaveLength(5);
    // 20 images of 1024 × 1024, every pixel in exactly one class.
    expect(stats.pixelCounts.reduce((sum, count) => sum + count, 0)).toBe(20 * 1024 * 1024);
  });

  it('passes an error through as one stderr line and a non-zero exit code, with nothing on stdout', () => {
    const result = pnpmTfsegBench(['report', '/nonexistent/results.jsonl']);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('results file /nonexistent/results.jsonl does not exist');
  });
});
