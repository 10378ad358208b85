// Reductions through the registry: sum and mean over all dims or a dim list, with keepdim and dtype=.
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

enum class ReduceKind : int32_t { Sum, Mean };

// Call layout: inputs {self}, attrs {dim: int list | None (all dims), keepdim: bool, dtype: ScalarType | None}.

ScalarType reduce_dtype(const OpDef& def, const Tensor& a, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  if (ReduceKind(def.code) == ReduceKind::Mean) {
    EMBER_CHECK(is_floating_point(a.dtype()),
                "[mean] could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
                "Got: {}. Pass dtype=kFloat or convert the input with .to(kFloat).",
                to_string(a.dtype()));
    return a.dtype();
  }
  return is_integral(a.dtype(), true) ? kLong : a.dtype();
}

// Which dims are reduced: an absent or empty list means all of them, as in PyTorch.
std::vector<bool> reduced_dims(const OpDef& def, const OpCall& call) {
  const Tensor& a = call.input(0);
  if (!call.has(0) || call.ints_attr(0).empty()) return std::vector<bool>(size_t(std::max<int64_t>(a.dim(), 1)), true);
  return detail::dim_mask(def.name, call.ints_attr(0), a.dim());
}

void reduce_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const auto mask = reduced_dims(def, call);
  const bool keepdim = call.bool_attr(1);
  DimVector sizes;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (!mask[size_t(d)]) sizes.push_back(a.sizes()[size_t(d)]);
    else if (keepdim) sizes.push_back(1);
  }
  out.push_back({sizes, {}, 0, reduce_dtype(def, a, call.optional_dtype_attr(2)), a.device()});
}

void reduce_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const Tensor a = detail::cast_to(call.input(0), out.dtype());
  const auto mask = reduced_dims(def, call);
  const bool keepdim = call.bool_attr(1);
  // View the output with the input's sizes and zero strides on reduced dims.
  kernels::StridedView ov{out.data_ptr(), out.dtype(), DimVector(a.sizes()), DimVector(size_t(a.dim()), 0)};
  int64_t out_dim = 0, count = 1;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (mask[size_t(d)]) {
      count *= a.sizes()[size_t(d)];
      if (keepdim) ++out_dim;
    } else {
      ov.strides[size_t(d)] = out.strides()[size_t(out_dim++)];
    }
  }
  const double scale = ReduceKind(def.code) == ReduceKind::Mean ? 1.0 / double(count) : 1.0;
  kernels::cpu::sum(ov, detail::strided_view(a), scale);
}

constexpr const char* kReduceSchema = "(Tensor self, int[]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor";
const OpDef sum_def{"sum.dim_IntList", kReduceSchema, OpKind::Compute, FusionClass::Reduction, reduce_meta,
                    reduce_kernel, nullptr, nullptr, nullptr, int32_t(ReduceKind::Sum)};
const OpDef mean_def{"mean.dim", kReduceSchema, OpKind::Compute, FusionClass::Reduction, reduce_meta, reduce_kernel,
                     nullptr, nullptr, nullptr, int32_t(ReduceKind::Mean)};

Attr dtype_attr(std::optional<ScalarType> dtype) { return dtype ? Attr(*dtype) : Attr(std::monostate{}); }

Tensor call_reduce(const OpDef& def, const Tensor& t, std::optional<IntArrayRef> dim, bool keepdim,
                   std::optional<ScalarType> dtype) {
  OpCall call{{t}, {dim ? Attr(DimVector(*dim)) : Attr(std::monostate{}), keepdim, dtype_attr(dtype)}};
  return dispatch_one(def, call);
}

}  // namespace

void register_reduction_ops(OpRegistry& r) {
  r.add(&sum_def);
  r.add(&mean_def);
}

Tensor sum(const Tensor& t, std::optional<ScalarType> dtype) { return call_reduce(sum_def, t, std::nullopt, false, dtype); }
Tensor sum(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(sum_def, t, dim, keepdim, dtype);
}
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype) {
  return call_reduce(mean_def, t, std::nullopt, false, dtype);
}
Tensor mean(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(mean_def, t, dim, keepdim, dtype);
}

Tensor Tensor::sum(std::optional<ScalarType> dtype) const { return ember::sum(*this, dtype); }
Tensor Tensor::sum(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::sum(*this, dim, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const { return ember::mean(*this, dtype); }
Tensor Tensor::mean(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::mean(*this, dim, keepdim, dtype);
}

}  // namespace ember
