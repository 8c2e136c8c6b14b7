/**
 * `tfseg-bench run`: runs a sweep (a preset or a config file), appending one record per finished run to a
 * JSONL results file, resuming where an earlier call stopped, then writes the report.
 */
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { loadConfigFile, loadPreset } from '../config/load-config';
import { presetsDirectory } from '../config/package-paths';
import { fusedMultiplyAddBackendProblem, threadsFlagSchema, type SweepConfig } from '../config/sweep-config';
import { CommandOptionsError, EXIT_ENVIRONMENT, EXIT_OK, EXIT_RUNS_FAILED } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import { writeReport } from '../report/index';
import { checkResultsFileTarget, latestRecords, readResults } from '../results/store';
import { planSweep, parseShard, selectShard, type PlannedRun } from '../sweep/plan';
import { ASSUMED_FLOPS_PER_SECOND, estimateSweepMilliseconds } from '../sweep/estimate';
import { preflightSweep } from '../sweep/preflight';
import { createProgressDisplay, formatDuration } from '../sweep/progress';
import { formatSweepSummary, sweepSummary } from '../sweep/summary';
import { pendingRuns, prestartWorkersDuring, runSweep, stopAllWorkers, threadsPerProcess, type WriteFailure } from '../sweep/run-sweep';
import { runWorker } from '../sweep/worker';
import { WORKER_COMMAND, type RegisterCommand } from './command';

/** Flags of `run`, as commander hands them over. */
export const runOptionsSchema = z
  .object({
    preset: z.string().min(1).optional(),
    config: z.string().min(1).optional(),
    out: z.string().min(1).optional(),
    workers: z.coerce.number().int('must be a whole number').positive('must be ≥ 1').optional(),
    threads: threadsFlagSchema.optional(),
    shard: z.string().optional(),
    /** Sets the sweep's `fusedMultiplyAdd` (wasm only): part of every run's id, like a config field. */
    fma: z.boolean().default(false),
    reportDir: z.string().min(1).optional(),
    report: z.boolean().default(true),
    dryRun: z.boolean().default(false),
    json: z.boolean().default(false),
  })
  .refine((options) => !(options.preset && options.config), { message: 'give --preset or --config, not both' });
/** Parsed flags of `run`. */
export type RunOptions = z.infer<typeof runOptionsSchema>;

/** The default preset: the README's main job. */
export const DEFAULT_PRESET = 'quick';

/** A sweep ready to run: its config, the runs of this shard, and where results go. */
export interface PreparedSweep {
  name: string;
  config: SweepConfig;
  runs: PlannedRun[];
  resultsFile: string;
}

/**
 * Parses flags, loads the config and plans the runs (no I/O beyond reading the config). `--fma` becomes the
 * config's `fusedMultiplyAdd` before planning, so it is in every run's config and id, and every process
 * (forked workers, shards) gets it from there; its default results file is `<name>.fma.jsonl`, apart from the
 * exact runs' file and report.
 */
export function prepareSweep(rawOptions: unknown): { options: RunOptions; sweep: PreparedSweep } {
  const options = parseWithSchema(runOptionsSchema, rawOptions, 'run', CommandOptionsError);
  const loaded = options.config ? loadConfigFile(options.config) : loadPreset(options.preset ?? DEFAULT_PRESET, presetsDirectory());
  const name = options.config ? loaded.name : (options.preset ?? DEFAULT_PRESET);
  const config = options.fma ? withFusedMultiplyAdd(loaded, options.config ?? `preset ${name}`) : loaded;
  let runs = planSweep(config);
  if (options.shard !== undefined) runs = selectShard(runs, parseShard(options.shard));
  const shardSuffix = options.shard === undefined ? '' : `.shard-${options.shard.replace('/', '-of-')}`;
  const fmaSuffix = config.fusedMultiplyAdd === true ? '.fma' : '';
  const resultsFile = resolve(options.out ?? `results/${name}${fmaSuffix}${shardSuffix}.jsonl`);
  checkResultsFileTarget(resultsFile, options.out === undefined ? 'results file' : '--out');
  return { options, sweep: { name, config, runs, resultsFile } };
}

/** The config with `fusedMultiplyAdd` on (`--fma`); a CommandOptionsError naming --fma and the backend unless it is wasm. */
function withFusedMultiplyAdd(config: SweepConfig, source: string): SweepConfig {
  const problem = fusedMultiplyAddBackendProblem(config.backend);
  if (problem !== undefined) throw new CommandOptionsError(`run.fma: --fma ${problem} (in ${source})`);
  return { ...config, fusedMultiplyAdd: true };
}

/** Registers `run` and the hidden worker command it forks. */
export const registerRunCommand: RegisterCommand = (program) => {
  program
    .command('run')
    .description(`run a sweep (default preset: ${DEFAULT_PRESET}); resumes from --out, then writes the report`)
    .option('--preset <name>', 'a preset from apps/bench/presets: smoke, quick, paper')
    .option('--config <file>', 'a sweep config file (JSON or YAML)')
    .option('--out <file>', 'results file (JSONL); default results/<preset>.jsonl')
    .option('--workers <k>', 'parallel worker processes (default: the config\'s workers)')
    .option('--threads <n|auto>', "wasm threads per worker (default: the config's threads, auto = cores / workers)")
    .option('--shard <i/N>', 'run only shard i of N (0-based), for cluster arrays')
    .option('--fma', "train with fused multiply-adds (wasm only; faster on CPUs with FMA, results differ in the last bits): sets the config's fusedMultiplyAdd, so the runs get ids of their own")
    .option('--report-dir <dir>', 'report folder; default <results file without .jsonl>-report')
    .option('--no-report', 'do not write the report at the end')
    .option('--dry-run', 'print the plan (run count, runs to do) and exit')
    .option('--json', 'print the plan (with --dry-run) or the summary as JSON on stdout; progress stays on stderr')
    .action(async (rawOptions: unknown) => {
      const { options, sweep } = prepareSweep(rawOptions);
      process.exitCode = await runCommand(options, sweep);
    });
  program
    .command(WORKER_COMMAND, { hidden: true })
    .description('internal: executes runs sent by `run --workers K` over IPC')
    .action(() => runWorker());
};

async function runCommand(options: RunOptions, sweep: PreparedSweep): Promise<number> {
  const workers = Math.min(options.workers ?? sweep.config.workers, availableParallelism());
  const threads = threadsPerProcess(options.threads ?? sweep.config.threads, workers);
  const todo = pendingRuns(sweep.runs, sweep.resultsFile);
  const log = (line: string): void => void process.stderr.write(line + '\n');
  log(
    `${sweep.name}: ${sweep.runs.length} runs${options.shard ? ` in shard ${options.shard}` : ''}, ` +
      `${sweep.runs.length - todo.length} already done, ${todo.length} to run on ${workers} worker${workers === 1 ? '' : 's'} ` +
      `(backend ${sweep.config.backend}${sweep.config.fusedMultiplyAdd === true ? ' with fused multiply-adds' : ''}, ${threads} wasm thread${threads === 1 ? '' : 's'} each); results: ${sweep.resultsFile}`,
  );
  if (sweep.config.description) log(sweep.config.description);
  const estimate = estimateSweepMilliseconds(todo.map((run) => run.config), workers);
  if (todo.length > 0 && estimate !== undefined) {
    log(`rough estimate: ${formatDuration(estimate)} (model FLOPs at an assumed ${ASSUMED_FLOPS_PER_SECOND[sweep.config.backend]! / 1e9} GFLOP/s per worker on ${sweep.config.backend}; the ETA refines it)`);
  }
  const workerCommand = { script: process.argv[1] ?? '', args: [WORKER_COMMAND] };
  // The forked workers start Node and tfjs and load the data while this process checks the plan.
  // Fail before writing anything (also for --dry-run) when any planned run could not run.
  const prestarted = await prestartWorkersDuring(options.dryRun ? [] : todo, workers, threads, workerCommand, () => preflightSweep(sweep.runs, threads));
  if (options.dryRun) {
    if (options.json) {
      const plan = {
        sweep: sweep.name,
        resultsFile: sweep.resultsFile,
        shard: options.shard ?? null,
        backend: sweep.config.backend,
        fusedMultiplyAdd: sweep.config.fusedMultiplyAdd === true,
        workers,
        threads,
        runs: sweep.runs.length,
        done: sweep.runs.length - todo.length,
        todo: todo.length,
        estimatedMilliseconds: todo.length > 0 && estimate !== undefined ? Math.round(estimate) : null,
        plan: sweep.runs.map((run) => ({ id: run.id, done: !todo.includes(run), config: run.config })),
      };
      process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
    }
    return EXIT_OK;
  }

  const display = createProgressDisplay(todo.length, workers);
  // Training yields to the event loop between steps, so these run within a step even with one worker.
  const interrupt = (signal: NodeJS.Signals): void => {
    display.stop();
    stopAllWorkers();
    log(`\n${signal}: stopped; every finished run is saved in ${sweep.resultsFile} — rerun the same command to resume`);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  const writeFailures: WriteFailure[] = [];
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const started = Date.now();
  let written;
  try {
    written = await runSweep({
      runs: todo,
      resultsFile: sweep.resultsFile,
      samplesPerRun: sweep.config.samplesPerRun,
      workers,
      threads,
      workerCommand,
      prestarted,
      events: { ...display, onWriteFailure: (_slot, failure) => writeFailures.push(failure) },
    });
  } finally {
    display.stop();
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
  const failed = written.filter((record) => record.status === 'failed');
  log(`${sweep.name}: ${written.length - failed.length} runs ok, ${failed.length} failed in ${formatDuration(Date.now() - started)}`);
  for (const record of failed) log(`  failed ${record.id}: ${(record.error ?? '').split('\n')[0]} (rerun to retry)`);
  for (const failure of writeFailures) log(`  ${failure.message} (the run was kept without its samples)`);

  const planned = new Set(sweep.runs.map((run) => run.id));
  const results = readResults(sweep.resultsFile);
  const records = latestRecords(results.records).filter((record) => planned.has(record.id));
  let reportFile: string | null = null;
  if (options.report) {
    const outDir = resolve(options.reportDir ?? sweep.resultsFile.replace(/\.jsonl$/, '') + '-report');
    const notes = results.invalidLines.length > 0 ? [`skipped invalid lines ${results.invalidLines.join(', ')} of ${sweep.resultsFile}`] : [];
    await writeReport({ records, outDir, resultsDir: dirname(sweep.resultsFile), source: sweep.resultsFile, title: `tfseg-bench: ${sweep.name}`, notes });
    reportFile = join(outDir, 'report.html');
  }
  if (options.json) {
    const summary = {
      sweep: sweep.name,
      resultsFile: sweep.resultsFile,
      report: reportFile,
      ran: written.length,
      ok: written.length - failed.length,
      failed: failed.map((record) => ({ id: record.id, error: (record.error ?? '').split('\n')[0] ?? '' })),
      settings: sweepSummary(records),
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } else if (reportFile !== null) {
    process.stdout.write(`${formatSweepSummary(records)}\n\nreport: ${reportFile} (also report.md, report.csv)\n`);
  }
  if (writeFailures.length > 0) {
    log(`tfseg-bench: ${writeFailures.length} file(s) could not be written, first ${writeFailures[0]!.path} (${writeFailures[0]!.code}); free space and rerun`);
    return EXIT_ENVIRONMENT;
  }
  return failed.length > 0 ? EXIT_RUNS_FAILED : EXIT_OK;
}
