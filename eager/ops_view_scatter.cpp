// as_strided_scatter: self with the strided window (size, stride, storage_offset) replaced by src,
// out of place. Functionalization turns a write through a view into it.
//
// self must be contiguous: then the window addresses self's elements in row-major order, exactly as
// PyTorch's as_strided_scatter addresses the storage of self's clone. (For a strided self PyTorch's
// answer depends on the clone's layout; ember refuses rather than differ.) storage_offset None means 0.
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

using detail::shape_str;

// Call layout: inputs {self, src}, attrs {size: int list, stride: int list, storage_offset: int | None}.
int64_t window_offset(const OpCall& call) { return call.has(2) ? call.int_attr(2) : 0; }

void as_strided_scatter_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& src = call.input(1);
  const IntArrayRef sizes = call.ints_attr(0), strides = call.ints_attr(1);
  const int64_t offset = window_offset(call);
  EMBER_CHECK(sizes.size() == strides.size(),
              "[as_strided_scatter] mismatch in length of strides and shape: got sizes {} and strides {}. Give one "
              "stride per size.",
              shape_str(sizes), shape_str(strides));
  detail::check_sizes("as_strided_scatter", sizes);
  for (int64_t s : strides)
    EMBER_CHECK(s >= 0, "[as_strided_scatter] Negative strides are not supported, got strides: {}", shape_str(strides));
  EMBER_CHECK(offset >= 0, "[as_strided_scatter] invalid storage offset {}; it must be non-negative.", offset);
  EMBER_CHECK(self.is_contiguous(),
              "[as_strided_scatter] expected a contiguous self, but got strides {} for shape {}; the window would "
              "address the storage of self's clone, whose layout PyTorch and ember choose differently. Call "
              ".contiguous() on self first.",
              shape_str(self.strides()), shape_str(self.sizes()));
  if (detail::product(sizes) > 0) {
    int64_t last = offset;
    for (size_t d = 0; d < sizes.size(); ++d) last += (sizes[d] - 1) * strides[d];
    EMBER_CHECK(last < self.numel(),
                "[as_strided_scatter] the window of sizes {}, strides {} and offset {} reaches element {}, outside "
                "self of shape {} ({} elements). Choose a window inside self.",
                shape_str(sizes), shape_str(strides), offset, last, shape_str(self.sizes()), self.numel());
  }
  EMBER_CHECK(src.sizes() == sizes,
              "[as_strided_scatter] expected src to have a size equal to the window of self: src size = {}, window "
              "size = {}",
              shape_str(src.sizes()), shape_str(sizes));
  EMBER_CHECK(src.device() == self.device(),
              "[as_strided_scatter] expected src on {}, like self, but got {}. Move it with .to() first.",
              self.device().str(), src.device().str());
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

void as_strided_scatter_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  kernels::cpu::copy(detail::strided_view(out), detail::strided_view(call.input(0)));
  const Tensor window = detail::make_view(out, call.ints_attr(0), call.ints_attr(1), out.storage_offset() + window_offset(call));
  kernels::cpu::copy(detail::strided_view(window), detail::strided_view(call.input(1)));
}

// self's gradient is grad with the window zeroed; src's is grad's window.
GradList as_strided_scatter_backward(const GradContext& ctx) {
  const IntArrayRef sizes = ctx.call.ints_attr(0), strides = ctx.call.ints_attr(1);
  const int64_t offset = window_offset(ctx.call);
  const Tensor& g = ctx.grad();
  GradList grads(2);
  if (ctx.needs(0)) grads[0] = as_strided_scatter(g.contiguous(), zeros(sizes, g.options()), sizes, strides, offset);
  if (ctx.needs(1)) {
    const Tensor dense = g.contiguous();
    grads[1] = dense.as_strided(sizes, strides, dense.storage_offset() + offset);
  }
  return grads;
}

const OpDef as_strided_scatter_def{
    .name = "as_strided_scatter",
    .schema = "(Tensor self, Tensor src, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None) -> Tensor",
    .kind = OpKind::Compute,
    .fusion = FusionClass::Extern,
    .meta = as_strided_scatter_meta,
    .cpu = as_strided_scatter_kernel,
    .backward = {as_strided_scatter_backward, kSaveNone}};

}  // namespace

void register_view_scatter_ops(OpRegistry& r) { r.add(&as_strided_scatter_def); }

Tensor as_strided_scatter(const Tensor& self, const Tensor& src, IntArrayRef size, IntArrayRef stride,
                          std::optional<int64_t> storage_offset) {
  OpCall call{{self, src}, {DimVector(size), DimVector(stride), storage_offset ? Attr(*storage_offset) : Attr()}};
  return dispatch_one(as_strided_scatter_def, call);
}

}  // namespace ember
