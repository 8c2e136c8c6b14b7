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

// Each option set is timed with its own additive loss as the reference (issue 16: ML and CAML within 1.1×
// the additive loss "with any option").
const optionSets = [
  { label: '', options: {}, extra: [{ name: 'ce' }, { name: 'dice' }] },
  { label: 'validateInputs: false', options: { validateInputs: false }, extra: [] },
  { label: "activation: 'sigmoid'", options: { activation: 'sigmoid' }, extra: [] },
  {
    label: 'ignoreIndex, classWeights, no background, image Dice',
    options: { ignoreIndex: 255, includeBackground: false, diceReduction: 'image' },
    weights: true,
    extra: [],
  },
];
const label = (spec, set) => `${lossDisplayName(spec)}${set.label ? `, ${set.label}` : ''}`;

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
  const labels = tf.randomUniform(shape, 0, classes, 'int32', 1);
  const logits = tf.randomNormal([...shape, classes], 0, 2, 'float32', 2);
  const inputs = {
    softmax: [tf.tidy(() => tf.oneHot(labels, classes).toFloat()), tf.softmax(logits)],
    sigmoid: [tf.tidy(() => tf.cast(tf.less(tf.randomUniform([...shape, classes], 0, 1, 'float32', 3), 0.3), 'float32')), tf.sigmoid(logits)],
    // Integer labels with about 10 % of the pixels set to the ignored value 255.
    ignored: [tf.tidy(() => tf.where(tf.less(tf.randomUniform(shape, 0, 1, 'float32', 4), 0.1), tf.fill(shape, 255, 'int32'), labels)), tf.softmax(logits)],
  };
  const cases = optionSets.flatMap((set) =>
    [...set.extra, { name: 'additive', lambda: 0.3 }, { name: 'ml' }, { name: 'caml' }, { name: 'caml', r: 3 }].map((loss) => ({
      set,
      spec: { ...loss, ...set.options, ...(set.weights ? { classWeights: Array.from({ length: classes }, (_, c) => c + 1) } : {}) },
      data: set.options.ignoreIndex !== undefined ? inputs.ignored : set.options.activation === 'sigmoid' ? inputs.sigmoid : inputs.softmax,
    })),
  );
  const specs = cases.map((entry) => entry.spec);
  const losses = specs.map((spec) => createLoss(spec));
  const times = specs.map(() => []);
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let run = -2; run < runs; run++) {
    // A fresh random order each run, so no loss always follows the same neighbour.
    const order = losses.map((_, index) => index).sort(() => random() - 0.5);
    for (const index of order) {
      const elapsed = timeOnce(losses[index], ...cases[index].data);
      if (run >= 0) times[index].push(elapsed); // runs -2, -1 warm up
    }
  }
  const medians = times.map(median);
  cases.forEach(({ set, spec }, index) => {
    const additive = medians[cases.findIndex((entry) => entry.set === set && entry.spec.name === 'additive')];
    rows.push({ classes, loss: label(spec, set), median: medians[index], ratio: medians[index] / additive });
  });
  tf.dispose([labels, logits, ...Object.values(inputs).flat()]);
}

console.log(`# wasm, forward+backward at [${shape.join(',')},C], median of ${runs} runs (tfjs ${tf.version.tfjs}, node ${process.version})`);
console.log('| C | loss | median ms | × additive (same options) |');
console.log('|---|---|---:|---:|');
for (const row of rows) console.log(`| ${row.classes} | ${row.loss} | ${row.median.toFixed(1)} | ${row.ratio.toFixed(2)} |`);
