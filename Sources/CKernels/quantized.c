// int8 linear layers (CTranslate2's scheme, performance notes §8, with asymmetric activations): weights quantized
// symmetrically per output channel at load, activations dynamically per row over their own range [min, max] ∪ {0}
// (a zero point per row: a ReLU output uses every code, not half of them), the u8·s8 → s32 product by oneDNN's `dnnl_gemm_u8s8s32`
// (VNNI / AVX2 JIT) on one OpenMP thread per call (the caller splits columns across its own threads), then
// dequantized in fp32. Quantize/dequantize have AVX-512 / AVX2 / portable variants with identical results;
// `album_int8_gemm_reference` is the naive twin of the oneDNN call.
#include "CKernels.h"
#include <math.h>
#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

// libgomp (oneDNN's threading runtime): the calling thread's team size for the next parallel region.
extern void omp_set_num_threads(int);

// MARK: Portable variants (the definition of the arithmetic; the vector variants reproduce it bit for bit).

// Round half to even, as cvtps2dq does under the default MXCSR.
static inline int32_t round_even(float v) { return (int32_t)nearbyintf(v); }

// lo = min(0, min x), hi = max(0, max x): the row's range, widened to hold 0 exactly (its code is the zero point).
static void row_range_portable(const float *x, size_t k, float *lo, float *hi) {
    float a = 0, b = 0;
    for (size_t p = 0; p < k; p++) {
        a = x[p] < a ? x[p] : a;
        b = x[p] > b ? x[p] : b;
    }
    *lo = a;
    *hi = b;
}

// q[p] = clamp(round(x[p] · inv) + zero, 0, top).
static void quantize_row_portable(const float *x, size_t k, float inv, int zero, int top, uint8_t *q) {
    for (size_t p = 0; p < k; p++) {
        int32_t v = round_even(x[p] * inv) + zero;
        v = v < 0 ? 0 : (v > top ? top : v);
        q[p] = (uint8_t)v;
    }
}

// out[j] = (float)(c[j] + shift · colSums[j]) · (rowScale · colScale[j]) (+ beta · out[j], one fused multiply-add):
// shift = −(the row's zero point), so the sum is Σ_p (q_x − zero) · q_w, exact in int32.
static void dequantize_row_portable(const int32_t *c, size_t n, float rowScale, const float *colScale,
                                    const int32_t *colSums, int32_t shift, float beta, float *out) {
    for (size_t j = 0; j < n; j++) {
        float v = (float)(c[j] + shift * colSums[j]) * (rowScale * colScale[j]);
        out[j] = beta == 0 ? v : fmaf(beta, out[j], v);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define QUANT_X86 1
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,fma")))
#define AVX2 __attribute__((target("avx2,fma")))

// MARK: AVX-512 variants.

static AVX512 void row_range_avx512(const float *x, size_t k, float *lo, float *hi) {
    __m512 a = _mm512_setzero_ps(), b = _mm512_setzero_ps();
    size_t p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512 v = _mm512_loadu_ps(x + p);
        a = _mm512_min_ps(a, v);
        b = _mm512_max_ps(b, v);
    }
    float ra = _mm512_reduce_min_ps(a), rb = _mm512_reduce_max_ps(b);
    for (; p < k; p++) {
        ra = x[p] < ra ? x[p] : ra;
        rb = x[p] > rb ? x[p] : rb;
    }
    *lo = ra;
    *hi = rb;
}

static AVX512 void quantize_row_avx512(const float *x, size_t k, float inv, int zero, int top, uint8_t *q) {
    const __m512 vinv = _mm512_set1_ps(inv);
    const __m512i lo = _mm512_setzero_si512(), hi = _mm512_set1_epi32(top), off = _mm512_set1_epi32(zero);
    size_t p = 0;
    for (; p + 16 <= k; p += 16) {
        __m512i v = _mm512_add_epi32(_mm512_cvtps_epi32(_mm512_mul_ps(_mm512_loadu_ps(x + p), vinv)), off);
        v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
        _mm_storeu_si128((__m128i *)(q + p), _mm512_cvtepi32_epi8(v));
    }
    quantize_row_portable(x + p, k - p, inv, zero, top, q + p);
}

static AVX512 void dequantize_row_avx512(const int32_t *c, size_t n, float rowScale, const float *colScale,
                                         const int32_t *colSums, int32_t shift, float beta, float *out) {
    const __m512 rs = _mm512_set1_ps(rowScale), vb = _mm512_set1_ps(beta);
    const __m512i vshift = _mm512_set1_epi32(shift);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) {
        __m512 s = _mm512_mul_ps(rs, _mm512_loadu_ps(colScale + j));
        __m512i moved = _mm512_add_epi32(_mm512_loadu_si512(c + j), _mm512_mullo_epi32(vshift, _mm512_loadu_si512(colSums + j)));
        __m512 v = _mm512_mul_ps(_mm512_cvtepi32_ps(moved), s);
        if (beta != 0) v = _mm512_fmadd_ps(vb, _mm512_loadu_ps(out + j), v);
        _mm512_storeu_ps(out + j, v);
    }
    dequantize_row_portable(c + j, n - j, rowScale, colScale + j, colSums + j, shift, beta, out + j);
}

// MARK: AVX2 variants.

static AVX2 void row_range_avx2(const float *x, size_t k, float *lo, float *hi) {
    __m256 a = _mm256_setzero_ps(), b = _mm256_setzero_ps();
    size_t p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256 v = _mm256_loadu_ps(x + p);
        a = _mm256_min_ps(a, v);
        b = _mm256_max_ps(b, v);
    }
    float la[8], lb[8];
    _mm256_storeu_ps(la, a);
    _mm256_storeu_ps(lb, b);
    float ra = 0, rb = 0;
    for (int i = 0; i < 8; i++) {
        ra = la[i] < ra ? la[i] : ra;
        rb = lb[i] > rb ? lb[i] : rb;
    }
    for (; p < k; p++) {
        ra = x[p] < ra ? x[p] : ra;
        rb = x[p] > rb ? x[p] : rb;
    }
    *lo = ra;
    *hi = rb;
}

static AVX2 void quantize_row_avx2(const float *x, size_t k, float inv, int zero, int top, uint8_t *q) {
    const __m256 vinv = _mm256_set1_ps(inv);
    const __m256i lo = _mm256_setzero_si256(), hi = _mm256_set1_epi32(top), off = _mm256_set1_epi32(zero);
    size_t p = 0;
    for (; p + 8 <= k; p += 8) {
        __m256i v = _mm256_add_epi32(_mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(x + p), vinv)), off);
        v = _mm256_min_epi32(_mm256_max_epi32(v, lo), hi);
        int32_t lanes[8];
        _mm256_storeu_si256((__m256i *)lanes, v);
        for (int i = 0; i < 8; i++) q[p + i] = (uint8_t)lanes[i];
    }
    quantize_row_portable(x + p, k - p, inv, zero, top, q + p);
}

static AVX2 void dequantize_row_avx2(const int32_t *c, size_t n, float rowScale, const float *colScale,
                                     const int32_t *colSums, int32_t shift, float beta, float *out) {
    const __m256 rs = _mm256_set1_ps(rowScale), vb = _mm256_set1_ps(beta);
    const __m256i vshift = _mm256_set1_epi32(shift);
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        __m256 s = _mm256_mul_ps(rs, _mm256_loadu_ps(colScale + j));
        __m256i moved = _mm256_add_epi32(_mm256_loadu_si256((const __m256i *)(c + j)),
                                         _mm256_mullo_epi32(vshift, _mm256_loadu_si256((const __m256i *)(colSums + j))));
        __m256 v = _mm256_mul_ps(_mm256_cvtepi32_ps(moved), s);
        if (beta != 0) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(out + j), v);
        _mm256_storeu_ps(out + j, v);
    }
    dequantize_row_portable(c + j, n - j, rowScale, colScale + j, colSums + j, shift, beta, out + j);
}
#endif

// MARK: Dispatch.

typedef struct {
    void (*range)(const float *x, size_t k, float *lo, float *hi);
    void (*quantize)(const float *x, size_t k, float inv, int zero, int top, uint8_t *q);
    void (*dequantize)(const int32_t *c, size_t n, float rowScale, const float *colScale, const int32_t *colSums,
                       int32_t shift, float beta, float *out);
} quant_kernels;

static const quant_kernels portable_kernels = {row_range_portable, quantize_row_portable, dequantize_row_portable};
#if QUANT_X86
static const quant_kernels avx512_kernels = {row_range_avx512, quantize_row_avx512, dequantize_row_avx512};
static const quant_kernels avx2_kernels = {row_range_avx2, quantize_row_avx2, dequantize_row_avx2};
#endif

static const quant_kernels *kernels_for(album_smallm_isa isa) {
    switch (isa) {
#if QUANT_X86
    case ALBUM_SMALLM_AVX512: return &avx512_kernels;
    case ALBUM_SMALLM_AVX2: return &avx2_kernels;
#endif
    default: return &portable_kernels;
    }
}

static const quant_kernels *active = &portable_kernels;
static album_smallm_isa active_isa = ALBUM_SMALLM_PORTABLE;
static pthread_once_t pick_once = PTHREAD_ONCE_INIT;

static void pick(void) {
    const album_smallm_isa order[] = {ALBUM_SMALLM_AVX512, ALBUM_SMALLM_AVX2};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (album_smallm_bw_supports(order[i])) {
            active = kernels_for(order[i]);
            active_isa = order[i];
            return;
        }
}

album_smallm_isa album_quant_selected(void) {
    pthread_once(&pick_once, pick);
    return active_isa;
}

int album_int8_has_vnni(void) {
#if QUANT_X86
    __builtin_cpu_init();
    return album_isa_cap() >= ALBUM_ISA_AVX512 && __builtin_cpu_supports("avx512vnni");
#else
    return 0;
#endif
}

// MARK: Per-thread scratch.

enum { SCRATCH_SLOTS = 6 };
static __thread void *scratch_buffer[SCRATCH_SLOTS];
static __thread size_t scratch_bytes[SCRATCH_SLOTS];

void *album_thread_scratch(int slot, size_t bytes) {
    if (slot < 0 || slot >= SCRATCH_SLOTS) return NULL;
    if (bytes <= scratch_bytes[slot]) return scratch_buffer[slot];
    void *fresh = NULL;
    size_t size = bytes + bytes / 4;  // some headroom against regrowth
    if (posix_memalign(&fresh, 64, size) != 0) return NULL;
    free(scratch_buffer[slot]);
    scratch_buffer[slot] = fresh;
    scratch_bytes[slot] = size;
    return fresh;
}

// MARK: Public entry points.

void album_quantize_weight_s8(const float *w, size_t k, size_t n, int maxq, int8_t *q, float *scales,
                              int32_t *columnSums) {
    for (size_t j = 0; j < n; j++) {
        float m = 0;
        for (size_t p = 0; p < k; p++) {
            float a = fabsf(w[p * n + j]);
            m = a > m ? a : m;
        }
        scales[j] = m > 0 ? m / (float)maxq : 0;
        columnSums[j] = 0;
    }
    for (size_t p = 0; p < k; p++)
        for (size_t j = 0; j < n; j++) {
            int32_t v = scales[j] > 0 ? round_even(w[p * n + j] / scales[j]) : 0;
            v = v < -maxq ? -maxq : (v > maxq ? maxq : v);
            q[p * n + j] = (int8_t)v;
            columnSums[j] += v;
        }
}

int album_quantize_rows_u8_using(album_smallm_isa isa, const float *x, size_t rows, size_t k, size_t ldx,
                                 int maxq, uint8_t *q, float *scales, int32_t *zeros) {
    if (maxq < 1 || maxq > 127) return 0;
    if (isa == ALBUM_SMALLM_AUTO) isa = album_quant_selected();
    if (!album_smallm_bw_supports(isa)) return 0;
    const quant_kernels *kern = kernels_for(isa);
    const int top = 2 * maxq + 1;
    for (size_t i = 0; i < rows; i++) {
        const float *row = x + i * ldx;
        float lo, hi;
        kern->range(row, k, &lo, &hi);
        float width = hi - lo;
        // A zero (or non-finite) row quantizes to all-zero codes with zero point 0 and scale 0.
        if (!(width > 0) || !isfinite(width)) {
            memset(q + i * k, 0, k);
            scales[i] = 0;
            zeros[i] = 0;
            continue;
        }
        float inv = (float)top / width;
        int32_t zero = round_even(-lo * inv);
        zero = zero < 0 ? 0 : (zero > top ? top : zero);
        scales[i] = width / (float)top;
        zeros[i] = zero;
        kern->quantize(row, k, inv, zero, top, q + i * k);
    }
    return 1;
}

void album_quantize_rows_u8(const float *x, size_t rows, size_t k, size_t ldx, int maxq, uint8_t *q, float *scales,
                            int32_t *zeros) {
    album_quantize_rows_u8_using(ALBUM_SMALLM_AUTO, x, rows, k, ldx, maxq, q, scales, zeros);
}

int album_dequantize_rows_using(album_smallm_isa isa, const int32_t *c, size_t rows, size_t n, size_t ldc,
                                const float *rowScales, const int32_t *rowZeros, const float *colScales,
                                const int32_t *colSums, float alpha, float beta, float *out, size_t ldo) {
    if (isa == ALBUM_SMALLM_AUTO) isa = album_quant_selected();
    if (!album_smallm_bw_supports(isa)) return 0;
    const quant_kernels *kern = kernels_for(isa);
    for (size_t i = 0; i < rows; i++)
        kern->dequantize(c + i * ldc, n, alpha * rowScales[i], colScales, colSums, -rowZeros[i], beta, out + i * ldo);
    return 1;
}

void album_dequantize_rows(const int32_t *c, size_t rows, size_t n, size_t ldc, const float *rowScales,
                           const int32_t *rowZeros, const float *colScales, const int32_t *colSums, float alpha,
                           float beta, float *out, size_t ldo) {
    album_dequantize_rows_using(ALBUM_SMALLM_AUTO, c, rows, n, ldc, rowScales, rowZeros, colScales, colSums, alpha,
                                beta, out, ldo);
}

int album_int8_gemm(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, const int8_t *b, size_t ldb,
                    int32_t *c, size_t ldc) {
    static const int32_t no_offset = 0;
    omp_set_num_threads(1);
    dnnl_status_t status = dnnl_gemm_u8s8s32('N', 'N', 'F', (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, 1.0f, a,
                                             (dnnl_dim_t)lda, 0, b, (dnnl_dim_t)ldb, 0, 0.0f, c, (dnnl_dim_t)ldc,
                                             &no_offset);
    return status == dnnl_success ? 0 : (int)status;
}

void album_int8_gemm_reference(size_t m, size_t n, size_t k, const uint8_t *a, size_t lda, const int8_t *b,
                               size_t ldb, int32_t *c, size_t ldc) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            int32_t sum = 0;
            for (size_t p = 0; p < k; p++) sum += (int32_t)a[i * lda + p] * (int32_t)b[p * ldb + j];
            c[i * ldc + j] = sum;
        }
}
