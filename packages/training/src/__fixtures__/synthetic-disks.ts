/**
 * Test data: bright disks on Gaussian-ish noise, label 1 inside a disk. Generated from a seed (LCG), so
 * every test sees the same patches without a data file.
 */
import '@tensorflow/tfjs';
import * as tfl from '@tensorflow/tfjs-layers';
import type { PatchSet } from '../patch-set';

function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** `count` single-channel `size`×`size` patches, each with one or two disks (brightness +0.6 over noise). */
export function syntheticDisks(count: number, size: number, seed: number): PatchSet {
  const random = createRandom(seed);
  const images = new Float32Array(count * size * size);
  const labels = new Uint8Array(count * size * size);
  for (let patch = 0; patch < count; patch++) {
    const disks = Array.from({ length: 1 + Math.floor(random() * 2) }, () => ({
      x: random() * size,
      y: random() * size,
      radius: size * (0.12 + random() * 0.15),
    }));
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = disks.some((disk) => (x - disk.x) ** 2 + (y - disk.y) ** 2 <= disk.radius ** 2);
        const index = patch * size * size + y * size + x;
        // Sum of two uniforms: noise with a soft peak, overlapping the disk brightness a little.
        images[index] = 0.3 * (random() + random()) + (inside ? 0.6 : 0);
        labels[index] = inside ? 1 : 0;
      }
    }
  }
  return { images, labels, count, height: size, width: size, channels: 1 };
}

/** Splits a set into consecutive sets of `size` patches (the last may be smaller). */
export function splitPatchSet(set: PatchSet, size: number): PatchSet[] {
  const pixels = set.height * set.width;
  const parts: PatchSet[] = [];
  for (let start = 0; start < set.count; start += size) {
    const end = Math.min(set.count, start + size);
    parts.push({
      ...set,
      count: end - start,
      images: set.images.slice(start * pixels * set.channels, end * pixels * set.channels),
      labels: set.labels.slice(start * pixels * (set.labelChannels ?? 1), end * pixels * (set.labelChannels ?? 1)),
    });
  }
  return parts;
}

/** Epoch-seeded order of the batches, as a caller's seeded shuffling would give. */
export function shuffledBatches(batches: readonly PatchSet[], seed: number): (epoch: number) => PatchSet[] {
  return (epoch) => {
    const random = createRandom(seed * 7919 + epoch);
    const order = [...batches];
    for (let index = order.length - 1; index > 0; index--) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other] as PatchSet, order[index] as PatchSet];
    }
    return order;
  };
}

/**
 * A tiny seeded fully-convolutional net (3×3 conv → 3×3 conv → 1×1 head): small enough for the cpu
 * backend. The head is 2-class softmax unless `head` says otherwise (e.g. one sigmoid channel).
 */
export function tinyConvNet(size: number, seed: number, width = 4, head: { channels: number; activation: 'softmax' | 'sigmoid' } = { channels: 2, activation: 'softmax' }): tfl.LayersModel {
  const input = tfl.input({ shape: [size, size, 1] });
  const initializer = (offset: number) => tfl.initializers.glorotUniform({ seed: seed * 100 + offset });
  let x = tfl.layers.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: initializer(1) }).apply(input) as tfl.SymbolicTensor;
  x = tfl.layers.conv2d({ filters: width, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: initializer(2) }).apply(x) as tfl.SymbolicTensor;
  const output = tfl.layers.conv2d({ filters: head.channels, kernelSize: 1, activation: head.activation, kernelInitializer: initializer(3) }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/**
 * Multi-label patches from {@link syntheticDisks}: three overlapping 0/1 channels per pixel — disk,
 * not disk, disk again — so two channels are on inside a disk (no softmax could say that).
 */
export function syntheticMultiLabelDisks(count: number, size: number, seed: number): PatchSet {
  const disks = syntheticDisks(count, size, seed);
  const labels = new Uint8Array(disks.labels.length * 3);
  disks.labels.forEach((inside, i) => labels.set([inside, 1 - inside, inside], i * 3));
  return { ...disks, labels, labelChannels: 3 };
}
