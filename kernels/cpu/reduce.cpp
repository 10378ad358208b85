// Reduction kernels: sum (and mean through `scale`), accumulated in a wide type, deterministic for any thread count.
#include <type_traits>
#include <vector>

#include "kernels/cpu/cast.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/loops.h"

namespace ember::kernels::cpu {
namespace {

// Full reductions are split into fixed-size chunks whose partial sums are added in
// order, so the result does not depend on how many threads ran them.
constexpr int64_t kReduceChunk = 1 << 16;

template <typename Acc, typename In>
struct SumInner {
  void operator()(char* const* p, const int64_t* s, int64_t n) const {
    if (s[0] == 0) {
      // Reducing along the inner dim: independent lanes let the compiler vectorise.
      Acc lanes[8] = {};
      int64_t i = 0;
      if (s[1] == sizeof(In)) {
        const In* x = reinterpret_cast<const In*>(p[1]);
        for (; i + 8 <= n; i += 8)
          for (int j = 0; j < 8; ++j) lanes[j] += static_cast<Acc>(x[i + j]);
      }
      Acc total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
      for (; i < n; ++i) total += static_cast<Acc>(*reinterpret_cast<const In*>(p[1] + i * s[1]));
      *reinterpret_cast<Acc*>(p[0]) += total;
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<Acc*>(p[0] + i * s[0]) += static_cast<Acc>(*reinterpret_cast<const In*>(p[1] + i * s[1]));
  }
};

template <typename Acc, typename In>
void sum_typed(const StridedView& out, const StridedView& in, double scale) {
  // Accumulator laid out contiguously over the kept dims.
  const int64_t nd = in.ndim();
  StridedView acc_view{nullptr, scalar_type_of<Acc>, in.sizes, DimVector(size_t(nd), 0)};
  DimVector kept_sizes, kept_out_strides, kept_acc_strides;
  int64_t acc_numel = 1;
  for (int64_t d = nd - 1; d >= 0; --d) {
    if (out.strides[d] == 0 && in.sizes[d] != 1) continue;
    acc_view.strides[d] = acc_numel;
    acc_numel *= in.sizes[d];
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (out.strides[d] == 0 && in.sizes[d] != 1) continue;
    kept_sizes.push_back(in.sizes[d]);
    kept_out_strides.push_back(out.strides[d]);
    kept_acc_strides.push_back(acc_view.strides[d]);
  }
  std::vector<Acc> acc(size_t(acc_numel), Acc(0));
  acc_view.data = acc.data();

  const StridedView* views[] = {&acc_view, &in};
  LoopPlan plan = make_loop_plan(views, 2);
  const int64_t total = plan.numel();
  bool all_reduced = true;
  for (int64_t s : plan.strides[0]) all_reduced = all_reduced && s == 0;

  if (total > 0 && all_reduced && total > kReduceChunk) {
    const int64_t chunks = (total + kReduceChunk - 1) / kReduceChunk;
    std::vector<Acc> partial(size_t(chunks), Acc(0));
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c) {
        LoopPlan local = plan;
        local.base[0] = reinterpret_cast<char*>(&partial[size_t(c)]);
        SumInner<Acc, In> inner;
        run_loop_range(local, c * kReduceChunk, std::min(total, (c + 1) * kReduceChunk), inner);
      }
    });
    for (Acc v : partial) acc[0] += v;
  } else if (total > 0 && plan.strides[0][0] != 0 && plan.sizes.size() > 1) {
    // Outermost dim is kept: chunks of it write disjoint outputs.
    const int64_t outer = plan.sizes[0], row = total / outer;
    parallel_for(outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(row, 1)), [&](int64_t b, int64_t e) {
      SumInner<Acc, In> inner;
      run_loop_range(plan, b * row, e * row, inner);
    });
  } else if (total > 0) {
    SumInner<Acc, In> inner;
    run_loop_range(plan, 0, total, inner);
  }

  // Write acc * scale into out's kept positions.
  StridedView out_kept{out.data, out.dtype, kept_sizes, kept_out_strides};
  StridedView acc_kept{acc.data(), acc_view.dtype, kept_sizes, kept_acc_strides};
  if (scale != 1.0) {
    for (auto& v : acc) v = static_cast<Acc>(static_cast<double>(v) * scale);
  }
  copy(out_kept, acc_kept);
}

}  // namespace

void sum(const StridedView& out, const StridedView& in, double scale) {
  visit_dtype(in.dtype, [&]<typename In>() {
    if constexpr (is_float_like<In>) sum_typed<double, In>(out, in, scale);
    else sum_typed<int64_t, In>(out, in, scale);
  });
}

}  // namespace ember::kernels::cpu
