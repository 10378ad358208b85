// Stochastic gradient descent with momentum, dampening, nesterov and weight decay (torch.optim.SGD).
#pragma once

#include "eager/optim/optimizer.h"

namespace ember::optim {

struct SGDOptions : OptimizerOptions {
  SGDOptions(double lr) : lr_(lr) {}  // NOLINT: libtorch allows SGDOptions opts = 0.1
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, momentum) = 0;
  EMBER_OPTIM_ARG(double, dampening) = 0;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, nesterov) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<SGDOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  OptionValues values() const override;
  void set_value(const std::string& name, const OptionValue& value) override;
  void validate() const override;
};

// State per parameter: "momentum_buffer" (when momentum != 0).
class SGD : public Optimizer {
 public:
  SGD(std::vector<OptimizerParamGroup> param_groups, SGDOptions defaults)
      : Optimizer(std::move(param_groups), std::make_unique<SGDOptions>(defaults)) {}
  SGD(std::vector<Tensor> params, SGDOptions defaults)
      : Optimizer(std::move(params), std::make_unique<SGDOptions>(defaults)) {}

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::string name() const override { return "SGD"; }
};

}  // namespace ember::optim
