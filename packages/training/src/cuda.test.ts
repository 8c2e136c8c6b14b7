import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { LIBTENSORFLOW_GPU_BUILD, computeCapabilitySupport, libraryVersionFromFileName, missingForCuda, parseLdconfig, parseNvidiaSmiQuery, type CudaFacts } from './cuda';
import { visibleGpu } from './device';

const fixture = (name: string): string => readFileSync(join(__dirname, '__fixtures__', 'cuda', name), 'utf8');

describe('parseNvidiaSmiQuery', () => {
  it('reads index, name, memory, driver and compute capability per GPU', () => {
    expect(parseNvidiaSmiQuery(fixture('nvidia-smi-a100-t4.csv'))).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMiB: 40960, driverVersion: '535.104.05', computeCapability: '8.0' },
      { index: 1, name: 'Tesla T4', memoryMiB: 15360, driverVersion: '535.104.05', computeCapability: '7.5' },
    ]);
  });

  it('reads the query without compute_cap that drivers before r510 answer', () => {
    const gpus = parseNvidiaSmiQuery(fixture('nvidia-smi-old-driver.csv'));
    expect(gpus.map((gpu) => [gpu.index, gpu.name, gpu.memoryMiB, gpu.computeCapability])).toEqual([
      [0, 'Tesla K80', 11441, null],
      [1, 'Tesla K80', 11441, null],
    ]);
  });

  it('turns [N/A] into null and ignores lines that are not rows', () => {
    expect(parseNvidiaSmiQuery('Warning: persistence mode is disabled\n\n0, NVIDIA H100 80GB HBM3, [N/A], 550.54.15, 9.0\nNo devices were found\n')).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMiB: null, driverVersion: '550.54.15', computeCapability: '9.0' },
    ]);
    expect(parseNvidiaSmiQuery('')).toEqual([]);
  });
});

describe('computeCapabilitySupport against libtensorflow 2.9.1 (sm_35, sm_50, sm_60, sm_70, sm_75, compute_80)', () => {
  it.each([
    ['3.5', 'native', 'sm_35'],
    ['3.7', 'native', 'sm_35'],
    ['5.2', 'native', 'sm_50'],
    ['6.1', 'native', 'sm_60'],
    ['7.0', 'native', 'sm_70'],
    ['7.5', 'native', 'sm_75'],
    ['8.0', 'jit', 'compute_80'],
    ['8.6', 'jit', 'compute_80'],
    ['8.9', 'jit', 'compute_80'],
    ['9.0', 'jit', 'compute_80'],
    ['3.0', 'unsupported', 'older than anything'],
    ['2.1', 'unsupported', 'older than anything'],
  ])('capability %s → %s (%s)', (capability, status, detail) => {
    const support = computeCapabilitySupport(capability);
    expect(support.status).toBe(status);
    expect(support.detail).toContain(detail);
  });

  it('says when the driver must JIT-compile, and that the first run is slow', () => {
    expect(computeCapabilitySupport('8.6').detail).toMatch(/driver JIT-compiles its compute_80 PTX at first use.*minutes/);
  });

  it('is unknown without a capability', () => {
    expect(computeCapabilitySupport(null).status).toBe('unknown');
    expect(computeCapabilitySupport('eight').status).toBe('unknown');
  });

  it('never calls a real capability at or above 3.5 unsupported, nor one below it usable (property)', () => {
    // The majors NVIDIA has shipped (there was never a 4.x): Fermi 2, Kepler 3, Maxwell 5, Pascal 6, Volta/Turing 7, Ampere/Ada 8, Hopper 9, Blackwell 10/12.
    fc.assert(
      fc.property(fc.constantFrom(2, 3, 5, 6, 7, 8, 9, 10, 12), fc.integer({ min: 0, max: 9 }), (major, minor) => {
        const { status } = computeCapabilitySupport(`${major}.${minor}`);
        const atLeast35 = major > 3 || (major === 3 && minor >= 5);
        expect(status === 'unsupported').toBe(!atLeast35);
        // SASS only within the same major version; everything from 8.0 up is PTX.
        if (major >= 8) expect(status).toBe('jit');
      }),
    );
  });
});

describe('parseLdconfig and library versions', () => {
  it('maps sonames to paths, first entry wins', () => {
    const libraries = parseLdconfig(fixture('ldconfig-cuda-11.2.txt'));
    expect(libraries.get('libcudart.so.11.0')).toBe('/usr/local/cuda-11.2/targets/x86_64-linux/lib/libcudart.so.11.0');
    expect(libraries.get('libcudnn.so.8')).toBe('/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
    expect(libraries.get('libc.so.6')).toBe('/lib/x86_64-linux-gnu/libc.so.6');
    expect(libraries.has('1257')).toBe(false);
  });

  it('reads the full version from the real file name', () => {
    expect(libraryVersionFromFileName('libcudnn.so.8', '/usr/lib/x86_64-linux-gnu/libcudnn.so.8.1.1')).toBe('8.1.1');
    expect(libraryVersionFromFileName('libcudart.so.11.0', '/usr/local/cuda-11.2/lib64/libcudart.so.11.2.152')).toBe('11.2.152');
    expect(libraryVersionFromFileName('libcudnn.so.8', '/usr/lib/libcudnn.so.8')).toBe('8');
    expect(libraryVersionFromFileName('libcudnn.so.8', '/usr/lib/libcudnn_ops.so.8.1.1')).toBeNull();
  });
});

describe('missingForCuda', () => {
  const ready: CudaFacts = {
    driver: 'NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.104.05',
    gpus: parseNvidiaSmiQuery(fixture('nvidia-smi-a100-t4.csv')),
    cudaRuntime: { soname: 'libcudart.so.11.0', path: '/usr/local/cuda-11.2/lib64/libcudart.so.11.0', version: '11.2.152' },
    cudnn: { soname: 'libcudnn.so.8', path: '/usr/lib/x86_64-linux-gnu/libcudnn.so.8', version: '8.1.1' },
  };

  it('finds nothing missing on a complete CUDA 11.2 machine', () => {
    expect(missingForCuda(ready)).toEqual([]);
  });

  it('names everything on a machine without a GPU (like this one)', () => {
    const missing = missingForCuda({ driver: null, gpus: [], cudaRuntime: { soname: 'libcudart.so.11.0', path: null, version: null }, cudnn: { soname: 'libcudnn.so.8', path: null, version: null } });
    expect(missing).toHaveLength(3);
    expect(missing[0]).toMatch(/^an NVIDIA driver/);
    expect(missing[1]).toMatch(/^the CUDA 11\.2 runtime \(libcudart\.so\.11\.0 is not/);
    expect(missing[2]).toMatch(/^cuDNN 8\.1 \(libcudnn\.so\.8 is not/);
  });

  it('names the CUDA 12 / cuDNN 9 machine’s missing 11.2 runtime and cuDNN 8', () => {
    const libraries = parseLdconfig(fixture('ldconfig-cuda-12.txt'));
    const missing = missingForCuda({ ...ready, cudaRuntime: { soname: 'libcudart.so.11.0', path: libraries.get('libcudart.so.11.0') ?? null, version: null }, cudnn: { soname: 'libcudnn.so.8', path: libraries.get('libcudnn.so.8') ?? null, version: null } });
    expect(missing).toEqual([expect.stringMatching(/CUDA 11\.2 runtime/), expect.stringMatching(/cuDNN 8\.1/)]);
  });

  it('names a GPU too old for TensorFlow', () => {
    const missing = missingForCuda({ ...ready, gpus: parseNvidiaSmiQuery(fixture('nvidia-smi-kepler-k10.csv')) });
    expect(missing).toEqual([expect.stringMatching(/^a GPU TensorFlow can use \(Tesla K10\.G1\.8GB: compute capability 3\.0 is older/)]);
  });

  it('accepts a newer GPU that needs JIT, and a wrong cuDNN major version is missing cuDNN 8.1', () => {
    expect(missingForCuda({ ...ready, gpus: parseNvidiaSmiQuery(fixture('nvidia-smi-rtx4090.csv')) })).toEqual([]);
    expect(missingForCuda({ ...ready, cudnn: { ...ready.cudnn, version: '7.6.5' } })).toEqual([`cuDNN ${LIBTENSORFLOW_GPU_BUILD.cudnn} (/usr/lib/x86_64-linux-gnu/libcudnn.so.8 is version 7.6.5)`]);
  });
});

describe('visibleGpu', () => {
  const gpus = parseNvidiaSmiQuery(fixture('nvidia-smi-a100-t4.csv'));
  it('follows CUDA_VISIBLE_DEVICES', () => {
    expect(visibleGpu(gpus, undefined)?.name).toBe('NVIDIA A100-SXM4-40GB');
    expect(visibleGpu(gpus, '1')?.name).toBe('Tesla T4');
    expect(visibleGpu(gpus, '1,0')?.name).toBe('Tesla T4');
    expect(visibleGpu(gpus, '7')).toBeNull();
    expect(visibleGpu([], undefined)).toBeNull();
  });
});
