// Adagrad with learning-rate decay and weight decay (torch.optim.Adagrad).
#pragma once

#include "eager/optim/optimizer.h"

namespace ember::optim {

struct AdagradOptions : OptimizerOptions {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(double, lr_decay) = 0;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(double, initial_accumulator_value) = 0;
  EMBER_OPTIM_ARG(double, eps) = 1e-10;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdagradOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  OptionValues values() const override;
  void set_value(const std::string& name, const OptionValue& value) override;
  void validate() const override;
};

// State per parameter: "step" and "sum", created at construction as PyTorch does.
class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults = {});
  Adagrad(std::vector<Tensor> params, AdagradOptions defaults = {});

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::string name() const override { return "Adagrad"; }

 private:
  void init_state(const OptimizerParamGroup& group);
};

}  // namespace ember::optim
