#!/usr/bin/env node
// Step of `pnpm test`: makes sure the browser tests have Chromium. Present: nothing to do. Missing on a
// Debian-like machine as root (CI, containers): installs Debian's `chromium` with apt-get. Otherwise:
// exits 1 with what to install — never skips the tests. TFSEG_CHROMIUM overrides the executable.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromiumPlan, DEFAULT_CHROMIUM } from './chromium-plan.mjs';

const hasCommand = (name) => spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
const executable = process.env.TFSEG_CHROMIUM || DEFAULT_CHROMIUM;
const plan = chromiumPlan({
  executable,
  executableExists: existsSync(executable),
  overridden: Boolean(process.env.TFSEG_CHROMIUM),
  platform: process.platform,
  isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
  hasAptGet: hasCommand('apt-get'),
});

if (plan.action === 'fail') {
  console.error(`pnpm test: ${plan.message}`);
  process.exit(1);
}
if (plan.action === 'install') {
  console.error(`pnpm test: ${executable} is missing; installing Debian's chromium for the browser tests (apt-get, as root)`);
  for (const [command, args] of plan.commands) {
    const result = spawnSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) {
      console.error(`pnpm test: \`${command} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}); install chromium by hand (apt-get install -y chromium) and run pnpm test again`);
      process.exit(1);
    }
  }
  if (!existsSync(executable)) {
    console.error(`pnpm test: apt-get installed chromium but ${executable} still does not exist; set TFSEG_CHROMIUM to its executable`);
    process.exit(1);
  }
}
try {
  const version = execFileSync(executable, ['--version'], { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  console.error(`pnpm test: browser tests use ${version} (${executable})`);
} catch (error) {
  console.error(`pnpm test: ${executable} exists but does not run (${String(error.message).split('\n')[0]}); reinstall it (apt-get install --reinstall -y chromium)`);
  process.exit(1);
}
