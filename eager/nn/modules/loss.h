// Loss modules over the loss ops: MSELoss, L1Loss, SmoothL1Loss, CrossEntropyLoss, NLLLoss, BCELoss and
// BCEWithLogitsLoss. forward(input, target); reduction is a LossReduction: Reduction::Mean (default),
// Reduction::Sum, Reduction::None, or the strings "mean", "sum", "none".
#pragma once

#include <optional>
#include <string>

#include "eager/nn/module.h"
#include "eager/nn/options.h"
#include "eager/ops_nn.h"

namespace ember::nn {

struct MSELossOptions {
  MSELossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(LossReduction, reduction);
};
using L1LossOptions = MSELossOptions;

struct SmoothL1LossOptions {
  SmoothL1LossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(LossReduction, reduction);
  EMBER_ARG(double, beta) = 1.0;
};

struct CrossEntropyLossOptions {
  CrossEntropyLossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  // Per-class weights (C); registered as the buffer "weight", as PyTorch does.
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(LossReduction, reduction);
  EMBER_ARG(double, label_smoothing) = 0.0;
};

struct NLLLossOptions {
  NLLLossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(LossReduction, reduction);
};

struct BCELossOptions {
  BCELossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  // Rescales each element's loss (broadcast against the input).
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(LossReduction, reduction);
};

struct BCEWithLogitsLossOptions {
  BCEWithLogitsLossOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(Tensor, weight) = Tensor();
  EMBER_ARG(LossReduction, reduction);
  // Weight of the positive term, per class (broadcast against the input's last dim).
  EMBER_ARG(Tensor, pos_weight) = Tensor();
};

#define EMBER_LOSS(Name)                                                                      \
  class Name##Impl : public Module {                                                          \
   public:                                                                                    \
    explicit Name##Impl(const Name##Options& options_ = {});                                  \
    Tensor forward(const Tensor& input, const Tensor& target);                                \
    Name##Options options;                                                                    \
  };                                                                                          \
  EMBER_MODULE(Name)

EMBER_LOSS(MSELoss);
EMBER_LOSS(L1Loss);
EMBER_LOSS(SmoothL1Loss);
EMBER_LOSS(CrossEntropyLoss);
EMBER_LOSS(NLLLoss);
EMBER_LOSS(BCELoss);
EMBER_LOSS(BCEWithLogitsLoss);

#undef EMBER_LOSS

}  // namespace ember::nn
