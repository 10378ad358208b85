// Gradient clipping in PyTorch 1.13's order: per-tensor norms, their norm, then one clamped scale.
#include "eager/optim/clip_grad.h"

#include <cmath>

#include "eager/autograd/grad_mode.h"
#include "eager/ops.h"
#include "eager/optim/optimizer.h"
#include "kernels/check.h"

namespace ember::nn::utils {

Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return scalar_tensor(0.0, kFloat);
  const Device device = grads.front().device();
  Tensor total_norm;
  if (std::isinf(norm_type) && norm_type > 0) {
    std::vector<Tensor> norms;
    for (const Tensor& g : grads) norms.push_back(g.detach().abs().max().to(device));
    total_norm = norms.size() == 1 ? norms[0] : stack(norms).max();
  } else {
    std::vector<Tensor> norms;
    for (const Tensor& g : grads) norms.push_back(norm(g.detach(), norm_type).to(device));
    total_norm = norm(stack(norms), norm_type);
  }
  if (error_if_nonfinite) {
    const double value = total_norm.item<double>();
    EMBER_CHECK(std::isfinite(value),
                "The total norm of order {} for gradients from `parameters` is non-finite, so it cannot be "
                "clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
                "`error_if_nonfinite=False`",
                optim::detail::python_float(norm_type));
  }
  const Tensor clip_coef = div(Scalar(max_norm), total_norm + 1e-6);
  const Tensor clip_coef_clamped = clip_coef.clamp(std::nullopt, Scalar(1.0));
  for (const Tensor& g : grads) Tensor(g).detach().mul_(clip_coef_clamped.to(g.device()));
  return total_norm;
}

Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type, bool error_if_nonfinite) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value) {
  NoGradGuard no_grad;
  for (const Tensor& p : parameters)
    if (p.defined() && p.grad().defined()) p.mutable_grad().clamp_(Scalar(-clip_value), Scalar(clip_value));
}

void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace ember::nn::utils
