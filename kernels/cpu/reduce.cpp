// Reductions: one engine walks each output's reduced elements in a fixed order, and a small reducer per op
// (identity, step, merge, result) says what to do with them; results are identical for any thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/accumulate.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/loops.h"

namespace ember::kernels::cpu {
namespace {

using detail::AccOf;
using detail::beats;
using detail::extreme;
using detail::fold_lanes;
using detail::kMinLaneRun;
using detail::run_extreme;
using detail::wrap_add;
using detail::wrap_mul;

// Full reductions are split into fixed-size chunks whose partial results are merged in
// order, so the result does not depend on how many threads ran them.
constexpr int64_t kReduceChunk = 1 << 16;
// Outputs walked together when the kept dims are the fast ones in memory.
constexpr int64_t kOutputBlock = 1024;
constexpr int kMaxDims = 64;

// ---- geometry ----

// The input split into kept dims (which index the outputs, row-major) and reduced dims
// (coalesced where contiguous, which keeps the row-major order of reduced positions).
struct Geometry {
  DimVector kept_dims, kept_sizes, kept_strides;  // strides of the input, in elements
  DimVector red_sizes, red_strides;
  int64_t num_out = 1, num_red = 1;
};

Geometry make_geometry(const StridedView& out, const StridedView& in) {
  Geometry g;
  for (int64_t d = 0; d < in.ndim(); ++d) {
    const int64_t size = in.sizes[d];
    if (out.strides[d] == 0 && size != 1) {
      if (!g.red_sizes.empty() && g.red_strides.back() == in.strides[d] * size) {
        g.red_sizes.back() *= size;
        g.red_strides.back() = in.strides[d];
      } else {
        g.red_sizes.push_back(size);
        g.red_strides.push_back(in.strides[d]);
      }
      g.num_red *= size;
    } else if (size != 1) {
      g.kept_dims.push_back(d);
      g.kept_sizes.push_back(size);
      g.kept_strides.push_back(in.strides[d]);
      g.num_out *= size;
    }
  }
  if (g.red_sizes.empty()) {
    g.red_sizes.push_back(1);
    g.red_strides.push_back(0);
  }
  return g;
}

// Offset (in elements) of output `o` in a view whose kept dims have `strides`.
int64_t kept_offset(const Geometry& g, int64_t o, const DimVector& strides) {
  int64_t offset = 0;
  for (int64_t i = int64_t(g.kept_sizes.size()) - 1; i >= 0; --i) {
    offset += (o % g.kept_sizes[i]) * strides[i];
    o /= g.kept_sizes[i];
  }
  return offset;
}

// Calls fn(offset, stride, n, first_index) for runs along the innermost reduced dim that cover
// reduced positions [begin, end), in order.
template <typename Fn>
void for_each_reduced_run(const Geometry& g, int64_t begin, int64_t end, Fn&& fn) {
  const int nd = int(g.red_sizes.size());
  int64_t index[kMaxDims];
  int64_t offset = 0, rest = begin;
  for (int d = nd - 1; d >= 0; --d) {
    index[d] = rest % g.red_sizes[d];
    rest /= g.red_sizes[d];
    offset += index[d] * g.red_strides[d];
  }
  const int64_t inner = g.red_sizes[nd - 1], inner_stride = g.red_strides[nd - 1];
  int64_t pos = begin;
  while (pos < end) {
    const int64_t n = std::min(inner - index[nd - 1], end - pos);
    fn(offset, inner_stride, n, pos);
    pos += n;
    if (pos == end) break;
    offset -= index[nd - 1] * inner_stride;
    index[nd - 1] = 0;
    for (int d = nd - 2; d >= 0; --d) {
      ++index[d];
      offset += g.red_strides[d];
      if (index[d] < g.red_sizes[d]) break;
      offset -= index[d] * g.red_strides[d];
      index[d] = 0;
    }
  }
}

// ---- the engine ----

// Steps over n elements p[0], p[stride], ... whose reduced positions start at index0.
template <typename R, typename In>
void reduce_run(const R& r, typename R::Acc& acc, const In* p, int64_t stride, int64_t n, int64_t index0) {
  if constexpr (requires { r.run(acc, p, stride, n, index0); }) {
    r.run(acc, p, stride, n, index0);
  } else {
    for (int64_t i = 0; i < n; ++i) r.step(acc, p[i * stride], index0 + i);
  }
}

// One accumulator per output (row-major over the kept dims). Each output's elements are
// consumed in the order of their reduced positions; only full reductions are split, into
// fixed chunks merged in order.
template <typename In, typename R>
std::vector<typename R::Acc> accumulate(const Geometry& g, const In* data, const R& r) {
  using Acc = typename R::Acc;
  std::vector<Acc> acc(size_t(g.num_out), r.identity());
  if (g.num_out == 0 || g.num_red == 0) return acc;

  if (g.num_out == 1) {
    const int64_t chunks = (g.num_red + kReduceChunk - 1) / kReduceChunk;
    std::vector<Acc> partial(size_t(chunks), r.identity());
    parallel_for(chunks, 1, [&](int64_t b, int64_t e) {
      for (int64_t c = b; c < e; ++c)
        for_each_reduced_run(g, c * kReduceChunk, std::min(g.num_red, (c + 1) * kReduceChunk),
                             [&](int64_t off, int64_t st, int64_t n, int64_t i0) {
                               reduce_run(r, partial[size_t(c)], data + off, st, n, i0);
                             });
    });
    for (const Acc& p : partial) r.merge(acc[0], p);
    return acc;
  }

  const int64_t inner_kept_stride = g.kept_strides.back();
  const bool kept_inner_is_fastest = std::abs(inner_kept_stride) < std::abs(g.red_strides.back()) || g.num_red == 1;
  if (!kept_inner_is_fastest) {
    // Output by output: each walks its reduced elements.
    parallel_for(g.num_out, std::max<int64_t>(1, kGrainSize / g.num_red), [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const In* base = data + kept_offset(g, o, g.kept_strides);
        for_each_reduced_run(g, 0, g.num_red, [&](int64_t off, int64_t st, int64_t n, int64_t i0) {
          reduce_run(r, acc[size_t(o)], base + off, st, n, i0);
        });
      }
    });
    return acc;
  }

  // Reduced positions outer, a block of outputs along the innermost kept dim inner: reads
  // memory in order and still gives each output its elements in reduced order.
  const int64_t inner = g.kept_sizes.back(), outer = g.num_out / inner;
  const int64_t blocks = (inner + kOutputBlock - 1) / kOutputBlock;
  const int64_t work_per_task = g.num_red * std::min(inner, kOutputBlock);
  parallel_for(outer * blocks, std::max<int64_t>(1, kGrainSize / work_per_task), [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t row = t / blocks, j0 = (t % blocks) * kOutputBlock, j1 = std::min(inner, j0 + kOutputBlock);
      const In* base = data + kept_offset(g, row * inner, g.kept_strides);
      Acc* acc_row = acc.data() + row * inner;
      for_each_reduced_run(g, 0, g.num_red, [&](int64_t off, int64_t st, int64_t n, int64_t i0) {
        for (int64_t i = 0; i < n; ++i) {
          const In* p = base + off + i * st;
          for (int64_t j = j0; j < j1; ++j) r.step(acc_row[j], p[j * inner_kept_stride], i0 + i);
        }
      });
    }
  });
  return acc;
}

// Calls fn(acc, ptrs) for every output with pointers into each view (null where a view has no data).
template <typename Acc, typename Fn>
void for_each_output(const Geometry& g, const std::vector<Acc>& acc, std::initializer_list<const StridedView*> views,
                     Fn fn) {
  const int nviews = int(views.size());
  std::array<char*, 2> base{};
  std::array<DimVector, 2> strides;
  std::array<int64_t, 2> elem{};
  int k = 0;
  for (const StridedView* v : views) {
    base[k] = static_cast<char*>(v->data);
    elem[k] = element_size(v->dtype);
    if (base[k])
      for (int64_t d : g.kept_dims) strides[k].push_back(v->strides[d]);
    ++k;
  }
  parallel_for(g.num_out, kGrainSize, [&](int64_t b, int64_t e) {
    std::array<char*, 2> ptrs{};
    for (int64_t o = b; o < e; ++o) {
      for (int i = 0; i < nviews; ++i)
        ptrs[i] = base[i] ? base[i] + kept_offset(g, o, strides[i]) * elem[i] : nullptr;
      fn(acc[size_t(o)], ptrs);
    }
  });
}

template <typename V>
void store_as(char* p, ScalarType dtype, V v) {
  visit_dtype(dtype, [&]<typename O>() { *reinterpret_cast<O*>(p) = cast_to<O>(v); });
}

// Runs reducer `r` over `in` into `out` (one output view).
template <typename In, typename R>
void reduce_into(const StridedView& out, const StridedView& in, const R& r) {
  const Geometry g = make_geometry(out, in);
  const auto acc = accumulate(g, static_cast<const In*>(in.data), r);
  for_each_output(g, acc, {&out}, [&](const typename R::Acc& a, const std::array<char*, 2>& p) {
    store_as(p[0], out.dtype, r.result(a, g.num_red));
  });
}

// ---- reducers ----
// identity(): the accumulator before any element; step(acc, x, index): consume one element;
// merge(a, b): a followed by b; result(acc, count): the value written out.

template <typename A>
struct SumReducer {
  using Acc = A;
  double scale = 1.0;
  Acc identity() const { return Acc(0); }
  template <typename In>
  void step(Acc& a, In x, int64_t) const { a = wrap_add(a, static_cast<Acc>(x)); }
  template <typename In>
  void run(Acc& a, const In* p, int64_t stride, int64_t n, int64_t index0) const {
    if (stride != 1 || n < kMinLaneRun) {
      for (int64_t i = 0; i < n; ++i) step(a, p[i * stride], index0 + i);
      return;
    }
    a = wrap_add(a, fold_lanes(p, n, Acc(0), [](In x) { return static_cast<Acc>(x); },
                               [](Acc l, Acc r) { return wrap_add(l, r); }));
  }
  void merge(Acc& a, const Acc& b) const { a = wrap_add(a, b); }
  Acc result(const Acc& a, int64_t) const {
    if (scale == 1.0) return a;
    return static_cast<Acc>(static_cast<double>(a) * scale);
  }
};

template <typename A>
struct ProdReducer {
  using Acc = A;
  Acc identity() const { return Acc(1); }
  template <typename In>
  void step(Acc& a, In x, int64_t) const { a = wrap_mul(a, static_cast<Acc>(x)); }
  void merge(Acc& a, const Acc& b) const { a = wrap_mul(a, b); }
  Acc result(const Acc& a, int64_t) const { return a; }
};

template <bool IsMax, typename A>
struct ExtremeReducer {
  using Acc = A;
  Acc identity() const {
    if constexpr (std::is_floating_point_v<A>)
      return IsMax ? -std::numeric_limits<A>::infinity() : std::numeric_limits<A>::infinity();
    else return IsMax ? std::numeric_limits<A>::lowest() : std::numeric_limits<A>::max();
  }
  template <typename In>
  void step(Acc& a, In x, int64_t) const { a = extreme<IsMax>(a, static_cast<Acc>(x)); }
  template <typename In>
  void run(Acc& a, const In* p, int64_t stride, int64_t n, int64_t index0) const {
    if (stride != 1 || n < kMinLaneRun) {
      for (int64_t i = 0; i < n; ++i) step(a, p[i * stride], index0 + i);
      return;
    }
    a = extreme<IsMax>(a, run_extreme<IsMax>(p, n, identity()));
  }
  void merge(Acc& a, const Acc& b) const { a = extreme<IsMax>(a, b); }
  Acc result(const Acc& a, int64_t) const { return a; }
};

template <typename A>
struct ValueIndex {
  A value{};
  int64_t index = -1;  // -1: no element yet
};

// Ties keep the earlier element: a later one replaces it only when strictly better.
template <bool IsMax, typename A>
struct ArgExtremeReducer {
  using Acc = ValueIndex<A>;
  Acc identity() const { return {}; }
  template <typename In>
  void step(Acc& a, In x, int64_t index) const {
    const A v = static_cast<A>(x);
    if (a.index < 0 || beats<IsMax>(v, a.value)) a = {v, index};
  }
  void merge(Acc& a, const Acc& b) const {
    if (b.index >= 0 && (a.index < 0 || beats<IsMax>(b.value, a.value))) a = b;
  }
};

template <bool IsAll>
struct LogicalReducer {
  using Acc = uint8_t;  // not bool: std::vector<bool> packs bits, which threads cannot write apart
  Acc identity() const { return IsAll; }
  template <typename In>
  void step(Acc& a, In x, int64_t) const {
    const bool b = cast_to<bool>(x);
    a = IsAll ? (a && b) : (a || b);
  }
  void merge(Acc& a, const Acc& b) const { a = IsAll ? (a && b) : (a || b); }
  bool result(const Acc& a, int64_t) const { return a != 0; }
};

// ---- norms (floating inputs, double accumulators); reducing nothing gives 0 ----

enum class NormKind { Count, AbsSum, SquareSum, MaxAbs, MinAbs, Power };

template <NormKind K>
struct NormReducer {
  using Acc = double;
  double p = 2.0;
  Acc identity() const { return K == NormKind::MinAbs ? std::numeric_limits<double>::infinity() : 0.0; }
  // What one element contributes.
  double map(double v) const {
    if constexpr (K == NormKind::Count) return v != 0.0 ? 1.0 : 0.0;  // NaN counts as nonzero
    else if constexpr (K == NormKind::SquareSum) return v * v;
    else if constexpr (K == NormKind::Power) return std::pow(std::fabs(v), p);
    else return std::fabs(v);
  }
  static double combine(double a, double b) {
    if constexpr (K == NormKind::MaxAbs) return extreme<true>(a, b);
    else if constexpr (K == NormKind::MinAbs) return extreme<false>(a, b);
    else return a + b;
  }
  template <typename In>
  void step(Acc& a, In x, int64_t) const { a = combine(a, map(static_cast<double>(x))); }
  template <typename In>
  void run(Acc& a, const In* p, int64_t stride, int64_t n, int64_t index0) const {
    if (stride != 1 || n < kMinLaneRun) {
      for (int64_t i = 0; i < n; ++i) step(a, p[i * stride], index0 + i);
      return;
    }
    a = combine(a, fold_lanes(p, n, identity(), [this](In x) { return map(static_cast<double>(x)); }, combine));
  }
  void merge(Acc& a, const Acc& b) const { a = combine(a, b); }
  double result(const Acc& a, int64_t count) const {
    if (count == 0) return 0.0;
    if constexpr (K == NormKind::SquareSum) return std::sqrt(a);
    else if constexpr (K == NormKind::Power) return std::pow(a, 1.0 / p);
    else return a;
  }
};

// Streaming log-sum-exp: the running max and the sum of exp(x - max), rescaled when the max grows.
struct LogSumExpReducer {
  struct Acc {
    double max = -std::numeric_limits<double>::infinity();
    double sum = 0.0;
  };
  static constexpr double kInf = std::numeric_limits<double>::infinity();
  Acc identity() const { return {}; }
  template <typename In>
  void step(Acc& a, In x, int64_t) const { merge(a, Acc{static_cast<double>(x), 1.0}); }
  // A contiguous run in two passes: its max, then the sum of exp(x - max), merged as one.
  template <typename In>
  void run(Acc& a, const In* p, int64_t stride, int64_t n, int64_t index0) const {
    const double max = stride == 1 && n >= kMinLaneRun ? run_extreme<true>(p, n, -kInf) : kInf;
    if (!std::isfinite(max)) {  // infinities and NaN take the careful path
      for (int64_t i = 0; i < n; ++i) step(a, p[i * stride], index0 + i);
      return;
    }
    // exp in the input's precision (float for 16-bit types), the sum in double.
    using C = std::conditional_t<std::is_same_v<In, double>, double, float>;
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(static_cast<C>(static_cast<double>(p[i]) - max));
    merge(a, Acc{max, sum});
  }
  void merge(Acc& a, const Acc& b) const {
    if (std::isnan(a.max) || b.max == -kInf) return;
    if (std::isnan(b.max) || a.max == -kInf) {
      a = b;
    } else if (a.max == kInf || b.max == kInf) {
      a.max = kInf;  // the result is +inf whatever else is in the row
    } else if (b.max > a.max) {
      a.sum = a.sum * std::exp(a.max - b.max) + b.sum;
      a.max = b.max;
    } else {
      a.sum += b.sum * std::exp(b.max - a.max);
    }
  }
  double result(const Acc& a, int64_t) const {
    if (std::isnan(a.max) || std::isinf(a.max)) return a.max;
    return a.max + std::log(a.sum);
  }
};

// Welford's running mean and sum of squared deviations; merge is Chan's parallel update.
struct MomentsReducer {
  struct Acc {
    double mean = 0.0, m2 = 0.0;
    int64_t n = 0;
  };
  double correction = 1.0;
  Acc identity() const { return {}; }
  template <typename In>
  void step(Acc& a, In x, int64_t) const {
    const double v = static_cast<double>(x);
    ++a.n;
    const double delta = v - a.mean;
    a.mean += delta / double(a.n);
    a.m2 += delta * (v - a.mean);
  }
  // A contiguous run in two passes (its mean, then squared deviations from it), merged as one.
  template <typename In>
  void run(Acc& a, const In* p, int64_t stride, int64_t n, int64_t index0) const {
    if (stride != 1 || n < kMinLaneRun) {
      for (int64_t i = 0; i < n; ++i) step(a, p[i * stride], index0 + i);
      return;
    }
    auto add = [](double l, double r) { return l + r; };
    const double mean = fold_lanes(p, n, 0.0, [](In x) { return static_cast<double>(x); }, add) / double(n);
    const double m2 = fold_lanes(p, n, 0.0, [mean](In x) {
      const double d = static_cast<double>(x) - mean;
      return d * d;
    }, add);
    merge(a, Acc{mean, m2, n});
  }
  void merge(Acc& a, const Acc& b) const {
    if (b.n == 0) return;
    if (a.n == 0) {
      a = b;
      return;
    }
    const double n = double(a.n + b.n), delta = b.mean - a.mean;
    a.mean += delta * double(b.n) / n;
    a.m2 += b.m2 + delta * delta * double(a.n) * double(b.n) / n;
    a.n += b.n;
  }
  double variance(const Acc& a) const { return a.m2 / std::max(0.0, double(a.n) - correction); }
  double mean(const Acc& a) const { return a.n == 0 ? std::numeric_limits<double>::quiet_NaN() : a.mean; }
};

template <typename In, NormKind K>
void norm_into(const StridedView& out, const StridedView& in, double p) {
  reduce_into<In>(out, in, NormReducer<K>{p});
}

template <typename In>
void norm_typed(const StridedView& out, const StridedView& in, double p) {
  if (p == 0.0) norm_into<In, NormKind::Count>(out, in, p);
  else if (p == 1.0) norm_into<In, NormKind::AbsSum>(out, in, p);
  else if (p == 2.0) norm_into<In, NormKind::SquareSum>(out, in, p);
  else if (std::isinf(p) && p > 0) norm_into<In, NormKind::MaxAbs>(out, in, p);
  else if (std::isinf(p)) norm_into<In, NormKind::MinAbs>(out, in, p);
  else norm_into<In, NormKind::Power>(out, in, p);
}

}  // namespace

void reduce(ReduceOp op, const StridedView& out, const StridedView& in, const ReduceArgs& args) {
  visit_dtype(in.dtype, [&]<typename In>() {
    using A = AccOf<In>;
    switch (op) {
      case ReduceOp::Sum: return reduce_into<In>(out, in, SumReducer<A>{args.scale});
      case ReduceOp::Prod: return reduce_into<In>(out, in, ProdReducer<A>{});
      case ReduceOp::Max: return reduce_into<In>(out, in, ExtremeReducer<true, A>{});
      case ReduceOp::Min: return reduce_into<In>(out, in, ExtremeReducer<false, A>{});
      case ReduceOp::All: return reduce_into<In>(out, in, LogicalReducer<true>{});
      case ReduceOp::Any: return reduce_into<In>(out, in, LogicalReducer<false>{});
      default: break;
    }
    if constexpr (is_float_like<In>) {
      switch (op) {
        case ReduceOp::Norm: return norm_typed<In>(out, in, args.p);
        case ReduceOp::LogSumExp: return reduce_into<In>(out, in, LogSumExpReducer{});
        case ReduceOp::Var:
        case ReduceOp::Std: {
          const bool take_sqrt = op == ReduceOp::Std;
          const MomentsReducer r{args.correction};
          const Geometry g = make_geometry(out, in);
          const auto acc = accumulate(g, static_cast<const In*>(in.data), r);
          for_each_output(g, acc, {&out}, [&](const MomentsReducer::Acc& a, const std::array<char*, 2>& p) {
            const double v = r.variance(a);
            store_as(p[0], out.dtype, take_sqrt ? std::sqrt(v) : v);
          });
          return;
        }
        default: break;
      }
    }
    EMBER_FAIL("[reduce] internal: reduction {} is not defined for dtype {}", int(op), int(in.dtype));
  });
}

void reduce_with_indices(ReduceOp op, const StridedView& values, const StridedView& indices, const StridedView& in) {
  EMBER_CHECK(op == ReduceOp::Max || op == ReduceOp::Min, "[reduce_with_indices] internal: expected Max or Min");
  visit_dtype(in.dtype, [&]<typename In>() {
    using A = AccOf<In>;
    auto run = [&](const auto& r) {
      const Geometry g = make_geometry(indices, in);
      const auto acc = accumulate(g, static_cast<const In*>(in.data), r);
      for_each_output(g, acc, {&values, &indices}, [&](const auto& a, const std::array<char*, 2>& p) {
        if (p[0]) store_as(p[0], values.dtype, a.value);
        *reinterpret_cast<int64_t*>(p[1]) = a.index;
      });
    };
    if (op == ReduceOp::Max) run(ArgExtremeReducer<true, A>{});
    else run(ArgExtremeReducer<false, A>{});
  });
}

void var_mean(const StridedView& var, const StridedView& mean, const StridedView& in, double correction,
              bool take_sqrt) {
  visit_dtype(in.dtype, [&]<typename In>() {
    if constexpr (is_float_like<In>) {
      const MomentsReducer r{correction};
      const Geometry g = make_geometry(var, in);
      const auto acc = accumulate(g, static_cast<const In*>(in.data), r);
      for_each_output(g, acc, {&var, &mean}, [&](const MomentsReducer::Acc& a, const std::array<char*, 2>& p) {
        const double v = r.variance(a);
        store_as(p[0], var.dtype, take_sqrt ? std::sqrt(v) : v);
        store_as(p[1], mean.dtype, r.mean(a));
      });
    } else {
      EMBER_FAIL("[var_mean] internal: expected a floating input");
    }
  });
}

void sum(const StridedView& out, const StridedView& in, double scale) {
  reduce(ReduceOp::Sum, out, in, ReduceArgs{scale});
}

}  // namespace ember::kernels::cpu
