/** `tfseg-bench merge`: joins results files (e.g. the shards of a cluster sweep) into one, one record per run. */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { BenchError, CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { mergeResultFiles } from '../results/merge';
import { checkResultsFileTarget, writeResults } from '../results/store';
import type { RegisterCommand } from './command';

const mergeOptionsSchema = z.object({
  out: z.string().min(1, 'is required'),
  prefer: z.enum(['error', 'first', 'last'], { error: (issue) => `must be error, first or last, but got ${JSON.stringify(issue.input)}` }).default('error'),
  json: z.boolean().default(false),
});

/** Registers `merge`. */
export const registerMergeCommand: RegisterCommand = (program) => {
  program
    .command('merge')
    .description('join results files into one (one record per run id; an ok record beats a failed one)')
    .argument('<files...>', 'results files (JSONL) to join')
    .requiredOption('--out <file>', 'merged results file to write (replaced atomically: on any failure the old file stays)')
    .option('--prefer <which>', 'two different ok results for one run id: error (refuse), first or last file wins', 'error')
    .option('--json', 'print what was merged as JSON on stdout')
    .action((files: string[], rawOptions: unknown) => {
      const parsed = parseWithSchema(mergeOptionsSchema, rawOptions, 'merge', CommandOptionsError);
      const missing = files.filter((file) => !existsSync(file));
      if (missing.length > 0) throw new BenchError(`merge: results file ${missing.join(', ')} does not exist`);
      const out = resolve(parsed.out);
      checkResultsFileTarget(out);
      const merged = mergeResultFiles(files.map((file) => resolve(file)), dirname(out), parsed.prefer);
      for (const warning of merged.warnings) process.stderr.write(`merge: ${warning}\n`);
      writeResults(out, merged.records);
      const ok = merged.records.filter((record) => record.status === 'ok').length;
      if (parsed.json) {
        const summary = { out, files: files.map((file) => resolve(file)), runs: merged.records.length, ok, failed: merged.records.length - ok, warnings: merged.warnings };
        process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      } else {
        process.stdout.write(`merged ${files.length} files into ${out}: ${merged.records.length} runs (${ok} ok, ${merged.records.length - ok} failed)\n`);
      }
    });
};
