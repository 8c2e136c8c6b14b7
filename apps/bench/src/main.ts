/**
 * `tfseg-bench`: the command-line program (started by `cli.ts`, dist/cli.js, from its CommonJS build
 * dist/main.cjs). Each command lives in `commands/<name>.ts` and only parses its options (zod), calls
 * package functions and prints; errors become one line on stderr and exit code 2.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { commands } from './commands/index';
import { exitWithError } from './errors';

const program = new Command('tfseg-bench')
  .description('Sweeps, reports and mIoU regression for the Multiplicative Loss paper, on TensorFlow.js')
  // package.json sits one folder above both src/main.ts and dist/main.cjs.
  .version((createRequire(import.meta.url)('../package.json') as { version: string }).version, '-V, --version', 'print the version of tfseg-bench')
  .showHelpAfterError()
  .exitOverride();

for (const register of commands) register(program);

program.parseAsync(process.argv).catch(exitWithError);
