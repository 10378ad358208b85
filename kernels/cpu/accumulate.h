// Internal to the reduction kernels: accumulator types, wrapping integer arithmetic, NaN-aware ordering
// and lane folds over contiguous runs.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/cpu/cast.h"

namespace ember::kernels::cpu::detail {

// Floating values accumulate in double, integers (and bools) in int64.
template <typename In>
using AccOf = std::conditional_t<is_float_like<In>, double, int64_t>;

// Integer accumulators wrap as two's complement, as PyTorch's do, instead of overflowing (undefined behaviour).
inline int64_t wrap_add(int64_t a, int64_t b) { return int64_t(uint64_t(a) + uint64_t(b)); }
inline int64_t wrap_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }
inline double wrap_add(double a, double b) { return a + b; }
inline double wrap_mul(double a, double b) { return a * b; }

template <typename A>
bool is_nan(A x) {
  if constexpr (std::is_floating_point_v<A>) return std::isnan(x);
  else return false;
}

// Whether x replaces the current extreme `best`: NaN beats everything but an earlier NaN.
template <bool IsMax, typename A>
bool beats(A x, A best) {
  if (is_nan(best)) return false;
  if (is_nan(x)) return true;
  return IsMax ? x > best : x < best;
}

// Ascending order with NaN after everything else (and equivalent to other NaNs), as PyTorch sorts.
template <typename K>
bool less_nan_last(K a, K b) {
  if (is_nan(a)) return false;
  return is_nan(b) || a < b;
}

// Folds a contiguous run through 8 independent lanes (which the compiler can vectorise), then the
// lanes in a fixed tree order. For `combine` associative up to rounding; deterministic either way.
template <typename Acc, typename In, typename Map, typename Combine>
Acc fold_lanes(const In* p, int64_t n, Acc identity, Map map, Combine combine) {
  Acc lanes[8] = {identity, identity, identity, identity, identity, identity, identity, identity};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) lanes[j] = combine(lanes[j], map(p[i + j]));
  Acc total = combine(combine(combine(lanes[0], lanes[1]), combine(lanes[2], lanes[3])),
                      combine(combine(lanes[4], lanes[5]), combine(lanes[6], lanes[7])));
  for (; i < n; ++i) total = combine(total, map(p[i]));
  return total;
}

// Runs of at least this many contiguous elements go through fold_lanes.
inline constexpr int64_t kMinLaneRun = 16;

// The extreme of two values with NaN winning (written as selects so that lanes vectorise).
template <bool IsMax, typename A>
A extreme(A a, A b) {
  if constexpr (std::is_floating_point_v<A>) {
    const A m = IsMax ? (b > a ? b : a) : (b < a ? b : a);
    return a != a ? a : (b != b ? b : m);
  } else {
    return IsMax ? (b > a ? b : a) : (b < a ? b : a);
  }
}

// The extreme of a contiguous run, NaN winning. Plain comparisons vectorise; a NaN, which they
// never pick, is looked for separately.
template <bool IsMax, typename A, typename In>
A run_extreme(const In* p, int64_t n, A identity) {
  auto ordered = [](A l, A r) { return IsMax ? (r > l ? r : l) : (r < l ? r : l); };
  const A m = fold_lanes(p, n, identity, [](In x) { return static_cast<A>(x); }, ordered);
  if constexpr (std::is_floating_point_v<A>) {
    const int64_t nans =
        fold_lanes(p, n, int64_t(0), [](In x) { return int64_t(x != x); }, [](int64_t l, int64_t r) { return l + r; });
    if (nans > 0) return std::numeric_limits<A>::quiet_NaN();
  }
  return m;
}

}  // namespace ember::kernels::cpu::detail
