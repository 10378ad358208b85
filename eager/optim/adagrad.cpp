// Adagrad's update, in PyTorch 1.13's order (the single-tensor, dense path of torch.optim.Adagrad).
#include "eager/optim/adagrad.h"

#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::optim {

OptionValues AdagradOptions::values() const {
  return {{"lr", lr_},
          {"lr_decay", lr_decay_},
          {"eps", eps_},
          {"weight_decay", weight_decay_},
          {"initial_accumulator_value", initial_accumulator_value_}};
}

void AdagradOptions::set_value(const std::string& name, const OptionValue& value) {
  if (name == "lr") lr_ = detail::option_double(value, name, "AdagradOptions");
  else if (name == "lr_decay") lr_decay_ = detail::option_double(value, name, "AdagradOptions");
  else if (name == "eps") eps_ = detail::option_double(value, name, "AdagradOptions");
  else if (name == "weight_decay") weight_decay_ = detail::option_double(value, name, "AdagradOptions");
  else if (name == "initial_accumulator_value")
    initial_accumulator_value_ = detail::option_double(value, name, "AdagradOptions");
  else detail::throw_unknown_option(name, "AdagradOptions");
}

void AdagradOptions::validate() const {
  EMBER_CHECK(0.0 <= lr_, "Invalid learning rate: {}", detail::python_float(lr_));
  EMBER_CHECK(0.0 <= lr_decay_, "Invalid lr_decay value: {}", detail::python_float(lr_decay_));
  EMBER_CHECK(0.0 <= weight_decay_, "Invalid weight_decay value: {}", detail::python_float(weight_decay_));
  EMBER_CHECK(0.0 <= initial_accumulator_value_, "Invalid initial_accumulator_value value: {}",
              detail::python_float(initial_accumulator_value_));
  EMBER_CHECK(0.0 <= eps_, "Invalid epsilon value: {}", detail::python_float(eps_));
}

Adagrad::Adagrad(std::vector<OptimizerParamGroup> param_groups, AdagradOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<AdagradOptions>(defaults)) {
  for (const OptimizerParamGroup& group : this->param_groups()) init_state(group);
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions defaults)
    : Optimizer(std::move(params), std::make_unique<AdagradOptions>(defaults)) {
  for (const OptimizerParamGroup& group : this->param_groups()) init_state(group);
}

void Adagrad::init_state(const OptimizerParamGroup& group) {
  const auto& o = detail::options_as<AdagradOptions>(group, "Adagrad");
  for (const Tensor& param : group.params()) {
    OptimizerParamState& state = param_state(param);
    if (!state.is_empty()) continue;
    state.insert("step", scalar_tensor(0.0, kFloat));
    state.insert("sum", full_like(param, o.initial_accumulator_value()));
  }
}

void Adagrad::step_group(OptimizerParamGroup& group) {
  init_state(group);  // groups added after construction get their state here
  const auto& o = detail::options_as<AdagradOptions>(group, "Adagrad");
  for (Tensor& param : group.params()) {
    if (!param.grad().defined()) continue;
    OptimizerParamState& state = param_state(param);
    Tensor& step_t = state["step"];
    step_t.add_(1);
    const double step = step_t.item<double>();
    Tensor grad = param.grad();
    if (o.weight_decay() != 0) grad = grad.add(param, o.weight_decay());
    const double clr = o.lr() / (1 + (step - 1) * o.lr_decay());
    Tensor& sum = state["sum"];
    sum.addcmul_(grad, grad, 1);
    Tensor denom = sum.sqrt().add_(o.eps());
    param.addcdiv_(grad, denom, -clr);
  }
}

}  // namespace ember::optim
