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

inline bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// ((i * 7 + seed) % 11 - 5) / 4 in row-major order: small exact values that
// scripts/golden/conv.py reproduces with its own pattern().
inline Tensor pattern(IntArrayRef sizes, int64_t seed = 0, ScalarType dtype = kFloat) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = double((i * 7 + seed) % 11 - 5) * 0.25;
  return make(v, sizes, dtype);
}

// CHECK that `actual` holds exactly `expected` (PyTorch's values, printed with full precision).
inline void check_exact(const std::vector<double>& actual, const std::vector<double>& expected) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("element ", i);
    CHECK(actual[i] == expected[i]);
  }
}
inline void check_exact(const Tensor& t, const std::vector<double>& expected) { check_exact(values(t), expected); }

// CHECK that each named op is registered with a meta rule, a CPU kernel and the given fusion class.
inline void check_registered(std::initializer_list<const char*> names, FusionClass fusion) {
  for (const char* name : names) {
    CAPTURE(name);
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE(op != nullptr);
    CHECK(bool(op->meta));
    CHECK(bool(op->cpu));
    CHECK(op->fusion == fusion);
  }
}

// The elements of `t` (row-major) at the given positions.
inline std::vector<double> pick(const Tensor& t, std::vector<size_t> indices) {
  const std::vector<double> v = values(t);
  std::vector<double> out;
  for (size_t i : indices) out.push_back(v.at(i));
  return out;
}

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
