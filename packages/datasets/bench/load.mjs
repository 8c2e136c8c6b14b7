// Benchmark: loading and preparing the datasets, against the built dist/ (run `pnpm --filter @tfseg/datasets build` first).
//   node bench/load.mjs            → Drosophila (real, vendored): median of 7 runs, plus peak memory of each dataset at paper size
//   node bench/load.mjs <dataset>  → one child run: drosophila | covid19-ct | chase-db1 (the last two synthetic at paper size)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getDataset, prepareFold, writeSyntheticChase, writeSyntheticCovid } from '../dist/index.js';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const mib = (kib) => (kib / 1024).toFixed(0);

async function timeDrosophila() {
  const root = getDataset('drosophila').defaultRoot;
  const files = ['raw', 'labels'].flatMap((folder) => readdirSync(join(root, 'stack1', folder)).map((file) => join(root, 'stack1', folder, file)));
  let start = performance.now();
  for (const file of files) readFileSync(file);
  const read = performance.now() - start;
  start = performance.now();
  const dataset = await getDataset('drosophila').load();
  const load = performance.now() - start;
  start = performance.now();
  prepareFold(dataset, { fold: 0 });
  const prepare = performance.now() - start;
  return { read, load, prepare, total: load + prepare };
}

async function child(name) {
  let dataset;
  let root;
  if (name === 'drosophila') {
    dataset = await getDataset('drosophila').load();
  } else {
    root = mkdtempSync(join(tmpdir(), 'tfseg-bench-'));
    if (name === 'covid19-ct') writeSyntheticCovid(root, { slices: 100, size: 512, image: { datatype: 'int16', gzip: true } });
    else writeSyntheticChase(root, { children: 14, height: 960, width: 999 });
    dataset = await getDataset(name).load({ root });
  }
  const prepared = prepareFold(dataset, { fold: 0 });
  if (root) rmSync(root, { recursive: true, force: true });
  const result = { name, samples: dataset.samples.length, patches: [prepared.trainSampling.samplesPerEpoch, prepared.validation.count, prepared.test.count], maxRssKiB: process.resourceUsage().maxRSS };
  process.stdout.write(JSON.stringify(result));
}

if (process.argv[2]) {
  await child(process.argv[2]);
} else {
  await timeDrosophila(); // warm-up (file cache, JIT)
  const runs = [];
  for (let i = 0; i < 7; i++) runs.push(await timeDrosophila());
  const summary = Object.fromEntries(['read', 'load', 'prepare', 'total'].map((key) => [key, median(runs.map((run) => run[key]))]));
  console.log(`Drosophila, 20 images of 1024², median of 7 runs (ms): read files ${summary.read.toFixed(0)}, load (decode + map) ${summary.load.toFixed(0)}, prepareFold ${summary.prepare.toFixed(0)}, load + prepare ${summary.total.toFixed(0)}; ${(summary.total / 3000).toFixed(2)}× the 3 s budget`);
  for (const name of ['drosophila', 'covid19-ct', 'chase-db1']) {
    const out = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { encoding: 'utf8' });
    if (out.status !== 0) throw new Error(out.stderr);
    const result = JSON.parse(out.stdout);
    console.log(`${name}: ${result.samples} samples at paper size, fold 0 patches train (per epoch)/val/test ${result.patches.join('/')}, peak RSS ${mib(result.maxRssKiB)} MiB (load + prepareFold${name === 'drosophila' ? '' : ', synthetic files, writer included'})`);
  }
}
