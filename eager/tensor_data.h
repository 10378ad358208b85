// Tensor literals as in libtorch: ember::tensor({{1, 2}, {3, 4}}), tensor(3.5), tensor(std::vector<float>{...}).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <type_traits>
#include <vector>

#include "eager/tensor.h"

namespace ember {
namespace detail {

// The C++ element type's dtype before literal rules apply (int -> Int, double -> Double, ...).
template <typename T>
constexpr ScalarType literal_scalar_type() {
  if constexpr (std::is_same_v<T, bool>) return kBool;
  else if constexpr (std::is_same_v<T, Half>) return kHalf;
  else if constexpr (std::is_same_v<T, BFloat16>) return kBFloat16;
  else if constexpr (std::is_floating_point_v<T>) return sizeof(T) == 4 ? kFloat : kDouble;
  else if constexpr (sizeof(T) == 1) return std::is_signed_v<T> ? kChar : kByte;
  else if constexpr (sizeof(T) == 2 && std::is_signed_v<T>) return kShort;
  else if constexpr (sizeof(T) == 2 || (sizeof(T) == 4 && std::is_signed_v<T>)) return kInt;
  else return kLong;  // 64-bit integers, and unsigned ones that only fit there
}

template <typename T>
inline constexpr bool is_literal_element =
    std::is_arithmetic_v<T> || std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;

// What a tensor literal holds: a scalar, a (nested) braced list, or a typed array, with the sizes
// and element type inferred from it (libtorch's TensorDataContainer).
class TensorDataContainer {
 public:
  // `{}`: a 1-D tensor with no elements.
  TensorDataContainer();
  template <typename T, std::enable_if_t<is_literal_element<T>, int> = 0>
  TensorDataContainer(T value)  // NOLINT: implicit, so that braced lists of numbers convert
      : TensorDataContainer(to_scalar(value), literal_scalar_type<T>()) {}
  TensorDataContainer(std::initializer_list<TensorDataContainer> list);  // NOLINT
  template <typename T, std::enable_if_t<is_literal_element<T>, int> = 0>
  TensorDataContainer(ArrayRef<T> values)  // NOLINT
      : TensorDataContainer(std::is_same_v<stored_t<T>, T> ? values.data() : nullptr, int64_t(values.size()),
                            literal_scalar_type<T>(), array_tag{}) {
    if constexpr (!std::is_same_v<stored_t<T>, T>) {
      const std::vector<stored_t<T>> converted(values.begin(), values.end());
      array_ = copy_array(converted.data(), int64_t(converted.size()), scalar_type_);
    }
  }
  template <typename T, std::enable_if_t<is_literal_element<T>, int> = 0>
  TensorDataContainer(const std::vector<T>& values)  // NOLINT
      : TensorDataContainer(ArrayRef<T>(values)) {}
  TensorDataContainer(const std::vector<bool>& values);  // NOLINT: packed bits, copied one by one

  bool is_scalar() const { return kind_ == Kind::Scalar; }
  bool is_init_list() const { return kind_ == Kind::List; }
  bool is_array() const { return kind_ == Kind::Array; }
  IntArrayRef sizes() const { return sizes_; }
  // The element type of the data as written (Int for `1`, Double for `1.0`).
  ScalarType scalar_type() const { return scalar_type_; }
  // The tensor: options' dtype if set, else Long for int/long elements, the default dtype for
  // float/double ones, and the element type otherwise.
  Tensor to_tensor(const TensorOptions& options = {}) const;

 private:
  enum class Kind : uint8_t { Scalar, List, Array };
  struct array_tag {};
  // The C++ type an element is stored as: 16- and 32-bit unsigned integers widen to the next signed
  // type, long double narrows to double, everything else is stored as is.
  template <typename T>
  using stored_t = std::conditional_t<
      std::is_same_v<T, long double>, double,
      std::conditional_t<std::is_unsigned_v<T> && !std::is_same_v<T, bool> && (sizeof(T) == 2 || sizeof(T) == 4),
                         std::conditional_t<sizeof(T) == 2, int32_t, int64_t>, T>>;
  // data == nullptr leaves the array to the caller.
  TensorDataContainer(const Scalar& value, ScalarType type);
  TensorDataContainer(const void* data, int64_t n, ScalarType type, array_tag);
  static Tensor copy_array(const void* data, int64_t n, ScalarType type);
  template <typename T>
  static Scalar to_scalar(T value) {
    if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) return Scalar(static_cast<float>(value));
    else if constexpr (std::is_same_v<T, long double>) return Scalar(static_cast<double>(value));
    else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) return Scalar(static_cast<int64_t>(value));
    else return Scalar(value);
  }
  // Writes this data, converted to the tensor's dtype, at flat element `offset` of `out`.
  void fill(void* out, ScalarType dtype, int64_t offset) const;

  Kind kind_;
  ScalarType scalar_type_;
  DimVector sizes_;
  Scalar scalar_;
  std::vector<TensorDataContainer> list_;
  Tensor array_;  // 1-D, of scalar_type_
};

}  // namespace detail

// A new tensor holding a copy of `data`: a number (0-d), a braced list nested to any depth, or a
// std::vector / ArrayRef (1-D). Ragged lists and mixed element types raise an ember::Error.
Tensor tensor(detail::TensorDataContainer data, const TensorOptions& options = {});

}  // namespace ember
