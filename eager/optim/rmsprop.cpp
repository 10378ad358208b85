// RMSprop's update, in PyTorch 1.13's order (the single-tensor path of torch.optim.RMSprop).
#include "eager/optim/rmsprop.h"

#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::optim {

OptionValues RMSpropOptions::values() const {
  return {{"lr", lr_},           {"momentum", momentum_}, {"alpha", alpha_},
          {"eps", eps_},         {"centered", centered_}, {"weight_decay", weight_decay_}};
}

void RMSpropOptions::set_value(const std::string& name, const OptionValue& value) {
  if (name == "lr") lr_ = detail::option_double(value, name, "RMSpropOptions");
  else if (name == "momentum") momentum_ = detail::option_double(value, name, "RMSpropOptions");
  else if (name == "alpha") alpha_ = detail::option_double(value, name, "RMSpropOptions");
  else if (name == "eps") eps_ = detail::option_double(value, name, "RMSpropOptions");
  else if (name == "centered") centered_ = detail::option_bool(value, name, "RMSpropOptions");
  else if (name == "weight_decay") weight_decay_ = detail::option_double(value, name, "RMSpropOptions");
  else detail::throw_unknown_option(name, "RMSpropOptions");
}

void RMSpropOptions::validate() const {
  EMBER_CHECK(0.0 <= lr_, "Invalid learning rate: {}", detail::python_float(lr_));
  EMBER_CHECK(0.0 <= eps_, "Invalid epsilon value: {}", detail::python_float(eps_));
  EMBER_CHECK(0.0 <= momentum_, "Invalid momentum value: {}", detail::python_float(momentum_));
  EMBER_CHECK(0.0 <= weight_decay_, "Invalid weight_decay value: {}", detail::python_float(weight_decay_));
  EMBER_CHECK(0.0 <= alpha_, "Invalid alpha value: {}", detail::python_float(alpha_));
}

void RMSprop::step_group(OptimizerParamGroup& group) {
  const auto& o = detail::options_as<RMSpropOptions>(group, "RMSprop");
  for (Tensor& param : group.params()) {
    if (!param.grad().defined()) continue;
    OptimizerParamState& state = param_state(param);
    if (state.is_empty()) {
      state.insert("step", scalar_tensor(0.0, kFloat));
      state.insert("square_avg", zeros_like(param));
    }
    // Buffers for options switched on after the first step start from zero, as at initialization.
    if (o.momentum() > 0 && !state.contains("momentum_buffer")) state.insert("momentum_buffer", zeros_like(param));
    if (o.centered() && !state.contains("grad_avg")) state.insert("grad_avg", zeros_like(param));
    state["step"].add_(1);

    Tensor grad = param.grad();
    if (o.weight_decay() != 0) grad = grad.add(param, o.weight_decay());
    Tensor& square_avg = state["square_avg"];
    square_avg.mul_(o.alpha()).addcmul_(grad, grad, 1 - o.alpha());
    Tensor avg;
    if (o.centered()) {
      Tensor& grad_avg = state["grad_avg"];
      grad_avg.mul_(o.alpha()).add_(grad, 1 - o.alpha());
      avg = square_avg.addcmul(grad_avg, grad_avg, -1).sqrt_();
    } else {
      avg = square_avg.sqrt();
    }
    avg.add_(o.eps());
    if (o.momentum() > 0) {
      Tensor& buf = state["momentum_buffer"];
      buf.mul_(o.momentum()).addcdiv_(grad, avg);
      param.add_(buf, -o.lr());
    } else {
      param.addcdiv_(grad, avg, -o.lr());
    }
  }
}

}  // namespace ember::optim
