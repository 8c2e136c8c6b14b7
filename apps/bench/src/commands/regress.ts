/**
 * `tfseg-bench regress`: reruns the `smoke` sweep (or another) from scratch and compares every run's test
 * mIoU with a committed baseline; exits 1 with a table of the runs that moved more than the tolerance.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFileAtomic } from '@tfseg/training';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfigFile, loadPreset } from '../config/load-config';
import { defaultBaselineFile, presetsDirectory } from '../config/package-paths';
import { BenchError, CommandOptionsError, EXIT_RUNS_FAILED } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { compareWithBaseline, createBaseline, DEFAULT_TOLERANCE, formatRegressions, readBaseline, type Baseline } from '../results/baseline';
import { planSweep, type PlannedRun } from '../sweep/plan';
import { preflightSweep } from '../sweep/preflight';
import { createProgressDisplay } from '../sweep/progress';
import { prestartWorkersDuring, runSweep, threadsPerProcess } from '../sweep/run-sweep';
import { threadsFlagSchema } from '../config/sweep-config';
import type { RegisterCommand } from './command';
import { WORKER_COMMAND } from './command';

/** Flags of `regress`. */
export const regressOptionsSchema = z
  .object({
    baseline: z.string().min(1).optional(),
    tolerance: z.coerce.number().nonnegative('must be ≥ 0').default(DEFAULT_TOLERANCE),
    update: z.boolean().default(false),
    preset: z.string().min(1).optional(),
    config: z.string().min(1).optional(),
    workers: z.coerce.number().int('must be a whole number').positive('must be ≥ 1').optional(),
    threads: threadsFlagSchema.optional(),
    json: z.boolean().default(false),
  })
  .refine((options) => !(options.preset && options.config), { message: 'give --preset or --config, not both' });

/**
 * The one-line warning `regress` prints when the baseline holds runs with fused multiply-adds (or, with
 * `--update`, is about to): their bits depend on the CPU, so they reproduce only on one that fuses the way
 * the baseline's did. Undefined for exact baselines.
 */
export function fusedMultiplyAddWarning(runs: readonly PlannedRun[], baseline: Baseline | undefined, baselineFile: string): string | undefined {
  const fused = runs.filter((run) => run.config.fusedMultiplyAdd === true && (baseline === undefined || run.id in baseline.runs));
  if (fused.length === 0) return undefined;
  return (
    `tfseg-bench: warning: ${fused.length} run(s) of ${baselineFile} use fused multiply-adds (fusedMultiplyAdd): ` +
    'they reproduce only on a CPU that fuses as the one that wrote it did, so keep this baseline out of checks on other machines'
  );
}

/** Registers `regress`. */
export const registerRegressCommand: RegisterCommand = (program) => {
  program
    .command('regress')
    .description('rerun the smoke sweep and compare every run\'s mIoU with a committed baseline (exit 1 if any moved)')
    .option('--baseline <file>', 'baseline JSON (default: apps/bench/baselines/smoke.json)')
    .option('--tolerance <t>', `allowed |ΔmIoU|, absolute (default ${DEFAULT_TOLERANCE}: wasm runs are bit-reproducible)`)
    .option('--update', 'rewrite the baseline from this run, on purpose')
    .option('--preset <name>', 'sweep to run (default: smoke)')
    .option('--config <file>', 'sweep config file instead of a preset')
    .option('--workers <k>', 'parallel worker processes (default: the config\'s workers)')
    .option('--threads <n|auto>', "wasm threads per worker (default: the config's threads; results do not depend on it)")
    .option('--json', 'print the comparison as JSON on stdout (exit code as without it)')
    .action(async (rawOptions: unknown) => {
      const options = parseWithSchema(regressOptionsSchema, rawOptions, 'regress', CommandOptionsError);
      const config = options.config ? loadConfigFile(options.config) : loadPreset(options.preset ?? 'smoke', presetsDirectory());
      const sweepName = options.config ? config.name : (options.preset ?? 'smoke');
      const baselineFile = resolve(options.baseline ?? defaultBaselineFile());
      const baseline = options.update ? undefined : readBaseline(baselineFile);
      if (baseline && baseline.sweep !== sweepName) {
        throw new BenchError(`baseline ${baselineFile} was made from sweep ${JSON.stringify(baseline.sweep)}, but this is ${JSON.stringify(sweepName)}`);
      }
      const runs = planSweep(config);
      const warning = fusedMultiplyAddWarning(runs, baseline, baselineFile);
      if (warning !== undefined) process.stderr.write(`${warning}\n`);
      const workers = options.workers ?? config.workers;
      const threads = threadsPerProcess(options.threads ?? config.threads, workers);
      const workerCommand = { script: process.argv[1] ?? '', args: [WORKER_COMMAND] };
      // The forked workers start Node and tfjs and load the data while this process checks the plan.
      const prestarted = await prestartWorkersDuring(runs, workers, threads, workerCommand, () => preflightSweep(runs, threads));
      // Always recompute from scratch: a regression check must never reuse earlier results.
      const directory = mkdtempSync(join(tmpdir(), 'tfseg-regress-'));
      try {
        const display = createProgressDisplay(runs.length, workers);
        const records = await runSweep({
          runs,
          resultsFile: join(directory, `${sweepName}.jsonl`),
          samplesPerRun: 0,
          workers,
          threads,
          workerCommand,
          prestarted,
          events: display,
        }).finally(() => display.stop());
        if (options.update) {
          const failed = records.filter((record) => record.status !== 'ok');
          if (failed.length > 0) {
            process.stderr.write(`tfseg-bench: not updating the baseline: ${failed.length} runs failed, first: ${(failed[0]?.error ?? '').split('\n')[0]}\n`);
            process.exitCode = EXIT_RUNS_FAILED;
            return;
          }
          writeFileAtomic(baselineFile, JSON.stringify(createBaseline(sweepName, records), null, 2) + '\n');
          if (options.json) process.stdout.write(`${JSON.stringify({ sweep: sweepName, baseline: baselineFile, updated: true, runs: records.length }, null, 2)}\n`);
          else process.stdout.write(`baseline ${baselineFile} updated with ${records.length} runs\n`);
          return;
        }
        const regressions = compareWithBaseline(baseline!, records, options.tolerance);
        if (regressions.length > 0) process.exitCode = EXIT_RUNS_FAILED;
        if (options.json) {
          const comparison = { sweep: sweepName, baseline: baselineFile, tolerance: options.tolerance, runs: records.length, passed: regressions.length === 0, regressions };
          process.stdout.write(`${JSON.stringify(comparison, null, 2)}\n`);
          return;
        }
        if (regressions.length === 0) {
          process.stdout.write(`regress: all ${records.length} runs of ${sweepName} match ${baselineFile} within ${options.tolerance}\n`);
          return;
        }
        process.stdout.write(`regress: ${regressions.length} of ${records.length} runs differ from ${baselineFile} (tolerance ${options.tolerance}):\n\n${formatRegressions(regressions)}\n`);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
};
