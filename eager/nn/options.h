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
