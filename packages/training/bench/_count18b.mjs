import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
const training = await import('../dist/index.js');
await training.selectBackend('wasm', { threads: 1 });
const name = process.argv[2];
const model = buildModel({ name, preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 64, output: 'logits', seed: 1 });
const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
const step = () => training.measureTrainingStep({ model, loss, numClasses: 2, batchSize: 4, warmupSteps: 0, steps: 1 });
await step(); await step();
const { kernels } = await tf.profile(step);
const by = new Map();
for (const k of kernels) { if (k.name.endsWith('__op')) continue; const e = by.get(k.name) ?? { n: 0, el: 0 }; e.n++; e.el += k.outputShapes.reduce((s, sh) => s + (sh ? sh.reduce((a, b) => a * b, 1) : 0), 0); by.set(k.name, e); }
console.log('total', kernels.filter((k) => !k.name.endsWith('__op')).length);
console.log([...by].sort((a, b) => b[1].n - a[1].n).slice(0, 25).map(([k, e]) => `${k} ${e.n} (${(e.el * 4 / 2 ** 20).toFixed(1)} MiB)`).join('\n'));
