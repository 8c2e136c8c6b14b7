/**
 * The memory contract of tfseg's native modules, checked on their bytes: they import tfjs' memory and
 * must not own any part of it. A static array or a zero-initialised static compiles into a data segment
 * or .bss at wasm-ld's global base (1024), i.e. into tfjs' own heap, where instantiating the module would
 * overwrite tfjs' data (plain build) or be left uninitialised (threaded build, whose passive segments
 * only a start function would copy). Neither shows as a compile error, so compile-native.mjs checks:
 * no data section, no data-count section, no start section, and exactly one global, the exported
 * __stack_pointer, starting at global base + stack size (wasm-ld places data and .bss below the stack,
 * so any static storage moves that start up). Constants a kernel needs go through the runtime's
 * `constants()` instead, written into memory tfjs allocated.
 */

/** wasm-ld's default global base and stack size: where __stack_pointer starts when there is no static data. */
export const STATIC_FREE_STACK_POINTER = 1024 + 65536;

const SECTION_NAMES = { 8: 'start', 11: 'data', 12: 'data count' };

/** Sections of a wasm module: [{ id, start, size }] (start: the offset of the section's contents). */
export function moduleSections(bytes) {
  if (bytes.length < 8 || bytes.readUInt32LE(0) !== 0x6d736100) throw new Error('not a WebAssembly module (no \\0asm header)');
  const found = [];
  let offset = 8;
  while (offset < bytes.length) {
    const id = bytes[offset++];
    const [size, next] = readLeb(bytes, offset);
    found.push({ id, start: next, size });
    offset = next + size;
  }
  return found;
}

/** A LEB128 at `offset`, unsigned or (i32.const's immediate) signed: [value, offset after it]. */
function readLeb(bytes, offset, signed = false) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[offset++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [signed && byte & 0x40 ? value - 2 ** shift : value, offset];
}

/**
 * Problems that break the memory contract above, as sentences naming what was found and what was
 * expected; empty when the module keeps it.
 */
export function staticMemoryProblems(bytes) {
  const problems = [];
  const all = moduleSections(bytes);
  for (const section of all) {
    const name = SECTION_NAMES[section.id];
    if (name) problems.push(`it has a ${name} section (${section.size} bytes); expected none: static data or start code would live in tfjs' heap`);
  }
  const globals = all.find((section) => section.id === 6);
  if (!globals) return [...problems, 'it has no global section; expected one global, __stack_pointer'];
  const [count, first] = readLeb(bytes, globals.start);
  // One global: i32 (0x7f), mutable (0x01), init `i32.const N` (0x41 N) `end` (0x0b).
  if (count !== 1 || bytes[first] !== 0x7f || bytes[first + 1] !== 0x01 || bytes[first + 2] !== 0x41) {
    return [...problems, `it has ${count} globals; expected exactly one, the mutable i32 __stack_pointer (a static variable or another linker global)`];
  }
  const [stackStart] = readLeb(bytes, first + 3, true);
  if (stackStart !== STATIC_FREE_STACK_POINTER) {
    problems.push(`__stack_pointer starts at ${stackStart}; expected ${STATIC_FREE_STACK_POINTER} (global base 1024 + 64 KiB stack): ${stackStart - STATIC_FREE_STACK_POINTER} bytes of static data or .bss below the stack`);
  }
  return problems;
}

/** Throws when `bytes` (the module `name`) breaks the memory contract, with every problem found. */
export function assertNoStaticMemory(name, bytes) {
  const problems = staticMemoryProblems(bytes);
  if (problems.length > 0) {
    throw new Error(`native module '${name}' must not own memory: ${problems.join('; ')}. Pass constants through the runtime's constants() (src/wasm-kernels/native/runtime.ts), into memory tfjs allocated.`);
  }
}
