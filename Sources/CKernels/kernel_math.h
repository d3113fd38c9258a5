// Shared inline math of the element-wise C kernels (elementwise.c, training.c): the per-ISA target attributes and
// the branch-free exp / tanh / activation functions, force-inlined into every variant so each compiles for its ISA.
// Private to CKernels (not under include/). Semantics mirror HF activations.py (NewGELUActivation, GELU, SiLU).
#ifndef ALBUM_KERNEL_MATH_H
#define ALBUM_KERNEL_MATH_H

#include "CKernels.h"
#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define ALBUM_X86_VARIANTS 1
#define ALBUM_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,fma")))
#define ALBUM_TARGET_AVX2 __attribute__((target("avx2,fma")))
#else
#define ALBUM_X86_VARIANTS 0
#endif

// Variant selection, written once for every kernel table family: `ALBUM_DEFINE_SELECTION(T, name, available, active)`
// defines `size_t available(const T **out, size_t capacity)` (the variants this CPU runs, best first, from the
// tables name##_avx512 / name##_avx2 / name##_portable) and `const T *active(void)` (the best one, chosen at the first
// call: racing first callers compute the same pointer, so the double store is harmless; acquire/release publishes the
// static, constant table).
#if ALBUM_X86_VARIANTS
#define ALBUM_X86_CANDIDATES(found, count, name)                                                                    \
    __builtin_cpu_init();                                                                                          \
    int fma = __builtin_cpu_supports("fma"), cap = album_isa_cap();                                               \
    if (cap >= ALBUM_ISA_AVX512 && fma && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl"))   \
        found[count++] = &name##_avx512;                                                                           \
    if (cap >= ALBUM_ISA_AVX2 && fma && __builtin_cpu_supports("avx2")) found[count++] = &name##_avx2;
#else
#define ALBUM_X86_CANDIDATES(found, count, name)
#endif

#define ALBUM_DEFINE_SELECTION(T, name, available, active)                                                         \
    size_t available(const T **out, size_t capacity) {                                                             \
        const T *found[3];                                                                                         \
        size_t count = 0;                                                                                          \
        ALBUM_X86_CANDIDATES(found, count, name)                                                                   \
        found[count++] = &name##_portable;                                                                         \
        for (size_t i = 0; i < count && i < capacity; i++) out[i] = found[i];                                      \
        return count;                                                                                              \
    }                                                                                                              \
    static _Atomic(const T *) name##_selected = NULL;                                                              \
    const T *active(void) {                                                                                        \
        const T *kernels = atomic_load_explicit(&name##_selected, memory_order_acquire);                           \
        if (__builtin_expect(kernels == NULL, 0)) {                                                                \
            available(&kernels, 1);                                                                                \
            atomic_store_explicit(&name##_selected, kernels, memory_order_release);                                \
        }                                                                                                          \
        return kernels;                                                                                            \
    }

// Loop bodies are written once and force-inlined into each per-ISA entry point, which compiles them for its ISA.
#define ALBUM_BODY static inline __attribute__((always_inline))

// exp(x) by Cody-Waite range reduction and a degree-6 polynomial (Cephes expf, ~1 ulp). Branch-free, so the
// compiler vectorises the loops that call it (libm's expf is a scalar call).
ALBUM_BODY float album_exp(float x) {
    x = fminf(fmaxf(x, -87.33654f), 88.72283f);
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

// tanh(u) = sign(u) (1 - e) / (1 + e), e = exp(-2|u|).
ALBUM_BODY float album_tanh(float u) {
    float e = album_exp(-2.0f * fabsf(u));
    return copysignf((1.0f - e) / (1.0f + e), u);
}

// HF NewGELUActivation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
ALBUM_BODY float album_gelu_new(float x) {
    return 0.5f * x * (1.0f + album_tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}

ALBUM_BODY float album_activate(float x, album_activation act) {
    switch (act) {
    case ALBUM_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ALBUM_ACT_GELU_NEW: return album_gelu_new(x);
    case ALBUM_ACT_GELU: return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
    case ALBUM_ACT_SILU: return x / (1.0f + album_exp(-x));
    }
    return x;
}

#endif
