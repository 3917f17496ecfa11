#include "disco/host/allocator.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace disco {

bool tune_heap_for_tensors() {
  const char* opt_out = std::getenv("DISCO_KEEP_OS_MALLOC");
  if (opt_out && *opt_out && std::strcmp(opt_out, "0") != 0) return false;
#if defined(__GLIBC__)
  // Setting M_MMAP_THRESHOLD also turns off glibc's dynamic threshold; both calls return 1 on success.
  const bool mmap_ok = mallopt(M_MMAP_THRESHOLD, 256 << 20) == 1;
  const bool trim_ok = mallopt(M_TRIM_THRESHOLD, 512 << 20) == 1;
  return mmap_ok && trim_ok;
#else
  return false;
#endif
}

}  // namespace disco
