#!/usr/bin/env node
/* global process, console */
/**
 * Checks @tfseg/training's native Exp (native/exp.c) against tfjs-backend-wasm's built-in Exp (musl's
 * expf per element) on every float32 bit pattern — NaNs, ±∞, ±0 and subnormals included — by blocks of
 * 2^24 inputs, and reports the first mismatch (if any). Build first (`pnpm build`), then:
 *
 *   node packages/training/bench/exp-bits.mjs [--threads 1] [--blocks 256]
 *
 * `--blocks N` checks the first N of the 256 blocks (the bit patterns 0 … N·2^24 − 1). Every block: ~2½
 * minutes on one thread (2^32 inputs, 0 mismatches on 1 and 2 threads when added).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { selectBackend, setNativeKernelsEnabled } from '@tfseg/training';

const argv = process.argv.slice(2);
const options = { threads: 1, blocks: 256 };
for (let i = 0; i < argv.length; i += 2) {
  const [flag, value] = [argv[i], Number(argv[i + 1])];
  if (flag === '--threads') options.threads = value;
  else if (flag === '--blocks') options.blocks = value;
  else throw new Error(`exp-bits: unknown argument ${flag} (see the comment at the top of the script)`);
}
await selectBackend('wasm', { threads: options.threads });
const BLOCK = 2 ** 24;
const patterns = new Uint32Array(BLOCK);
const run = (native) => {
  setNativeKernelsEnabled(native);
  try {
    const x = tf.tensor1d(new Float32Array(patterns.buffer));
    const y = tf.exp(x);
    const bits = new Uint32Array(y.dataSync().buffer);
    tf.dispose([x, y]);
    return bits;
  } finally {
    setNativeKernelsEnabled(true);
  }
};
let checked = 0;
for (let block = 0; block < options.blocks; block++) {
  for (let i = 0; i < BLOCK; i++) patterns[i] = block * BLOCK + i;
  const [fast, builtin] = [run(true), run(false)];
  for (let i = 0; i < BLOCK; i++) {
    if (fast[i] !== builtin[i]) {
      const show = (bits) => `0x${bits.toString(16).padStart(8, '0')} (${new Float32Array(new Uint32Array([bits]).buffer)[0]})`;
      console.log(`exp-bits: mismatch at x = ${show(patterns[i])}: native ${show(fast[i])}, built-in ${show(builtin[i])}`);
      process.exit(1);
    }
  }
  checked += BLOCK;
}
console.log(`exp-bits: ${checked} inputs, native Exp = built-in Exp bit for bit (${options.threads} thread${options.threads === 1 ? '' : 's'})`);
