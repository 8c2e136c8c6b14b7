// What `pnpm gpu:setup` does on this machine: refuse (with the reason and what to do), or the commands
// that install @tensorflow/tfjs-node-gpu into @tfseg/bench (its install step downloads libtensorflow-gpu
// 2.9.1), rebuild it when its native parts are missing, build, and run doctor. Pure (no I/O): its
// decisions are tested with fixtures (test/gpu-setup-plan.test.ts); setup.mjs gathers the facts and runs it.

/** The tfjs-node-gpu release matching the repository's tfjs (4.22.0), which links libtensorflow 2.9.1. */
export const TFJS_NODE_GPU_VERSION = '4.22.0';

/**
 * @typedef {{ platform: string, arch: string, driver: boolean, gpus: number, noGpuCheck: boolean,
 *   installed: null | { version: string, libtensorflow: boolean, addon: boolean } }} GpuSetupFacts
 * @typedef {{ name: 'add' | 'rebuild' | 'build' | 'doctor', command: string, args: string[] }} GpuSetupStep
 * @typedef {{ action: 'fail', exitCode: 2 | 3, message: string } | { action: 'run', notes: string[], steps: GpuSetupStep[] }} GpuSetupPlan
 */

const add = { name: 'add', command: 'pnpm', args: ['--filter', '@tfseg/bench', 'add', '--save-optional', `@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}`] };
const rebuild = { name: 'rebuild', command: 'pnpm', args: ['--filter', '@tfseg/bench', 'rebuild', '@tensorflow/tfjs-node-gpu'] };
const build = { name: 'build', command: 'pnpm', args: ['build'] };
const doctor = { name: 'doctor', command: 'node', args: ['apps/bench/dist/cli.js', 'doctor'] };

/**
 * Decides what `pnpm gpu:setup` does.
 * @param {GpuSetupFacts} facts
 * @returns {GpuSetupPlan}
 */
export function gpuSetupPlan(facts) {
  if (facts.platform !== 'linux' || facts.arch !== 'x64') {
    return {
      action: 'fail',
      exitCode: 2,
      message: `@tensorflow/tfjs-node-gpu exists for Linux x86_64 only (this is ${facts.platform} ${facts.arch}): train on the wasm backend here, or run the Docker image (Dockerfile) on a Linux host with an NVIDIA GPU.`,
    };
  }
  if (!facts.driver && facts.gpus === 0 && !facts.noGpuCheck) {
    return {
      action: 'fail',
      exitCode: 3,
      message:
        'no NVIDIA driver here (no nvidia-smi, no /proc/driver/nvidia/version): installing @tensorflow/tfjs-node-gpu would download ~400 MB of libtensorflow-gpu that cannot run. ' +
        'Install the NVIDIA driver first, or pass --no-gpu-check to install anyway (e.g. while building a container image that runs on a GPU host).',
    };
  }
  const notes = [];
  let steps;
  if (facts.installed === null) {
    notes.push(`adding @tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION} to @tfseg/bench as an optional dependency (this changes apps/bench/package.json and pnpm-lock.yaml; git checkout both to undo); its install downloads libtensorflow-gpu 2.9.1`);
    steps = [add, build, doctor];
  } else if (!facts.installed.libtensorflow || !facts.installed.addon) {
    const missing = [!facts.installed.libtensorflow && 'libtensorflow', !facts.installed.addon && 'the native addon'].filter(Boolean).join(' and ');
    notes.push(`@tensorflow/tfjs-node-gpu ${facts.installed.version} is installed without ${missing} (a blocked download?): rebuilding it`);
    steps = [rebuild, build, doctor];
  } else {
    notes.push(`@tensorflow/tfjs-node-gpu ${facts.installed.version} is installed with libtensorflow and its addon: building and checking`);
    steps = [build, doctor];
  }
  if (facts.noGpuCheck && !facts.driver && facts.gpus === 0) notes.push('--no-gpu-check: no GPU here, so doctor will show tensorflow-gpu as unavailable; that is expected until the image runs on a GPU host');
  return { action: 'run', notes, steps };
}
