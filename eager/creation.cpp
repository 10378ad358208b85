// Factories: empty, zeros, ones, full, arange, linspace, logspace, eye, the *_like family, from_blob, new_*.
#include <cmath>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/kernels.h"

namespace ember {

namespace {
Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}
}  // namespace

Tensor empty(IntArrayRef size, const TensorOptions& options) {
  detail::check_sizes("empty", size);
  return finish(detail::make_tensor(size, options.dtype(), options.device()), options);
}

Tensor zeros(IntArrayRef size, const TensorOptions& options) { return full(size, 0, options.dtype(options.dtype())); }
Tensor ones(IntArrayRef size, const TensorOptions& options) { return full(size, 1, options.dtype(options.dtype())); }

Tensor full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options) {
  detail::check_sizes("full", size);
  // Without a dtype, full infers it from the value, as torch.full does.
  TensorOptions o = options;
  if (!o.has_dtype() && !fill_value.isFloatingPoint()) o = o.dtype(fill_value.type());
  Tensor t = detail::make_tensor(size, o.dtype(), o.device());
  kernels::cpu::fill(detail::strided_view(t), {fill_value.toDouble(), fill_value.toLong()});
  return finish(t, o);
}

Tensor scalar_tensor(const Scalar& s, const TensorOptions& options) { return full({}, s, options.dtype(options.dtype())); }

Tensor empty_like(const Tensor& t, const TensorOptions& options) { return empty(t.sizes(), t.options().merged_with(options)); }
Tensor zeros_like(const Tensor& t, const TensorOptions& options) { return zeros(t.sizes(), t.options().merged_with(options)); }
Tensor ones_like(const Tensor& t, const TensorOptions& options) { return ones(t.sizes(), t.options().merged_with(options)); }
Tensor full_like(const Tensor& t, const Scalar& v, const TensorOptions& options) {
  return full(t.sizes(), v, t.options().merged_with(options));
}

Tensor arange(const Scalar& end, const TensorOptions& options) { return arange(0, end, 1, options); }
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options) {
  return arange(start, end, 1, options);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& options) {
  const bool all_integral = !start.isFloatingPoint() && !end.isFloatingPoint() && !step.isFloatingPoint();
  const ScalarType dtype = options.has_dtype() ? options.dtype() : all_integral ? kLong : get_default_dtype();
  const double s = start.toDouble(), e = end.toDouble(), st = step.toDouble();
  EMBER_CHECK(st != 0, "[arange] step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "[arange] unsupported range: {} -> {}", s, e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s),
              "[arange] upper bound and larger bound inconsistent with step sign: start={}, end={}, step={}", s, e, st);
  int64_t n;
  if (all_integral) {
    const int64_t a = start.toLong(), b = end.toLong(), c = step.toLong();
    n = c > 0 ? (b - a + c - 1) / c : (a - b - c - 1) / -c;
  } else {
    n = int64_t(std::ceil((e - s) / st));
  }
  Tensor t = detail::make_tensor({n}, dtype, options.device());
  visit_dtype(dtype, [&]<typename T>() {
    T* p = t.data_ptr<T>();
    if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL("[arange] not implemented for 'Bool'");
    } else if (all_integral && is_integral(dtype, false)) {
      for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start.toLong() + i * step.toLong());
    } else {
      for (int64_t i = 0; i < n; ++i) p[i] = kernels::cpu::cast_to<T>(s + double(i) * st);
    }
  });
  return finish(t, options);
}

Tensor Tensor::new_empty(IntArrayRef size, const TensorOptions& options) const {
  return empty(size, this->options().merged_with(options));
}
Tensor Tensor::new_zeros(IntArrayRef size, const TensorOptions& options) const {
  return zeros(size, this->options().merged_with(options));
}
Tensor Tensor::new_ones(IntArrayRef size, const TensorOptions& options) const {
  return ones(size, this->options().merged_with(options));
}
Tensor Tensor::new_full(IntArrayRef size, const Scalar& v, const TensorOptions& options) const {
  return full(size, v, this->options().merged_with(options));
}

}  // namespace ember
