import * as tf from '@tensorflow/tfjs';
import { expectAllClose, expectNoTensorLeak } from '@tfseg-internal/testing';
import fc from 'fast-check';
import { OUTPUT_STRIDES, buildModel, countParameters, describeModel, estimateFlops, listModels } from './build-model';
import { ModelArgumentError } from './errors';
import { MODEL_NAMES, PRESET_NAMES } from './options';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** U-Net conv/transposed-conv weights by hand: k·k·in·out + out for each layer of Ronneberger's U-Net. */
function unetParametersByHand(base: number, inChannels: number, classes: number): number {
  const conv = (k: number, input: number, output: number): number => k * k * input * output + output;
  let total = 0;
  let channels = inChannels;
  for (let level = 0; level <= 4; level++) {
    const width = base * 2 ** level;
    total += conv(3, channels, width) + conv(3, width, width);
    channels = width;
  }
  for (let level = 3; level >= 0; level--) {
    const width = base * 2 ** level;
    total += conv(2, channels, width) + conv(3, 2 * width, width) + conv(3, width, width);
    channels = width;
  }
  return total + conv(1, channels, classes);
}

describe('buildModel', () => {
  it('builds the paper U-Net with 31,030,658 parameters for 1 channel and 2 classes', () => {
    const options = { name: 'unet', preset: 'paper', inChannels: 1, numClasses: 2, inputSize: 64 } as const;
    expect(unetParametersByHand(64, 1, 2)).toBe(31_030_658);
    const model = buildModel(options);
    expect(countParameters(model)).toBe(31_030_658);
    expect(describeModel(options).parameters).toBe(31_030_658);
    expect(describeModel(options).trainableParameters).toBe(31_030_658);
    model.dispose();
  });

  it('counts analytically exactly what tfjs builds, for every small and tiny preset', () => {
    for (const name of MODEL_NAMES) {
      for (const preset of ['small', 'tiny'] as const) {
        const options = { name, preset, inChannels: 3, numClasses: 4, inputSize: 64 };
        const model = buildModel(options);
        const description = describeModel(options);
        expect({ name, preset, parameters: description.parameters }).toEqual({ name, preset, parameters: model.countParams() });
        const trainable = model.trainableWeights.reduce((sum, weight) => sum + (weight.shape as number[]).reduce((a, b) => a * b, 1), 0);
        expect(description.trainableParameters).toBe(trainable);
        model.dispose();
      }
    }
  });

  it('gives [B, S, S, classes] outputs for every model and preset at 64, 128, 256 px, 1 and 3 channels, 2-5 classes', () => {
    for (const name of MODEL_NAMES) {
      for (const preset of PRESET_NAMES) {
        for (const inputSize of [64, 128, 256]) {
          const inChannels = inputSize === 128 ? 3 : 1;
          const numClasses = 2 + ((inputSize / 64 + PRESET_NAMES.indexOf(preset)) % 4);
          const description = describeModel({ name, preset, inChannels, numClasses, inputSize });
          expect(description.outputShape).toEqual([inputSize, inputSize, numClasses]);
          // Paper presets are checked on shapes only (their weights alone are up to 400 MB); the shape
          // arithmetic itself is checked against tfjs on the other presets just below.
          if (preset === 'paper') continue;
          const model = buildModel({ name, preset, inChannels, numClasses, inputSize });
          expect(model.inputs[0]?.shape).toEqual([null, inputSize, inputSize, inChannels]);
          expect(model.outputs[0]?.shape).toEqual([null, inputSize, inputSize, numClasses]);
          expect(model.outputs[0]?.shape.slice(1)).toEqual(description.outputShape);
          model.dispose();
        }
      }
    }
  });
});

describe('buildModel options', () => {
  const base = { name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 2, inputSize: 32 } as const;

  it('gives identical weights for the same seed, and different weights for another seed or another layer', () => {
    const weightsOf = (seed: number): Float32Array[] => {
      const model = buildModel({ ...base, seed });
      const values = model.getWeights().map((weight) => weight.dataSync() as Float32Array);
      model.dispose();
      return values;
    };
    const first = weightsOf(7);
    const again = weightsOf(7);
    const other = weightsOf(8);
    first.forEach((values, index) => expect(Array.from(again[index] as Float32Array)).toEqual(Array.from(values)));
    expect(Array.from(other[0] as Float32Array)).not.toEqual(Array.from(first[0] as Float32Array));
    // Two convolutions of the same shape (decoder level 4, conv 2 has 8→8 like down1 conv2) must not share a seed.
    const kernels = first.filter((values) => values.length === 3 * 3 * 8 * 8);
    expect(kernels.length).toBeGreaterThan(1);
    expect(Array.from(kernels[0] as Float32Array)).not.toEqual(Array.from(kernels[1] as Float32Array));
  });

  it('outputs softmax probabilities by default and logits on request', () => {
    const probabilities = buildModel({ ...base, seed: 1 });
    const logits = buildModel({ ...base, seed: 1, output: 'logits' });
    tf.tidy(() => {
      const image = tf.randomUniform([1, 32, 32, 1], 0, 1, 'float32', 3);
      const p = probabilities.predict(image) as tf.Tensor;
      const z = logits.predict(image) as tf.Tensor;
      expect(tf.max(tf.abs(tf.sub(tf.sum(p, -1), 1))).dataSync()[0]).toBeLessThan(1e-5);
      expect(tf.max(tf.abs(tf.sub(tf.softmax(z), p))).dataSync()[0]).toBeLessThan(1e-5);
    });
    probabilities.dispose();
    logits.dispose();
  });

  it("output 'sigmoid' gives independent per-channel probabilities, with any number of channels (the head is the same for every architecture)", () => {
    const name = 'unet' as const;
    const size = OUTPUT_STRIDES[name];
    for (const numClasses of [1, 3]) {
      const options = { name, preset: 'tiny' as const, inChannels: 1, numClasses, inputSize: size, seed: 1 };
      const sigmoid = buildModel({ ...options, output: 'sigmoid' });
      const logits = buildModel({ ...options, output: 'logits' });
      expect(sigmoid.outputs[0]?.shape).toEqual([null, size, size, numClasses]);
      expect(describeModel({ ...options, output: 'sigmoid' }).outputShape).toEqual([size, size, numClasses]);
      tf.tidy(() => {
        const image = tf.randomUniform([1, size, size, 1], 0, 1, 'float32', 3);
        const p = sigmoid.predict(image) as tf.Tensor;
        const z = logits.predict(image) as tf.Tensor;
        expect(tf.max(tf.abs(tf.sub(tf.sigmoid(z), p))).dataSync()[0]).toBeLessThan(1e-5);
      });
      sigmoid.dispose();
      logits.dispose();
    }
  });

  it('applies baseWidth and batchNorm overrides', () => {
    const plain = describeModel({ ...base, preset: 'paper', baseWidth: 8 });
    expect(plain.parameters).toBe(unetParametersByHand(8, 1, 2));
    const normalized = describeModel({ ...base, preset: 'paper', baseWidth: 8, batchNorm: true });
    // batch norm adds 4 weights per channel and removes each 3×3 conv's bias (2 per channel per conv unit).
    expect(normalized.parameters - plain.parameters).toBeGreaterThan(0);
    expect(normalized.trainableParameters).toBeLessThan(normalized.parameters);
  });

  it('rejects bad options with errors naming the value and the rule', () => {
    expect(() => buildModel({ ...base, inputSize: 100 })).toThrow(/inputSize 100 must be a multiple of 16 for unet.*try 96 or 112/);
    expect(() => buildModel({ ...base, name: 'convformer-unet', inputSize: 48 })).toThrow(/inputSize 48 must be a multiple of 32/);
    expect(() => buildModel({ ...base, name: 'transunet', inputSize: 40 })).toThrow(/inputSize 40 must be a multiple of 16 for transunet/);
    expect(() => buildModel({ ...base, preset: 'huge' as 'tiny' })).toThrow(/options\.preset is "huge": must be one of paper, small, tiny, but got "huge"/);
    expect(() => buildModel({ ...base, name: 'segformer' as 'unet' })).toThrow(/options\.name is "segformer"/);
    expect(() => buildModel({ ...base, numClasses: 1 })).toThrow(/options\.numClasses is 1: must be at least 2 for output 'softmax'.*use output: 'sigmoid'/);
    expect(() => buildModel({ ...base, numClasses: 0, output: 'sigmoid' })).toThrow(/options\.numClasses is 0/);
    expect(() => buildModel({ ...base, output: 'relu' as 'sigmoid' })).toThrow(/options\.output is "relu"/);
    expect(() => buildModel({ ...base, inChannels: 0 })).toThrow(/options\.inChannels is 0/);
    expect(() => buildModel({ ...base, extra: 1 } as typeof base)).toThrow(ModelArgumentError);
  });

  it('rejects an input whose channels do not match inChannels, naming both shapes', () => {
    const model = buildModel(base);
    const image = tf.zeros([1, 32, 32, 3]);
    expect(() => model.predict(image)).toThrow(/expected image to have shape \[null,32,32,1\].*\[1,32,32,3\]/);
    image.dispose();
    model.dispose();
  });

  it('predicts the same on the wasm backend as on cpu, for every tiny preset', async () => {
    for (const name of MODEL_NAMES) {
      const model = buildModel({ ...base, name, numClasses: 3, seed: 2 });
      const image = tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 4);
      const onCpu = tf.tidy(() => (model.predict(image) as tf.Tensor).dataSync());
      await tf.setBackend('wasm');
      const onWasm = tf.tidy(() => (model.predict(image) as tf.Tensor).dataSync());
      await tf.setBackend('cpu');
      expectAllClose(onWasm, onCpu, 1e-3, 1e-5);
      image.dispose();
      model.dispose();
    }
  });

  it('predicts without leaking tensors', async () => {
    const model = buildModel({ ...base, name: 'transunet' });
    const image = tf.zeros([2, 32, 32, 1]);
    await expectNoTensorLeak(() => tf.tidy(() => model.predict(image) as tf.Tensor).dispose());
    image.dispose();
    model.dispose();
  });
});

describe('estimateFlops and listModels', () => {
  it('counts U-Net FLOPs as 2 per multiply-add of every convolution', () => {
    const size = 64;
    let flops = 0;
    const conv = (resolution: number, k: number, input: number, output: number): void => {
      flops += 2 * resolution * resolution * k * k * input * output;
    };
    let channels = 1;
    for (let level = 0; level <= 4; level++) {
      const width = 8 * 2 ** level;
      conv(size / 2 ** level, 3, channels, width);
      conv(size / 2 ** level, 3, width, width);
      channels = width;
    }
    for (let level = 3; level >= 0; level--) {
      const width = 8 * 2 ** level;
      conv(size / 2 ** (level + 1), 2, channels, width); // transposed conv: one 2×2 kernel per input pixel
      conv(size / 2 ** level, 3, 2 * width, width);
      conv(size / 2 ** level, 3, width, width);
      channels = width;
    }
    conv(size, 1, channels, 3);
    expect(estimateFlops({ name: 'unet', preset: 'tiny', inChannels: 1, numClasses: 3, inputSize: size })).toBe(flops);
  });

  it('counts any U-Net width, channel and class count like the hand formula (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 96 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 2, max: 12 }), (baseWidth, inChannels, numClasses) => {
        const counted = describeModel({ name: 'unet', preset: 'paper', baseWidth, inChannels, numClasses, inputSize: 16 });
        expect(counted.parameters).toBe(unetParametersByHand(baseWidth, inChannels, numClasses));
      }),
    );
  });

  it('keeps every model\'s output at the input size for any multiple of its stride (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MODEL_NAMES), fc.constantFrom(...PRESET_NAMES), fc.integer({ min: 1, max: 24 }), fc.integer({ min: 2, max: 9 }), (name, preset, multiple, numClasses) => {
        const stride = name === 'convformer-unet' ? 32 : 16;
        const inputSize = stride * multiple;
        expect(describeModel({ name, preset, inChannels: 1, numClasses, inputSize }).outputShape).toEqual([inputSize, inputSize, numClasses]);
        expect(() => describeModel({ name, preset, inChannels: 1, numClasses, inputSize: inputSize + stride / 2 })).toThrow(/must be a multiple of/);
      }),
    );
  });

  it('grows FLOPs with the square of the input size for convolutional models', () => {
    const at = (inputSize: number): number => estimateFlops({ name: 'convformer-unet', preset: 'small', inChannels: 3, numClasses: 2, inputSize });
    expect(at(128)).toBe(4 * at(64));
  });

  it('matches the TransUNet paper\'s 105.28 M parameters (R50-ViT-B/16, 224 px, 3 channels, 9 classes)', () => {
    const transUnet = describeModel({ name: 'transunet', preset: 'paper', inChannels: 3, numClasses: 9, inputSize: 224 });
    expect(Math.round(transUnet.trainableParameters / 1e4) / 100).toBe(105.28);
  });

  it('has a ConvFormer-S18 encoder of timm\'s size: 26.77 M with its classification head', () => {
    const model = describeModel({ name: 'convformer-unet', preset: 'paper', inChannels: 3, numClasses: 2, inputSize: 224 });
    // Our decoder by hand: per block two 3×3 convs without bias, each followed by batch norm (4 weights per channel).
    let decoder = 0;
    let channels = 512;
    const skips = [320, 128, 64, 0, 0];
    [256, 128, 64, 32, 16].forEach((width, index) => {
      decoder += 9 * (channels + (skips[index] as number)) * width + 4 * width + 9 * width * width + 4 * width;
      channels = width;
    });
    decoder += 9 * 16 * 2 + 2;
    // timm's head: LayerNorm(512) with bias, then MlpHead 512 → 2048 (bias), LayerNorm(2048), 2048 → 1000 (bias).
    const timmHead = 2 * 512 + (512 * 2048 + 2048) + 2 * 2048 + (2048 * 1000 + 1000);
    expect(Math.round((model.parameters - decoder + timmHead) / 1e4) / 100).toBe(26.77);
  });

  it('lists every model and preset, paper presets largest', () => {
    const list = listModels({ inChannels: 1, numClasses: 2, inputSize: 256 });
    expect(list.map((entry) => `${entry.name}/${entry.preset}`)).toEqual(MODEL_NAMES.flatMap((name) => PRESET_NAMES.map((preset) => `${name}/${preset}`)));
    expect(list.find((entry) => entry.name === 'unet' && entry.preset === 'paper')?.parameters).toBe(31_030_658);
    for (const name of MODEL_NAMES) {
      const [paper, small, tiny] = list.filter((entry) => entry.name === name);
      expect((paper as { parameters: number }).parameters).toBeGreaterThan((small as { parameters: number }).parameters);
      expect((small as { flops: number }).flops).toBeGreaterThan((tiny as { flops: number }).flops);
    }
    expect(() => listModels({ inputSize: -1 })).toThrow(/listModels: options\.inputSize is -1/);
  });
});
