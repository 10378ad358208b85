// Tensor's own methods: metadata access, host reads of the data (data_ptr, item, to_vector, is_nonzero)
// and assignment through views.
#include "eager/tensor.h"

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

// The reads below report to the dispatch mode once, after their own checks, and then read through
// impl() so that nothing is reported twice.

template <typename T>
T* Tensor::data_ptr(std::source_location where) const {
  EMBER_CHECK(dtype() == scalar_type_of<T>,
              "[data_ptr] expected scalar type {} but found {}. Call data_ptr<> with the tensor's own element type, "
              "or convert it with .to() first.",
              to_string(scalar_type_of<T>), to_string(dtype()));
  detail::notify_data_read(*this, "data_ptr()", where);
  return static_cast<T*>(impl().data());
}

void* Tensor::data_ptr(std::source_location where) const {
  const TensorImpl& i = impl();
  detail::notify_data_read(*this, "data_ptr()", where);
  return i.data();
}

namespace {
// The only element, converted to T (the caller has checked numel and device).
template <typename T>
T only_element(const Tensor& t) {
  const void* data = t.unsafeGetTensorImpl()->data();
  return visit_dtype(t.dtype(), [&]<typename S>() { return kernels::cpu::cast_to<T>(*static_cast<const S*>(data)); });
}
}  // namespace

template <typename T>
T Tensor::item(std::source_location where) const {
  EMBER_CHECK(numel() == 1,
              "[item] a Tensor with {} elements cannot be converted to Scalar. Only one-element tensors can be read "
              "with item(); use to_vector() for more.",
              numel());
  detail::check_cpu("item", *this);
  detail::notify_data_read(*this, "item()", where);
  return only_element<T>(*this);
}

Scalar Tensor::item(std::source_location where) const {
  if (dtype() == kBool) return Scalar(item<bool>(where));
  if (is_integral(dtype(), false)) return Scalar(item<int64_t>(where));
  return Scalar(item<double>(where));
}

template <typename T>
std::vector<T> Tensor::to_vector(std::source_location where) const {
  detail::check_cpu("to_vector", *this);
  detail::notify_data_read(*this, "to_vector()", where);
  // The conversion belongs to this read: a tracer should not record it as ops of its own.
  DispatchModeGuard untraced(nullptr);
  const Tensor c = to(scalar_type_of<T>).contiguous();
  const T* p = static_cast<const T*>(c.impl().data());
  return std::vector<T>(p, p + c.numel());
}

bool Tensor::read_nonzero(std::string_view what, const std::source_location& where) const {
  const std::string_view op = what.substr(0, what.find('('));
  EMBER_CHECK(numel() != 0,
              "[{}] Boolean value of Tensor with no values is ambiguous. Test t.numel() > 0, or reduce with any() or "
              "all().",
              op);
  EMBER_CHECK(numel() < 2,
              "[{}] Boolean value of Tensor with more than one value is ambiguous. Reduce it first, e.g. with any() "
              "or all().",
              op);
  detail::check_cpu(op, *this);
  detail::notify_data_read(*this, what, where);
  if (dtype() == kBool) return only_element<bool>(*this);
  if (is_integral(dtype(), false)) return only_element<int64_t>(*this) != 0;
  return only_element<double>(*this) != 0;  // NaN is nonzero
}

bool Tensor::is_nonzero(std::source_location where) const { return read_nonzero("is_nonzero()", where); }

Tensor::operator bool() const { return read_nonzero("bool()", std::source_location()); }

#define EMBER_INSTANTIATE(T)                                           \
  template T* Tensor::data_ptr<T>(std::source_location) const;         \
  template T Tensor::item<T>(std::source_location) const;              \
  template std::vector<T> Tensor::to_vector<T>(std::source_location) const;
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

TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  EMBER_CHECK(std::string_view(s) == "...",
              "[TensorIndex] Expected \"...\" to represent an ellipsis index, but got \"{}\". Use Ellipsis, None, an "
              "integer, a Slice or a Tensor.",
              s);
}

int get_num_threads() { return kernels::cpu::get_num_threads(); }
void set_num_threads(int n) { kernels::cpu::set_num_threads(n); }

}  // namespace ember
