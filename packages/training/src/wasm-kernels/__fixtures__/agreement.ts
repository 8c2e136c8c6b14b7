/**
 * Test-only harness: runs one kernel on the cpu backend (the reference) and on wasm with the training
 * kernels registered, on the same inputs, and checks they agree to 1e-4 relative, with an absolute floor
 * of 1e-4 × the largest reference magnitude (sums of many products cancel to near zero in places).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { expectAllClose } from '@tfseg-internal/testing';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmTrainingKernels } from '../register';
import { nativeKernels, setNativeKernelsEnabled, type NativeKernels } from '../native/runtime';

/** The wasm backend, made current, and its native kernels (a test that needs them fails when they did not load). */
export function wasmNative(): { backend: BackendWasm; native: NativeKernels } {
  tf.setBackend('wasm');
  const backend = tf.backend() as BackendWasm;
  const native = nativeKernels(backend);
  if (native === undefined) throw new Error('the native kernels did not load');
  return { backend, native };
}

/** Reproducible values in [−1, 1) (an LCG), so fast-check only has to shrink a seed. */
export function seededValues(size: number, seed: number): Float32Array {
  const values = new Float32Array(size);
  let state = (seed >>> 0) + 1;
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[i] = state / 2 ** 31 - 1;
  }
  return values;
}

/**
 * Seeded values in [−1, 1); with `nonFinite` also NaN of both signs (every 13th and 11th entry: two NaNs
 * meet in most products and sums, where the engine keeps the first operand's, so an operand order other
 * than the reference kernel's shows) and +∞, −∞ (every 29th and 23rd).
 */
export function seededValuesWithNonFinite(size: number, seed: number, nonFinite: boolean): Float32Array {
  const result = seededValues(size, seed);
  if (nonFinite) {
    const bits = new Uint32Array(result.buffer);
    for (let i = seed % 7; i < size; i += 13) bits[i] = 0x7fc00000;
    for (let i = 3 + (seed % 5); i < size; i += 11) bits[i] = 0xffc00000;
    for (let i = 5; i < size; i += 29) result[i] = Number.POSITIVE_INFINITY;
    for (let i = 8; i < size; i += 23) result[i] = Number.NEGATIVE_INFINITY;
  }
  return result;
}

/** An input of the kernel: its shape and values (float32 unless `dtype` says otherwise). */
export interface KernelInput {
  shape: number[];
  values: Float32Array | Int32Array;
  dtype?: 'float32' | 'int32';
}

function runOn(backendName: 'cpu' | 'wasm', kernelName: string, inputs: Record<string, KernelInput>, attrs: object): Float32Array[] {
  tf.setBackend(backendName);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, input] of Object.entries(inputs)) tensors[name] = tf.tensor(input.values, input.shape, input.dtype ?? 'float32');
  const backend = tf.backend();
  const dataIdsBefore = backend.numDataIds();
  // Concat takes its inputs as an array (keys '0', '1', ...), like tf.concat passes them.
  const kernelInputs = Object.keys(tensors).every((key) => /^\d+$/.test(key)) ? Object.values(tensors) : tensors;
  const output = tf.engine().runKernel(kernelName, kernelInputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  const outputs = Array.isArray(output) ? output : [output];
  const values = outputs.map((tensor) => Float32Array.from(tensor.dataSync()));
  // Every intermediate of the kernel is freed: only its outputs hold backend memory.
  const dataIdsAfter = backend.numDataIds();
  const uniqueOutputs = new Set(outputs.map((tensor) => tensor.dataId)).size;
  outputs.forEach((tensor) => tensor.dispose());
  Object.values(tensors).forEach((tensor) => tensor.dispose());
  if (dataIdsAfter - dataIdsBefore > uniqueOutputs) throw new Error(`${kernelName} on ${backendName} leaked ${dataIdsAfter - dataIdsBefore - uniqueOutputs} intermediate(s)`);
  return values;
}

/**
 * Asserts the wasm training kernel `kernelName` agrees with the cpu backend on these inputs: within
 * 1e-4 relative, plus 1e-4 of the largest output or of `inputScale`, whichever is larger (a reduction
 * that cancels to about 0 keeps rounding errors of the size of its inputs, not of its output).
 */
export function expectAgreement(kernelName: string, inputs: Record<string, KernelInput>, attrs: object, inputScale = 0): void {
  const expected = runOn('cpu', kernelName, inputs, attrs);
  const actual = runOn('wasm', kernelName, inputs, attrs);
  expect(actual.length).toBe(expected.length);
  expected.forEach((reference, index) => {
    const scale = reference.reduce((max, value) => Math.max(max, Math.abs(value)), inputScale);
    expectAllClose(actual[index] as Float32Array, reference, 1e-4, 1e-4 * scale + 1e-7);
  });
}

/** Registers the kernels, readies both backends and checks the wasm kernel is ours, for `beforeAll`. */
export async function prepareBackends(kernelName: string): Promise<void> {
  registerWasmTrainingKernels();
  await tf.setBackend('wasm');
  await tf.ready();
  await tf.setBackend('cpu');
  await tf.ready();
  const names = registerWasmTrainingKernels();
  expect(names).toContain(kernelName);
}

/**
 * Declares `body`'s tests twice: with tfseg's native SIMD kernels (the default) and with them turned
 * off, where the kernels fall back to XNNPACK and JS compositions.
 */
export function describeBothPaths(body: () => void): void {
  describe.each([
    ['native SIMD kernels', true],
    ['XNNPACK/JS fallbacks', false],
  ])('with %s', (_name, native) => {
    beforeAll(() => setNativeKernelsEnabled(native));
    afterAll(() => setNativeKernelsEnabled(true));
    body();
  });
}

/** Property-test settings shared by the agreement tests: few runs each, to stay within the test budget. */
export const agreementRuns = { numRuns: Number(process.env.AGREEMENT_RUNS ?? 30) } as const;

/** Whether a random geometry's 'valid' or explicit padding leaves the filter room for at least one output pixel. */
export function hasNonEmptyOutput(g: {
  height: number;
  width: number;
  filterHeight: number;
  filterWidth: number;
  pad: 'same' | 'valid' | [number, number, number, number];
}): boolean {
  if (g.pad === 'same') return true;
  const [top, bottom, left, right] = g.pad === 'valid' ? [0, 0, 0, 0] : g.pad;
  return g.height + top + bottom >= g.filterHeight && g.width + left + right >= g.filterWidth;
}

/** A random 2-D convolution geometry with a non-empty output; `pad` is 'same', 'valid' or [top, bottom, left, right]. */
export const convGeometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    inChannels: fc.integer({ min: 1, max: 5 }),
    outChannels: fc.integer({ min: 1, max: 5 }),
    filterHeight: fc.integer({ min: 1, max: 4 }),
    filterWidth: fc.integer({ min: 1, max: 4 }),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
    channelsFirst: fc.boolean(),
    seed: fc.nat(),
  })
  .filter(hasNonEmptyOutput);

/**
 * Like {@link convGeometry} with 1–20 channels, so the native kernels' full SIMD tiles (16-, 8- and
 * 4-wide channel blocks) and their remainders are all reached; NHWC only (the native kernels' layout).
 */
export const wideConvGeometry = fc
  .record({
    batch: fc.integer({ min: 1, max: 2 }),
    height: fc.integer({ min: 1, max: 13 }),
    width: fc.integer({ min: 1, max: 13 }),
    inChannels: fc.integer({ min: 1, max: 20 }),
    outChannels: fc.integer({ min: 1, max: 20 }),
    filterHeight: fc.integer({ min: 1, max: 3 }),
    filterWidth: fc.integer({ min: 1, max: 3 }),
    strides: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
    channelsFirst: fc.constant(false),
    seed: fc.nat(),
  })
  .filter(hasNonEmptyOutput);

/**
 * Convolutions the Winograd F(2×2, 3×3) kernels take: 3×3, stride 1, channels divisible by 4 (4–16),
 * outputs from 4×4 (input gradients and filter gradients take Winograd from there, forward
 * convolutions from 8×8) with odd sizes (partial tiles at the edges) and every padding.
 */
export const winogradGeometry = fc.record({
  batch: fc.integer({ min: 1, max: 2 }),
  height: fc.integer({ min: 4, max: 17 }),
  width: fc.integer({ min: 4, max: 17 }),
  inChannels: fc.integer({ min: 1, max: 4 }).map((n) => 4 * n),
  outChannels: fc.integer({ min: 1, max: 4 }).map((n) => 4 * n),
  filterHeight: fc.constant(3),
  filterWidth: fc.constant(3),
  strides: fc.constant<[number, number]>([1, 1]),
  pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
  channelsFirst: fc.constant(false),
  seed: fc.nat(),
});

/**
 * Like {@link winogradGeometry} with 28–40 channels in and out: the Winograd kernels' 16-, 8- and
 * 4-channel tiles and several blocks of the filter gradient ({@link winogradGeometry}'s 4–16 channels
 * cover both sides of its threshold, 16 together). Smaller images keep the cpu reference affordable.
 */
export const wideWinogradGeometry = winogradGeometry.chain((g) =>
  fc.record({
    inChannels: fc.integer({ min: 7, max: 10 }).map((n) => 4 * n),
    outChannels: fc.integer({ min: 7, max: 10 }).map((n) => 4 * n),
    height: fc.integer({ min: 4, max: 11 }),
    width: fc.integer({ min: 4, max: 11 }),
  }).map((wide) => ({ ...g, ...wide, batch: 1 })),
);

/** One random convolution of {@link convGeometry}, {@link wideConvGeometry} or {@link winogradGeometry}. */
export type ConvGeometry = typeof convGeometry extends fc.Arbitrary<infer T> ? T : never;

/** The tfjs `pad` attribute of a {@link convGeometry} for the given layout. */
export function padAttribute(pad: 'same' | 'valid' | [number, number, number, number], channelsFirst: boolean): 'same' | 'valid' | number[][] {
  if (typeof pad === 'string') return pad;
  const [top, bottom, left, right] = pad;
  return channelsFirst ? [[0, 0], [0, 0], [top, bottom], [left, right]] : [[0, 0], [top, bottom], [left, right], [0, 0]];
}

/** `[B, H, W, C]` in the given layout. */
export function inLayout(shape: number[], channelsFirst: boolean): number[] {
  return channelsFirst ? [shape[0], shape[3], shape[1], shape[2]] as number[] : shape;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The shapes and attributes of one {@link convGeometry} case: x and dy in the case's layout, the filter HWIO. */
export function convolutionCase(g: ConvGeometry): {
  xShape: number[];
  dyShape: number[];
  filterShape: [number, number, number, number];
  attributes: { strides: [number, number]; pad: 'same' | 'valid' | number[][]; dataFormat: 'NHWC' | 'NCHW' };
} {
  const filterShape: [number, number, number, number] = [g.filterHeight, g.filterWidth, g.inChannels, g.outChannels];
  const xShape = [g.batch, g.height, g.width, g.inChannels];
  const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], filterShape, g.strides, 1, padAttribute(g.pad, false) as 'same');
  return {
    xShape: inLayout(xShape, g.channelsFirst),
    dyShape: inLayout([g.batch, info.outHeight, info.outWidth, g.outChannels], g.channelsFirst),
    filterShape,
    attributes: { strides: g.strides, pad: padAttribute(g.pad, g.channelsFirst), dataFormat: g.channelsFirst ? 'NCHW' : 'NHWC' },
  };
}

/**
 * A random depthwise convolution and its shapes: half of them with channel multiplier 1 (the native
 * kernels' case) and 1–11 channels (their 4-channel vectors and remainders), half with multiplier 1–3
 * (the XNNPACK compositions). Dilation stays 1: tfjs' depthwise gradients refuse dilations, and the cpu
 * reference kernels ignore them.
 */
export const depthwiseCase = fc
  .record({
    batch: fc.integer({ min: 1, max: 3 }),
    height: fc.integer({ min: 1, max: 9 }),
    width: fc.integer({ min: 1, max: 9 }),
    channels: fc.integer({ min: 1, max: 11 }),
    multiplier: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 3 })),
    filterHeight: fc.integer({ min: 1, max: 4 }),
    filterWidth: fc.integer({ min: 1, max: 4 }),
    strides: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
    seed: fc.nat(),
  })
  .filter(hasNonEmptyOutput)
  .map((g) => {
    const filterShape: [number, number, number, number] = [g.filterHeight, g.filterWidth, g.channels, g.multiplier];
    const xShape: [number, number, number, number] = [g.batch, g.height, g.width, g.channels];
    const pad = padAttribute(g.pad, false);
    const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, g.strides, 1, pad as 'same', undefined, true);
    const dyShape = [g.batch, info.outHeight, info.outWidth, g.channels * g.multiplier];
    return { xShape, dyShape, filterShape, attributes: { strides: g.strides, dilations: 1, pad }, seed: g.seed };
  });

/**
 * The agreement property of a reduction kernel (Sum, Mean): random shapes, axis sets (half of them
 * exactly the leading axes, the native path) and keepDims, float32 and int32.
 */
export function expectReductionAgreement(kernelName: 'Sum' | 'Mean', maxDimension: number): void {
  fc.assert(fc.property(reductionCase(maxDimension), (r) => expectReductionCase(kernelName, r)), agreementRuns);
}

/** One case of {@link expectReductionAgreement}: a shape, axes (mod rank), keepDims, dtype and data seed. */
export interface ReductionCase {
  shape: number[];
  axes: number[];
  leadingOnly: boolean;
  keepDims: boolean;
  integer: boolean;
  seed: number;
}

function reductionCase(maxDimension: number): fc.Arbitrary<ReductionCase> {
  return fc.record({
    shape: fc.array(fc.integer({ min: 1, max: maxDimension }), { minLength: 1, maxLength: 4 }),
    axes: fc.uniqueArray(fc.nat(3), { minLength: 1, maxLength: 4 }),
    leadingOnly: fc.boolean(),
    keepDims: fc.boolean(),
    integer: fc.boolean(),
    seed: fc.nat(),
  });
}

/** Asserts `kernelName` (Sum or Mean) agrees with the cpu backend on one {@link ReductionCase}. */
export function expectReductionCase(kernelName: 'Sum' | 'Mean', r: ReductionCase): void {
  const rank = r.shape.length;
  const axes = r.leadingOnly ? Array.from({ length: Math.max(1, r.axes.length % rank) }, (_, axis) => axis) : [...new Set(r.axes.map((axis) => axis % rank))];
  const values = seededValues(sizeOf(r.shape), r.seed);
  const x = r.integer ? { shape: r.shape, values: Int32Array.from(values, (v) => Math.round(v * 50)), dtype: 'int32' as const } : { shape: r.shape, values };
  const inputScale = Array.from(x.values).reduce((max, value) => Math.max(max, Math.abs(value)), 0);
  expectAgreement(kernelName, { x }, { axis: axes, keepDims: r.keepDims }, inputScale);
}

/** Declares the test that `config` is what tfjs runs for its kernel on wasm (after {@link prepareBackends}). */
export function itIsTheRegisteredKernel(config: tf.KernelConfig): void {
  it(`is the registered wasm ${config.kernelName} kernel`, () => {
    expect(tf.getKernel(config.kernelName, 'wasm')?.kernelFunc).toBe(config.kernelFunc);
  });
}

/**
 * The bytes of `run()`'s output on wasm with tfseg's native kernels on (`native`) or off (the built-in
 * kernels), for tests that a native path gives the built-in kernel's bits. The output is disposed.
 */
export function wasmOutputBytes(run: () => tf.Tensor, native: boolean): Buffer {
  setNativeKernelsEnabled(native);
  try {
    const out = run();
    const values = out.dataSync();
    out.dispose();
    return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  } finally {
    setNativeKernelsEnabled(true);
  }
}

export { fc, tf };
