// Forward + backward time of each loss at [4,256,256,C] on the wasm backend, against the built dist/.
// Usage (from packages/losses): pnpm build && node --expose-gc bench/losses.bench.mjs [--runs 15] [--classes 2,4,5]
// Losses are timed round-robin (in a random order) within each run so load drift on a shared machine hits all alike, with a
// garbage collection before each timing (when --expose-gc); the table reports medians and the ratio of
// each loss to the additive loss measured in the same run.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createLoss, lossDisplayName } from '../dist/index.js';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : fallback;
};
const runs = Number(argument('runs', '15'));
const classCounts = argument('classes', '2,4,5').split(',').map(Number);
const shape = [4, 256, 256];

const specs = [
  { name: 'ce' },
  { name: 'dice' },
  { name: 'additive', lambda: 0.3 },
  { name: 'ml' },
  { name: 'caml' },
  { name: 'caml', r: 3 },
  { name: 'ml', validateInputs: false },
  { name: 'additive', lambda: 0.3, validateInputs: false },
];
const label = (spec) => `${lossDisplayName(spec)}${spec.validateInputs === false ? ', validateInputs: false' : ''}`;

await tf.setBackend('wasm');
await tf.ready();

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

function timeOnce(loss, yTrue, yPred) {
  globalThis.gc?.();
  const start = performance.now();
  tf.tidy(() => {
    const { value, grad } = tf.valueAndGrad((prediction) => loss(yTrue, prediction))(yPred);
    value.dataSync();
    grad.dataSync();
  });
  return performance.now() - start;
}

const rows = [];
for (const classes of classCounts) {
  const yTrue = tf.tidy(() => tf.oneHot(tf.randomUniform(shape, 0, classes, 'int32', 1), classes).toFloat());
  const yPred = tf.tidy(() => tf.softmax(tf.randomNormal([...shape, classes], 0, 2, 'float32', 2)));
  const losses = specs.map((spec) => createLoss(spec));
  const times = specs.map(() => []);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let run = -2; run < runs; run++) {
    // A fresh random order each run, so no loss always follows the same neighbour.
    const order = losses.map((_, index) => index).sort(() => random() - 0.5);
    for (const index of order) {
      const elapsed = timeOnce(losses[index], yTrue, yPred);
      if (run >= 0) times[index].push(elapsed); // runs -2, -1 warm up
    }
  }
  const medians = times.map(median);
  const additive = medians[specs.findIndex((spec) => spec.name === 'additive')];
  specs.forEach((spec, index) => rows.push({ classes, loss: label(spec), median: medians[index], ratio: medians[index] / additive }));
  tf.dispose([yTrue, yPred]);
}

console.log(`# wasm, forward+backward at [${shape.join(',')},C], median of ${runs} runs (tfjs ${tf.version.tfjs}, node ${process.version})`);
console.log('| C | loss | median ms | × additive |');
console.log('|---|---|---:|---:|');
for (const row of rows) console.log(`| ${row.classes} | ${row.loss} | ${row.median.toFixed(1)} | ${row.ratio.toFixed(2)} |`);
