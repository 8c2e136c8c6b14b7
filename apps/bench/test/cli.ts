/** Helpers for the bench's end-to-end tests: they run the built CLI (`dist/cli.js`) as users do. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built CLI; the root `pnpm test` builds before jest runs. */
export const CLI = join(__dirname, '..', 'dist', 'cli.js');

/** Result of one CLI call. */
export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to completion (stdin closed, not a TTY, so progress is plain lines). */
export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting (for the kill-and-resume test). */
export function startCli(args: string[]): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
}

/** A fresh temporary folder. */
export function temporaryDirectory(): string {
  return mkdtempSync(join(tmpdir(), 'tfseg-bench-e2e-'));
}

/**
 * The test sweep: a tiny U-Net on real Drosophila images at 1/8 scale (128 px), 32 px patches, one fold,
 * one epoch of a few steps — each run takes seconds on wasm.
 */
export function writeTestConfig(directory: string, overrides: Record<string, unknown> = {}, name = 'config.json'): string {
  const config = {
    name: 'e2e',
    datasets: ['drosophila'],
    models: [{ name: 'unet', preset: 'tiny' }],
    losses: [{ name: 'ce' }, { name: 'ml' }],
    fractions: [1],
    folds: 5,
    foldIndices: [0],
    seeds: [0],
    imageSize: 32,
    epochs: 1,
    stepsPerEpoch: 2,
    batchSize: 4,
    backend: 'wasm',
    data: { trainPatches: 8, scale: 0.125 },
    samplesPerRun: 1,
    workers: 1,
    ...overrides,
  };
  const file = join(directory, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/**
 * For a describe block: a fresh folder holding {@link writeTestConfig}'s config before its tests, removed
 * after them. Read `directory` and `config` inside the tests (they are set by then).
 */
export function useTestSweep(): { readonly directory: string; readonly config: string } {
  const sweep = { directory: '', config: '' };
  beforeAll(() => {
    sweep.directory = temporaryDirectory();
    sweep.config = writeTestConfig(sweep.directory);
  });
  afterAll(() => rmSync(sweep.directory, { recursive: true, force: true }));
  return sweep;
}

/** The records of a results file (every complete line). */
export function readRecords(file: string): { id: string; status: string; meanIoU?: number; error?: string; startedAt: string; config: { seed: number } }[] {
  if (!existsSync(file)) return [];
  // Only newline-terminated lines: a line being written right now is not complete yet.
  return readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
