// Loss modules: each forwards to its loss op with the options; weights are registered as buffers.
#include "eager/nn/modules/loss.h"

namespace ember::nn {

namespace {
std::optional<Tensor> maybe(const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; }
}  // namespace

MSELossImpl::MSELossImpl(const MSELossOptions& options_) : Module("MSELoss"), options(options_) {}
Tensor MSELossImpl::forward(const Tensor& input, const Tensor& target) {
  return mse_loss(input, target, options.reduction());
}

L1LossImpl::L1LossImpl(const L1LossOptions& options_) : Module("L1Loss"), options(options_) {}
Tensor L1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return l1_loss(input, target, options.reduction());
}

SmoothL1LossImpl::SmoothL1LossImpl(const SmoothL1LossOptions& options_) : Module("SmoothL1Loss"), options(options_) {
  EMBER_CHECK(options.beta() >= 0, "[SmoothL1Loss] smooth_l1_loss does not support negative values for beta, got {}",
              options.beta());
}
Tensor SmoothL1LossImpl::forward(const Tensor& input, const Tensor& target) {
  return smooth_l1_loss(input, target, options.reduction(), options.beta());
}

CrossEntropyLossImpl::CrossEntropyLossImpl(const CrossEntropyLossOptions& options_)
    : Module("CrossEntropyLoss"), options(options_) {
  EMBER_CHECK(options.label_smoothing() >= 0 && options.label_smoothing() <= 1,
              "[CrossEntropyLoss] label_smoothing must be between 0.0 and 1.0. Got: {}", options.label_smoothing());
  register_buffer("weight", options.weight());
}
Tensor CrossEntropyLossImpl::forward(const Tensor& input, const Tensor& target) {
  return cross_entropy(input, target, maybe(options.weight()), options.reduction(), options.ignore_index(),
                       options.label_smoothing());
}

NLLLossImpl::NLLLossImpl(const NLLLossOptions& options_) : Module("NLLLoss"), options(options_) {
  register_buffer("weight", options.weight());
}
Tensor NLLLossImpl::forward(const Tensor& input, const Tensor& target) {
  return nll_loss(input, target, maybe(options.weight()), options.reduction(), options.ignore_index());
}

BCELossImpl::BCELossImpl(const BCELossOptions& options_) : Module("BCELoss"), options(options_) {
  register_buffer("weight", options.weight());
}
Tensor BCELossImpl::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy(input, target, maybe(options.weight()), options.reduction());
}

BCEWithLogitsLossImpl::BCEWithLogitsLossImpl(const BCEWithLogitsLossOptions& options_)
    : Module("BCEWithLogitsLoss"), options(options_) {
  register_buffer("weight", options.weight());
  register_buffer("pos_weight", options.pos_weight());
}
Tensor BCEWithLogitsLossImpl::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy_with_logits(input, target, maybe(options.weight()), maybe(options.pos_weight()),
                                          options.reduction());
}

}  // namespace ember::nn
