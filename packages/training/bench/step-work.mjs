#!/usr/bin/env node
/* global process, console, performance */
/**
 * How much work one training step does, and its CPU time, for two builds of @tfseg/training side by side
 * (e.g. main's dist against a change's): the load-independent figures of a shared machine. Build each
 * first, then:
 *
 *   node packages/training/bench/step-work.mjs --builds before=/path/a/dist/index.js,after=/path/b/dist/index.js
 *                                              [--models unet:small,unet:tiny,transunet:tiny,convformer-unet:tiny]
 *                                              [--rounds 2] [--steps 5]
 *
 * Per build and model (64×64, batch 4, 1 input channel, 2 classes, ML loss on logits, the package's Adam,
 * wasm on 1 thread), each in a fresh process: kernel calls of one profiled step, MiB written by kernels
 * (every output except Reshape and a data-sharing Identity), full-size elementwise/reduction kernels
 * (≥ 64 Ki elements; convolutions, pooling, copies and Adam left out), then per round the median CPU
 * time and wall time of `--steps` steps. Rounds alternate the builds (before, after, after, before, …) so
 * that a rising load does not favour one side. `unet:small:plain` times a model without batch norm.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const options = { builds: [], models: ['unet:small', 'unet:tiny', 'transunet:tiny', 'convformer-unet:tiny'], rounds: 2, steps: 5, child: undefined };
for (let i = 0; i < argv.length; i++) {
  const flag = argv[i];
  const value = argv[++i];
  if (flag === '--builds') options.builds = String(value).split(',').map((entry) => entry.split('='));
  else if (flag === '--models') options.models = String(value).split(',');
  else if (flag === '--rounds') options.rounds = Number(value);
  else if (flag === '--steps') options.steps = Number(value);
  else if (flag === '--child') options.child = String(value).split('|');
  else throw new Error(`step-work: unknown argument ${flag} (see the comment at the top of the script)`);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** In a child process: one build, one model; prints one JSON line. */
async function measure(modulePath, spec, steps, profile) {
  const tf = await import('@tensorflow/tfjs');
  await import('@tensorflow/tfjs-backend-wasm');
  const { buildModel } = await import('@tfseg/models');
  const { createLoss } = await import('@tfseg/losses');
  const training = await import(modulePath);
  await training.selectBackend('wasm', { threads: 1 });
  const [name, preset, plain] = spec.split(':');
  const model = buildModel({ name, preset, inChannels: 1, numClasses: 2, inputSize: 64, output: 'logits', seed: 1, ...(plain === 'plain' ? { batchNorm: false } : {}) });
  const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
  const step = () => training.measureTrainingStep({ model, loss, numClasses: 2, batchSize: 4, warmupSteps: 0, steps: 1 });
  await step();
  await step();
  const result = {};
  if (profile) {
    const { kernels } = await tf.profile(step);
    const sharesData = new Set(['Reshape']);
    // Whether this build's Identity copies: clone a tensor and compare data ids.
    const probe = tf.tensor1d([1]);
    const clone = tf.clone(probe);
    if (clone.dataId === probe.dataId) sharesData.add('Identity');
    tf.dispose([probe, clone]);
    let calls = 0, bytes = 0, fullSize = 0;
    for (const kernel of kernels) {
      if (kernel.name.endsWith('__op')) continue; // op-level wrappers of custom gradients, not kernels
      calls++;
      if (sharesData.has(kernel.name)) continue;
      const elements = kernel.outputShapes.reduce((sum, shape) => sum + (shape ? shape.reduce((a, b) => a * b, 1) : 0), 0);
      bytes += 4 * elements;
      if (elements >= 65536 && !/Conv2D|Concat|SplitV|MaxPool|AdamUpdate/.test(kernel.name)) fullSize++;
    }
    Object.assign(result, { calls, mib: bytes / 2 ** 20, fullSize });
  }
  const cpu = [], wall = [];
  for (let i = 0; i < steps; i++) {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    await step();
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    wall.push(performance.now() - wallStart);
  }
  console.log(JSON.stringify({ ...result, cpuMs: median(cpu), wallMs: median(wall) }));
}

if (options.child) {
  const [modulePath, spec, steps, profile] = options.child;
  await measure(modulePath, spec, Number(steps), profile === '1');
} else {
  if (options.builds.length === 0) throw new Error('step-work: give --builds name=path/to/dist/index.js[,name=path]');
  const script = fileURLToPath(import.meta.url);
  const run = (modulePath, spec, profile) => {
    const child = spawnSync(process.execPath, [script, '--child', [modulePath, spec, options.steps, profile ? 1 : 0].join('|')], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`step-work: ${spec} on ${modulePath} failed: ${child.stderr.trim().split('\n').pop()}`);
    return JSON.parse(child.stdout.trim().split('\n').pop());
  };
  for (const spec of options.models) {
    for (const [name, modulePath] of options.builds) {
      const work = run(modulePath, spec, true);
      console.log(`${spec} ${name}: ${work.calls} kernel calls, ${work.mib.toFixed(0)} MiB written by kernels, ${work.fullSize} full-size elementwise/reduction kernels`);
    }
    const times = new Map(options.builds.map(([name]) => [name, []]));
    for (let round = 0; round < options.rounds; round++) {
      const order = round % 2 === 0 ? options.builds : [...options.builds].reverse();
      for (const [name, modulePath] of order) times.get(name).push(run(modulePath, spec, false));
    }
    for (const [name, rounds] of times) {
      console.log(`${spec} ${name}: median CPU ${median(rounds.map((r) => r.cpuMs)).toFixed(1)} ms, wall ${median(rounds.map((r) => r.wallMs)).toFixed(1)} ms per step (rounds: ${rounds.map((r) => r.cpuMs.toFixed(0)).join(', ')} ms CPU)`);
    }
  }
}
