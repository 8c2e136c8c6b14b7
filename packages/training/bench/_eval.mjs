import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { buildModel } from '@tfseg/models';
const t = await import('/work/wt/issue-18/packages/training/dist/index.js');
await t.selectBackend('wasm', { threads: 1 });
const model = buildModel({ name: 'unet', preset: 'small', inChannels: 1, numClasses: 5, inputSize: 64, seed: 1 });
const count = 64;
const set = { images: Float32Array.from({ length: count * 64 * 64 }, (_, i) => Math.sin(i)), count, height: 64, width: 64, channels: 1 };
for (const round of [1, 2, 3]) for (const batchSize of [4, 8, 16, 32, 64]) {
  const t0 = performance.now(); t.predict(model, set, { batchSize }); const ms = performance.now() - t0;
  if (round > 1) console.log(`batch ${batchSize}: ${ms.toFixed(0)} ms for ${count} patches`);
}
