// CPU feature detection and OpenBLAS core-type selection.
// Debian's OpenBLAS 0.3.21 misdetects recent Intel CPUs as "Prescott" (OpenBLAS issue #4267) and runs SSE3
// kernels 3-5x slower; the core type must be chosen before the library loads, hence the re-exec.
#include "CKernels.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int isa_cap = ALBUM_ISA_AVX512;
static pthread_once_t cap_once = PTHREAD_ONCE_INIT;

static void read_cap(void) {
    int parsed = album_parse_isa_cap(getenv("ALBUM_CPU_ISA"));
    isa_cap = parsed < 0 ? ALBUM_ISA_AVX512 : parsed;  // the CLI refuses a bad value before any kernel runs
}

int album_parse_isa_cap(const char *value) {
    if (value == NULL || value[0] == 0 || strcmp(value, "avx512") == 0) return ALBUM_ISA_AVX512;
    if (strcmp(value, "avx2") == 0) return ALBUM_ISA_AVX2;
    if (strcmp(value, "portable") == 0) return ALBUM_ISA_PORTABLE;
    return -1;
}

int album_isa_cap(void) {
    pthread_once(&cap_once, read_cap);
    return isa_cap;
}

const char *album_preferred_blas_coretype(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    int cap = album_isa_cap();
    if (cap == ALBUM_ISA_PORTABLE) return "Prescott";  // SSE3: no AVX at all, as a CPU without it runs
    if (cap >= ALBUM_ISA_AVX512 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return NULL;
}

void album_ensure_blas_coretype(char *const argv[]) {
    // oneDNN reads its cap at its first call: a capped run keeps its int8 GEMM below the cap too.
    const char *dnnl = getenv("DNNL_MAX_CPU_ISA");
    if (dnnl == NULL || dnnl[0] == 0) {
        if (album_isa_cap() == ALBUM_ISA_AVX2) setenv("DNNL_MAX_CPU_ISA", "AVX2", 1);
        if (album_isa_cap() == ALBUM_ISA_PORTABLE) setenv("DNNL_MAX_CPU_ISA", "SSE41", 1);
    }
    const char *current = getenv("OPENBLAS_CORETYPE");
    if (current != NULL && current[0] != 0) {
        if (getenv("ALBUM_BLAS_CORETYPE_SOURCE") == NULL) setenv("ALBUM_BLAS_CORETYPE_SOURCE", "user", 1);
        return;
    }
    const char *coretype = album_preferred_blas_coretype();
    if (coretype == NULL) {
        setenv("ALBUM_BLAS_CORETYPE_SOURCE", "openblas", 1);
        return;
    }
    setenv("OPENBLAS_CORETYPE", coretype, 1);
    setenv("ALBUM_BLAS_CORETYPE_SOURCE", "auto", 1);
    execv("/proc/self/exe", argv);
    // exec failed (no /proc?): carry on with OpenBLAS's own detection.
    unsetenv("OPENBLAS_CORETYPE");
    setenv("ALBUM_BLAS_CORETYPE_SOURCE", "openblas (re-exec failed)", 1);
}

const char *album_cpu_features(void) {
    static char buffer[160];
#if defined(__x86_64__)
    __builtin_cpu_init();
    buffer[0] = 0;
    const char *names[] = {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512vnni", "avx512bf16",
                           "avx2", "fma", "avx", "sse4.2"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int has = 0;
        switch (i) {
        case 0: has = __builtin_cpu_supports("avx512f"); break;
        case 1: has = __builtin_cpu_supports("avx512bw"); break;
        case 2: has = __builtin_cpu_supports("avx512vl"); break;
        case 3: has = __builtin_cpu_supports("avx512dq"); break;
        case 4: has = __builtin_cpu_supports("avx512vnni"); break;
        case 5: has = __builtin_cpu_supports("avx512bf16"); break;
        case 6: has = __builtin_cpu_supports("avx2"); break;
        case 7: has = __builtin_cpu_supports("fma"); break;
        case 8: has = __builtin_cpu_supports("avx"); break;
        case 9: has = __builtin_cpu_supports("sse4.2"); break;
        }
        if (has) {
            if (buffer[0]) strcat(buffer, " ");
            strcat(buffer, names[i]);
        }
    }
    return buffer;
#else
    return "non-x86";
#endif
}
