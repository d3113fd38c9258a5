// bf16 weights (the top 16 bits of an IEEE float32, PyTorch's torch.bfloat16): conversion with round-to-nearest-even
// at load, exact widening back to fp32, and the streaming small-M product out (M, N) = alpha · x (M, K) · W + beta ·
// out over a bf16 (K, N) weight for decode steps. Same tiling and summation order as smallm.c (one fp32 FMA chain per
// output over K ascending, so a row's result never depends on M), reading half the bytes. AVX-512 / AVX2 / portable.
#include "CKernels.h"
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

static inline float widen(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void album_f32_to_bf16(const float *in, uint16_t *out, size_t count) {
    for (size_t i = 0; i < count; i++) {
        uint32_t bits;
        memcpy(&bits, in + i, sizeof bits);
        if ((bits & 0x7F800000u) == 0x7F800000u && (bits & 0x007FFFFFu) != 0) {
            out[i] = (uint16_t)((bits >> 16) | 0x0040u);  // NaN stays a (quiet) NaN
            continue;
        }
        uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest, ties to even
        out[i] = (uint16_t)((bits + rounding) >> 16);
    }
}

void album_bf16_to_f32(const uint16_t *in, size_t rows, size_t columns, size_t ldin, float *out, size_t ldout) {
    for (size_t r = 0; r < rows; r++)
        for (size_t c = 0; c < columns; c++) out[r * ldout + c] = widen(in[r * ldin + c]);
}

typedef void (*bf16_fn)(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                        float *out, size_t ldo, float alpha, float beta);

// MARK: Portable variant (fmaf keeps the FMA chain of the vector variants, so every variant agrees bit for bit).

static void bf16_portable(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                          float *out, size_t ldo, float alpha, float beta) {
    enum { NB = 32, MB = 4 };
    for (size_t j0 = 0; j0 < n; j0 += NB) {
        size_t nc = n - j0 < NB ? n - j0 : NB;
        for (size_t i0 = 0; i0 < m; i0 += MB) {
            size_t mc = m - i0 < MB ? m - i0 : MB;
            float acc[MB][NB];
            memset(acc, 0, sizeof acc);
            for (size_t p = 0; p < k; p++) {
                const uint16_t *wp = w + p * ldw + j0;
                for (size_t i = 0; i < mc; i++) {
                    float a = x[(i0 + i) * ldx + p];
                    for (size_t j = 0; j < nc; j++) acc[i][j] = fmaf(a, widen(wp[j]), acc[i][j]);
                }
            }
            for (size_t i = 0; i < mc; i++) {
                float *o = out + (i0 + i) * ldo + j0;
                for (size_t j = 0; j < nc; j++) {
                    float r = alpha * acc[i][j];
                    o[j] = beta == 0 ? r : fmaf(beta, o[j], r);
                }
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BF16_X86 1
#define AVX512 __attribute__((target("avx512f,avx512vl,avx512bw,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))
#define PREFETCH_ROWS 32

// MARK: AVX-512 variant: MB (≤ 6) rows × 64 columns per tile; columns past the panel's end masked off.

INLINE AVX512 __m512 load16_avx512(const uint16_t *p, __mmask16 mask) {
    __m256i h = _mm256_maskz_loadu_epi16(mask, p);
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

INLINE AVX512 void tile512(const int MB, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                           float *out, size_t ldo, float alpha, float beta, const __mmask16 mask[4]) {
    __m512 acc[6][4];
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) acc[i][v] = _mm512_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        const uint16_t *wp = w + p * ldw;
        const char *ahead = (const char *)(wp + PREFETCH_ROWS * ldw);
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        __m512 b0 = load16_avx512(wp, mask[0]);
        __m512 b1 = load16_avx512(wp + 16, mask[1]);
        __m512 b2 = load16_avx512(wp + 32, mask[2]);
        __m512 b3 = load16_avx512(wp + 48, mask[3]);
        for (int i = 0; i < MB; i++) {
            __m512 a = _mm512_set1_ps(x[i * ldx + p]);
            acc[i][0] = _mm512_fmadd_ps(a, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(a, b1, acc[i][1]);
            acc[i][2] = _mm512_fmadd_ps(a, b2, acc[i][2]);
            acc[i][3] = _mm512_fmadd_ps(a, b3, acc[i][3]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) {
            float *o = out + i * ldo + 16 * v;
            __m512 r = _mm512_mul_ps(va, acc[i][v]);
            if (beta != 0) r = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mask[v], o), r);
            _mm512_mask_storeu_ps(o, mask[v], r);
        }
}

INLINE AVX512 void panel512(size_t m, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                            float *out, size_t ldo, float alpha, float beta, const __mmask16 mask[4]) {
    size_t i = 0;
    for (; i + 6 <= m; i += 6) tile512(6, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask);
    switch (m - i) {
    case 5: tile512(5, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 4: tile512(4, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 3: tile512(3, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 2: tile512(2, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 1: tile512(1, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    default: break;
    }
}

static AVX512 void bf16_avx512(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w,
                               size_t ldw, float *out, size_t ldo, float alpha, float beta) {
    static const __mmask16 full[4] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
    size_t j = 0;
    for (; j + 64 <= n; j += 64) panel512(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, full);
    if (j < n) {
        __mmask16 mask[4];
        for (int v = 0; v < 4; v++) {
            size_t left = n - j > 16 * (size_t)v ? n - j - 16 * (size_t)v : 0;
            mask[v] = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        }
        panel512(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, mask);
    }
}

// MARK: AVX2 variant: 2 rows × 32 columns per tile; a ragged last panel goes to the portable code.

INLINE AVX2 __m256 load8_avx2(const uint16_t *p) {
    __m128i h = _mm_loadu_si128((const __m128i *)p);
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}

INLINE AVX2 void tile256(const int MB, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                         float *out, size_t ldo, float alpha, float beta) {
    __m256 acc[2][4];
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) acc[i][v] = _mm256_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        const uint16_t *wp = w + p * ldw;
        _mm_prefetch((const char *)(wp + PREFETCH_ROWS * ldw), _MM_HINT_T0);
        __m256 b[4];
        for (int v = 0; v < 4; v++) b[v] = load8_avx2(wp + 8 * v);
        for (int i = 0; i < MB; i++) {
            __m256 a = _mm256_broadcast_ss(x + i * ldx + p);
            for (int v = 0; v < 4; v++) acc[i][v] = _mm256_fmadd_ps(a, b[v], acc[i][v]);
        }
    }
    __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) {
            float *o = out + i * ldo + 8 * v;
            __m256 r = _mm256_mul_ps(va, acc[i][v]);
            if (beta != 0) r = _mm256_fmadd_ps(vb, _mm256_loadu_ps(o), r);
            _mm256_storeu_ps(o, r);
        }
}

static AVX2 void bf16_avx2(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                           float *out, size_t ldo, float alpha, float beta) {
    size_t j = 0;
    for (; j + 32 <= n; j += 32) {
        size_t i = 0;
        for (; i + 2 <= m; i += 2) tile256(2, k, x + i * ldx, ldx, w + j, ldw, out + i * ldo + j, ldo, alpha, beta);
        if (i < m) tile256(1, k, x + i * ldx, ldx, w + j, ldw, out + i * ldo + j, ldo, alpha, beta);
    }
    if (j < n) bf16_portable(m, n - j, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta);
}
#endif

// MARK: Dispatch (the ISA enum and support test are the small-M kernel's: same instruction sets).

static bf16_fn bf16_for(album_smallm_isa isa) {
    switch (isa) {
#if BF16_X86
    case ALBUM_SMALLM_AVX512: return bf16_avx512;
    case ALBUM_SMALLM_AVX2: return bf16_avx2;
#endif
    default: return bf16_portable;
    }
}

static bf16_fn bf16_impl = bf16_portable;
static pthread_once_t pick_once = PTHREAD_ONCE_INIT;

static void pick(void) {
    const album_smallm_isa order[] = {ALBUM_SMALLM_AVX512, ALBUM_SMALLM_AVX2};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (album_smallm_bw_supports(order[i])) {
            bf16_impl = bf16_for(order[i]);
            return;
        }
}

void album_smallm_bf16(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                       float *out, size_t ldo, float alpha, float beta) {
    pthread_once(&pick_once, pick);
    if (m == 0 || n == 0) return;
    bf16_impl(m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta);
}

int album_smallm_bf16_using(album_smallm_isa isa, size_t m, size_t n, size_t k, const float *x, size_t ldx,
                            const uint16_t *w, size_t ldw, float *out, size_t ldo, float alpha, float beta) {
    if (isa == ALBUM_SMALLM_AUTO) {
        pthread_once(&pick_once, pick);
        if (m > 0 && n > 0) bf16_impl(m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta);
        return 1;
    }
    if (!album_smallm_bw_supports(isa)) return 0;
    if (m > 0 && n > 0) bf16_for(isa)(m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta);
    return 1;
}

void album_smallm_bf16_reference(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w,
                                 size_t ldw, float *out, size_t ldo, float alpha, float beta) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = 0;
            for (size_t p = 0; p < k; p++) sum += (double)x[i * ldx + p] * (double)widen(w[p * ldw + j]);
            double r = (double)alpha * sum;
            out[i * ldo + j] = (float)(beta == 0 ? r : r + (double)beta * out[i * ldo + j]);
        }
}
