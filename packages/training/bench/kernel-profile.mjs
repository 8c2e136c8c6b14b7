/** Per-kernel time and GFLOP/s of one training step, from `tf.profile`. */
import * as tf from '@tensorflow/tfjs';

const product = (values) => values.reduce((a, b) => a * b, 1);

/** Multiply-adds ×2 of the conv-like kernels (stride and padding are in the output shape). */
function flops(kernel) {
  const [first, second] = kernel.inputShapes;
  const output = kernel.outputShapes[0];
  if (!first || !second || !output) return 0;
  switch (kernel.name) {
    case 'Conv2D':
    case 'FusedConv2D': // output × (KH·KW·Ci)
      return 2 * product(output) * second[0] * second[1] * second[2];
    case 'Conv2DBackpropInput': // dy × (KH·KW·Ci); inputs: dy, filter
      return 2 * product(first) * second[0] * second[1] * second[2];
    case 'Conv2DBackpropFilter': // dy × (KH·KW·Ci); inputs: x, dy; output is the filter
      return 2 * product(second) * output[0] * output[1] * output[2];
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const inner = first[first.length - 1] === second[second.length - 2] ? first[first.length - 1] : Math.min(...first.slice(-2));
      return 2 * product(output) * inner;
    }
    default:
      return 0;
  }
}

/** Per kernel name: calls, time and FLOPs of the kernels of one profiled step. */
function totalsByName(kernels) {
  const byName = new Map();
  for (const kernel of kernels) {
    const entry = byName.get(kernel.name) ?? { name: kernel.name, calls: 0, ms: 0, flops: 0 };
    entry.calls++;
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    entry.flops += flops(kernel);
    byName.set(kernel.name, entry);
  }
  return byName;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs `step` `repeats` times under `tf.profile` and returns, per kernel name, the median time over the
 * runs with its share and GFLOP/s (the median damps the noise of a shared machine).
 */
export async function kernelProfile(step, repeats = 5) {
  const runs = [];
  for (let i = 0; i < repeats; i++) runs.push(totalsByName((await tf.profile(step)).kernels));
  const entries = [...runs[0].values()].map((first) => ({ ...first, ms: median(runs.map((run) => run.get(first.name)?.ms ?? 0)) }));
  entries.sort((a, b) => b.ms - a.ms);
  const total = entries.reduce((sum, entry) => sum + entry.ms, 0);
  return { total, entries };
}

const CONVOLUTIONS = new Set(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter']);

/**
 * Per convolution call site (kernel name and input shapes; equal shapes summed): median time over
 * `repeats` profiled runs of `step`, calls and GFLOP/s, largest first, to find the worst shapes.
 */
export async function convolutionShapeProfile(step, repeats = 5) {
  const runs = [];
  for (let i = 0; i < repeats; i++) {
    const byShape = new Map();
    for (const kernel of (await tf.profile(step)).kernels) {
      if (!CONVOLUTIONS.has(kernel.name)) continue;
      const key = `${kernel.name} ${kernel.inputShapes.slice(0, 2).map((shape) => `[${shape}]`).join(' ')} → [${kernel.outputShapes[0]}]`;
      const entry = byShape.get(key) ?? { key, calls: 0, ms: 0, flops: 0 };
      entry.calls++;
      entry.ms += Number(kernel.kernelTimeMs) || 0;
      entry.flops += flops(kernel);
      byShape.set(key, entry);
    }
    runs.push(byShape);
  }
  const entries = [...runs[0].values()].map((first) => ({ ...first, ms: median(runs.map((run) => run.get(first.key)?.ms ?? 0)) }));
  entries.sort((a, b) => b.ms - a.ms);
  const total = entries.reduce((sum, entry) => sum + entry.ms, 0);
  const lines = entries.map(
    (entry) => `  ${entry.key.padEnd(64)} ${String(entry.calls).padStart(2)}× ${entry.ms.toFixed(2).padStart(7)} ms ${((100 * entry.ms) / total).toFixed(1).padStart(5)}% ${(entry.flops / entry.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`,
  );
  return [`  convolutions of one step by shape (median of ${repeats} profiled steps): ${total.toFixed(1)} ms`, ...lines].join('\n');
}

/** Formats a {@link kernelProfile} as a table (kernels under 0.5 % of the time are left out). */
export function formatKernelProfile({ total, entries }) {
  const lines = entries
    .filter((entry) => entry.ms >= total * 0.005)
    .map((entry) => {
      const rate = entry.flops > 0 ? `${(entry.flops / entry.ms / 1e6).toFixed(1).padStart(6)} GFLOP/s` : '';
      return `  ${entry.name.padEnd(24)} ${String(entry.calls).padStart(4)} calls ${entry.ms.toFixed(1).padStart(8)} ms ${((100 * entry.ms) / total).toFixed(1).padStart(5)}%  ${rate}`;
    });
  return [`  kernels of one step (median of profiled steps): ${total.toFixed(1)} ms in total`, ...lines].join('\n');
}
