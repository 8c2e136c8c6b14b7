import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeFor, EXIT_BAD_INPUT } from '../errors';
import { trainModel } from './train-model';

describe('trainModel with fusedMultiplyAdd (train --fma)', () => {
  it('refuses it on a backend other than wasm before writing anything, naming --fma and the backend (exit 2)', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'tfseg-train-fma-'));
    try {
      const out = join(directory, 'model');
      const rule = "train.fusedMultiplyAdd: --fma needs backend wasm (fused multiply-adds are a build of tfseg's native wasm kernels), but the backend is";
      for (const backend of ['auto', 'cpu'] as const) {
        const failure = trainModel({ dataset: 'drosophila', model: 'unet', loss: 'ml', backend, fusedMultiplyAdd: true, out });
        await expect(failure).rejects.toThrow(`${rule} "${backend}"`);
        expect(exitCodeFor(await failure.catch((error: unknown) => error))).toBe(EXIT_BAD_INPUT);
      }
      expect(existsSync(out)).toBe(false);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
