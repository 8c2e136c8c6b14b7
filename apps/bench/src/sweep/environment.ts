import { execFileSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import type { TrainingDevice } from '@tfseg/training';
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

/**
 * Where and with what a run is computed: the active tfjs backend, the device that trained it (when its
 * backend started), versions, commit and platform.
 */
export function runEnvironment(device?: TrainingDevice): RunRecord['environment'] {
  return {
    backend: tf.getBackend(),
    ...(device === undefined ? {} : { device }),
    tfjsVersion: tf.version.tfjs,
    nodeVersion: process.version,
    gitCommit: currentGitCommit(),
    platform: `${process.platform}-${process.arch}`,
  };
}
