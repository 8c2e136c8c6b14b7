#!/usr/bin/env node
// Copies tools/errors/tfseg-error.ts into every package (and the bench) as src/tfseg-error.ts, so each
// package has the one error root and parse helper without a shared runtime package. `--check` fails
// (exit 1) when a copy is missing or differs; `pnpm lint` runs it.
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const source = join(root, 'tools', 'errors', 'tfseg-error.ts');
const header =
  '// GENERATED from tools/errors/tfseg-error.ts by `node tools/errors/sync.mjs`: do not edit here.\n' +
  '// `pnpm lint` checks that every copy matches the source.\n';
const text = header + readFileSync(source, 'utf8');
const targets = [
  ...readdirSync(join(root, 'packages')).map((name) => join(root, 'packages', name)),
  join(root, 'apps', 'bench'),
]
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => join(dir, 'src', 'tfseg-error.ts'));

const check = process.argv.includes('--check');
const stale = targets.filter((file) => !existsSync(file) || readFileSync(file, 'utf8') !== text);
if (check) {
  if (stale.length > 0) {
    console.error(`tools/errors/sync.mjs: out of date: ${stale.map((file) => relative(root, file)).join(', ')}; run node tools/errors/sync.mjs`);
    process.exit(1);
  }
  console.log(`tools/errors/sync.mjs: ${targets.length} copies of tfseg-error.ts match`);
} else {
  for (const file of stale) writeFileSync(file, text);
  console.log(`tools/errors/sync.mjs: wrote ${stale.length} of ${targets.length} copies`);
}
