// Identity, Flatten, Unflatten, Bilinear and Dropout2d.
#include "eager/nn/modules/basic.h"

#include <cmath>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/nn/modules/common.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::nn {

using detail::repr_bool;

Tensor FlattenImpl::forward(const Tensor& input) { return flatten(input, options.start_dim(), options.end_dim()); }

std::string FlattenImpl::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", options.start_dim(), options.end_dim());
}

UnflattenImpl::UnflattenImpl(const UnflattenOptions& options_) : Module("Unflatten"), options(options_) {
  EMBER_CHECK(!options.sizes().empty(), "[Unflatten] unflattened_size must be non-empty");
}

Tensor UnflattenImpl::forward(const Tensor& input) { return unflatten(input, options.dim(), options.sizes()); }

std::string UnflattenImpl::extra_repr() const {
  return fmt::format("dim={}, unflattened_size={}", options.dim(), detail::repr_tuple(options.sizes()));
}

// ---- Bilinear ----

BilinearImpl::BilinearImpl(const BilinearOptions& options_) : Module("Bilinear"), options(options_) {
  EMBER_CHECK(options.in1_features() > 0 && options.in2_features() > 0 && options.out_features() >= 0,
              "[Bilinear] in1_features and in2_features must be positive and out_features non-negative, got {}, {} "
              "and {}",
              options.in1_features(), options.in2_features(), options.out_features());
  weight = register_parameter("weight",
                              empty({options.out_features(), options.in1_features(), options.in2_features()}));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_features()}));
  reset_parameters();
}

void BilinearImpl::reset_parameters() {
  NoGradGuard no_grad;
  const double bound = 1 / std::sqrt(double(weight.size(1)));
  weight.uniform_(-bound, bound);
  if (bias.defined()) bias.uniform_(-bound, bound);
}

Tensor BilinearImpl::forward(const Tensor& input1, const Tensor& input2) {
  EMBER_CHECK(input1.dim() == input2.dim(), "[Bilinear] bilinear(): input dimensions do not match: got {} and {}",
              input1.dim(), input2.dim());
  EMBER_CHECK(input1.dim() >= 1, "[Bilinear] inputs need at least one dim (the features)");
  const int64_t last = input1.dim() - 1;
  for (int64_t d = 0; d < last; ++d)
    EMBER_CHECK(input1.size(d) == input2.size(d),
                "[Bilinear] bilinear(): input batch dimensions do not match: got {} and {}",
                ember::detail::shape_str(input1.sizes()), ember::detail::shape_str(input2.sizes()));
  const int64_t in1 = options.in1_features(), in2 = options.in2_features(), out = options.out_features();
  EMBER_CHECK(input1.size(last) == in1, "[Bilinear] bilinear(): input1 size does not match weight size: got {} but expected {}",
              input1.size(last), in1);
  EMBER_CHECK(input2.size(last) == in2, "[Bilinear] bilinear(): input2 size does not match weight size: got {} but expected {}",
              input2.size(last), in2);
  std::vector<int64_t> out_shape = input1.sizes().vec();
  out_shape.back() = out;
  // (B, in1) @ (in1, out * in2) -> (B, out, in2), then contract in2 with x2.
  const Tensor x1 = input1.reshape({-1, in1});
  const Tensor x2 = input2.reshape({-1, in2});
  const Tensor left = matmul(x1, weight.permute({1, 0, 2}).reshape({in1, out * in2})).reshape({-1, out, in2});
  Tensor y = sum(left * x2.unsqueeze(1), {2});
  if (bias.defined()) y = y + bias;
  return y.reshape(out_shape);
}

std::string BilinearImpl::extra_repr() const {
  return fmt::format("in1_features={}, in2_features={}, out_features={}, bias={}", options.in1_features(),
                     options.in2_features(), options.out_features(), repr_bool(options.bias()));
}

// ---- Dropout2d ----

Tensor detail::feature_dropout(Tensor input, double p, bool train, bool inplace, std::optional<Generator> generator) {
  EMBER_CHECK(p >= 0 && p <= 1, "[dropout2d] dropout probability has to be between 0 and 1, but got {}", p);
  if (!train || p == 0 || input.numel() == 0) return input;
  EMBER_CHECK(input.dim() >= 2, "[dropout2d] Feature dropout requires at least 2 dimensions in the input, got {}",
              input.dim());
  if (p == 1) {
    const Tensor zero = zeros({}, input.options());
    return inplace ? input.mul_(zero) : input * zero;
  }
  std::vector<int64_t> noise_shape(size_t(input.dim()), 1);
  noise_shape[0] = input.size(0);
  noise_shape[1] = input.size(1);
  Tensor noise = empty(noise_shape, input.options());
  {
    NoGradGuard no_grad;
    noise.bernoulli_(1 - p, generator);
    noise.div_(1 - p);
  }
  return inplace ? input.mul_(noise) : input * noise;
}

Dropout2dImpl::Dropout2dImpl(const Dropout2dOptions& options_) : Module("Dropout2d"), options(options_) {
  EMBER_CHECK(options.p() >= 0 && options.p() <= 1,
              "[Dropout2d] dropout probability has to be between 0 and 1, but got {}", options.p());
}

Tensor Dropout2dImpl::forward(Tensor input) {
  return detail::feature_dropout(std::move(input), options.p(), is_training(), options.inplace());
}

std::string Dropout2dImpl::extra_repr() const {
  return fmt::format("p={}, inplace={}", options.p(), repr_bool(options.inplace()));
}

}  // namespace ember::nn
