// Scalar: a C++ number passed to an op (bool, integer or floating), "weak" in type promotion.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <type_traits>

#include "kernels/dtype.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : uint8_t { Bool, Int, Double };

  Scalar() : Scalar(int64_t(0)) {}
  Scalar(bool v) : kind_(Kind::Bool), i_(v) {}  // NOLINT
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Scalar(T v) : kind_(Kind::Int), i_(static_cast<int64_t>(v)) {}  // NOLINT
  template <typename T, std::enable_if_t<std::is_floating_point_v<T>, int> = 0>
  Scalar(T v) : kind_(Kind::Double), d_(static_cast<double>(v)) {}  // NOLINT
  Scalar(Half v) : Scalar(static_cast<float>(v)) {}      // NOLINT
  Scalar(BFloat16 v) : Scalar(static_cast<float>(v)) {}  // NOLINT

  Kind kind() const { return kind_; }
  bool isBoolean() const { return kind_ == Kind::Bool; }
  bool isIntegral(bool include_bool) const { return kind_ == Kind::Int || (include_bool && isBoolean()); }
  bool isFloatingPoint() const { return kind_ == Kind::Double; }

  double toDouble() const { return kind_ == Kind::Double ? d_ : static_cast<double>(i_); }
  int64_t toLong() const;  // floating values truncate (NaN/out of range: INT64_MIN, like x86)
  bool toBool() const { return kind_ == Kind::Double ? d_ != 0 : i_ != 0; }
  template <typename T> T to() const;

  // The dtype PyTorch gives this scalar on its own: Bool, Long or Double.
  ScalarType type() const {
    return kind_ == Kind::Bool ? ScalarType::Bool : kind_ == Kind::Int ? ScalarType::Long : ScalarType::Double;
  }
  Scalar operator-() const;
  bool equal(const Scalar& other) const;

 private:
  Kind kind_;
  union {
    int64_t i_;
    double d_;
  };
};

template <> inline double Scalar::to<double>() const { return toDouble(); }
template <> inline float Scalar::to<float>() const { return static_cast<float>(toDouble()); }
template <> inline int64_t Scalar::to<int64_t>() const { return toLong(); }
template <> inline int32_t Scalar::to<int32_t>() const { return static_cast<int32_t>(toLong()); }
template <> inline bool Scalar::to<bool>() const { return toBool(); }

std::ostream& operator<<(std::ostream& os, const Scalar& s);

}  // namespace ember
