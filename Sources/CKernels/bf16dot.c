// bf16 products computed in bf16 on CPUs with AVX-512 BF16 (vdpbf16ps: 32 bf16 products per instruction, summed
// in pairs into 16 fp32 lanes), as oneDNN and PyTorch compute torch.bfloat16 matmuls on such CPUs: the activations
// are rounded to bf16 (nearest, ties to even) once per call, the weight is stored pre-packed in the instruction's
// pair layout, and every output accumulates in fp32 over K ascending in pairs, so a row's result never depends on M,
// on the other rows or on the thread split. Twin: album_bf16dot_reference (double sums of the rounded operands).
#include "CKernels.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

enum { PANEL = 32 };  // columns per packed panel (two zmm of 16 fp32 lanes)

size_t album_bf16_packed_count(size_t k, size_t n) {
    size_t pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    return panels * pairs * 2 * PANEL;
}

// Packed layout: panel p (columns 32p ..< 32p+32), pair q (rows 2q, 2q+1) holds 64 values, column c at
// [2c] = w[2q][32p+c] and [2c+1] = w[2q+1][32p+c]; a missing row or column is 0.
void album_bf16_pack(const float *w, size_t k, size_t n, uint16_t *packed) {
    size_t pairs = (k + 1) / 2, panels = (n + PANEL - 1) / PANEL;
    memset(packed, 0, album_bf16_packed_count(k, n) * sizeof *packed);
    for (size_t p = 0; p < panels; p++)
        for (size_t q = 0; q < pairs; q++) {
            uint16_t *dst = packed + (p * pairs + q) * 2 * PANEL;
            for (size_t e = 0; e < 2 && 2 * q + e < k; e++)
                for (size_t c = 0; c < PANEL && p * PANEL + c < n; c++)
                    album_f32_to_bf16(w + (2 * q + e) * n + p * PANEL + c, dst + 2 * c + e, 1);
        }
}

void album_bf16_unpack(const uint16_t *packed, size_t k, size_t n, float *out) {
    size_t pairs = (k + 1) / 2;
    for (size_t r = 0; r < k; r++)
        for (size_t j = 0; j < n; j++) {
            uint32_t bits = (uint32_t)packed[((j / PANEL) * pairs + r / 2) * 2 * PANEL + 2 * (j % PANEL) + r % 2] << 16;
            memcpy(out + r * n + j, &bits, sizeof bits);
        }
}

// MARK: Rounding activation rows (the same bits as album_f32_to_bf16 in every variant).

static void round_rows_portable(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb) {
    size_t width = 2 * ((k + 1) / 2);
    for (size_t i = 0; i < m; i++) {
        album_f32_to_bf16(x + i * ldx, xb + i * width, k);
        if (width > k) xb[i * width + k] = 0;
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BF16DOT_X86 1
#define AVX512BF16 __attribute__((target("avx512f,avx512vl,avx512bw,avx512bf16")))
#define AVX512F __attribute__((target("avx512f,avx512vl,avx512bw")))
#define INLINE static inline __attribute__((always_inline))

// Round to nearest even in integer arithmetic (as album_f32_to_bf16: NaN stays a quiet NaN, no flush to zero).
static AVX512F void round_rows_avx512(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb) {
    size_t width = 2 * ((k + 1) / 2);
    const __m512i one = _mm512_set1_epi32(1), half = _mm512_set1_epi32(0x7FFF);
    const __m512i exponent = _mm512_set1_epi32(0x7F800000), mantissa = _mm512_set1_epi32(0x007FFFFF);
    const __m512i quiet = _mm512_set1_epi32(0x00400000);
    for (size_t i = 0; i < m; i++) {
        const float *row = x + i * ldx;
        uint16_t *dst = xb + i * width;
        for (size_t p = 0; p < k; p += 16) {
            __mmask16 mask = k - p >= 16 ? 0xFFFF : (__mmask16)((1u << (k - p)) - 1);
            __m512i bits = _mm512_castps_si512(_mm512_maskz_loadu_ps(mask, row + p));
            __m512i rounding = _mm512_add_epi32(half, _mm512_and_si512(_mm512_srli_epi32(bits, 16), one));
            __m512i rounded = _mm512_add_epi32(bits, rounding);
            __mmask16 nan = _mm512_cmpeq_epi32_mask(_mm512_and_si512(bits, exponent), exponent) &
                            _mm512_test_epi32_mask(bits, mantissa);
            rounded = _mm512_mask_or_epi32(rounded, nan, bits, quiet);
            _mm256_mask_storeu_epi16(dst + p, mask, _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16)));
        }
        if (width > k) dst[k] = 0;
    }
}

// MARK: The product: MR (≤ 12) rows × one 32-column panel per tile, 24 accumulators.

INLINE AVX512BF16 void dot_tile(const int MR, size_t pairs, const uint32_t *xb, const uint16_t *panel, float *out,
                                size_t ldo, float alpha, float beta, __mmask16 m0, __mmask16 m1) {
    __m512 acc[12][2];
    for (int i = 0; i < MR; i++) acc[i][0] = acc[i][1] = _mm512_setzero_ps();
    for (size_t q = 0; q < pairs; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512(panel + q * 2 * PANEL);
        __m512bh b1 = (__m512bh)_mm512_loadu_si512(panel + q * 2 * PANEL + PANEL);
        for (int i = 0; i < MR; i++) {
            __m512bh a = (__m512bh)_mm512_set1_epi32((int)xb[i * pairs + q]);
            acc[i][0] = _mm512_dpbf16_ps(acc[i][0], a, b0);
            acc[i][1] = _mm512_dpbf16_ps(acc[i][1], a, b1);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
    for (int i = 0; i < MR; i++) {
        float *o = out + i * ldo;
        __m512 r0 = _mm512_mul_ps(va, acc[i][0]), r1 = _mm512_mul_ps(va, acc[i][1]);
        if (beta != 0) {
            r0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, o), r0);
            r1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, o + 16), r1);
        }
        _mm512_mask_storeu_ps(o, m0, r0);
        _mm512_mask_storeu_ps(o + 16, m1, r1);
    }
}

static AVX512BF16 void dot_avx512bf16(size_t m, size_t n, size_t k, const uint16_t *xb, const uint16_t *packed,
                                      float *out, size_t ldo, float alpha, float beta) {
    size_t pairs = (k + 1) / 2;
    const uint32_t *rows = (const uint32_t *)(const void *)xb;
    for (size_t j = 0; j < n; j += PANEL) {
        size_t left = n - j;
        __mmask16 m0 = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        __mmask16 m1 = left >= 32 ? 0xFFFF : (left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0);
        const uint16_t *panel = packed + (j / PANEL) * pairs * 2 * PANEL;
        size_t i = 0;
        for (; i + 12 <= m; i += 12) dot_tile(12, pairs, rows + i * pairs, panel, out + i * ldo + j, ldo, alpha, beta, m0, m1);
        const uint32_t *x = rows + i * pairs;
        float *o = out + i * ldo + j;
        switch (m - i) {
        case 11: dot_tile(11, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 10: dot_tile(10, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 9: dot_tile(9, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 8: dot_tile(8, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 7: dot_tile(7, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 6: dot_tile(6, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 5: dot_tile(5, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 4: dot_tile(4, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 3: dot_tile(3, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 2: dot_tile(2, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        case 1: dot_tile(1, pairs, x, panel, o, ldo, alpha, beta, m0, m1); break;
        default: break;
        }
    }
}
#endif

// MARK: Dispatch.

static int supported = 0;
static void (*round_rows)(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb) = round_rows_portable;
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

// Chooses once: the vdpbf16ps product where the CPU has AVX-512 BF16, the AVX-512 rounding where it has BW and VL.
static void probe(void) {
#if BF16DOT_X86
    __builtin_cpu_init();
    int avx512 = album_isa_cap() >= ALBUM_ISA_AVX512 && __builtin_cpu_supports("avx512f") &&
                 __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
    supported = avx512 && __builtin_cpu_supports("avx512bf16");
    if (avx512) round_rows = round_rows_avx512;
#endif
}

int album_bf16dot_supported(void) {
    pthread_once(&probe_once, probe);
    return supported;
}

void album_bf16_round_rows(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb) {
    pthread_once(&probe_once, probe);
    round_rows(x, m, k, ldx, xb);
}

void album_bf16_round_rows_portable(const float *x, size_t m, size_t k, size_t ldx, uint16_t *xb) {
    round_rows_portable(x, m, k, ldx, xb);
}

int album_bf16dot_gemm(size_t m, size_t n, size_t k, const uint16_t *xb, const uint16_t *packed, float *out,
                       size_t ldo, float alpha, float beta) {
    if (!album_bf16dot_supported()) return 0;
#if BF16DOT_X86
    if (m > 0 && n > 0) dot_avx512bf16(m, n, k, xb, packed, out, ldo, alpha, beta);
#endif
    return 1;
}

void album_bf16dot_reference(size_t m, size_t n, size_t k, const float *x, size_t ldx, const uint16_t *w, size_t ldw,
                             float *out, size_t ldo, float alpha, float beta) {
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double sum = 0;
            for (size_t p = 0; p < k; p++) {
                uint16_t a;
                album_f32_to_bf16(x + i * ldx + p, &a, 1);
                uint32_t abits = (uint32_t)a << 16, wbits = (uint32_t)w[p * ldw + j] << 16;
                float af, wf;
                memcpy(&af, &abits, sizeof af);
                memcpy(&wf, &wbits, sizeof wf);
                sum += (double)af * (double)wf;
            }
            double r = (double)alpha * sum;
            out[i * ldo + j] = (float)(beta == 0 ? r : r + (double)beta * out[i * ldo + j]);
        }
}
