// nn primitives through the registry: linear (extern GEMM), batch/layer/group norm, dropout and embedding
// (the losses live in ops_loss.cpp and register from here).
#include "eager/ops_nn.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/ops_nn_impl.h"
#include "kernels/check.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/nn.h"

namespace ember {

void register_nn_ops(OpRegistry& r);
void register_loss_ops(OpRegistry& r);

namespace {

using detail::optional_input;
using kernels::StridedView;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void check_floating_input(std::string_view op, const Tensor& t) {
  EMBER_CHECK(is_floating_point(t.dtype()),
              "[{}] \"{}\" not implemented for '{}': expected a floating point input. Convert it with .to(kFloat).", op,
              op, to_string(t.dtype()));
}

// Weights and statistics have the input's dtype, or float for a half/bfloat16 input (PyTorch's
// mixed-dtype rule on CPU).
void check_param_dtype(std::string_view op, std::string_view name, const Tensor& input, const Tensor& param) {
  if (!param.defined()) return;
  const bool reduced = input.dtype() == kHalf || input.dtype() == kBFloat16;
  EMBER_CHECK(param.dtype() == input.dtype() || (reduced && param.dtype() == kFloat),
              "[{}] expected {} to have scalar type {} (the input's), but found {}. Convert it with .to(k{}).", op,
              name, to_string(input.dtype()), to_string(param.dtype()), to_string(input.dtype()));
}

// PyTorch's expand rule: `sizes` must match `target` at every trailing dim where it is not 1.
void check_expandable(std::string_view op, IntArrayRef sizes, IntArrayRef target) {
  EMBER_CHECK(sizes.size() <= target.size(),
              "[{}] a tensor of shape {} cannot be broadcast to the output shape {}: it has more dims.", op,
              detail::shape_str(sizes), detail::shape_str(target));
  const size_t lead = target.size() - sizes.size();
  for (size_t i = 0; i < sizes.size(); ++i)
    EMBER_CHECK(sizes[i] == 1 || sizes[i] == target[lead + i],
                "[{}] The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton "
                "dimension {}.  Target sizes: {}.  Tensor sizes: {}",
                op, target[lead + i], sizes[i], lead + i, detail::shape_str(target), detail::shape_str(sizes));
}

// ================================ linear ================================
// Call layout: inputs {input, weight, bias?} (bias present when there are three inputs).

int64_t leading_rows(const Tensor& input) { return detail::product(input.sizes().slice(0, input.sizes().size() - 1)); }

void linear_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& input = call.input(0);
  const Tensor& weight = call.input(1);
  EMBER_CHECK(input.dim() >= 1,
              "[linear] both arguments to matmul need to be at least 1D, but they are {}D and {}D. Give the input a "
              "feature dim, e.g. input.reshape({{1}}).",
              input.dim(), weight.dim());
  EMBER_CHECK(weight.dim() == 1 || weight.dim() == 2,
              "[linear] expected weight of shape (out_features, in_features) or (in_features), but got a {}-D weight "
              "of shape {}.",
              weight.dim(), detail::shape_str(weight.sizes()));
  EMBER_CHECK(input.dtype() == weight.dtype(),
              "[linear] expected scalar type {} but found {}: input and weight must have one dtype. Convert the weight "
              "with .to(k{}).",
              to_string(input.dtype()), to_string(weight.dtype()), to_string(input.dtype()));
  EMBER_CHECK(input.dtype() != kBool,
              "[linear] \"addmm_impl_cpu_\" not implemented for 'Bool'; convert to a floating dtype first.");
  const int64_t k = input.size(-1), n = weight.dim() == 2 ? weight.size(0) : 1;
  EMBER_CHECK(weight.size(-1) == k,
              "[linear] mat1 and mat2 shapes cannot be multiplied ({}x{} and {}x{}): the input has {} features but the "
              "weight (out_features, in_features) expects {}.",
              leading_rows(input), k, weight.size(-1), n, k, weight.size(-1));
  DimVector sizes(input.sizes().begin(), input.sizes().end() - 1);
  if (weight.dim() == 2) sizes.push_back(n);
  if (call.inputs.size() == 3) {
    const Tensor& bias = call.input(2);
    EMBER_CHECK(bias.dtype() == input.dtype(),
                "[linear] expected bias of scalar type {} (the input's) but found {}. Convert it with .to(k{}).",
                to_string(input.dtype()), to_string(bias.dtype()), to_string(input.dtype()));
    check_expandable("linear", bias.sizes(), sizes);
  }
  out.push_back({sizes, {}, 0, input.dtype(), input.device()});
}

void linear_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  Tensor input = call.input(0);
  const Tensor& weight = call.input(1);
  const int64_t k = input.size(-1), n = weight.dim() == 2 ? weight.size(0) : 1, m = leading_rows(input);
  // Leading dims fold into the GEMM's rows; only a non-contiguous input of 3+ dims needs a copy for that.
  StridedView a = detail::strided_view(input);
  if (input.dim() == 1) {
    a = StridedView{a.data, a.dtype, {1, 1, k}, {0, 0, input.stride(0)}};
  } else if (input.dim() == 2) {
    a = StridedView{a.data, a.dtype, {1, m, k}, {0, input.stride(0), input.stride(1)}};
  } else {
    input = detail::dense(input, input.dtype());
    a = StridedView{input.data_ptr(), input.dtype(), {1, m, k}, {0, k, 1}};
  }
  // weight.T without a copy: (k, n) with the weight's strides swapped.
  const StridedView w =
      weight.dim() == 2
          ? StridedView{weight.data_ptr(), weight.dtype(), {1, k, n}, {0, weight.stride(1), weight.stride(0)}}
          : StridedView{weight.data_ptr(), weight.dtype(), {1, k, 1}, {0, weight.stride(0), 0}};
  const StridedView o{out.data_ptr(), out.dtype(), {1, m, n}, {0, n, 1}};
  kernels::cpu::ScalarArg beta{0.0, 0};
  if (call.inputs.size() == 3) {
    kernels::cpu::copy(detail::strided_view(out), detail::broadcast_view(call.input(2), out.sizes()));
    beta = {1.0, 1};
  }
  kernels::cpu::gemm(o, a, w, {1.0, 1}, beta);
}

// matmul(input, weight.T) (+ bias): what the JIT fuses around its GEMM.
Outputs linear_decomposition(const OpDef&, const OpCall& call) {
  Tensor y = matmul(call.input(0), call.input(1).t());
  if (call.inputs.size() == 3) y = add(y, call.input(2));
  return {y};
}

// d/dinput = grad @ weight, d/dweight = grad^T @ input (rows folded), d/dbias = grad (the engine sums it
// to the bias's shape). Written with linear itself, so it differentiates again.
GradList linear_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad(0);
  GradList grads(ctx.input_metas.size());
  const Tensor& input = ctx.input(0);
  const Tensor& weight = ctx.input(1);
  const int64_t k = input.size(-1);
  if (weight.dim() == 2) {
    const int64_t n = weight.size(0);
    if (ctx.needs(0)) grads[0] = linear(g, weight.t());
    if (ctx.needs(1)) grads[1] = linear(g.reshape({-1, n}).t(), input.reshape({-1, k}).t());
  } else {
    // A 1-D weight: out = input @ weight drops the feature dim.
    DimVector unsqueezed(g.sizes());
    unsqueezed.push_back(1);
    if (ctx.needs(0)) grads[0] = g.reshape(unsqueezed) * weight;
    if (ctx.needs(1)) grads[1] = (g.reshape({-1, 1}) * input.reshape({-1, k})).sum({0});
  }
  if (grads.size() > 2 && ctx.needs(2)) grads[2] = g;
  return grads;
}

const OpDef linear_def{.name = "linear",
                       .schema = "(Tensor input, Tensor weight, Tensor? bias=None) -> Tensor",
                       .kind = OpKind::Compute,
                       .fusion = FusionClass::Extern,
                       .meta = linear_meta,
                       .cpu = linear_kernel,
                       .backward = {linear_backward, save({0, 1}), kSaveNone},
                       .decomposition = linear_decomposition};

// ================================ normalisation backward ================================
// The vector-Jacobian product of y = xhat * w + b, xhat = (x - mean) * rstd, where mean and rstd are
// statistics over `dims` (count elements each) and also outputs of the op. mean and rstd are the op's
// saved outputs, shaped to broadcast against x; gmean and grstd are their incoming gradients. Every term
// is an ember op, so the result differentiates again (the saved statistics lead back to this op's node,
// whose formula then receives gradients for them too; hence the gmean/grstd terms).
struct NormGrads {
  Tensor input, weight_term;  // weight_term: grad * xhat, for the caller to reduce to the weight's shape
};

NormGrads normalization_backward(const Tensor& g, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                                 const Tensor& w, const Tensor& gmean, const Tensor& grstd, IntArrayRef dims,
                                 int64_t count, bool need_input, bool need_weight) {
  NormGrads out;
  const Tensor xhat = (x - mean) * rstd;
  if (need_weight) out.weight_term = g * xhat;
  if (!need_input) return out;
  const Tensor gxhat = w.defined() ? g * w : g;
  Tensor gx = rstd * (gxhat - gxhat.mean(dims, true) - xhat * (gxhat * xhat).mean(dims, true));
  const double inv_count = 1.0 / double(count);
  if (gmean.defined()) gx = gx + gmean * inv_count;
  // d rstd / dx = -rstd^3 (x - mean) / count = -rstd^2 xhat / count.
  if (grstd.defined()) gx = gx - grstd * rstd * rstd * xhat * inv_count;
  out.input = gx;
  return out;
}

DimVector all_dims_but(int64_t ndim, int64_t keep) {
  DimVector dims;
  for (int64_t d = 0; d < ndim; ++d)
    if (d != keep) dims.push_back(d);
  return dims;
}

// ================================ batch norm ================================
// Call layout: inputs {input, weight?, bias?, running_mean?, running_var?}, attrs {training: bool,
// momentum: double, eps: double, optionals: int mask over (weight, bias, running_mean, running_var)}.

struct BatchNormArgs {
  Tensor input, weight, bias, running_mean, running_var;
  bool training;
  double momentum, eps;
};

BatchNormArgs batch_norm_args(const OpCall& call) {
  const int64_t mask = call.int_attr(3);
  return {call.input(0),
          optional_input(call, 1, mask, 0),
          optional_input(call, 1, mask, 1),
          optional_input(call, 1, mask, 2),
          optional_input(call, 1, mask, 3),
          call.bool_attr(0),
          call.double_attr(1),
          call.double_attr(2)};
}

// The dtype of the saved statistics: the parameters' (float for a mixed-dtype call), else the input's.
ScalarType stats_dtype(const Tensor& input, std::initializer_list<const Tensor*> params) {
  for (const Tensor* p : params)
    if (p->defined()) return p->dtype();
  return input.dtype();
}

void batch_norm_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const BatchNormArgs a = batch_norm_args(call);
  const Tensor& x = a.input;
  EMBER_CHECK(x.dim() >= 2,
              "[batch_norm] expected an input of shape (N, C, ...) with at least 2 dims, but got shape {}. Add a "
              "batch dim with unsqueeze(0).",
              detail::shape_str(x.sizes()));
  check_floating_input("batch_norm", x);
  const int64_t channels = x.size(1);
  const std::pair<const char*, const Tensor*> params[] = {
      {"weight", &a.weight}, {"bias", &a.bias}, {"running_mean", &a.running_mean}, {"running_var", &a.running_var}};
  for (const auto& [name, t] : params) {
    if (!t->defined()) continue;
    EMBER_CHECK(t->numel() == channels,
                "[batch_norm] {} should contain {} elements not {}: one per channel (dim 1 of input shape {}).", name,
                channels, t->numel(), detail::shape_str(x.sizes()));
    check_param_dtype("batch_norm", name, x, *t);
  }
  if (a.training) {
    const int64_t per_channel = x.numel() == 0 ? 0 : x.numel() / channels;
    EMBER_CHECK(per_channel != 1,
                "[batch_norm] Expected more than 1 value per channel when training, got input size {}. Use a batch "
                "of 2+ samples, or evaluation mode.",
                detail::shape_str(x.sizes()));
  } else {
    EMBER_CHECK(a.running_mean.defined(),
                "[batch_norm] running_mean must be defined in evaluation mode; pass the "
                "running statistics or training=true.");
    EMBER_CHECK(a.running_var.defined(),
                "[batch_norm] running_var must be defined in evaluation mode; pass the "
                "running statistics or training=true.");
  }
  const ScalarType sd = stats_dtype(x, {&a.weight, &a.bias, &a.running_mean, &a.running_var});
  const int64_t saved = a.training ? channels : 0;
  out.push_back({DimVector(x.sizes()), {}, 0, x.dtype(), x.device()});
  out.push_back({{saved}, {}, 0, sd, x.device()});
  out.push_back({{saved}, {}, 0, sd, x.device()});
}

void batch_norm_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const BatchNormArgs a = batch_norm_args(call);
  const Tensor x = detail::dense(a.input, a.input.dtype());
  const int64_t n = x.size(0), channels = x.size(1), inner = x.numel() == 0 ? 0 : x.numel() / (n * channels);
  const std::vector<double> weight = detail::to_doubles(a.weight), bias = detail::to_doubles(a.bias);
  std::vector<double> mean(size_t(channels), kNaN), var(size_t(channels), kNaN);
  if (a.training) {
    if (x.numel() > 0) {
      kernels::cpu::channel_moments(x.dtype(), x.data_ptr(), n, channels, inner, mean.data(), var.data());
      const double count = double(n * inner);
      if (a.running_mean.defined()) {
        std::vector<double> rm = detail::to_doubles(a.running_mean);
        for (int64_t c = 0; c < channels; ++c)
          rm[size_t(c)] = a.momentum * mean[size_t(c)] + (1 - a.momentum) * rm[size_t(c)];
        detail::write_doubles(a.running_mean, rm);
      }
      if (a.running_var.defined()) {
        std::vector<double> rv = detail::to_doubles(a.running_var);
        for (int64_t c = 0; c < channels; ++c)
          rv[size_t(c)] = a.momentum * (var[size_t(c)] * count / (count - 1)) + (1 - a.momentum) * rv[size_t(c)];
        detail::write_doubles(a.running_var, rv);
      }
    }
  } else {
    mean = detail::to_doubles(a.running_mean);
    var = detail::to_doubles(a.running_var);
  }
  std::vector<double> invstd(static_cast<size_t>(channels));
  std::vector<double> scale(invstd.size()), shift(invstd.size());
  for (int64_t c = 0; c < channels; ++c) {
    const size_t i = size_t(c);
    invstd[i] = 1 / std::sqrt(var[i] + a.eps);
    scale[i] = invstd[i] * (a.weight.defined() ? weight[i] : 1.0);
    shift[i] = (a.bias.defined() ? bias[i] : 0.0) - mean[i] * scale[i];
  }
  kernels::cpu::channel_affine(x.dtype(), x.data_ptr(), outputs[0].data_ptr(), n, channels, inner, scale.data(),
                               shift.data());
  if (a.training) {
    detail::write_doubles(outputs[1], mean);
    detail::write_doubles(outputs[2], invstd);
  }
}

// Training: the normalisation VJP over all dims but C with the saved (save_mean, save_invstd), including
// the gradients those two outputs receive. Evaluation: an affine map with the running statistics, whose
// invstd is a constant. Running statistics get no gradient. Saves every input: the running statistics
// are read in evaluation (their positions depend on which optionals were given); training's in-place
// update to them happens before saving, so it does not trip the version check.
GradList batch_norm_backward(const GradContext& ctx) {
  const BatchNormArgs a = batch_norm_args(ctx.call);
  GradList grads(ctx.input_metas.size());
  const Tensor& x = a.input;
  const int64_t channels = x.size(1);
  DimVector bshape(size_t(x.dim()), 1);
  bshape[1] = channels;
  const DimVector dims = all_dims_but(x.dim(), 1);
  const Tensor w = a.weight.defined() ? a.weight.reshape(bshape) : Tensor();
  const int64_t mask = ctx.call.int_attr(3);
  const bool need_w = (mask & 1) && ctx.needs(1);
  const bool need_b = (mask & 2) && ctx.needs((mask & 1) ? 2 : 1);
  const Tensor& g = ctx.grad(0);
  Tensor weight_term;
  if (a.training) {
    const Tensor mean = ctx.output(1).reshape(bshape), rstd = ctx.output(2).reshape(bshape);
    const int64_t count = x.numel() / channels;
    NormGrads r = normalization_backward(g, x, mean, rstd, w, ctx.grad(1).reshape(bshape),
                                         ctx.grad(2).reshape(bshape), dims, count, ctx.needs(0), need_w);
    grads[0] = r.input;
    weight_term = r.weight_term;
  } else {
    const Tensor rstd = rsqrt(a.running_var.detach() + a.eps).reshape(bshape);
    const Tensor mean = a.running_mean.detach().reshape(bshape);
    if (ctx.needs(0)) grads[0] = w.defined() ? g * (w * rstd) : g * rstd;
    if (need_w) weight_term = g * ((x - mean) * rstd);
  }
  if (need_w) grads[1] = weight_term.sum(dims);
  if (need_b) grads[(mask & 1) ? 2 : 1] = g.sum(dims);
  return grads;
}

// Opaque: training writes the running statistics in place, which no fused kernel may reorder.
const OpDef batch_norm_def{.name = "native_batch_norm",
                           .schema =
                               "(Tensor input, Tensor? weight, Tensor? bias, Tensor(a!)? running_mean, Tensor(b!)? "
                               "running_var, bool training, float momentum, float eps) -> (Tensor, Tensor, Tensor)",
                           .kind = OpKind::Compute,
                           .fusion = FusionClass::Opaque,
                           .meta = batch_norm_meta,
                           .cpu = batch_norm_kernel,
                           .backward = {batch_norm_backward, kSaveAll, save({1, 2})}};

// ================================ layer norm ================================
// Call layout: inputs {input, weight?, bias?}, attrs {normalized_shape: int list, eps: double,
// optionals: int mask over (weight, bias)}.

void layer_norm_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& x = call.input(0);
  const IntArrayRef shape = call.ints_attr(0);
  const int64_t mask = call.int_attr(2);
  const Tensor weight = optional_input(call, 1, mask, 0), bias = optional_input(call, 1, mask, 1);
  EMBER_CHECK(!shape.empty(),
              "[layer_norm] Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
              "element, but got normalized_shape = {}",
              detail::shape_str(shape));
  const std::pair<const char*, const Tensor*> params[] = {{"weight", &weight}, {"bias", &bias}};
  for (const auto& [name, t] : params) {
    if (!t->defined()) continue;
    EMBER_CHECK(t->sizes() == shape,
                "[layer_norm] Expected {} to be of same shape as normalized_shape, but got {} of shape {} and "
                "normalized_shape = {}",
                name, name, detail::shape_str(t->sizes()), detail::shape_str(shape));
  }
  const size_t nd = shape.size();
  const bool matches = size_t(x.dim()) >= nd && x.sizes().slice(size_t(x.dim()) - nd) == shape;
  if (!matches) {
    std::string expected = "[*";
    for (int64_t s : shape) expected += fmt::format(", {}", s);
    EMBER_FAIL("[layer_norm] Given normalized_shape={}, expected input with shape {}], but got input of size{}",
               detail::shape_str(shape), expected, detail::shape_str(x.sizes()));
  }
  check_floating_input("layer_norm", x);
  check_param_dtype("layer_norm", "weight", x, weight);
  check_param_dtype("layer_norm", "bias", x, bias);
  DimVector stat_sizes(x.sizes().begin(), x.sizes().end() - int64_t(nd));
  for (size_t i = 0; i < nd; ++i) stat_sizes.push_back(1);
  out.push_back({DimVector(x.sizes()), {}, 0, x.dtype(), x.device()});
  out.push_back({stat_sizes, {}, 0, x.dtype(), x.device()});
  out.push_back({stat_sizes, {}, 0, x.dtype(), x.device()});
}

void layer_norm_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor x = detail::dense(call.input(0), call.input(0).dtype());
  const int64_t mask = call.int_attr(2);
  const int64_t cols = detail::product(call.ints_attr(0));
  const int64_t rows =
      cols == 0 ? detail::product(x.sizes().slice(0, x.sizes().size() - call.ints_attr(0).size())) : x.numel() / cols;
  const Tensor weight = optional_input(call, 1, mask, 0), bias = optional_input(call, 1, mask, 1);
  const std::vector<double> w = detail::to_doubles(weight), b = detail::to_doubles(bias);
  std::vector<double> mean(static_cast<size_t>(rows)), rstd(static_cast<size_t>(rows));
  kernels::cpu::channel_moments(x.dtype(), x.data_ptr(), 1, rows, cols, mean.data(), rstd.data());
  for (double& v : rstd) v = 1 / std::sqrt(std::max(v, 0.0) + call.double_attr(1));
  kernels::cpu::normalize_rows(x.dtype(), x.data_ptr(), outputs[0].data_ptr(), rows, cols, mean.data(), rstd.data(),
                               detail::data_or_null(w, weight), detail::data_or_null(b, bias));
  detail::write_doubles(outputs[1], mean);
  detail::write_doubles(outputs[2], rstd);
}

// mean / variance / normalise with sum-based primitives, so the JIT can fuse it as two reductions.
Outputs layer_norm_decomposition(const OpDef&, const OpCall& call) {
  const Tensor& x = call.input(0);
  const int64_t nd = int64_t(call.ints_attr(0).size()), mask = call.int_attr(2);
  std::vector<int64_t> dims;
  for (int64_t d = x.dim() - nd; d < x.dim(); ++d) dims.push_back(d);
  const Tensor mean = x.mean(dims, true);
  const Tensor centered = x - mean;
  const Tensor rstd = 1.0 / sqrt((centered * centered).mean(dims, true) + call.double_attr(1));
  Tensor y = centered * rstd;
  if (mask & 1) y = y * optional_input(call, 1, mask, 0);
  if (mask & 2) y = y + optional_input(call, 1, mask, 1);
  return {y, mean, rstd};
}

// The normalisation VJP over the trailing normalized_shape dims with the saved (mean, rstd), including the
// gradients of those outputs. weight and bias get grad * xhat and grad summed over the leading dims.
GradList layer_norm_backward(const GradContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t nd = int64_t(ctx.call.ints_attr(0).size()), mask = ctx.call.int_attr(2);
  GradList grads(ctx.input_metas.size());
  DimVector dims, lead;
  for (int64_t d = 0; d < x.dim(); ++d) (d >= x.dim() - nd ? dims : lead).push_back(d);
  const bool need_w = (mask & 1) && ctx.needs(1);
  const bool need_b = (mask & 2) && ctx.needs((mask & 1) ? 2 : 1);
  const Tensor w = (mask & 1) ? ctx.input(1) : Tensor();
  const Tensor& g = ctx.grad(0);
  const int64_t count = detail::product(ctx.call.ints_attr(0));
  NormGrads r = normalization_backward(g, x, ctx.output(1), ctx.output(2), w, ctx.grad(1), ctx.grad(2), dims, count,
                                       ctx.needs(0), need_w);
  grads[0] = r.input;
  auto reduce_lead = [&](const Tensor& t) { return lead.empty() ? t : t.sum(lead); };
  if (need_w) grads[1] = reduce_lead(r.weight_term);
  if (need_b) grads[(mask & 1) ? 2 : 1] = reduce_lead(g);
  return grads;
}

const OpDef layer_norm_def{.name = "native_layer_norm",
                           .schema =
                               "(Tensor input, int[] normalized_shape, Tensor? weight, Tensor? bias, float eps) -> "
                               "(Tensor, Tensor, Tensor)",
                           .kind = OpKind::Compute,
                           .fusion = FusionClass::Opaque,
                           .meta = layer_norm_meta,
                           .cpu = layer_norm_kernel,
                           .backward = {layer_norm_backward, save({0, 1}), save({1, 2})},
                           .decomposition = layer_norm_decomposition};

// ================================ group norm ================================
// Call layout: inputs {input, weight?, bias?}, attrs {num_groups: int, eps: double, optionals: int mask
// over (weight, bias)}.

void group_norm_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& x = call.input(0);
  const int64_t groups = call.int_attr(0), mask = call.int_attr(2);
  const Tensor weight = optional_input(call, 1, mask, 0), bias = optional_input(call, 1, mask, 1);
  EMBER_CHECK(x.dim() >= 2,
              "[group_norm] Expected at least 2 dimensions for input tensor but received {}; the input is (N, C, ...).",
              x.dim());
  EMBER_CHECK(groups > 0, "[group_norm] Expected num groups to be greater than 0, got {}", groups);
  const int64_t channels = x.size(1);
  EMBER_CHECK(channels % groups == 0,
              "[group_norm] Expected number of channels in input to be divisible by num_groups, but got input of "
              "shape {} and num_groups={}",
              detail::shape_str(x.sizes()), groups);
  const std::pair<const char*, const Tensor*> params[] = {{"weight", &weight}, {"bias", &bias}};
  for (const auto& [name, t] : params) {
    if (!t->defined()) continue;
    EMBER_CHECK(t->dim() == 1 && t->numel() == channels,
                "[group_norm] Expected {} to be a vector of size equal to the number of channels in input, but got {} "
                "of shape {} and input of shape {}",
                name, name, detail::shape_str(t->sizes()), detail::shape_str(x.sizes()));
    check_param_dtype("group_norm", name, x, *t);
  }
  check_floating_input("group_norm", x);
  out.push_back({DimVector(x.sizes()), {}, 0, x.dtype(), x.device()});
  out.push_back({{x.size(0), groups}, {}, 0, x.dtype(), x.device()});
  out.push_back({{x.size(0), groups}, {}, 0, x.dtype(), x.device()});
}

void group_norm_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor x = detail::dense(call.input(0), call.input(0).dtype());
  const int64_t groups = call.int_attr(0), mask = call.int_attr(2);
  const double eps = call.double_attr(1);
  const int64_t n = x.size(0), channels = x.size(1);
  const int64_t inner = n * channels == 0 ? detail::product(x.sizes().slice(2)) : x.numel() / (n * channels);
  const int64_t per_group = channels / groups;
  const Tensor weight = optional_input(call, 1, mask, 0), bias = optional_input(call, 1, mask, 1);
  const std::vector<double> w = detail::to_doubles(weight), b = detail::to_doubles(bias);
  std::vector<double> mean(static_cast<size_t>(n * groups)), rstd(static_cast<size_t>(n * groups));
  kernels::cpu::channel_moments(x.dtype(), x.data_ptr(), 1, n * groups, per_group * inner, mean.data(), rstd.data());
  for (double& v : rstd) v = 1 / std::sqrt(std::max(v, 0.0) + eps);
  // Each (sample, channel) row of `inner` elements is one affine map.
  std::vector<double> scale(static_cast<size_t>(n * channels)), shift(static_cast<size_t>(n * channels));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t c = 0; c < channels; ++c) {
      const size_t g = size_t(i * groups + c / per_group), row = size_t(i * channels + c);
      scale[row] = rstd[g] * (weight.defined() ? w[size_t(c)] : 1.0);
      shift[row] = (bias.defined() ? b[size_t(c)] : 0.0) - mean[g] * scale[row];
    }
  kernels::cpu::channel_affine(x.dtype(), x.data_ptr(), outputs[0].data_ptr(), 1, n * channels, inner, scale.data(),
                               shift.data());
  detail::write_doubles(outputs[1], mean);
  detail::write_doubles(outputs[2], rstd);
}

// The normalisation VJP per (sample, group), with x viewed as (N, G, C/G, inner) and the saved (mean, rstd)
// as (N, G, 1, 1), including the gradients of those outputs; weight and bias are per channel.
GradList group_norm_backward(const GradContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t groups = ctx.call.int_attr(0), mask = ctx.call.int_attr(2);
  GradList grads(ctx.input_metas.size());
  const int64_t n = x.size(0), channels = x.size(1), per_group = channels / groups;
  const int64_t inner = detail::product(x.sizes().slice(2));
  const DimVector shape{n, groups, per_group, inner}, stat{n, groups, 1, 1};
  const bool need_w = (mask & 1) && ctx.needs(1);
  const bool need_b = (mask & 2) && ctx.needs((mask & 1) ? 2 : 1);
  const Tensor w = (mask & 1) ? ctx.input(1).reshape({1, groups, per_group, 1}) : Tensor();
  const Tensor g = ctx.grad(0).reshape(shape);
  NormGrads r = normalization_backward(g, x.reshape(shape), ctx.output(1).reshape(stat), ctx.output(2).reshape(stat),
                                       w, ctx.grad(1).reshape(stat), ctx.grad(2).reshape(stat), {2, 3},
                                       per_group * inner, ctx.needs(0), need_w);
  if (ctx.needs(0)) grads[0] = r.input.reshape(x.sizes());
  if (need_w) grads[1] = r.weight_term.sum({0, 3}).reshape({channels});
  if (need_b) grads[(mask & 1) ? 2 : 1] = g.sum({0, 3}).reshape({channels});
  return grads;
}

const OpDef group_norm_def{.name = "native_group_norm",
                           .schema =
                               "(Tensor input, int num_groups, Tensor? weight, Tensor? bias, float eps) -> "
                               "(Tensor, Tensor, Tensor)",
                           .kind = OpKind::Compute,
                           .fusion = FusionClass::Opaque,
                           .meta = group_norm_meta,
                           .cpu = group_norm_kernel,
                           .backward = {group_norm_backward, save({0, 1}), save({1, 2})}};

// ================================ dropout ================================
// Call layout: inputs {input}, attrs {p: double, train: bool, generator: Generator | None (the default one)}.

void check_dropout_p(double p) {
  EMBER_CHECK(p >= 0 && p <= 1, "[dropout] dropout probability has to be between 0 and 1, but got {}", p);
}

void dropout_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& x = call.input(0);
  check_dropout_p(call.double_attr(0));
  EMBER_CHECK(is_floating_point(x.dtype()),
              "[{}] expected a floating point input, but got {}: the kept elements are scaled by 1 / (1 - p). Convert "
              "it with .to(kFloat).",
              def.name, to_string(x.dtype()));
  out.push_back({DimVector(x.sizes()), {}, 0, x.dtype(), x.device()});
  if (def.kind == OpKind::Compute) out.push_back({DimVector(x.sizes()), {}, 0, kBool, x.device()});
}

// The multiplier PyTorch's CPU dropout builds: bernoulli_(1 - p) in the input's dtype, divided by
// (1 - p) in that dtype. A contiguous tensor, so the draws follow row-major order as PyTorch's do.
Tensor dropout_noise(const Tensor& x, double p, const OpCall& call) {
  Tensor noise = detail::make_tensor(x.sizes(), x.dtype(), x.device());
  if (p == 1) {
    kernels::cpu::fill(detail::strided_view(noise), {0.0, 0});
    return noise;
  }
  const Generator g = call.has(2) ? std::get<Generator>(call.attrs[2]) : default_generator();
  noise.bernoulli_(1 - p, g);
  double kept = 0;
  visit_dtype(x.dtype(), [&]<typename T>() {
    if constexpr (kernels::cpu::is_float_like<T>) kept = double(T(1) / T(1 - p));
  });
  alignas(8) unsigned char scale[8] = {};
  kernels::cpu::store_scalar(scale, x.dtype(), {kept, 0});
  const StridedView sv{scale, x.dtype(), DimVector(x.sizes()), DimVector(x.sizes().size(), 0)};
  kernels::cpu::binary(kernels::cpu::BinaryOp::Mul, detail::strided_view(noise), detail::strided_view(noise), sv);
  return noise;
}

void dropout_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const Tensor& x = call.input(0);
  const double p = call.double_attr(0);
  const bool active = call.bool_attr(1) && p > 0;
  Tensor& out = outputs[0];
  if (!active) {
    // Evaluation (or p == 0): the identity, everything kept.
    if (!out.is_same(x)) kernels::cpu::copy(detail::strided_view(out), detail::strided_view(x));
    if (outputs.size() > 1) kernels::cpu::fill(detail::strided_view(outputs[1]), {1.0, 1});
    return;
  }
  const Tensor noise = dropout_noise(x, p, call);
  kernels::cpu::binary(kernels::cpu::BinaryOp::Mul, detail::strided_view(out), detail::strided_view(x),
                       detail::strided_view(noise));
  if (outputs.size() > 1) {
    alignas(8) unsigned char zero[8] = {};
    const StridedView zv{zero, x.dtype(), DimVector(x.sizes()), DimVector(x.sizes().size(), 0)};
    kernels::cpu::binary(kernels::cpu::BinaryOp::Ne, detail::strided_view(outputs[1]), detail::strided_view(noise), zv);
  }
}

// The multiplier PyTorch's backward uses: 1 / (1 - p) in training (0 for p == 1), 1 in evaluation.
double dropout_scale(const OpCall& call) {
  const double p = call.double_attr(0);
  if (!call.bool_attr(1)) return 1.0;
  return p == 1 ? 0.0 : 1.0 / (1.0 - p);
}

// grad * mask * scale, as PyTorch's infinitely_differentiable_native_dropout_backward.
GradList native_dropout_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad(0);
  // The mask is a constant (a bool output has no gradient), detached so nothing records through it.
  return {g * ctx.output(1).detach().to(g.dtype()) * dropout_scale(ctx.call)};
}

// The in-place form keeps no mask: the multiplier is recovered from the saved input (self before the
// write) and the result, result / self. Where self was 0 the two cannot tell a kept element from a
// dropped one; the gradient there is taken as kept (scale). The multiplier is a constant, so the
// formula differentiates again.
GradList dropout__backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad(0);
  const Tensor self = ctx.input(0).detach(), result = ctx.output(0).detach();
  const Tensor nonzero = ne(self, 0.0);
  const Tensor noise = where(nonzero, result / where(nonzero, self, 1.0), dropout_scale(ctx.call));
  return {g * noise};
}

// Opaque: it draws from a generator, so it runs eagerly between compiled segments.
const OpDef dropout_def{.name = "native_dropout",
                        .schema = "(Tensor input, float p, bool? train, *, Generator? generator=None) -> "
                                  "(Tensor, Tensor)",
                        .kind = OpKind::Compute,
                        .fusion = FusionClass::Opaque,
                        .meta = dropout_meta,
                        .cpu = dropout_kernel,
                        .backward = {native_dropout_backward, kSaveNone, save({1})}};
const OpDef dropout__def{.name = "dropout_",
                         .schema = "(Tensor(a!) self, float p, bool train, *, Generator? generator=None) -> Tensor(a!)",
                         .kind = OpKind::InPlace,
                         .fusion = FusionClass::Opaque,
                         .meta = dropout_meta,
                         .cpu = dropout_kernel,
                         .backward = {dropout__backward, save({0}), save({0})}};

// ================================ embedding ================================
// Call layout: inputs {weight, indices}, attrs {padding_idx: int, scale_grad_by_freq: bool, sparse: bool}.

void embedding_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& weight = call.input(0);
  const Tensor& indices = call.input(1);
  EMBER_CHECK(weight.dim() == 2, "[embedding] 'weight' must be 2-D (num_embeddings, embedding_dim), but got shape {}",
              detail::shape_str(weight.sizes()));
  EMBER_CHECK(indices.dtype() == kLong || indices.dtype() == kInt,
              "[embedding] Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, "
              "Int; but got {} instead. Convert the indices with .to(kLong).",
              to_string(indices.dtype()));
  const int64_t padding_idx = call.int_attr(0);
  EMBER_CHECK(padding_idx >= -1 && padding_idx < weight.size(0),
              "[embedding] padding_idx must be within num_embeddings ({}) or -1 for none, but got {}", weight.size(0),
              padding_idx);
  DimVector sizes(indices.sizes());
  sizes.push_back(weight.size(1));
  out.push_back({sizes, {}, 0, weight.dtype(), weight.device()});
}

void embedding_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& weight = call.input(0);
  const Tensor index = detail::dense(call.input(1), kLong);
  const int64_t* idx = index.data_ptr<int64_t>();
  const int64_t rows = weight.size(0);
  for (int64_t i = 0; i < index.numel(); ++i)
    EMBER_CHECK(idx[i] >= 0 && idx[i] < rows,
                "[embedding] index {} is out of range for an embedding table with {} rows (num_embeddings); indices "
                "must be in [0, {}).",
                idx[i], rows, rows);
  kernels::cpu::gather_rows(detail::strided_view(outputs[0]), detail::strided_view(weight), idx, index.numel());
}

// PyTorch's embedding_dense_backward: the rows of grad summed into the picked rows of a zero table; the
// padding_idx row gets nothing, and scale_grad_by_freq divides each row's gradient by how often its
// index occurs in this batch. The gradient is dense (sparse is not supported). Indices get none.
GradList embedding_backward(const GradContext& ctx) {
  GradList grads(2);
  if (!ctx.needs(0)) return grads;
  const Tensor& g = ctx.grad(0);
  const Tensor idx = ctx.input(1).reshape({-1}).to(kLong);
  const int64_t rows = ctx.input_sizes(0)[0], dim = ctx.input_sizes(0)[1];
  const int64_t padding_idx = ctx.call.int_attr(0);
  Tensor g2 = g.reshape({-1, dim});
  if (padding_idx >= 0) g2 = g2 * ne(idx, padding_idx).to(g.dtype()).reshape({-1, 1});
  if (ctx.call.bool_attr(1)) {
    const Tensor counts = zeros({rows}, TensorOptions(g.dtype()).device(g.device()))
                              .index_add(0, idx, ones({idx.numel()}, TensorOptions(g.dtype()).device(g.device())));
    g2 = g2 / counts.index_select(0, idx).reshape({-1, 1});
  }
  grads[0] = zeros({rows, dim}, TensorOptions(g.dtype()).device(g.device())).index_add(0, idx, g2);
  return grads;
}

// Opaque: a data-dependent gather.
const OpDef embedding_def{.name = "embedding",
                          .schema =
                              "(Tensor weight, Tensor indices, int padding_idx=-1, bool scale_grad_by_freq=False, bool "
                              "sparse=False) -> Tensor",
                          .kind = OpKind::Compute,
                          .fusion = FusionClass::Opaque,
                          .meta = embedding_meta,
                          .cpu = embedding_kernel,
                          .backward = {embedding_backward, save({1}), kSaveNone}};

std::tuple<Tensor, Tensor, Tensor> three(const Outputs& o) { return {o[0], o[1], o[2]}; }

}  // namespace

void register_nn_ops(OpRegistry& r) {
  for (const OpDef* d :
       {&linear_def, &batch_norm_def, &layer_norm_def, &group_norm_def, &dropout_def, &dropout__def, &embedding_def})
    r.add(d);
  register_loss_ops(r);
}

// ---- free functions ----

Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias) {
  OpCall call{{input, weight}, {}};
  if (detail::given(bias)) call.inputs.push_back(*bias);
  return dispatch_one(linear_def, call);
}

std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias,
                                                     const std::optional<Tensor>& running_mean,
                                                     const std::optional<Tensor>& running_var, bool training,
                                                     double momentum, double eps) {
  OpCall call{{input}, {}};
  const int64_t mask = detail::push_optional(call, {&weight, &bias, &running_mean, &running_var});
  call.attrs = {training, momentum, eps, mask};
  return three(dispatch(batch_norm_def, call));
}

Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                  const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var, bool training,
                  double momentum, double eps, bool) {
  return std::get<0>(native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps));
}

std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps) {
  OpCall call{{input}, {}};
  const int64_t mask = detail::push_optional(call, {&weight, &bias});
  call.attrs = {DimVector(normalized_shape), eps, mask};
  return three(dispatch(layer_norm_def, call));
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, bool) {
  return std::get<0>(native_layer_norm(input, normalized_shape, weight, bias, eps));
}

std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, int64_t num_groups,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps) {
  OpCall call{{input}, {}};
  const int64_t mask = detail::push_optional(call, {&weight, &bias});
  call.attrs = {num_groups, eps, mask};
  return three(dispatch(group_norm_def, call));
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps, bool) {
  return std::get<0>(native_group_norm(input, num_groups, weight, bias, eps));
}

std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, bool train,
                                          std::optional<Generator> generator) {
  check_dropout_p(p);
  OpCall call{{input}, {p, train, generator ? Attr(*generator) : Attr(std::monostate{})}};
  const Outputs o = dispatch(dropout_def, call);
  return {o[0], o[1]};
}

Tensor dropout(const Tensor& input, double p, bool train, std::optional<Generator> generator) {
  check_dropout_p(p);
  // PyTorch returns the input itself here, drawing nothing.
  if (!train || p == 0 || input.numel() == 0) return input;
  return std::get<0>(native_dropout(input, p, train, std::move(generator)));
}

Tensor& dropout_(Tensor& self, double p, bool train, std::optional<Generator> generator) {
  check_dropout_p(p);
  if (!train || p == 0 || self.numel() == 0) return self;
  OpCall call{{self}, {p, train, generator ? Attr(*generator) : Attr(std::monostate{})}};
  dispatch(dropout__def, call);
  return self;
}

Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx, bool scale_grad_by_freq,
                 bool sparse) {
  OpCall call{{weight, indices}, {padding_idx, scale_grad_by_freq, sparse}};
  return dispatch_one(embedding_def, call);
}

}  // namespace ember
