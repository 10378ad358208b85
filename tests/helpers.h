// Test helpers: build tensors from values and compare them with expected values as PyTorch prints them.
#pragma once

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "ember.h"

namespace ember::test {

// A tensor of `dtype` holding `values` (row-major) with the given sizes.
template <typename T = double>
Tensor make(std::vector<T> values, IntArrayRef sizes, ScalarType dtype = kFloat) {
  Tensor t = ember::empty(sizes, dtype);
  REQUIRE(int64_t(values.size()) == t.numel());
  Tensor src = ember::empty(sizes, scalar_type_of<T>);
  std::copy(values.begin(), values.end(), src.data_ptr<T>());
  t.copy_(src);
  return t;
}

// Values of `t` in row-major order as doubles.
inline std::vector<double> values(const Tensor& t) { return t.to_vector<double>(); }

inline std::vector<int64_t> shape(const Tensor& t) { return t.sizes().vec(); }

// The message of the ember::Error that `fn` throws ("" when it throws nothing).
template <typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const ember::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace ember::test

// CHECK that two vectors of doubles match elementwise within a tolerance.
#define CHECK_VALUES(actual, ...)                                                              \
  do {                                                                                          \
    const std::vector<double> ember_a = (actual);                                               \
    const std::vector<double> ember_e = __VA_ARGS__;                                            \
    REQUIRE(ember_a.size() == ember_e.size());                                                  \
    for (size_t ember_i = 0; ember_i < ember_a.size(); ++ember_i)                               \
      CHECK(ember_a[ember_i] == doctest::Approx(ember_e[ember_i]).epsilon(1e-6));               \
  } while (0)
