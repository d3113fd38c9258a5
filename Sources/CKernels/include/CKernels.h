// Album's C kernels: CPU feature detection, OpenBLAS core-type selection, and the element-wise hot loops
// (built with -O3 and per-CPU clones; Swift's default x86-64 target has no FMA).
#ifndef ALBUM_CKERNELS_H
#define ALBUM_CKERNELS_H

#include <stddef.h>

/// Best OpenBLAS core type for this CPU ("SkylakeX", "Haswell"), or NULL to leave OpenBLAS's own detection.
const char *album_preferred_blas_coretype(void);

/// If OPENBLAS_CORETYPE is unset, sets it to album_preferred_blas_coretype() and re-executes the current
/// program (OpenBLAS reads the variable only when it loads). Returns only when no re-exec happened.
/// Records the choice in ALBUM_BLAS_CORETYPE_SOURCE ("auto" or "user").
void album_ensure_blas_coretype(char *const argv[]);

/// Human-readable CPU feature summary, e.g. "avx512f avx2 fma".
const char *album_cpu_features(void);

#endif
