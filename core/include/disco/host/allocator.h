// Heap settings for tensor workloads. Call once at program start, before any tensor is allocated.
#pragma once

namespace disco {

// glibc serves allocations above 128 KiB with mmap and trims the top of the heap back to the OS on free, so
// a training or sampling loop whose activations are a few hundred KiB to a few MiB maps, faults in and unmaps
// the same memory on every step. This raises the mmap threshold to 256 MiB and the trim threshold to 512 MiB,
// so freed tensor memory is reused in-process; 256 MiB covers the per-edge weight tensors of DiffDock-S-size
// docking training. The measurements behind both numbers are in bench/README.md. No effect with a non-glibc
// allocator; set DISCO_KEEP_OS_MALLOC=1 to skip it (for comparisons). Returns whether the settings were applied.
bool tune_heap_for_tensors();

}  // namespace disco
