// Caching allocator: on these VMs the first touch of a fresh page costs ~10 us, so eager ops reuse freed blocks.
#include "eager/allocator.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "kernels/check.h"

namespace ember::cpu_allocator {
namespace {

constexpr size_t kAlignment = 64;
constexpr size_t kHugePage = size_t(2) << 20;
constexpr size_t kMaxCachedBytes = size_t(4) << 30;

// Size classes: multiples of 64 below 1 KiB, then four steps per power of two
// (at most 25% slack). Returns the rounded size.
size_t round_size(size_t n) {
  if (n <= 1024) return n == 0 ? kAlignment : (n + kAlignment - 1) / kAlignment * kAlignment;
  size_t pow2 = size_t(1) << (63 - __builtin_clzll(n - 1));  // largest power of two < n
  size_t step = pow2 / 4;
  return (n + step - 1) / step * step;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_blocks;  // by rounded size
  MemoryStats stats;
  int64_t cached_bytes = 0;
};

Cache& cache() {
  static Cache* instance = new Cache;  // never destroyed: tensors may outlive static teardown
  return *instance;
}

void* system_allocate(size_t rounded) {
  const size_t align = rounded >= kHugePage ? kHugePage : kAlignment;
  void* p = std::aligned_alloc(align, (rounded + align - 1) / align * align);
  if (p == nullptr) return nullptr;
  if (rounded >= kHugePage) madvise(p, rounded, MADV_HUGEPAGE);
  return p;
}

}  // namespace

void* allocate(size_t nbytes) {
  const size_t rounded = round_size(nbytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.stats.num_allocs++;
    c.stats.allocated += int64_t(rounded);
    if (c.stats.allocated > c.stats.peak_allocated) c.stats.peak_allocated = c.stats.allocated;
    auto it = c.free_blocks.find(rounded);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.cached_bytes -= int64_t(rounded);
      c.stats.num_cache_hits++;
      return p;
    }
    c.stats.reserved += int64_t(rounded);
  }
  void* p = system_allocate(rounded);
  if (p == nullptr) {
    empty_cache();
    p = system_allocate(rounded);
  }
  if (p == nullptr) {
    std::lock_guard<std::mutex> lock(c.mutex);
    c.stats.allocated -= int64_t(rounded);
    c.stats.reserved -= int64_t(rounded);
    EMBER_FAIL("[allocate] CPU out of memory: tried to allocate {} bytes. Free some tensors or reduce the batch size.", nbytes);
  }
  return p;
}

void deallocate(void* ptr, size_t nbytes) {
  if (ptr == nullptr) return;
  const size_t rounded = round_size(nbytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.stats.allocated -= int64_t(rounded);
  if (c.cached_bytes + int64_t(rounded) > int64_t(kMaxCachedBytes)) {
    c.stats.reserved -= int64_t(rounded);
    std::free(ptr);
    return;
  }
  c.free_blocks[rounded].push_back(ptr);
  c.cached_bytes += int64_t(rounded);
}

MemoryStats stats() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  return cache().stats;
}

void reset_peak_stats() {
  std::lock_guard<std::mutex> lock(cache().mutex);
  cache().stats.peak_allocated = cache().stats.allocated;
}

void empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  for (auto& [size, blocks] : c.free_blocks) {
    for (void* p : blocks) std::free(p);
    c.stats.reserved -= int64_t(size * blocks.size());
    blocks.clear();
  }
  c.cached_bytes = 0;
}

}  // namespace ember::cpu_allocator
