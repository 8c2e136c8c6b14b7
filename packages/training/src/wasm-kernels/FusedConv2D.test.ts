import { agreementRuns, convolutionCase, describeBothPaths, expectAgreement, fc, itIsTheRegisteredKernel, prepareBackends, seededValues, sizeOf, tf, wideConvGeometry, winogradGeometry } from './__fixtures__/agreement';
import { fusedConv2DConfig } from './FusedConv2D';

const fusedCase = fc.record({
  geometry: fc.oneof(wideConvGeometry, winogradGeometry),
  activation: fc.constantFrom('linear', 'relu', 'relu6', 'leakyrelu', 'elu', 'sigmoid'),
  withBias: fc.boolean(),
  leakyreluAlpha: fc.constantFrom(0.2, 0.01),
});

describe('FusedConv2D (wasm kernel: native conv + bias + activation where it applies, XNNPACK otherwise)', () => {
  beforeAll(() => prepareBackends('FusedConv2D'));

  itIsTheRegisteredKernel(fusedConv2DConfig);

  describeBothPaths(() => {
    it('agrees with the cpu backend on random convolutions, activations (native and built-in ones) and biases', () => {
      fc.assert(
        fc.property(fusedCase, ({ geometry: g, activation, withBias, leakyreluAlpha }) => {
          const { xShape, filterShape, attributes } = convolutionCase(g);
          const inputs: Record<string, { shape: number[]; values: Float32Array }> = {
            x: { shape: xShape, values: seededValues(sizeOf(xShape), g.seed) },
            filter: { shape: filterShape, values: seededValues(sizeOf(filterShape), g.seed + 1) },
          };
          if (withBias) inputs['bias'] = { shape: [g.outChannels], values: seededValues(g.outChannels, g.seed + 2) };
          expectAgreement('FusedConv2D', inputs, { ...attributes, dilations: 1, activation, leakyreluAlpha });
        }),
        agreementRuns,
      );
    });
  });

  it('adds the bias and rectifies, by hand', () => {
    tf.setBackend('wasm');
    // One pixel, 4 channels (native path): x = 1, filter = identity-like weights, bias [−2, 0, 2, 4].
    const x = tf.ones([1, 1, 1, 4]) as tf.Tensor4D;
    const filter = tf.eye(4).reshape([1, 1, 4, 4]) as tf.Tensor4D;
    const y = tf.fused.conv2d({ x, filter, strides: 1, pad: 'valid', bias: tf.tensor1d([-2, 0, 2, 4]), activation: 'relu6' });
    expect(Array.from(y.dataSync())).toEqual([0, 1, 3, 5]);
    tf.dispose([x, filter, y]);
  });
});
