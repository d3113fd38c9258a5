// Streaming small-M matrix products for decode steps: out (M, N) = alpha · x (M, K) · W + beta · out, reading
// every weight once per call for all M rows (bandwidth-bound), where OpenBLAS sgemm repacks W on every call
// (performance notes §1.3). Weights are (K, N) row-major (the pre-transposed layout sgemm also reads); the
// kernel walks 64-column panels with M x 64 accumulators and one FMA chain over K per output, so a row's result
// never depends on M. Explicit AVX-512 / AVX2+FMA / portable variants, picked once per process.
#include "CKernels.h"
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef void (*smallm_fn)(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                          float *out, size_t ldo, float alpha, float beta);

// MARK: Portable variant (any CPU; same summation order, but separate multiply and add where FMA is absent).

// (K, N) panel kernel: out[i][j] = alpha · Σ_p x[i][p] · w[p][j] (p ascending, one chain) + beta · out[i][j].
static void kn_portable(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                        float *out, size_t ldo, float alpha, float beta) {
    enum { NB = 32, MB = 4 };
    for (size_t j0 = 0; j0 < n; j0 += NB) {
        size_t nc = n - j0 < NB ? n - j0 : NB;
        for (size_t i0 = 0; i0 < m; i0 += MB) {
            size_t mc = m - i0 < MB ? m - i0 : MB;
            float acc[MB][NB];
            memset(acc, 0, sizeof acc);
            for (size_t p = 0; p < k; p++) {
                const float *wp = w + p * ldw + j0;
                for (size_t i = 0; i < mc; i++) {
                    float a = x[(i0 + i) * ldx + p];
                    for (size_t j = 0; j < nc; j++) acc[i][j] += a * wp[j];
                }
            }
            for (size_t i = 0; i < mc; i++) {
                float *o = out + (i0 + i) * ldo + j0;
                for (size_t j = 0; j < nc; j++) o[j] = beta == 0 ? alpha * acc[i][j] : alpha * acc[i][j] + beta * o[j];
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define ALBUM_SMALLM_X86 1
#define AVX512 __attribute__((target("avx512f,avx512vl,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

// MARK: AVX-512 variant.

// Rows ahead of the current one whose panel lines are prefetched: a (K, N) panel is a strided walk (one 256-byte
// piece per row, `ldw` floats apart) that the hardware prefetchers follow poorly.
#define KN_PREFETCH_ROWS 24

// One tile: MB (≤ 6) rows × 64 columns (4 vectors, lanes outside `mask` ignored), one sequential FMA chain over
// K per output, so every output's value is independent of MB and of the tile it lands in.
INLINE AVX512 void kn512_tile(const int MB, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                              float *out, size_t ldo, float alpha, float beta, const __mmask16 mask[4]) {
    __m512 acc[6][4];
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) acc[i][v] = _mm512_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        const float *wp = w + p * ldw;
        const char *ahead = (const char *)(wp + KN_PREFETCH_ROWS * ldw);
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        _mm_prefetch(ahead + 128, _MM_HINT_T0);
        _mm_prefetch(ahead + 192, _MM_HINT_T0);
        __m512 b0 = _mm512_maskz_loadu_ps(mask[0], wp);
        __m512 b1 = _mm512_maskz_loadu_ps(mask[1], wp + 16);
        __m512 b2 = _mm512_maskz_loadu_ps(mask[2], wp + 32);
        __m512 b3 = _mm512_maskz_loadu_ps(mask[3], wp + 48);
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

// All M rows against one 64-column panel, 6 rows at a time; later groups find the panel in cache.
INLINE AVX512 void kn512_panel(size_t m, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                               float *out, size_t ldo, float alpha, float beta, const __mmask16 mask[4]) {
    size_t i = 0;
    for (; i + 6 <= m; i += 6) kn512_tile(6, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask);
    switch (m - i) {
    case 5: kn512_tile(5, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 4: kn512_tile(4, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 3: kn512_tile(3, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 2: kn512_tile(2, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    case 1: kn512_tile(1, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask); break;
    default: break;
    }
}

static AVX512 void kn_avx512(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                             float *out, size_t ldo, float alpha, float beta) {
    static const __mmask16 full[4] = {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF};
    size_t j = 0;
    for (; j + 64 <= n; j += 64) kn512_panel(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, full);
    if (j < n) {
        __mmask16 mask[4];
        for (int v = 0; v < 4; v++) {
            size_t left = n - j > 16 * (size_t)v ? n - j - 16 * (size_t)v : 0;
            mask[v] = left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1);
        }
        kn512_panel(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, mask);
    }
}

// MARK: AVX2 + FMA variant (16 registers: 2 rows × 32 columns per tile).

// One tile: MB (≤ 2) rows × 32 columns (4 vectors; `mask` lanes all-ones for full panels), sequential FMA over K.
INLINE AVX2 void kn256_tile(const int MB, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                            float *out, size_t ldo, float alpha, float beta, const __m256i mask[4]) {
    __m256 acc[2][4];
    for (int i = 0; i < MB; i++)
        for (int v = 0; v < 4; v++) acc[i][v] = _mm256_setzero_ps();
    for (size_t p = 0; p < k; p++) {
        const float *wp = w + p * ldw;
        const char *ahead = (const char *)(wp + KN_PREFETCH_ROWS * ldw);
        _mm_prefetch(ahead, _MM_HINT_T0);
        _mm_prefetch(ahead + 64, _MM_HINT_T0);
        __m256 b[4];
        for (int v = 0; v < 4; v++) b[v] = _mm256_maskload_ps(wp + 8 * v, mask[v]);
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
            if (beta != 0) r = _mm256_fmadd_ps(vb, _mm256_maskload_ps(o, mask[v]), r);
            _mm256_maskstore_ps(o, mask[v], r);
        }
}

INLINE AVX2 void kn256_panel(size_t m, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                             float *out, size_t ldo, float alpha, float beta, const __m256i mask[4]) {
    size_t i = 0;
    for (; i + 2 <= m; i += 2) kn256_tile(2, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask);
    if (i < m) kn256_tile(1, k, x + i * ldx, ldx, w, ldw, out + i * ldo, ldo, alpha, beta, mask);
}

static AVX2 void kn_avx2(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                         float *out, size_t ldo, float alpha, float beta) {
    const __m256i ones = _mm256_set1_epi32(-1);
    const __m256i full[4] = {ones, ones, ones, ones};
    size_t j = 0;
    for (; j + 32 <= n; j += 32) kn256_panel(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, full);
    if (j < n) {
        int32_t lanes[32];
        for (size_t l = 0; l < 32; l++) lanes[l] = l < n - j ? -1 : 0;
        __m256i mask[4];
        for (int v = 0; v < 4; v++) mask[v] = _mm256_loadu_si256((const __m256i *)(lanes + 8 * v));
        kn256_panel(m, k, x, ldx, w + j, ldw, out + j, ldo, alpha, beta, mask);
    }
}
#endif

// MARK: Dispatch (chosen once per process, thread-safely, on first use).

static smallm_fn kn_impl = kn_portable;
static album_smallm_isa kn_isa = ALBUM_SMALLM_PORTABLE;
static pthread_once_t pick_once = PTHREAD_ONCE_INIT;

int album_smallm_supports(album_smallm_isa isa) {
    switch (isa) {
    case ALBUM_SMALLM_AUTO:
    case ALBUM_SMALLM_PORTABLE: return 1;
#if ALBUM_SMALLM_X86
    case ALBUM_SMALLM_AVX2:
        __builtin_cpu_init();
        return album_isa_cap() >= ALBUM_ISA_AVX2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case ALBUM_SMALLM_AVX512:
        __builtin_cpu_init();
        return album_isa_cap() >= ALBUM_ISA_AVX512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

int album_smallm_bw_supports(album_smallm_isa isa) {
#if ALBUM_SMALLM_X86
    if (isa == ALBUM_SMALLM_AVX512) {
        __builtin_cpu_init();
        return album_smallm_supports(isa) && __builtin_cpu_supports("avx512bw");
    }
#endif
    return album_smallm_supports(isa);
}

static smallm_fn kn_for(album_smallm_isa isa) {
    switch (isa) {
#if ALBUM_SMALLM_X86
    case ALBUM_SMALLM_AVX512: return kn_avx512;
    case ALBUM_SMALLM_AVX2: return kn_avx2;
#endif
    default: return kn_portable;
    }
}

static void pick_variant(void) {
    const album_smallm_isa order[] = {ALBUM_SMALLM_AVX512, ALBUM_SMALLM_AVX2};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (album_smallm_supports(order[i])) {
            kn_isa = order[i];
            kn_impl = kn_for(order[i]);
            return;
        }
}

album_smallm_isa album_smallm_selected(void) {
    pthread_once(&pick_once, pick_variant);
    return kn_isa;
}

void album_smallm_kn(size_t m, size_t n, size_t k, const float *x, size_t ldx, const float *w, size_t ldw,
                     float *out, size_t ldo, float alpha, float beta) {
    pthread_once(&pick_once, pick_variant);
    if (m == 0 || n == 0) return;
    kn_impl(m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta);
}

int album_smallm_kn_using(album_smallm_isa isa, size_t m, size_t n, size_t k, const float *x, size_t ldx,
                          const float *w, size_t ldw, float *out, size_t ldo, float alpha, float beta) {
    if (isa == ALBUM_SMALLM_AUTO) isa = album_smallm_selected();
    if (!album_smallm_supports(isa)) return 0;
    if (m > 0 && n > 0) kn_for(isa)(m, n, k, x, ldx, w, ldw, out, ldo, alpha, beta);
    return 1;
}
