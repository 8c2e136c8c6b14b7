/** A stack of equally sized patches with their masks, ready to batch. */
export interface PatchSet {
  /** [count, height, width, channels] intensities in [0, 1]. */
  images: Float32Array;
  /** [count, height, width] class indices. */
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** The sample id each patch was cut from (`sourceIds[i]` for patch i). */
  sourceIds: string[];
}

/** An empty PatchSet of the given patch shape, with room for `count` patches. */
export function allocatePatchSet(count: number, height: number, width: number, channels: number): PatchSet {
  return {
    images: new Float32Array(count * height * width * channels),
    labels: new Uint8Array(count * height * width),
    count,
    height,
    width,
    channels,
    sourceIds: new Array<string>(count).fill(''),
  };
}

/** A source of pixels to cut patches from (an image and its mask, HWC and HW). */
export interface PatchSource {
  id: string;
  height: number;
  width: number;
  channels: number;
  image: Float32Array;
  mask: Uint8Array;
}

/**
 * Copies the `set.height × set.width` window at (top, left) of `source` into patch `index` of `set`,
 * mirrored left–right when `flip`. Image and mask always go through the same index mapping.
 */
export function copyPatch(source: PatchSource, top: number, left: number, flip: boolean, set: PatchSet, index: number): void {
  const { height, width, channels } = set;
  const patchPixels = height * width;
  for (let y = 0; y < height; y++) {
    const sourceRow = (top + y) * source.width + left;
    const targetRow = index * patchPixels + y * width;
    for (let x = 0; x < width; x++) {
      const sourcePixel = sourceRow + (flip ? width - 1 - x : x);
      const targetPixel = targetRow + x;
      set.labels[targetPixel] = source.mask[sourcePixel] as number;
      for (let c = 0; c < channels; c++) set.images[targetPixel * channels + c] = source.image[sourcePixel * channels + c] as number;
    }
  }
  set.sourceIds[index] = source.id;
}
