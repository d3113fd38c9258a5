// Row-dot products against a row-major table: out (M, V) = alpha · h (M, D) · Eᵀ with E (V, D) as stored, for a
// tied LM head that computes straight from the shared embedding (no transposed copy). Each table row is read once
// per call for all M rows (bandwidth-bound for small M); each output is one vector FMA chain over D in ascending
// chunks and a fixed lane reduction, so its bits depend neither on M, nor on the tile it lands in, nor on how the
// caller splits V. Explicit AVX-512 / AVX2+FMA / portable variants, picked as smallm.c picks (same CPU features).
#include "CKernels.h"
#include <stdint.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

typedef void (*rowdot_fn)(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e, size_t lde,
                          float *out, size_t ldo, float alpha);

// MARK: Portable variant: 8 partial sums per output (lane p mod 8), reduced pairwise.

static float dot_portable(size_t d, const float *a, const float *b) {
    float s[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t p = 0;
    for (; p + 8 <= d; p += 8)
        for (int l = 0; l < 8; l++) s[l] += a[p + l] * b[p + l];
    for (int l = 0; p + (size_t)l < d; l++) s[l] += a[p + l] * b[p + l];
    return ((s[0] + s[4]) + (s[2] + s[6])) + ((s[1] + s[5]) + (s[3] + s[7]));
}

static void rowdot_portable(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e, size_t lde,
                            float *out, size_t ldo, float alpha) {
    enum { VB = 8 };  // table rows per block: a block stays in L1 while every h row passes over it
    for (size_t j0 = 0; j0 < v; j0 += VB) {
        size_t vc = v - j0 < VB ? v - j0 : VB;
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < vc; j++) out[i * ldo + j0 + j] = alpha * dot_portable(d, h + i * ldh, e + (j0 + j) * lde);
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define ALBUM_ROWDOT_X86 1
#define AVX512 __attribute__((target("avx512f,avx512vl,fma")))
#define AVX2 __attribute__((target("avx2,fma")))
#define INLINE static inline __attribute__((always_inline))

// MARK: AVX-512 variant: tiles of VB (≤ 4) table rows × MB (≤ 4) h rows, 16 accumulators.

INLINE AVX512 float hsum512(__m512 x) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(x), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

INLINE AVX512 void rd512_tile(const int VB, const int MB, size_t d, const float *h, size_t ldh, const float *e,
                              size_t lde, float *out, size_t ldo, float alpha, __mmask16 tail) {
    __m512 acc[4][4];
    for (int j = 0; j < VB; j++)
        for (int i = 0; i < MB; i++) acc[j][i] = _mm512_setzero_ps();
    size_t p = 0;
    for (; p + 16 <= d; p += 16) {
        __m512 ev[4];
        for (int j = 0; j < VB; j++) ev[j] = _mm512_loadu_ps(e + j * lde + p);
        for (int i = 0; i < MB; i++) {
            __m512 hv = _mm512_loadu_ps(h + i * ldh + p);
            for (int j = 0; j < VB; j++) acc[j][i] = _mm512_fmadd_ps(ev[j], hv, acc[j][i]);
        }
    }
    if (p < d) {
        __m512 ev[4];
        for (int j = 0; j < VB; j++) ev[j] = _mm512_maskz_loadu_ps(tail, e + j * lde + p);
        for (int i = 0; i < MB; i++) {
            __m512 hv = _mm512_maskz_loadu_ps(tail, h + i * ldh + p);
            for (int j = 0; j < VB; j++) acc[j][i] = _mm512_fmadd_ps(ev[j], hv, acc[j][i]);
        }
    }
    for (int i = 0; i < MB; i++)
        for (int j = 0; j < VB; j++) out[i * ldo + j] = alpha * hsum512(acc[j][i]);
}

// Every h row against VB table rows (the rows stay in L1 across the h tiles).
INLINE AVX512 void rd512_rows(const int VB, size_t m, size_t d, const float *h, size_t ldh, const float *e,
                              size_t lde, float *out, size_t ldo, float alpha, __mmask16 tail) {
    size_t i = 0;
    for (; i + 4 <= m; i += 4) rd512_tile(VB, 4, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail);
    switch (m - i) {
    case 3: rd512_tile(VB, 3, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail); break;
    case 2: rd512_tile(VB, 2, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail); break;
    case 1: rd512_tile(VB, 1, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail); break;
    default: break;
    }
}

static AVX512 void rowdot_avx512(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e,
                                 size_t lde, float *out, size_t ldo, float alpha) {
    const __mmask16 tail = (__mmask16)((1u << (d % 16)) - 1);
    size_t j = 0;
    for (; j + 4 <= v; j += 4) rd512_rows(4, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail);
    switch (v - j) {
    case 3: rd512_rows(3, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    case 2: rd512_rows(2, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    case 1: rd512_rows(1, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    default: break;
    }
}

// MARK: AVX2 + FMA variant: tiles of VB (≤ 4) table rows × MB (≤ 2) h rows, 8 accumulators.

INLINE AVX2 float hsum256(__m256 x) {
    __m128 b = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    b = _mm_add_ps(b, _mm_movehl_ps(b, b));
    b = _mm_add_ss(b, _mm_movehdup_ps(b));
    return _mm_cvtss_f32(b);
}

INLINE AVX2 void rd256_tile(const int VB, const int MB, size_t d, const float *h, size_t ldh, const float *e,
                            size_t lde, float *out, size_t ldo, float alpha, __m256i tail) {
    __m256 acc[4][2];
    for (int j = 0; j < VB; j++)
        for (int i = 0; i < MB; i++) acc[j][i] = _mm256_setzero_ps();
    size_t p = 0;
    for (; p + 8 <= d; p += 8) {
        __m256 ev[4];
        for (int j = 0; j < VB; j++) ev[j] = _mm256_loadu_ps(e + j * lde + p);
        for (int i = 0; i < MB; i++) {
            __m256 hv = _mm256_loadu_ps(h + i * ldh + p);
            for (int j = 0; j < VB; j++) acc[j][i] = _mm256_fmadd_ps(ev[j], hv, acc[j][i]);
        }
    }
    if (p < d) {
        __m256 ev[4];
        for (int j = 0; j < VB; j++) ev[j] = _mm256_maskload_ps(e + j * lde + p, tail);
        for (int i = 0; i < MB; i++) {
            __m256 hv = _mm256_maskload_ps(h + i * ldh + p, tail);
            for (int j = 0; j < VB; j++) acc[j][i] = _mm256_fmadd_ps(ev[j], hv, acc[j][i]);
        }
    }
    for (int i = 0; i < MB; i++)
        for (int j = 0; j < VB; j++) out[i * ldo + j] = alpha * hsum256(acc[j][i]);
}

INLINE AVX2 void rd256_rows(const int VB, size_t m, size_t d, const float *h, size_t ldh, const float *e,
                            size_t lde, float *out, size_t ldo, float alpha, __m256i tail) {
    size_t i = 0;
    for (; i + 2 <= m; i += 2) rd256_tile(VB, 2, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail);
    if (i < m) rd256_tile(VB, 1, d, h + i * ldh, ldh, e, lde, out + i * ldo, ldo, alpha, tail);
}

static AVX2 void rowdot_avx2(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e,
                             size_t lde, float *out, size_t ldo, float alpha) {
    int32_t lanes[8];
    for (size_t l = 0; l < 8; l++) lanes[l] = l < d % 8 ? -1 : 0;
    const __m256i tail = _mm256_loadu_si256((const __m256i *)lanes);
    size_t j = 0;
    for (; j + 4 <= v; j += 4) rd256_rows(4, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail);
    switch (v - j) {
    case 3: rd256_rows(3, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    case 2: rd256_rows(2, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    case 1: rd256_rows(1, m, d, h, ldh, e + j * lde, lde, out + j, ldo, alpha, tail); break;
    default: break;
    }
}
#endif

// MARK: Dispatch (the variant smallm.c chose: both need the same features).

static rowdot_fn rowdot_for(album_smallm_isa isa) {
    switch (isa) {
#if ALBUM_ROWDOT_X86
    case ALBUM_SMALLM_AVX512: return rowdot_avx512;
    case ALBUM_SMALLM_AVX2: return rowdot_avx2;
#endif
    default: return rowdot_portable;
    }
}

album_smallm_isa album_rowdot_selected(void) { return album_smallm_selected(); }

void album_rowdot(size_t m, size_t v, size_t d, const float *h, size_t ldh, const float *e, size_t lde, float *out,
                  size_t ldo, float alpha) {
    if (m == 0 || v == 0) return;
    rowdot_for(album_rowdot_selected())(m, v, d, h, ldh, e, lde, out, ldo, alpha);
}

int album_rowdot_using(album_smallm_isa isa, size_t m, size_t v, size_t d, const float *h, size_t ldh,
                       const float *e, size_t lde, float *out, size_t ldo, float alpha) {
    if (isa == ALBUM_SMALLM_AUTO) isa = album_rowdot_selected();
    if (!album_smallm_supports(isa)) return 0;
    if (m > 0 && v > 0) rowdot_for(isa)(m, v, d, h, ldh, e, lde, out, ldo, alpha);
    return 1;
}
