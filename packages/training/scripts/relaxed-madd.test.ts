import { plainFmaKernelsWasm, sharedFmaKernelsWasm } from '../src/wasm-kernels/native/binaries';
// @ts-expect-error -- a plain ESM script of the native build (scripts/ is not part of the package's types)
import { PRE_STANDARD_RELAXED_FMA, RELAXED_MADD, standardiseRelaxedMadd } from './relaxed-madd.mjs';

/**
 * A module whose code section holds, from its contents' start: a body count, a body size, no locals,
 * `i32.const` whose LEB immediate happens to be the old FMA's bytes (offsets 4–6, a decoy), a real FMA
 * (offsets 7–9) and `end`.
 */
function moduleWithDecoy(): Buffer {
  const code = [0x01, 0x09, 0x00, 0x41, ...PRE_STANDARD_RELAXED_FMA, ...PRE_STANDARD_RELAXED_FMA, 0x0b];
  return Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x0a, code.length, ...code]);
}
/** The header bytes before the code section's contents. */
const CODE_START = 10;
const listing = (...lines: string[]): string => ['', 'x.wasm:\tfile format wasm', '', 'Disassembly of section CODE:', '', '00000000 <CODE>:', ...lines].join('\n');

describe('the fused-multiply-add modules’ opcode rewrite (relaxed-madd.mjs)', () => {
  it('rewrites exactly the FMA instructions the disassembly lists, not the same bytes inside an immediate', () => {
    const bytes = moduleWithDecoy();
    const rewritten = standardiseRelaxedMadd('test', bytes, listing('       3: 41 fd af 01  \ti32.const\t-10371', '       7: fd af 01     \tf32x4.fma', '       a: 0b           \tend'));
    expect(rewritten).toBe(1);
    expect([...bytes.subarray(CODE_START + 4, CODE_START + 7)]).toEqual(PRE_STANDARD_RELAXED_FMA);
    expect([...bytes.subarray(CODE_START + 7, CODE_START + 10)]).toEqual(RELAXED_MADD);
  });

  it('fails when a listed offset does not hold the old opcode, on any other relaxed instruction, and without any FMA', () => {
    expect(() => standardiseRelaxedMadd('test', moduleWithDecoy(), listing('       3: fd af 01     \tf32x4.fma'))).toThrow(/code offset 3, but the bytes there are not fd af 1/);
    expect(() => standardiseRelaxedMadd('test', moduleWithDecoy(), listing('       7: fd af 01     \tf32x4.fma', '       3: fd b0 01     \tf32x4.fms'))).toThrow(/other than f32x4 FMA \(f32x4\.fms at 3\)/);
    expect(() => standardiseRelaxedMadd('test', moduleWithDecoy(), listing('       a: 0b           \tend'))).toThrow(/has no f32x4 FMA/);
  });

  it('the embedded fused-multiply-add modules validate only with relaxed SIMD and export what the default ones do', async () => {
    const v8 = await import('node:v8');
    v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
    for (const text of [plainFmaKernelsWasm, sharedFmaKernelsWasm]) {
      const bytes = Buffer.from(text, 'base64');
      expect(WebAssembly.validate(bytes)).toBe(true);
      // No pre-standard opcode is left where one was listed: the standard one occurs, thousands of times.
      let standard = 0;
      for (let index = 0; index + 2 < bytes.length; index++) if (bytes[index] === 0xfd && bytes[index + 1] === 0x85 && bytes[index + 2] === 0x02) standard++;
      expect(standard).toBeGreaterThan(1000);
    }
  });
});
