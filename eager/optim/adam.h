// Adam and AdamW (decoupled weight decay), with amsgrad (torch.optim.Adam, torch.optim.AdamW).
#pragma once

#include "eager/optim/optimizer.h"

namespace ember::optim {

struct AdamOptions : OptimizerOptions {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 0;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  OptionValues values() const override;
  void set_value(const std::string& name, const OptionValue& value) override;
  void validate() const override;
};

// The same hyperparameters as Adam, but weight decay (default 1e-2) shrinks the parameters directly.
struct AdamWOptions : OptimizerOptions {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT
  EMBER_OPTIM_ARG(double, lr);
  EMBER_OPTIM_ARG(betas_t, betas) = std::make_tuple(0.9, 0.999);
  EMBER_OPTIM_ARG(double, eps) = 1e-8;
  EMBER_OPTIM_ARG(double, weight_decay) = 1e-2;
  EMBER_OPTIM_ARG(bool, amsgrad) = false;

 public:
  std::unique_ptr<OptimizerOptions> clone() const override { return std::make_unique<AdamWOptions>(*this); }
  double get_lr() const override { return lr_; }
  void set_lr(double lr) override { lr_ = lr; }
  OptionValues values() const override;
  void set_value(const std::string& name, const OptionValue& value) override;
  void validate() const override;
};

// State per parameter: "step" (0-d float), "exp_avg", "exp_avg_sq", and "max_exp_avg_sq" with amsgrad.
class Adam : public Optimizer {
 public:
  Adam(std::vector<OptimizerParamGroup> param_groups, AdamOptions defaults = {})
      : Optimizer(std::move(param_groups), std::make_unique<AdamOptions>(defaults)) {}
  Adam(std::vector<Tensor> params, AdamOptions defaults = {})
      : Optimizer(std::move(params), std::make_unique<AdamOptions>(defaults)) {}

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::string name() const override { return "Adam"; }
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<OptimizerParamGroup> param_groups, AdamWOptions defaults = {})
      : Optimizer(std::move(param_groups), std::make_unique<AdamWOptions>(defaults)) {}
  AdamW(std::vector<Tensor> params, AdamWOptions defaults = {})
      : Optimizer(std::move(params), std::make_unique<AdamWOptions>(defaults)) {}

 protected:
  void step_group(OptimizerParamGroup& group) override;
  std::string name() const override { return "AdamW"; }
};

}  // namespace ember::optim
