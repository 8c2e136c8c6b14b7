/*
 * Shared definitions of tfseg's own wasm kernels. Every kernel has the signature
 * `void kernel(const int32_t *args, int32_t begin, int32_t end)`: `args` points to its arguments in
 * the wasm heap (pointers, sizes, float32 bit patterns), and [begin, end) is the range of work items
 * this thread computes; items never write to the same memory, so threads need no reduction and
 * results do not depend on the thread count.
 */
#pragma once
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* The float32 stored in args[i]. */
INLINE float arg_float(const int32_t *args, int i) {
  union { int32_t i; float f; } u = { args[i] };
  return u.f;
}
