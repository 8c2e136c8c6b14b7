/*
 * Shared definitions of tfseg's own wasm kernels, and the one description of how TypeScript calls
 * them. Every kernel has the signature `void kernel(const int32_t *args, int32_t begin, int32_t end)`:
 * `args` points to its arguments in the wasm heap, written by ../src/wasm-kernels/native/runtime.ts'
 * `run(kernel, args, items, work)` as one int32 per slot (pointers are heap byte offsets, `f32` slots
 * hold a float32's bit pattern, see `floatBits`), and [begin, end) is the range of work items this
 * thread computes; items never write to the same memory, so threads need no reduction and results do
 * not depend on the thread count. The exported names, in dispatch order, are runtime.ts'
 * NATIVE_KERNEL_NAMES (a test checks they are exactly the module's exports).
 *
 * Argument layouts (slot: meaning; all tensors float32 NHWC, row-major) and items:
 *
 * conv2d                 (conv2d.c; Conv2D.ts)  0 x, 1 w [KH,KW,Ci,Co], 2 out, 3 zeros (≥ Ci zero floats),
 *                        4..16 conv_geometry (below), 17 output run length (Co: plain NHWC; else runs of
 *                        it out_w·run apart, conv2d.c). Co divisible by 4. Items: ceil(Co/16) channel tiles
 *                        × batch·out_h rows.
 * conv2d_winograd_filter (conv2d_winograd.c)  0 g [3,3,Ci,Co] (flip: [3,3,Co,Ci] used flipped), 1 u
 *                        [16,Ci,Co], 2 Ci, 3 Co, 4 flip (0/1). Ci, Co divisible by 4. Items: Ci/4.
 * conv2d_winograd        (conv2d_winograd.c)  0 x, 1 u (from conv2d_winograd_filter), 2 out,
 *                        3..12 winograd_geometry (winograd.h). Items: blocks of block_tiles 2×2 tiles.
 * conv2d_backprop_filter (conv2d_backprop_filter.c; Conv2DBackpropFilter.ts)  0 x, 1 dy, 2 dw [KH,KW,Ci,Co],
 *                        3..15 conv_geometry. Items: conv2d_backprop_filter_items(args) = taps × Ci tiles
 *                        × Co tiles (that export takes the same args and returns the count).
 * conv2d_winograd_backprop_filter (conv2d_winograd_backprop_filter.c)  0 x, 1 dy, 2 partials
 *                        [partitions,16,Ci,Co], 3..12 winograd_geometry, 13 blocks per partition, 14 Ci
 *                        groups, 15 fused (1: one partition of one block holding every tile; 2 is then dW
 *                        [3,3,Ci,Co], written directly). Items: partitions × Ci groups (each overwrites its
 *                        own rows of its slice).
 * conv2d_winograd_filter_output (same file)  0 partials, 1 dw [3,3,Ci,Co], 2 partitions, 3 Ci, 4 Co.
 *                        Items: Ci (partitions added in order).
 * adam_update            (adam.c; AdamUpdate.ts)  0..7 f32 β1, 1−β1, β2, 1−β2, 1/(1−β1ᵗ), 1/(1−β2ᵗ), ε,
 *                        learning rate, 8 tensor count n, then per tensor t at 9+5t: w, m, v (all three
 *                        updated in place), g, elements. Items: the n tensors' elements, one after another.
 * sum_leading            (reduce.c; Sum.ts, Mean.ts)  0 x [rows, columns], 1 out [columns], 2 rows,
 *                        3 columns, 4 f32 divisor (1: Sum; rows: Mean). Items: groups of 4 columns.
 * copy_parts             (copy.c; Concat.ts, SplitV.ts)  0 joined, 1 joined row length, 2 parts, 3 direction
 *                        (0 parts → joined, 1 joined → parts), then per part p: 4+3p pointer, 5+3p run,
 *                        6+3p offset in the joined row (32-bit elements). Items: rows.
 * max_pool_grad          (max_pool_grad.c; MaxPoolGrad.ts)  0 x, 1 dy, 2 dx, 3 batch, 4 in_h, 5 in_w,
 *                        6 channels, 7 out_h, 8 out_w, 9 k_h, 10 k_w, 11 stride_h, 12 stride_w, 13 pad_top,
 *                        14 pad_left. Items: images.
 * bias_activation        (bias_activation.c; Add.ts, FusedConv2D.ts)  0 x, 1 y (may be x), 2 bias (0: none),
 *                        3 channels (divisible by 4), 4 activation (0 linear, 1 relu, 2 relu6, 3 leaky
 *                        relu), 5 f32 alpha. Items: pixels.
 * batch_norm_apply       (batch_norm.c; FusedBatchNorm.ts, BatchNormGrad.ts, BatchNormTraining.ts)  0 x, 1 out,
 *                        2 mean (0: none), 3 variance, 4 scale (0: ones), 5 offset (0: none), 6 rows,
 *                        7 channels (≤ 4096), 8 f32 ε, 9 relu after it (0/1). Items: rows.
 * batch_norm_sums        (batch_norm.c; BatchNormGrad.ts, BatchNormTraining.ts)  0 x, 1 dy, 2 mean, 3 partials
 *                        [partitions,2,C], 4 rows, 5 channels, 6 partitions, 7 variance, 8 scale, 9 offset,
 *                        10 f32 ε, 11 relu (0/1; 1: dy is the gradient of relu(batch_norm_apply's y), slots
 *                        7–10 are the forward pass', and dy·step(y) is summed). Items: partitions.
 * relu_grad              (elementwise_grad.c; ElementwiseGrad.ts)  0 x, 1 dy, 2 dx: dx = dy·step(x).
 *                        Items: elements.
 * square_grad            (elementwise_grad.c; ElementwiseGrad.ts)  0 x, 1 dy, 2 dx: dx = dy·(x·2). Items:
 *                        elements.
 * broadcast_mean         (elementwise_grad.c; ElementwiseGrad.ts)  0 dy [columns], 1 dx [rows, columns],
 *                        2 columns, 3 f32 n: dx[r, c] = dy[c] / n. Items: rows.
 * tile_grad              (tile_grad.c; TileGrad.ts)  0 dy, 1 dx, 2..7 x's shape, 8..13 repetitions (both
 *                        rank 6, leading 1s). Items: elements of dx.
 * batch_matmul           (batch_matmul.c; BatchMatMul.ts)  0 a, 1 b, 2 out [batch, m, n], 3 batch, 4 a's
 *                        batch stride, 5 b's batch stride (elements; 0: broadcast), 6 m, 7 k, 8 n,
 *                        9 transpose a (a [k, m]), 10 transpose b (b [n, k]). Items: batch × ceil(m/4).
 * depthwise_conv2d       (depthwise_conv2d.c; DepthwiseConv2dNative.ts)  0 x, 1 w [KH,KW,C] (multiplier 1),
 *                        2 out, 3..14 depthwise_geometry (batch, in_h, in_w, channels, out_h, out_w, k_h,
 *                        k_w, stride_h, stride_w, pad_top, pad_left). Items: batch·out_h rows.
 * depthwise_conv2d_backprop_input (same file; DepthwiseConv2dNativeBackpropInput.ts)  0 dy, 1 w, 2 dx,
 *                        3..14 the forward depthwise_geometry; k_h, k_w ≤ 64. Items: batch·in_h rows.
 * depthwise_conv2d_backprop_filter (same file; DepthwiseConv2dNativeBackpropFilter.ts)  0 x, 1 dy, 2 dw
 *                        [KH,KW,C], 3..14 the forward depthwise_geometry; channels ≤ 8192. Items: KH·KW taps.
 * binary_elementwise     (elementwise.c; Elementwise.ts, Add.ts)  0 a, 1 b, 2 out (float32; bytes for
 *                        greater-or-equal), 3 op (0 add, 1 sub, 2 mul, 3 maximum, 4 greater-or-equal),
 *                        4 layout (0 one shape, 1 b a [channels] vector repeated over a's rows, 2 a one over
 *                        b's, 3 b a column: one value per row of a, 4 a one of b, 5 b a scalar, 6 a one),
 *                        5 channels. Items: elements (layouts 0, 5, 6) or rows.
 * softmax_rows           (softmax.c; Softmax.ts)  0 x, 1 y ([rows, channels]), 2 rows, 3 channels (1..64).
 *                        Items: groups of 4 rows.
 * unary_elementwise      (elementwise.c; Elementwise.ts)  0 x, 1 out, 2 op (0 relu, 1 step), 3 f32 alpha
 *                        (step's value at or below 0). Items: elements.
 * flip_filter            (flip_filter.c; Conv2D.ts)  0 w [KH,KW,Ci,Co], 1 out [KH,KW,Co,Ci]: out[kh,kw,co,ci] =
 *                        w[KH−1−kh, KW−1−kw, ci, co], 2 KH, 3 KW, 4 Ci, 5 Co. Items: KH·KW·Co rows.
 * batch_norm_statistics  (batch_norm.c; BatchNormTraining.ts)  0 x [rows, C], 1 mean, 2 variance (out, [C]),
 *                        3 rows, 4 channels (≤ 4096), 5 f32 rows, 6 moving mean, 7 moving variance (0: none),
 *                        8 next moving mean, 9 next moving variance (out: m − (m − value)·decay), 10 f32 decay
 *                        (1 − momentum). Items: ceil(C/16) groups of 16 channels.
 * batch_norm_backward    (batch_norm.c; BatchNormTraining.ts)  0 x, 1 dy, 2 dx, 3 coefficients [4, C]
 *                        (mean, k1, k2, g), 4 rows, 5 channels, 6 relu (0/1; 1: slots 7–10 are the forward
 *                        pass' variance, scale, offset and f32 ε, and dy·step(y) stands for dy):
 *                        dx = (dy − k1 − (x − mean)·k2)·g. Items: rows.
 * resize_nearest_grad    (resize_grad.c; ResizeGrad.ts)  0 dy [B,OH,OW,C], 1 dx [B,IH,IW,C], 2 batch, 3 in_h,
 *                        4 in_w, 5 channels, 6 out_h, 7 out_w, then 8.. the dx row of each of the out_h dy
 *                        rows, then the dx column of each of the out_w dy columns. Items: batch·in_h rows.
 * resize_bilinear_grad   (resize_grad.c; ResizeGrad.ts)  slots 0..7 as resize_nearest_grad, then 3 per dy
 *                        row (top dx row, bottom dx row, f32 lerp), then 3 per dy column (left, right, f32
 *                        lerp). Items: batch·in_h rows.
 * conv2d_strided_backprop_input (conv2d_strided_backprop_input.c; StridedConvInputGradient.ts)  0 dy
 *                        [B,OH,OW,Co], 1 w [KH,KW,Ci,Co], 2 dx [B,IH,IW,Ci], 3 batch, 4 in_h, 5 in_w, 6 Ci
 *                        (≤ 4096), 7 out_h, 8 out_w, 9 Co (divisible by 4), 10 k_h, 11 k_w, 12 stride_h,
 *                        13 stride_w, 14 pad_top, 15 pad_left. Items: batch·in_h rows.
 * conv2d_strided_backprop_input_wide (same file)  the same slots with 1 the flipped, in/out-swapped filter
 *                        [KH,KW,Co,Ci] (flip_filter's output); Ci divisible by 4. Items: batch·in_h rows.
 * bias_relu_grad         (bias_relu_grad.c; ConvBiasRelu.ts)  0 y, 1 dy, 2 dz [rows, columns], 3 dbias
 *                        [columns], 4 rows, 5 columns: dz = dy·step(y), dbias = Σ_rows dz. Items: groups of
 *                        4 columns.
 * conv2d_winograd4_backprop_filter (conv2d_winograd_backprop_filter.c)  conv2d_winograd_backprop_filter's
 *                        slots by F(4×4, 3×3): 2 partials [partitions,36,Ci,Co], 4×4 tiles. Items: partitions ×
 *                        Ci groups.
 * conv2d_winograd4_filter_output (same file)  conv2d_winograd_filter_output's slots, partials
 *                        [partitions,36,Ci,Co]. Items: Ci.
 * conv2d_winograd_filter_4x4 (conv2d_winograd.c)  conv2d_winograd_filter's slots for F(4×4, 3×3): 1 u
 *                        [36,Ci,Co]. Items: Ci/4.
 * conv2d_winograd_4x4    (conv2d_winograd.c)  conv2d_winograd's slots, 1 u from conv2d_winograd_filter_4x4.
 *                        Items: blocks of block_tiles 4×4 tiles.
 * conv2d_backprop_filter_packed (conv2d_backprop_filter.c)  conv2d_backprop_filter's slots, Ci and Co
 *                        divisible by 16. Items: taps × Ci/16 × Co/16.
 * conv2d_winograd_input  (conv2d_winograd.c)  0 x, 1 v [16 planes of Ci·tiles + 16 floats], 2..11
 *                        winograd_geometry with block_tiles = all 2×2 tiles. Items: tiles.
 * conv2d_winograd_strips (conv2d_winograd.c)  0 g (as conv2d_winograd_filter's), 1 v (from
 *                        conv2d_winograd_input), 2 out, 3..12 winograd_geometry (block_tiles = all tiles),
 *                        13 flip. F(2×2) with U per 16-channel strip on the stack (1 KiB·(Ci + tiles + 2)).
 *                        Items: ⌈Co/16⌉ strips.
 * batch_norm_coefficients (batch_norm.c; BatchNormTraining.ts)  0 partials [partitions, 2, C] (batch_norm_sums'),
 *                        1 partitions, 2 channels, 3 rows, 4 mean, 5 variance, 6 scale, 7–8 ε (float64, low
 *                        word first), 9 coefficients [4, C] (out: mean, k1, k2, g of batch_norm_backward),
 *                        10 dscale, 11 doffset (out, [C]). Items: channels.
 * conv2d_single_channel  (conv2d_narrow.c; edge-convolutions.ts)  0 x [B,H,W,1], 1 w [3,3,1,Co], 2 out,
 *                        3..15 conv_geometry (stride 1, any padding). Co divisible by 4. Items: ceil(Co/16)
 *                        channel tiles × batch·out_h rows (conv2d's bits).
 * conv2d_single_channel_backprop_filter (same file)  0 x [B,H,W,1], 1 dy, 2 dw [3,3,1,Co], 3..15 conv_geometry
 *                        (3×3, stride 1). Co divisible by 4. Items: Co/4 (conv2d_backprop_filter's bits).
 * conv2d_pointwise       (same file)  0 x [pixels,Ci], 1 w [Ci,Co], 2 bias [Co] (0: none), 3 out [pixels,Co],
 *                        4 pixels, 5 Ci (≤ 4096), 6 Co (1..8): bias first, then the input channels in order
 *                        (XNNPACK's gemm bits). Items: groups of 64 pixels.
 * conv2d_pointwise_backprop_input (same file)  0 dy [pixels,Co], 1 w [Ci,Co], 2 dx [pixels,Ci], 3 pixels, 4 Ci
 *                        (divisible by 4, ≤ 4096), 5 Co (1..8). Items: groups of 64 pixels.
 * conv2d_pointwise_backprop_filter (same file)  0 x [pixels,Ci], 1 dy [pixels,Co], 2 dw [Ci,Co], 3 pixels, 4 Ci
 *                        (divisible by 4), 5 Co (1..8). Items: groups of 8 input channels (Co ≤ 5) or 4.
 * normalize_forward      (normalize.c; Normalize.ts)  0 x [B,M,G,K], 1 γ [G,K], 2 β [G,K] (0: none), 3 y, 4 x̂
 *                        (out, x's shape), 5 r [B,G] (out), 6 M, 7 G, 8 K, 9 f32 M·K, 10 f32 ε, 11 B. Items: ⌈B·G/4⌉
 *                        groups of 4 (b, g) pairs.
 * normalize_backward     (normalize.c; Normalize.ts)  0 dy [B,M,G,K], 1 x̂, 2 r [B,G], 3 γ [G,K], 4 dx (out),
 *                        5 M, 6 G, 7 K, 8 f32 M·K, 9 B. Items: ⌈B·G/4⌉ groups of 4 (b, g) pairs.
 * normalize_parameter_grads (normalize.c; Normalize.ts)  0 dy [rows,columns], 1 x̂, 2 dγ [columns] (out),
 *                        3 dβ (out; 0: none), 4 rows, 5 columns. Items: ceil(columns/4).
 * exp_elementwise        (exp.c; Exp.ts)  0 x, 1 out (float32), 2 musl's 32-entry exp table (uint64, in
 *                        the heap): musl's expf, the built-in Exp's bits. Items: elements.
 * softmax_loss_exp_sums  (softmax_loss.c; SoftmaxLoss.ts)  0 logits [rows, C], 1 shifted (out: x − max), 2 Σ_c exp
 *                        (out, [rows]), 3 rows, 4 C (≤ 64), 5 exp table, 6 block rows (≤ 32). Items: blocks.
 * softmax_loss_sums      (same file)  0 p (in: shifted; out: p, in place), 1 log Σ_c exp [rows], 2 y, 3 partials
 *                        (out, [blocks, 4, C]: Σ y·p, Σ y, Σ p, Σ y·log p), 4 rows, 5 C, 6 exp table, 7 block
 *                        rows. Items: blocks of rows.
 * softmax_loss_grad      (same file)  0 p, 1 y, 2 dz (out) [rows, C], 3 α, 4 β (0: none), 5 κ (0: none), 6–8 their
 *                        strides (1 per class, 0 scalar), 9 rows, 10 C (≤ 64). Items: rows.
 * softmax_probability_loss_gather  (same file)  0 p, 1 y [rows, C], 2 partials (out: Σ y·p, Σ y, Σ p of
 *                        [blocks, 4, C]), 3 gathered q = max(p, ε) needing a log (out, [rows·C], per block from
 *                        its first element), 4 counts (out, int32 [blocks]), 5 rows, 6 C (≤ 64), 7 ε (float32
 *                        bits), 8 block rows (≤ 32). Items: blocks.
 * softmax_probability_loss_log_sums  (same file)  0 p, 1 y, 2 logs of the gathered q (compact), 3 offsets
 *                        (int32 [blocks]), 4 partials (out: Σ y·log q), 5 rows, 6 C, 7 ε bits, 8 block rows.
 *                        Items: blocks.
 * softmax_probability_loss_grad  (same file)  0 p, 1 y, 2 out [rows, C], 3 α, 4 β (0: none), 5 κ (0: none),
 *                        6–8 their strides, 9 rows, 10 C (≤ 64), 11 ε (float32 bits). Items: rows.
 * conv2d_packed          (conv2d.c; Conv2D.ts)  conv2d's slots with 1 the filter from pack_filter (Co
 *                        divisible by 16): conv2d's sums. Items: as conv2d's.
 * pack_filter            (conv2d.c; Conv2D.ts)  0 w (layout 0: [K, N]; 1: [N, K]), 1 packed [N/16][K][16],
 *                        2 K, 3 N (divisible by 16), 4 layout. Items: N/16.
 * conv2d_backprop_filter_tiling_pack (conv2d_backprop_filter.c; Conv2DBackpropFilter.ts)  0 x, 1 dy, 2 xs
 *                        [KH·KW][Ci/16][pixels][16], 3 ds [Co/16][pixels][16] (out), 4..16 conv_geometry of a
 *                        tiling convolution (kernel = stride, no padding), Ci and Co divisible by 16. Items:
 *                        batch·out_h rows.
 * conv2d_backprop_filter_tiling (same file)  0 xs, 1 ds (from the pack), 2 dw [KH,KW,Ci,Co], 3..15 conv_geometry.
 *                        Items: KH·KW × Ci/16 × Co/16 (conv2d_backprop_filter_packed's bits).
 */
#pragma once
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
#define INLINE static inline __attribute__((always_inline))

/* The 13 geometry slots of a direct convolution and its filter gradient (Conv2D.ts' geometry order). */
typedef struct {
  int32_t batch, in_h, in_w, in_c, out_h, out_w, out_c, k_h, k_w, stride_h, stride_w, pad_top, pad_left;
} conv_geometry;

/*
 * acc + a * b per lane, rounded twice (a product, then a sum), as every kernel computes it. Built with
 * -DTFSEG_RELAXED_FMA -mrelaxed-simd (the fused-multiply-add modules, selectBackend's opt-in
 * `fusedMultiplyAdd`) it is relaxed SIMD's f32x4.relaxed_madd instead, which an engine may fuse (one
 * rounding) or not: results then differ between machines. clang 14's builtin takes (a, b, acc) and
 * emits the pre-standard opcode, which scripts/relaxed-madd.mjs rewrites to the standard one.
 */
#ifdef TFSEG_RELAXED_FMA
#define MADD(acc, a, b) ((v128_t)__builtin_wasm_fma_f32x4((__f32x4)(a), (__f32x4)(b), (__f32x4)(acc)))
#else
#define MADD(acc, a, b) wasm_f32x4_add((acc), wasm_f32x4_mul((a), (b)))
#endif

/* The float32 stored in args[i]. */
INLINE float arg_float(const int32_t *args, int i) {
  union { int32_t i; float f; } u = { args[i] };
  return u.f;
}

/* The 4 x 4 transpose: lane l of t0..t3 into o_l (o_l = (t0[l], t1[l], t2[l], t3[l])). */
INLINE void transpose_4x4(const v128_t t0, const v128_t t1, const v128_t t2, const v128_t t3, v128_t *o0, v128_t *o1, v128_t *o2, v128_t *o3) {
  const v128_t a01 = wasm_i32x4_shuffle(t0, t1, 0, 4, 1, 5), a23 = wasm_i32x4_shuffle(t2, t3, 0, 4, 1, 5);
  const v128_t b01 = wasm_i32x4_shuffle(t0, t1, 2, 6, 3, 7), b23 = wasm_i32x4_shuffle(t2, t3, 2, 6, 3, 7);
  *o0 = wasm_i32x4_shuffle(a01, a23, 0, 1, 4, 5);
  *o1 = wasm_i32x4_shuffle(a01, a23, 2, 3, 6, 7);
  *o2 = wasm_i32x4_shuffle(b01, b23, 0, 1, 4, 5);
  *o3 = wasm_i32x4_shuffle(b01, b23, 2, 3, 6, 7);
}
