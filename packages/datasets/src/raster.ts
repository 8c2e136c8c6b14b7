/**
 * A decoded image in memory: row-major, channels last (HWC), row 0 at the top, column 0 at the left.
 * Every decoder in this package returns one, whatever the file format stores.
 */
export interface Raster<Data extends ArrayLike<number> = Uint8Array | Uint16Array> {
  height: number;
  width: number;
  channels: number;
  data: Data;
}
