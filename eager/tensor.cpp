// Tensor's own methods: metadata access, typed data access, item/to_vector and assignment through views.
#include "eager/tensor.h"

#include <sstream>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/parallel.h"

namespace ember {

void Tensor::throw_undefined() {
  EMBER_FAIL(
      "[Tensor] This tensor is undefined (default-constructed). Assign a tensor to it before using it; check with "
      "defined().");
}

int64_t Tensor::size(int64_t dim) const {
  return sizes()[size_t(detail::wrap_dim("size", dim, std::max<int64_t>(this->dim(), 1)))];
}

int64_t Tensor::stride(int64_t dim) const {
  return strides()[size_t(detail::wrap_dim("stride", dim, std::max<int64_t>(this->dim(), 1)))];
}

template <typename T>
T* Tensor::data_ptr() const {
  EMBER_CHECK(dtype() == scalar_type_of<T>,
              "[data_ptr] expected scalar type {} but found {}. Call data_ptr<> with the tensor's own element type, "
              "or convert it with .to() first.",
              to_string(scalar_type_of<T>), to_string(dtype()));
  return static_cast<T*>(impl().data());
}

template <typename T>
T Tensor::item() const {
  EMBER_CHECK(numel() == 1,
              "[item] a Tensor with {} elements cannot be converted to Scalar. Only one-element tensors can be read "
              "with item(); use to_vector() for more.",
              numel());
  detail::check_cpu("item", *this);
  return visit_dtype(dtype(), [&]<typename S>() { return kernels::cpu::cast_to<T>(*static_cast<const S*>(impl().data())); });
}

Scalar Tensor::item() const {
  if (dtype() == kBool) return Scalar(item<bool>());
  if (is_integral(dtype(), false)) return Scalar(item<int64_t>());
  return Scalar(item<double>());
}

template <typename T>
std::vector<T> Tensor::to_vector() const {
  detail::check_cpu("to_vector", *this);
  const Tensor c = to(scalar_type_of<T>).contiguous();
  const T* p = static_cast<const T*>(c.data_ptr());
  return std::vector<T>(p, p + c.numel());
}

#define EMBER_INSTANTIATE(T)                          \
  template T* Tensor::data_ptr<T>() const;            \
  template T Tensor::item<T>() const;                 \
  template std::vector<T> Tensor::to_vector<T>() const;
EMBER_INSTANTIATE(bool)
EMBER_INSTANTIATE(uint8_t)
EMBER_INSTANTIATE(int8_t)
EMBER_INSTANTIATE(int16_t)
EMBER_INSTANTIATE(int32_t)
EMBER_INSTANTIATE(int64_t)
EMBER_INSTANTIATE(Half)
EMBER_INSTANTIATE(BFloat16)
EMBER_INSTANTIATE(float)
EMBER_INSTANTIATE(double)
#undef EMBER_INSTANTIATE

Tensor& Tensor::operator=(const Tensor& src) && {
  copy_(src);
  return *this;
}

Tensor& Tensor::operator=(const Scalar& value) && {
  fill_(value);
  return *this;
}

std::string Tensor::toString() const {
  std::ostringstream os;
  os << *this;
  return os.str();
}

TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  EMBER_CHECK(std::string_view(s) == "...",
              "[TensorIndex] Expected \"...\" to represent an ellipsis index, but got \"{}\". Use Ellipsis, None, an "
              "integer, a Slice or a Tensor.",
              s);
}

int get_num_threads() { return kernels::cpu::get_num_threads(); }
void set_num_threads(int n) { kernels::cpu::set_num_threads(n); }

}  // namespace ember
