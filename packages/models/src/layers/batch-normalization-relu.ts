/**
 * Batch norm followed by ReLU, trained as one operation and saved as the two standard layers.
 *
 * A model keeps tfjs-layers' `BatchNormalization` and `ReLU` layers (so `model.layers`, `summary()`,
 * `toJSON()` and `save()` are exactly what tfjs-layers and Keras write, and plain `tf.loadLayersModel`
 * loads them); the fusion is an execution detail of {@link FusingLayersModel}'s calls, like a graph
 * compiler's: it finds each BatchNormalization whose output goes into a plain ReLU and nowhere else, and
 * passes the pairs to the layers' calls ({@link RECTIFIED_PAIRS}). The batch norm then outputs relu(y) —
 * in training with the backend's kernels inside its one tape operation, the ReLU's gradient dy·step(y)
 * inside the closed-form gradient; in inference (`apply(x)`, `apply(x, { training: false })`) by the
 * backend's `TfsegBatchNormRelu` kernel when it has one; the same bits as the two layers (tested) — and the
 * ReLU passes it on unchanged. `predict()` and `fit()` (tfjs-layers' own loops) and models built with
 * `tf.model` run the two layers as before.
 */
import { LayersModel, type layers, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { reshape, serialization, Tensor } from '@tensorflow/tfjs-core';
import { BatchNormalization, inRectifiedPair, RECTIFIED_PAIRS } from './batch-normalization';

type Layer = InstanceType<typeof layers.Layer>;
type Kwargs = Parameters<Layer['apply']>[1];
type ApplyInputs = Parameters<Layer['apply']>[0];

/** tfjs-layers' own ReLU class, as tfjs-layers registered it (the package exports only the `layers.reLU` factory). */
const TfjsReLU = serialization.SerializationMap.getMap().classNameMap['ReLU']?.[0] as unknown as (new (
  args?: Parameters<typeof layers.reLU>[0],
) => ReturnType<typeof layers.reLU>) &
  Omit<typeof layers.Layer, 'prototype'>;

/**
 * tfjs-layers' `ReLU` layer, the same layer (same class name, config and values): as the second layer of
 * a fused BatchNormalization → ReLU pair in a {@link FusingLayersModel}'s call, it passes on its
 * input, which the batch norm already rectified. {@link registerCustomLayers} registers it under tfjs'
 * class name.
 */
export class ReLU extends TfjsReLU {
  /** Name under which the class is registered for serialization: tfjs-layers' own. */
  static className = 'ReLU';

  override apply(inputs: ApplyInputs, kwargs?: Kwargs): ReturnType<Layer['apply']> {
    if (!inRectifiedPair(kwargs, this)) return super.apply(inputs, kwargs);
    // Returned as is: Layer.apply would copy an input it gets back (an Identity on the tape).
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    if (input === undefined || (Array.isArray(inputs) && inputs.length !== 1)) throw new Error('Error in ReLU: expected exactly one input tensor');
    // Outside training, tfjs-layers' executor disposes the batch norm's output once its last consumer (this
    // layer) has run: hand on a view of it instead (a Reshape to the same shape shares the data, no copy).
    if ((kwargs as { training?: unknown } | undefined)?.training === true || !(input instanceof Tensor)) return input;
    return reshape(input, input.shape);
  }
}

/**
 * The layers of `model`'s fusable BatchNormalization → ReLU pairs: this package's BatchNormalization used
 * once, whose output is not a model output and goes into exactly one layer, this package's ReLU without
 * `maxValue`, used once, in the same model. Anything else (a shared layer, a batch norm output read
 * elsewhere or fetched, a clipped ReLU) stays two layers.
 */
export function rectifiedPairs(model: LayersModel): Set<Layer> {
  const pairs = new Set<Layer>();
  const members = new Set(model.layers);
  const fetched = new Set(model.outputs.map((output) => output.id));
  for (const layer of model.layers) {
    if (!(layer instanceof BatchNormalization) || layer.inboundNodes.length !== 1 || layer.outboundNodes.length !== 1) continue;
    const produced = (layer.inboundNodes[0]?.outputTensors ?? []) as SymbolicTensor[];
    const consumer = layer.outboundNodes[0];
    const next = consumer?.outboundLayer;
    if (produced.length !== 1 || fetched.has((produced[0] as SymbolicTensor).id) || consumer === undefined || consumer.inputTensors.length !== 1) continue;
    if (!(next instanceof ReLU) || !members.has(next) || next.inboundNodes.length !== 1 || next.maxValue != null) continue;
    pairs.add(layer);
    pairs.add(next);
  }
  return pairs;
}

/**
 * tfjs-layers' `LayersModel` (serialised under its class name, `Model`), whose calls (`apply(x, { training:
 * true })` as @tfseg/training's step calls it, and inference `apply(x)` as its `predict`) run each
 * BatchNormalization → ReLU pair ({@link rectifiedPairs}) as one operation; the rest is LayersModel's.
 * `buildModel` returns one, and with {@link registerCustomLayers} `tf.loadLayersModel` does too.
 */
export class FusingLayersModel extends LayersModel {
  /** Name under which the class is registered for serialization: tfjs-layers' own. */
  static override className = 'Model';

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs & object): Tensor | Tensor[] {
    // Found on every call (a few dozen layers): layers can be applied again, in other models, at any time.
    const pairs = rectifiedPairs(this);
    return super.call(inputs, pairs.size === 0 ? kwargs : { ...kwargs, [RECTIFIED_PAIRS]: pairs });
  }
}
