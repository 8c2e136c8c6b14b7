import { lossDisplayName } from '@tfseg/losses';
import type { RunConfig, RunRecord } from '../results/record';

/** A fraction as the paper writes it: 1, 1/2, 1/4, 1/8 (else the decimal). */
export function fractionLabel(fraction: number): string {
  const denominator = 1 / fraction;
  return fraction === 1 ? '1' : Number.isInteger(denominator) ? `1/${denominator}` : String(fraction);
}

/**
 * One line naming a run's setting: `drosophila unet/small ML fraction=1/8 fold=0 seed=1`, ending in `fma`
 * for a run with fused multiply-adds (so logs, merge conflicts and baselines show it).
 */
export function describeRun(config: RunConfig): string {
  const width = config.baseWidth === undefined ? '' : ` width=${config.baseWidth}`;
  const norm = config.batchNorm === undefined ? '' : config.batchNorm ? ' bn' : ' no-bn';
  const arithmetic = config.fusedMultiplyAdd === true ? ' fma' : '';
  return `${config.dataset} ${config.model}/${config.modelPreset}${width}${norm} ${lossDisplayName(config.loss)} fraction=${fractionLabel(config.fraction)} fold=${config.fold} seed=${config.seed}${arithmetic}`;
}

/** One line for a finished run: status, id, setting, mIoU (or the error's first line) and time. */
export function describeRecord(record: RunRecord): string {
  const seconds = `${(record.wallTimeMs / 1000).toFixed(1)}s`;
  const outcome =
    record.status === 'ok'
      ? `mIoU=${record.meanIoU?.toFixed(4)}`
      : `error: ${(record.error ?? 'unknown').split('\n')[0]}`;
  return `${record.status} ${record.id} ${describeRun(record.config)} ${outcome} (${seconds})`;
}
