#!/usr/bin/env node
// `pnpm gpu:setup [--no-gpu-check]`: the one step that enables CUDA training. Installs (or repairs)
// @tensorflow/tfjs-node-gpu in @tfseg/bench, builds, runs `tfseg-bench doctor`, and exits 0 only when
// tensorflow-gpu is usable (with --no-gpu-check: when the install and build worked). Exit 2: wrong
// platform; 3: no driver, a failed install, or tensorflow-gpu still unusable (doctor says why).
// NEVER RUN ON A GPU by the tfseg developers (no GPU, no libtensorflow download where they work).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gpuSetupPlan } from './gpu-setup-plan.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const noGpuCheck = process.argv.includes('--no-gpu-check');
const say = (line) => process.stderr.write(`gpu:setup: ${line}\n`);

function installedTfjsNodeGpu() {
  let directory;
  try {
    directory = dirname(createRequire(join(root, 'apps', 'bench', 'noop.js')).resolve('@tensorflow/tfjs-node-gpu/package.json'));
  } catch {
    return null;
  }
  const { version } = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
  const lib = join(directory, 'lib');
  return {
    version,
    libtensorflow: existsSync(join(directory, 'deps', 'lib', 'libtensorflow.so.2.9.1')),
    addon: existsSync(lib) && readdirSync(lib, { recursive: true }).some((file) => String(file).endsWith('tfjs_binding.node')),
  };
}

const smi = spawnSync('nvidia-smi', ['-L'], { encoding: 'utf8' });
const plan = gpuSetupPlan({
  platform: platform(),
  arch: arch(),
  driver: existsSync('/proc/driver/nvidia/version'),
  gpus: smi.status === 0 ? smi.stdout.split('\n').filter((line) => line.startsWith('GPU ')).length : 0,
  noGpuCheck,
  installed: installedTfjsNodeGpu(),
});
if (plan.action === 'fail') {
  say(plan.message);
  process.exit(plan.exitCode);
}
for (const note of plan.notes) say(note);
for (const step of plan.steps) {
  say(`$ ${step.command} ${step.args.join(' ')}`);
  const result = spawnSync(step.command, step.args, { cwd: root, stdio: ['ignore', step.name === 'doctor' ? 'inherit' : process.stderr, 'inherit'] });
  if (result.status !== 0) {
    say(`${step.name} failed (exit ${result.status ?? result.signal}).${step.name === 'add' || step.name === 'rebuild' ? ' If the libtensorflow download was blocked, `pnpm tfseg-bench doctor` lists the mirror and offline steps.' : ''}`);
    process.exit(3);
  }
}
const report = spawnSync('node', ['apps/bench/dist/cli.js', 'doctor', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const doctorReport = report.status === 0 ? JSON.parse(report.stdout) : undefined;
const gpuProbe = doctorReport?.backends.find((probe) => probe.backend === 'tensorflow-gpu');
if (gpuProbe?.available) {
  say(`done: tensorflow-gpu is usable (${gpuProbe.detail}); configs ask for it with backend: tensorflow-gpu`);
} else if (noGpuCheck) {
  say(`installed and built; tensorflow-gpu is not usable on this machine (${gpuProbe?.detail ?? 'doctor failed'}), as expected with --no-gpu-check`);
} else {
  say(`installed, but tensorflow-gpu is not usable yet: ${gpuProbe?.detail ?? 'doctor failed'}${doctorReport?.gpu.missing.length ? `; missing: ${doctorReport.gpu.missing.join('; ')}` : ''}`);
  process.exit(3);
}
