// SGD's update, in PyTorch 1.13's order (the single-tensor path of torch.optim.SGD).
#include "eager/optim/sgd.h"

#include "kernels/check.h"

namespace ember::optim {

OptionValues SGDOptions::values() const {
  return {{"lr", lr_}, {"momentum", momentum_}, {"dampening", dampening_}, {"weight_decay", weight_decay_},
          {"nesterov", nesterov_}};
}

void SGDOptions::set_value(const std::string& name, const OptionValue& value) {
  if (name == "lr") lr_ = detail::option_double(value, name, "SGDOptions");
  else if (name == "momentum") momentum_ = detail::option_double(value, name, "SGDOptions");
  else if (name == "dampening") dampening_ = detail::option_double(value, name, "SGDOptions");
  else if (name == "weight_decay") weight_decay_ = detail::option_double(value, name, "SGDOptions");
  else if (name == "nesterov") nesterov_ = detail::option_bool(value, name, "SGDOptions");
  else detail::throw_unknown_option(name, "SGDOptions");
}

void SGDOptions::validate() const {
  EMBER_CHECK(lr_ >= 0.0, "Invalid learning rate: {}", detail::python_float(lr_));
  EMBER_CHECK(momentum_ >= 0.0, "Invalid momentum value: {}", detail::python_float(momentum_));
  EMBER_CHECK(weight_decay_ >= 0.0, "Invalid weight_decay value: {}", detail::python_float(weight_decay_));
  EMBER_CHECK(!nesterov_ || (momentum_ > 0 && dampening_ == 0),
              "Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step_group(OptimizerParamGroup& group) {
  const auto& o = detail::options_as<SGDOptions>(group, "SGD");
  for (Tensor& param : group.params()) {
    if (!param.grad().defined()) continue;
    Tensor d_p = param.grad();
    if (o.weight_decay() != 0) d_p = d_p.add(param, o.weight_decay());
    if (o.momentum() != 0) {
      OptimizerParamState& state = param_state(param);
      if (Tensor* buf = state.find("momentum_buffer")) {
        buf->mul_(o.momentum()).add_(d_p, 1 - o.dampening());
        d_p = o.nesterov() ? d_p.add(*buf, o.momentum()) : *buf;
      } else {
        Tensor& fresh = state.insert("momentum_buffer", d_p.clone().detach());
        d_p = o.nesterov() ? d_p.add(fresh, o.momentum()) : fresh;
      }
    }
    param.add_(d_p, -o.lr());
  }
}

}  // namespace ember::optim
