// Adam's and AdamW's updates, in PyTorch 1.13's order (the single-tensor paths, capturable=False).
#include "eager/optim/adam.h"

#include <cmath>

#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::optim {

namespace {

template <typename Options>
OptionValues adam_values(const Options& o) {
  return {{"lr", o.lr()},
          {"betas", std::vector<double>{std::get<0>(o.betas()), std::get<1>(o.betas())}},
          {"eps", o.eps()},
          {"weight_decay", o.weight_decay()},
          {"amsgrad", o.amsgrad()}};
}

template <typename Options>
void adam_set_value(Options& o, const std::string& name, const OptionValue& value, const char* type) {
  if (name == "lr") o.lr(detail::option_double(value, name, type));
  else if (name == "betas") o.betas(detail::option_betas(value, name, type));
  else if (name == "eps") o.eps(detail::option_double(value, name, type));
  else if (name == "weight_decay") o.weight_decay(detail::option_double(value, name, type));
  else if (name == "amsgrad") o.amsgrad(detail::option_bool(value, name, type));
  else detail::throw_unknown_option(name, type);
}

template <typename Options>
void adam_validate(const Options& o) {
  const auto [beta1, beta2] = o.betas();
  EMBER_CHECK(0.0 <= o.lr(), "Invalid learning rate: {}", detail::python_float(o.lr()));
  EMBER_CHECK(0.0 <= o.eps(), "Invalid epsilon value: {}", detail::python_float(o.eps()));
  EMBER_CHECK(0.0 <= beta1 && beta1 < 1.0, "Invalid beta parameter at index 0: {}", detail::python_float(beta1));
  EMBER_CHECK(0.0 <= beta2 && beta2 < 1.0, "Invalid beta parameter at index 1: {}", detail::python_float(beta2));
  EMBER_CHECK(0.0 <= o.weight_decay(), "Invalid weight_decay value: {}", detail::python_float(o.weight_decay()));
}

// The moment update shared by Adam and AdamW once the gradient (and, for AdamW, the parameter) is decayed.
void adam_update(Tensor& param, const Tensor& grad, OptimizerParamState& state, double lr, betas_t betas,
                 double eps, bool amsgrad) {
  const auto [beta1, beta2] = betas;
  Tensor& exp_avg = state["exp_avg"];
  Tensor& exp_avg_sq = state["exp_avg_sq"];
  exp_avg.mul_(beta1).add_(grad, 1 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);

  const double step = state["step"].item<double>();
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  const double step_size = lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  Tensor denom;
  if (amsgrad) {
    Tensor* max_exp_avg_sq = state.find("max_exp_avg_sq");
    if (max_exp_avg_sq == nullptr) max_exp_avg_sq = &state.insert("max_exp_avg_sq", zeros_like(param));
    max_exp_avg_sq->copy_(maximum(*max_exp_avg_sq, exp_avg_sq));
    denom = (max_exp_avg_sq->sqrt() / bias_correction2_sqrt).add_(eps);
  } else {
    denom = (exp_avg_sq.sqrt() / bias_correction2_sqrt).add_(eps);
  }
  param.addcdiv_(exp_avg, denom, -step_size);
}

// Lazy state initialization, as PyTorch's step does for a parameter without state.
OptimizerParamState& adam_state(OptimizerParamState& state, const Tensor& param, bool amsgrad) {
  if (state.is_empty()) {
    state.insert("step", scalar_tensor(0.0, kFloat));
    state.insert("exp_avg", zeros_like(param));
    state.insert("exp_avg_sq", zeros_like(param));
    if (amsgrad) state.insert("max_exp_avg_sq", zeros_like(param));
  }
  return state;
}

}  // namespace

OptionValues AdamOptions::values() const { return adam_values(*this); }
void AdamOptions::set_value(const std::string& name, const OptionValue& value) {
  adam_set_value(*this, name, value, "AdamOptions");
}
void AdamOptions::validate() const { adam_validate(*this); }

OptionValues AdamWOptions::values() const { return adam_values(*this); }
void AdamWOptions::set_value(const std::string& name, const OptionValue& value) {
  adam_set_value(*this, name, value, "AdamWOptions");
}
void AdamWOptions::validate() const { adam_validate(*this); }

void Adam::step_group(OptimizerParamGroup& group) {
  const auto& o = detail::options_as<AdamOptions>(group, "Adam");
  for (Tensor& param : group.params()) {
    if (!param.grad().defined()) continue;
    OptimizerParamState& state = adam_state(param_state(param), param, o.amsgrad());
    state["step"].add_(1);
    Tensor grad = param.grad();
    if (o.weight_decay() != 0) grad = grad.add(param, o.weight_decay());
    adam_update(param, grad, state, o.lr(), o.betas(), o.eps(), o.amsgrad());
  }
}

void AdamW::step_group(OptimizerParamGroup& group) {
  const auto& o = detail::options_as<AdamWOptions>(group, "AdamW");
  for (Tensor& param : group.params()) {
    if (!param.grad().defined()) continue;
    OptimizerParamState& state = adam_state(param_state(param), param, o.amsgrad());
    state["step"].add_(1);
    param.mul_(1 - o.lr() * o.weight_decay());
    adam_update(param, param.grad(), state, o.lr(), o.betas(), o.eps(), o.amsgrad());
  }
}

}  // namespace ember::optim
