/**
 * @tfseg/bench library surface: the pieces of the bench that other programs (and the bench's own tests)
 * can call without going through the CLI.
 */
export { BenchError, CommandOptionsError, FileContentError, EnvironmentError, formatZodError, exitCodeFor, EXIT_OK, EXIT_RUNS_FAILED, EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INTERNAL } from './errors';
export {
  sweepConfigSchema,
  sweepLossSchema,
  parseSweepConfig,
  ConfigError,
  type SweepConfig,
  type SweepConfigInput,
  type SweepLoss,
} from './config/sweep-config';
export { loadConfigFile, loadPreset, parseConfigText, presetNames } from './config/load-config';
export { planSweep, expandLoss, parseShard, selectShard, type PlannedRun, type Shard } from './sweep/plan';
export { executeRun, type ExecuteRunOptions, type RunProgress } from './sweep/execute-run';
export { runSweep, pendingRuns, type RunSweepOptions, type SweepEvents, type WorkerCommand } from './sweep/run-sweep';
export { runId } from './results/run-id';
export { readResults, appendRecord, repairResultsFile, checkResultsFileTarget, writeResults, latestRecords, finishedRunIds, type ResultsFile } from './results/store';
export { mergeResultFiles, type MergedResults, type ConflictPreference } from './results/merge';
export {
  baselineSchema,
  readBaseline,
  createBaseline,
  compareWithBaseline,
  formatRegressions,
  DEFAULT_TOLERANCE,
  type Baseline,
  type Regression,
} from './results/baseline';
export {
  runRecordSchema,
  runConfigSchema,
  runSamplesSchema,
  RECORD_VERSION,
  type RunRecord,
  type RunConfig,
  type RunSamples,
} from './results/record';
export { writeReport, writeReportOptionsSchema, type WriteReportOptions } from './report/index';
