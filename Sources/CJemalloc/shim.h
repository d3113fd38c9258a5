// jemalloc (Debian libjemalloc-dev). Linking it into the executables replaces malloc/free process-wide;
// calling mallctl keeps the linker from dropping the library under --as-needed.
#include <jemalloc/jemalloc.h>
