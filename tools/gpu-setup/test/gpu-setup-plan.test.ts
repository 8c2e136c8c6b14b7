import { TFJS_NODE_GPU_VERSION, gpuSetupPlan } from '../gpu-setup-plan.mjs';

const gpuHost = { platform: 'linux', arch: 'x64', driver: true, gpus: 1, noGpuCheck: false, installed: null };
const stepNames = (plan: ReturnType<typeof gpuSetupPlan>): string[] => (plan.action === 'run' ? plan.steps.map((step) => step.name) : []);

describe('gpuSetupPlan: what pnpm gpu:setup does', () => {
  it('on a Linux GPU host without the package: adds it to @tfseg/bench, builds, runs doctor', () => {
    const plan = gpuSetupPlan(gpuHost);
    expect(stepNames(plan)).toEqual(['add', 'build', 'doctor']);
    if (plan.action !== 'run') return;
    expect(plan.steps[0]).toEqual({ name: 'add', command: 'pnpm', args: ['--filter', '@tfseg/bench', 'add', '--save-optional', `@tensorflow/tfjs-node-gpu@${TFJS_NODE_GPU_VERSION}`] });
    expect(plan.steps[2]).toEqual({ name: 'doctor', command: 'node', args: ['apps/bench/dist/cli.js', 'doctor'] });
    expect(plan.notes[0]).toContain('changes apps/bench/package.json and pnpm-lock.yaml');
  });

  it('repairs an install whose libtensorflow download or addon is missing', () => {
    const plan = gpuSetupPlan({ ...gpuHost, installed: { version: '4.22.0', libtensorflow: false, addon: false } });
    expect(stepNames(plan)).toEqual(['rebuild', 'build', 'doctor']);
    if (plan.action === 'run') expect(plan.notes[0]).toContain('without libtensorflow and the native addon');
    expect(stepNames(gpuSetupPlan({ ...gpuHost, installed: { version: '4.22.0', libtensorflow: true, addon: false } }))).toEqual(['rebuild', 'build', 'doctor']);
  });

  it('only builds and checks a complete install', () => {
    expect(stepNames(gpuSetupPlan({ ...gpuHost, installed: { version: '4.22.0', libtensorflow: true, addon: true } }))).toEqual(['build', 'doctor']);
  });

  it('refuses to download libtensorflow-gpu onto a machine without an NVIDIA driver (exit 3), unless told to', () => {
    const plan = gpuSetupPlan({ ...gpuHost, driver: false, gpus: 0 });
    expect(plan).toMatchObject({ action: 'fail', exitCode: 3 });
    if (plan.action === 'fail') expect(plan.message).toMatch(/no NVIDIA driver.*--no-gpu-check/);
    const image = gpuSetupPlan({ ...gpuHost, driver: false, gpus: 0, noGpuCheck: true });
    expect(stepNames(image)).toEqual(['add', 'build', 'doctor']);
    if (image.action === 'run') expect(image.notes.at(-1)).toContain('--no-gpu-check');
    // nvidia-smi listing a GPU counts as a driver even where /proc is not mounted (some containers).
    expect(gpuSetupPlan({ ...gpuHost, driver: false, gpus: 2 }).action).toBe('run');
  });

  it('refuses off Linux x86_64 (exit 2): tfjs-node-gpu has no such build', () => {
    for (const [platform, arch] of [['darwin', 'arm64'], ['linux', 'arm64'], ['win32', 'x64']]) {
      const plan = gpuSetupPlan({ ...gpuHost, platform: platform!, arch: arch!, noGpuCheck: true });
      expect(plan).toMatchObject({ action: 'fail', exitCode: 2 });
      if (plan.action === 'fail') expect(plan.message).toContain(`this is ${platform} ${arch}`);
    }
  });
});
