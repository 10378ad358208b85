// EMBER_ARG: a chained option setter and getter, as libtorch's TORCH_ARG (`LinearOptions(3, 4).bias(false)`).
#pragma once

#include <utility>

// `opts.name(value)` sets it and returns the options, `opts.name()` reads it. Follow the
// macro with the default value: `EMBER_ARG(double, p) = 0.5;`.
#define EMBER_ARG(T, name)                                 \
 public:                                                   \
  auto& name(const T& new_##name) {                        \
    this->name##_ = new_##name;                            \
    return *this;                                          \
  }                                                        \
  auto& name(T&& new_##name) {                             \
    this->name##_ = std::move(new_##name);                 \
    return *this;                                          \
  }                                                        \
  const T& name() const noexcept { return this->name##_; } \
  T& name() noexcept { return this->name##_; }             \
                                                           \
 private:                                                  \
  T name##_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "kernels/check.h"
#include "kernels/small_vector.h"

namespace ember::nn {

namespace detail {
[[noreturn]] void expanding_array_size_error(size_t expected, size_t given);
}  // namespace detail

// D sizes given either as one value for every dim (`3`) or one per dim (`{3, 5}`). It remembers which,
// because PyTorch's repr prints what was given (`kernel_size=2` vs `kernel_size=(2, 2)`).
template <size_t D>
class ExpandingArray {
 public:
  ExpandingArray(int64_t single) : single_(true) { values_.fill(single); }  // NOLINT
  ExpandingArray(std::initializer_list<int64_t> list) : ExpandingArray(std::vector<int64_t>(list)) {}  // NOLINT
  ExpandingArray(const std::vector<int64_t>& list) : ExpandingArray(IntArrayRef(list)) {}  // NOLINT
  ExpandingArray(IntArrayRef list) {  // NOLINT
    if (list.size() != D) detail::expanding_array_size_error(D, list.size());
    for (size_t i = 0; i < D; ++i) values_[i] = list[i];
  }
  const std::array<int64_t, D>& operator*() const { return values_; }
  IntArrayRef ref() const { return IntArrayRef(values_.data(), D); }
  int64_t operator[](size_t i) const { return values_[i]; }
  const int64_t* data() const { return values_.data(); }
  size_t size() const { return D; }
  operator IntArrayRef() const { return IntArrayRef(values_.data(), D); }  // NOLINT
  std::vector<int64_t> vec() const { return std::vector<int64_t>(values_.begin(), values_.end()); }
  // True when given as one value.
  bool is_single() const { return single_; }
  // Python's repr of what was given: "2" or "(2, 2)".
  std::string repr() const;
  // Always the tuple, as PyTorch's convolutions store it: "(2, 2)", "(3,)".
  std::string tuple_repr() const;
  bool all_equal(int64_t v) const {
    for (int64_t x : values_)
      if (x != v) return false;
    return true;
  }
  bool operator==(const ExpandingArray& o) const { return values_ == o.values_; }

 private:
  std::array<int64_t, D> values_{};
  bool single_ = false;
};

// ExpandingArray whose entries may be nullopt ("keep the input's size"), for adaptive pooling.
template <size_t D>
class ExpandingArrayWithOptional {
 public:
  ExpandingArrayWithOptional(int64_t value) { values_.fill(value); }                 // NOLINT
  ExpandingArrayWithOptional(std::initializer_list<std::optional<int64_t>> values);  // NOLINT
  ExpandingArrayWithOptional(const ExpandingArray<D>& values) {                      // NOLINT
    for (size_t i = 0; i < D; ++i) values_[i] = values[i];
  }
  const std::array<std::optional<int64_t>, D>& operator*() const { return values_; }
  const std::optional<int64_t>& operator[](size_t i) const { return values_[i]; }
  size_t size() const { return D; }

 private:
  std::array<std::optional<int64_t>, D> values_{};
};

namespace detail {
// Python reprs: True/False, floats as repr(float) ("1.0", "0.01", "1e-05"), tuples ("(3,)", "(2, 5)").
std::string repr_bool(bool b);
std::string repr_float(double v);
std::string repr_tuple(const std::vector<int64_t>& values);
}  // namespace detail

template <size_t D>
std::string ExpandingArray<D>::repr() const {
  return single_ ? std::to_string(values_[0]) : tuple_repr();
}
template <size_t D>
std::string ExpandingArray<D>::tuple_repr() const {
  return detail::repr_tuple(vec());
}

template <size_t D>
ExpandingArrayWithOptional<D>::ExpandingArrayWithOptional(std::initializer_list<std::optional<int64_t>> values) {
  if (values.size() != D) detail::expanding_array_size_error(D, values.size());
  size_t i = 0;
  for (const auto& v : values) values_[i++] = v;
}

}  // namespace ember::nn
