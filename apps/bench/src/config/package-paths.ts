/**
 * Folders shipped beside the built CLI (`apps/bench/presets`, `apps/bench/baselines`), found from this
 * module's URL so the CLI works from any working directory. Kept apart because jest (CommonJS) cannot
 * load `import.meta`.
 */
import { fileURLToPath } from 'node:url';

/** `apps/bench/presets`: the shipped sweep presets. */
export function presetsDirectory(): string {
  return fileURLToPath(new URL('../presets/', import.meta.url));
}

/** `apps/bench/baselines/smoke.json`: the committed mIoU baseline of the smoke preset. */
export function defaultBaselineFile(): string {
  return fileURLToPath(new URL('../baselines/smoke.json', import.meta.url));
}

/** The bench package folder (`apps/bench`): its git checkout is the code that computes the runs. */
export function benchDirectory(): string {
  return fileURLToPath(new URL('..', import.meta.url));
}
