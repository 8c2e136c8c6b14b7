// Forward (inference) time per image of every small and tiny preset on the wasm and cpu backends, with the
// analytic FLOPs, so users can pick a preset for their machine. Run against the built package:
//   pnpm --filter @tfseg/models build && node bench/forward.bench.mjs [--size 128] [--batch 1] [--runs 7]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel, describeModel } from '../dist/index.js';

const argument = (name, fallback) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const size = argument('size', 128);
const batch = argument('batch', 1);
const runs = argument('runs', 7);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function time(model, backend) {
  await tf.setBackend(backend);
  await tf.ready();
  const image = tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 1);
  const once = async () => {
    const start = performance.now();
    const output = model.predict(image);
    await output.data();
    output.dispose();
    return performance.now() - start;
  };
  await once(); // warm-up (weights move to the backend, kernels initialise)
  const times = [];
  for (let run = 0; run < runs; run++) times.push(await once());
  image.dispose();
  return median(times) / batch;
}

await tf.setBackend('cpu'); // weights are initialised on cpu; each timing moves them to its backend
console.log(`| model | preset | GFLOPs/image | wasm ms/image | cpu ms/image | wasm GFLOP/s | cpu ÷ wasm |`);
console.log('|---|---|---:|---:|---:|---:|---:|');
for (const name of ['unet', 'transunet', 'convformer-unet']) {
  for (const preset of ['tiny', 'small']) {
    const options = { name, preset, inChannels: 1, numClasses: 2, inputSize: size, seed: 1 };
    const model = buildModel(options);
    const gflops = describeModel(options).flops / 1e9;
    const wasm = await time(model, 'wasm');
    const cpu = await time(model, 'cpu');
    console.log(`| ${name} | ${preset} | ${gflops.toFixed(2)} | ${wasm.toFixed(1)} | ${cpu.toFixed(1)} | ${(gflops / (wasm / 1000)).toFixed(1)} | ${(cpu / wasm).toFixed(1)} |`);
    model.dispose();
  }
}
