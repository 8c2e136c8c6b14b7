// Precision and time of summing a [P, C] tensor over its P rows (the per-class sums every loss needs), at
// P = 4·256², C = 4, against a float64 sum of the same float32 values, on the backend given (default wasm).
// Usage (from packages/losses): node bench/sum-precision.mjs [wasm|cpu]
// Compares tf.sum over everything (what CE used), tf.sum(x, 0), one [1,P]×[P,C] matMul (what Dice used), and
// the blocked batched matMul of src/sums.ts at several block sizes.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

const backend = process.argv[2] ?? 'wasm';
await tf.setBackend(backend);
await tf.ready();
const P = 4 * 256 * 256;
const C = 4;
const x = tf.tidy(() => tf.softmax(tf.randomNormal([P, C], 0, 2, 'float32', 2)));
const values = x.dataSync();
const exact = new Float64Array(C);
for (let i = 0; i < P; i++) for (let c = 0; c < C; c++) exact[c] += values[i * C + c];
const total = exact.reduce((a, b) => a + b);
const relative = (a, e) => Math.abs(a - e) / Math.abs(e);
const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];

function blocked(tensor, block) {
  let current = tf.reshape(tensor, [1, P, C]);
  let rows = P;
  while (rows > block) {
    const padding = (block - (rows % block)) % block;
    const padded = padding ? tf.pad(current, [[0, 0], [0, padding], [0, 0]]) : current;
    const blocks = (rows + padding) / block;
    current = tf.reshape(tf.matMul(tf.ones([1, 1, block]), tf.reshape(padded, [blocks, block, C])), [1, blocks, C]);
    rows = blocks;
  }
  return tf.matMul(tf.ones([1, 1, rows]), current);
}

const variants = [
  ['tf.sum (everything)', () => tf.sum(x)],
  ['tf.sum(x, 0)', () => tf.sum(x, 0)],
  ['[1,P]×[P,C] matMul', () => tf.matMul(tf.ones([1, P]), x)],
  ...[8, 16, 32, 64, 512].map((block) => [`blocked, ${block} rows`, () => blocked(x, block)]),
];
console.log(`# ${backend}: Σ over P = ${P} rows of [P, ${C}] (tfjs ${tf.version.tfjs}, node ${process.version})`);
console.log('| method | max relative error vs float64 | median ms (11 runs) |');
console.log('|---|---:|---:|');
for (const [name, sum] of variants) {
  const result = tf.tidy(() => sum().dataSync());
  const error = result.length === 1 ? relative(result[0], total) : Math.max(...Array.from(result, (v, c) => relative(v, exact[c])));
  const times = [];
  for (let run = 0; run < 12; run++) {
    const start = performance.now();
    tf.tidy(() => sum().dataSync());
    if (run > 0) times.push(performance.now() - start);
  }
  console.log(`| ${name} | ${error.toExponential(1)} | ${median(times).toFixed(2)} |`);
}
