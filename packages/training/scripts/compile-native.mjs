/* global process */
/**
 * The one recipe that compiles native/*.c (tfseg's wasm SIMD kernels) with clang, used by
 * build-native.mjs (the shipped modules) and bench/relaxed-simd-fma.mjs (an experimental variant).
 * Needs clang and wasm-ld (Debian: apt-get install clang lld); CLANG picks another clang.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assertNoStaticMemory } from './native-module-layout.mjs';
import { disassemble, llvmObjdump, standardiseRelaxedMadd } from './relaxed-madd.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const clang = process.env.CLANG ?? 'clang';

// No libc, no entry point, no data segments; the memory (and so every tensor) is tfjs' own, and the
// stack pointer is exported so each instance can be given a stack that tfjs allocated.
const common = ['--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-mmutable-globals', '-nostdlib', '-Wall', '-Werror', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--export=__stack_pointer', '-Wl,--strip-all'];

/** The two modules: one importing an ordinary memory (tfjs' single-threaded build), one a shared memory (its threaded build). */
export const NATIVE_VARIANTS = {
  plain: [],
  // emscripten's threaded memory: shared, at most 4 GiB.
  shared: ['-matomics', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296'],
};

/** The first line of `clang --version`. */
export function clangVersion() {
  return execFileSync(clang, ['--version'], { encoding: 'utf8' }).split('\n')[0];
}

/** clang's flags for the fused-multiply-add modules: MADD (native/kernels.h) as relaxed SIMD's FMA. */
export const FUSED_MULTIPLY_ADD_FLAGS = ['-mrelaxed-simd', '-DTFSEG_RELAXED_FMA'];

/**
 * The modules with fused multiply-adds: {@link compileNative} with {@link FUSED_MULTIPLY_ADD_FLAGS}, each
 * FMA rewritten to the standard `f32x4.relaxed_madd` (relaxed-madd.mjs says why). By variant.
 */
export function compileNativeFusedMultiplyAdd() {
  const objdump = llvmObjdump(clangVersion());
  const modules = compileNative(FUSED_MULTIPLY_ADD_FLAGS);
  for (const [name, bytes] of Object.entries(modules)) standardiseRelaxedMadd(name, bytes, disassemble(objdump, name, bytes));
  return modules;
}

/** Compiles native/*.c into each of {@link NATIVE_VARIANTS}, with `extraFlags` added; returns their bytes by variant. */
export function compileNative(extraFlags = []) {
  const sources = readdirSync(join(root, 'native')).filter((name) => name.endsWith('.c')).sort().map((name) => join(root, 'native', name));
  const directory = mkdtempSync(join(tmpdir(), 'tfseg-native-'));
  const modules = {};
  try {
    for (const [name, flags] of Object.entries(NATIVE_VARIANTS)) {
      const output = join(directory, `${name}.wasm`);
      execFileSync(clang, [...common, ...flags, ...extraFlags, '-o', output, ...sources], { stdio: 'inherit' });
      modules[name] = readFileSync(output);
      assertNoStaticMemory(name, modules[name]); // a static array would be written into tfjs' heap
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  return modules;
}
