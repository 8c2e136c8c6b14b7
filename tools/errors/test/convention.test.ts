/**
 * The one error convention of every tfseg package: a root `<Package>Error` carrying the shared
 * `Symbol.for('tfseg.error')` marker, a static `isInstance` that works across copies, and zod failures
 * wrapped by the one parse helper with the ZodError kept as `cause`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ZodError } from 'zod';
import * as bench from '../../../apps/bench/src/index';
import * as crossValidation from '@tfseg/cross-validation';
import * as datasets from '@tfseg/datasets';
import * as losses from '@tfseg/losses';
import * as metrics from '@tfseg/metrics';
import * as models from '@tfseg/models';
import * as training from '@tfseg/training';

type Root = (new (message: string) => Error) & { isInstance(error: unknown): boolean };

const roots: Array<[string, Root]> = [
  ['@tfseg/losses', losses.LossesError],
  ['@tfseg/metrics', metrics.MetricsError],
  ['@tfseg/cross-validation', crossValidation.CrossValidationError],
  ['@tfseg/models', models.ModelsError],
  ['@tfseg/datasets', datasets.DatasetsError],
  ['@tfseg/training', training.TrainingError],
  ['@tfseg/bench', bench.BenchError],
];

/** What each package's public parse failure is, so the test sees the helper at work in every package. */
const badInputs: Array<[string, Root, () => unknown]> = [
  ['@tfseg/losses', losses.LossesError, () => losses.createLoss({ name: 'additive', lambda: 2 })],
  ['@tfseg/metrics', metrics.MetricsError, () => new metrics.ConfusionMatrix(2, { absentClass: 'bad' as 'nan' })],
  ['@tfseg/cross-validation', crossValidation.CrossValidationError, () => crossValidation.kFold({ groups: [1, 2, 3], k: 0, seed: 1 })],
  ['@tfseg/models', models.ModelsError, () => models.listModels({ inputSize: -1 })],
  ['@tfseg/datasets', datasets.DatasetsError, () => datasets.writeNifti([2], [1, 2], { datatype: 'complex64' as 'uint8' })],
  ['@tfseg/training', training.TrainingError, () => training.predict({} as never, {} as never, { batchSize: 0 })],
  ['@tfseg/bench', bench.BenchError, () => bench.parseSweepConfig({ name: 'x', losses: 'none' })],
];

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('every package has a root <Package>Error', () => {
  it.each(roots)('%s', (_name, Root) => {
    const error = new Root('boom');
    expect(error.message).toBe('boom');
    expect(Symbol.for('tfseg.error') in error).toBe(true);
    expect(Root.isInstance(error)).toBe(true);
    expect(Root.isInstance(new Error('boom'))).toBe(false);
    expect(Root.isInstance(null)).toBe(false);
    for (const [, other] of roots) if (other !== Root) expect(other.isInstance(error)).toBe(false);
  });

  it('isInstance recognises an error from another copy of the package by its marker', () => {
    for (const [, Root] of roots) {
      const marker = (Root as unknown as { marker: symbol }).marker;
      const foreign = Object.assign(new Error('from another copy'), { [marker]: true });
      expect(Root.isInstance(foreign)).toBe(true);
    }
  });

  it('subclasses answer their own isInstance and their root\'s, not their siblings\'', () => {
    const argument = new losses.LossArgumentError('bad');
    expect(losses.LossesError.isInstance(argument)).toBe(true);
    expect(losses.LossArgumentError.isInstance(argument)).toBe(true);
    expect(losses.LossArgumentError.isInstance(new losses.LossesError('other'))).toBe(false);
    const aborted = new training.TrainingAbortedError(1);
    expect(training.TrainingError.isInstance(aborted)).toBe(true);
    expect(training.NonFiniteLossError.isInstance(aborted)).toBe(false);
    expect(bench.BenchError.isInstance(new bench.ConfigError('x'))).toBe(true);
    expect(bench.ConfigError.isInstance(new bench.BenchError('x'))).toBe(false);
  });
});

describe('a zod failure becomes the package error with the ZodError as cause', () => {
  it.each(badInputs)('%s', (_name, Root, fn) => {
    const error = thrown(fn);
    expect(Root.isInstance(error)).toBe(true);
    expect((error as Error).cause).toBeInstanceOf(ZodError);
  });
});

it('every package holds the same generated tfseg-error.ts', () => {
  const root = join(__dirname, '..', '..', '..');
  expect(execFileSync(process.execPath, [join(root, 'tools', 'errors', 'sync.mjs'), '--check'], { encoding: 'utf8' })).toMatch(/7 copies of tfseg-error\.ts match/);
});
