// Throughput of ConfusionMatrix.update on large label maps (goal: ≥ 100 million pixels/s on one core),
// against two references measured in the same run: a naive count into a 2-D JS array (number[][]) and
// tfjs' own tf.math.confusionMatrix on the cpu backend. Run after `pnpm --filter @tfseg/metrics build`:
//   node packages/metrics/bench/confusion-matrix.mjs [--pixels 16777216] [--runs 9]
import os from 'node:os';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { ConfusionMatrix } from '../dist/index.js';

const { values } = parseArgs({ options: { pixels: { type: 'string', default: String(64 * 512 * 512) }, runs: { type: 'string', default: '9' } } });
const pixels = Number(values.pixels);
const runs = Number(values.runs);
const numClasses = 5; // Drosophila's five classes

/** Predictions that agree with the truth 80% of the time, like a decent model. */
function labelMaps(Type) {
  const truth = new Type(pixels);
  const prediction = new Type(pixels);
  let state = 12345;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < pixels; i++) {
    truth[i] = Math.floor(next() * numClasses);
    prediction[i] = next() < 0.8 ? truth[i] : Math.floor(next() * numClasses);
  }
  return { truth, prediction };
}

/** The reference: what one writes without thinking about speed. */
function naiveCount(truth, prediction) {
  const counts = Array.from({ length: numClasses }, () => new Array(numClasses).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = prediction[i];
    if (!Number.isInteger(t) || t < 0 || t >= numClasses || !Number.isInteger(p) || p < 0 || p >= numClasses) throw new Error(`bad label at ${i}`);
    counts[t][p] += 1;
  }
  return counts;
}

function median(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median pixels/s of `run` over `runs` timed runs after one warm-up. */
function throughput(run, size = pixels) {
  run();
  const seconds = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    run();
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return size / median(seconds);
}

await tf.setBackend('cpu');
const rows = [];
for (const Type of [Uint8Array, Int32Array]) {
  const { truth, prediction } = labelMaps(Type);
  const ours = throughput(() => new ConfusionMatrix(numClasses).update(truth, prediction));
  const withIgnore = throughput(() => new ConfusionMatrix(numClasses, { ignoreIndex: 255 }).update(truth, prediction));
  const naive = throughput(() => naiveCount(truth, prediction));
  // tf.math.confusionMatrix one-hot encodes both inputs (pixels × classes floats), so it gets a 1/16 slice.
  const slice = Math.floor(pixels / 16);
  const truthTensor = tf.tensor1d(Int32Array.from(truth.subarray(0, slice)), 'int32');
  const predictionTensor = tf.tensor1d(Int32Array.from(prediction.subarray(0, slice)), 'int32');
  const tfjs = throughput(() => tf.tidy(() => tf.math.confusionMatrix(truthTensor, predictionTensor, numClasses).dataSync()), slice);
  tf.dispose([truthTensor, predictionTensor]);
  rows.push({ input: Type.name, ours, withIgnore, naive, tfjs });
}

const million = (value) => (value / 1e6).toFixed(0);
console.log(`# ConfusionMatrix.update, ${numClasses} classes, ${pixels} pixels per update, median of ${runs} runs`);
console.log(`# ${os.cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}, ${new Date().toISOString()}`);
console.log('| input | ConfusionMatrix.update (Mpx/s) | with ignoreIndex (Mpx/s) | naive number[][] loop (Mpx/s) | tf.math.confusionMatrix, cpu (Mpx/s) | speed-up vs naive |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) {
  console.log(`| ${row.input} | ${million(row.ours)} | ${million(row.withIgnore)} | ${million(row.naive)} | ${million(row.tfjs)} | ${(row.ours / row.naive).toFixed(1)}× |`);
}
