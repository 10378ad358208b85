// Reductions through the registry: sum, mean, prod, max/min (with indices), amax/amin, argmax/argmin,
// var/std (and with the mean), norm, logsumexp, all/any — dim lists, keepdim and dtype= as in PyTorch.
#include <cmath>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {

void register_along_dim_ops(OpRegistry& r);  // ops_along_dim.cpp

namespace {

using kernels::cpu::ReduceOp;

// ---- shared by every reduction ----

// Which dims attr `i` selects: absent (None) or an empty list means all of them, as in PyTorch.
// The attr is an int list or a single int.
std::vector<bool> reduced_dims(std::string_view op, int64_t ndim, const OpCall& call, size_t i) {
  if (!call.has(i)) return std::vector<bool>(size_t(std::max<int64_t>(ndim, 1)), true);
  if (std::holds_alternative<int64_t>(call.attrs[i])) return detail::dim_mask(op, {call.int_attr(i)}, ndim);
  if (call.ints_attr(i).empty()) return std::vector<bool>(size_t(std::max<int64_t>(ndim, 1)), true);
  return detail::dim_mask(op, call.ints_attr(i), ndim);
}
std::vector<bool> reduced_dims(std::string_view op, const Tensor& a, const OpCall& call, size_t i) {
  return reduced_dims(op, a.dim(), call, i);
}

// A reduction's output gradient broadcast back over the input: the reduced dims are
// reinserted (when keepdim dropped them) and expanded.
Tensor expand_reduced(const Tensor& g, IntArrayRef in_sizes, const std::vector<bool>& mask, bool keepdim) {
  Tensor r = g;
  if (!keepdim)
    for (size_t d = 0; d < in_sizes.size(); ++d)
      if (mask[d]) r = r.unsqueeze(int64_t(d));
  return r.expand(in_sizes);
}

DimVector reduced_sizes(const Tensor& a, const std::vector<bool>& mask, bool keepdim) {
  DimVector sizes;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (!mask[size_t(d)]) sizes.push_back(a.sizes()[size_t(d)]);
    else if (keepdim) sizes.push_back(1);
  }
  return sizes;
}

int64_t reduced_count(const Tensor& a, const std::vector<bool>& mask) {
  int64_t count = 1;
  for (int64_t d = 0; d < a.dim(); ++d)
    if (mask[size_t(d)]) count *= a.sizes()[size_t(d)];
  return count;
}

// How the kernels see a reduction's output: with the input's sizes and zero strides on reduced dims.
kernels::StridedView reduced_view(const Tensor& out, const Tensor& a, const std::vector<bool>& mask, bool keepdim) {
  kernels::StridedView v{out.data_ptr(), out.dtype(), DimVector(a.sizes()), DimVector(size_t(a.dim()), 0)};
  int64_t out_dim = 0;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (!mask[size_t(d)]) v.strides[size_t(d)] = out.strides()[size_t(out_dim++)];
    else if (keepdim) ++out_dim;
  }
  return v;
}

// Reductions without an identity (max, argmax, ...) cannot reduce nothing.
void check_nonempty(std::string_view op, const Tensor& a, const std::vector<bool>& mask, bool dims_given) {
  if (a.numel() != 0) return;
  EMBER_CHECK(dims_given,
              "[{}] Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with "
              "the 'dim' argument.",
              op);
  for (int64_t d = 0; d < a.dim(); ++d)
    EMBER_CHECK(!mask[size_t(d)] || a.sizes()[size_t(d)] != 0,
                "[{}] Expected reduction dim {} to have non-zero size.", op, d);
}

bool dims_given(const OpCall& call, size_t i) {
  if (!call.has(i)) return false;
  return std::holds_alternative<int64_t>(call.attrs[i]) || !call.ints_attr(i).empty();
}

Attr dims_attr(IntArrayRef dim) { return Attr(DimVector(dim)); }
Attr dtype_attr(std::optional<ScalarType> dtype) { return dtype ? Attr(*dtype) : Attr(std::monostate{}); }

// ---- one output, fewer dims: sum, mean, prod, amax, amin, max, min, all, any, logsumexp, norm ----
// Call layout: inputs {self}, attrs {dim: int list | int | None, keepdim: bool, dtype: ScalarType | None,
// p: double (norm only)}.

enum class ReduceKind : int32_t { Sum, Mean, Prod, AMax, AMin, Max, Min, All, Any, LogSumExp, Norm };

bool has_identity(ReduceKind k) {
  return !(k == ReduceKind::AMax || k == ReduceKind::AMin || k == ReduceKind::Max || k == ReduceKind::Min);
}

ScalarType reduce_dtype(const OpDef& def, const Tensor& a, std::optional<ScalarType> dtype) {
  const ScalarType in = a.dtype();
  switch (ReduceKind(def.code)) {
    case ReduceKind::Mean:
      EMBER_CHECK(!dtype || is_floating_point(*dtype),
                  "[mean] could not infer output dtype. Optional dtype must be either a floating point or complex "
                  "dtype. Got: {}. Pass dtype=kFloat.",
                  to_string(*dtype));
      if (dtype) return *dtype;
      EMBER_CHECK(is_floating_point(in),
                  "[mean] could not infer output dtype. Input dtype must be either a floating point or complex dtype. "
                  "Got: {}. Pass dtype=kFloat or convert the input with .to(kFloat).",
                  to_string(in));
      return in;
    case ReduceKind::Sum:
    case ReduceKind::Prod:
      if (dtype) return *dtype;
      return is_integral(in, true) ? kLong : in;
    case ReduceKind::All:
    case ReduceKind::Any:
      return in == kByte ? kByte : kBool;  // uint8 stays uint8, as in PyTorch
    case ReduceKind::LogSumExp:
      return is_floating_point(in) ? in : get_default_dtype();
    case ReduceKind::Norm:
      EMBER_CHECK(is_floating_point(in),
                  "[norm] input dtype should be either floating point or complex. Got {} instead. Convert it with "
                  ".to(kFloat) or pass dtype=kFloat.",
                  to_string(in));
      EMBER_CHECK(!dtype || is_floating_point(*dtype),
                  "[norm] the desired output dtype should be either floating point or complex. Got {} instead.",
                  to_string(*dtype));
      return dtype ? *dtype : in;
    default:
      return in;
  }
}

void reduce_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const auto mask = reduced_dims(def.name, a, call, 0);
  const ReduceKind kind = ReduceKind(def.code);
  if (!has_identity(kind)) check_nonempty(def.name, a, mask, dims_given(call, 0));
  out.push_back({reduced_sizes(a, mask, call.bool_attr(1)), {}, 0, reduce_dtype(def, a, call.optional_dtype_attr(2)),
                 a.device()});
}

ReduceOp kernel_op(ReduceKind k) {
  switch (k) {
    case ReduceKind::Sum:
    case ReduceKind::Mean: return ReduceOp::Sum;
    case ReduceKind::Prod: return ReduceOp::Prod;
    case ReduceKind::AMax:
    case ReduceKind::Max: return ReduceOp::Max;
    case ReduceKind::AMin:
    case ReduceKind::Min: return ReduceOp::Min;
    case ReduceKind::All: return ReduceOp::All;
    case ReduceKind::Any: return ReduceOp::Any;
    case ReduceKind::LogSumExp: return ReduceOp::LogSumExp;
    case ReduceKind::Norm: return ReduceOp::Norm;
  }
  return ReduceOp::Sum;
}

void reduce_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const ReduceKind kind = ReduceKind(def.code);
  // Arithmetic reductions run in the result dtype; comparisons and logical ones read the input as it is.
  const bool cast_input = kind == ReduceKind::Sum || kind == ReduceKind::Mean || kind == ReduceKind::Prod ||
                          kind == ReduceKind::LogSumExp || kind == ReduceKind::Norm;
  const Tensor a = cast_input ? detail::cast_to(call.input(0), out.dtype()) : call.input(0);
  const auto mask = reduced_dims(def.name, a, call, 0);
  kernels::cpu::ReduceArgs args;
  if (kind == ReduceKind::Mean) args.scale = 1.0 / double(reduced_count(a, mask));
  if (kind == ReduceKind::Norm) args.p = call.double_attr(3);
  kernels::cpu::reduce(kernel_op(kind), reduced_view(out, a, mask, call.bool_attr(1)), detail::strided_view(a), args);
}

constexpr const char* kReduceSchema = "(Tensor self, int[]? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor";

// ---- backward of the one-output reductions ----
// Formulas follow PyTorch's derivatives.yaml / FunctionsManual.cpp, written with ember ops so that they
// are differentiable again.

// A reduced tensor with its reduced dims reinserted as size 1 (when keepdim dropped them), so that it
// broadcasts against the input.
Tensor unsqueeze_reduced(const Tensor& t, IntArrayRef in_sizes, const std::vector<bool>& mask, bool keepdim) {
  Tensor r = t;
  if (!keepdim)
    for (size_t d = 0; d < in_sizes.size(); ++d)
      if (mask[d]) r = r.unsqueeze(int64_t(d));
  return r;
}

DimVector mask_dims(const std::vector<bool>& mask, size_t ndim) {
  DimVector dims;
  for (size_t d = 0; d < ndim; ++d)
    if (mask[d]) dims.push_back(int64_t(d));
  return dims;
}


// d prod(x) / dx_i = prod_{j != i} x_j along dim, correct with zeros in the input (PyTorch's
// prod_safe_zeros_backward): the product of the exclusive prefix and the exclusive suffix.
Tensor prod_safe_zeros_backward(const Tensor& grad, const Tensor& input, int64_t dim) {
  const int64_t n = input.sizes()[size_t(dim)];
  if (n == 0) return zeros_like(input, grad.options());  // an empty product: nothing to differentiate
  DimVector one_sizes(input.sizes());
  one_sizes[size_t(dim)] = 1;
  const Tensor ones_slice = ones(one_sizes, input.options());
  const Tensor exclusive_normal = cat({ones_slice, input.narrow(dim, 0, n - 1)}, dim).cumprod(dim);
  const Tensor reversed = input.flip({dim});
  const Tensor exclusive_reverse = cat({ones_slice, reversed.narrow(dim, 0, n - 1)}, dim).cumprod(dim).flip({dim});
  return grad * (exclusive_normal * exclusive_reverse);
}

// PyTorch's evenly_distribute_backward: max()/min() share the gradient evenly among ties (NaNs included).
Tensor evenly_distribute_backward(const Tensor& grad, const Tensor& input, const Tensor& value) {
  const Tensor mask = input.eq(value).logical_or(input.isnan().logical_and(value.isnan()));
  return mask * (grad / mask.sum());
}

// PyTorch's norm_backward; grad and norm come with the reduced dims kept.
Tensor norm_backward(const Tensor& grad, const Tensor& self, double p, const Tensor& norm, IntArrayRef dims) {
  if (p == 0.0) return zeros_like(self, grad.options());
  if (p == 1.0) return self.sign() * grad;
  if (p == 2.0) return grad * (self / norm).masked_fill(norm == 0.0, 0.0);
  if (std::isinf(p)) {
    // amax(|self|) that respects NaNs: the gradient goes evenly to every element whose |x| is the norm.
    const Tensor self_abs = self.abs();
    const Tensor mask = self_abs.eq(norm).logical_or(self_abs.isnan());
    return self.sign() * ((grad / mask.sum(dims, true)) * mask);
  }
  if (p < 1.0) {
    const Tensor self_scaled = self.sign() * self.abs().pow(p - 1).masked_fill(self == 0.0, 0.0);
    return self_scaled * grad * norm.pow(1 - p);
  }
  const Tensor self_scaled = p < 2.0 ? self.sign() * self.abs().pow(p - 1) : self * self.abs().pow(p - 2);
  const Tensor scale_v = (grad / norm.pow(p - 1)).masked_fill(norm == 0.0, 0.0);
  return self_scaled * scale_v;
}

GradList reduce_backward(const GradContext& ctx) {
  const ReduceKind kind = ReduceKind(ctx.op.code);
  const IntArrayRef in_sizes = ctx.input_sizes(0);
  const auto mask = reduced_dims(ctx.op.name, int64_t(in_sizes.size()), ctx.call, 0);
  const bool keepdim = ctx.call.bool_attr(1);
  const Tensor& g = ctx.grad();
  switch (kind) {
    case ReduceKind::Sum:
      return {expand_reduced(g, in_sizes, mask, keepdim)};
    case ReduceKind::Mean: {
      int64_t count = 1;
      for (size_t d = 0; d < in_sizes.size(); ++d)
        if (mask[d]) count *= in_sizes[d];
      return {expand_reduced(g, in_sizes, mask, keepdim) / double(count)};
    }
    case ReduceKind::Prod: {
      // PyTorch's prod_backward, always on the path that is safe with zeros (the other path only
      // differs in rounding, and choosing between them would read the input on the host).
      const Tensor& input = ctx.input(0);
      if (input.dim() == 0) return {g};
      if (!ctx.call.has(0)) {  // prod(): all elements, as one flattened dim
        const Tensor flat = input.reshape({-1});
        return {prod_safe_zeros_backward(g, flat, 0).reshape(in_sizes)};
      }
      const int64_t dim = detail::wrap_dim(ctx.op.name, ctx.call.int_attr(0), input.dim());
      return {prod_safe_zeros_backward(unsqueeze_reduced(g, in_sizes, mask, keepdim), input, dim)};
    }
    case ReduceKind::AMax:
    case ReduceKind::AMin: {
      // scale_grad_by_count: the gradient is split evenly among the elements equal to the result.
      const Tensor& input = ctx.input(0);
      if (input.dim() == 0) return {g};
      const Tensor is_extreme = unsqueeze_reduced(ctx.output(0), in_sizes, mask, keepdim).eq(input);
      const Tensor count = is_extreme.sum(mask_dims(mask, in_sizes.size()), true);
      return {(unsqueeze_reduced(g, in_sizes, mask, keepdim) / count) * is_extreme};
    }
    case ReduceKind::Max:
    case ReduceKind::Min:
      return {evenly_distribute_backward(g, ctx.input(0), ctx.output(0))};
    case ReduceKind::LogSumExp: {
      const Tensor& input = ctx.input(0);
      return {unsqueeze_reduced(g, in_sizes, mask, keepdim) *
              (input - unsqueeze_reduced(ctx.output(0), in_sizes, mask, keepdim)).exp()};
    }
    case ReduceKind::Norm: {
      const double p = ctx.call.double_attr(3);
      return {norm_backward(unsqueeze_reduced(g, in_sizes, mask, keepdim), ctx.input(0), p,
                            unsqueeze_reduced(ctx.output(0), in_sizes, mask, keepdim), mask_dims(mask, in_sizes.size()))};
    }
    default:
      EMBER_FAIL("[{}] has no backward formula", ctx.op.name);
  }
}

#define EMBER_REDUCE_DEF(var, name, schema, kind, grad)                                                  \
  const OpDef var{name, schema, OpKind::Compute, FusionClass::Reduction, reduce_meta, reduce_kernel, nullptr, \
                  grad, nullptr, int32_t(kind)};

EMBER_REDUCE_DEF(sum_def, "sum.dim_IntList", kReduceSchema, ReduceKind::Sum, (Derivative{reduce_backward, kSaveNone}))
EMBER_REDUCE_DEF(mean_def, "mean.dim", kReduceSchema, ReduceKind::Mean, (Derivative{reduce_backward, kSaveNone}))
EMBER_REDUCE_DEF(prod_def, "prod.dim_int", "(Tensor self, int? dim, bool keepdim=False, *, ScalarType? dtype=None) -> Tensor",
                 ReduceKind::Prod, (Derivative{reduce_backward, save({0})}))
EMBER_REDUCE_DEF(amax_def, "amax", "(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", ReduceKind::AMax,
                 (Derivative{reduce_backward, save({0}), save({0})}))
EMBER_REDUCE_DEF(amin_def, "amin", "(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", ReduceKind::AMin,
                 (Derivative{reduce_backward, save({0}), save({0})}))
EMBER_REDUCE_DEF(max_def, "max", "(Tensor self) -> Tensor", ReduceKind::Max,
                 (Derivative{reduce_backward, save({0}), save({0})}))
EMBER_REDUCE_DEF(min_def, "min", "(Tensor self) -> Tensor", ReduceKind::Min,
                 (Derivative{reduce_backward, save({0}), save({0})}))
EMBER_REDUCE_DEF(all_def, "all.dim", "(Tensor self, int? dim, bool keepdim=False) -> Tensor", ReduceKind::All,
                 kNotDifferentiable)
EMBER_REDUCE_DEF(any_def, "any.dim", "(Tensor self, int? dim, bool keepdim=False) -> Tensor", ReduceKind::Any,
                 kNotDifferentiable)
EMBER_REDUCE_DEF(logsumexp_def, "logsumexp", "(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
                 ReduceKind::LogSumExp, (Derivative{reduce_backward, save({0}), save({0})}))
EMBER_REDUCE_DEF(norm_def, "norm.ScalarOpt_dim_dtype",
                 "(Tensor self, int[]? dim, bool keepdim=False, *, ScalarType? dtype=None, float p=2) -> Tensor",
                 ReduceKind::Norm, (Derivative{reduce_backward, save({0}), save({0})}))
#undef EMBER_REDUCE_DEF

Tensor call_reduce(const OpDef& def, const Tensor& t, Attr dim, bool keepdim, std::optional<ScalarType> dtype = {},
                   std::optional<double> p = {}) {
  OpCall call{{t}, {std::move(dim), keepdim, dtype_attr(dtype)}};
  if (p) call.attrs.push_back(*p);
  return dispatch_one(def, call);
}

// ---- values and indices: max.dim, min.dim, argmax, argmin ----
// Call layout: inputs {self}, attrs {dim: int | None (all dims, flattened), keepdim: bool}.

enum class IndexKind : int32_t { Max, Min, ArgMax, ArgMin };

bool returns_values(IndexKind k) { return k == IndexKind::Max || k == IndexKind::Min; }

void index_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const IndexKind kind = IndexKind(def.code);
  if (!returns_values(kind))
    EMBER_CHECK(a.dtype() != kBool, "[{}] is not implemented for Bool tensors, as in PyTorch; convert with .to(kInt) first.",
                def.name);
  const auto mask = reduced_dims(def.name, a, call, 0);
  check_nonempty(def.name, a, mask, call.has(0));
  const DimVector sizes = reduced_sizes(a, mask, call.bool_attr(1));
  if (returns_values(kind)) out.push_back({sizes, {}, 0, a.dtype(), a.device()});
  out.push_back({sizes, {}, 0, kLong, a.device()});
}

void index_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& a = call.input(0);
  const IndexKind kind = IndexKind(def.code);
  const auto mask = reduced_dims(def.name, a, call, 0);
  const bool keepdim = call.bool_attr(1);
  const Tensor& indices = outputs[returns_values(kind) ? 1 : 0];
  // argmax/argmin write no values: the kernel skips a view without data.
  const kernels::StridedView values =
      returns_values(kind) ? reduced_view(outputs[0], a, mask, keepdim) : kernels::StridedView{};
  const bool is_max = kind == IndexKind::Max || kind == IndexKind::ArgMax;
  kernels::cpu::reduce_with_indices(is_max ? ReduceOp::Max : ReduceOp::Min, values,
                                    reduced_view(indices, a, mask, keepdim), detail::strided_view(a));
}

// PyTorch's value_selecting_reduction_backward: the gradient goes to the selected index.
GradList index_backward(const GradContext& ctx) {
  const IntArrayRef in_sizes = ctx.input_sizes(0);
  const Tensor& g = ctx.grad(0);
  if (in_sizes.empty()) return {g};
  const int64_t dim = detail::wrap_dim(ctx.op.name, ctx.call.int_attr(0), int64_t(in_sizes.size()));
  Tensor grad = g;
  Tensor indices = ctx.output(1);
  if (!ctx.call.bool_attr(1)) {
    grad = grad.unsqueeze(dim);
    indices = indices.unsqueeze(dim);
  }
  return {scatter(zeros(in_sizes, grad.options()), dim, indices, grad)};
}

const OpDef max_dim_def{"max.dim", "(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
                        OpKind::Compute, FusionClass::Reduction, index_meta, index_kernel, nullptr,
                        {index_backward, kSaveNone, save({1})}, nullptr, int32_t(IndexKind::Max)};
const OpDef min_dim_def{"min.dim", "(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
                        OpKind::Compute, FusionClass::Reduction, index_meta, index_kernel, nullptr,
                        {index_backward, kSaveNone, save({1})}, nullptr, int32_t(IndexKind::Min)};
const OpDef argmax_def{"argmax", "(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", OpKind::Compute,
                       FusionClass::Reduction, index_meta, index_kernel, nullptr,
                       {not_differentiable, kSaveNone, kSaveNone}, nullptr, int32_t(IndexKind::ArgMax)};
const OpDef argmin_def{"argmin", "(Tensor self, int? dim=None, bool keepdim=False) -> Tensor", OpKind::Compute,
                       FusionClass::Reduction, index_meta, index_kernel, nullptr,
                       {not_differentiable, kSaveNone, kSaveNone}, nullptr, int32_t(IndexKind::ArgMin)};

std::tuple<Tensor, Tensor> call_index_pair(const OpDef& def, const Tensor& t, int64_t dim, bool keepdim) {
  OpCall call{{t}, {dim, keepdim}};
  Outputs out = dispatch(def, call);
  return {out[0], out[1]};
}

Tensor call_arg(const OpDef& def, const Tensor& t, std::optional<int64_t> dim, bool keepdim) {
  OpCall call{{t}, {}};
  call.attrs.push_back(dim ? Attr(*dim) : Attr());
  call.attrs.push_back(keepdim);
  return dispatch_one(def, call);
}

// ---- moments: var, std, var_mean, std_mean ----
// Call layout: inputs {self}, attrs {dim: int list | None, correction: int | None (1), keepdim: bool}.

enum class MomentKind : int32_t { Var, Std, VarMean, StdMean };

void moments_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  EMBER_CHECK(is_floating_point(a.dtype()),
              "[{}] std and var only support floating point and complex dtypes; got {}. Convert the input with "
              ".to(kFloat) first.",
              def.name, to_string(a.dtype()));
  const auto mask = reduced_dims(def.name, a, call, 0);
  const DimVector sizes = reduced_sizes(a, mask, call.bool_attr(2));
  out.push_back({sizes, {}, 0, a.dtype(), a.device()});
  const MomentKind kind = MomentKind(def.code);
  if (kind == MomentKind::VarMean || kind == MomentKind::StdMean) out.push_back({sizes, {}, 0, a.dtype(), a.device()});
}

void moments_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& a = call.input(0);
  const auto mask = reduced_dims(def.name, a, call, 0);
  const bool keepdim = call.bool_attr(2);
  const double correction = call.has(1) ? double(call.int_attr(1)) : 1.0;
  const MomentKind kind = MomentKind(def.code);
  const auto in = detail::strided_view(a);
  if (kind == MomentKind::Var || kind == MomentKind::Std) {
    kernels::cpu::ReduceArgs args;
    args.correction = correction;
    kernels::cpu::reduce(kind == MomentKind::Std ? ReduceOp::Std : ReduceOp::Var,
                         reduced_view(outputs[0], a, mask, keepdim), in, args);
  } else {
    kernels::cpu::var_mean(reduced_view(outputs[0], a, mask, keepdim), reduced_view(outputs[1], a, mask, keepdim), in,
                           correction, kind == MomentKind::StdMean);
  }
}

// PyTorch's var_backward / std_backward / var_mean_backward / std_mean_backward.
GradList moments_backward(const GradContext& ctx) {
  const MomentKind kind = MomentKind(ctx.op.code);
  const Tensor& self = ctx.input(0);
  const IntArrayRef in_sizes = ctx.input_sizes(0);
  const auto mask = reduced_dims(ctx.op.name, int64_t(in_sizes.size()), ctx.call, 0);
  const bool keepdim = ctx.call.bool_attr(2);
  const int64_t correction = ctx.call.has(1) ? ctx.call.int_attr(1) : 1;
  int64_t count = 1;
  for (size_t d = 0; d < in_sizes.size(); ++d)
    if (mask[d]) count *= in_sizes[d];
  const DimVector dims = mask_dims(mask, in_sizes.size());
  Tensor grad_var = ctx.grad(0);
  if (kind == MomentKind::Std || kind == MomentKind::StdMean) {
    // d std = d var / (2 std), and 0 where std is 0.
    const Tensor& result = ctx.output(0);
    grad_var = (grad_var / (result * 2.0)).masked_fill(result == 0.0, 0.0);
  }
  const Tensor centred = in_sizes.empty() ? self - self.mean() : self - self.mean(dims, true);
  Tensor grad = (2.0 / double(count - correction)) * unsqueeze_reduced(grad_var, in_sizes, mask, keepdim) * centred;
  if (kind == MomentKind::VarMean || kind == MomentKind::StdMean)
    grad = grad + expand_reduced(ctx.grad(1), in_sizes, mask, keepdim) / double(count);
  return {grad};
}

#define EMBER_MOMENT_DEF(var, name, returns, kind, grad)                                                               \
  const OpDef var{name, "(Tensor self, int[1]? dim=None, *, int? correction=None, bool keepdim=False) -> " returns, \
                  OpKind::Compute, FusionClass::Reduction, moments_meta, moments_kernel, nullptr, grad, nullptr, \
                  int32_t(kind)};
EMBER_MOMENT_DEF(var_def, "var.correction", "Tensor", MomentKind::Var, (Derivative{moments_backward, save({0})}))
EMBER_MOMENT_DEF(std_def, "std.correction", "Tensor", MomentKind::Std,
                 (Derivative{moments_backward, save({0}), save({0})}))
EMBER_MOMENT_DEF(var_mean_def, "var_mean.correction", "(Tensor, Tensor)", MomentKind::VarMean,
                 (Derivative{moments_backward, save({0})}))
EMBER_MOMENT_DEF(std_mean_def, "std_mean.correction", "(Tensor, Tensor)", MomentKind::StdMean,
                 (Derivative{moments_backward, save({0}), save({0})}))
#undef EMBER_MOMENT_DEF

Outputs call_moments(const OpDef& def, const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim) {
  OpCall call{{t}, {DimVector(dim), correction, keepdim}};
  return dispatch(def, call);
}

int64_t correction_of(bool unbiased) { return unbiased ? 1 : 0; }

// 'fro' is the 2-norm over at most two dims (PyTorch's frobenius_norm); 'nuc' needs an SVD.
double norm_p_of(std::string_view p, IntArrayRef dim) {
  if (p == "fro") {
    EMBER_CHECK(dim.size() <= 2,
                "[norm] Expected at most 2 dimensions for the Frobenius norm, but got {} dimensions instead. Use p=2 "
                "for a vector 2-norm over more dims.",
                dim.size());
    return 2.0;
  }
  if (p == "nuc")
    EMBER_FAIL("[norm] the nuclear norm (p='nuc') is not supported yet: it needs singular values. Use p='fro' or a "
               "numeric p.");
  EMBER_FAIL("[norm] only valid string values are 'fro' and 'nuc', found {}", p);
}

}  // namespace

void register_reduction_ops(OpRegistry& r) {
  for (const OpDef* d : {&sum_def, &mean_def, &prod_def, &amax_def, &amin_def, &max_def, &min_def, &all_def, &any_def,
                         &logsumexp_def, &norm_def, &max_dim_def, &min_dim_def, &argmax_def, &argmin_def, &var_def,
                         &std_def, &var_mean_def, &std_mean_def})
    r.add(d);
  register_along_dim_ops(r);
}

// ---- free functions ----

Tensor sum(const Tensor& t, std::optional<ScalarType> dtype) { return call_reduce(sum_def, t, {}, false, dtype); }
Tensor sum(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(sum_def, t, dims_attr(dim), keepdim, dtype);
}
Tensor mean(const Tensor& t, std::optional<ScalarType> dtype) { return call_reduce(mean_def, t, {}, false, dtype); }
Tensor mean(const Tensor& t, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(mean_def, t, dims_attr(dim), keepdim, dtype);
}
Tensor prod(const Tensor& t, std::optional<ScalarType> dtype) { return call_reduce(prod_def, t, {}, false, dtype); }
Tensor prod(const Tensor& t, int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(prod_def, t, dim, keepdim, dtype);
}
Tensor max(const Tensor& t) { return call_reduce(max_def, t, {}, false); }
Tensor min(const Tensor& t) { return call_reduce(min_def, t, {}, false); }
std::tuple<Tensor, Tensor> max(const Tensor& t, int64_t dim, bool keepdim) {
  return call_index_pair(max_dim_def, t, dim, keepdim);
}
std::tuple<Tensor, Tensor> min(const Tensor& t, int64_t dim, bool keepdim) {
  return call_index_pair(min_dim_def, t, dim, keepdim);
}
Tensor amax(const Tensor& t, IntArrayRef dim, bool keepdim) { return call_reduce(amax_def, t, dims_attr(dim), keepdim); }
Tensor amin(const Tensor& t, IntArrayRef dim, bool keepdim) { return call_reduce(amin_def, t, dims_attr(dim), keepdim); }
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return call_arg(argmax_def, t, dim, keepdim); }
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return call_arg(argmin_def, t, dim, keepdim); }

Tensor var(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  return call_moments(var_def, t, dim, correction_of(unbiased), keepdim)[0];
}
Tensor var(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim) {
  return call_moments(var_def, t, dim, correction, keepdim)[0];
}
Tensor std(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  return call_moments(std_def, t, dim, correction_of(unbiased), keepdim)[0];
}
Tensor std(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim) {
  return call_moments(std_def, t, dim, correction, keepdim)[0];
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  Outputs o = call_moments(var_mean_def, t, dim, correction_of(unbiased), keepdim);
  return {o[0], o[1]};
}
std::tuple<Tensor, Tensor> var_mean(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim) {
  Outputs o = call_moments(var_mean_def, t, dim, correction, keepdim);
  return {o[0], o[1]};
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim, bool unbiased, bool keepdim) {
  Outputs o = call_moments(std_mean_def, t, dim, correction_of(unbiased), keepdim);
  return {o[0], o[1]};
}
std::tuple<Tensor, Tensor> std_mean(const Tensor& t, IntArrayRef dim, int64_t correction, bool keepdim) {
  Outputs o = call_moments(std_mean_def, t, dim, correction, keepdim);
  return {o[0], o[1]};
}

Tensor norm(const Tensor& t, const Scalar& p) { return call_reduce(norm_def, t, {}, false, std::nullopt, p.toDouble()); }
Tensor norm(const Tensor& t, const Scalar& p, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return call_reduce(norm_def, t, dims_attr(dim), keepdim, dtype, p.toDouble());
}
Tensor detail::norm_by_name(const Tensor& t, std::string_view p, IntArrayRef dim, bool keepdim,
                           std::optional<ScalarType> dtype) {
  return call_reduce(norm_def, t, dims_attr(dim), keepdim, dtype, norm_p_of(p, dim));
}

Tensor logsumexp(const Tensor& t, IntArrayRef dim, bool keepdim) {
  return call_reduce(logsumexp_def, t, dims_attr(dim), keepdim);
}
Tensor all(const Tensor& t) { return call_reduce(all_def, t, {}, false); }
Tensor all(const Tensor& t, int64_t dim, bool keepdim) { return call_reduce(all_def, t, dim, keepdim); }
Tensor any(const Tensor& t) { return call_reduce(any_def, t, {}, false); }
Tensor any(const Tensor& t, int64_t dim, bool keepdim) { return call_reduce(any_def, t, dim, keepdim); }

// ---- methods ----

Tensor Tensor::sum(std::optional<ScalarType> dtype) const { return ember::sum(*this, dtype); }
Tensor Tensor::sum(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::sum(*this, dim, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const { return ember::mean(*this, dtype); }
Tensor Tensor::mean(IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::mean(*this, dim, keepdim, dtype);
}
Tensor Tensor::prod(std::optional<ScalarType> dtype) const { return ember::prod(*this, dtype); }
Tensor Tensor::prod(int64_t dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::prod(*this, dim, keepdim, dtype);
}
Tensor Tensor::max() const { return ember::max(*this); }
Tensor Tensor::min() const { return ember::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(int64_t dim, bool keepdim) const { return ember::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(int64_t dim, bool keepdim) const { return ember::min(*this, dim, keepdim); }
Tensor Tensor::amax(IntArrayRef dim, bool keepdim) const { return ember::amax(*this, dim, keepdim); }
Tensor Tensor::amin(IntArrayRef dim, bool keepdim) const { return ember::amin(*this, dim, keepdim); }
Tensor Tensor::argmax(std::optional<int64_t> dim, bool keepdim) const { return ember::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(std::optional<int64_t> dim, bool keepdim) const { return ember::argmin(*this, dim, keepdim); }
Tensor Tensor::var(IntArrayRef dim, bool unbiased, bool keepdim) const { return ember::var(*this, dim, unbiased, keepdim); }
Tensor Tensor::var(IntArrayRef dim, int64_t correction, bool keepdim) const {
  return ember::var(*this, dim, correction, keepdim);
}
Tensor Tensor::std(IntArrayRef dim, bool unbiased, bool keepdim) const { return ember::std(*this, dim, unbiased, keepdim); }
Tensor Tensor::std(IntArrayRef dim, int64_t correction, bool keepdim) const {
  return ember::std(*this, dim, correction, keepdim);
}
Tensor Tensor::norm(const Scalar& p) const { return ember::norm(*this, p); }
Tensor Tensor::norm(const Scalar& p, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) const {
  return ember::norm(*this, p, dim, keepdim, dtype);
}
Tensor Tensor::logsumexp(IntArrayRef dim, bool keepdim) const { return ember::logsumexp(*this, dim, keepdim); }
Tensor Tensor::all() const { return ember::all(*this); }
Tensor Tensor::all(int64_t dim, bool keepdim) const { return ember::all(*this, dim, keepdim); }
Tensor Tensor::any() const { return ember::any(*this); }
Tensor Tensor::any(int64_t dim, bool keepdim) const { return ember::any(*this, dim, keepdim); }

}  // namespace ember
