// cast_to<T>(x): element conversion between ember dtypes without undefined behaviour.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "kernels/dtype.h"

namespace ember::kernels::cpu {

template <typename T>
inline constexpr bool is_float_like = std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                                      std::is_same_v<T, BFloat16>;

// Float to int64 the way x86's cvttsd2si does it: NaN and out-of-range give INT64_MIN.
inline int64_t float_to_int64(double x) {
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(x);
}

template <typename To, typename From>
inline To cast_to(From x) {
  if constexpr (std::is_same_v<To, From>) {
    return x;
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_float_like<From>) return static_cast<double>(x) != 0.0;  // NaN is true
    else return x != 0;
  } else if constexpr (std::is_same_v<From, Half> || std::is_same_v<From, BFloat16>) {
    return cast_to<To>(static_cast<float>(x));
  } else if constexpr (std::is_same_v<To, Half> || std::is_same_v<To, BFloat16>) {
    return To(static_cast<float>(x));
  } else if constexpr (std::is_integral_v<To> && std::is_floating_point_v<From>) {
    // Through int64, then wrap to the narrower type as PyTorch's x86 builds do.
    return static_cast<To>(static_cast<uint64_t>(float_to_int64(static_cast<double>(x))));
  } else if constexpr (std::is_integral_v<To> && std::is_integral_v<From>) {
    return static_cast<To>(static_cast<uint64_t>(static_cast<int64_t>(x)));
  } else {
    return static_cast<To>(x);
  }
}

}  // namespace ember::kernels::cpu
