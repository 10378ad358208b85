// RMSprop with momentum, centering and weight decay (torch.optim.RMSprop).
#pragma once

#include "eager/optim/optimizer.h"

namespace ember::optim {

struct RMSpropOptions : OptimizerOptions {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, alpha) = 0.99;
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, momentum) = 0;
  EMBER_OPTIM_ARG(bool, centered) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<RMSpropOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  OptionValues values() const override;
  void set_value(const std::string& name, const OptionValue& value) override;
  void validate() const override;
};

// State per parameter: "step", "square_avg", "momentum_buffer" (momentum > 0), "grad_avg" (centered).
class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<OptimizerParamGroup> param_groups, RMSpropOptions defaults = {})
      : Optimizer(std::move(param_groups), std::make_unique<RMSpropOptions>(defaults)) {}
  RMSprop(std::vector<Tensor> params, RMSpropOptions defaults = {})
      : Optimizer(std::move(params), std::make_unique<RMSpropOptions>(defaults)) {}

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::string name() const override { return "RMSprop"; }
};

}  // namespace ember::optim
