// A small fixed thread pool and parallel_for over an index range, with PyTorch's set/get_num_threads.
#pragma once

#include <cstdint>
#include <functional>

namespace ember::kernels::cpu {

int get_num_threads();
void set_num_threads(int n);  // n >= 1

// Runs fn(begin, end) over disjoint chunks covering [0, total). Chunks are at
// least `grain` long; below 2 * grain everything runs on the calling thread.
// Nested calls run serially.
void parallel_for(int64_t total, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

}  // namespace ember::kernels::cpu
