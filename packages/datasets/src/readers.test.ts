import UTIF from 'utif';
import { decode } from 'fast-png';
import { readJpeg, readPng, readTiff, writeJpeg, writePng, writeTiff } from '@tfseg/datasets';

/** A 3×2 image that is neither symmetric nor transposable: value = 10·row + column. */
const asymmetric = Uint8Array.from([0, 1, 2, 10, 11, 12]);

describe('readTiff / writeTiff', () => {
  it('round-trips grey and RGB without flipping or mirroring', () => {
    expect(readTiff(writeTiff({ height: 2, width: 3, channels: 1, data: asymmetric }))).toEqual({ height: 2, width: 3, channels: 1, data: asymmetric });
    const rgb = Uint8Array.from({ length: 18 }, (_, i) => i * 7);
    expect(readTiff(writeTiff({ height: 2, width: 3, channels: 3, data: rgb })).data).toEqual(rgb);
  });

  it('reads a TIFF written by UTIF itself (little-endian RGBA encoder) row 0 first', () => {
    const rgba = new Uint8Array(3 * 2 * 4);
    asymmetric.forEach((value, i) => rgba.set([value, value, value, 255], 4 * i));
    const decoded = readTiff(new Uint8Array(UTIF.encodeImage(rgba, 3, 2)));
    expect(decoded.channels).toBe(4);
    expect(Array.from(decoded.data.filter((_, i) => i % 4 === 0))).toEqual(Array.from(asymmetric));
  });

  it('inverts WhiteIsZero images and reads 16-bit samples', () => {
    const white = writeTiff({ height: 2, width: 3, channels: 1, data: asymmetric });
    const ifd = UTIF.decode(white)[0] as Record<string, unknown>;
    expect(ifd.t262).toEqual([1]);
    const header = Buffer.from(white);
    // Photometric is the tag 262 entry: patch its value from 1 to 0 in the big-endian directory.
    const entry = header.indexOf(Buffer.from([0x01, 0x06, 0x00, 0x03]));
    header.writeUInt16BE(0, entry + 8);
    expect(Array.from(readTiff(header).data)).toEqual(Array.from(asymmetric, (value) => 255 - value));
  });

  it('names the file for a non-TIFF, a truncated strip and a cut-off directory', () => {
    expect(() => readTiff(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'a.tif')).toThrow('a.tif: not a TIFF file (missing II/MM byte-order mark)');
    const file = writeTiff({ height: 2, width: 3, channels: 1, data: asymmetric });
    expect(() => readTiff(file.subarray(0, file.length - 1), 'b.tif')).toThrow(/b\.tif: truncated TIFF: strip 0 ends at byte \d+ but the file has \d+ bytes/);
    expect(() => readTiff(file.subarray(0, 10), 'c.tif')).toThrow(/c\.tif: corrupt TIFF: image directory at byte 8 with 10 entries runs past the end of the file/);
  });
});

describe('readPng / writePng', () => {
  it('round-trips without flipping and agrees with fast-png', () => {
    const file = writePng({ height: 2, width: 3, channels: 1, data: asymmetric });
    expect(readPng(file)).toEqual({ height: 2, width: 3, channels: 1, depth: 8, data: asymmetric });
    expect(Array.from(decode(file).data)).toEqual(Array.from(asymmetric));
  });

  it('names the file of a corrupt PNG', () => {
    const file = writePng({ height: 2, width: 3, channels: 1, data: asymmetric });
    file[file.length - 20] = (file[file.length - 20] as number) ^ 0xff;
    expect(() => readPng(file, 'm.png')).toThrow(/m\.png: corrupt or truncated PNG/);
  });
});

describe('readJpeg / writeJpeg', () => {
  it('round-trips an RGB image within JPEG loss, not mirrored', () => {
    const width = 16;
    const height = 16;
    const rgb = new Uint8Array(width * height * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 4; x++) rgb.set([250, 250, 250], 3 * (y * width + x)); // bright block at the top left
    const decoded = readJpeg(writeJpeg({ height, width, channels: 3, data: rgb }, 100));
    expect([decoded.height, decoded.width, decoded.channels]).toEqual([16, 16, 3]);
    expect(decoded.data[3 * (2 * width + 1)]).toBeGreaterThan(200);
    expect(decoded.data[3 * (2 * width + 14)]).toBeLessThan(50);
    expect(decoded.data[3 * (13 * width + 1)]).toBeLessThan(50);
  });

  it('names the file of a non-JPEG or corrupt JPEG', () => {
    expect(() => readJpeg(new Uint8Array([0, 1, 2, 3]), 'x.jpg')).toThrow('x.jpg: not a JPEG file (missing SOI marker)');
    const file = writeJpeg({ height: 8, width: 8, channels: 3, data: new Uint8Array(192) });
    const broken = file.slice();
    broken.fill(0x17, 20, broken.length - 2);
    expect(() => readJpeg(broken, 'y.jpg')).toThrow(/y\.jpg: corrupt JPEG/);
  });
});
