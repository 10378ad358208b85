// Internal to the reduction kernels: accumulator types, wrapping integer arithmetic and NaN-aware ordering.
#pragma once

#include <cmath>
#include <cstdint>
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

}  // namespace ember::kernels::cpu::detail
