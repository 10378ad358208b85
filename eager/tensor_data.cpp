// Tensor literals: shape and dtype inference over nested braced lists, then one copy into a fresh tensor.
#include "eager/tensor_data.h"

#include "eager/op_registry.h"

#include <cstring>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"

namespace ember {
namespace detail {

namespace {

// libtorch's rule: integer literals give int64, floating literals the default dtype, others themselves.
ScalarType desired_dtype(ScalarType written) {
  if (written == kInt || written == kLong) return kLong;
  if (written == kFloat || written == kDouble) return get_default_dtype();
  return written;
}

void write_scalar(void* out, ScalarType dtype, int64_t offset, const Scalar& value) {
  visit_dtype(dtype, [&]<typename T>() {
    T* p = static_cast<T*>(out) + offset;
    if (value.isFloatingPoint()) *p = kernels::cpu::cast_to<T>(value.toDouble());
    else if (value.isBoolean()) *p = kernels::cpu::cast_to<T>(value.toBool());
    else *p = kernels::cpu::cast_to<T>(value.toLong());
  });
}

}  // namespace

TensorDataContainer::TensorDataContainer()
    : kind_(Kind::List), scalar_type_(get_default_dtype()), sizes_{0} {}

TensorDataContainer::TensorDataContainer(const Scalar& value, ScalarType type)
    : kind_(Kind::Scalar), scalar_type_(type), scalar_(value) {}

TensorDataContainer::TensorDataContainer(const void* data, int64_t n, ScalarType type, array_tag)
    : kind_(Kind::Array), scalar_type_(type), sizes_{n} {
  if (data != nullptr || n == 0) array_ = copy_array(data, n, type);
}

TensorDataContainer::TensorDataContainer(const std::vector<bool>& values)
    : kind_(Kind::Array), scalar_type_(kBool), sizes_{int64_t(values.size())} {
  const DispatchModeGuard untraced(nullptr);  // a literal is a constant, not a traced computation
  array_ = empty({int64_t(values.size())}, kBool);
  bool* p = array_.data_ptr<bool>();
  for (size_t i = 0; i < values.size(); ++i) p[i] = values[i];
}

Tensor TensorDataContainer::copy_array(const void* data, int64_t n, ScalarType type) {
  // A literal is a constant: a compiled function that builds one lifts the finished tensor.
  const DispatchModeGuard untraced(nullptr);
  Tensor t = empty({n}, type);
  if (n > 0) std::memcpy(t.data_ptr(), data, size_t(n * element_size(type)));
  return t;
}

TensorDataContainer::TensorDataContainer(std::initializer_list<TensorDataContainer> list)
    : kind_(Kind::List), scalar_type_(get_default_dtype()), list_(list) {
  sizes_.push_back(int64_t(list_.size()));
  if (list_.empty()) return;
  const TensorDataContainer& first = list_.front();
  for (size_t i = 1; i < list_.size(); ++i) {
    const TensorDataContainer& element = list_[i];
    EMBER_CHECK(element.sizes() == first.sizes(),
                "[tensor] Expected all sub-lists to have sizes {} (like element 0), but element {} has sizes {}. "
                "Nested lists must be rectangular: give every sub-list the same length.",
                shape_str(first.sizes()), i, shape_str(element.sizes()));
    EMBER_CHECK(element.scalar_type() == first.scalar_type(),
                "[tensor] Expected all elements of the tensor to have the same scalar type: {}, but element {} has "
                "scalar type: {}. Write every number the same way (e.g. 1.0 and 2.5, not 1 and 2.5).",
                to_string(first.scalar_type()), i, to_string(element.scalar_type()));
  }
  scalar_type_ = first.scalar_type();
  for (int64_t s : first.sizes()) sizes_.push_back(s);
}

void TensorDataContainer::fill(void* out, ScalarType dtype, int64_t offset) const {
  switch (kind_) {
    case Kind::Scalar:
      write_scalar(out, dtype, offset, scalar_);
      return;
    case Kind::Array: {
      const Tensor converted = array_.to(dtype);
      const int64_t n = converted.numel();
      if (n > 0)
        std::memcpy(static_cast<char*>(out) + offset * element_size(dtype), converted.data_ptr(),
                    size_t(n * element_size(dtype)));
      return;
    }
    case Kind::List: {
      int64_t stride = 1;
      for (size_t d = 1; d < sizes_.size(); ++d) stride *= sizes_[d];
      for (size_t i = 0; i < list_.size(); ++i) list_[i].fill(out, dtype, offset + int64_t(i) * stride);
      return;
    }
  }
}

Tensor TensorDataContainer::to_tensor(const TensorOptions& options) const {
  const DispatchModeGuard untraced(nullptr);
  const ScalarType dtype = options.has_dtype() ? options.dtype() : desired_dtype(scalar_type_);
  Tensor t = empty(sizes_, dtype);
  fill(t.data_ptr(), dtype, 0);
  if (options.has_device() && options.device() != t.device()) t = t.to(options.device());
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

}  // namespace detail

Tensor tensor(detail::TensorDataContainer data, const TensorOptions& options) { return data.to_tensor(options); }

}  // namespace ember
