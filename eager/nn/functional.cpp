// nn::functional's activations, dropout, linear, embedding, normalisation, padding and losses: option
// structs unpacked onto the ops of eager/ops.h, eager/ops_nn.h and eager/ops_conv.h.
#include "eager/nn/functional.h"

#include <algorithm>

#include "eager/autograd/grad_mode.h"
#include "eager/ops.h"
#include "eager/ops_conv.h"
#include "kernels/check.h"

namespace ember::nn {
namespace detail {

void expanding_array_size_error(size_t expected, size_t given) {
  EMBER_FAIL("[nn::ExpandingArray] Expected {} values (one per dim) or a single value for all dims, got {}.", expected,
             given);
}

}  // namespace detail

namespace functional {
namespace {

// libtorch marks an absent optional tensor as undefined; the ops take std::optional.
std::optional<Tensor> optional_of(const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; }

}  // namespace

// ---- activations ----

Tensor relu(Tensor input, const ReLUFuncOptions& options) {
  return options.inplace() ? input.relu_() : ::ember::relu(input);
}

Tensor relu6(Tensor input, const ReLU6FuncOptions& options) {
  return options.inplace() ? ::ember::relu6_(input) : ::ember::relu6(input);
}

Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options) {
  return options.inplace() ? ::ember::leaky_relu_(input, options.negative_slope())
                           : ::ember::leaky_relu(input, options.negative_slope());
}

Tensor elu(Tensor input, const ELUFuncOptions& options) {
  return options.inplace() ? ::ember::elu_(input, options.alpha()) : ::ember::elu(input, options.alpha());
}

Tensor selu(Tensor input, const SELUFuncOptions& options) {
  return options.inplace() ? ::ember::selu_(input) : ::ember::selu(input);
}

Tensor celu(Tensor input, const CELUFuncOptions& options) {
  return options.inplace() ? ::ember::celu_(input, options.alpha()) : ::ember::celu(input, options.alpha());
}

Tensor gelu(const Tensor& input, const GELUFuncOptions& options) { return ::ember::gelu(input, options.approximate()); }

Tensor silu(const Tensor& input, bool inplace) {
  if (!inplace) return ::ember::silu(input);
  Tensor self = input;
  return ::ember::silu_(self);
}

Tensor mish(const Tensor& input) { return ::ember::mish(input); }

Tensor logsigmoid(const Tensor& input) { return ::ember::log_sigmoid(input); }

Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options) {
  EMBER_CHECK(options.max_val() > options.min_val(),
              "[nn::functional::hardtanh] Expected max_val > min_val, got min_val = {} and max_val = {}.",
              options.min_val(), options.max_val());
  return options.inplace() ? ::ember::hardtanh_(input, options.min_val(), options.max_val())
                           : ::ember::hardtanh(input, options.min_val(), options.max_val());
}

Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options) {
  return ::ember::softplus(input, options.beta(), options.threshold());
}

Tensor glu(const Tensor& input, const GLUFuncOptions& options) {
  EMBER_CHECK(input.dim() > 0,
              "[nn::functional::glu] glu does not support scalars because the halving size must be even.");
  const int64_t dim = options.dim() < 0 ? options.dim() + input.dim() : options.dim();
  EMBER_CHECK(dim >= 0 && dim < input.dim(), "[nn::functional::glu] dim {} is out of range for a {}-D input.",
              options.dim(), input.dim());
  const int64_t size = input.size(dim);
  EMBER_CHECK(size % 2 == 0, "[nn::functional::glu] Halving dimension must be even, but dimension {} is size {}.", dim,
              size);
  return mul(narrow(input, dim, 0, size / 2), sigmoid(narrow(input, dim, size / 2, size / 2)));
}

Tensor prelu(const Tensor& input, const Tensor& weight) {
  Tensor w = weight;
  if (weight.numel() != 1) {
    EMBER_CHECK(input.dim() >= 2 && weight.dim() == 1 && input.size(1) == weight.numel(),
                "[nn::functional::prelu] Mismatch of parameter numbers and input channel size: weight has {} values "
                "but the input {} has {} channels (dim 1). Give one weight, or one per channel.",
                weight.numel(), input.sizes(), input.dim() >= 2 ? input.size(1) : 1);
    std::vector<int64_t> shape(size_t(input.dim() - 1), 1);
    shape[0] = weight.numel();
    w = weight.reshape(shape);
  } else {
    w = weight.reshape({});
  }
  return where(gt(input, 0), input, mul(w, input));
}

Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options) {
  return ::ember::softmax(input, options.dim(), options.dtype());
}

Tensor softmin(const Tensor& input, const SoftminFuncOptions& options) {
  return ::ember::softmax(neg(input), options.dim(), options.dtype());
}

Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options) {
  return ::ember::log_softmax(input, options.dim(), options.dtype());
}

Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options) {
  const Tensor denominator = clamp_min(norm(input, options.p(), {options.dim()}, true), options.eps());
  return div(input, denominator.expand(input.sizes()));
}

// ---- dropout, linear, embedding ----

Tensor dropout(Tensor input, const DropoutFuncOptions& options) {
  return options.inplace() ? ::ember::dropout_(input, options.p(), options.training())
                           : ::ember::dropout(input, options.p(), options.training());
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  return ::ember::linear(input, weight, optional_of(bias));
}

Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options) {
  EMBER_CHECK(weight.dim() == 2, "[nn::functional::embedding] Expected a 2-D weight (num_embeddings, dim), got {}.",
              weight.sizes());
  const int64_t rows = weight.size(0);
  int64_t padding_idx = -1;
  if (options.padding_idx()) {
    padding_idx = *options.padding_idx();
    EMBER_CHECK(padding_idx >= -rows && padding_idx < rows,
                "[nn::functional::embedding] padding_idx must be within num_embeddings ({}), got {}.", rows,
                padding_idx);
    if (padding_idx < 0) padding_idx += rows;
  }
  if (options.max_norm()) {
    // PyTorch's embedding_renorm_: each row looked up (once) whose norm exceeds max_norm is scaled to it.
    EMBER_CHECK(input.dtype() == kLong || input.dtype() == kInt,
                "[nn::functional::embedding] Expected int64 or int32 indices, got {}.", to_string(input.dtype()));
    std::vector<int64_t> indices = input.to_vector<int64_t>();
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    const double max_norm = *options.max_norm();
    NoGradGuard no_grad;
    Tensor target = weight;
    for (int64_t index : indices) {
      EMBER_CHECK(index >= 0 && index < rows, "[nn::functional::embedding] index {} is out of range for {} rows.",
                  index, rows);
      Tensor row = target.select(0, index);
      const double row_norm = norm(row, options.norm_type()).item<double>();
      if (row_norm > max_norm) row.mul_(max_norm / (row_norm + 1e-7));
    }
  }
  return ::ember::embedding(weight, input, padding_idx, options.scale_grad_by_freq(), options.sparse());
}

// ---- normalisation ----

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options) {
  EMBER_CHECK(input.dim() >= 2, "[nn::functional::batch_norm] Expected at least 2 input dimensions, got {}.",
              input.dim());
  EMBER_CHECK(options.momentum().has_value() || !options.training(),
              "[nn::functional::batch_norm] momentum is needed in training; for a cumulative average pass "
              "1 / num_batches_tracked, as nn::BatchNorm does.");
  return ::ember::batch_norm(input, optional_of(options.weight()), optional_of(options.bias()),
                             optional_of(running_mean), optional_of(running_var), options.training(),
                             options.momentum().value_or(0.0), options.eps());
}

Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options) {
  EMBER_CHECK(input.dim() >= 3,
              "[nn::functional::instance_norm] Expected an (N, C, ...) input with spatial dims, got {}.",
              input.sizes());
  const Tensor& running_mean = options.running_mean();
  const Tensor& running_var = options.running_var();
  EMBER_CHECK(options.use_input_stats() || (running_mean.defined() && running_var.defined()),
              "[nn::functional::instance_norm] Expected running_mean and running_var to be defined when "
              "use_input_stats is false.");
  if (options.use_input_stats()) {
    int64_t spatial = 1;
    for (int64_t d = 2; d < input.dim(); ++d) spatial *= input.size(d);
    EMBER_CHECK(spatial != 1,
                "[nn::functional::instance_norm] Expected more than 1 spatial element when training, "
                "got input size {}.",
                input.sizes());
  }
  // PyTorch's formulation: a batch norm of the (1, N * C, ...) reshape, with per-channel tensors
  // repeated N times; the running stats then take the mean over the batch.
  const int64_t batch = input.size(0), channels = input.size(1);
  auto repeated = [&](const Tensor& t) {
    return t.defined() ? std::optional<Tensor>(t.repeat({batch})) : std::nullopt;
  };
  std::optional<Tensor> mean_repeated = repeated(running_mean), var_repeated = repeated(running_var);
  std::vector<int64_t> shape = input.sizes().vec();
  shape[0] = 1;
  shape[1] = batch * channels;
  Tensor out =
      ::ember::batch_norm(input.contiguous().view(shape), repeated(options.weight()), repeated(options.bias()),
                          mean_repeated, var_repeated, options.use_input_stats(), options.momentum(), options.eps());
  NoGradGuard no_grad;
  if (running_mean.defined()) Tensor(running_mean).copy_(mean_repeated->view({batch, channels}).mean(IntArrayRef{0}));
  if (running_var.defined()) Tensor(running_var).copy_(var_repeated->view({batch, channels}).mean(IntArrayRef{0}));
  return out.view(input.sizes());
}

Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options) {
  return ::ember::layer_norm(input, options.normalized_shape(), optional_of(options.weight()),
                             optional_of(options.bias()), options.eps());
}

Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options) {
  return ::ember::group_norm(input, options.num_groups(), optional_of(options.weight()), optional_of(options.bias()),
                             options.eps());
}

// ---- padding and resampling ----

Tensor pad(const Tensor& input, const PadFuncOptions& options) {
  // Only the constant mode takes a value; a nonzero one with another mode is passed on for the op to refuse.
  std::optional<double> value;
  if (options.mode() == "constant" || options.value() != 0) value = options.value();
  return ::ember::pad(input, options.pad(), options.mode(), value);
}

Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options) {
  EMBER_CHECK(!options.antialias(), "[nn::functional::interpolate] antialias=true is not supported yet.");
  return ::ember::interpolate(input, options.size(), options.scale_factor(), options.mode(), options.align_corners(),
                              options.recompute_scale_factor());
}

// ---- losses ----

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  return ::ember::mse_loss(input, target, options.reduction());
}

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  return ::ember::l1_loss(input, target, options.reduction());
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options) {
  return ::ember::smooth_l1_loss(input, target, options.reduction(), options.beta());
}

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  return ::ember::nll_loss(input, target, optional_of(options.weight()), options.reduction(), options.ignore_index());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  return ::ember::cross_entropy(input, target, optional_of(options.weight()), options.reduction(),
                                options.ignore_index(), options.label_smoothing());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  return ::ember::binary_cross_entropy(input, target, optional_of(options.weight()), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  return ::ember::binary_cross_entropy_with_logits(input, target, optional_of(options.weight()),
                                                   optional_of(options.pos_weight()), options.reduction());
}

}  // namespace functional
}  // namespace ember::nn
