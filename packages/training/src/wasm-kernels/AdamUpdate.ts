/**
 * `TfsegAdamUpdate`: one Adam step of all of a model's variables as a single wasm kernel call
 * (native/adam.c), as PyTorch's fused multi-tensor Adam — instead of a dozen elementwise ops per
 * variable, or one kernel call, three new buffers and three `assign`s per variable. Same float32
 * operations in the same order as adam.ts' op path, so both give the same bits. Without tfseg's native
 * kernels it runs the same loop in JS.
 *
 * Inputs, as an array (keys `'0'`, `'1'`, …, like Concat's): for each variable k, `4k` the variable,
 * `4k + 1` its first moment, `4k + 2` its second moment, `4k + 3` its gradient (float32, one shape);
 * attributes the hyper-parameters and the two bias corrections. It **updates the variable and both
 * moments in place** and has no outputs: tensors are otherwise immutable in tfjs, so it refuses a
 * variable or moment whose data another tensor shares (a clone, or a variable's initial value still
 * held) — {@link applyAdamUpdate} gives those their own copy first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { util, type KernelConfig, type KernelFunc, type NamedTensorInfoMap, type TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { float32Views, heapOffset } from './wasm-backend';
import { ARGUMENT_SLOTS, floatBits, nativeKernels, type NativeKernels } from './native/runtime';

/** The kernel's name (not one of tfjs': it exists on the wasm backend only). */
export const ADAM_UPDATE = 'TfsegAdamUpdate';

/** Attributes of {@link ADAM_UPDATE}: Adam's settings and 1 / (1 − β^t) for both moments. */
export interface AdamUpdateAttrs {
  beta1: number;
  beta2: number;
  epsilon: number;
  learningRate: number;
  firstCorrection: number;
  secondCorrection: number;
}

/** One variable's update: the tensors {@link ADAM_UPDATE} takes for it, in its input order. */
export type AdamUpdateGroup = readonly [variable: tf.Variable, firstMoment: tf.Variable, secondMoment: tf.Variable, gradient: tf.Tensor];

/** Argument slots of native adam_update before its per-tensor slots, and per tensor (native/kernels.h). */
const LEADING_SLOTS = 9;
const SLOTS_PER_TENSOR = 5;
/** The most variables one native call takes (its argument block's size); more take several calls. */
export const ADAM_VARIABLES_PER_CALL = Math.floor((ARGUMENT_SLOTS - LEADING_SLOTS) / SLOTS_PER_TENSOR);

const ROLES = ['variable', 'firstMoment', 'secondMoment', 'gradient'] as const;

/** The input groups, checked: four per variable, one float32 shape each, updated tensors unshared and distinct. */
function inputGroups(inputs: NamedTensorInfoMap, backend: BackendWasm): TensorInfo[][] {
  const infos = Object.values(inputs) as TensorInfo[];
  if (infos.length % 4 !== 0) throw new Error(`Error in ${ADAM_UPDATE}: inputs must come in fours (variable, first moment, second moment, gradient), but got ${infos.length}`);
  const updated = new Set<object>();
  const groups: TensorInfo[][] = [];
  for (let start = 0; start < infos.length; start += 4) {
    const group = infos.slice(start, start + 4);
    const variable = group[0] as TensorInfo;
    group.forEach((info, role) => {
      const name = `${ROLES[role]} ${start / 4}`;
      if (!util.arraysEqual(info.shape, variable.shape) || info.dtype !== 'float32') {
        throw new Error(`Error in ${ADAM_UPDATE}: ${name} must be float32 of shape [${variable.shape.join(', ')}], but got ${info.dtype} [${info.shape.join(', ')}]`);
      }
      if (role === 3) return;
      if (backend.refCount(info.dataId) !== 1 || updated.has(info.dataId)) {
        throw new Error(`Error in ${ADAM_UPDATE}: ${name} shares its data with another tensor, but is updated in place (give it its own copy first: applyAdamUpdate does)`);
      }
      updated.add(info.dataId);
    });
    groups.push(group);
  }
  return groups;
}

/**
 * Makes the backend forget what it derived from the updated tensors' old values: tfjs' wasm kernels
 * cache XNNPACK operators with packed weights by tensor id (a convolution's filter, a matmul's right
 * operand), which would otherwise keep using the weights of before the update. Unregistering an id
 * runs its disposal callbacks (the cache entries) and frees nothing; it is then registered again on
 * the same memory — the state a new tensor would have had.
 */
function forgetDerivedData(backend: BackendWasm, groups: readonly TensorInfo[][]): void {
  for (const group of groups) {
    for (const info of group.slice(0, 3)) {
      const data = backend.dataIdMap.get(info.dataId);
      if (data === undefined) continue;
      backend.wasm.tfjs.disposeData(data.id);
      backend.wasm.tfjs.registerTensor(data.id, util.sizeFromShape(info.shape), data.memoryOffset);
    }
  }
}

/** The update in tfseg's native kernel: as many variables per call as its argument block takes. */
function updateNatively(native: NativeKernels, backend: BackendWasm, groups: readonly TensorInfo[][], constants: readonly number[]): void {
  const leading = [...constants.map(floatBits), 0];
  for (let first = 0; first < groups.length; first += ADAM_VARIABLES_PER_CALL) {
    const batch = groups.slice(first, first + ADAM_VARIABLES_PER_CALL);
    const argumentsBlock = [...leading];
    argumentsBlock[LEADING_SLOTS - 1] = batch.length;
    let elements = 0;
    for (const group of batch) {
      const size = util.sizeFromShape((group[0] as TensorInfo).shape);
      argumentsBlock.push(...group.map((info) => heapOffset(backend, info)), size);
      elements += size;
    }
    native.run('adam_update', argumentsBlock, elements, 4 * elements);
  }
}

/** The same update in JS, float32 operation by operation (without tfseg's native kernels). */
function updateInJs(backend: BackendWasm, groups: readonly TensorInfo[][], constants: readonly number[]): void {
  const [b1, ob1, b2, ob2, c1, c2, eps, lr] = constants.map(Math.fround) as [number, number, number, number, number, number, number, number];
  const f = Math.fround;
  for (const group of groups) {
    const [w, m, v, g] = float32Views(backend, group as [TensorInfo, TensorInfo, TensorInfo, TensorInfo]);
    for (let i = 0; i < w.length; i++) {
      const gi = g[i] as number;
      const mi = f(f(f((m[i] as number) * b1) + f(gi * ob1)));
      const vi = f(f((v[i] as number) * b2) + f(f(gi * gi) * ob2));
      const update = f(f(mi * c1) / f(f(Math.sqrt(f(vi * c2))) + eps));
      m[i] = mi;
      v[i] = vi;
      w[i] = f((w[i] as number) - f(update * lr));
    }
  }
}

function adamUpdate(args: { inputs: NamedTensorInfoMap; backend: BackendWasm; attrs: AdamUpdateAttrs }): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const groups = inputGroups(inputs, backend);
  const { beta1, beta2, epsilon, learningRate, firstCorrection, secondCorrection } = attrs;
  // The op path multiplies by float32 scalars made from these doubles: 1 − β is computed in double first.
  const constants = [beta1, 1 - beta1, beta2, 1 - beta2, firstCorrection, secondCorrection, epsilon, learningRate];
  const native = nativeKernels(backend);
  if (native !== undefined) updateNatively(native, backend, groups, constants);
  else updateInJs(backend, groups, constants);
  forgetDerivedData(backend, groups);
  return [];
}

/**
 * Runs {@link ADAM_UPDATE} on the active (wasm) backend for every group, in one kernel call. A variable
 * or moment whose data another tensor shares (e.g. a clone of it is still alive) first gets its own
 * copy by `assign`, so that the other tensor keeps its value; in a training loop that happens at most
 * once (the first step), and the update itself allocates nothing.
 */
export function applyAdamUpdate(groups: readonly AdamUpdateGroup[], attrs: AdamUpdateAttrs): void {
  const backend = tf.backend() as BackendWasm;
  for (const group of groups) {
    for (const tensor of group.slice(0, 3) as tf.Variable[]) {
      if (backend.refCount(tensor.dataId) === 1) continue;
      const own = tf.tensor(tensor.dataSync() as Float32Array, tensor.shape, 'float32');
      tensor.assign(own);
      own.dispose();
    }
  }
  tf.engine().runKernel(ADAM_UPDATE, groups.flat() as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap);
}

/** Registers {@link ADAM_UPDATE} for the wasm backend. */
export const adamUpdateConfig: KernelConfig = {
  kernelName: ADAM_UPDATE,
  backendName: 'wasm',
  kernelFunc: adamUpdate as unknown as KernelFunc,
};
