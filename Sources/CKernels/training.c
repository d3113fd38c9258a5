// Element-wise loops of the training side: backward passes of the forward kernels in elementwise.c (T5LayerNorm,
// masked softmax with additive bias, activations and gated products), torch.nn.LayerNorm forward/backward, token
// cross-entropy with label smoothing (torch.nn.CrossEntropyLoss) and counter-based dropout (Philox4x32-10).
// Same scheme as elementwise.c: every loop is built for AVX-512, AVX2+FMA and portable C, one chosen per CPU at
// first use. Naive Swift twins live in Sources/Kernels/Reference. Backward kernels ADD into their d* outputs.
#include "CKernels.h"
#include <stdatomic.h>

#include "kernel_math.h"

// MARK: T5LayerNorm (RMSNorm) with recorded rstd, and its backward

ALBUM_BODY void rmsnorm_forward_body(float *out, float *rstd, const float *in, const float *weight, size_t rows,
                                     size_t dim, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * dim;
        float *y = out + r * dim;
        float sum = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) sum += x[i] * x[i];
        }
        // Same arithmetic as album_rmsnorm, so the training forward reproduces the inference forward.
        float s = 1.0f / sqrtf(sum / (float)dim + eps);
        if (rstd != NULL) rstd[r] = s;
        for (size_t i = 0; i < dim; i++) y[i] = weight[i] * (x[i] * s);
    }
}

// y = w * x * s, s = (mean(x^2) + eps)^-1/2:
//   dx_i = s * w_i dy_i - (s^3 / D) x_i * sum_j w_j dy_j x_j,   dw_i += dy_i * x_i * s.
ALBUM_BODY void rmsnorm_backward_body(float *din, float *dweight, const float *dout, const float *in,
                                      const float *weight, const float *rstd, size_t rows, size_t dim) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * dim, *dy = dout + r * dim;
        float *dx = din + r * dim;
        float s = rstd[r];
        float dot = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) dot += weight[i] * dy[i] * x[i];
        }
        float c = s * s * s * dot / (float)dim;
        for (size_t i = 0; i < dim; i++) dx[i] += s * weight[i] * dy[i] - c * x[i];
        if (dweight != NULL)
            for (size_t i = 0; i < dim; i++) dweight[i] += dy[i] * x[i] * s;
    }
}

// MARK: torch.nn.LayerNorm (affine) forward and backward (llm.c layernorm_forward / layernorm_backward)

ALBUM_BODY void layernorm_forward_body(float *out, float *mean, float *rstd, const float *in, const float *weight,
                                       const float *bias, size_t rows, size_t dim, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * dim;
        float *y = out + r * dim;
        float sum = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) sum += x[i];
        }
        float m = sum / (float)dim;
        float var = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) var += (x[i] - m) * (x[i] - m);
        }
        // torch: biased variance, rstd = 1 / sqrt(var + eps)
        float s = 1.0f / sqrtf(var / (float)dim + eps);
        if (mean != NULL) mean[r] = m;
        if (rstd != NULL) rstd[r] = s;
        for (size_t i = 0; i < dim; i++) y[i] = (x[i] - m) * s * weight[i] + bias[i];
    }
}

// xhat = (x - mean) * rstd, g = dy * w:  dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
// dw += dy * xhat, db += dy.
ALBUM_BODY void layernorm_backward_body(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                                        const float *weight, const float *mean, const float *rstd, size_t rows,
                                        size_t dim) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * dim, *dy = dout + r * dim;
        float *dx = din + r * dim;
        float m = mean[r], s = rstd[r];
        float g_mean = 0.0f, gx_mean = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) {
                float g = dy[i] * weight[i];
                g_mean += g;
                gx_mean += g * ((x[i] - m) * s);
            }
        }
        g_mean /= (float)dim;
        gx_mean /= (float)dim;
        for (size_t i = 0; i < dim; i++) {
            float xhat = (x[i] - m) * s;
            dx[i] += s * (dy[i] * weight[i] - g_mean - xhat * gx_mean);
        }
        if (dweight != NULL)
            for (size_t i = 0; i < dim; i++) dweight[i] += dy[i] * ((x[i] - m) * s);
        if (dbias != NULL)
            for (size_t i = 0; i < dim; i++) dbias[i] += dy[i];
    }
}

// MARK: Softmax backward: ds_i = p_i (dp_i - sum_j p_j dp_j) over the valid prefix of each row

ALBUM_BODY void softmax_backward_body(float *din, float *dbias, const float *dout, const float *probs,
                                      const size_t *valid, size_t rows, size_t total) {
    for (size_t r = 0; r < rows; r++) {
        const float *p = probs + r * total, *dp = dout + r * total;
        size_t v = valid != NULL ? valid[r] : total;
        float dot = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < v; i++) dot += p[i] * dp[i];
        }
        // Masked positions (i >= v) had probability 0 and a constant score: their gradient is 0.
        if (din != NULL) {
            float *ds = din + r * total;
            for (size_t i = 0; i < v; i++) ds[i] += p[i] * (dp[i] - dot);
        }
        if (dbias != NULL) {
            float *db = dbias + r * total;
            for (size_t i = 0; i < v; i++) db[i] += p[i] * (dp[i] - dot);
        }
    }
}

// MARK: Activation derivatives (HF ACT2FN; torch autograd of the same formulas)

// d/dx 0.5 x (1 + tanh(u)), u = c (x + a x^3):  0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2).
ALBUM_BODY float album_gelu_new_grad(float x) {
    const float c = 0.7978845608028654f, a = 0.044715f;
    float t = album_tanh(c * (x + a * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * c * (1.0f + 3.0f * a * x * x);
}

// d/dx x Phi(x) = Phi(x) + x phi(x) (torch GeluBackward, approximate='none').
ALBUM_BODY float album_gelu_grad(float x) {
    float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
    float pdf = 0.3989422804014327f * album_exp(-0.5f * x * x);
    return cdf + x * pdf;
}

// d/dx x sigmoid(x) = s (1 + x (1 - s)) (torch SiluBackward).
ALBUM_BODY float album_silu_grad(float x) {
    float s = 1.0f / (1.0f + album_exp(-x));
    return s * (1.0f + x * (1.0f - s));
}

ALBUM_BODY float album_activation_grad(float x, album_activation act) {
    switch (act) {
    case ALBUM_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;  // torch threshold_backward: 0 at x == 0
    case ALBUM_ACT_GELU_NEW: return album_gelu_new_grad(x);
    case ALBUM_ACT_GELU: return album_gelu_grad(x);
    case ALBUM_ACT_SILU: return album_silu_grad(x);
    }
    return 1.0f;
}

ALBUM_BODY void activation_backward_body(float *din, const float *dout, const float *in, size_t count,
                                         album_activation act) {
    switch (act) {
    case ALBUM_ACT_RELU:
        for (size_t i = 0; i < count; i++) din[i] += in[i] > 0.0f ? dout[i] : 0.0f;
        break;
    case ALBUM_ACT_GELU_NEW:
        for (size_t i = 0; i < count; i++) din[i] += dout[i] * album_gelu_new_grad(in[i]);
        break;
    case ALBUM_ACT_SILU:
        for (size_t i = 0; i < count; i++) din[i] += dout[i] * album_silu_grad(in[i]);
        break;
    default:
        for (size_t i = 0; i < count; i++) din[i] += dout[i] * album_activation_grad(in[i], act);
    }
}

// out = act(g) * l with in = [g | l]:  dg += dout * l * act'(g),  dl += dout * act(g).
ALBUM_BODY void gated_backward_body(float *din, const float *dout, const float *in, size_t rows, size_t width,
                                    album_activation act) {
    for (size_t r = 0; r < rows; r++) {
        const float *gate = in + r * 2 * width, *linear = gate + width, *dy = dout + r * width;
        float *dgate = din + r * 2 * width, *dlinear = dgate + width;
        switch (act) {
        case ALBUM_ACT_GELU_NEW:
            for (size_t i = 0; i < width; i++) {
                dgate[i] += dy[i] * linear[i] * album_gelu_new_grad(gate[i]);
                dlinear[i] += dy[i] * album_gelu_new(gate[i]);
            }
            break;
        default:
            for (size_t i = 0; i < width; i++) {
                dgate[i] += dy[i] * linear[i] * album_activation_grad(gate[i], act);
                dlinear[i] += dy[i] * album_activate(gate[i], act);
            }
        }
    }
}

// MARK: Cross-entropy of one row of logits (torch.nn.CrossEntropyLoss with label_smoothing)

// nll = lse - x[t];  smooth = -sum_j log p_j = V lse - sum_j x_j, both from d_j = x_j - max (well conditioned).
// dlogits (if not NULL; may alias logits) = scale * (p_j - eps / V) - scale * (1 - eps) [j == t].
ALBUM_BODY void cross_entropy_row_body(float *dlogits, const float *logits, size_t vocab, size_t target,
                                       float smoothing, float scale, double *nll, double *smooth) {
    float max = -INFINITY;
    for (size_t j = 0; j < vocab; j++) max = fmaxf(max, logits[j]);
    float target_shifted = logits[target] - max;  // read before dlogits may overwrite it
    float sum = 0.0f;
    double shifted_sum = 0.0;
    if (dlogits == logits) {
        // In place through one pointer, so the loop vectorises without a runtime overlap check falling back to
        // scalar code (which would also sum in another order).
#pragma clang fp reassociate(on)
        float *x = dlogits;
        for (size_t j = 0; j < vocab; j++) {
            float d = x[j] - max;
            float e = album_exp(d);
            shifted_sum += (double)d;
            sum += e;
            x[j] = e;
        }
    } else if (dlogits != NULL) {
#pragma clang fp reassociate(on)
        for (size_t j = 0; j < vocab; j++) {
            float d = logits[j] - max;
            float e = album_exp(d);
            shifted_sum += (double)d;
            sum += e;
            dlogits[j] = e;
        }
    } else {
#pragma clang fp reassociate(on)
        for (size_t j = 0; j < vocab; j++) {
            float d = logits[j] - max;
            shifted_sum += (double)d;
            sum += album_exp(d);
        }
    }
    double log_sum = log((double)sum);
    *nll = log_sum - (double)target_shifted;
    *smooth = (double)vocab * log_sum - shifted_sum;
    if (dlogits != NULL) {
        float scaled_inv = scale / sum, uniform = scale * smoothing / (float)vocab;
        for (size_t j = 0; j < vocab; j++) dlogits[j] = dlogits[j] * scaled_inv - uniform;
        dlogits[target] -= scale * (1.0f - smoothing);
    }
}

// MARK: Counter-based dropout (Philox4x32-10, Salmon et al. 2011, Random123)

// One Philox4x32-10 block: 4 random words for counter (c0, c1, c2, c3) under key (k0, k1).
ALBUM_BODY void album_philox_block(uint32_t ctr[4], uint32_t k0, uint32_t k1) {
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * ctr[0], p1 = (uint64_t)0xCD9E8D57u * ctr[2];
        uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0, hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
        uint32_t n0 = hi1 ^ ctr[1] ^ k0, n2 = hi0 ^ ctr[3] ^ k1;
        ctr[0] = n0;
        ctr[1] = lo1;
        ctr[2] = n2;
        ctr[3] = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

// The 64 words of group g: 16 Philox blocks with counters (b low, b high, layer, step), b = 16·g + lane, under key
// (seed low, seed high); word w of lane l lands at words[16·w + l]. Written lane-wise so that each round is a few
// SIMD instructions on 16 lanes (the 32×32→64-bit products are vpmuludq).
ALBUM_BODY void dropout_group_words(uint32_t words[64], uint64_t group, uint32_t layer, uint32_t step, uint32_t k0,
                                    uint32_t k1) {
    uint32_t c0[16], c1[16], c2[16], c3[16];
    for (unsigned l = 0; l < 16; l++) {
        uint64_t block = group * 16 + l;
        c0[l] = (uint32_t)block;
        c1[l] = (uint32_t)(block >> 32);
        c2[l] = layer;
        c3[l] = step;
    }
    for (int round = 0; round < 10; round++) {
        for (unsigned l = 0; l < 16; l++) {
            uint64_t p0 = (uint64_t)0xD2511F53u * c0[l], p1 = (uint64_t)0xCD9E8D57u * c2[l];
            uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1[l] ^ k0, n2 = (uint32_t)(p0 >> 32) ^ c3[l] ^ k1;
            c0[l] = n0;
            c1[l] = (uint32_t)p1;
            c2[l] = n2;
            c3[l] = (uint32_t)p0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (unsigned l = 0; l < 16; l++) {
        words[l] = c0[l];
        words[16 + l] = c1[l];
        words[32 + l] = c2[l];
        words[48 + l] = c3[l];
    }
}

// Element e of a stream lies in group g = e / 64; with r = e mod 64 it takes word r / 16 of the group's block
// 16·g + (r mod 16). The mask depends only on (seed, step, layer, e), never on how the work is split, and a group
// of 64 consecutive elements is 16 blocks drawn side by side.
// Kept when the word's top 24 bits are >= threshold = round(p * 2^24); kept values are scaled by `scale`.
// accumulate == 0: out = kept ? in * scale : 0;  accumulate == 1: out += kept ? in * scale : 0.
ALBUM_BODY void mask_like_body(float *out, const float *like, size_t count, float scale) {
    for (size_t i = 0; i < count; i++) out[i] = like[i] != 0.0f ? out[i] * scale : 0.0f;
}

typedef void (*album_group_words_fn)(uint32_t words[64], uint64_t group, uint32_t layer, uint32_t step, uint32_t k0,
                                     uint32_t k1);

ALBUM_BODY void dropout_body(float *out, const float *in, size_t count, uint32_t threshold, float scale,
                             album_dropout_key key, uint64_t offset, int accumulate, album_group_words_fn group_words) {
    uint32_t k0 = (uint32_t)key.seed, k1 = (uint32_t)(key.seed >> 32);
    uint32_t words[64];
    size_t i = 0;
    while (i < count) {
        uint64_t e = offset + i;
        size_t first = (size_t)(e & 63), n = 64 - first;
        if (n > count - i) n = count - i;
        group_words(words, e >> 6, key.layer, key.step, k0, k1);
        const uint32_t *w = words + first;
        if (accumulate) {
            for (size_t j = 0; j < n; j++) out[i + j] += (w[j] >> 8) >= threshold ? in[i + j] * scale : 0.0f;
        } else {
            for (size_t j = 0; j < n; j++) out[i + j] = (w[j] >> 8) >= threshold ? in[i + j] * scale : 0.0f;
        }
        i += n;
    }
}

// dropout_group_words as a function per ISA: the portable one here, AVX2 and AVX-512 (intrinsics) below.
static void dropout_group_words_generic(uint32_t words[64], uint64_t group, uint32_t layer, uint32_t step, uint32_t k0,
                                        uint32_t k1) {
    dropout_group_words(words, group, layer, step, k0, k1);
}

#if ALBUM_X86_VARIANTS
#include <immintrin.h>

ALBUM_TARGET_AVX2 static void dropout_group_words_avx2(uint32_t words[64], uint64_t group, uint32_t layer,
                                                       uint32_t step, uint32_t k0, uint32_t k1) {
    dropout_group_words(words, group, layer, step, k0, k1);
}

// hi and lo 32 bits of a · m for 16 lanes: vpmuludq multiplies the even 32-bit lanes into 64-bit products; the odd
// lanes are shifted down and multiplied the same way, then the halves are blended back into 32-bit lanes.
ALBUM_TARGET_AVX512 static inline __attribute__((always_inline)) void philox_mul_avx512(__m512i a, __m512i m,
                                                                                         __m512i *hi, __m512i *lo) {
    __m512i even = _mm512_mul_epu32(a, m), odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), m);
    *lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    *hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// dropout_group_words with the 16 blocks in the 16 lanes of four registers (same words, bit for bit).
ALBUM_TARGET_AVX512 static void dropout_group_words_avx512(uint32_t words[64], uint64_t group, uint32_t layer,
                                                           uint32_t step, uint32_t k0, uint32_t k1) {
    uint64_t block = group * 16;  // a multiple of 16: adding a lane (< 16) never carries out of the low word
    __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m512i c0 = _mm512_add_epi32(_mm512_set1_epi32((int)(uint32_t)block), lanes);
    __m512i c1 = _mm512_set1_epi32((int)(uint32_t)(block >> 32)), c2 = _mm512_set1_epi32((int)layer);
    __m512i c3 = _mm512_set1_epi32((int)step);
    const __m512i m0 = _mm512_set1_epi32((int)0xD2511F53u), m1 = _mm512_set1_epi32((int)0xCD9E8D57u);
    for (int round = 0; round < 10; round++) {
        __m512i hi0, lo0, hi1, lo1;
        philox_mul_avx512(c0, m0, &hi0, &lo0);
        philox_mul_avx512(c2, m1, &hi1, &lo1);
        __m512i n0 = _mm512_xor_si512(_mm512_xor_si512(hi1, c1), _mm512_set1_epi32((int)k0));
        __m512i n2 = _mm512_xor_si512(_mm512_xor_si512(hi0, c3), _mm512_set1_epi32((int)k1));
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    _mm512_storeu_si512((void *)words, c0);
    _mm512_storeu_si512((void *)(words + 16), c1);
    _mm512_storeu_si512((void *)(words + 32), c2);
    _mm512_storeu_si512((void *)(words + 48), c3);
}
#endif

// MARK: Per-ISA entry points and their tables

#define ALBUM_TRAINING_VARIANT(suffix, target, group_words)                                                        \
    target static void rmsnorm_forward_##suffix(float *out, float *rstd, const float *in, const float *weight,    \
                                                size_t rows, size_t dim, float eps) {                             \
        rmsnorm_forward_body(out, rstd, in, weight, rows, dim, eps);                                              \
    }                                                                                                             \
    target static void rmsnorm_backward_##suffix(float *din, float *dweight, const float *dout, const float *in,  \
                                                 const float *weight, const float *rstd, size_t rows,             \
                                                 size_t dim) {                                                    \
        rmsnorm_backward_body(din, dweight, dout, in, weight, rstd, rows, dim);                                   \
    }                                                                                                             \
    target static void layernorm_forward_##suffix(float *out, float *mean, float *rstd, const float *in,          \
                                                  const float *weight, const float *bias, size_t rows,            \
                                                  size_t dim, float eps) {                                        \
        layernorm_forward_body(out, mean, rstd, in, weight, bias, rows, dim, eps);                                \
    }                                                                                                             \
    target static void layernorm_backward_##suffix(float *din, float *dweight, float *dbias, const float *dout,   \
                                                   const float *in, const float *weight, const float *mean,       \
                                                   const float *rstd, size_t rows, size_t dim) {                  \
        layernorm_backward_body(din, dweight, dbias, dout, in, weight, mean, rstd, rows, dim);                    \
    }                                                                                                             \
    target static void softmax_backward_##suffix(float *din, float *dbias, const float *dout, const float *probs, \
                                                 const size_t *valid, size_t rows, size_t total) {                \
        softmax_backward_body(din, dbias, dout, probs, valid, rows, total);                                       \
    }                                                                                                             \
    target static void activation_backward_##suffix(float *din, const float *dout, const float *in, size_t count, \
                                                    album_activation act) {                                       \
        activation_backward_body(din, dout, in, count, act);                                                      \
    }                                                                                                             \
    target static void gated_backward_##suffix(float *din, const float *dout, const float *in, size_t rows,       \
                                               size_t width, album_activation act) {                              \
        gated_backward_body(din, dout, in, rows, width, act);                                                     \
    }                                                                                                             \
    target static void cross_entropy_row_##suffix(float *dlogits, const float *logits, size_t vocab,              \
                                                  size_t target_index, float smoothing, float scale, double *nll, \
                                                  double *smooth) {                                               \
        cross_entropy_row_body(dlogits, logits, vocab, target_index, smoothing, scale, nll, smooth);              \
    }                                                                                                             \
    target static void dropout_##suffix(float *out, const float *in, size_t count, uint32_t threshold,            \
                                        float scale, album_dropout_key key, uint64_t offset, int accumulate) {    \
        dropout_body(out, in, count, threshold, scale, key, offset, accumulate, group_words);                     \
    }                                                                                                             \
    target static void mask_like_##suffix(float *out, const float *like, size_t count, float scale) {             \
        mask_like_body(out, like, count, scale);                                                                  \
    }                                                                                                             \
    static const album_training_kernels training_##suffix = {                                                     \
        #suffix,                      rmsnorm_forward_##suffix,     rmsnorm_backward_##suffix,                    \
        layernorm_forward_##suffix,   layernorm_backward_##suffix,  softmax_backward_##suffix,                    \
        activation_backward_##suffix, gated_backward_##suffix,      cross_entropy_row_##suffix,                   \
        dropout_##suffix,             mask_like_##suffix,                                                         \
    };

ALBUM_TRAINING_VARIANT(portable, , dropout_group_words_generic)
#if ALBUM_X86_VARIANTS
ALBUM_TRAINING_VARIANT(avx2, ALBUM_TARGET_AVX2, dropout_group_words_avx2)
ALBUM_TRAINING_VARIANT(avx512, ALBUM_TARGET_AVX512, dropout_group_words_avx512)
#endif

// MARK: Selection (once per process; kernel_math.h)

ALBUM_DEFINE_SELECTION(album_training_kernels, training, album_training_available, album_training_active)

void album_philox4x32_10(uint32_t counter[4], uint32_t key0, uint32_t key1) { album_philox_block(counter, key0, key1); }

// MARK: Public functions (the variant this CPU picked)

void album_rmsnorm_forward(float *out, float *rstd, const float *in, const float *weight, size_t rows, size_t dim,
                           float eps) {
    album_training_active()->rmsnorm_forward(out, rstd, in, weight, rows, dim, eps);
}

void album_rmsnorm_backward(float *din, float *dweight, const float *dout, const float *in, const float *weight,
                            const float *rstd, size_t rows, size_t dim) {
    album_training_active()->rmsnorm_backward(din, dweight, dout, in, weight, rstd, rows, dim);
}

void album_layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *weight,
                             const float *bias, size_t rows, size_t dim, float eps) {
    album_training_active()->layernorm_forward(out, mean, rstd, in, weight, bias, rows, dim, eps);
}

void album_layernorm_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                              const float *weight, const float *mean, const float *rstd, size_t rows, size_t dim) {
    album_training_active()->layernorm_backward(din, dweight, dbias, dout, in, weight, mean, rstd, rows, dim);
}

void album_softmax_backward(float *din, float *dbias, const float *dout, const float *probs, const size_t *valid,
                            size_t rows, size_t total) {
    album_training_active()->softmax_backward(din, dbias, dout, probs, valid, rows, total);
}

void album_activation_backward(float *din, const float *dout, const float *in, size_t count, album_activation act) {
    album_training_active()->activation_backward(din, dout, in, count, act);
}

void album_gated_backward(float *din, const float *dout, const float *in, size_t rows, size_t width,
                          album_activation act) {
    album_training_active()->gated_backward(din, dout, in, rows, width, act);
}

void album_cross_entropy_row(float *dlogits, const float *logits, size_t vocab, size_t target, float smoothing,
                             float scale, double *nll, double *smooth) {
    album_training_active()->cross_entropy_row(dlogits, logits, vocab, target, smoothing, scale, nll, smooth);
}

void album_dropout(float *out, const float *in, size_t count, uint32_t threshold, float scale, album_dropout_key key,
                   uint64_t offset, int accumulate) {
    album_training_active()->dropout(out, in, count, threshold, scale, key, offset, accumulate);
}

void album_mask_like(float *out, const float *like, size_t count, float scale) {
    album_training_active()->mask_like(out, like, count, scale);
}
