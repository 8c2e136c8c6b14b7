/**
 * What the CUDA path of `@tensorflow/tfjs-node-gpu` needs, and parsers for what a machine reports about
 * it (`nvidia-smi`, `ldconfig -p`). Pure functions over text, so every decision is tested with fixtures;
 * `device.ts` runs the commands. Nothing here has run on a GPU machine: the fixtures follow the
 * documented output formats of nvidia-smi's `--query-gpu … --format=csv,noheader,nounits` and ldconfig.
 */
import { z } from 'zod';

/**
 * The libtensorflow that `@tensorflow/tfjs-node-gpu` 4.x downloads, the CUDA stack it was built with, and
 * the GPU code it contains: TensorFlow's release builds for CUDA 11.2 compile machine code (SASS) for
 * sm_35, sm_50, sm_60, sm_70 and sm_75 and portable PTX for compute_80 (their `build_info`
 * `cuda_compute_capabilities`).
 */
export const LIBTENSORFLOW_GPU_BUILD = {
  version: '2.9.1',
  cuda: '11.2',
  cudnn: '8.1',
  /** The CUDA runtime and cuDNN sonames libtensorflow 2.9.1 opens at start-up. */
  cudaRuntimeLibrary: 'libcudart.so.11.0',
  cudnnLibrary: 'libcudnn.so.8',
  architectures: ['sm_35', 'sm_50', 'sm_60', 'sm_70', 'sm_75', 'compute_80'],
} as const;

/** One GPU as `nvidia-smi` lists it. */
export const gpuDeviceSchema = z.object({
  /** nvidia-smi's index (the CUDA device order when CUDA_DEVICE_ORDER=PCI_BUS_ID). */
  index: z.int().nonnegative(),
  /** Product name, e.g. `NVIDIA A100-SXM4-40GB`. */
  name: z.string().min(1),
  /** Total memory in MiB. */
  memoryMiB: z.int().positive().nullable(),
  /** Driver version, e.g. `535.104.05`. */
  driverVersion: z.string().nullable(),
  /** Compute capability `major.minor`, e.g. `8.0`; null where the driver cannot report it (before r510). */
  computeCapability: z.string().regex(/^\d+\.\d+$/).nullable(),
});
/** One GPU as `nvidia-smi` lists it. */
export type GpuDevice = z.infer<typeof gpuDeviceSchema>;

/** The nvidia-smi query whose output {@link parseNvidiaSmiQuery} reads. */
export const NVIDIA_SMI_QUERY = ['--query-gpu=index,name,memory.total,driver_version,compute_cap', '--format=csv,noheader,nounits'] as const;
/** The same without `compute_cap`, for drivers older than r510 that reject that field. */
export const NVIDIA_SMI_QUERY_WITHOUT_COMPUTE_CAP = ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'] as const;

/** `[N/A]`, `N/A` and empty fields are unknown. */
function field(value: string | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' || /^\[?N\/A\]?$/i.test(trimmed) || /^\[Not Supported\]$/i.test(trimmed) ? null : trimmed;
}

/**
 * Reads the output of `nvidia-smi` with {@link NVIDIA_SMI_QUERY} (or the query without `compute_cap`):
 * one GPU per line, `index, name, memory.total, driver_version[, compute_cap]`. Lines that are not such
 * a row (warnings, blank lines) are ignored.
 */
export function parseNvidiaSmiQuery(output: string): GpuDevice[] {
  const devices: GpuDevice[] = [];
  for (const line of output.split('\n')) {
    const cells = line.split(',').map((cell) => cell.trim());
    if (cells.length < 4 || !/^\d+$/.test(cells[0] ?? '')) continue;
    // A product name never contains a comma in practice, but keep any that does whole.
    const tail = cells.length >= 5 ? 3 : 2;
    const name = cells.slice(1, cells.length - tail).join(', ');
    const [memory, driver, computeCapability] = cells.slice(cells.length - tail);
    const memoryMiB = field(memory);
    const capability = field(computeCapability);
    devices.push({
      index: Number(cells[0]),
      name,
      memoryMiB: memoryMiB !== null && /^\d+$/.test(memoryMiB) ? Number(memoryMiB) : null,
      driverVersion: field(driver),
      computeCapability: capability !== null && /^\d+\.\d+$/.test(capability) ? capability : null,
    });
  }
  return devices;
}

/** How libtensorflow 2.9.1's GPU code runs on a GPU of a given compute capability. */
export interface ComputeCapabilitySupport {
  /**
   * `native`: machine code for this GPU is in the library; `jit`: only PTX fits, which the driver
   * compiles at first use; `unsupported`: older than anything the library was built for; `unknown`: the
   * capability was not reported.
   */
  status: 'native' | 'jit' | 'unsupported' | 'unknown';
  /** One sentence for `doctor`. */
  detail: string;
}

/**
 * Compares a GPU's compute capability with {@link LIBTENSORFLOW_GPU_BUILD}'s architectures. SASS built for
 * sm_XY runs on capability X.Z with Z ≥ Y (same major); PTX compute_XY is compiled by the driver for any
 * capability ≥ X.Y.
 */
export function computeCapabilitySupport(computeCapability: string | null): ComputeCapabilitySupport {
  const built = LIBTENSORFLOW_GPU_BUILD.architectures.join(', ');
  if (computeCapability === null) {
    return { status: 'unknown', detail: `compute capability not reported (driver before r510?); libtensorflow ${LIBTENSORFLOW_GPU_BUILD.version} has code for ${built}` };
  }
  const match = /^(\d+)\.(\d+)$/.exec(computeCapability);
  if (!match) return { status: 'unknown', detail: `compute capability ${JSON.stringify(computeCapability)} is not major.minor` };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const architectures = LIBTENSORFLOW_GPU_BUILD.architectures.map((name) => {
    const digits = /(\d)(\d)$/.exec(name)!;
    return { name, kind: name.startsWith('sm_') ? 'sass' : 'ptx', major: Number(digits[1]), minor: Number(digits[2]) };
  });
  const sass = architectures.filter((arch) => arch.kind === 'sass' && arch.major === major && arch.minor <= minor).at(-1);
  if (sass) return { status: 'native', detail: `compute capability ${computeCapability}: libtensorflow ${LIBTENSORFLOW_GPU_BUILD.version} runs its ${sass.name} machine code` };
  const ptx = architectures.filter((arch) => arch.kind === 'ptx' && (arch.major < major || (arch.major === major && arch.minor <= minor))).at(-1);
  if (ptx) {
    return {
      status: 'jit',
      detail:
        `compute capability ${computeCapability}: libtensorflow ${LIBTENSORFLOW_GPU_BUILD.version} has no machine code for it (built for ${built}); ` +
        `the driver JIT-compiles its ${ptx.name} PTX at first use — the first run spends minutes compiling, cached in ~/.nv/ComputeCache (raise CUDA_CACHE_MAXSIZE so the cache holds it all)`,
    };
  }
  return { status: 'unsupported', detail: `compute capability ${computeCapability} is older than anything libtensorflow ${LIBTENSORFLOW_GPU_BUILD.version} was built for (${built}): TensorFlow cannot use this GPU` };
}

/**
 * Shared libraries found by the dynamic linker, from `ldconfig -p` output (`\tlibcudnn.so.8 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcudnn.so.8`):
 * soname → path (the first entry per soname, as the linker picks).
 */
export function parseLdconfig(output: string): Map<string, string> {
  const libraries = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$/.exec(line);
    if (match && !libraries.has(match[1]!)) libraries.set(match[1]!, match[3]!);
  }
  return libraries;
}

/**
 * The full version in a library's real file name: `libcudnn.so.8.1.1` → `8.1.1`, `libcudart.so.11.2.152`
 * → `11.2.152`; null when the name carries no more than the soname does.
 */
export function libraryVersionFromFileName(soname: string, realFileName: string): string | null {
  const base = soname.replace(/\.so(\.\d+)*$/, '.so');
  const file = realFileName.split('/').at(-1) ?? realFileName;
  if (!file.startsWith(`${base}.`)) return null;
  const version = file.slice(base.length + 1);
  return /^\d+(\.\d+)*$/.test(version) ? version : null;
}

/** A CUDA library as found on this machine. */
export const cudaLibrarySchema = z.object({
  /** The soname libtensorflow opens. */
  soname: z.string(),
  /** Where the linker (or LD_LIBRARY_PATH) finds it; null when it is missing. */
  path: z.string().nullable(),
  /** The version in its real file name (`8.1.1`), when it has one. */
  version: z.string().nullable(),
});
/** A CUDA library as found on this machine. */
export type CudaLibrary = z.infer<typeof cudaLibrarySchema>;

/** Everything {@link missingForCuda} looks at. */
export interface CudaFacts {
  /** The driver's version line (`/proc/driver/nvidia/version`), or null without a driver. */
  driver: string | null;
  /** GPUs nvidia-smi lists (empty without nvidia-smi). */
  gpus: readonly GpuDevice[];
  cudaRuntime: CudaLibrary;
  cudnn: CudaLibrary;
}

/**
 * What is missing for libtensorflow 2.9.1 to train on a GPU here, one entry per missing piece (the
 * driver, the CUDA 11.2 runtime, cuDNN 8.1, a GPU TensorFlow can use); empty when nothing visible is.
 */
export function missingForCuda(facts: CudaFacts): string[] {
  const { cuda, cudnn, cudaRuntimeLibrary, cudnnLibrary } = LIBTENSORFLOW_GPU_BUILD;
  const missing: string[] = [];
  if (facts.driver === null && facts.gpus.length === 0) missing.push('an NVIDIA driver (no /proc/driver/nvidia/version, no nvidia-smi)');
  if (facts.cudaRuntime.path === null) missing.push(`the CUDA ${cuda} runtime (${cudaRuntimeLibrary} is not on the linker path or LD_LIBRARY_PATH)`);
  else if (facts.cudaRuntime.version !== null && !facts.cudaRuntime.version.startsWith('11.')) missing.push(`the CUDA ${cuda} runtime (${facts.cudaRuntime.path} is version ${facts.cudaRuntime.version})`);
  if (facts.cudnn.path === null) missing.push(`cuDNN ${cudnn} (${cudnnLibrary} is not on the linker path or LD_LIBRARY_PATH)`);
  else if (facts.cudnn.version !== null && !facts.cudnn.version.startsWith('8.')) missing.push(`cuDNN ${cudnn} (${facts.cudnn.path} is version ${facts.cudnn.version})`);
  if (facts.driver !== null || facts.gpus.length > 0) {
    const usable = facts.gpus.filter((gpu) => computeCapabilitySupport(gpu.computeCapability).status !== 'unsupported');
    if (usable.length === 0) {
      missing.push(
        facts.gpus.length === 0
          ? 'a GPU TensorFlow can use (the driver is loaded but nvidia-smi lists no GPU)'
          : `a GPU TensorFlow can use (${facts.gpus.map((gpu) => `${gpu.name}: ${computeCapabilitySupport(gpu.computeCapability).detail}`).join('; ')})`,
      );
    }
  }
  return missing;
}
