import { CommanderError } from 'commander';
import { z } from 'zod';
import { DatasetError } from '@tfseg/datasets';
import { BackendUnavailableError, FileWriteError, TrainingError } from '@tfseg/training';
import { ConfigError } from './config/sweep-config';
import { BenchError, EnvironmentError, EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INTERNAL, EXIT_OK, exitCodeFor } from './errors';

const errno = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: something`), { code });

describe('exit codes by error class', () => {
  it.each<[string, unknown, number]>([
    ['--help', new CommanderError(0, 'commander.helpDisplayed', ''), EXIT_OK],
    ['an unknown flag', new CommanderError(1, 'commander.unknownOption', ''), EXIT_BAD_INPUT],
    ['a bench error', new BenchError('bad flag'), EXIT_BAD_INPUT],
    ['a config error', new ConfigError('config.epochs: too big'), EXIT_BAD_INPUT],
    ['a dataset error (corrupt file)', new DatasetError('a.nii: vox_offset NaN'), EXIT_BAD_INPUT],
    ['a training error', new TrainingError('bad options'), EXIT_BAD_INPUT],
    ['a zod error', z.number().safeParse('x').error, EXIT_BAD_INPUT],
    ['a full disk', new FileWriteError('/t/m.jsonl', 'ENOSPC', errno('ENOSPC')), EXIT_ENVIRONMENT],
    ['a folder where a file should be', new FileWriteError('/t/out', 'EISDIR', errno('EISDIR')), EXIT_BAD_INPUT],
    ['an I/O error from node', errno('EIO'), EXIT_ENVIRONMENT],
    ['a missing native library', new BackendUnavailableError('tensorflow', 'libtensorflow missing'), EXIT_ENVIRONMENT],
    ['an environment error', new EnvironmentError('cannot fork'), EXIT_ENVIRONMENT],
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')"), EXIT_INTERNAL],
    ['a thrown string', 'oops', EXIT_INTERNAL],
  ])('%s', (_, error, code) => {
    expect(exitCodeFor(error)).toBe(code);
  });
});
