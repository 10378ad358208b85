// EMBER_ARG: a chained option setter and getter, as libtorch's TORCH_ARG (`LinearOptions(3, 4).bias(false)`).
#pragma once

#define EMBER_ARG(T, name)                   \
 public:                                     \
  auto& name(const T& new_value) {           \
    this->name##_ = new_value;               \
    return *this;                            \
  }                                          \
  const T& name() const { return name##_; }  \
                                             \
 private:                                    \
  T name##_ /* NOLINT */
