/**
 * The report's provenance section: per setting, the devices, backends and commits its runs came from,
 * so a number can be traced to what produced it, and a setting that mixed them is flagged (its spread
 * may then mix hardware or code changes with the variation between folds and seeds).
 */
import { formatTrainingDevice } from '@tfseg/training';
import type { RunRecord } from '../results/record';
import type { SettingTable } from './aggregate';
import { settingTitle } from './content';
import type { Grid, GridCell } from './grid';

/** Where the runs of one setting came from. */
export interface SettingProvenance {
  title: string;
  runs: number;
  /** Each distinct value with its run count, most runs first. */
  devices: [string, number][];
  backends: [string, number][];
  commits: [string, number][];
  /** What the setting mixed: `devices`, `backends`, `commits` (empty when its runs agree). */
  mixed: ('devices' | 'backends' | 'commits')[];
}

/** Label of a record without a device (written before records carried one). */
export const UNKNOWN_DEVICE = 'unknown (record without device)';

function counted(values: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Provenance of every setting's successful runs (the ones its numbers come from). */
export function settingProvenance(tables: readonly SettingTable[]): SettingProvenance[] {
  return tables.map((table) => {
    const runs: RunRecord[] = table.rows.flatMap((row) => row.runs);
    const devices = counted(runs.map((run) => (run.environment.device ? formatTrainingDevice(run.environment.device) : UNKNOWN_DEVICE)));
    const backends = counted(runs.map((run) => run.environment.device?.candidate ?? run.environment.backend));
    const commits = counted(runs.map((run) => run.environment.gitCommit?.slice(0, 12) ?? 'unknown'));
    const mixed = (
      [
        ['devices', devices],
        ['backends', backends],
        ['commits', commits],
      ] as const
    ).flatMap(([name, values]) => (values.length > 1 ? [name] : []));
    return { title: settingTitle(table), runs: runs.length, devices, backends, commits, mixed };
  });
}

const cell = (text: string, bold = false): GridCell => ({ text, bold, paper: false });
const list = (values: readonly [string, number][], total: number): string =>
  values.map(([value, count]) => (values.length === 1 ? value : `${value} (${count} of ${total})`)).join('; ');

/** The provenance table: setting, runs, devices, backends, commits, and a bold flag where a setting mixed them. */
export function provenanceGrid(tables: readonly SettingTable[]): Grid {
  return {
    header: ['Setting', 'Runs', 'Devices', 'Backends', 'Commits', 'Mixed'].map((text) => cell(text)),
    rows: settingProvenance(tables).map((setting) => [
      cell(setting.title),
      cell(String(setting.runs)),
      cell(list(setting.devices, setting.runs)),
      cell(list(setting.backends, setting.runs)),
      cell(list(setting.commits, setting.runs)),
      setting.mixed.length > 0 ? cell(`⚠ mixed ${setting.mixed.join(', ')}`, true) : cell('no'),
    ]),
  };
}

/** The sentence above the provenance table. */
export const PROVENANCE_LEGEND =
  'Where each setting’s successful runs were computed: the device that trained them (GPU or CPU, backend, tfjs and libtensorflow versions), ' +
  'the backend and the git commit of the code. A setting marked mixed compares numbers from different devices, backends or commits. ' +
  'Runs with fused multiply-adds (fusedMultiplyAdd, --fma) are settings of their own, marked "fused multiply-add" and never averaged with exact runs; ' +
  'their device says "fused multiply-add" when the CPU really fused (one without FMA computes the default arithmetic).';
