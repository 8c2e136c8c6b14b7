/**
 * `tfseg-bench doctor [--json]`: which TensorFlow.js backends work here and why not, versions, whether a
 * GPU is visible, and the exact steps to enable CUDA training with @tensorflow/tfjs-node-gpu.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { probeBackends, type BackendProbe } from '@tfseg/training';
import { z } from 'zod';
import { CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './index';

/** Options of the `doctor` command. */
export const doctorCommandOptionsSchema = z.object({ json: z.boolean().default(false) });

/** libtensorflow version that @tensorflow/tfjs-node(-gpu) 4.x link against, and the CUDA stack it was built with. */
const LIBTENSORFLOW = { version: '2.9.1', cuda: '11.2', cudnn: '8.1' } as const;

/** What `doctor` found. */
export interface DoctorReport {
  node: string;
  platform: string;
  versions: Record<string, string>;
  backends: BackendProbe[];
  /** Where @tensorflow/tfjs-node-gpu is installed and which of its native parts are present. */
  tfjsNodeGpu: { installed: false } | { installed: true; version: string; directory: string; libtensorflow: boolean; addon: boolean };
  gpu: { nvidiaSmi: string[] | undefined; driver: string | undefined; cudaRuntime11: boolean; cudnn8: boolean };
  wasm: { simd: boolean; threads: boolean };
  cudaSteps: string[];
}

function searchPaths(): string[] {
  const script = process.argv[1];
  return [process.cwd(), ...(script ? [path.dirname(path.resolve(script))] : [])];
}

function findPackageDirectory(name: string): string | undefined {
  for (const directory of searchPaths()) {
    try {
      return path.dirname(createRequire(path.join(directory, 'noop.js')).resolve(`${name}/package.json`));
    } catch {
      // not resolvable from here; try the next place
    }
  }
  return undefined;
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
}

function tfjsNodeGpuStatus(): DoctorReport['tfjsNodeGpu'] {
  const directory = findPackageDirectory('@tensorflow/tfjs-node-gpu');
  if (!directory) return { installed: false };
  const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as { version: string };
  return {
    installed: true,
    version: manifest.version,
    directory,
    libtensorflow: existsSync(path.join(directory, 'deps', 'lib', `libtensorflow.so.${LIBTENSORFLOW.version}`)),
    addon: existsSync(path.join(directory, 'lib')) && readdirSync(path.join(directory, 'lib'), { recursive: true }).some((file) => String(file).endsWith('tfjs_binding.node')),
  };
}

function gpuStatus(): DoctorReport['gpu'] {
  const smi = run('nvidia-smi', ['-L']);
  const driverFile = '/proc/driver/nvidia/version';
  const libraries = run('ldconfig', ['-p']) ?? '';
  const onLibraryPath = (name: string): boolean =>
    libraries.includes(name) || (process.env.LD_LIBRARY_PATH ?? '').split(':').some((directory) => directory !== '' && existsSync(path.join(directory, name)));
  return {
    nvidiaSmi: smi?.trim().split('\n').filter((line) => line !== ''),
    driver: existsSync(driverFile) ? readFileSync(driverFile, 'utf8').split('\n')[0]?.trim() : undefined,
    cudaRuntime11: onLibraryPath('libcudart.so.11.0'),
    cudnn8: onLibraryPath('libcudnn.so.8'),
  };
}

/** The steps to train on an NVIDIA GPU, with the package's real file names and variables (scripts/install.js). */
export function cudaSteps(packageDirectory = 'node_modules/@tensorflow/tfjs-node-gpu'): string[] {
  const tarball = `libtensorflow-gpu-linux-x86_64-${LIBTENSORFLOW.version}.tar.gz`;
  return [
    `@tensorflow/tfjs-node-gpu 4.x runs libtensorflow ${LIBTENSORFLOW.version}, built for CUDA ${LIBTENSORFLOW.cuda} and cuDNN ${LIBTENSORFLOW.cudnn} (Linux x86_64): it needs an NVIDIA driver, libcudart.so.11.0 and libcudnn.so.8 on the library path.`,
    `1. Install CUDA ${LIBTENSORFLOW.cuda} and cuDNN ${LIBTENSORFLOW.cudnn}. On a machine with a newer CUDA (12.x), install them side by side (e.g. /usr/local/cuda-11.2, with cuDNN 8.1 copied into its lib64) and run with LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH — a newer driver runs CUDA 11.2 programs. Or run inside a CUDA 11.2 image: docker run --gpus all nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04.`,
    `2. Install the package: pnpm add @tensorflow/tfjs-node-gpu (already an optional dependency of @tfseg/bench). Its install step downloads https://storage.googleapis.com/tensorflow/libtensorflow/${tarball} and the prebuilt addon from https://storage.googleapis.com/tf-builds/pre-built-binary; if that was blocked, run pnpm rebuild @tensorflow/tfjs-node-gpu once the host is reachable.`,
    `3. Behind a mirror: set TFJS_NODE_CDN_STORAGE=https://your-mirror/ (it must serve tensorflow/libtensorflow/${tarball}) or TFJS_NODE_BASE_URI (the URL prefix up to "gpu-linux-…"), then pnpm rebuild @tensorflow/tfjs-node-gpu. A libtensorflow built for another CUDA: put {"tf-lib": "<url of your tarball>"} in ${packageDirectory}/scripts/custom-binary.json (see custom-binary.sample.json), then rebuild; the addon is then built from source (needs python3, make, g++).`,
    `4. Offline: extract ${tarball} so that ${packageDirectory}/deps/lib/libtensorflow.so.${LIBTENSORFLOW.version} and libtensorflow_framework.so.${LIBTENSORFLOW.version} exist, then in ${packageDirectory} run: node scripts/install.js gpu (without "download" it keeps deps/ and only builds the addon; node-pre-gyp compiles it when the prebuilt one cannot be fetched, which needs python3, make and g++).`,
    '5. Check: tfseg-bench doctor lists tensorflow-gpu as available, and tfseg-bench speed --backend tensorflow reports the GPU step time (TF_CPP_MIN_LOG_LEVEL=0 shows "Created device ... GPU:0").',
    'Without CUDA: @tensorflow/tfjs-node (libtensorflow on the CPU, same download) or the wasm backend, which needs nothing native.',
  ];
}

/** Gathers the report; restores the active backend afterwards. */
export async function collectDoctorReport(): Promise<DoctorReport> {
  const backends = await probeBackends({ searchPaths: searchPaths() });
  const wasmAvailable = backends.some((probe) => probe.backend === 'wasm' && probe.available);
  const flag = async (name: string): Promise<boolean> => wasmAvailable && (await tf.env().getAsync(name)) === true;
  const tfjsNodeGpu = tfjsNodeGpuStatus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
    versions: { ...(tf.version as Record<string, string>), 'tfjs-backend-wasm': version_wasm },
    backends,
    tfjsNodeGpu,
    gpu: gpuStatus(),
    wasm: { simd: await flag('WASM_HAS_SIMD_SUPPORT'), threads: await flag('WASM_HAS_MULTITHREAD_SUPPORT') },
    cudaSteps: cudaSteps(tfjsNodeGpu.installed ? tfjsNodeGpu.directory : undefined),
  };
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** The human-readable form of the report. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`Node ${report.node} on ${report.platform}`, `TensorFlow.js: ${Object.entries(report.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`, '', 'Backends (in the order `auto` tries them):'];
  for (const probe of report.backends) lines.push(`  ${probe.available ? '✓' : '✗'} ${probe.backend.padEnd(14)} ${probe.detail}`);
  const native = report.tfjsNodeGpu;
  lines.push(
    '',
    native.installed
      ? `@tensorflow/tfjs-node-gpu ${native.version} at ${native.directory}: libtensorflow ${yesNo(native.libtensorflow)}, native addon ${yesNo(native.addon)}`
      : '@tensorflow/tfjs-node-gpu: not installed',
    `GPU: ${report.gpu.nvidiaSmi?.join('; ') ?? 'nvidia-smi not found'}; driver: ${report.gpu.driver ?? 'none (/proc/driver/nvidia missing)'}; libcudart.so.11.0: ${yesNo(report.gpu.cudaRuntime11)}; libcudnn.so.8: ${yesNo(report.gpu.cudnn8)}`,
    `WASM: SIMD ${yesNo(report.wasm.simd)}, threads ${yesNo(report.wasm.threads)}`,
    '',
    'To train on a CUDA GPU:',
    ...report.cudaSteps.map((step) => `  ${step}`),
  );
  return lines.join('\n');
}

/** Registers `doctor`. */
export const registerDoctorCommand: RegisterCommand = (program) => {
  program
    .command('doctor')
    .description('Show which backends work here (and why not), versions, GPU visibility and how to enable CUDA')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const parsed = parseWithSchema(doctorCommandOptionsSchema, options, 'doctor', CommandOptionsError);
      const report = await collectDoctorReport();
      process.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctorReport(report)}\n`);
    });
};
