// The elementwise loop engine: walks N same-shaped strided operands, coalescing dims, in parallel chunks.
#pragma once

#include <array>
#include <cstdint>

#include "kernels/cpu/parallel.h"
#include "kernels/strided.h"

namespace ember::kernels::cpu {

inline constexpr int kMaxOperands = 4;
inline constexpr int64_t kGrainSize = 32768;

// Operands share `sizes`; strides are per operand, in bytes. Dims run outermost first.
struct LoopPlan {
  int nops = 0;
  std::array<char*, kMaxOperands> base{};
  DimVector sizes;
  std::array<DimVector, kMaxOperands> strides;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
  }
};

// Builds a plan from views that all have the same sizes (broadcasting is
// already expressed with zero strides). Drops size-1 dims and merges dims
// that are contiguous with each other in every operand.
inline LoopPlan make_loop_plan(const StridedView* const* views, int nops) {
  LoopPlan plan;
  plan.nops = nops;
  const auto& sizes = views[0]->sizes;
  for (int k = 0; k < nops; ++k) plan.base[k] = static_cast<char*>(views[k]->data);
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 1) continue;
    plan.sizes.push_back(sizes[d]);
    for (int k = 0; k < nops; ++k)
      plan.strides[k].push_back(views[k]->strides[d] * element_size(views[k]->dtype));
  }
  // Merge dim i into dim i+1 (inner) when stride[i] == stride[i+1] * size[i+1] everywhere.
  for (int i = int(plan.sizes.size()) - 2; i >= 0; --i) {
    bool mergeable = true;
    for (int k = 0; k < nops && mergeable; ++k)
      mergeable = plan.strides[k][i] == plan.strides[k][i + 1] * plan.sizes[i + 1];
    if (!mergeable) continue;
    plan.sizes[i + 1] *= plan.sizes[i];
    plan.sizes.erase(plan.sizes.begin() + i);
    for (int k = 0; k < nops; ++k) plan.strides[k].erase(plan.strides[k].begin() + i);
  }
  if (plan.sizes.empty()) {
    plan.sizes.push_back(1);
    for (int k = 0; k < nops; ++k) plan.strides[k].push_back(0);
  }
  return plan;
}

// Calls inner(ptrs, inner_strides, n) (ptrs must not be modified)  for runs of the innermost dim covering
// linear indices [begin, end) of the plan's iteration space.
template <typename Inner>
void run_loop_range(const LoopPlan& plan, int64_t begin, int64_t end, Inner& inner) {
  const int nd = int(plan.sizes.size());
  const int nops = plan.nops;
  int64_t index[64];  // only the first nd entries are used
  std::array<char*, kMaxOperands> ptrs = plan.base;
  int64_t rest = begin;
  for (int d = nd - 1; d >= 0; --d) {
    index[d] = rest % plan.sizes[d];
    rest /= plan.sizes[d];
    for (int k = 0; k < nops; ++k) ptrs[k] += index[d] * plan.strides[k][d];
  }
  std::array<int64_t, kMaxOperands> inner_strides{};
  for (int k = 0; k < nops; ++k) inner_strides[k] = plan.strides[k][nd - 1];
  const int64_t inner_size = plan.sizes[nd - 1];
  int64_t remaining = end - begin;
  while (remaining > 0) {
    const int64_t n = std::min(inner_size - index[nd - 1], remaining);
    inner(ptrs.data(), inner_strides.data(), n);
    remaining -= n;
    if (remaining == 0) break;
    // Back to the start of this row, then carry into the outer dims.
    for (int k = 0; k < nops; ++k) ptrs[k] -= index[nd - 1] * inner_strides[k];
    index[nd - 1] = 0;
    for (int d = nd - 2; d >= 0; --d) {
      ++index[d];
      for (int k = 0; k < nops; ++k) ptrs[k] += plan.strides[k][d];
      if (index[d] < plan.sizes[d]) break;
      for (int k = 0; k < nops; ++k) ptrs[k] -= index[d] * plan.strides[k][d];
      index[d] = 0;
    }
  }
}

// Runs `inner` over all elements, split across threads in linear-index chunks.
template <typename Inner>
void for_each_elementwise(const LoopPlan& plan, Inner inner, bool parallel = true) {
  const int64_t total = plan.numel();
  if (total == 0) return;
  if (!parallel || total < 2 * kGrainSize) {
    run_loop_range(plan, 0, total, inner);
    return;
  }
  parallel_for(total, kGrainSize, [&](int64_t b, int64_t e) {
    Inner local = inner;
    run_loop_range(plan, b, e, local);
  });
}

}  // namespace ember::kernels::cpu
