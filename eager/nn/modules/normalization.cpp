// BatchNorm1d/2d and GroupNorm over the batch_norm and group_norm ops.
#include "eager/nn/modules/normalization.h"

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/nn/modules/common.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "kernels/check.h"

namespace ember::nn {

using detail::repr_bool;
using detail::repr_float;

namespace {
std::optional<Tensor> maybe(const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; }
}  // namespace

BatchNormImplBase::BatchNormImplBase(std::string name, const BatchNormOptions& options_)
    : Module(std::move(name)), options(options_) {
  EMBER_CHECK(options.num_features() > 0, "[{}] num_features must be positive, got {}", this->name(),
              options.num_features());
  if (options.affine()) {
    weight = register_parameter("weight", empty({options.num_features()}));
    bias = register_parameter("bias", empty({options.num_features()}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({options.num_features()}));
    running_var = register_buffer("running_var", ones({options.num_features()}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kLong));
  }
  reset_parameters();
}

void BatchNormImplBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1);
  num_batches_tracked.zero_();
}

void BatchNormImplBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1);
  bias.fill_(0);
}

Tensor BatchNormImplBase::forward(const Tensor& input) {
  check_input_dim(input);
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    NoGradGuard no_grad;
    num_batches_tracked.add_(1);
    if (!options.momentum()) factor = 1.0 / double(num_batches_tracked.item<int64_t>());
  }
  const bool use_batch_stats = is_training() || !running_mean.defined();
  if (use_batch_stats) {
    int64_t per_channel = input.size(0);
    for (int64_t d = 2; d < input.dim(); ++d) per_channel *= input.size(d);
    EMBER_CHECK(per_channel != 1, "[{}] Expected more than 1 value per channel when training, got input size {}",
                name(), ember::detail::shape_str(input.sizes()));
  }
  // Running stats are updated in training only when tracked; eval always reads them when they exist.
  const bool pass_stats = !is_training() || options.track_running_stats();
  return batch_norm(input, maybe(weight), maybe(bias), pass_stats ? maybe(running_mean) : std::nullopt,
                    pass_stats ? maybe(running_var) : std::nullopt, use_batch_stats, factor, options.eps());
}

std::string BatchNormImplBase::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", options.num_features(),
                     repr_float(options.eps()), options.momentum() ? repr_float(*options.momentum()) : "None",
                     repr_bool(options.affine()), repr_bool(options.track_running_stats()));
}

void BatchNorm1dImpl::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 2 || input.dim() == 3, "[BatchNorm1d] expected 2D or 3D input (got {}D input)",
              input.dim());
}

void BatchNorm2dImpl::check_input_dim(const Tensor& input) const {
  EMBER_CHECK(input.dim() == 4, "[BatchNorm2d] expected 4D input (got {}D input)", input.dim());
}

GroupNormImpl::GroupNormImpl(const GroupNormOptions& options_) : Module("GroupNorm"), options(options_) {
  EMBER_CHECK(options.num_groups() > 0, "[GroupNorm] num_groups must be positive, got {}", options.num_groups());
  EMBER_CHECK(options.num_channels() % options.num_groups() == 0,
              "[GroupNorm] num_channels must be divisible by num_groups (num_channels={}, num_groups={})",
              options.num_channels(), options.num_groups());
  if (options.affine()) {
    weight = register_parameter("weight", empty({options.num_channels()}));
    bias = register_parameter("bias", empty({options.num_channels()}));
  }
  reset_parameters();
}

void GroupNormImpl::reset_parameters() {
  if (!options.affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1);
  bias.fill_(0);
}

Tensor GroupNormImpl::forward(const Tensor& input) {
  return group_norm(input, options.num_groups(), maybe(weight), maybe(bias), options.eps());
}

std::string GroupNormImpl::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", options.num_groups(), options.num_channels(),
                     repr_float(options.eps()), repr_bool(options.affine()));
}

}  // namespace ember::nn
