import { getBackend, getKernel, type serialization, type Tensor } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';

/** Constructor arguments of every tfjs-layers layer (name, trainable, ...). */
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

/** Arguments shared by the custom layers whose weights have a random initializer. */
export interface SeededLayerArgs extends LayerArgs {
  /** Seed of the weight initializer; the same seed gives the same weights. */
  seed?: number;
}

/** The single input tensor of a layer called with one input. */
export function singleInput(inputs: Tensor | Tensor[], layer: string): Tensor {
  const input = Array.isArray(inputs) ? inputs[0] : inputs;
  if (!input || (Array.isArray(inputs) && inputs.length !== 1)) throw new Error(`Error in ${layer}: expected exactly one input tensor`);
  return input;
}

/** `{ seed }` when a seed is given, else `{}` (initializer arguments must not hold `seed: undefined`). */
export function seedArgument(seed: number | undefined, offset = 0): { seed?: number } {
  return seed === undefined ? {} : { seed: seed + offset };
}

/** Adds `seed` to a layer config only when set, so configs round-trip through JSON unchanged. */
export function withSeed(config: serialization.ConfigDict, seed: number | undefined): serialization.ConfigDict {
  return seed === undefined ? config : { ...config, seed };
}

/** Whether the active backend has a kernel registered under `name` (a backend's optional fused kernels). */
export function hasKernel(name: string): boolean {
  return getKernel(name, getBackend()) !== undefined;
}

/** The axes of every dimension but the last (the channels): what a per-channel statistic reduces. */
export function leadingAxes(x: Tensor): number[] {
  return Array.from({ length: x.rank - 1 }, (_, axis) => axis);
}
