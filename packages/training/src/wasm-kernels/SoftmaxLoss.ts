/**
 * The two kernels of @tfseg/losses' softmax-from-logits losses (CE, Dice, additive, ML, CAML with
 * `fromLogits` and no `ignoreIndex`) on the wasm backend, in place of ~40 kernel calls a training step:
 *
 * - `TfsegSoftmaxLossSums` (forward): log-softmax, p = exp(log p) and the per-class blocked sums of y·p,
 *   y, p and y·log p. native/softmax_loss.c's softmax_loss_exp_sums (max, x − max, exp, Σ over classes
 *   per row: the built-in Max's, the registered Sub's, Exp's and the built-in Sum's operations), then the
 *   backend's own Log kernel on the [P, 1] sums (so the log is whatever tfjs-backend-wasm computes), then
 *   softmax_loss_sums (log p, p and each block of rows' sums, one item per block: the bits do not depend
 *   on the thread count); the blocks' sums are summed here level by level, from zero in order, as the
 *   BatchMatMuls with ones of @tfseg/losses' sums.ts do on the native batch_matmul.
 * - `TfsegSoftmaxLossGrad`: dz = g − p·Σ_c g with g = p·(y·α + β) − y·κ in one pass (softmax_loss_grad),
 *   the closed-form gradient's operations in order.
 *
 * Without the native kernels (or with more than 64 classes) the forward kernel runs the composition's
 * kernels itself (the registered ones, so the same bits) and the gradient is a JS loop of the same float32
 * operations.
 */
import { util, type KernelConfig, type KernelFunc, type NamedAttrMap, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  SOFTMAX_LOSS_GRAD,
  SOFTMAX_LOSS_SUMS,
  SOFTMAX_PROBABILITY_LOSS_GRAD,
  SOFTMAX_PROBABILITY_LOSS_SUMS,
  type SoftmaxLossSumsAttrs,
  type SoftmaxProbabilityLossGradAttrs,
  type SoftmaxProbabilityLossSumsAttrs,
} from '@tfseg/losses';
import { EXP_TABLE } from './Exp';
import { floatBits, nativeKernels } from './native/runtime';
import { float32Views, heapOffset, heapView, padWasm, registeredWasmKernel, requireInputs, reshapeView } from './wasm-backend';

/** The native kernels' limit on classes (a block's rows of exps on the stack) and on rows per block. */
const MAX_NATIVE_CLASSES = 64;
const MAX_NATIVE_BLOCK_ROWS = 32;

/** [rows, classes] of a float32 rank-2 tensor, else an Error naming the kernel and the input. */
function matrixShape(kernelName: string, name: string, info: TensorInfo): [number, number] {
  if (info.dtype !== 'float32' || info.shape.length !== 2) {
    throw new Error(`Error in ${kernelName}: ${name} must be a float32 [P, C] tensor, but got ${info.dtype} [${info.shape.join(', ')}]`);
  }
  return info.shape as [number, number];
}

/** Checks `target` has `logits`' shape; returns [rows, classes]. */
function pairShape(kernelName: string, first: [string, TensorInfo], second: [string, TensorInfo]): [number, number] {
  const shape = matrixShape(kernelName, first[0], first[1]);
  const other = matrixShape(kernelName, second[0], second[1]);
  if (!util.arraysEqual(shape, other)) throw new Error(`Error in ${kernelName}: ${second[0]} must have ${first[0]}'s shape [${shape.join(', ')}], but got [${other.join(', ')}]`);
  return shape;
}

/**
 * The blocked sum of `values` (one level's partial sums) as @tfseg/losses' sums.ts computes it: while
 * more than `blockRows` are left, each block of `blockRows` summed from zero in order (a short last block
 * as if padded with zeros, which add nothing to a sum that is never −0), then the rest from zero.
 */
function blockedTotal(values: Float32Array, blockRows: number): number {
  const f = Math.fround;
  let level = values;
  while (level.length > blockRows) {
    const next = new Float32Array(Math.ceil(level.length / blockRows));
    for (let block = 0; block < next.length; block++) {
      let sum = 0;
      for (let row = block * blockRows; row < Math.min(level.length, (block + 1) * blockRows); row++) sum = f(sum + (level[row] as number));
      next[block] = sum;
    }
    level = next;
  }
  let total = 0;
  for (const value of level) total = f(total + value);
  return total;
}

/** `blockRows`, checked: an integer ≥ 1. */
function checkedBlockRows(kernelName: string, blockRows: number): number {
  if (!Number.isInteger(blockRows) || blockRows < 1) throw new Error(`Error in ${kernelName}: blockRows must be an integer >= 1, but got ${blockRows}`);
  return blockRows;
}

/** `epsilon`, checked (a number > 0, as the losses' options are), as float32. */
function checkedEpsilon(kernelName: string, epsilon: number): number {
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new Error(`Error in ${kernelName}: epsilon must be a finite number > 0, but got ${String(epsilon)}`);
  return Math.fround(epsilon);
}

function softmaxLossSums(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: SoftmaxLossSumsAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { logits, target } = requireInputs(SOFTMAX_LOSS_SUMS, inputs, ['logits', 'target']);
  const [rows, classes] = pairShape(SOFTMAX_LOSS_SUMS, ['logits', logits], ['target', target]);
  const blockRows = checkedBlockRows(SOFTMAX_LOSS_SUMS, attrs.blockRows);
  const native = nativeKernels(backend);
  if (native === undefined || classes > MAX_NATIVE_CLASSES || blockRows > MAX_NATIVE_BLOCK_ROWS || rows === 0) return composedSums(backend, logits, target, blockRows);
  const at = (info: TensorInfo): number => heapOffset(backend, info);
  const probabilities = backend.makeOutput([rows, classes], 'float32');
  const expSums = backend.makeOutput([rows, 1], 'float32');
  const table = native.constants('exp', EXP_TABLE);
  const blocks = Math.ceil(rows / blockRows);
  const work = rows * classes * 16;
  native.run('softmax_loss_exp_sums', [at(logits), at(probabilities), at(expSums), rows, classes, table, blockRows], blocks, work);
  const logSums = registeredWasmKernel(SOFTMAX_LOSS_SUMS, 'Log')({ inputs: { x: expSums }, backend });
  backend.disposeData(expSums.dataId);
  const partials = backend.makeOutput([blocks, 4, classes], 'float32');
  native.run('softmax_loss_sums', [at(probabilities), at(logSums), at(target), at(partials), rows, classes, table, blockRows], blocks, work);
  backend.disposeData(logSums.dataId);
  return [probabilities, ...partialTotals(backend, partials, blockRows)];
}

/**
 * The four [C] sums of the native passes' `[blocks, 4, C]` partial sums (each block's from zero in row
 * order), each class's blocks summed level by level with {@link blockedTotal}; disposes `partials`.
 */
function partialTotals(backend: BackendWasm, partials: TensorInfo, blockRows: number): TensorInfo[] {
  const [blocks, , classes] = partials.shape as [number, number, number];
  const sums = [0, 1, 2, 3].map(() => backend.makeOutput([classes], 'float32'));
  // Views after the last allocation (a heap growth detaches earlier ones).
  const [partialValues, ...sumValues] = float32Views(backend, [partials, ...sums]);
  const level = new Float32Array(blocks);
  sumValues.forEach((out, quantity) => {
    for (let c = 0; c < classes; c++) {
      for (let block = 0; block < blocks; block++) level[block] = partialValues[(block * 4 + quantity) * classes + c] as number;
      out[c] = blockedTotal(level, blockRows);
    }
  });
  backend.disposeData(partials.dataId);
  return sums;
}

/**
 * The forward kernel as @tfseg/losses composes it (log-softmax, exp, products, blocked sums), on the
 * kernels registered for wasm, called directly: the same kernels on the same values, so the same bits.
 */
function composedSums(backend: BackendWasm, logits: TensorInfo, target: TensorInfo, blockRows: number): TensorInfo[] {
  return composed(backend, SOFTMAX_LOSS_SUMS, (run, kernel) => {
    const maxima = run('Max', { x: logits }, { reductionIndices: [1], keepDims: true });
    const shifted = run('Sub', { a: logits, b: maxima });
    const logSums = run('Log', { x: run('Sum', { x: run('Exp', { x: shifted }) }, { axis: [1], keepDims: true }) });
    const logProbabilities = run('Sub', { a: shifted, b: logSums });
    const probabilities = kernel('Exp')({ inputs: { x: logProbabilities }, backend });
    return [probabilities, ...composedClassSums(backend, run, kernel, target, probabilities, logProbabilities, blockRows)];
  });
}

/** Runs a kernel registered for wasm; `run` also frees its output when {@link composed} returns. */
type KernelRunner = (name: string, inputs: NamedTensorInfoMap, attrs?: Record<string, unknown>) => TensorInfo;
type KernelOf = (name: string) => (args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs?: NamedAttrMap }) => TensorInfo;

/** `body`'s outputs, with every intermediate it ran through `run` freed afterwards. */
function composed(backend: BackendWasm, forKernel: string, body: (run: KernelRunner, kernel: KernelOf) => TensorInfo[]): TensorInfo[] {
  const kernel: KernelOf = (name) => registeredWasmKernel(forKernel, name);
  const intermediates: TensorInfo[] = [];
  const run: KernelRunner = (name, inputs, attrs = {}) => {
    const output = kernel(name)({ inputs, backend, attrs: attrs as never });
    intermediates.push(output);
    return output;
  };
  const outputs = body(run, kernel);
  for (const info of intermediates) backend.disposeData(info.dataId);
  return outputs;
}

/**
 * The per-class blocked sums of y·p, y, p and y·log p as @tfseg/losses' sums.ts runs them (Multiply, Pads
 * and BatchMatMuls with ones), on the registered kernels; intermediates through `run`.
 */
function composedClassSums(backend: BackendWasm, run: KernelRunner, kernel: KernelOf, target: TensorInfo, probabilities: TensorInfo, logProbabilities: TensorInfo, blockRows: number): TensorInfo[] {
  const [rows, classes] = probabilities.shape as [number, number];
  const intermediates: TensorInfo[] = [];
  const ones = backend.makeOutput([1, 1, blockRows], 'float32');
  intermediates.push(ones);
  const blockedSum = (tensor: TensorInfo): TensorInfo => {
    let current = tensor;
    let remaining = rows;
    const onesOf = (count: number): TensorInfo => {
      if (count === blockRows) return ones;
      const partial = backend.makeOutput([1, 1, count], 'float32');
      intermediates.push(partial);
      (float32Views(backend, [partial] as const)[0] as Float32Array).fill(1);
      return partial;
    };
    while (remaining > blockRows) {
      const padding = (blockRows - (remaining % blockRows)) % blockRows;
      const padded = padding === 0 ? current : padWasm(backend, reshapeView(current, [1, remaining, classes]), [[0, 0], [0, padding], [0, 0]]);
      if (padded !== current) intermediates.push(padded);
      const blocks = (remaining + padding) / blockRows;
      current = run('BatchMatMul', { a: onesOf(blockRows), b: reshapeView(padded, [blocks, blockRows, classes]) }, { transposeA: false, transposeB: false });
      remaining = blocks;
    }
    const total = kernel('BatchMatMul')({ inputs: { a: onesOf(remaining), b: reshapeView(current, [1, remaining, classes]) }, backend, attrs: { transposeA: false, transposeB: false } as never });
    return reshapeView(total, [classes]);
  };
  (float32Views(backend, [ones] as const)[0] as Float32Array).fill(1);
  const sums = [run('Multiply', { a: target, b: probabilities }), target, probabilities, run('Multiply', { a: target, b: logProbabilities })].map(blockedSum);
  for (const info of intermediates) backend.disposeData(info.dataId);
  return sums;
}

/**
 * The forward kernel on probabilities: the sums of y·p, y, p (first pass, which also gathers the
 * q = max(p, ε) whose log the sums need), the backend's own Log on the gathered q only, and the sums of
 * y·log q (second pass). Both passes take blocks of rows as items: the bits do not depend on the threads.
 */
function softmaxProbabilityLossSums(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: SoftmaxProbabilityLossSumsAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const kernelName = SOFTMAX_PROBABILITY_LOSS_SUMS;
  const { probabilities, target } = requireInputs(kernelName, inputs, ['probabilities', 'target']);
  const [rows, classes] = pairShape(kernelName, ['probabilities', probabilities], ['target', target]);
  const blockRows = checkedBlockRows(kernelName, attrs.blockRows);
  const epsilon = checkedEpsilon(kernelName, attrs.epsilon);
  const native = nativeKernels(backend);
  if (native === undefined || classes > MAX_NATIVE_CLASSES || blockRows > MAX_NATIVE_BLOCK_ROWS || rows === 0) {
    // The composition's operand ε: a float32 scalar.
    const epsilonTensor = backend.makeOutput([], 'float32');
    (float32Views(backend, [epsilonTensor] as const)[0] as Float32Array)[0] = epsilon;
    const sums = composed(backend, kernelName, (run, kernel) => {
      const logs = run('Log', { x: run('Maximum', { a: probabilities, b: epsilonTensor }) });
      return composedClassSums(backend, run, kernel, target, probabilities, logs, blockRows);
    });
    backend.disposeData(epsilonTensor.dataId);
    return sums;
  }
  const at = (info: TensorInfo): number => heapOffset(backend, info);
  const blocks = Math.ceil(rows / blockRows);
  const partials = backend.makeOutput([blocks, 4, classes], 'float32');
  const scratch = backend.makeOutput([rows * classes], 'float32');
  const counts = backend.makeOutput([blocks], 'int32');
  const work = rows * classes * 4;
  native.run('softmax_probability_loss_gather', [at(probabilities), at(target), at(partials), at(scratch), at(counts), rows, classes, floatBits(epsilon), blockRows], blocks, work);
  // Block b's gathered q to offsets[b] of one compact tensor, in block order (counts become offsets).
  const offsets = heapView(backend, counts) as Int32Array;
  let total = 0;
  for (let block = 0; block < blocks; block++) {
    const count = offsets[block] as number;
    offsets[block] = total;
    total += count;
  }
  const gathered = backend.makeOutput([total], 'float32');
  {
    const [from, to] = float32Views(backend, [scratch, gathered] as const);
    const starts = heapView(backend, counts) as Int32Array;
    for (let block = 0; block < blocks; block++) {
      const start = starts[block] as number;
      const count = (block + 1 < blocks ? (starts[block + 1] as number) : total) - start;
      to.set(from.subarray(block * blockRows * classes, block * blockRows * classes + count), start);
    }
  }
  backend.disposeData(scratch.dataId);
  const logs = total === 0 ? gathered : registeredWasmKernel(kernelName, 'Log')({ inputs: { x: gathered }, backend });
  native.run('softmax_probability_loss_log_sums', [at(probabilities), at(target), at(logs), at(counts), at(partials), rows, classes, floatBits(epsilon), blockRows], blocks, work);
  for (const info of new Set([gathered, logs, counts])) backend.disposeData(info.dataId);
  return partialTotals(backend, partials, blockRows);
}

/** α, β, κ of a gradient kernel's inputs, checked (α and β together, at least one term; scalars or [C]), with their strides. */
function gradientParameters(
  kernelName: string,
  inputs: NamedTensorInfoMap,
  classes: number,
): { parameters: [TensorInfo | undefined, TensorInfo | undefined, TensorInfo | undefined]; strides: [number, number, number] } {
  const { alpha, beta, kappa } = inputs;
  if ((alpha === undefined) !== (beta === undefined) || (alpha === undefined && kappa === undefined)) {
    throw new Error(`Error in ${kernelName}: expected alpha and beta together, kappa, or all three, but got ${Object.keys(inputs).join(', ')}`);
  }
  const stride = (name: string, info: TensorInfo | undefined): number => {
    if (info === undefined) return 0;
    const size = util.sizeFromShape(info.shape);
    if (info.dtype !== 'float32' || info.shape.length > 1 || (info.shape.length === 1 && size !== classes)) {
      throw new Error(`Error in ${kernelName}: ${name} must be a float32 scalar or [${classes}] vector, but got ${info.dtype} [${info.shape.join(', ')}]`);
    }
    return info.shape.length;
  };
  return { parameters: [alpha, beta, kappa], strides: [stride('alpha', alpha), stride('beta', beta), stride('kappa', kappa)] };
}

/** Heap offsets of the optional α, β, κ (0 where absent: the native kernels' "no such term"). */
function parameterOffsets(backend: BackendWasm, parameters: readonly (TensorInfo | undefined)[]): number[] {
  return parameters.map((info) => (info === undefined ? 0 : heapOffset(backend, info)));
}

/** Float32 views of the optional α, β, κ (undefined where absent), for the JS fallbacks. */
function parameterValues(backend: BackendWasm, parameters: readonly (TensorInfo | undefined)[]): (Float32Array | undefined)[] {
  return parameters.map((info) => (info === undefined ? undefined : (float32Views(backend, [info] as const)[0] as Float32Array)));
}

/**
 * The gradient kernel on probabilities: A − ((y·κ) / max(p, ε))·[p ≥ ε] per element in one pass
 * (softmax_probability_loss_grad), or a JS loop of the same float32 operations (max as tfseg's Maximum,
 * p < ε ? ε : p, which keeps a NaN p, as XNNPACK's does for ε > 0).
 */
function softmaxProbabilityLossGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: SoftmaxProbabilityLossGradAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const kernelName = SOFTMAX_PROBABILITY_LOSS_GRAD;
  const { probabilities, target } = requireInputs(kernelName, inputs, ['probabilities', 'target']);
  const [rows, classes] = pairShape(kernelName, ['probabilities', probabilities], ['target', target]);
  const { parameters, strides } = gradientParameters(kernelName, inputs, classes);
  const epsilon = checkedEpsilon(kernelName, attrs.epsilon);
  const out = backend.makeOutput([rows, classes], 'float32');
  if (rows === 0) return out;
  const native = nativeKernels(backend);
  if (native !== undefined && classes <= MAX_NATIVE_CLASSES) {
    const at = (info: TensorInfo): number => heapOffset(backend, info);
    native.run('softmax_probability_loss_grad', [at(probabilities), at(target), at(out), ...parameterOffsets(backend, parameters), ...strides, rows, classes, floatBits(epsilon)], rows, rows * classes * 4);
    return out;
  }
  const [p, y, dz] = float32Views(backend, [probabilities, target, out] as const);
  const [a, b, k] = parameterValues(backend, parameters);
  const f = Math.fround;
  for (let index = 0; index < rows * classes; index++) {
    const c = index % classes;
    const pc = p[index] as number;
    const yc = y[index] as number;
    // f(a / b) of float32 a, b is float32 division: double rounding is innocuous for +, −, ·, /.
    const crossEntropy = k === undefined ? 0 : f(f(f(yc * (k[c * strides[2]] as number)) / (pc < epsilon ? epsilon : pc)) * (pc >= epsilon ? 1 : 0));
    if (a === undefined || b === undefined) dz[index] = -crossEntropy;
    else {
      const dice = f(f(yc * (a[c * strides[0]] as number)) + (b[c * strides[1]] as number));
      dz[index] = k === undefined ? dice : f(dice - crossEntropy);
    }
  }
  return out;
}

function softmaxLossGrad(args: { inputs: NamedTensorInfoMap; backend: BackendWasm }): TensorInfo {
  const { inputs, backend } = args;
  const { probabilities, target } = requireInputs(SOFTMAX_LOSS_GRAD, inputs, ['probabilities', 'target']);
  const [rows, classes] = pairShape(SOFTMAX_LOSS_GRAD, ['probabilities', probabilities], ['target', target]);
  const { parameters, strides } = gradientParameters(SOFTMAX_LOSS_GRAD, inputs, classes);
  const dz = backend.makeOutput([rows, classes], 'float32');
  if (rows === 0) return dz;
  const native = nativeKernels(backend);
  if (native !== undefined && classes <= MAX_NATIVE_CLASSES) {
    const at = (info: TensorInfo): number => heapOffset(backend, info);
    native.run('softmax_loss_grad', [at(probabilities), at(target), at(dz), ...parameterOffsets(backend, parameters), ...strides, rows, classes], rows, rows * classes * 4);
    return dz;
  }
  const [p, y, out] = float32Views(backend, [probabilities, target, dz] as const);
  const [a, b, k] = parameterValues(backend, parameters);
  const f = Math.fround;
  const g = new Float32Array(classes);
  for (let row = 0; row < rows; row++) {
    const base = row * classes;
    for (let c = 0; c < classes; c++) {
      const pc = p[base + c] as number;
      const yc = y[base + c] as number;
      const crossEntropy = k === undefined ? 0 : f(yc * (k[c * strides[2]] as number));
      if (a === undefined || b === undefined) g[c] = -crossEntropy;
      else {
        const dice = f(pc * f(f(yc * (a[c * strides[0]] as number)) + (b[c * strides[1]] as number)));
        g[c] = k === undefined ? dice : f(dice - crossEntropy);
      }
    }
    let sum = 0;
    for (let c = 0; c < classes; c++) sum = f(sum + (g[c] as number));
    for (let c = 0; c < classes; c++) out[base + c] = f((g[c] as number) - f((p[base + c] as number) * sum));
  }
  return dz;
}

/** Registers `TfsegSoftmaxLossSums` (@tfseg/losses' SOFTMAX_LOSS_SUMS) for the wasm backend. */
export const softmaxLossSumsConfig: KernelConfig = {
  kernelName: SOFTMAX_LOSS_SUMS,
  backendName: 'wasm',
  kernelFunc: softmaxLossSums as unknown as KernelFunc,
};

/** Registers `TfsegSoftmaxLossGrad` (@tfseg/losses' SOFTMAX_LOSS_GRAD) for the wasm backend. */
export const softmaxLossGradConfig: KernelConfig = {
  kernelName: SOFTMAX_LOSS_GRAD,
  backendName: 'wasm',
  kernelFunc: softmaxLossGrad as unknown as KernelFunc,
};

/** Registers `TfsegSoftmaxProbabilityLossSums` (@tfseg/losses' SOFTMAX_PROBABILITY_LOSS_SUMS) for the wasm backend. */
export const softmaxProbabilityLossSumsConfig: KernelConfig = {
  kernelName: SOFTMAX_PROBABILITY_LOSS_SUMS,
  backendName: 'wasm',
  kernelFunc: softmaxProbabilityLossSums as unknown as KernelFunc,
};

/** Registers `TfsegSoftmaxProbabilityLossGrad` (@tfseg/losses' SOFTMAX_PROBABILITY_LOSS_GRAD) for the wasm backend. */
export const softmaxProbabilityLossGradConfig: KernelConfig = {
  kernelName: SOFTMAX_PROBABILITY_LOSS_GRAD,
  backendName: 'wasm',
  kernelFunc: softmaxProbabilityLossGrad as unknown as KernelFunc,
};
