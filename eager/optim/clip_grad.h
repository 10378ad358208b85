// Gradient clipping: torch.nn.utils.clip_grad_norm_ and clip_grad_value_.
#pragma once

#include <vector>

#include "eager/tensor.h"

namespace ember::nn::utils {

// Scales the gradients of `parameters` in place so that their total norm (the norm of the per-tensor
// norms; norm_type may be infinity) is at most max_norm, and returns that total norm before clipping
// (a 0-d tensor). Parameters without a gradient are skipped. With error_if_nonfinite, a nan or
// infinite total norm is an error instead.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);

// Clamps every gradient of `parameters` in place into [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
void clip_grad_value_(const Tensor& parameter, double clip_value);

}  // namespace ember::nn::utils
