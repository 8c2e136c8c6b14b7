import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
import { createLoss } from '@tfseg/losses';
const t = await import(process.env.MOD ?? '/work/wt/issue-18/packages/training/dist/index.js');
await t.selectBackend('wasm', { threads: 1 });
const [name, preset, bn] = process.argv.slice(2);
const model = buildModel({ name, preset, inChannels: 1, numClasses: 2, inputSize: 64, output: 'logits', seed: 1, ...(bn ? { batchNorm: bn === 'bn' } : {}) });
const loss = createLoss({ name: 'ml', fromLogits: true, validateInputs: false });
const measure = (w, s) => t.measureTrainingStep({ model, loss, numClasses: 2, batchSize: 4, warmupSteps: w, steps: s });
await measure(1, 1);
const p = await tf.profile(() => measure(0, 1));
const by = new Map();
for (const k of p.kernels) { const size = k.outputShapes[0] ? k.outputShapes[0].reduce((a,b)=>a*b,1) : 0; const key = k.name + (size >= 65536 ? ' FULL' : ''); by.set(key, (by.get(key) ?? 0) + 1); }
console.log(p.kernels.length, [...by.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}:${v}`).join('  '));
