// Heap settings for tensor workloads. Call once at program start, before any tensor is allocated.
#pragma once

namespace disco {

// glibc serves allocations above 128 KiB with mmap and trims the top of the heap back to the OS on free, so
// a training or sampling loop whose activations are a few hundred KiB to a few MiB maps, faults in and unmaps
// the same memory on every step (18% of a toy2d training step in perf; bench/README.md). This raises the mmap
// threshold to 256 MiB and the trim threshold to 512 MiB, so freed tensor memory is reused in-process. Peak RSS
// of small models does not grow (the same blocks are reused). The 256 MiB covers the per-edge weight tensors of
// DiffDock-S-size docking training (about 90 MB per layer at batch 4): with 64 MiB, 20 training steps took 84.8 s
// with 42 s of system time; with 256 MiB 44.8 s and 5 s, the same losses, peak RSS 2.19 GB instead of 1.97 GB.
// No effect with a non-glibc allocator; set
// DISCO_KEEP_OS_MALLOC=1 to skip it (for comparisons). Returns whether the settings were applied.
bool tune_heap_for_tensors();

}  // namespace disco
