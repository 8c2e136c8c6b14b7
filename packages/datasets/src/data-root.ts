import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatasetError } from './errors';

/** The environment variable naming a folder that holds dataset folders (`$TFSEG_DATA_DIR/drosophila-sstem`). */
export const DATA_DIRECTORY_VARIABLE = 'TFSEG_DATA_DIR';

/**
 * Finds `<data>/<folder>` without a path argument: `$TFSEG_DATA_DIR/<folder>` first, then `data/<folder>`
 * in this module's folder and every folder above it (so it works from `src/` in the monorepo, from `dist/`,
 * and from `node_modules/@tfseg/datasets/dist` inside a checkout of the repository). Throws a DatasetError
 * listing every place it looked and how to pass `root`.
 */
export function findDataFolder(folder: string): string {
  const looked: string[] = [];
  const fromEnvironment = process.env[DATA_DIRECTORY_VARIABLE];
  if (fromEnvironment) {
    const candidate = resolve(fromEnvironment, folder);
    if (existsSync(candidate)) return candidate;
    looked.push(`${candidate} (from ${DATA_DIRECTORY_VARIABLE})`);
  }
  for (let directory = moduleDirectory(); ; directory = dirname(directory)) {
    const candidate = join(directory, 'data', folder);
    if (existsSync(candidate)) return candidate;
    looked.push(candidate);
    if (dirname(directory) === directory) break;
  }
  throw new DatasetError(
    `cannot find the data folder "${folder}"; looked in: ${looked.join(', ')}. ` +
      `Pass load({ root: '/path/to/${folder}' }) (tfseg-bench: --root DIR) or set ${DATA_DIRECTORY_VARIABLE} to the folder that contains "${folder}".`,
  );
}

/** This module's folder: `__dirname` under CommonJS and jest, shimmed by tsup in the ESM build. */
function moduleDirectory(): string {
  return __dirname;
}
