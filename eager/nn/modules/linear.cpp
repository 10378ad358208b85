// Linear, LayerNorm and Dropout.
#include "eager/nn/modules/linear.h"

#include <cmath>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/nn/init.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "kernels/check.h"

namespace ember::nn {

namespace {
std::string py_bool(bool b) { return b ? "True" : "False"; }
}  // namespace

LinearImpl::LinearImpl(const LinearOptions& options_) : Module("Linear"), options(options_) {
  EMBER_CHECK(options.in_features() >= 0 && options.out_features() >= 0,
              "[Linear] in_features and out_features must be non-negative, got {} and {}", options.in_features(),
              options.out_features());
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_features()}));
  reset_parameters();
}

void LinearImpl::reset_parameters() {
  init::default_linear_(weight, bias.defined() ? std::optional<Tensor>(bias) : std::nullopt);
}

Tensor LinearImpl::forward(const Tensor& input) {
  return linear(input, weight, bias.defined() ? std::optional<Tensor>(bias) : std::nullopt);
}

std::string LinearImpl::extra_repr() const {
  return fmt::format("in_features={}, out_features={}, bias={}", options.in_features(), options.out_features(),
                     py_bool(options.bias()));
}

LayerNormImpl::LayerNormImpl(const LayerNormOptions& options_) : Module("LayerNorm"), options(options_) {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", ember::empty(options.normalized_shape()));
    bias = register_parameter("bias", ember::empty(options.normalized_shape()));
  }
  reset_parameters();
}

void LayerNormImpl::reset_parameters() {
  NoGradGuard no_grad;
  if (weight.defined()) weight.fill_(1);
  if (bias.defined()) bias.fill_(0);
}

Tensor LayerNormImpl::forward(const Tensor& input) {
  return layer_norm(input, options.normalized_shape(), weight.defined() ? std::optional<Tensor>(weight) : std::nullopt,
                    bias.defined() ? std::optional<Tensor>(bias) : std::nullopt, options.eps());
}

std::string LayerNormImpl::extra_repr() const {
  std::string shape = "(";
  for (size_t i = 0; i < options.normalized_shape().size(); ++i)
    shape += (i ? ", " : "") + std::to_string(options.normalized_shape()[i]);
  shape += options.normalized_shape().size() == 1 ? ",)" : ")";
  return fmt::format("{}, eps={}, elementwise_affine={}", shape, detail::repr_float(options.eps()),
                     py_bool(options.elementwise_affine()));
}

DropoutImpl::DropoutImpl(const DropoutOptions& options_) : Module("Dropout"), options(options_) {
  EMBER_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout] dropout probability has to be between 0 and 1, but got {}", options.p());
}

Tensor DropoutImpl::forward(Tensor input) {
  if (options.inplace()) return dropout_(input, options.p(), is_training());
  return dropout(input, options.p(), is_training());
}

std::string DropoutImpl::extra_repr() const {
  return fmt::format("p={}, inplace={}", detail::repr_float(options.p()), py_bool(options.inplace()));
}

}  // namespace ember::nn
