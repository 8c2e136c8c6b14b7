/** The part of UTIF.js (no bundled types) that this package uses. */
declare module 'utif' {
  /** One TIFF image file directory: tags as `t<number>` arrays plus decoded fields. */
  export interface IFD {
    [tag: `t${number}`]: number[] | string[] | undefined;
    width?: number;
    height?: number;
    isLE?: boolean;
    data?: Uint8Array;
  }
  /** UTIF is a CommonJS object built at run time, so Node's ESM loader sees only a default export. */
  const UTIF: {
    decode(buffer: ArrayBuffer | Uint8Array): IFD[];
    decodeImage(buffer: ArrayBuffer | Uint8Array, ifd: IFD, ifds?: IFD[]): void;
    encode(ifds: Record<string, number[] | string[]>[]): ArrayBuffer;
    encodeImage(rgba: Uint8Array, width: number, height: number): ArrayBuffer;
  };
  export default UTIF;
}
