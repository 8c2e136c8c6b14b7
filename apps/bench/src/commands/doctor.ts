/**
 * `tfseg-bench doctor [--json]`: which TensorFlow.js backends work here and why not, the device a run
 * would record, versions, the GPUs with their compute capability against what libtensorflow 2.9.1 was
 * built for, the CUDA libraries with their versions, and the exact steps to enable CUDA training.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { version_wasm } from '@tensorflow/tfjs-backend-wasm';
import {
  LIBTENSORFLOW_GPU_BUILD,
  computeCapabilitySupport,
  formatTrainingDevice,
  missingForCuda,
  probeBackends,
  probeCuda,
  probeFusedMultiplyAdd,
  selectBackend,
  type BackendProbe,
  type ComputeCapabilitySupport,
  type CudaLibrary,
  type GpuDevice,
  type TrainingDevice,
} from '@tfseg/training';
import { z } from 'zod';
import { CommandOptionsError } from '../errors';
import { parseWithSchema } from '../tfseg-error';
import type { RegisterCommand } from './command';

/** Options of the `doctor` command. */
export const doctorCommandOptionsSchema = z.object({ json: z.boolean().default(false) });

const LIBTENSORFLOW = LIBTENSORFLOW_GPU_BUILD;

/** What `doctor` found. */
export interface DoctorReport {
  node: string;
  platform: string;
  versions: Record<string, string>;
  backends: BackendProbe[];
  /** The device a run with backend `auto` trains on here, as its record would store it. */
  device: TrainingDevice;
  /** Where @tensorflow/tfjs-node-gpu is installed and which of its native parts are present. */
  tfjsNodeGpu: { installed: false } | { installed: true; version: string; directory: string; libtensorflow: boolean; addon: boolean };
  gpu: {
    /** The driver's version line, or null without a driver. */
    driver: string | null;
    /** GPUs nvidia-smi lists, each with how libtensorflow 2.9.1's code runs on it. */
    gpus: (GpuDevice & { support: ComputeCapabilitySupport })[];
    cudaRuntime: CudaLibrary;
    cudnn: CudaLibrary;
    /** What `tensorflow-gpu` lacks here (empty when nothing visible is missing). */
    missing: string[];
  };
  /**
   * The wasm backend's features; `fusedMultiplyAdd`: what `--fma` would give (`fused`, `separate` on a
   * CPU whose engine does not fuse it, or null without relaxed SIMD).
   */
  wasm: { simd: boolean; threads: boolean; fusedMultiplyAdd: 'fused' | 'separate' | null };
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

/** The CUDA side of the machine, judged against libtensorflow 2.9.1. */
async function gpuStatus(): Promise<DoctorReport['gpu']> {
  const facts = await probeCuda();
  return {
    driver: facts.driver,
    gpus: facts.gpus.map((gpu) => ({ ...gpu, support: computeCapabilitySupport(gpu.computeCapability) })),
    cudaRuntime: facts.cudaRuntime,
    cudnn: facts.cudnn,
    missing: missingForCuda(facts),
  };
}

/** The steps to train on an NVIDIA GPU, with the package's real file names and variables (scripts/install.js). */
export function cudaSteps(packageDirectory = 'node_modules/@tensorflow/tfjs-node-gpu'): string[] {
  const tarball = `libtensorflow-gpu-linux-x86_64-${LIBTENSORFLOW.version}.tar.gz`;
  return [
    `@tensorflow/tfjs-node-gpu 4.x runs libtensorflow ${LIBTENSORFLOW.version}, built for CUDA ${LIBTENSORFLOW.cuda} and cuDNN ${LIBTENSORFLOW.cudnn} (Linux x86_64): it needs an NVIDIA driver, libcudart.so.11.0 and libcudnn.so.8 on the library path.`,
    `1. Install CUDA ${LIBTENSORFLOW.cuda} and cuDNN ${LIBTENSORFLOW.cudnn}. On a machine with a newer CUDA (12.x), install them side by side (e.g. /usr/local/cuda-11.2, with cuDNN 8.1 copied into its lib64) and run with LD_LIBRARY_PATH=/usr/local/cuda-11.2/lib64:$LD_LIBRARY_PATH — a newer driver runs CUDA 11.2 programs. Or run inside a CUDA 11.2 image: docker run --gpus all nvidia/cuda:11.2.2-cudnn8-runtime-ubuntu20.04.`,
    `2. In the tfseg repository: pnpm gpu:setup (adds @tensorflow/tfjs-node-gpu to @tfseg/bench, builds, then runs doctor); elsewhere: pnpm add @tensorflow/tfjs-node-gpu. Its install step downloads https://storage.googleapis.com/tensorflow/libtensorflow/${tarball} and the prebuilt addon from https://storage.googleapis.com/tf-builds/pre-built-binary; if that was blocked, run pnpm rebuild @tensorflow/tfjs-node-gpu once the host is reachable.`,
    `3. Behind a mirror: set TFJS_NODE_CDN_STORAGE=https://your-mirror/ (it must serve tensorflow/libtensorflow/${tarball}) or TFJS_NODE_BASE_URI (the URL prefix up to "gpu-linux-…"), then pnpm rebuild @tensorflow/tfjs-node-gpu. A libtensorflow built for another CUDA: put {"tf-lib": "<url of your tarball>"} in ${packageDirectory}/scripts/custom-binary.json (see custom-binary.sample.json), then rebuild; the addon is then built from source (needs python3, make, g++).`,
    `4. Offline: extract ${tarball} so that ${packageDirectory}/deps/lib/libtensorflow.so.${LIBTENSORFLOW.version} and libtensorflow_framework.so.${LIBTENSORFLOW.version} exist, then in ${packageDirectory} run: node scripts/install.js gpu (without "download" it keeps deps/ and only builds the addon; node-pre-gyp compiles it when the prebuilt one cannot be fetched, which needs python3, make and g++).`,
    '5. Check: tfseg-bench doctor lists tensorflow-gpu as available, and tfseg-bench speed --backend tensorflow-gpu reports the GPU step time (TF_CPP_MIN_LOG_LEVEL=0 shows "Created device ... GPU:0"). Configs ask for backend: tensorflow-gpu to refuse anything but the GPU.',
    'Without CUDA: @tensorflow/tfjs-node (libtensorflow on the CPU, same download) or the wasm backend, which needs nothing native.',
  ];
}

/** Gathers the report; restores the active backend afterwards. */
export async function collectDoctorReport(): Promise<DoctorReport> {
  const backends = await probeBackends({ searchPaths: searchPaths() });
  const previous = tf.getBackend();
  const { device } = await selectBackend('auto', { searchPaths: searchPaths() });
  if (previous) await tf.setBackend(previous);
  const wasmAvailable = backends.some((probe) => probe.backend === 'wasm' && probe.available);
  const flag = async (name: string): Promise<boolean> => wasmAvailable && (await tf.env().getAsync(name)) === true;
  const tfjsNodeGpu = tfjsNodeGpuStatus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
    versions: { ...(tf.version as Record<string, string>), 'tfjs-backend-wasm': version_wasm },
    backends,
    device,
    tfjsNodeGpu,
    gpu: await gpuStatus(),
    wasm: { simd: await flag('WASM_HAS_SIMD_SUPPORT'), threads: await flag('WASM_HAS_MULTITHREAD_SUPPORT'), fusedMultiplyAdd: (await probeFusedMultiplyAdd()) ?? null },
    cudaSteps: cudaSteps(tfjsNodeGpu.installed ? tfjsNodeGpu.directory : undefined),
  };
}

const yesNo = (value: boolean): string => (value ? 'yes' : 'no');

/** What `--fma` would do here, in words. */
function fusedMultiplyAddStatus(multiplyAdd: DoctorReport['wasm']['fusedMultiplyAdd']): string {
  if (multiplyAdd === 'fused') return 'yes (fused on this CPU: faster, other bits than without --fma)';
  if (multiplyAdd === 'separate') return 'runs, but not fused on this CPU (no speed-up; the same bits as without --fma)';
  return 'no (this engine lacks WebAssembly relaxed SIMD; --fma would fail)';
}

/** The human-readable form of the report. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`Node ${report.node} on ${report.platform}`, `TensorFlow.js: ${Object.entries(report.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`, '', 'Backends (in the order `auto` tries them):'];
  for (const probe of report.backends) lines.push(`  ${probe.available ? '✓' : '✗'} ${probe.backend.padEnd(14)} ${probe.detail}`);
  lines.push('', `A run with backend auto trains on: ${formatTrainingDevice(report.device)}`);
  const native = report.tfjsNodeGpu;
  lines.push(
    '',
    native.installed
      ? `@tensorflow/tfjs-node-gpu ${native.version} at ${native.directory}: libtensorflow ${yesNo(native.libtensorflow)}, native addon ${yesNo(native.addon)}`
      : '@tensorflow/tfjs-node-gpu: not installed',
    `NVIDIA driver: ${report.gpu.driver ?? 'none (/proc/driver/nvidia/version missing)'}`,
    ...(report.gpu.gpus.length === 0
      ? ['GPUs: none listed (nvidia-smi missing or no GPU)']
      : report.gpu.gpus.map((gpu) => `GPU ${gpu.index}: ${gpu.name}, ${gpu.memoryMiB ?? '?'} MiB, driver ${gpu.driverVersion ?? '?'} — ${gpu.support.detail}`)),
    ...[report.gpu.cudaRuntime, report.gpu.cudnn].map((library) => `${library.soname}: ${library.path === null ? 'not found' : `${library.path}${library.version ? ` (version ${library.version})` : ''}`}`),
    report.gpu.missing.length === 0 ? 'tensorflow-gpu: nothing missing that tfseg can see' : `tensorflow-gpu lacks: ${report.gpu.missing.join('; ')}`,
    `WASM: SIMD ${yesNo(report.wasm.simd)}, threads ${yesNo(report.wasm.threads)}, fused multiply-add (--fma) ${fusedMultiplyAddStatus(report.wasm.fusedMultiplyAdd)}`,
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
