// Element-wise hot loops of the T5 forward pass: T5LayerNorm (RMSNorm), softmax with additive bias and a valid
// length, activations (ReLU, gelu_new, erf GELU, SiLU) and their gated products, residual add, log-softmax.
// Mirrors HF modeling_t5 / activations.py semantics; naive Swift twins live in Sources/Kernels/Reference.
// Every loop is built three times (AVX-512, AVX2+FMA, portable); the first call picks one per CPU into a table of
// function pointers (a C11 atomic, no ifunc: ifunc resolvers run before sanitizer runtimes are initialised).
#include "CKernels.h"
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "kernel_math.h"

ALBUM_BODY void rmsnorm_body(float *out, const float *in, const float *weight, size_t rows, size_t dim, float eps) {
    for (size_t r = 0; r < rows; r++) {
        const float *x = in + r * dim;
        float *y = out + r * dim;
        float sum = 0.0f;
        {
#pragma clang fp reassociate(on)
            for (size_t i = 0; i < dim; i++) sum += x[i] * x[i];
        }
        // variance = hidden_states.to(torch.float32).pow(2).mean(-1, keepdim=True)
        // hidden_states = hidden_states * torch.rsqrt(variance + self.variance_epsilon); return self.weight * hidden_states
        float rstd = 1.0f / sqrtf(sum / (float)dim + eps);
        for (size_t i = 0; i < dim; i++) y[i] = weight[i] * (x[i] * rstd);
    }
}

ALBUM_BODY void softmax_bias_body(float *row, const float *bias, size_t valid, size_t total) {
    if (bias != NULL)
        for (size_t i = 0; i < valid; i++) row[i] += bias[i];
    float max = -INFINITY;
    for (size_t i = 0; i < valid; i++) max = fmaxf(max, row[i]);
    float sum = 0.0f;
    for (size_t i = 0; i < valid; i++) row[i] = album_exp(row[i] - max);
    {
#pragma clang fp reassociate(on)
        for (size_t i = 0; i < valid; i++) sum += row[i];
    }
    float inv = 1.0f / sum;
    for (size_t i = 0; i < valid; i++) row[i] *= inv;
    for (size_t i = valid; i < total; i++) row[i] = 0.0f;
}

ALBUM_BODY void activation_inplace_body(float *x, size_t count, album_activation act) {
    switch (act) {
    case ALBUM_ACT_RELU:
        for (size_t i = 0; i < count; i++) x[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case ALBUM_ACT_GELU_NEW:
        for (size_t i = 0; i < count; i++) x[i] = album_gelu_new(x[i]);
        break;
    default:
        for (size_t i = 0; i < count; i++) x[i] = album_activate(x[i], act);
    }
}

ALBUM_BODY void gated_activation_body(float *out, const float *in, size_t rows, size_t width, album_activation act) {
    for (size_t r = 0; r < rows; r++) {
        const float *gate = in + r * 2 * width;
        const float *linear = gate + width;
        float *y = out + r * width;
        switch (act) {
        case ALBUM_ACT_RELU:
            for (size_t i = 0; i < width; i++) y[i] = (gate[i] > 0.0f ? gate[i] : 0.0f) * linear[i];
            break;
        case ALBUM_ACT_GELU_NEW:
            for (size_t i = 0; i < width; i++) y[i] = album_gelu_new(gate[i]) * linear[i];
            break;
        default:
            for (size_t i = 0; i < width; i++) y[i] = album_activate(gate[i], act) * linear[i];
        }
    }
}

ALBUM_BODY void add_body(float *out, const float *a, size_t count) {
    for (size_t i = 0; i < count; i++) out[i] += a[i];
}

ALBUM_BODY float logsumexp_body(const float *row, size_t count) {
    float max = -INFINITY;
    for (size_t i = 0; i < count; i++) max = fmaxf(max, row[i]);
    float sum = 0.0f;
    {
#pragma clang fp reassociate(on)
        for (size_t i = 0; i < count; i++) sum += album_exp(row[i] - max);
    }
    return max + logf(sum);
}

ALBUM_BODY void log_softmax_body(float *out, const float *in, size_t count) {
    float max = -INFINITY;
    for (size_t i = 0; i < count; i++) max = fmaxf(max, in[i]);
    float sum = 0.0f;
    {
#pragma clang fp reassociate(on)
        for (size_t i = 0; i < count; i++) sum += album_exp(in[i] - max);
    }
    // torch: (x - max) - log(sum(exp(x - max)))
    float log_sum = logf(sum);
    for (size_t i = 0; i < count; i++) out[i] = (in[i] - max) - log_sum;
}

// MARK: Per-ISA entry points and their tables

#define ALBUM_VARIANT(suffix, target)                                                                              \
    target static void rmsnorm_##suffix(float *out, const float *in, const float *weight, size_t rows, size_t dim, \
                                        float eps) {                                                              \
        rmsnorm_body(out, in, weight, rows, dim, eps);                                                            \
    }                                                                                                             \
    target static void softmax_bias_##suffix(float *row, const float *bias, size_t valid, size_t total) {         \
        softmax_bias_body(row, bias, valid, total);                                                               \
    }                                                                                                             \
    target static void activation_inplace_##suffix(float *x, size_t count, album_activation act) {                \
        activation_inplace_body(x, count, act);                                                                   \
    }                                                                                                             \
    target static void gated_activation_##suffix(float *out, const float *in, size_t rows, size_t width,          \
                                                 album_activation act) {                                          \
        gated_activation_body(out, in, rows, width, act);                                                         \
    }                                                                                                             \
    target static void add_##suffix(float *out, const float *a, size_t count) { add_body(out, a, count); }        \
    target static float logsumexp_##suffix(const float *row, size_t count) { return logsumexp_body(row, count); } \
    target static void log_softmax_##suffix(float *out, const float *in, size_t count) {                          \
        log_softmax_body(out, in, count);                                                                         \
    }                                                                                                             \
    static const album_elementwise_kernels kernels_##suffix = {                                                   \
        #suffix, rmsnorm_##suffix, softmax_bias_##suffix, activation_inplace_##suffix,                            \
        gated_activation_##suffix, add_##suffix, logsumexp_##suffix, log_softmax_##suffix,                        \
    };

ALBUM_VARIANT(portable, )
#if ALBUM_X86_VARIANTS
ALBUM_VARIANT(avx2, ALBUM_TARGET_AVX2)
ALBUM_VARIANT(avx512, ALBUM_TARGET_AVX512)
#endif

// MARK: Selection (once per process) and the public functions

ALBUM_DEFINE_SELECTION(album_elementwise_kernels, kernels, album_elementwise_available, album_elementwise_active)

void album_rmsnorm(float *out, const float *in, const float *weight, size_t rows, size_t dim, float eps) {
    album_elementwise_active()->rmsnorm(out, in, weight, rows, dim, eps);
}

void album_softmax_bias(float *row, const float *bias, size_t valid, size_t total) {
    album_elementwise_active()->softmax_bias(row, bias, valid, total);
}

void album_activation_inplace(float *x, size_t count, album_activation act) {
    album_elementwise_active()->activation_inplace(x, count, act);
}

void album_gated_activation(float *out, const float *in, size_t rows, size_t width, album_activation act) {
    album_elementwise_active()->gated_activation(out, in, rows, width, act);
}

void album_add(float *out, const float *a, size_t count) { album_elementwise_active()->add(out, a, count); }

float album_logsumexp(const float *row, size_t count) { return album_elementwise_active()->logsumexp(row, count); }

void album_log_softmax(float *out, const float *in, size_t count) {
    album_elementwise_active()->log_softmax(out, in, count);
}

size_t album_argmax(const float *row, size_t count) {
    size_t best = 0;
    for (size_t i = 1; i < count; i++)
        if (row[i] > row[best]) best = i;
    return best;
}
