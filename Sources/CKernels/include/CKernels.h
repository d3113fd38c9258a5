// Album's C kernels: CPU feature detection, OpenBLAS core-type selection, and the element-wise hot loops
// (built with -O3 in per-ISA variants chosen once at first use; Swift's default x86-64 target has no FMA).
#ifndef ALBUM_CKERNELS_H
#define ALBUM_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Best OpenBLAS core type for this CPU ("SkylakeX", "Haswell"), or NULL to leave OpenBLAS's own detection.
const char *album_preferred_blas_coretype(void);

/// If OPENBLAS_CORETYPE is unset, sets it to album_preferred_blas_coretype() and re-executes the current
/// program (OpenBLAS reads the variable only when it loads). Returns only when no re-exec happened.
/// Records the choice in ALBUM_BLAS_CORETYPE_SOURCE ("auto" or "user").
void album_ensure_blas_coretype(char *const argv[]);

/// Human-readable CPU feature summary, e.g. "avx512f avx2 fma" (what the hardware has, whatever the cap below).
const char *album_cpu_features(void);

/// Instruction-set levels Album's kernels choose among.
enum { ALBUM_ISA_PORTABLE = 0, ALBUM_ISA_AVX2 = 1, ALBUM_ISA_AVX512 = 2 };
/// The highest level Album's kernels may use, read once from ALBUM_CPU_ISA ("avx512", the default: whatever the CPU
/// has; "avx2": AVX2 + FMA at most, as on a CPU without AVX-512; "portable": plain C). Each kernel still needs the
/// CPU to have its instructions. A capped run also caps OpenBLAS's core type and oneDNN (DNNL_MAX_CPU_ISA) unless
/// those are set explicitly.
int album_isa_cap(void);
/// The level named by `value` (NULL or "" is the default, avx512), or -1 for a name Album does not know.
int album_parse_isa_cap(const char *value);

// MARK: Element-wise kernels (elementwise.c). Row-major; `rows` x `dim` buffers; out may alias in where noted.

/// Activation functions of T5 feed-forward layers (HF ACT2FN names: relu, gelu_new, gelu, silu).
typedef enum {
    ALBUM_ACT_RELU = 0,
    ALBUM_ACT_GELU_NEW = 1,  ///< tanh approximation (HF NewGELUActivation), used by "gated-gelu"
    ALBUM_ACT_GELU = 2,      ///< exact erf GELU (HF GELUActivation)
    ALBUM_ACT_SILU = 3,
} album_activation;

/// T5LayerNorm: out = weight * x * rsqrt(mean(x^2) + eps) per row (no mean, no bias). out may alias in.
void album_rmsnorm(float *out, const float *in, const float *weight, size_t rows, size_t dim, float eps);

/// In place: row[0..<valid] = softmax(row + bias) (bias may be NULL); row[valid..<total] = 0.
void album_softmax_bias(float *row, const float *bias, size_t valid, size_t total);

/// In place: x = act(x).
void album_activation_inplace(float *x, size_t count, album_activation act);

/// out (rows, width) = act(in[:, :width]) * in[:, width:]; in is (rows, 2*width) = [gate | linear].
void album_gated_activation(float *out, const float *in, size_t rows, size_t width, album_activation act);

/// out += a.
void album_add(float *out, const float *a, size_t count);

/// log(sum(exp(row))), computed stably.
float album_logsumexp(const float *row, size_t count);

/// out = log_softmax(in) = (in - max) - log(sum(exp(in - max))). out may alias in.
void album_log_softmax(float *out, const float *in, size_t count);

/// Index of the first maximum (torch.argmax semantics).
size_t album_argmax(const float *row, size_t count);

/// One instruction-set variant of the element-wise kernels above (same contracts as the album_* functions).
typedef struct album_elementwise_kernels {
    const char *name;  ///< "avx512", "avx2" or "portable"
    void (*rmsnorm)(float *out, const float *in, const float *weight, size_t rows, size_t dim, float eps);
    void (*softmax_bias)(float *row, const float *bias, size_t valid, size_t total);
    void (*activation_inplace)(float *x, size_t count, album_activation act);
    void (*gated_activation)(float *out, const float *in, size_t rows, size_t width, album_activation act);
    void (*add)(float *out, const float *a, size_t count);
    float (*logsumexp)(const float *row, size_t count);
    void (*log_softmax)(float *out, const float *in, size_t count);
} album_elementwise_kernels;

/// The variant the album_* element-wise functions run on this CPU (chosen once, thread-safely, at first use).
const album_elementwise_kernels *album_elementwise_active(void);

/// The variants this CPU can run, best first, written to out[0..<min(count, capacity)]; returns count (1 to 3).
/// For tests that hold every variant to the naive twins, not just the one this CPU picks.
size_t album_elementwise_available(const album_elementwise_kernels **out, size_t capacity);

// MARK: Training kernels (training.c). Row-major; backward kernels ADD into din / dweight / dbias (NULL = frozen).

/// Dropout stream identity: the keep mask of element e depends only on (seed, step, layer, e).
typedef struct album_dropout_key {
    uint64_t seed;   ///< run seed (Philox key)
    uint32_t step;   ///< optimizer step (or any per-pass counter)
    uint32_t layer;  ///< dropout site: which layer / sub-layer of the model
} album_dropout_key;

/// album_rmsnorm that also records rstd (rows) = rsqrt(mean(x^2) + eps) per row (rstd may be NULL).
void album_rmsnorm_forward(float *out, float *rstd, const float *in, const float *weight, size_t rows, size_t dim,
                           float eps);

/// T5LayerNorm backward: din (rows, dim) += dx; dweight (dim) += sum over rows of dy * x * rstd (NULL = frozen).
void album_rmsnorm_backward(float *din, float *dweight, const float *dout, const float *in, const float *weight,
                            const float *rstd, size_t rows, size_t dim);

/// torch.nn.LayerNorm: out (rows, dim) = (x - mean) * rstd * weight + bias; mean, rstd (rows) recorded if not NULL.
void album_layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *weight,
                             const float *bias, size_t rows, size_t dim, float eps);

/// LayerNorm backward: din (rows, dim) += dx; dweight, dbias (dim) += (each may be NULL = frozen).
void album_layernorm_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                              const float *weight, const float *mean, const float *rstd, size_t rows, size_t dim);

/// Softmax backward over rows of probs (rows, total) from album_softmax_bias: on the first valid[r] entries (all
/// `total` when valid is NULL), ds = p * (dp - sum(p * dp)); din and dbias (rows, total) each += ds (either NULL).
void album_softmax_backward(float *din, float *dbias, const float *dout, const float *probs, const size_t *valid,
                            size_t rows, size_t total);

/// din (count) += dout * act'(in).
void album_activation_backward(float *din, const float *dout, const float *in, size_t count, album_activation act);

/// Backward of album_gated_activation: in, din (rows, 2*width) = [gate | linear], dout (rows, width).
void album_gated_backward(float *din, const float *dout, const float *in, size_t rows, size_t width,
                          album_activation act);

/// One row of token cross-entropy: nll = -log p[target], smooth = -sum_j log p[j] (double); if dlogits is not
/// NULL (it may alias logits) it becomes scale * (p - smoothing / vocab - (1 - smoothing) * onehot(target)).
void album_cross_entropy_row(float *dlogits, const float *logits, size_t vocab, size_t target, float smoothing,
                             float scale, double *nll, double *smooth);

/// Dropout of elements offset..<offset+count of a stream: kept when the Philox word's top 24 bits >= threshold,
/// kept values scaled by `scale`. accumulate 0: out = ...; 1: out += ... (backward). out may alias in.
void album_dropout(float *out, const float *in, size_t count, uint32_t threshold, float scale, album_dropout_key key,
                   uint64_t offset, int accumulate);

/// out (count) = like != 0 ? out * scale : 0: the backward of a dropout whose output `like` is at hand (the mask is
/// where it is non-zero, up to elements whose input was 0).
void album_mask_like(float *out, const float *like, size_t count, float scale);

/// Philox4x32-10 in place on counter[4] under key (key0, key1) (Random123 known-answer tests hold it).
void album_philox4x32_10(uint32_t counter[4], uint32_t key0, uint32_t key1);

/// One instruction-set variant of the training kernels above (same contracts as the album_* functions).
typedef struct album_training_kernels {
    const char *name;  ///< "avx512", "avx2" or "portable"
    void (*rmsnorm_forward)(float *out, float *rstd, const float *in, const float *weight, size_t rows, size_t dim,
                            float eps);
    void (*rmsnorm_backward)(float *din, float *dweight, const float *dout, const float *in, const float *weight,
                             const float *rstd, size_t rows, size_t dim);
    void (*layernorm_forward)(float *out, float *mean, float *rstd, const float *in, const float *weight,
                              const float *bias, size_t rows, size_t dim, float eps);
    void (*layernorm_backward)(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                               const float *weight, const float *mean, const float *rstd, size_t rows, size_t dim);
    void (*softmax_backward)(float *din, float *dbias, const float *dout, const float *probs, const size_t *valid,
                             size_t rows, size_t total);
    void (*activation_backward)(float *din, const float *dout, const float *in, size_t count, album_activation act);
    void (*gated_backward)(float *din, const float *dout, const float *in, size_t rows, size_t width,
                           album_activation act);
    void (*cross_entropy_row)(float *dlogits, const float *logits, size_t vocab, size_t target, float smoothing,
                              float scale, double *nll, double *smooth);
    void (*dropout)(float *out, const float *in, size_t count, uint32_t threshold, float scale,
                    album_dropout_key key, uint64_t offset, int accumulate);
    void (*mask_like)(float *out, const float *like, size_t count, float scale);
} album_training_kernels;

/// The variant the training functions run on this CPU (chosen once, thread-safely, at first use).
const album_training_kernels *album_training_active(void);

/// The training variants this CPU can run, best first (as album_elementwise_available).
size_t album_training_available(const album_training_kernels **out, size_t capacity);

// MARK: Small-M products for decode steps (smallm.c). Row-major; every weight is read once per call.

/// Instruction-set variants of the small-M kernel.
typedef enum {
    ALBUM_SMALLM_AUTO = 0,      ///< the variant chosen for this CPU (album_smallm_selected)
    ALBUM_SMALLM_PORTABLE = 1,  ///< plain C, any CPU
    ALBUM_SMALLM_AVX2 = 2,      ///< AVX2 + FMA
    ALBUM_SMALLM_AVX512 = 3,    ///< AVX-512F/VL + FMA
} album_smallm_isa;

/// out (m, n) = alpha * x (m, k) * w (k, n) + beta * out; x, w, out row-major with leading dimensions
/// ldx >= k, ldw >= n, ldo >= n. beta == 0 never reads out. Each output is one FMA chain over k in ascending
/// order, so a row's result does not depend on m or on the other rows. Fast for m up to about 16.
void album_smallm_kn(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                     float *out, size_t ldo, float alpha, float beta);

/// The variant album_smallm_kn uses on this CPU (chosen once, thread-safely, on first use).
album_smallm_isa album_smallm_selected(void);

/// 1 if this CPU can run `isa`, else 0.
int album_smallm_supports(album_smallm_isa isa);
/// album_smallm_supports, AVX-512 also needing BW (byte and word lanes): the bf16 and int8 kernels' test.
int album_smallm_bw_supports(album_smallm_isa isa);

/// album_smallm_kn with an explicit variant (tests, benchmarks). Returns 0, computing nothing, when the CPU
/// lacks `isa`; 1 otherwise.
int album_smallm_kn_using(album_smallm_isa isa, size_t m, size_t n, size_t k, const float *x, size_t ldx,
                          const float *w, size_t ldw, float *out, size_t ldo, float alpha, float beta);

// MARK: int8 linear layers (quantized.c): per-output-channel symmetric s8 weights, per-row dynamic u8 activations
// over the row's range (code = round(x / scale) + zero in 0...T, T = 255, or 127 where u8·s8 pairs could saturate
// int16), u8·s8 → s32 by oneDNN, fp32 dequantization that moves each row to its own zero point. Row-major throughout.

/// Quantizes w (k, n) per column j: scales[j] = max_p |w[p][j]| / maxq (0 for an all-zero column), q (k, n) =
/// clamp(round_even(w / scale), ±maxq), columnSums[j] = Σ_p q[p][j] (what a row's zero point costs each output).
void album_quantize_weight_s8(const float *w, size_t k, size_t n, int maxq, int8_t *q, float *scales,
                              int32_t *columnSums);

/// Per row i of x (rows, k; stride ldx), with lo = min(0, min x_i), hi = max(0, max x_i), T = 2·maxq + 1 (maxq in
/// 1...127): scales[i] = (hi − lo) / T, zeros[i] = clamp(round_even(−lo · T / (hi − lo)), 0, T) and q (rows, k) =
/// clamp(round_even(x · T / (hi − lo)) + zeros[i], 0, T); a zero or non-finite row gets codes 0, zero 0, scale 0.
void album_quantize_rows_u8(const float *x, size_t rows, size_t k, size_t ldx, int maxq, uint8_t *q, float *scales,
                            int32_t *zeros);

/// out (rows, n) = alpha · (c − rowZeros[i] · colSums[j]) · rowScales[i] · colScales[j] (+ beta · out), the shift
/// exact in int32. c has stride ldc, out ldo.
void album_dequantize_rows(const int32_t *c, size_t rows, size_t n, size_t ldc, const float *rowScales,
                           const int32_t *rowZeros, const float *colScales, const int32_t *colSums, float alpha,
                           float beta, float *out, size_t ldo);

/// The variant quantize/dequantize use on this CPU (same ISA enum as the small-M kernel).
album_smallm_isa album_quant_selected(void);
/// album_quantize_rows_u8 / album_dequantize_rows with an explicit variant; 0 (nothing done) when unsupported
/// (album_smallm_bw_supports).
int album_quantize_rows_u8_using(album_smallm_isa isa, const float *x, size_t rows, size_t k, size_t ldx,
                                 int maxq, uint8_t *q, float *scales, int32_t *zeros);
int album_dequantize_rows_using(album_smallm_isa isa, const int32_t *c, size_t rows, size_t n, size_t ldc,
                                const float *rowScales, const int32_t *rowZeros, const float *colScales,
                                const int32_t *colSums, float alpha, float beta, float *out, size_t ldo);
/// 1 when the CPU has AVX-512 VNNI (u8·s8 products cannot saturate; without it activations use 7 bits).
int album_int8_has_vnni(void);

/// c (m, n) = a (m, k; u8) · b (k, n; s8), by oneDNN on the calling thread only.
/// Returns 0, or oneDNN's error status.
int album_int8_gemm(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, const int8_t *b, size_t ldb,
                    int32_t *c, size_t ldc);
/// The naive twin of album_int8_gemm (exact int32 arithmetic).
void album_int8_gemm_reference(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, const int8_t *b,
                               size_t ldb, int32_t *c, size_t ldc);

/// A 64-byte-aligned buffer of at least `bytes` owned by the calling thread and reused by its later calls with the same
/// `slot` (0-5; contents not kept when it grows). Slots: 0-2 and 5 int8 products, 3 bf16 widening or rounded rows, 4 attention heads. NULL when out of memory or for a bad slot. Never free it.
void *album_thread_scratch(int slot, size_t bytes);

// MARK: bf16 weights (bf16.c).

/// out = bf16(in), round to nearest even (NaN stays NaN).
void album_f32_to_bf16(const float *in, uint16_t *out, size_t count);
/// out (rows, columns; stride ldout) = fp32(in (rows, columns; stride ldin)), exact.
void album_bf16_to_f32(const uint16_t *in, size_t rows, size_t columns, size_t ldin, float *out, size_t ldout);
/// out (M, N) = alpha · x (M, K) · widen(w (K, N) bf16) + beta · out: the small-M kernel over bf16 weights (one
/// fp32 FMA chain per output over K ascending; every variant gives the same bits).
void album_smallm_bf16(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                       float *out, size_t ldo, float alpha, float beta);
/// album_smallm_bf16 with an explicit variant; 0 (nothing done) when the CPU lacks it.
int album_smallm_bf16_using(album_smallm_isa isa, size_t m, size_t n, size_t k, const float *x, size_t ldx,
                            const uint16_t *w, size_t ldw, float *out, size_t ldo, float alpha, float beta);
/// Naive twin of album_smallm_bf16 (double accumulation).
void album_smallm_bf16_reference(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w,
                                 size_t ldw, float *out, size_t ldo, float alpha, float beta);

// MARK: bf16 products in bf16 with AVX-512 BF16 (bf16dot.c).

/// 1 when this CPU has AVX-512 BF16 (vdpbf16ps): bf16 weights are then stored packed and computed in bf16.
int album_bf16dot_supported(void);
/// Length in uint16 of a packed (K, N) weight: panels of 32 columns, each holding for every pair of rows (2q, 2q+1)
/// the 32 columns' pairs; missing rows and columns are 0.
size_t album_bf16_packed_count(size_t k, size_t n);
/// packed = bf16(w (K, N) fp32), round to nearest even, in the packed layout.
void album_bf16_pack(const float *w, size_t k, size_t n, uint16_t *packed);
/// out (K, N) = fp32(packed), exact.
void album_bf16_unpack(const uint16_t *packed, size_t k, size_t n, float *out);
/// xb (M, 2·ceil(K/2)) = bf16(x (M, K; stride ldx)), round to nearest even, a zero appended when K is odd (the same
/// bits as album_f32_to_bf16 on every CPU).
void album_bf16_round_rows(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb);
/// album_bf16_round_rows in plain C (tests).
void album_bf16_round_rows_portable(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb);
/// out (M, N) = alpha · xb (M, K rounded rows) · W (K, N packed, from the panel of the first column) + beta · out,
/// fp32 sums over K ascending in pairs (a row's result does not depend on M). 0, computing nothing, when the CPU
/// lacks AVX-512 BF16; 1 otherwise.
int album_bf16dot_gemm(size_t m, size_t n, size_t k, const uint16_t *xb, const uint16_t *packed, float *out,
                       size_t ldo, float alpha, float beta);
/// Naive twin of album_bf16dot_gemm over the plain (K, N) bf16 weight: x rounded to bf16, double sums.
void album_bf16dot_reference(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                             float *out, size_t ldo, float alpha, float beta);

// MARK: Row-dot products against a row-major table (rowdot.c): the tied LM head straight from the embedding.

/// out (m, v) = alpha * h (m, d) * e^T for a row-major table e (v, d): out[i][j] = alpha * <h_i, e_j>; leading
/// dimensions ldh >= d, lde >= d, ldo >= v. Every table row is read once per call for all m rows. Each output's
/// arithmetic is fixed (vector FMA chain over d, fixed lane reduction), so it does not depend on m, on the other
/// rows or on how a caller splits v. Fast for m up to about 32.
void album_rowdot(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e, size_t lde, float *out,
                  size_t ldo, float alpha);

/// The variant album_rowdot uses on this CPU (the same as album_smallm_selected).
album_smallm_isa album_rowdot_selected(void);

/// album_rowdot with an explicit variant (tests, benchmarks). Returns 0, computing nothing, when the CPU lacks
/// `isa`; 1 otherwise.
int album_rowdot_using(album_smallm_isa isa, size_t m, size_t v, size_t d, const float *h, size_t ldh,
                       const float *e, size_t lde, float *out, size_t ldo, float alpha);

#endif
