import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { benchDirectory } from '../config/package-paths';
import type { RunRecord } from '../results/record';

let gitCommit: string | null | undefined;

/** `git rev-parse HEAD` of the checkout holding this bench's code, or null outside git (cached). */
export function currentGitCommit(): string | null {
  if (gitCommit === undefined) {
    try {
      gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: benchDirectory(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
    } catch {
      gitCommit = null;
    }
  }
  return gitCommit;
}

/** Where and with what a run is computed: the active tfjs backend, versions, commit and platform. */
export function runEnvironment(): RunRecord['environment'] {
  return {
    backend: tf.getBackend(),
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.version,
    gitCommit: currentGitCommit(),
    platform: `${process.platform}-${process.arch}`,
  };
}
