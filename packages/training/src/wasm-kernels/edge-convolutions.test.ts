import { backend_util } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { agreementRuns, expectAgreement, fc, prepareBackends, seededValues, tf, wasmNative, wasmOutputBytes } from './__fixtures__/agreement';
import { explicitPadding } from './conv-geometry';
import { heapOffset } from './wasm-backend';

/** A 3×3 stride-1 convolution of a one-channel image (a U-Net's first layer), 4–40 output channels. */
const singleChannelCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 12 }),
  width: fc.integer({ min: 1, max: 12 }),
  outChannels: fc.integer({ min: 1, max: 10 }).map((n) => 4 * n),
  pad: fc.oneof(fc.constant('same' as const), fc.constant('valid' as const), fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2))),
  seed: fc.nat(),
});
type SingleChannelCase = typeof singleChannelCase extends fc.Arbitrary<infer T> ? T : never;

/** A 1×1 convolution to 1–8 channels (a segmentation head) from 4–40 input channels. */
const pointwiseCase = fc.record({
  batch: fc.integer({ min: 1, max: 3 }),
  height: fc.integer({ min: 1, max: 12 }),
  width: fc.integer({ min: 1, max: 12 }),
  inChannels: fc.integer({ min: 1, max: 10 }).map((n) => 4 * n),
  outChannels: fc.integer({ min: 1, max: 8 }),
  seed: fc.nat(),
});
type PointwiseCase = typeof pointwiseCase extends fc.Arbitrary<infer T> ? T : never;

function padAttribute(pad: SingleChannelCase['pad']): 'same' | 'valid' | number[][] {
  return typeof pad === 'string' ? pad : [[0, 0], [pad[0], pad[1]], [pad[2], pad[3]], [0, 0]];
}

function singleChannelInfo(c: SingleChannelCase): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo([c.batch, c.height, c.width, 1], [3, 3, 1, c.outChannels], 1, 1, padAttribute(c.pad) as 'same');
}

const hasOutput = (c: SingleChannelCase): boolean => {
  const info = singleChannelInfo(c);
  return info.outHeight > 0 && info.outWidth > 0;
};

/** The bytes of a native kernel's output tensor of `shape`, filled by `run(outputPointer)` (then freed). */
function nativeBytes(backend: BackendWasm, shape: number[], run: (out: number) => void): Buffer {
  const out = backend.makeOutput(shape, 'float32');
  run(heapOffset(backend, out));
  const values = Float32Array.from(backend.typedArrayFromHeap(out) as Float32Array);
  backend.disposeData(out.dataId);
  return Buffer.from(values.buffer);
}

const bytesOf = (t: tf.Tensor): Buffer => Buffer.from(Float32Array.from(t.dataSync()).buffer);

const singleChannelTensors = (c: SingleChannelCase, info: backend_util.Conv2DInfo) => ({
  x: tf.tensor4d(seededValues(c.batch * c.height * c.width, c.seed), [c.batch, c.height, c.width, 1]),
  filter: tf.tensor4d(seededValues(9 * c.outChannels, c.seed + 1), [3, 3, 1, c.outChannels]),
  dy: tf.tensor4d(seededValues(c.batch * info.outHeight * info.outWidth * c.outChannels, c.seed + 2), [c.batch, info.outHeight, info.outWidth, c.outChannels]),
});

const pointwiseTensors = (c: PointwiseCase) => ({
  x: tf.tensor4d(seededValues(c.batch * c.height * c.width * c.inChannels, c.seed), [c.batch, c.height, c.width, c.inChannels]),
  filter: tf.tensor4d(seededValues(c.inChannels * c.outChannels, c.seed + 1), [1, 1, c.inChannels, c.outChannels]),
  bias: tf.tensor1d(seededValues(c.outChannels, c.seed + 2)),
  dy: tf.tensor4d(seededValues(c.batch * c.height * c.width * c.outChannels, c.seed + 3), [c.batch, c.height, c.width, c.outChannels]),
});

describe('the first layer (one input channel, 3×3) and the 1×1 head (1–8 classes) on native/conv2d_narrow.c', () => {
  beforeAll(async () => {
    await prepareBackends('Conv2D');
    tf.setBackend('wasm');
  });

  it('one input channel: Conv2D and Conv2DBackpropFilter agree with the cpu backend on random shapes and paddings', () => {
    fc.assert(
      fc.property(singleChannelCase.filter(hasOutput), (c) => {
        const info = singleChannelInfo(c);
        const x = { shape: [c.batch, c.height, c.width, 1], values: seededValues(c.batch * c.height * c.width, c.seed) };
        const filter = { shape: [3, 3, 1, c.outChannels], values: seededValues(9 * c.outChannels, c.seed + 1) };
        const dy = { shape: [c.batch, info.outHeight, info.outWidth, c.outChannels], values: seededValues(c.batch * info.outHeight * info.outWidth * c.outChannels, c.seed + 2) };
        const pad = padAttribute(c.pad);
        expectAgreement('Conv2D', { x, filter }, { strides: 1, pad, dataFormat: 'NHWC', dilations: 1 });
        expectAgreement('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: [3, 3, 1, c.outChannels] }, 1);
      }),
      agreementRuns,
    );
  });

  it('one input channel: the same bits as the general direct kernels (conv2d, conv2d_backprop_filter)', () => {
    const { backend, native } = wasmNative();
    fc.assert(
      fc.property(singleChannelCase.filter(hasOutput), (c) => {
        const info = singleChannelInfo(c);
        const { x, filter, dy } = singleChannelTensors(c, info);
        const pad = padAttribute(c.pad);
        const padding = explicitPadding(info);
        const geometry = [c.batch, c.height, c.width, 1, info.outHeight, info.outWidth, c.outChannels, 3, 3, 1, 1, padding.top, padding.left];
        const rows = c.batch * info.outHeight;
        const forward = tf.conv2d(x, filter, 1, pad as 'same');
        const general = nativeBytes(backend, forward.shape, (out) => native.run('conv2d', [heapOffset(backend, x), heapOffset(backend, filter), out, native.zeros(1), ...geometry, c.outChannels], Math.ceil(c.outChannels / 16) * rows, 0));
        expect(bytesOf(forward).equals(general)).toBe(true);
        const gradient = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad, dataFormat: 'NHWC', filterShape: [3, 3, 1, c.outChannels] }) as tf.Tensor;
        const generalGradient = nativeBytes(backend, [3, 3, 1, c.outChannels], (dw) => {
          const args = [heapOffset(backend, x), heapOffset(backend, dy), dw, ...geometry];
          native.run('conv2d_backprop_filter', args, native.items('conv2d_backprop_filter', args), 0);
        });
        expect(bytesOf(gradient).equals(generalGradient)).toBe(true);
        tf.dispose([x, filter, dy, forward, gradient]);
      }),
      agreementRuns,
    );
  });

  it('1×1 head: FusedConv2D (with and without bias), Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter agree with the cpu backend', () => {
    fc.assert(
      fc.property(pointwiseCase, fc.boolean(), (c, withBias) => {
        const x = { shape: [c.batch, c.height, c.width, c.inChannels], values: seededValues(c.batch * c.height * c.width * c.inChannels, c.seed) };
        const filter = { shape: [1, 1, c.inChannels, c.outChannels], values: seededValues(c.inChannels * c.outChannels, c.seed + 1) };
        const bias = { shape: [c.outChannels], values: seededValues(c.outChannels, c.seed + 2) };
        const dy = { shape: [c.batch, c.height, c.width, c.outChannels], values: seededValues(c.batch * c.height * c.width * c.outChannels, c.seed + 3) };
        const attributes = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
        expectAgreement('FusedConv2D', withBias ? { x, filter, bias } : { x, filter }, { ...attributes, activation: 'linear' });
        expectAgreement('Conv2D', { x, filter }, attributes);
        expectAgreement('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: x.shape }, 1);
        expectAgreement('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: filter.shape }, 1);
      }),
      agreementRuns,
    );
  });

  it("1×1 head: the forward to 4k ± 1–3 channels has XNNPACK's bits (native kernels off), the gradients the general direct kernels' bits", () => {
    const { backend, native } = wasmNative();
    fc.assert(
      fc.property(pointwiseCase, fc.boolean(), (c, withBias) => {
        const { x, filter, bias, dy } = pointwiseTensors(c);
        const head = (): tf.Tensor => tf.fused.conv2d({ x, filter, ...(withBias ? { bias } : {}), strides: 1, pad: 'same', activation: 'linear' });
        // 4 and 8 channels run on the general native kernel (its own bits, bias added last), the rest here.
        if (c.outChannels % 4 !== 0) expect(wasmOutputBytes(head, true).equals(wasmOutputBytes(head, false))).toBe(true);
        const pixels = c.batch * c.height * c.width;
        const inputGradient = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor;
        const transposed = backend.makeOutput([1, 1, c.outChannels, c.inChannels], 'float32');
        native.run('flip_filter', [heapOffset(backend, filter), heapOffset(backend, transposed), 1, 1, c.inChannels, c.outChannels], c.outChannels, 0);
        const generalInput = nativeBytes(backend, x.shape, (dx) =>
          native.run('conv2d', [heapOffset(backend, dy), heapOffset(backend, transposed), dx, native.zeros(c.outChannels), 1, pixels, 1, c.outChannels, pixels, 1, c.inChannels, 1, 1, 1, 1, 0, 0, c.inChannels], Math.ceil(c.inChannels / 16) * pixels, 0),
        );
        backend.disposeData(transposed.dataId);
        expect(bytesOf(inputGradient).equals(generalInput)).toBe(true);
        const filterGradient = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: filter.shape }) as tf.Tensor;
        const generalFilter = nativeBytes(backend, filter.shape, (dw) => {
          const args = [heapOffset(backend, x), heapOffset(backend, dy), dw, c.batch, c.height, c.width, c.inChannels, c.height, c.width, c.outChannels, 1, 1, 1, 1, 0, 0];
          native.run('conv2d_backprop_filter', args, native.items('conv2d_backprop_filter', args), 0);
        });
        expect(bytesOf(filterGradient).equals(generalFilter)).toBe(true);
        tf.dispose([x, filter, bias, dy, inputGradient, filterGradient]);
      }),
      agreementRuns,
    );
  });

  it("1×1 head: NaN, ±Infinity and −0 come out as XNNPACK's, and the kernels leave no tensor behind", () => {
    tf.setBackend('wasm');
    const x = tf.tensor4d([Number.NaN, 1, 2, 3, Infinity, 1, 2, 3, -Infinity, 1, 2, 3, 3e38, 3e38, 0, 0, -0, -0, -0, -0], [1, 1, 5, 4]);
    const filter = tf.tensor4d([1, 2, -1, 0.5, 3, 4, 1, -2, 1, 1, 1, 1], [1, 1, 4, 3]);
    for (const bias of [tf.tensor1d([0, 0, 0]), tf.tensor1d([-0, -0, -0]), undefined]) {
      const head = (): tf.Tensor => tf.fused.conv2d({ x, filter, ...(bias === undefined ? {} : { bias }), strides: 1, pad: 'valid', activation: 'linear' });
      const values = (on: boolean): number[] => {
        const bytes = wasmOutputBytes(head, on);
        return Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4));
      };
      const [native, builtin] = [values(true), values(false)];
      expect(native.map((value) => Object.is(value, -0))).toEqual(builtin.map((value) => Object.is(value, -0)));
      expect(native).toEqual(builtin);
      bias?.dispose();
    }
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const image = tf.ones([2, 16, 16, 1]) as tf.Tensor4D;
      const features = tf.conv2d(image, tf.ones([3, 3, 1, 16]) as tf.Tensor4D, 1, 'same');
      const grads = tf.grads((w: tf.Tensor, h: tf.Tensor) => tf.fused.conv2d({ x: tf.conv2d(image, w as tf.Tensor4D, 1, 'same'), filter: h as tf.Tensor4D, bias: tf.ones([5]), strides: 1, pad: 'same', activation: 'linear' }).square().sum());
      grads([tf.ones([3, 3, 1, 16]), tf.ones([1, 1, 16, 5])]).forEach((g) => g.dataSync());
      features.dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, filter]);
  });
});
