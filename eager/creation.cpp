// Factories: empty, zeros, ones, full, arange, linspace, logspace, eye, the *_like family, from_blob, new_*.
// Each factory is one registry op (zeros, ones and the *_like family compose them), so that a tracer
// records it; from_blob wraps memory the caller owns and is not an op.
//
// arange and linspace reproduce PyTorch 1.13's CPU kernels value for value: those compute blocks of
// 2 x 32 bytes with a vector formula (base + k * step from the block's first element) and the rest
// with a scalar one, and each formula rounds differently, so both are mirrored here.
#include <algorithm>
#include <cmath>
#include <limits>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/kernels.h"

// The formulas below fix where a fused multiply-add happens (std::fma) and where it must not.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace ember {

namespace {

using kernels::cpu::cast_to;
using kernels::cpu::is_float_like;

// The scalar converted to T the way Scalar::to<T> does in PyTorch (floating values truncate).
template <typename T>
T scalar_as(const Scalar& s) {
  if (s.isFloatingPoint()) return cast_to<T>(s.toDouble());
  if (s.isBoolean()) return cast_to<T>(s.toBool());
  return cast_to<T>(s.toLong());
}

// PyTorch's CPU vectors are 32 bytes wide (AVX2) and the loop handles two per iteration.
template <typename T>
inline constexpr int64_t kLanes = int64_t(32 / sizeof(T));

template <typename T>
int64_t vector_part(int64_t n) {
  return n / (2 * kLanes<T>) * (2 * kLanes<T>);
}

// Half and bfloat16 arithmetic as PyTorch does it: in float, rounding to T after every operation.
template <typename T>
T rounded(float v) {
  return T(v);
}

// A bool tensor filled with a nonzero number is true (0.5 included), as in torch.full.
Scalar fill_as(const Scalar& value, ScalarType dtype) { return dtype == kBool ? Scalar(value.toBool()) : value; }

// PyTorch refuses fill values the dtype cannot hold (c10's overflow rule: infinities and NaN fit
// floating types, unsigned types also take negatives down to -max, which wrap).
void check_fill_fits(std::string_view op, const Scalar& value, ScalarType dtype) {
  if (dtype == kBool || value.isBoolean()) return;
  visit_dtype(dtype, [&]<typename T>() {
    if constexpr (!std::is_same_v<T, bool>) {
      bool overflows;
      if constexpr (is_float_like<T>) {
        const double v = value.toDouble();
        const double max = std::is_same_v<T, Half>       ? 65504.0
                           : std::is_same_v<T, BFloat16> ? 3.3895313892515355e38
                                                         : double(std::numeric_limits<T>::max());
        overflows = std::isfinite(v) && (v < -max || v > max);
      } else if (value.isFloatingPoint()) {
        const double v = value.toDouble();
        const double lo = std::is_unsigned_v<T> ? -double(std::numeric_limits<T>::max())
                                                : double(std::numeric_limits<T>::lowest());
        overflows = !(v >= lo && v <= double(std::numeric_limits<T>::max()));
      } else {
        const int64_t v = value.toLong();
        const int64_t max = int64_t(std::numeric_limits<T>::max());
        overflows = std::is_unsigned_v<T> ? (v > max || v < -max) : (v < int64_t(std::numeric_limits<T>::lowest()) || v > max);
      }
      EMBER_CHECK(!overflows, "[{}] value cannot be converted to type {} without overflow: {}. Use a wider dtype.", op,
                  python_name(dtype), value.toDouble());
    }
  });
}

// Strides of a tensor whose elements tile its storage without gaps or overlap, in any dim order.
bool is_non_overlapping_and_dense(const Tensor& t) {
  if (t.is_contiguous()) return true;
  DimVector order(static_cast<size_t>(t.dim()));
  for (int64_t d = 0; d < t.dim(); ++d) order[size_t(d)] = d;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    const int64_t sa = t.strides()[size_t(a)], sb = t.strides()[size_t(b)];
    return sa != sb ? sa < sb : t.sizes()[size_t(a)] < t.sizes()[size_t(b)];
  });
  int64_t expected = 1;
  for (int64_t d : order) {
    const int64_t size = t.sizes()[size_t(d)];
    if (size == 1) continue;
    if (t.strides()[size_t(d)] != expected) return false;
    expected *= size;
  }
  return true;
}

// Elements of storage that sizes/strides reach (0 for an empty tensor).
int64_t storage_elements(std::string_view op, IntArrayRef sizes, IntArrayRef strides) {
  EMBER_CHECK(sizes.size() == strides.size(),
              "[{}] mismatch in length of strides and shape: {} sizes but {} strides. Pass one stride per dim.", op,
              sizes.size(), strides.size());
  for (size_t d = 0; d < sizes.size(); ++d)
    EMBER_CHECK(strides[d] >= 0, "[{}] negative strides are not supported, got stride {} at dim {}", op, strides[d], d);
  for (int64_t s : sizes)
    if (s == 0) return 0;
  int64_t needed = 1;
  for (size_t d = 0; d < sizes.size(); ++d) {
    int64_t extent;
    const bool overflow = __builtin_mul_overflow(sizes[d] - 1, strides[d], &extent) ||
                          __builtin_add_overflow(needed, extent, &needed);
    EMBER_CHECK(!overflow, "[{}] sizes {} with strides {} span more elements than int64 can count", op,
                detail::shape_str(sizes), detail::shape_str(strides));
  }
  return needed;
}

// Bytes for `elements` of dtype, checked against overflow.
size_t storage_bytes(std::string_view op, int64_t elements, ScalarType dtype) {
  int64_t bytes;
  EMBER_CHECK(!__builtin_mul_overflow(elements, element_size(dtype), &bytes),
              "[{}] {} elements of {} need more bytes than int64 can count", op, elements, python_name(dtype));
  return size_t(bytes);
}

// ---- the factory ops ----
// Attrs end with {dtype, device}, resolved by the caller; there are no tensor inputs except empty_like's
// self. finish_factory (requires_grad, pinned memory) runs after dispatch.

// Writes `value` into every element, as fill_ does.
void fill_all(Tensor& out, const Scalar& value) {
  kernels::cpu::fill(detail::strided_view(out), {value.toDouble(), value.toLong()});
}

void no_kernel_work(const OpDef&, const OpCall&, Outputs&) {}  // empty: the memory stays uninitialised

// empty.memory_format: attrs {size, dtype, device}.
void empty_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  detail::check_sizes("empty", call.ints_attr(0));
  out.push_back({DimVector(call.ints_attr(0)), {}, 0, call.dtype_attr(1), call.device_attr(2)});
}

// empty_strided: attrs {size, stride, dtype, device}.
void empty_strided_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const IntArrayRef size = call.ints_attr(0), stride = call.ints_attr(1);
  detail::check_sizes("empty_strided", size);
  storage_bytes("empty_strided", storage_elements("empty_strided", size, stride), call.dtype_attr(2));
  out.push_back({DimVector(size), DimVector(stride), 0, call.dtype_attr(2), call.device_attr(3)});
}

// empty_like: inputs {self}, attrs {dtype, device}. A dense input's layout is kept (a transposed input
// gives a transposed result), PyTorch's preserve_format; other layouts give a contiguous result.
void empty_like_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& t = call.input(0);
  DimVector strides;
  if (!t.is_contiguous() && is_non_overlapping_and_dense(t)) strides = DimVector(t.strides());
  out.push_back({DimVector(t.sizes()), std::move(strides), 0, call.dtype_attr(0), call.device_attr(1)});
}

// full: attrs {size, fill_value, dtype, device}.
void full_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  detail::check_sizes("full", call.ints_attr(0));
  check_fill_fits("full", call.scalar_attr(1), call.dtype_attr(2));
  out.push_back({DimVector(call.ints_attr(0)), {}, 0, call.dtype_attr(2), call.device_attr(3)});
}

void full_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  fill_all(outputs[0], fill_as(call.scalar_attr(1), outputs[0].dtype()));
}

// scalar_tensor: attrs {s, dtype, device}.
void scalar_tensor_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  check_fill_fits("scalar_tensor", call.scalar_attr(0), call.dtype_attr(1));
  out.push_back({{}, {}, 0, call.dtype_attr(1), call.device_attr(2)});
}

void scalar_tensor_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  fill_all(outputs[0], fill_as(call.scalar_attr(0), outputs[0].dtype()));
}

// eye.m: attrs {n, m, dtype, device}.
void eye_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const int64_t n = call.int_attr(0), m = call.int_attr(1);
  EMBER_CHECK(n >= 0, "[eye] n must be greater or equal to 0, got {}", n);
  EMBER_CHECK(m >= 0, "[eye] m must be greater or equal to 0, got {}", m);
  out.push_back({{n, m}, {}, 0, call.dtype_attr(2), call.device_attr(3)});
}

void eye_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& t = outputs[0];
  const int64_t n = call.int_attr(0), m = call.int_attr(1);
  fill_all(t, 0);
  visit_dtype(t.dtype(), [&]<typename T>() {
    T* p = t.data_ptr<T>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = cast_to<T>(1);
  });
}

// PyTorch's accumulation type for arange: float for Half/BFloat16, double for float, int64 for integers.
template <typename T>
using ArangeAcc = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float,
                                     std::conditional_t<is_float_like<T>, double, int64_t>>;

template <typename T>
void arange_fill(T* p, int64_t n, const Scalar& start_s, const Scalar& step_s) {
  using Acc = ArangeAcc<T>;
  const Acc start = scalar_as<Acc>(start_s), step = scalar_as<Acc>(step_s);
  auto scalar_value = [&](int64_t i) -> Acc {
    if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(start) + uint64_t(step) * uint64_t(i));  // wraps
    else return std::fma(step, Acc(i), start);
  };
  const int64_t vec = vector_part<T>(n);
  for (int64_t i = 0; i < vec; i += kLanes<T>) {
    const T base = cast_to<T>(scalar_value(i));
    for (int64_t k = 0; k < kLanes<T>; ++k) {
      if constexpr (std::is_integral_v<Acc>) p[i + k] = cast_to<T>(int64_t(uint64_t(int64_t(base)) + uint64_t(k) * uint64_t(step)));
      else p[i + k] = cast_to<T>(static_cast<Acc>(base) + static_cast<Acc>(k) * step);
    }
  }
  for (int64_t i = vec; i < n; ++i) p[i] = cast_to<T>(scalar_value(i));
}

// arange.start_step: attrs {start, end, step, dtype, device}.
void arange_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Scalar &start = call.scalar_attr(0), &end = call.scalar_attr(1), &step = call.scalar_attr(2);
  const ScalarType dtype = call.dtype_attr(3);
  EMBER_CHECK(dtype != kBool, "[arange] not implemented for 'Bool'; use an integer or floating dtype.");
  const int64_t n = visit_dtype(dtype, [&]<typename T>() -> int64_t {
    if constexpr (std::is_same_v<T, bool>) {
      return 0;
    } else {
      // The bounds are checked after conversion to the accumulation type, so an integer arange
      // with step 0.5 truncates the step to 0 and is rejected.
      using Acc = ArangeAcc<T>;
      const Acc xstart = scalar_as<Acc>(start), xend = scalar_as<Acc>(end), xstep = scalar_as<Acc>(step);
      EMBER_CHECK(xstep > 0 || xstep < 0, "[arange] step must be nonzero (step {} becomes {} in {}).", step.toDouble(),
                  double(xstep), python_name(dtype));
      EMBER_CHECK(std::isfinite(double(xstart)) && std::isfinite(double(xend)), "[arange] unsupported range: {} -> {}",
                  double(xstart), double(xend));
      EMBER_CHECK((xstep > 0 && xend >= xstart) || (xstep < 0 && xend <= xstart),
                  "[arange] upper bound and larger bound inconsistent with step sign: start={}, end={}, step={}. "
                  "Use a negative step to count down.",
                  double(xstart), double(xend), double(xstep));
      double size;
      if constexpr (std::is_same_v<T, int64_t>) {
        // Exact integer count; 128 bits so that extreme bounds cannot overflow.
        const __int128 sign = xstep > 0 ? 1 : -1;
        size = double((__int128(xend) - xstart + xstep - sign) / xstep);
      } else {
        size = std::ceil((end.toDouble() - start.toDouble()) / step.toDouble());
      }
      EMBER_CHECK(size >= 0 && size <= double(std::numeric_limits<int64_t>::max()),
                  "[arange] invalid size {}, possible overflow? Check start, end and step.", size);
      return int64_t(size);
    }
  });
  out.push_back({{n}, {}, 0, dtype, call.device_attr(4)});
}

void arange_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& t = outputs[0];
  visit_dtype(t.dtype(), [&]<typename T>() {
    if constexpr (!std::is_same_v<T, bool>)
      arange_fill<T>(t.data_ptr<T>(), t.numel(), call.scalar_attr(0),
                     call.scalar_attr(2));
  });
}

// linspace as PyTorch 1.13 computes it: the first half from start, the second half from end.
template <typename T>
void linspace_fill(T* p, int64_t steps, const Scalar& start_s, const Scalar& end_s) {
  const T start = scalar_as<T>(start_s), end = scalar_as<T>(end_s);
  const int64_t halfway = steps / 2;
  const int64_t vec = vector_part<T>(steps);
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) {
    const T step = rounded<T>(float(rounded<T>(float(end) - float(start))) / float(T(float(steps - 1))));
    auto scalar_value = [&](int64_t i) -> T {
      if (i < halfway) return rounded<T>(float(start) + float(rounded<T>(float(step) * float(T(float(i))))));
      return rounded<T>(float(end) - float(rounded<T>(float(step) * float(T(float(steps - i - 1))))));
    };
    for (int64_t i = 0; i < vec; i += kLanes<T>) {
      const T base = scalar_value(i);
      for (int64_t k = 0; k < kLanes<T>; ++k)
        p[i + k] = rounded<T>(float(base) + float(rounded<T>(float(T(float(k))) * float(step))));
    }
    for (int64_t i = vec; i < steps; ++i) p[i] = scalar_value(i);
  } else if constexpr (is_float_like<T>) {
    const T step = (end - start) / T(steps - 1);
    auto scalar_value = [&](int64_t i) -> T {
      if (i < halfway) return std::fma(step, T(i), start);
      return std::fma(-step, T(steps - i - 1), end);
    };
    for (int64_t i = 0; i < vec; i += kLanes<T>) {
      const T base = scalar_value(i);
      for (int64_t k = 0; k < kLanes<T>; ++k) p[i + k] = base + T(k) * step;
    }
    for (int64_t i = vec; i < steps; ++i) p[i] = scalar_value(i);
  } else {
    // Integers step in double and truncate each value.
    const double step = (double(end) - double(start)) / double(steps - 1);
    auto scalar_value = [&](int64_t i) -> double {
      if (i < halfway) return std::fma(step, double(i), double(start));
      return std::fma(-step, double(steps - i - 1), double(end));
    };
    for (int64_t i = 0; i < vec; i += kLanes<T>) {
      const T base = cast_to<T>(scalar_value(i));
      for (int64_t k = 0; k < kLanes<T>; ++k) p[i + k] = cast_to<T>(double(base) + double(k) * step);
    }
    for (int64_t i = vec; i < steps; ++i) p[i] = cast_to<T>(scalar_value(i));
  }
}

// logspace is a plain loop in PyTorch 1.13: base ** (start + step * i), exponents in double.
template <typename T>
void logspace_fill(T* p, int64_t steps, const Scalar& start_s, const Scalar& end_s, double base) {
  const T start = scalar_as<T>(start_s), end = scalar_as<T>(end_s);
  const int64_t halfway = steps / 2;
  // Integer results take the base as a float, floating ones as a double.
  const double b = is_float_like<T> ? base : double(float(base));
  // end - start is taken in T first (rounded for floating T), then the step in double.
  double diff;
  if constexpr (std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>) diff = double(float(rounded<T>(float(end) - float(start))));
  else if constexpr (is_float_like<T>) diff = double(end - start);
  else diff = double(int64_t(uint64_t(int64_t(end)) - uint64_t(int64_t(start))));  // wraps as PyTorch's int math
  const double step = diff / double(steps - 1);
  for (int64_t i = 0; i < steps; ++i) {
    const double exponent = i < halfway ? double(start) + step * double(i) : double(end) - step * double(steps - i - 1);
    p[i] = cast_to<T>(std::pow(b, exponent));
  }
}

void check_steps(std::string_view op, int64_t steps) {
  EMBER_CHECK(steps >= 0, "[{}] number of steps must be non-negative, got {}", op, steps);
}

// linspace: attrs {start, end, steps, dtype, device}; logspace: {start, end, steps, base, dtype, device}.
template <bool kLog>
void spaced_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const char* op = kLog ? "logspace" : "linspace";
  const int64_t steps = call.int_attr(2);
  check_steps(op, steps);
  const size_t at = kLog ? 4 : 3;
  const ScalarType dtype = call.dtype_attr(at);
  EMBER_CHECK(dtype != kBool, "[{}] not implemented for 'Bool'; use an integer or floating dtype.", op);
  out.push_back({{steps}, {}, 0, dtype, call.device_attr(at + 1)});
}

void linspace_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& t = outputs[0];
  const Scalar &start = call.scalar_attr(0), &end = call.scalar_attr(1);
  const int64_t steps = t.numel();
  if (steps == 1) {
    fill_all(t, start);
  } else if (steps > 1) {
    visit_dtype(t.dtype(), [&]<typename T>() {
      if constexpr (!std::is_same_v<T, bool>)
        linspace_fill<T>(t.data_ptr<T>(), steps, start, end);
    });
  }
}

void logspace_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& t = outputs[0];
  const Scalar &start = call.scalar_attr(0), &end = call.scalar_attr(1);
  const double base = call.double_attr(3);
  const int64_t steps = t.numel();
  if (steps == 1) {
    fill_all(t, std::pow(base, start.toDouble()));
  } else if (steps > 1) {
    visit_dtype(t.dtype(), [&]<typename T>() {
      if constexpr (!std::is_same_v<T, bool>)
        logspace_fill<T>(t.data_ptr<T>(), steps, start, end, base);
    });
  }
}

// Zero tensor inputs, so nothing to differentiate; Extern: the JIT runs the eager kernel in place.
const OpDef empty_def{"empty.memory_format", "(int[] size, *, ScalarType dtype, Device device) -> Tensor",
                      OpKind::Compute, FusionClass::Extern, empty_meta, no_kernel_work, nullptr, kNotDifferentiable};
const OpDef empty_strided_def{"empty_strided",
                              "(int[] size, int[] stride, *, ScalarType dtype, Device device) -> Tensor",
                              OpKind::Compute, FusionClass::Extern, empty_strided_meta, no_kernel_work, nullptr,
                              kNotDifferentiable};
const OpDef empty_like_def{"empty_like", "(Tensor self, *, ScalarType dtype, Device device) -> Tensor",
                           OpKind::Compute, FusionClass::Extern, empty_like_meta, no_kernel_work, nullptr,
                           kNotDifferentiable};
const OpDef full_def{"full", "(int[] size, Scalar fill_value, *, ScalarType dtype, Device device) -> Tensor",
                     OpKind::Compute, FusionClass::Extern, full_meta, full_kernel, nullptr, kNotDifferentiable};
const OpDef scalar_tensor_def{"scalar_tensor", "(Scalar s, *, ScalarType dtype, Device device) -> Tensor",
                              OpKind::Compute, FusionClass::Extern, scalar_tensor_meta, scalar_tensor_kernel, nullptr,
                              kNotDifferentiable};
const OpDef eye_def{"eye.m", "(int n, int m, *, ScalarType dtype, Device device) -> Tensor", OpKind::Compute,
                    FusionClass::Extern, eye_meta, eye_kernel, nullptr, kNotDifferentiable};
const OpDef arange_def{"arange.start_step",
                       "(Scalar start, Scalar end, Scalar step=1, *, ScalarType dtype, Device device) -> Tensor",
                       OpKind::Compute, FusionClass::Extern, arange_meta, arange_kernel, nullptr, kNotDifferentiable};
const OpDef linspace_def{"linspace",
                         "(Scalar start, Scalar end, int steps, *, ScalarType dtype, Device device) -> Tensor",
                         OpKind::Compute, FusionClass::Extern, spaced_meta<false>, linspace_kernel, nullptr,
                         kNotDifferentiable};
const OpDef logspace_def{"logspace",
                         "(Scalar start, Scalar end, int steps, float base=10.0, *, ScalarType dtype, "
                         "Device device) -> Tensor",
                         OpKind::Compute, FusionClass::Extern, spaced_meta<true>, logspace_kernel, nullptr,
                         kNotDifferentiable};

}  // namespace

void register_factory_ops(OpRegistry& r) {
  for (const OpDef* d : {&empty_def, &empty_strided_def, &empty_like_def, &full_def, &scalar_tensor_def, &eye_def,
                         &arange_def, &linspace_def, &logspace_def})
    r.add(d);
}

namespace {
Tensor run_factory(const OpDef& op, OpCall call, const TensorOptions& options) {
  return detail::finish_factory(dispatch_one(op, call), options);
}
}  // namespace

// ---- empty / zeros / ones / full ----

Tensor empty(IntArrayRef size, const TensorOptions& options) {
  return run_factory(empty_def, {{}, {DimVector(size), options.dtype(), options.device()}}, options);
}

Tensor empty_strided(IntArrayRef size, IntArrayRef stride, const TensorOptions& options) {
  return run_factory(empty_strided_def, {{}, {DimVector(size), DimVector(stride), options.dtype(), options.device()}},
                     options);
}

// The dtype is resolved first: an integer fill value must not make zeros() int64.
Tensor zeros(IntArrayRef size, const TensorOptions& options) { return full(size, 0, options.dtype(options.dtype())); }
Tensor ones(IntArrayRef size, const TensorOptions& options) { return full(size, 1, options.dtype(options.dtype())); }

Tensor full(IntArrayRef size, const Scalar& fill_value, const TensorOptions& options) {
  // Without a dtype, full infers it from the value, as torch.full does.
  TensorOptions o = options;
  if (!o.has_dtype() && !fill_value.isFloatingPoint()) o = o.dtype(fill_value.type());
  return run_factory(full_def, {{}, {DimVector(size), fill_value, o.dtype(), o.device()}}, o);
}

Tensor scalar_tensor(const Scalar& s, const TensorOptions& options) {
  return run_factory(scalar_tensor_def, {{}, {s, options.dtype(), options.device()}}, options);
}

Tensor empty_like(const Tensor& t, const TensorOptions& options) {
  const TensorOptions o = t.options().merged_with(options);
  return run_factory(empty_like_def, {{t}, {o.dtype(), o.device()}}, o);
}
Tensor zeros_like(const Tensor& t, const TensorOptions& options) { return full_like(t, 0, options); }
Tensor ones_like(const Tensor& t, const TensorOptions& options) { return full_like(t, 1, options); }
Tensor full_like(const Tensor& t, const Scalar& v, const TensorOptions& options) {
  Tensor out = empty_like(t, options.requires_grad(false));
  check_fill_fits("full_like", v, out.dtype());
  out.fill_(fill_as(v, out.dtype()));
  return detail::finish_factory(out, options);
}

// ---- eye ----

Tensor eye(int64_t n, const TensorOptions& options) { return eye(n, n, options); }

Tensor eye(int64_t n, int64_t m, const TensorOptions& options) {
  return run_factory(eye_def, {{}, {n, m, options.dtype(), options.device()}}, options);
}

// ---- arange, linspace, logspace ----

Tensor arange(const Scalar& end, const TensorOptions& options) { return arange(0, end, 1, options); }
Tensor arange(const Scalar& start, const Scalar& end, const TensorOptions& options) {
  return arange(start, end, 1, options);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, const TensorOptions& options) {
  const bool any_floating = start.isFloatingPoint() || end.isFloatingPoint() || step.isFloatingPoint();
  const ScalarType dtype = options.has_dtype() ? options.dtype() : any_floating ? get_default_dtype() : kLong;
  return run_factory(arange_def, {{}, {start, end, step, dtype, options.device()}}, options);
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, const TensorOptions& options) {
  return run_factory(linspace_def, {{}, {start, end, steps, options.dtype(), options.device()}}, options);
}

Tensor logspace(const Scalar& start, const Scalar& end, int64_t steps, double base, const TensorOptions& options) {
  return run_factory(logspace_def, {{}, {start, end, steps, base, options.dtype(), options.device()}}, options);
}

// ---- from_blob ----

namespace {
Tensor wrap_blob(void* data, IntArrayRef sizes, IntArrayRef strides, std::function<void(void*)> deleter,
                 const TensorOptions& options) {
  detail::check_sizes("from_blob", sizes);
  const int64_t elements = storage_elements("from_blob", sizes, strides);
  EMBER_CHECK(data != nullptr || elements == 0,
              "[from_blob] data is null but sizes {} with strides {} need {} elements. Pass a valid pointer.",
              detail::shape_str(sizes), detail::shape_str(strides), elements);
  const ScalarType dtype = options.dtype();
  auto storage = std::make_shared<StorageImpl>(data, storage_bytes("from_blob", elements, dtype), options.device(),
                                               std::move(deleter));
  Tensor t(std::make_shared<TensorImpl>(std::move(storage), dtype, DimVector(sizes), DimVector(strides), 0));
  return detail::finish_factory(t, options);
}
}  // namespace

Tensor from_blob(void* data, IntArrayRef sizes, const TensorOptions& options) {
  return wrap_blob(data, sizes, detail::contiguous_strides(sizes), nullptr, options);
}
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, const TensorOptions& options) {
  return wrap_blob(data, sizes, strides, nullptr, options);
}
Tensor from_blob(void* data, IntArrayRef sizes, std::function<void(void*)> deleter, const TensorOptions& options) {
  return wrap_blob(data, sizes, detail::contiguous_strides(sizes), std::move(deleter), options);
}

// ---- new_* ----

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
// A copy of `data` with this tensor's dtype and device, detached from any graph (torch's new_tensor).
Tensor Tensor::new_tensor(const Tensor& data) const {
  detail::check_cpu("new_tensor", data);
  return data.to(device(), dtype(), /*non_blocking=*/false, /*copy=*/true).detach();
}

}  // namespace ember
