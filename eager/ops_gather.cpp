// Gather/scatter-family ops through the registry: index_select, gather, scatter, scatter_add, index_add,
// index_copy, index_fill, take, masked_fill, masked_select, nonzero, tril/triu and one_hot, with PyTorch's checks.
#include <cmath>
#include <limits>
#include <utility>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/indexing.h"

namespace ember {
namespace {

using detail::shape_str;
using kernels::StridedView;
using kernels::cpu::ScatterReduce;

// ---- shared helpers ----

// Gather/scatter-style ops treat a 0-d tensor as a 1-d tensor of one element, as PyTorch does.
int64_t nonempty_dim(const Tensor& t) { return std::max<int64_t>(t.dim(), 1); }
int64_t nonempty_size(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.sizes()[size_t(dim)]; }
StridedView nonempty_view(const Tensor& t) {
  StridedView v = detail::strided_view(t);
  if (v.sizes.empty()) {
    v.sizes.push_back(1);
    v.strides.push_back(0);
  }
  return v;
}
DimVector nonempty_sizes(const Tensor& t) { return nonempty_view(t).sizes; }

// A 1-d or 0-d index laid along `dim` of a tensor of `sizes` (zero strides on the other dims).
StridedView index_along(const Tensor& index, IntArrayRef sizes, int64_t dim) {
  StridedView v{index.data_ptr(), index.dtype(), DimVector(sizes), DimVector(sizes.size(), 0)};
  if (index.dim() == 1) v.strides[size_t(dim)] = index.strides()[0];
  return v;
}

// One element of `dtype` broadcast over `sizes`.
StridedView scalar_view(void* element, ScalarType dtype, IntArrayRef sizes) {
  return StridedView{element, dtype, DimVector(sizes), DimVector(sizes.size(), 0)};
}

// Out-of-place variants start from a copy of self (broadcast to the output); in-place ones write self.
void start_from_self(const Tensor& self, Tensor& out) {
  if (out.is_same(self)) return;
  kernels::cpu::copy(detail::strided_view(out), detail::broadcast_view(self, out.sizes()));
}

// A contiguous copy made without dispatch (kernels run under a dispatch mode's eager call).
Tensor private_copy(const Tensor& t) {
  Tensor copy = detail::make_tensor(t.sizes(), t.dtype(), t.device());
  kernels::cpu::copy(detail::strided_view(copy), detail::strided_view(t));
  return copy;
}

// An input read while `out` is written: a private copy when it shares out's memory, so writes cannot
// change what later reads see.
Tensor snapshot_if_aliased(const Tensor& t, const Tensor& out) { return t.is_alias_of(out) ? private_copy(t) : t; }

void check_index_range(std::string_view op, const Tensor& index, int64_t dim, int64_t size, bool allow_negative) {
  if (const auto bad = kernels::cpu::find_index_out_of_range(detail::strided_view(index), size, allow_negative))
    EMBER_FAIL("[{}] index {} is out of bounds for dimension {} with size {}", op, *bad, dim, size);
}

bool is_index_dtype(ScalarType t) { return t == kLong || t == kInt; }

std::string scalar_str(const Scalar& s) {
  if (s.isFloatingPoint()) return fmt::format("{}", s.toDouble());
  if (s.isBoolean()) return s.toBool() ? "true" : "false";
  return fmt::format("{}", s.toLong());
}

// Largest finite value of a floating dtype.
double float_max(ScalarType t) {
  switch (t) {
    case kHalf: return 65504.0;
    case kBFloat16: return 3.3895313892515355e38;
    case kFloat: return double(std::numeric_limits<float>::max());
    default: return std::numeric_limits<double>::max();
  }
}

// Whether `value` does not fit `dtype`, by PyTorch's rule for scalars written into tensors: NaN and
// infinities fit floating dtypes only, and negative integers down to -max wrap into unsigned ones.
bool overflows(const Scalar& value, ScalarType dtype) {
  if (dtype == kBool || value.isBoolean()) return false;
  if (is_floating_point(dtype)) {
    const double f = value.toDouble();
    return std::isfinite(f) && (f < -float_max(dtype) || f > float_max(dtype));
  }
  int64_t low = 0, high = 0;
  visit_dtype(dtype, [&]<typename T>() {
    if constexpr (std::is_integral_v<T>) {
      low = int64_t(std::numeric_limits<T>::lowest());
      high = int64_t(std::numeric_limits<T>::max());
    }
  });
  if (value.isFloatingPoint()) {
    const double f = value.toDouble();
    return !std::isfinite(f) || f < double(low) || f > double(high);
  }
  const int64_t i = value.toLong();
  if (low == 0) return i > high || i < -high;
  return i < low || i > high;
}

// `value` as one element of `dtype` in `buffer`; raises when it does not fit.
void store_checked(std::string_view op, const Scalar& value, ScalarType dtype, void* buffer) {
  EMBER_CHECK(!overflows(value, dtype),
              "[{}] value cannot be converted to type {} without overflow: {}. Use a value in the dtype's range, or "
              "convert the tensor to a wider dtype first.",
              op, to_string(dtype), scalar_str(value));
  const kernels::cpu::ScalarArg arg{value.toDouble(), dtype == kBool ? int64_t(value.toBool()) : value.toLong()};
  kernels::cpu::store_scalar(buffer, dtype, arg);
}

void check_zero_dim_value(std::string_view op, const Tensor& value) {
  EMBER_CHECK(value.dim() == 0,
              "[{}] only supports a 0-dimensional value tensor, but got tensor with {} dimension(s). Pass a scalar or "
              "a 0-d tensor.",
              op, value.dim());
}

void check_mask(std::string_view op, const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == kBool || mask.dtype() == kByte,
              "[{}] expected BoolTensor for mask, got a {} tensor. Compare first to get a mask, e.g. x > 0.", op,
              to_string(mask.dtype()));
}

// ---- index_select: inputs {self, index}, attrs {dim} ----

void index_select_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const int64_t dim = detail::wrap_dim("index_select", call.int_attr(0), self.dim());
  EMBER_CHECK(is_index_dtype(index.dtype()),
              "[index_select] Expected dtype int32 or int64 for index, got {}. Convert it with .to(kLong).",
              to_string(index.dtype()));
  EMBER_CHECK(index.dim() <= 1, "[index_select] Index is supposed to be a vector, got a tensor of shape {}. "
                                "Flatten it first, or use take() or index() for multi-dim indices.",
              shape_str(index.sizes()));
  DimVector sizes(self.sizes());
  if (self.dim() > 0) sizes[size_t(dim)] = index.numel();
  out.push_back({sizes, {}, 0, self.dtype(), self.device()});
}

void index_select_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const int64_t dim = detail::wrap_dim("index_select", call.int_attr(0), self.dim());
  check_index_range("index_select", index, dim, nonempty_size(self, dim), false);
  const StridedView out = nonempty_view(outputs[0]);
  kernels::cpu::gather(out, nonempty_view(self), index_along(index, out.sizes, dim), dim);
}

// ---- gather: inputs {self, index}, attrs {dim, sparse_grad} ----

void gather_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const int64_t dim = detail::wrap_dim("gather", call.int_attr(0), self.dim());
  EMBER_CHECK(index.dtype() == kLong, "[gather] Expected dtype int64 for index, got {}. Convert it with .to(kLong).",
              to_string(index.dtype()));
  if (index.numel() != 0) {
    EMBER_CHECK(nonempty_dim(index) == nonempty_dim(self),
                "[gather] Index tensor must have the same number of dimensions as input tensor, got {} for the index "
                "and {} for the input",
                index.dim(), self.dim());
    for (int64_t d = 0; d < nonempty_dim(self); ++d)
      EMBER_CHECK(d == dim || nonempty_size(index, d) <= nonempty_size(self, d),
                  "[gather] Size does not match at dimension {} expected index {} to be smaller than self {} apart "
                  "from dimension {}",
                  d, shape_str(index.sizes()), shape_str(self.sizes()), dim);
  }
  out.push_back({DimVector(index.sizes()), {}, 0, self.dtype(), self.device()});
}

void gather_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  if (index.numel() == 0) return;
  const int64_t dim = detail::wrap_dim("gather", call.int_attr(0), self.dim());
  check_index_range("gather", index, dim, nonempty_size(self, dim), false);
  kernels::cpu::gather(nonempty_view(outputs[0]), nonempty_view(self), nonempty_view(index), dim);
}

// ---- scatter and scatter_add ----
// scatter.src, scatter_add: inputs {self, index, src}, attrs {dim, reduce: str|None}.
// scatter.value:            inputs {self, index},      attrs {dim, value: Scalar, reduce: str|None}.
// OpDef::code is the ScatterReduce that the op always applies (scatter_add), or None to read `reduce`.

ScatterReduce scatter_reduce_of(const OpDef& def, const OpCall& call, std::string_view op) {
  if (ScatterReduce(def.code) != ScatterReduce::None) return ScatterReduce(def.code);
  const size_t reduce_attr = call.inputs.size() == 3 ? 1 : 2;
  if (!call.has(reduce_attr)) return ScatterReduce::None;
  const std::string& reduce = call.string_attr(reduce_attr);
  if (reduce == "add") return ScatterReduce::Add;
  if (reduce == "multiply") return ScatterReduce::Multiply;
  EMBER_FAIL("[{}] reduce argument must be either add or multiply, got '{}'.", op, reduce);
}

std::string_view scatter_name(const OpDef& def) {
  return ScatterReduce(def.code) == ScatterReduce::Add ? "scatter_add" : "scatter";
}

void check_scatter(std::string_view op, const Tensor& self, int64_t dim, const Tensor& index, const Tensor* src) {
  EMBER_CHECK(index.dtype() == kLong, "[{}] Expected dtype int64 for index, got {}. Convert it with .to(kLong).", op,
              to_string(index.dtype()));
  if (src)
    EMBER_CHECK(src->dtype() == self.dtype(),
                "[{}] Expected self.dtype to be equal to src.dtype, got {} for self and {} for src. Convert src with "
                ".to(self.dtype()).",
                op, to_string(self.dtype()), to_string(src->dtype()));
  if (index.numel() == 0) return;
  EMBER_CHECK(nonempty_dim(index) == nonempty_dim(self),
              "[{}] Index tensor must have the same number of dimensions as self tensor, got {} for the index and {} "
              "for self",
              op, index.dim(), self.dim());
  if (src)
    EMBER_CHECK(nonempty_dim(index) == nonempty_dim(*src),
                "[{}] Index tensor must have the same number of dimensions as src tensor, got {} for the index and {} "
                "for src",
                op, index.dim(), src->dim());
  bool fits = true;
  for (int64_t d = 0; d < nonempty_dim(self); ++d) {
    fits = fits && (d == dim || nonempty_size(index, d) <= nonempty_size(self, d));
    fits = fits && (!src || nonempty_size(index, d) <= nonempty_size(*src, d));
  }
  if (src)
    EMBER_CHECK(fits, "[{}] Expected index {} to be smaller than self {} apart from dimension {} and to be smaller size "
                      "than src {}",
                op, shape_str(index.sizes()), shape_str(self.sizes()), dim, shape_str(src->sizes()));
  else
    EMBER_CHECK(fits, "[{}] Expected index {} to be smaller than self {} apart from dimension {}", op,
                shape_str(index.sizes()), shape_str(self.sizes()), dim);
}

void scatter_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const std::string_view op = scatter_name(def);
  const int64_t dim = detail::wrap_dim(op, call.int_attr(0), self.dim());
  check_scatter(op, self, dim, call.input(1), call.inputs.size() == 3 ? &call.input(2) : nullptr);
  scatter_reduce_of(def, call, op);
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void scatter_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  Tensor& out = outputs[0];
  const std::string_view op = scatter_name(def);
  const int64_t dim = detail::wrap_dim(op, call.int_attr(0), self.dim());
  const ScatterReduce reduce = scatter_reduce_of(def, call, op);
  const bool has_src = call.inputs.size() == 3;
  alignas(8) unsigned char value[8] = {};
  if (!has_src) store_checked(op, call.scalar_attr(1), out.dtype(), value);
  check_index_range(op, call.input(1), dim, nonempty_size(self, dim), false);
  start_from_self(self, out);
  if (call.input(1).numel() == 0) return;
  const Tensor index = snapshot_if_aliased(call.input(1), out);
  const StridedView index_view = nonempty_view(index);
  StridedView src_view;
  Tensor src;
  if (has_src) {
    src = snapshot_if_aliased(call.input(2), out);
    src_view = nonempty_view(src);
    src_view.sizes = index_view.sizes;  // index fits inside src
  } else {
    src_view = scalar_view(value, out.dtype(), index_view.sizes);
  }
  kernels::cpu::scatter(nonempty_view(out), index_view, src_view, dim, reduce);
}

// ---- index_add, index_copy: inputs {self, index, source}, attrs {dim, alpha (index_add only)} ----
// OpDef::code: the ScatterReduce (Add for index_add, None for index_copy).

std::string_view index_source_name(const OpDef& def) {
  return ScatterReduce(def.code) == ScatterReduce::Add ? "index_add" : "index_copy";
}

void index_source_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  const Tensor& source = call.input(2);
  const std::string_view op = index_source_name(def);
  const int64_t dim = detail::wrap_dim(op, call.int_attr(0), self.dim());
  if (ScatterReduce(def.code) == ScatterReduce::Add) {
    EMBER_CHECK(index.dim() <= 1,
                "[index_add] Index is supposed to be a vector, but got dim: {} with type: {} and size: {}",
                index.dim(), to_string(index.dtype()), shape_str(index.sizes()));
    EMBER_CHECK(is_index_dtype(index.dtype()), "[index_add] Expected dtype int32/int64 for index but got: {}",
                to_string(index.dtype()));
    EMBER_CHECK(self.dtype() == source.dtype(),
                "[index_add] self ({}) and source ({}) must have the same scalar type. Convert source with "
                ".to(self.dtype()).",
                to_string(self.dtype()), to_string(source.dtype()));
  } else {
    EMBER_CHECK(index.dtype() == kLong, "[index_copy] Expected a long tensor for index, but got {}",
                to_string(index.dtype()));
    EMBER_CHECK(index.dim() <= 1, "[index_copy] Index should have dimension 1 or 0 (got {})", index.dim());
    EMBER_CHECK(self.dtype() == source.dtype(),
                "[index_copy] self and source expected to have the same dtype, but got (self) {} and (source) {}",
                to_string(self.dtype()), to_string(source.dtype()));
  }
  EMBER_CHECK(nonempty_dim(source) == nonempty_dim(self),
              "[{}] When source and destination are not scalars, their dimensionality must match. Source "
              "dimensionality ({}), destination dimensionality ({})",
              op, source.dim(), self.dim());
  EMBER_CHECK(index.numel() == nonempty_size(source, dim),
              "[{}] Number of indices ({}) should be equal to source.size(dim) ({}), for dim: {}", op, index.numel(),
              nonempty_size(source, dim), dim);
  for (int64_t d = 0; d < nonempty_dim(self); ++d)
    EMBER_CHECK(d == dim || nonempty_size(source, d) == nonempty_size(self, d),
                "[{}] source tensor shape must match self tensor shape, excluding the specified dimension. Got "
                "self.shape = {} source.shape = {}",
                op, shape_str(self.sizes()), shape_str(source.sizes()));
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void index_source_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  Tensor& out = outputs[0];
  const std::string_view op = index_source_name(def);
  const int64_t dim = detail::wrap_dim(op, call.int_attr(0), self.dim());
  check_index_range(op, call.input(1), dim, nonempty_size(self, dim), false);
  start_from_self(self, out);
  const Tensor index = snapshot_if_aliased(call.input(1), out);
  const Tensor source = snapshot_if_aliased(call.input(2), out);
  const StridedView source_view = nonempty_view(source);
  const Scalar alpha = call.has(1) ? call.scalar_attr(1) : Scalar(1);
  kernels::cpu::scatter(nonempty_view(out), index_along(index, source_view.sizes, dim), source_view, dim,
                        ScatterReduce(def.code), {alpha.toDouble(), alpha.toLong()});
}

// ---- index_fill: inputs {self, index} attrs {dim, value: Scalar}, or inputs {self, index, value} attrs {dim} ----

void index_fill_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  detail::wrap_dim("index_fill", call.int_attr(0), self.dim());
  EMBER_CHECK(index.dtype() == kLong, "[index_fill] Expected dtype int64 for index, got {}. Convert it with .to(kLong).",
              to_string(index.dtype()));
  EMBER_CHECK(index.dim() <= 1, "[index_fill] Index has to be a vector/scalar, got a tensor of shape {}",
              shape_str(index.sizes()));
  if (call.inputs.size() == 3) check_zero_dim_value("index_fill", call.input(2));
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void index_fill_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  Tensor& out = outputs[0];
  const int64_t dim = detail::wrap_dim("index_fill", call.int_attr(0), self.dim());
  alignas(8) unsigned char value[8] = {};
  store_checked("index_fill", call.inputs.size() == 3 ? call.input(2).item() : call.scalar_attr(1), out.dtype(), value);
  check_index_range("index_fill", call.input(1), dim, nonempty_size(self, dim), true);
  start_from_self(self, out);
  const Tensor index = snapshot_if_aliased(call.input(1), out);
  DimVector sizes = nonempty_sizes(out);
  sizes[size_t(dim)] = index.numel();
  kernels::cpu::scatter(nonempty_view(out), index_along(index, sizes, dim), scalar_view(value, out.dtype(), sizes), dim,
                        ScatterReduce::None);
}

// ---- take: inputs {self, index} ----

void take_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& index = call.input(1);
  EMBER_CHECK(index.dtype() == kLong, "[take] Expected a long tensor for index, but got {}. Convert it with .to(kLong).",
              to_string(index.dtype()));
  out.push_back({DimVector(index.sizes()), {}, 0, call.input(0).dtype(), call.input(0).device()});
}

void take_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  const Tensor& index = call.input(1);
  if (index.numel() == 0) return;
  const int64_t n = self.numel();
  EMBER_CHECK(n > 0, "[take] tried to take from an empty tensor");
  if (const auto bad = kernels::cpu::find_index_out_of_range(detail::strided_view(index), n, true))
    EMBER_FAIL("[take] out of range: tried to access index {} on a tensor of {} elements.", *bad, n);
  // self read as its row-major flattening, laid along dim 0 of the index's shape.
  const Tensor flat = self.is_contiguous() ? self : private_copy(self);
  const StridedView out = nonempty_view(outputs[0]);
  StridedView source{flat.data_ptr(), flat.dtype(), DimVector(out.sizes), DimVector(out.sizes.size(), 0)};
  source.sizes[0] = n;
  source.strides[0] = 1;
  kernels::cpu::gather(out, source, nonempty_view(index), 0);
}

// ---- masked_fill: inputs {self, mask} attrs {value: Scalar}, or inputs {self, mask, value} ----

void masked_fill_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& mask = call.input(1);
  check_mask("masked_fill", mask);
  if (call.inputs.size() == 3) check_zero_dim_value("masked_fill", call.input(2));
  out.push_back({detail::broadcast_shape("masked_fill", self.sizes(), mask.sizes()), {}, 0, self.dtype(),
                 self.device()});
}

void masked_fill_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  alignas(8) unsigned char value[8] = {};
  store_checked("masked_fill", call.inputs.size() == 3 ? call.input(2).item() : call.scalar_attr(0), out.dtype(),
                value);
  start_from_self(call.input(0), out);
  // A mask that is the output itself is read at each element just before that element is written.
  const Tensor mask = call.input(1).is_same(out) ? out : snapshot_if_aliased(call.input(1), out);
  kernels::cpu::masked_fill(detail::strided_view(out), detail::broadcast_view(mask, out.sizes()), value);
}

// ---- masked_select, nonzero: the output size depends on the data, so their meta reads it ----

void masked_select_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& mask = call.input(1);
  check_mask("masked_select", mask);
  const DimVector shape = detail::broadcast_shape("masked_select", self.sizes(), mask.sizes());
  const int64_t count = kernels::cpu::count_nonzero(detail::broadcast_view(mask, shape));
  out.push_back({{count}, {}, 0, self.dtype(), self.device()});
}

void masked_select_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  const Tensor& mask = call.input(1);
  const DimVector shape = detail::broadcast_shape("masked_select", self.sizes(), mask.sizes());
  kernels::cpu::masked_select(outputs[0].data_ptr(), detail::broadcast_view(self, shape),
                              detail::broadcast_view(mask, shape));
}

void nonzero_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const int64_t count = kernels::cpu::count_nonzero(detail::strided_view(self));
  out.push_back({{count, self.dim()}, {}, 0, kLong, self.device()});
}

void nonzero_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  kernels::cpu::nonzero(detail::strided_view(call.input(0)), outputs[0].data_ptr<int64_t>());
}

// ---- tril, triu: inputs {self}, attrs {diagonal}; OpDef::code 1 keeps the lower triangle ----

void triangle_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() >= 2,
              "[{}] input tensor must have at least 2 dimensions, got {}. Use unsqueeze() to add a row dim.",
              def.code ? "tril" : "triu", self.dim());
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void triangle_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  kernels::cpu::triangle(detail::strided_view(outputs[0]), detail::strided_view(call.input(0)), call.int_attr(0),
                         def.code == 1);
}

// ---- one_hot: inputs {self}, attrs {num_classes}; -1 infers max + 1 from the data ----

std::pair<int64_t, int64_t> min_max(const Tensor& t) {
  const StridedView v = detail::strided_view(t);
  const int64_t* data = static_cast<const int64_t*>(v.data);
  kernels::cpu::StridedWalker<1> walk(v.sizes, {IntArrayRef(v.strides)});
  int64_t low = std::numeric_limits<int64_t>::max(), high = std::numeric_limits<int64_t>::min();
  for (int64_t i = 0; i < t.numel(); ++i, walk.next()) {
    low = std::min(low, data[walk.offset(0)]);
    high = std::max(high, data[walk.offset(0)]);
  }
  return {low, high};
}

void one_hot_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  int64_t classes = call.int_attr(0);
  EMBER_CHECK(self.dtype() == kLong, "[one_hot] is only applicable to index tensor, got a {} tensor. Convert it with "
                                     ".to(kLong).",
              to_string(self.dtype()));
  EMBER_CHECK(classes >= -1, "[one_hot] num_classes must be -1 (inferred) or non-negative, got {}", classes);
  if (classes == -1) {
    EMBER_CHECK(self.numel() > 0,
                "[one_hot] Can not infer total number of classes from empty tensor. Pass num_classes explicitly.");
    classes = std::max<int64_t>(min_max(self).second, 0) + 1;
  }
  DimVector sizes(self.sizes());
  sizes.push_back(classes);
  out.push_back({sizes, {}, 0, kLong, self.device()});
}

void one_hot_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  Tensor& out = outputs[0];
  const int64_t classes = out.sizes().back();
  if (self.numel() > 0) {
    const auto [low, high] = min_max(self);
    EMBER_CHECK(low >= 0, "[one_hot] Class values must be non-negative, got {}.", low);
    EMBER_CHECK(high < classes, "[one_hot] Class values must be smaller than num_classes ({}), got {}.", classes, high);
  }
  kernels::cpu::fill(detail::strided_view(out), {0.0, 0});
  if (classes == 0) return;
  // Scatter a 1 along the class dim at each value: the index is self with a trailing dim of size 1.
  StridedView index = detail::strided_view(self);
  index.sizes.push_back(1);
  index.strides.push_back(0);
  int64_t one = 1;
  kernels::cpu::scatter(detail::strided_view(out), index, scalar_view(&one, kLong, index.sizes), self.dim(),
                        ScatterReduce::None);
}

// ---- backward formulas (derivatives.yaml semantics); index and mask inputs never get gradients ----

int64_t grad_dim(const GradContext& ctx, std::string_view op) {
  return detail::wrap_dim(op, ctx.call.int_attr(0), int64_t(ctx.input_sizes(0).size()));
}

// index_select: self: zeros(self.sizes()).index_add(dim, index, grad).
GradList index_select_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const int64_t dim = grad_dim(ctx, "index_select");
  return {zeros(ctx.input_sizes(0), g.options()).index_add(dim, ctx.input(1), g), {}};
}

// gather: self: zeros(self.sizes()).scatter_add(dim, index, grad) (sparse_grad gives the same values, dense).
GradList gather_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const int64_t dim = grad_dim(ctx, "gather");
  return {zeros(ctx.input_sizes(0), g.options()).scatter_add(dim, ctx.input(1), g), {}};
}

// scatter.src / scatter.value: self: grad.scatter(dim, index, 0); src: grad.gather(dim, index).
// scatter_add: self: grad; src: grad.gather(dim, index). With a reduce argument PyTorch has no derivative.
GradList scatter_backward(const GradContext& ctx) {
  const bool add = ScatterReduce(ctx.op.code) == ScatterReduce::Add;
  const bool has_src = ctx.call.inputs.size() == 3;
  if (!add) {
    const size_t reduce_attr = has_src ? 1 : 2;
    EMBER_CHECK(!ctx.call.has(reduce_attr), "derivative for aten::scatter is not implemented (scatter with reduce='{}')",
                ctx.call.string_attr(reduce_attr));
  }
  const Tensor& g = ctx.grad();
  const int64_t dim = grad_dim(ctx, add ? "scatter_add" : "scatter");
  const Tensor& index = ctx.input(1);
  GradList grads(ctx.call.inputs.size());
  if (ctx.needs(0)) grads[0] = add ? g : g.scatter(dim, index, Scalar(0));
  if (has_src && ctx.needs(2)) grads[2] = g.gather(dim, index);
  return grads;
}

// The gradient of index_add/index_copy's source: grad.index_select(dim, index) in source's shape.
Tensor source_grad(const GradContext& ctx, int64_t dim) {
  return ctx.grad().index_select(dim, ctx.input(1).reshape({-1})).reshape(ctx.input_sizes(2));
}

// index_add: self: grad; source: grad.index_select(dim, index) * alpha.
GradList index_add_backward(const GradContext& ctx) {
  const int64_t dim = grad_dim(ctx, "index_add");
  GradList grads(3);
  if (ctx.needs(0)) grads[0] = ctx.grad();
  if (ctx.needs(2)) {
    Tensor s = source_grad(ctx, dim);
    if (ctx.call.has(1)) {
      const Scalar& alpha = ctx.call.scalar_attr(1);
      if (alpha.toDouble() != 1.0) s = s * alpha;
    }
    grads[2] = s;
  }
  return grads;
}

// index_copy: self: grad.index_fill(dim, index, 0); source: grad.index_select(dim, index).
GradList index_copy_backward(const GradContext& ctx) {
  const int64_t dim = grad_dim(ctx, "index_copy");
  GradList grads(3);
  if (ctx.needs(0)) grads[0] = ctx.grad().index_fill(dim, ctx.input(1), Scalar(0));
  if (ctx.needs(2)) grads[2] = source_grad(ctx, dim);
  return grads;
}

// index_fill: self: grad.index_fill(dim, index, 0); value: the sum of grad over the filled positions, each counted
// once however often the index repeats it (PyTorch: grad.index_select(dim, unique(index)).sum()).
GradList index_fill_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const int64_t dim = grad_dim(ctx, "index_fill");
  const Tensor& index = ctx.input(1);
  GradList grads(ctx.call.inputs.size());
  if (ctx.needs(0)) grads[0] = g.index_fill(dim, index, Scalar(0));
  if (ctx.call.inputs.size() == 3 && ctx.needs(2)) {
    const IntArrayRef sizes = ctx.input_sizes(0);
    const int64_t n = sizes.empty() ? 1 : sizes[size_t(dim)];
    // Positions along dim that were not filled, broadcast over the other dims.
    Tensor unfilled = ones({n}, TensorOptions(kBool).device(g.device())).index_fill(0, index, Scalar(false));
    DimVector shape(sizes.size(), 1);
    if (!shape.empty()) shape[size_t(dim)] = n;
    grads[2] = g.masked_fill(unfilled.reshape(shape), Scalar(0)).sum();
  }
  return grads;
}

// take: self: zeros(self.numel()).index_add(0, wrapped index, grad) in self's shape (PyTorch's put_ with accumulate).
GradList take_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t n = detail::product(sizes);
  const Tensor index = ctx.input(1).reshape({-1});
  const Tensor wrapped = where(index < Scalar(0), index + Scalar(n), index);
  return {zeros({n}, g.options()).index_add(0, wrapped, g.reshape({-1})).reshape(sizes), {}};
}

// masked_fill: self: grad.masked_fill(mask, 0); value: grad summed where the mask is set.
GradList masked_fill_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const Tensor& mask = ctx.input(1);
  GradList grads(ctx.call.inputs.size());
  if (ctx.needs(0)) grads[0] = g.masked_fill(mask, Scalar(0));
  if (ctx.call.inputs.size() == 3 && ctx.needs(2)) grads[2] = g.masked_fill(logical_not(mask), Scalar(0)).sum();
  return grads;
}

// masked_select: self: zeros of the broadcast shape with grad written where the mask is set (masked_scatter).
GradList masked_select_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const Tensor& mask = ctx.input(1);
  const DimVector shape = detail::broadcast_shape("masked_select", ctx.input_sizes(0), mask.sizes());
  const Tensor positions = nonzero(mask.expand(shape).reshape({-1})).reshape({-1});
  return {zeros({detail::product(shape)}, g.options()).index_add(0, positions, g).reshape(shape), {}};
}

// tril/triu: grad.tril(diagonal) / grad.triu(diagonal).
GradList triangle_backward(const GradContext& ctx) {
  const int64_t diagonal = ctx.call.int_attr(0);
  return {ctx.op.code == 1 ? ctx.grad().tril(diagonal) : ctx.grad().triu(diagonal)};
}


// ---- the table ----

constexpr int32_t kNone = int32_t(ScatterReduce::None), kAdd = int32_t(ScatterReduce::Add);

const OpDef index_select_def{"index_select", "(Tensor self, int dim, Tensor index) -> Tensor", OpKind::Compute,
                             FusionClass::Opaque, index_select_meta, index_select_kernel, nullptr,
                             {index_select_backward, save({1})}};
const OpDef gather_def{"gather", "(Tensor self, int dim, Tensor index, *, bool sparse_grad=False) -> Tensor",
                       OpKind::Compute, FusionClass::Opaque, gather_meta, gather_kernel, nullptr,
                       {gather_backward, save({1})}};

#define EMBER_SCATTER_DEF(var, name, schema, kind, code) \
  const OpDef var{name, schema, kind, FusionClass::Opaque, scatter_meta, scatter_kernel, nullptr, \
                {scatter_backward, save({1})}, nullptr, code};
EMBER_SCATTER_DEF(scatter_src_def, "scatter.src",
                  "(Tensor self, int dim, Tensor index, Tensor src, *, str? reduce=None) -> Tensor", OpKind::Compute,
                  kNone)
EMBER_SCATTER_DEF(scatter_value_def, "scatter.value",
                  "(Tensor self, int dim, Tensor index, Scalar value, *, str? reduce=None) -> Tensor", OpKind::Compute,
                  kNone)
EMBER_SCATTER_DEF(scatter__src_def, "scatter_.src",
                  "(Tensor(a!) self, int dim, Tensor index, Tensor src, *, str? reduce=None) -> Tensor(a!)",
                  OpKind::InPlace, kNone)
EMBER_SCATTER_DEF(scatter__value_def, "scatter_.value",
                  "(Tensor(a!) self, int dim, Tensor index, Scalar value, *, str? reduce=None) -> Tensor(a!)",
                  OpKind::InPlace, kNone)
EMBER_SCATTER_DEF(scatter_add_def, "scatter_add", "(Tensor self, int dim, Tensor index, Tensor src) -> Tensor",
                  OpKind::Compute, kAdd)
EMBER_SCATTER_DEF(scatter_add__def, "scatter_add_",
                  "(Tensor(a!) self, int dim, Tensor index, Tensor src) -> Tensor(a!)", OpKind::InPlace, kAdd)
#undef EMBER_SCATTER_DEF

const OpDef index_add_def{"index_add", "(Tensor self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor",
                          OpKind::Compute, FusionClass::Opaque, index_source_meta, index_source_kernel,
                          nullptr, {index_add_backward, save({1})}, nullptr, kAdd};
const OpDef index_add__def{"index_add_",
                           "(Tensor(a!) self, int dim, Tensor index, Tensor source, *, Scalar alpha=1) -> Tensor(a!)",
                           OpKind::InPlace, FusionClass::Opaque, index_source_meta, index_source_kernel,
                           nullptr, {index_add_backward, save({1})}, nullptr, kAdd};
const OpDef index_copy_def{"index_copy", "(Tensor self, int dim, Tensor index, Tensor source) -> Tensor",
                           OpKind::Compute, FusionClass::Opaque, index_source_meta, index_source_kernel,
                           nullptr, {index_copy_backward, save({1})}, nullptr, kNone};
const OpDef index_copy__def{"index_copy_", "(Tensor(a!) self, int dim, Tensor index, Tensor source) -> Tensor(a!)",
                            OpKind::InPlace, FusionClass::Opaque, index_source_meta, index_source_kernel,
                            nullptr, {index_copy_backward, save({1})}, nullptr, kNone};
const OpDef index_fill_scalar_def{"index_fill.int_Scalar", "(Tensor self, int dim, Tensor index, Scalar value) -> Tensor",
                                  OpKind::Compute, FusionClass::Opaque, index_fill_meta, index_fill_kernel, nullptr, {index_fill_backward, save({1})}};
const OpDef index_fill_tensor_def{"index_fill.int_Tensor", "(Tensor self, int dim, Tensor index, Tensor value) -> Tensor",
                                  OpKind::Compute, FusionClass::Opaque, index_fill_meta, index_fill_kernel, nullptr, {index_fill_backward, save({1})}};
const OpDef index_fill__scalar_def{"index_fill_.int_Scalar",
                                   "(Tensor(a!) self, int dim, Tensor index, Scalar value) -> Tensor(a!)",
                                   OpKind::InPlace, FusionClass::Opaque, index_fill_meta, index_fill_kernel, nullptr, {index_fill_backward, save({1})}};
const OpDef index_fill__tensor_def{"index_fill_.int_Tensor",
                                   "(Tensor(a!) self, int dim, Tensor index, Tensor value) -> Tensor(a!)",
                                   OpKind::InPlace, FusionClass::Opaque, index_fill_meta, index_fill_kernel, nullptr, {index_fill_backward, save({1})}};
const OpDef take_def{"take", "(Tensor self, Tensor index) -> Tensor", OpKind::Compute, FusionClass::Opaque, take_meta,
                     take_kernel, nullptr, {take_backward, save({1})}};
const OpDef masked_fill_scalar_def{"masked_fill.Scalar", "(Tensor self, Tensor mask, Scalar value) -> Tensor",
                                   OpKind::Compute, FusionClass::Opaque, masked_fill_meta, masked_fill_kernel, nullptr, {masked_fill_backward, save({1})}};
const OpDef masked_fill_tensor_def{"masked_fill.Tensor", "(Tensor self, Tensor mask, Tensor value) -> Tensor",
                                   OpKind::Compute, FusionClass::Opaque, masked_fill_meta, masked_fill_kernel, nullptr, {masked_fill_backward, save({1})}};
const OpDef masked_fill__scalar_def{"masked_fill_.Scalar", "(Tensor(a!) self, Tensor mask, Scalar value) -> Tensor(a!)",
                                    OpKind::InPlace, FusionClass::Opaque, masked_fill_meta, masked_fill_kernel, nullptr, {masked_fill_backward, save({1})}};
const OpDef masked_fill__tensor_def{"masked_fill_.Tensor", "(Tensor(a!) self, Tensor mask, Tensor value) -> Tensor(a!)",
                                    OpKind::InPlace, FusionClass::Opaque, masked_fill_meta, masked_fill_kernel, nullptr, {masked_fill_backward, save({1})}};
// masked_select and nonzero count the selected elements for their output shape (data_dependent).
// Boolean-mask indexing (x.index({mask}), index_put_ with a mask) takes its indices from nonzero, so
// a trace breaks there and not at index.Tensor.
const OpDef masked_select_def{"masked_select", "(Tensor self, Tensor mask) -> Tensor", OpKind::Compute,
                              FusionClass::Opaque, masked_select_meta, masked_select_kernel, nullptr,
                              {masked_select_backward, save({1})}, nullptr, 0, true};
const OpDef nonzero_def{"nonzero", "(Tensor self) -> Tensor", OpKind::Compute, FusionClass::Opaque, nonzero_meta,
                        nonzero_kernel, nullptr, kNotDifferentiable, nullptr, 0, true};
const OpDef tril_def{"tril", "(Tensor self, int diagonal=0) -> Tensor", OpKind::Compute, FusionClass::Opaque,
                     triangle_meta, triangle_kernel, nullptr, {triangle_backward, kSaveNone}, nullptr, 1};
const OpDef triu_def{"triu", "(Tensor self, int diagonal=0) -> Tensor", OpKind::Compute, FusionClass::Opaque,
                     triangle_meta, triangle_kernel, nullptr, {triangle_backward, kSaveNone}, nullptr, 0};
const OpDef tril__def{"tril_", "(Tensor(a!) self, int diagonal=0) -> Tensor(a!)", OpKind::InPlace, FusionClass::Opaque,
                      triangle_meta, triangle_kernel, nullptr, {triangle_backward, kSaveNone}, nullptr, 1};
const OpDef triu__def{"triu_", "(Tensor(a!) self, int diagonal=0) -> Tensor(a!)", OpKind::InPlace, FusionClass::Opaque,
                      triangle_meta, triangle_kernel, nullptr, {triangle_backward, kSaveNone}, nullptr, 0};
// one_hot with num_classes = -1 reads max(self) for its shape, so that form is an op of its own: only it is
// data_dependent, and one_hot with a class count (as the class-index losses' backward uses) traces.
const OpDef one_hot_def{"one_hot", "(Tensor self, int num_classes) -> Tensor", OpKind::Compute, FusionClass::Opaque,
                        one_hot_meta, one_hot_kernel, nullptr, kNotDifferentiable};
const OpDef one_hot_inferred_def{"one_hot.inferred_classes", "(Tensor self, int num_classes=-1) -> Tensor",
                                 OpKind::Compute, FusionClass::Opaque, one_hot_meta, one_hot_kernel, nullptr,
                                 kNotDifferentiable, nullptr, 0, true};

Attr reduce_attr(std::optional<std::string_view> reduce) {
  return reduce ? Attr(std::string(*reduce)) : Attr(std::monostate{});
}

Tensor run(const OpDef& def, OpCall call) { return dispatch_one(def, call); }

}  // namespace

void register_gather_ops(OpRegistry& r) {
  for (const OpDef* d :
       {&index_select_def, &gather_def, &scatter_src_def, &scatter_value_def, &scatter__src_def, &scatter__value_def,
        &scatter_add_def, &scatter_add__def, &index_add_def, &index_add__def, &index_copy_def, &index_copy__def,
        &index_fill_scalar_def, &index_fill_tensor_def, &index_fill__scalar_def, &index_fill__tensor_def, &take_def,
        &masked_fill_scalar_def, &masked_fill_tensor_def, &masked_fill__scalar_def, &masked_fill__tensor_def,
        &masked_select_def, &nonzero_def, &tril_def, &triu_def, &tril__def, &triu__def, &one_hot_def,
        &one_hot_inferred_def})
    r.add(d);
}

// ---- free functions ----

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  return run(index_select_def, {{self, index}, {dim}});
}
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index, bool sparse_grad) {
  return run(gather_def, {{self, index}, {dim, sparse_grad}});
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return run(scatter_src_def, {{self, index, src}, {dim, std::monostate{}}});
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  return run(scatter_value_def, {{self, index}, {dim, value, std::monostate{}}});
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) {
  return run(scatter_src_def, {{self, index, src}, {dim, reduce_attr(reduce)}});
}
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) {
  return run(scatter_value_def, {{self, index}, {dim, value, reduce_attr(reduce)}});
}
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return run(scatter_add_def, {{self, index, src}, {dim}});
}
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  return run(index_add_def, {{self, index, source}, {dim, alpha}});
}
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source) {
  return run(index_copy_def, {{self, index, source}, {dim}});
}
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  return run(index_fill_scalar_def, {{self, index}, {dim, value}});
}
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value) {
  return run(index_fill_tensor_def, {{self, index, value}, {dim}});
}
Tensor take(const Tensor& self, const Tensor& index) { return run(take_def, {{self, index}, {}}); }
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  return run(masked_fill_scalar_def, {{self, mask}, {value}});
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  return run(masked_fill_tensor_def, {{self, mask, value}, {}});
}
Tensor masked_select(const Tensor& self, const Tensor& mask) { return run(masked_select_def, {{self, mask}, {}}); }
Tensor nonzero(const Tensor& self) { return run(nonzero_def, {{self}, {}}); }
std::vector<Tensor> nonzero_numpy(const Tensor& self) {
  // A 0-d tensor answers as a one-element vector, as in NumPy.
  return (self.dim() == 0 ? nonzero(self.unsqueeze(0)) : nonzero(self)).unbind(1);
}
Tensor tril(const Tensor& self, int64_t diagonal) { return run(tril_def, {{self}, {diagonal}}); }
Tensor triu(const Tensor& self, int64_t diagonal) { return run(triu_def, {{self}, {diagonal}}); }
Tensor one_hot(const Tensor& self, int64_t num_classes) {
  return run(num_classes == -1 ? one_hot_inferred_def : one_hot_def, {{self}, {num_classes}});
}

// ---- methods ----

Tensor Tensor::index_select(int64_t dim, const Tensor& index) const { return ember::index_select(*this, dim, index); }
Tensor Tensor::gather(int64_t dim, const Tensor& index, bool sparse_grad) const {
  return ember::gather(*this, dim, index, sparse_grad);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter(*this, dim, index, src);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value) const {
  return ember::scatter(*this, dim, index, value);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) const {
  return ember::scatter(*this, dim, index, src, reduce);
}
Tensor Tensor::scatter(int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) const {
  return ember::scatter(*this, dim, index, value, reduce);
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src) {
  run(scatter__src_def, {{*this, index, src}, {dim, std::monostate{}}});
  return *this;
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value) {
  run(scatter__value_def, {{*this, index}, {dim, value, std::monostate{}}});
  return *this;
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Tensor& src, std::string_view reduce) {
  run(scatter__src_def, {{*this, index, src}, {dim, reduce_attr(reduce)}});
  return *this;
}
Tensor& Tensor::scatter_(int64_t dim, const Tensor& index, const Scalar& value, std::string_view reduce) {
  run(scatter__value_def, {{*this, index}, {dim, value, reduce_attr(reduce)}});
  return *this;
}
Tensor Tensor::scatter_add(int64_t dim, const Tensor& index, const Tensor& src) const {
  return ember::scatter_add(*this, dim, index, src);
}
Tensor& Tensor::scatter_add_(int64_t dim, const Tensor& index, const Tensor& src) {
  run(scatter_add__def, {{*this, index, src}, {dim}});
  return *this;
}
Tensor Tensor::index_add(int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) const {
  return ember::index_add(*this, dim, index, source, alpha);
}
Tensor& Tensor::index_add_(int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  run(index_add__def, {{*this, index, source}, {dim, alpha}});
  return *this;
}
Tensor Tensor::index_copy(int64_t dim, const Tensor& index, const Tensor& source) const {
  return ember::index_copy(*this, dim, index, source);
}
Tensor& Tensor::index_copy_(int64_t dim, const Tensor& index, const Tensor& source) {
  run(index_copy__def, {{*this, index, source}, {dim}});
  return *this;
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Scalar& value) const {
  return ember::index_fill(*this, dim, index, value);
}
Tensor Tensor::index_fill(int64_t dim, const Tensor& index, const Tensor& value) const {
  return ember::index_fill(*this, dim, index, value);
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Scalar& value) {
  run(index_fill__scalar_def, {{*this, index}, {dim, value}});
  return *this;
}
Tensor& Tensor::index_fill_(int64_t dim, const Tensor& index, const Tensor& value) {
  run(index_fill__tensor_def, {{*this, index, value}, {dim}});
  return *this;
}
Tensor Tensor::take(const Tensor& index) const { return ember::take(*this, index); }
Tensor Tensor::masked_fill(const Tensor& mask, const Scalar& value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor Tensor::masked_fill(const Tensor& mask, const Tensor& value) const {
  return ember::masked_fill(*this, mask, value);
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Scalar& value) {
  run(masked_fill__scalar_def, {{*this, mask}, {value}});
  return *this;
}
Tensor& Tensor::masked_fill_(const Tensor& mask, const Tensor& value) {
  run(masked_fill__tensor_def, {{*this, mask, value}, {}});
  return *this;
}
Tensor Tensor::masked_select(const Tensor& mask) const { return ember::masked_select(*this, mask); }
Tensor Tensor::nonzero() const { return ember::nonzero(*this); }
std::vector<Tensor> Tensor::nonzero_numpy() const { return ember::nonzero_numpy(*this); }
Tensor Tensor::tril(int64_t diagonal) const { return ember::tril(*this, diagonal); }
Tensor Tensor::triu(int64_t diagonal) const { return ember::triu(*this, diagonal); }
Tensor& Tensor::tril_(int64_t diagonal) {
  run(tril__def, {{*this}, {diagonal}});
  return *this;
}
Tensor& Tensor::triu_(int64_t diagonal) {
  run(triu__def, {{*this}, {diagonal}});
  return *this;
}

}  // namespace ember
