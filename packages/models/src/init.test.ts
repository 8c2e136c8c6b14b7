import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { buildModel, MODEL_NAMES, torchFanIn, type ModelName } from './index';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

type Kind = Parameters<typeof torchFanIn>[0];
const KINDS: Record<string, Kind> = { Conv2D: 'conv2d', Conv2DTranspose: 'conv2dTranspose', DepthwiseConv2D: 'depthwiseConv2d', Dense: 'dense' };

/** fan_in read off a tfjs kernel the way PyTorch reads it off the equivalent torch weight. */
function fanInFromKernel(kind: Kind, shape: number[]): number {
  // tfjs layouts: Conv2D [k, k, in, out]; Conv2DTranspose [k, k, out, in]; DepthwiseConv2D [k, k, in, 1]; Dense [in, out].
  if (kind === 'dense') return shape[0]!;
  const receptive = shape[0]! * shape[1]!;
  if (kind === 'depthwiseConv2d') return receptive;
  return receptive * shape[2]!; // conv: in channels; transposed conv: out channels (torch's dimension 1 of [in, out, k, k])
}

interface Stats { count: number; maxAbs: number; mean: number; variance: number }
function stats(values: Float32Array | Int32Array | Uint8Array): Stats {
  let sum = 0;
  let maxAbs = 0;
  for (const value of values) {
    sum += value;
    maxAbs = Math.max(maxAbs, Math.abs(value));
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const value of values) squares += (value - mean) ** 2;
  return { count: values.length, maxAbs, mean, variance: squares / values.length };
}

/** Every conv / transposed conv / depthwise / dense layer of a model with its kernel and bias statistics. */
function initializedLayers(name: ModelName, init: 'he' | 'torch', seed = 3): { kind: Kind; kernelShape: number[]; kernel: Stats; bias: Stats | undefined }[] {
  const model = buildModel({ name, preset: 'tiny', inChannels: 3, numClasses: 4, inputSize: 64, seed, init });
  try {
    return model.layers.flatMap((layer) => {
      const kind = KINDS[layer.getClassName()];
      if (kind === undefined) return [];
      const [kernel, bias] = layer.getWeights();
      return [{ kind, kernelShape: kernel!.shape, kernel: stats(kernel!.dataSync()), bias: bias ? stats(bias.dataSync()) : undefined }];
    });
  } finally {
    model.dispose();
  }
}

describe("init: 'torch'", () => {
  it('draws every kernel and bias of conv, transposed conv, depthwise conv and dense layers from U(±1/√fan_in) with torch.nn’s fan_in', () => {
    const seen = new Set<Kind>();
    for (const name of MODEL_NAMES) {
      for (const layer of initializedLayers(name, 'torch')) {
        seen.add(layer.kind);
        const bound = 1 / Math.sqrt(fanInFromKernel(layer.kind, layer.kernelShape));
        expect(layer.kernel.maxAbs).toBeLessThanOrEqual(bound * (1 + 1e-6));
        if (layer.kernel.count >= 500) {
          // U(−b, b): variance b²/3, mean 0; the standard error of the variance of n uniforms is ≈ 0.89·(b²/3)/√n.
          const expected = bound ** 2 / 3;
          const tolerance = 5 * 0.9 * expected / Math.sqrt(layer.kernel.count);
          expect(Math.abs(layer.kernel.variance - expected)).toBeLessThan(tolerance);
          expect(Math.abs(layer.kernel.mean)).toBeLessThan(5 * bound / Math.sqrt(3 * layer.kernel.count));
          expect(layer.kernel.maxAbs).toBeGreaterThan(0.95 * bound);
        }
        if (layer.bias) {
          expect(layer.bias.maxAbs).toBeLessThanOrEqual(bound * (1 + 1e-6));
          expect(layer.bias.maxAbs).toBeGreaterThan(0); // not zeros, unlike the default
        }
      }
    }
    expect([...seen].sort()).toEqual(['conv2d', 'conv2dTranspose', 'dense', 'depthwiseConv2d']);
  });

  it('torchFanIn gives the bounds PyTorch 1.13 draws (measured: max |weight| of torch.nn layers with seed 0)', () => {
    // python3 -c "import torch, torch.nn as nn; torch.manual_seed(0); print(nn.ConvTranspose2d(16, 4, 2, stride=2).weight.abs().max())" etc.
    const measured: [Kind, { inChannels: number; outChannels: number; kernelSize?: number }, number][] = [
      ['conv2d', { inChannels: 8, outChannels: 16, kernelSize: 3 }, 0.11783234775066376], // nn.Conv2d(8, 16, 3)
      ['conv2dTranspose', { inChannels: 16, outChannels: 4, kernelSize: 2 }, 0.24978458881378174], // nn.ConvTranspose2d(16, 4, 2, stride=2)
      ['depthwiseConv2d', { inChannels: 8, outChannels: 8, kernelSize: 7 }, 0.14260265231132507], // nn.Conv2d(8, 8, 7, groups=8)
      ['dense', { inChannels: 32, outChannels: 10 }, 0.1760929822921753], // nn.Linear(32, 10)
    ];
    for (const [kind, shape, maxAbs] of measured) {
      const bound = 1 / Math.sqrt(torchFanIn(kind, shape));
      expect(maxAbs).toBeLessThanOrEqual(bound);
      expect(maxAbs).toBeGreaterThan(0.99 * bound); // a wrong fan_in (e.g. in channels for the transposed conv) is off by ≥ √2
    }
  });

  it('torchFanIn follows torch.nn.init._calculate_fan_in_and_fan_out for any shape (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 512 }), fc.integer({ min: 1, max: 7 }), (inChannels, outChannels, kernelSize) => {
        // torch weights: Conv2d [out, in, k, k]; ConvTranspose2d [in, out, k, k]; depthwise [c, 1, k, k]; Linear [out, in]: fan_in = dim 1 · k².
        expect(torchFanIn('conv2d', { inChannels, outChannels, kernelSize })).toBe(inChannels * kernelSize ** 2);
        expect(torchFanIn('conv2dTranspose', { inChannels, outChannels, kernelSize })).toBe(outChannels * kernelSize ** 2);
        expect(torchFanIn('depthwiseConv2d', { inChannels, outChannels: inChannels, kernelSize })).toBe(kernelSize ** 2);
        expect(torchFanIn('dense', { inChannels, outChannels })).toBe(inChannels);
      }),
    );
  });

  it('is reproducible per seed and differs between seeds', () => {
    const weights = (seed: number): number[] => {
      const model = buildModel({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 16, seed, init: 'torch' });
      const conv = model.layers.find((layer) => layer.getClassName() === 'Conv2D')!;
      const values = conv.getWeights().flatMap((weight) => Array.from(weight.dataSync()));
      model.dispose();
      return values;
    };
    expect(weights(4)).toEqual(weights(4));
    expect(weights(4)).not.toEqual(weights(5));
  });

  it("the default 'he' keeps He-normal convolution kernels (variance 2/fan_in, tfjs' fan_in) and zero biases", () => {
    for (const layer of initializedLayers('unet', 'he')) {
      if (layer.bias) expect(layer.bias.maxAbs).toBe(0);
      if (layer.kind !== 'conv2d' || layer.kernel.count < 2000) continue;
      const fanIn = layer.kernelShape[0]! * layer.kernelShape[1]! * layer.kernelShape[2]!;
      // tfjs' heNormal is truncated at 2σ, which shrinks the variance by a factor ≈ 0.774.
      expect(layer.kernel.variance / ((2 / fanIn) * 0.774)).toBeGreaterThan(0.85);
      expect(layer.kernel.variance / ((2 / fanIn) * 0.774)).toBeLessThan(1.15);
    }
  });
});
