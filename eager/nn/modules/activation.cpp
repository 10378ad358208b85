// Activation modules over the pointwise activation ops.
#include "eager/nn/modules/activation.h"

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/nn/modules/common.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::nn {

using detail::repr_float;

namespace {
std::string inplace_only(bool inplace) { return inplace ? "inplace=True" : ""; }
std::string inplace_suffix(bool inplace) { return inplace ? ", inplace=True" : ""; }
}  // namespace

Tensor ReLUImpl::forward(Tensor input) { return options.inplace() ? input.relu_() : relu(input); }
std::string ReLUImpl::extra_repr() const { return inplace_only(options.inplace()); }

Tensor ReLU6Impl::forward(Tensor input) { return options.inplace() ? relu6_(input) : relu6(input); }
std::string ReLU6Impl::extra_repr() const { return inplace_only(options.inplace()); }

Tensor SELUImpl::forward(Tensor input) { return options.inplace() ? selu_(input) : selu(input); }
std::string SELUImpl::extra_repr() const { return inplace_only(options.inplace()); }

Tensor SiLUImpl::forward(Tensor input) { return options.inplace() ? silu_(input) : silu(input); }
std::string SiLUImpl::extra_repr() const { return inplace_only(options.inplace()); }

Tensor MishImpl::forward(Tensor input) { return options.inplace() ? mish_(input) : mish(input); }
std::string MishImpl::extra_repr() const { return inplace_only(options.inplace()); }

// PyTorch prints no options for these two.
Tensor HardsigmoidImpl::forward(Tensor input) { return options.inplace() ? hardsigmoid_(input) : hardsigmoid(input); }
std::string HardsigmoidImpl::extra_repr() const { return ""; }

Tensor HardswishImpl::forward(Tensor input) { return options.inplace() ? hardswish_(input) : hardswish(input); }
std::string HardswishImpl::extra_repr() const { return ""; }

Tensor LeakyReLUImpl::forward(Tensor input) {
  return options.inplace() ? leaky_relu_(input, options.negative_slope()) : leaky_relu(input, options.negative_slope());
}
std::string LeakyReLUImpl::extra_repr() const {
  return "negative_slope=" + repr_float(options.negative_slope()) + inplace_suffix(options.inplace());
}

Tensor ELUImpl::forward(Tensor input) {
  return options.inplace() ? elu_(input, options.alpha()) : elu(input, options.alpha());
}
std::string ELUImpl::extra_repr() const {
  return "alpha=" + repr_float(options.alpha()) + inplace_suffix(options.inplace());
}

Tensor CELUImpl::forward(Tensor input) {
  return options.inplace() ? celu_(input, options.alpha()) : celu(input, options.alpha());
}
std::string CELUImpl::extra_repr() const {
  return "alpha=" + repr_float(options.alpha()) + inplace_suffix(options.inplace());
}

Tensor GELUImpl::forward(Tensor input) { return gelu(input, options.approximate()); }
std::string GELUImpl::extra_repr() const { return "approximate='" + options.approximate() + "'"; }

// Python prints beta and threshold as given; the defaults are the ints 1 and 20.
Tensor SoftplusImpl::forward(Tensor input) { return softplus(input, options.beta(), options.threshold()); }
std::string SoftplusImpl::extra_repr() const {
  return fmt::format("beta={}, threshold={}", options.beta(), options.threshold());
}

HardtanhImpl::HardtanhImpl(const HardtanhOptions& options_) : Module("Hardtanh"), options(options_) {
  EMBER_CHECK(options.max_val() > options.min_val(), "[Hardtanh] max_val must be greater than min_val, got {} and {}",
              options.max_val(), options.min_val());
}
Tensor HardtanhImpl::forward(Tensor input) {
  return options.inplace() ? hardtanh_(input, options.min_val(), options.max_val())
                           : hardtanh(input, options.min_val(), options.max_val());
}
std::string HardtanhImpl::extra_repr() const {
  return "min_val=" + repr_float(options.min_val()) + ", max_val=" + repr_float(options.max_val()) +
         inplace_suffix(options.inplace());
}

// NaN stays NaN, as in PyTorch (the comparison x <= threshold is false).
Tensor ThresholdImpl::forward(Tensor input) {
  const Tensor below = le(input, options.threshold());
  if (options.inplace()) return input.masked_fill_(below, options.value());
  return masked_fill(input, below, options.value());
}
std::string ThresholdImpl::extra_repr() const {
  return fmt::format("threshold={}, value={}{}", repr_float(options.threshold()), repr_float(options.value()),
                     inplace_suffix(options.inplace()));
}

Tensor SigmoidImpl::forward(const Tensor& input) { return sigmoid(input); }
Tensor TanhImpl::forward(const Tensor& input) { return tanh(input); }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return log_sigmoid(input); }

namespace {
// PyTorch's _get_softmax_dim for dim=None.
int64_t softmax_dim(const std::optional<int64_t>& dim, const Tensor& input) {
  if (dim) return *dim;
  const int64_t ndim = input.dim();
  return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1;
}
std::string dim_repr(const std::optional<int64_t>& dim) { return "dim=" + (dim ? std::to_string(*dim) : "None"); }
}  // namespace

Tensor SoftmaxImpl::forward(const Tensor& input) { return softmax(input, softmax_dim(options.dim(), input)); }
std::string SoftmaxImpl::extra_repr() const { return dim_repr(options.dim()); }

Tensor LogSoftmaxImpl::forward(const Tensor& input) { return log_softmax(input, softmax_dim(options.dim(), input)); }
std::string LogSoftmaxImpl::extra_repr() const { return dim_repr(options.dim()); }

PReLUImpl::PReLUImpl(const PReLUOptions& options_) : Module("PReLU"), options(options_) {
  EMBER_CHECK(options.num_parameters() >= 1, "[PReLU] num_parameters must be at least 1, got {}",
              options.num_parameters());
  weight = register_parameter("weight", empty({options.num_parameters()}));
  reset_parameters();
}

void PReLUImpl::reset_parameters() {
  NoGradGuard no_grad;
  weight.fill_(options.init());
}

Tensor PReLUImpl::forward(const Tensor& input) {
  const int64_t n = options.num_parameters();
  Tensor w = weight;
  if (n > 1) {
    // One weight per channel: dim 1, or dim 0 of a 1-D input.
    EMBER_CHECK(input.dim() >= 1, "[PReLU] a 0-d input needs num_parameters = 1, got {}", n);
    const int64_t channel_dim = input.dim() >= 2 ? 1 : 0;
    EMBER_CHECK(input.size(channel_dim) == n,
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = {} and channel "
                "size = {}.",
                n, input.size(channel_dim));
    std::vector<int64_t> shape(size_t(input.dim()), 1);
    shape[size_t(channel_dim)] = n;
    w = weight.reshape(shape);
  }
  return where(gt(input, 0), input, w * input);
}

std::string PReLUImpl::extra_repr() const { return fmt::format("num_parameters={}", options.num_parameters()); }

}  // namespace ember::nn
