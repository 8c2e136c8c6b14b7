/* global process */
/**
 * The fused-multiply-add modules' one post-link step. clang 14 (Debian 12) compiles
 * `__builtin_wasm_fma_f32x4` (native/kernels.h' MADD under -DTFSEG_RELAXED_FMA) to the pre-standard
 * relaxed-SIMD opcode 0xfd 0xaf 0x01, which engines implementing the final proposal (V8 11.3 in Node 20
 * included) reject; the standard `f32x4.relaxed_madd` is 0xfd 0x85 0x02 with the same operands
 * (a, b, c → a·b + c). The instructions to rewrite are found by disassembly (llvm-objdump, from the same
 * LLVM as clang), never by searching for the bytes, which may also occur inside immediates; each listed
 * offset is checked to hold the old opcode, and any other relaxed-SIMD instruction fails the build.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleSections } from './native-module-layout.mjs';

/** clang 14's encoding of f32x4 fused multiply-add (relaxed SIMD before its opcodes were final). */
export const PRE_STANDARD_RELAXED_FMA = [0xfd, 0xaf, 0x01];
/** The standard encoding of `f32x4.relaxed_madd`. */
export const RELAXED_MADD = [0xfd, 0x85, 0x02];

/** The llvm-objdump to disassemble with: $LLVM_OBJDUMP, else `llvm-objdump-<clang's major version>`, else `llvm-objdump`. */
export function llvmObjdump(clangVersionLine) {
  if (process.env.LLVM_OBJDUMP) return process.env.LLVM_OBJDUMP;
  const major = /version (\d+)\./.exec(clangVersionLine)?.[1];
  for (const candidate of major === undefined ? ['llvm-objdump'] : [`llvm-objdump-${major}`, 'llvm-objdump']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next name
    }
  }
  throw new Error(`build-native: llvm-objdump${major === undefined ? '' : `-${major}`} not found; the fused-multiply-add modules need it to find their FMA instructions (Debian: apt-get install llvm, or set LLVM_OBJDUMP)`);
}

/**
 * Offsets (from the start of the code section's contents, as llvm-objdump prints them) of the
 * disassembly lines whose mnemonic matches `pattern`, with the mnemonic.
 */
function listed(listing, pattern) {
  const found = [];
  for (const line of listing.split('\n')) {
    const match = /^\s*([0-9a-f]+):\s+(?:[0-9a-f]{2} )+\s*(\S+)/.exec(line);
    if (match && pattern.test(match[2])) found.push({ offset: parseInt(match[1], 16), mnemonic: match[2] });
  }
  return found;
}

/** `llvm-objdump -d` of the module `bytes`. */
export function disassemble(objdump, name, bytes) {
  const directory = mkdtempSync(join(tmpdir(), 'tfseg-fma-'));
  try {
    const file = join(directory, `${name}.wasm`);
    writeFileSync(file, bytes);
    return execFileSync(objdump, ['-d', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * Rewrites the module `name` (built with -mrelaxed-simd -DTFSEG_RELAXED_FMA) in place so that every
 * pre-standard f32x4 FMA that `listing` (its {@link disassemble}) shows becomes the standard
 * `f32x4.relaxed_madd`; returns how many it rewrote.
 */
export function standardiseRelaxedMadd(name, bytes, listing) {
  const code = moduleSections(bytes).find((section) => section.id === 10);
  if (code === undefined) throw new Error(`build-native: module '${name}' has no code section`);
  const fma = listed(listing, /^f32x4\.fma$/);
  const otherRelaxed = listed(listing, /^(f32x4\.fms|f64x2\.fm[as]|.*relaxed.*|.*laneselect.*)$/);
  if (otherRelaxed.length > 0) throw new Error(`build-native: module '${name}' has relaxed-SIMD instructions other than f32x4 FMA (${otherRelaxed[0].mnemonic} at ${otherRelaxed[0].offset}); only MADD may be relaxed`);
  if (fma.length === 0) throw new Error(`build-native: module '${name}' has no f32x4 FMA; was it built with -mrelaxed-simd -DTFSEG_RELAXED_FMA?`);
  for (const { offset } of fma) {
    const at = code.start + offset;
    if (!PRE_STANDARD_RELAXED_FMA.every((byte, index) => bytes[at + index] === byte)) {
      throw new Error(`build-native: module '${name}': llvm-objdump lists f32x4.fma at code offset ${offset}, but the bytes there are not ${PRE_STANDARD_RELAXED_FMA.map((byte) => byte.toString(16)).join(' ')}`);
    }
    bytes.set(RELAXED_MADD, at);
  }
  return fma.length;
}
