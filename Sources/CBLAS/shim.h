// OpenBLAS CBLAS interface (Debian libopenblas-dev, pkg-config "openblas").
#include <cblas.h>
// Exported by OpenBLAS but not declared by every cblas.h version.
char *openblas_get_corename(void);
char *openblas_get_config(void);
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
