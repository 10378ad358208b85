// Ops along one dim through the registry: cumsum/cumprod, softmax/log_softmax, sort/argsort and topk.
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

// The dim an op works along; a 0-d tensor has one element along dim 0 (or -1).
int64_t op_dim(const OpDef& def, const Tensor& a, int64_t dim) { return detail::wrap_dim(def.name, dim, a.dim()); }

// ---- cumsum, cumprod ----
// Call layout: inputs {self}, attrs {dim: int, dtype: ScalarType | None}.

enum class ScanKind : int32_t { CumSum, CumProd };

ScalarType scan_dtype(const OpDef& def, const Tensor& a, std::optional<ScalarType> dtype) {
  const ScalarType t = dtype ? *dtype : is_integral(a.dtype(), true) ? kLong : a.dtype();
  EMBER_CHECK(t != kBool, "[{}] is not implemented for Bool results, as in PyTorch; pass dtype=kLong instead.",
              def.name);
  return t;
}

void scan_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  op_dim(def, a, call.int_attr(0));
  out.push_back({DimVector(a.sizes()), {}, 0, scan_dtype(def, a, call.optional_dtype_attr(1)), a.device()});
}

void scan_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const Tensor a = detail::cast_to(call.input(0), out.dtype());
  const auto op = ScanKind(def.code) == ScanKind::CumSum ? kernels::cpu::ScanOp::CumSum : kernels::cpu::ScanOp::CumProd;
  kernels::cpu::scan(op, detail::strided_view(out), detail::strided_view(a), op_dim(def, a, call.int_attr(0)));
}

// ---- backward (PyTorch's FunctionsManual.cpp) ----

// sum_{k >= i} t_k along dim.
Tensor reversed_cumsum(const Tensor& t, int64_t dim) { return t.flip({dim}).cumsum(dim).flip({dim}); }

// cumsum_backward: the reversed cumulative sum of the gradient.
// cumprod_backward: with w = grad * output, grad_i = sum_{k >= i} w_k / x_i before the first zero of a
// slice; at the first zero the products skip it (cumprod with that zero set to 1); after it, 0. Written
// with masks rather than PyTorch's host-side branch on whether the input has zeros.
GradList scan_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const IntArrayRef sizes = ctx.input_sizes(0);
  if (sizes.empty()) return {g};
  const int64_t dim = detail::wrap_dim(ctx.op.name, ctx.call.int_attr(0), int64_t(sizes.size()));
  if (ScanKind(ctx.op.code) == ScanKind::CumSum) return {sizes[size_t(dim)] == 0 ? g : reversed_cumsum(g, dim)};
  if (sizes[size_t(dim)] <= 1) return {g};
  const Tensor& input = ctx.input(0);
  const Tensor& output = ctx.output(0);
  const Tensor zeros_seen = (input == 0.0).cumsum(dim);
  const Tensor before_zero = zeros_seen == 0;
  const Tensor first_zero = (input == 0.0).logical_and(zeros_seen == 1);
  const Tensor before = reversed_cumsum(g * output, dim) / where(before_zero, input, 1.0);
  const Tensor at_zero = reversed_cumsum(g * where(first_zero, 1.0, input).cumprod(dim), dim);
  return {where(before_zero, before, where(first_zero, at_zero, 0.0))};
}

constexpr const char* kScanSchema = "(Tensor self, int dim, *, ScalarType? dtype=None) -> Tensor";
// Opaque to the JIT: a scan is neither pointwise nor a reduction to fewer elements.
const OpDef cumsum_def{"cumsum", kScanSchema, OpKind::Compute, FusionClass::Opaque, scan_meta, scan_kernel, nullptr,
                       {scan_backward, kSaveNone}, nullptr, int32_t(ScanKind::CumSum)};
const OpDef cumprod_def{"cumprod", kScanSchema, OpKind::Compute, FusionClass::Opaque, scan_meta, scan_kernel, nullptr,
                        {scan_backward, save({0}), save({0})}, nullptr, int32_t(ScanKind::CumProd)};

// ---- softmax, log_softmax ----
// Call layout: inputs {self}, attrs {dim: int, dtype: ScalarType | None}; the input is converted to dtype first.

void softmax_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  op_dim(def, a, call.int_attr(0));
  const ScalarType t = call.has(1) ? call.dtype_attr(1) : a.dtype();
  EMBER_CHECK(is_floating_point(t),
              "[{}] expected a floating point input or dtype, but got {}. Pass a floating dtype, e.g. "
              "softmax(x, dim, kFloat), or convert the input with .to(kFloat).",
              def.name, to_string(t));
  out.push_back({DimVector(a.sizes()), {}, 0, t, a.device()});
}

void softmax_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const Tensor a = detail::cast_to(call.input(0), out.dtype());
  kernels::cpu::softmax(detail::strided_view(out), detail::strided_view(a), op_dim(def, a, call.int_attr(0)),
                        def.code == 1);
}

// softmax as primitive ops, for the JIT to fuse: exp(x - max) / sum, or (x - max) - log(sum).
Outputs softmax_decomposition(const OpDef& def, const OpCall& call) {
  const Tensor x = call.has(1) ? detail::cast_to(call.input(0), call.dtype_attr(1)) : call.input(0);
  const int64_t dim = call.int_attr(0);
  const Tensor shifted = x - amax(x, {dim}, true);
  if (def.code == 1) return {shifted - log(sum(exp(shifted), {dim}, true))};
  const Tensor e = exp(shifted);
  return {e / sum(e, {dim}, true)};
}

// _softmax_backward_data: output * (grad - sum(grad * output)); _log_softmax_backward_data:
// grad - exp(output) * sum(grad). A dtype= conversion is undone by the engine's cast to the input dtype.
GradList softmax_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const Tensor& out = ctx.output(0);
  const int64_t dim = detail::wrap_dim(ctx.op.name, ctx.call.int_attr(0), out.dim());
  const DimVector dims = out.dim() == 0 ? DimVector{} : DimVector{dim};
  if (ctx.op.code == 1) return {g - out.exp() * g.sum(dims, true)};
  return {out * (g - (g * out).sum(dims, true))};
}

constexpr const char* kSoftmaxSchema = "(Tensor self, int dim, ScalarType? dtype=None) -> Tensor";
const OpDef softmax_def{"softmax.int", kSoftmaxSchema, OpKind::Compute, FusionClass::Reduction, softmax_meta,
                        softmax_kernel, nullptr, {softmax_backward, kSaveNone, save({0})}, softmax_decomposition, 0};
const OpDef log_softmax_def{"log_softmax.int", kSoftmaxSchema, OpKind::Compute, FusionClass::Reduction, softmax_meta,
                            softmax_kernel, nullptr, {softmax_backward, kSaveNone, save({0})}, softmax_decomposition, 1};

Tensor call_dim_dtype(const OpDef& def, const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  OpCall call{{t}, {dim}};
  call.attrs.push_back(dtype ? Attr(*dtype) : Attr());
  return dispatch_one(def, call);
}

// ---- sort ----
// Call layout: inputs {self}, attrs {stable: bool | None, dim: int, descending: bool}. The sort is
// always stable, which stable=False permits.

void sort_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  op_dim(def, a, call.int_attr(1));
  out.push_back({DimVector(a.sizes()), {}, 0, a.dtype(), a.device()});
  out.push_back({DimVector(a.sizes()), {}, 0, kLong, a.device()});
}

void sort_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& a = call.input(0);
  kernels::cpu::sort(detail::strided_view(outputs[0]), detail::strided_view(outputs[1]), detail::strided_view(a),
                     op_dim(def, a, call.int_attr(1)), call.bool_attr(2));
}

// value_selecting_reduction_backward with keepdim: the values' gradient goes back to the selected
// indices; the indices are not differentiable.
GradList select_along_backward(const GradContext& ctx, int64_t dim_attr) {
  const IntArrayRef sizes = ctx.input_sizes(0);
  const Tensor& g = ctx.grad(0);
  if (sizes.empty()) return {g};
  const int64_t dim = detail::wrap_dim(ctx.op.name, ctx.call.int_attr(size_t(dim_attr)), int64_t(sizes.size()));
  return {scatter(zeros(sizes, g.options()), dim, ctx.output(1), g)};
}
GradList sort_backward(const GradContext& ctx) { return select_along_backward(ctx, 1); }
GradList topk_backward(const GradContext& ctx) { return select_along_backward(ctx, 1); }

const OpDef sort_def{"sort.stable",
                     "(Tensor self, *, bool? stable, int dim=-1, bool descending=False) -> (Tensor values, Tensor indices)",
                     OpKind::Compute, FusionClass::Opaque, sort_meta, sort_kernel, nullptr,
                     {sort_backward, kSaveNone, save({1})}};

// ---- topk ----
// Call layout: inputs {self}, attrs {k: int, dim: int, largest: bool, sorted: bool}. Results always
// come sorted, which sorted=False permits.

void topk_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  EMBER_CHECK(a.dtype() != kBool, "[topk] is not implemented for Bool tensors, as in PyTorch; convert with .to(kInt) "
                                  "first.");
  const int64_t dim = op_dim(def, a, call.int_attr(1));
  const int64_t k = call.int_attr(0);
  const int64_t size = a.dim() == 0 ? 1 : a.sizes()[size_t(dim)];
  EMBER_CHECK(k >= 0 && k <= size,
              "[topk] selected index k out of range: k is {} but dim {} has size {}. Pass k between 0 and {}.", k,
              dim, size, size);
  DimVector sizes(a.sizes());
  if (a.dim() > 0) sizes[size_t(dim)] = k;  // a 0-d input gives 0-d results, as in PyTorch
  out.push_back({sizes, {}, 0, a.dtype(), a.device()});
  out.push_back({sizes, {}, 0, kLong, a.device()});
}

void topk_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& a = call.input(0);
  const int64_t k = a.dim() == 0 ? 1 : call.int_attr(0);
  kernels::cpu::topk(detail::strided_view(outputs[0]), detail::strided_view(outputs[1]), detail::strided_view(a), k,
                     op_dim(def, a, call.int_attr(1)), call.bool_attr(2));
}

const OpDef topk_def{"topk",
                     "(Tensor self, int k, int dim=-1, bool largest=True, bool sorted=True) -> (Tensor values, Tensor "
                     "indices)",
                     OpKind::Compute, FusionClass::Opaque, topk_meta, topk_kernel, nullptr,
                     {topk_backward, kSaveNone, save({1})}};

std::tuple<Tensor, Tensor> pair_of(Outputs&& o) { return {o[0], o[1]}; }

}  // namespace

void register_along_dim_ops(OpRegistry& r) {
  for (const OpDef* d : {&cumsum_def, &cumprod_def, &softmax_def, &log_softmax_def, &sort_def, &topk_def}) r.add(d);
}

// ---- free functions ----

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return call_dim_dtype(cumsum_def, t, dim, dtype);
}
Tensor cumprod(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return call_dim_dtype(cumprod_def, t, dim, dtype);
}
Tensor softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return call_dim_dtype(softmax_def, t, dim, dtype);
}
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<ScalarType> dtype) {
  return call_dim_dtype(log_softmax_def, t, dim, dtype);
}
std::tuple<Tensor, Tensor> sort(const Tensor& t, int64_t dim, bool descending) {
  return sort(t, std::optional<bool>(), dim, descending);
}
std::tuple<Tensor, Tensor> sort(const Tensor& t, std::optional<bool> stable, int64_t dim, bool descending) {
  OpCall call{{t}, {}};
  call.attrs.push_back(stable ? Attr(*stable) : Attr());
  call.attrs.push_back(dim);
  call.attrs.push_back(descending);
  return pair_of(dispatch(sort_def, call));
}
Tensor argsort(const Tensor& t, int64_t dim, bool descending) { return std::get<1>(sort(t, dim, descending)); }
Tensor argsort(const Tensor& t, std::optional<bool> stable, int64_t dim, bool descending) {
  return std::get<1>(sort(t, stable, dim, descending));
}
std::tuple<Tensor, Tensor> topk(const Tensor& t, int64_t k, int64_t dim, bool largest, bool sorted) {
  OpCall call{{t}, {k, dim, largest, sorted}};
  return pair_of(dispatch(topk_def, call));
}

// ---- methods ----

Tensor Tensor::cumsum(int64_t dim, std::optional<ScalarType> dtype) const { return ember::cumsum(*this, dim, dtype); }
Tensor Tensor::cumprod(int64_t dim, std::optional<ScalarType> dtype) const { return ember::cumprod(*this, dim, dtype); }
Tensor Tensor::softmax(int64_t dim, std::optional<ScalarType> dtype) const { return ember::softmax(*this, dim, dtype); }
Tensor Tensor::log_softmax(int64_t dim, std::optional<ScalarType> dtype) const {
  return ember::log_softmax(*this, dim, dtype);
}
std::tuple<Tensor, Tensor> Tensor::sort(int64_t dim, bool descending) const { return ember::sort(*this, dim, descending); }
std::tuple<Tensor, Tensor> Tensor::sort(std::optional<bool> stable, int64_t dim, bool descending) const {
  return ember::sort(*this, stable, dim, descending);
}
Tensor Tensor::argsort(int64_t dim, bool descending) const { return ember::argsort(*this, dim, descending); }
Tensor Tensor::argsort(std::optional<bool> stable, int64_t dim, bool descending) const {
  return ember::argsort(*this, stable, dim, descending);
}
std::tuple<Tensor, Tensor> Tensor::topk(int64_t k, int64_t dim, bool largest, bool sorted) const {
  return ember::topk(*this, k, dim, largest, sorted);
}

}  // namespace ember
