import { plainFmaKernelsWasm, plainKernelsWasm, sharedFmaKernelsWasm, sharedKernelsWasm } from '../src/wasm-kernels/native/binaries';
// @ts-expect-error -- a plain ESM script of the native build (scripts/ is not part of the package's types)
import { assertNoStaticMemory, STATIC_FREE_STACK_POINTER, staticMemoryProblems } from './native-module-layout.mjs';

/** Signed LEB128 of an i32. */
function signedLeb(value: number): number[] {
  const bytes: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40);
    bytes.push(done ? byte : byte | 0x80);
    if (done) return bytes;
  }
}

const section = (id: number, contents: number[]): number[] => [id, contents.length, ...contents];
const stackPointer = (start: number): number[] => [0x7f, 0x01, 0x41, ...signedLeb(start), 0x0b];
/** A module of the given sections (contents under 128 bytes each). */
const wasmModule = (...sections: number[][]): Buffer => Buffer.from([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...sections.flat()]);
const globals = (...entries: number[][]): number[] => section(6, [entries.length, ...entries.flat()]);

describe('the native modules own no memory (native-module-layout.mjs)', () => {
  it('accepts the embedded plain and shared modules, with and without fused multiply-adds', () => {
    for (const text of [plainKernelsWasm, sharedKernelsWasm, plainFmaKernelsWasm, sharedFmaKernelsWasm]) expect(staticMemoryProblems(Buffer.from(text, 'base64'))).toEqual([]);
  });

  it('accepts a module whose only global is a stack pointer at global base + stack size', () => {
    expect(staticMemoryProblems(wasmModule(globals(stackPointer(STATIC_FREE_STACK_POINTER))))).toEqual([]);
  });

  it('names a data section, a data-count section and a start section', () => {
    const good = globals(stackPointer(STATIC_FREE_STACK_POINTER));
    expect(staticMemoryProblems(wasmModule(good, section(11, [0])))).toEqual([expect.stringContaining('a data section')]);
    expect(staticMemoryProblems(wasmModule(section(12, [0]), good))).toEqual([expect.stringContaining('a data count section')]);
    expect(staticMemoryProblems(wasmModule(section(8, [0]), good))).toEqual([expect.stringContaining('a start section')]);
  });

  it('measures static data or .bss from where the stack pointer starts', () => {
    const [problem] = staticMemoryProblems(wasmModule(globals(stackPointer(STATIC_FREE_STACK_POINTER + 256))));
    expect(problem).toContain(`__stack_pointer starts at ${STATIC_FREE_STACK_POINTER + 256}; expected ${STATIC_FREE_STACK_POINTER}`);
    expect(problem).toContain('256 bytes of static data');
  });

  it('wants exactly one global, the stack pointer', () => {
    expect(staticMemoryProblems(wasmModule())).toEqual([expect.stringContaining('no global section')]);
    const two = globals(stackPointer(STATIC_FREE_STACK_POINTER), stackPointer(4096));
    expect(staticMemoryProblems(wasmModule(two))).toEqual([expect.stringContaining('it has 2 globals; expected exactly one')]);
    const immutable = globals([0x7f, 0x00, 0x41, ...signedLeb(STATIC_FREE_STACK_POINTER), 0x0b]);
    expect(staticMemoryProblems(wasmModule(immutable))).toEqual([expect.stringContaining('expected exactly one, the mutable i32 __stack_pointer')]);
  });

  it('throws with the module name and every problem', () => {
    const bad = wasmModule(section(8, [0]), globals(stackPointer(STATIC_FREE_STACK_POINTER + 16)), section(11, [0]));
    expect(() => assertNoStaticMemory('shared', bad)).toThrow(/native module 'shared' must not own memory: it has a start section .*; it has a data section .*; __stack_pointer starts at 66576/);
    expect(() => assertNoStaticMemory('plain', wasmModule(globals(stackPointer(STATIC_FREE_STACK_POINTER))))).not.toThrow();
  });

  it('rejects bytes that are not a wasm module', () => {
    expect(() => staticMemoryProblems(Buffer.from('not wasm at all'))).toThrow('not a WebAssembly module');
  });
});
