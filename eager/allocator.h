// The CPU caching allocator: size classes, reuse of freed blocks, huge pages for large blocks, PyTorch-style stats.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ember {

struct MemoryStats {
  int64_t allocated = 0;       // bytes in live blocks handed out
  int64_t reserved = 0;        // allocated + cached free blocks
  int64_t peak_allocated = 0;  // max of `allocated` since the last reset_peak_stats()
  int64_t num_allocs = 0;      // blocks handed out (cache hits included)
  int64_t num_cache_hits = 0;
};

namespace cpu_allocator {
// Blocks are 64-byte aligned; size 0 gives a valid unique pointer.
void* allocate(size_t nbytes);
void deallocate(void* ptr, size_t nbytes);
MemoryStats stats();
void reset_peak_stats();
// Returns cached free blocks to the system.
void empty_cache();
}  // namespace cpu_allocator

}  // namespace ember
