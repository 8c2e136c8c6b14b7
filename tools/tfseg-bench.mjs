#!/usr/bin/env node
// `pnpm tfseg-bench <command>` (root script): builds @tfseg/bench and what it depends on through turbo
// (cached: ~0.2 s when nothing changed; its output goes to stderr only when the build fails), then runs
// the built CLI with the given arguments, forwarding signals and the exit code. stdout is the CLI's alone,
// except for the `> tfseg@ …` header pnpm itself prints: `pnpm -s tfseg-bench … --json` drops it.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const turbo = join(root, 'node_modules', '.bin', 'turbo');
const build = spawnSync(turbo, ['run', 'build', '--filter=@tfseg/bench...', '--output-logs=errors-only'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (build.error || build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}`);
  process.stderr.write(`tfseg-bench: building the CLI failed (${build.error ? build.error.message : `turbo exit ${build.status}`}); run pnpm install --frozen-lockfile, then pnpm build\n`);
  process.exit(3);
}
const child = spawn(process.execPath, [join(root, 'apps', 'bench', 'dist', 'cli.js'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
