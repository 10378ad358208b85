// Copy ops through the registry: copy_ (broadcasting, across dtypes), clone, to(dtype), fill_, detach;
// plus contiguous/to/equal/isclose built on them.
#include <cmath>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

using detail::strided_view;

void same_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  out.push_back({DimVector(a.sizes()), {}, 0, a.dtype(), a.device()});
}

// copy_: inputs {self, src}.
void copy_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& src = call.input(1);
  const DimVector shape = detail::broadcast_shape(def.name, self.sizes(), src.sizes());
  EMBER_CHECK(IntArrayRef(shape) == self.sizes(),
              "[copy_] output with shape {} doesn't match the broadcast shape {}: the source of shape {} cannot be "
              "broadcast to the destination.",
              detail::shape_str(self.sizes()), detail::shape_str(shape), detail::shape_str(src.sizes()));
  // Any dtype may be copied into any other.
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void copy_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& dst = outputs[0];
  Tensor src = call.input(1);
  if (src.is_same(dst)) return;
  if (src.is_alias_of(dst)) src = src.clone();  // overlapping views: read a snapshot
  kernels::cpu::copy(strided_view(dst), detail::broadcast_view(src, dst.sizes()));
}

void clone_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  kernels::cpu::copy(strided_view(outputs[0]), strided_view(call.input(0)));
}

// _to_copy: inputs {self}, attrs {dtype}.
void to_copy_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  out.push_back({DimVector(a.sizes()), {}, 0, call.dtype_attr(0), a.device()});
}

// fill_: inputs {self}, attrs {value: Scalar}.
void fill_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Scalar& v = call.scalar_attr(0);
  kernels::cpu::fill(strided_view(outputs[0]), {v.toDouble(), v.toLong()});
}

void detach_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  out.push_back({DimVector(a.sizes()), DimVector(a.strides()), a.storage_offset(), a.dtype(), a.device()});
}

// ---- backward ----

// The grad passes through to the source (the engine reduces broadcasting and casts
// to each input's dtype); a destination that is overwritten gets zeros.
GradList identity_backward(const GradContext& ctx) { return {ctx.grad()}; }
GradList overwritten_backward(const GradContext& ctx) { return {zeros_like(ctx.grad())}; }
GradList copy_backward(const GradContext& ctx) {
  return {ctx.needs(0) ? zeros_like(ctx.grad()) : Tensor(), ctx.grad()};
}

const OpDef copy_def{"copy_", "(Tensor(a!) self, Tensor src, bool non_blocking=False) -> Tensor(a!)", OpKind::InPlace,
                     FusionClass::Pointwise, copy_meta, copy_kernel, nullptr, {copy_backward, kSaveNone}};
const OpDef clone_def{"clone", "(Tensor self) -> Tensor", OpKind::Compute, FusionClass::Pointwise, same_meta,
                      clone_kernel, nullptr, {identity_backward, kSaveNone}};
const OpDef to_copy_def{"_to_copy", "(Tensor self, *, ScalarType dtype) -> Tensor", OpKind::Compute,
                        FusionClass::Pointwise, to_copy_meta, clone_kernel, nullptr, {identity_backward, kSaveNone}};
const OpDef fill_def{"fill_.Scalar", "(Tensor(a!) self, Scalar value) -> Tensor(a!)", OpKind::InPlace,
                     FusionClass::Pointwise, same_meta, fill_kernel, nullptr, {overwritten_backward, kSaveNone}};
const OpDef detach_def{"detach", "(Tensor(a) self) -> Tensor(a)", OpKind::View, FusionClass::View, detach_meta,
                       nullptr, nullptr, {not_differentiable, kSaveNone}};

}  // namespace

void register_copy_ops(OpRegistry& r) {
  for (const OpDef* d : {&copy_def, &clone_def, &to_copy_def, &fill_def, &detach_def}) r.add(d);
}

Tensor clone(const Tensor& t) {
  OpCall call{{t}, {}};
  return dispatch_one(clone_def, call);
}

Tensor Tensor::clone() const { return ember::clone(*this); }

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor& Tensor::copy_(const Tensor& src, bool non_blocking) {
  OpCall call{{*this, src}, {non_blocking}};
  dispatch(copy_def, call);
  return *this;
}

Tensor& Tensor::fill_(const Scalar& value) {
  OpCall call{{*this}, {value}};
  dispatch(fill_def, call);
  return *this;
}

Tensor& Tensor::fill_(const Tensor& value) {
  EMBER_CHECK(value.dim() == 0,
              "[fill_] only supports 0-dimension value tensor but got tensor with {} dimensions. Use copy_ to copy a "
              "tensor of values.",
              value.dim());
  // A broadcast copy rather than item(): the value may require grad (its gradient is
  // grad.sum(), as for PyTorch's fill_.Tensor), and tracing sees no data read.
  return copy_(value.expand(sizes()));
}

Tensor& Tensor::zero_() { return fill_(0); }

Tensor Tensor::detach() const {
  OpCall call{{*this}, {}};
  return dispatch_one(detach_def, call);
}

Tensor Tensor::to(ScalarType dtype, bool, bool copy) const {
  if (dtype == this->dtype() && !copy) return *this;
  OpCall call{{*this}, {dtype}};
  return dispatch_one(to_copy_def, call);
}

Tensor Tensor::to(Device device, bool non_blocking, bool copy) const { return to(device, dtype(), non_blocking, copy); }

Tensor Tensor::to(Device device, ScalarType dtype, bool non_blocking, bool copy) const {
  // Only CPU storage exists in this build; asking for CUDA fails in the allocator with a clear message.
  if (device.type() != this->device().type()) {
    Tensor out = detail::make_tensor(sizes(), dtype, device);
    out.copy_(*this);
    return out;
  }
  return to(dtype, non_blocking, copy);
}

Tensor Tensor::to(const TensorOptions& options, bool non_blocking, bool copy) const {
  return to(options.has_device() ? options.device() : device(), options.has_dtype() ? options.dtype() : dtype(),
            non_blocking, copy);
}

Tensor Tensor::to(const Tensor& other, bool non_blocking, bool copy) const {
  return to(other.device(), other.dtype(), non_blocking, copy);
}

// ---- whole-tensor comparisons ----

namespace {
bool all_true(const Tensor& mask) {
  const Tensor m = mask.contiguous();
  const bool* p = m.data_ptr<bool>();
  for (int64_t i = 0; i < m.numel(); ++i)
    if (!p[i]) return false;
  return true;
}
}  // namespace

bool equal(const Tensor& a, const Tensor& b) {
  detail::check_cpu("equal", a);
  detail::check_cpu("equal", b);
  if (a.sizes() != b.sizes()) return false;
  return all_true(ember::eq(a, b));
}

Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  EMBER_CHECK(a.dtype() == b.dtype(), "[isclose] {} did not match {}. Convert one with .to() first.",
              to_string(a.dtype()), to_string(b.dtype()));
  EMBER_CHECK(rtol >= 0 && atol >= 0, "[isclose] rtol and atol must be non-negative, got rtol={} atol={}", rtol, atol);
  const DimVector shape = detail::broadcast_shape("isclose", a.sizes(), b.sizes());
  const Tensor ad = a.to(kDouble).expand(shape).contiguous();
  const Tensor bd = b.to(kDouble).expand(shape).contiguous();
  Tensor out = detail::make_tensor(shape, kBool, a.device());
  const double* x = ad.data_ptr<double>();
  const double* y = bd.data_ptr<double>();
  bool* o = out.data_ptr<bool>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) {
      o[i] = equal_nan && std::isnan(x[i]) && std::isnan(y[i]);
    } else if (x[i] == y[i]) {
      o[i] = true;  // equal infinities
    } else {
      o[i] = std::isfinite(x[i]) && std::isfinite(y[i]) && std::fabs(x[i] - y[i]) <= atol + rtol * std::fabs(y[i]);
    }
  }
  return out;
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  return all_true(isclose(a, b, rtol, atol, equal_nan));
}

bool Tensor::equal(const Tensor& other) const { return ember::equal(*this, other); }
bool Tensor::allclose(const Tensor& other, double rtol, double atol, bool equal_nan) const {
  return ember::allclose(*this, other, rtol, atol, equal_nan);
}

}  // namespace ember
