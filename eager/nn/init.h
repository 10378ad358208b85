// Parameter initialisation with torch.nn.init's names and PyTorch's default rules.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <tuple>
#include <vector>

#include "eager/random.h"
#include "eager/tensor.h"

// Every function fills its tensor in place under NoGradGuard (so it works on parameters that require
// grad) and returns it. The random ones draw from `generator`, else the default generator: after
// ember::manual_seed(s) the values equal PyTorch's after torch.manual_seed(s).
// Nonlinearity names are PyTorch's ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
// "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu");
// fan modes are "fan_in" and "fan_out".
namespace ember::nn::init {

// The recommended gain for a nonlinearity; param is leaky_relu's negative slope (0.01 when absent).
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = std::nullopt);

// (fan_in, fan_out) of a weight with at least 2 dims: size(1) and size(0) times the product of the rest.
std::tuple<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);
// libtorch's name for the same.
inline std::tuple<int64_t, int64_t> _calculate_fan_in_and_fan_out(const Tensor& tensor) {
  return calculate_fan_in_and_fan_out(tensor);
}

// ---- fills ----
Tensor uniform_(Tensor tensor, double a = 0, double b = 1, std::optional<Generator> generator = std::nullopt);
Tensor normal_(Tensor tensor, double mean = 0, double std = 1, std::optional<Generator> generator = std::nullopt);
// normal(mean, std) truncated to [a, b] by inverse-CDF sampling of a uniform, as PyTorch does.
Tensor trunc_normal_(Tensor tensor, double mean = 0, double std = 1, double a = -2, double b = 2,
                     std::optional<Generator> generator = std::nullopt);
Tensor constant_(Tensor tensor, const Scalar& value);
Tensor ones_(Tensor tensor);
Tensor zeros_(Tensor tensor);
// The identity matrix (2-D tensors only).
Tensor eye_(Tensor tensor);
// The identity of a 3-, 4- or 5-D conv weight (out, in, k...): 1 at the kernel centre of channel i to
// output i in each of `groups` groups; out_channels must divide by groups.
Tensor dirac_(Tensor tensor, int64_t groups = 1);

// ---- scaled by fan ----
// uniform(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor tensor, double gain = 1.0, std::optional<Generator> generator = std::nullopt);
// normal(0, std) with std = gain * sqrt(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor tensor, double gain = 1.0, std::optional<Generator> generator = std::nullopt);
// uniform(-bound, bound) with bound = gain(nonlinearity, a) * sqrt(3 / fan); a tensor with a zero size is
// left as it is.
Tensor kaiming_uniform_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu",
                        std::optional<Generator> generator = std::nullopt);
// normal(0, std) with std = gain(nonlinearity, a) / sqrt(fan).
Tensor kaiming_normal_(Tensor tensor, double a = 0, std::string_view mode = "fan_in",
                       std::string_view nonlinearity = "leaky_relu", std::optional<Generator> generator = std::nullopt);
// gain * Q of the QR decomposition of a (rows, numel / rows) standard normal matrix (transposed first
// when it is wide), with Q's columns signed so that R's diagonal is positive: the same values as PyTorch
// up to rounding (the QR here is a float64 Householder one, PyTorch's is LAPACK's in the tensor's dtype).
Tensor orthogonal_(Tensor tensor, double gain = 1.0, std::optional<Generator> generator = std::nullopt);

// ---- PyTorch's default initialisation of its layers (what reset_parameters() does), in PyTorch's
// order of draws so that seeded modules get PyTorch's values ----
// Linear: kaiming_uniform_(weight, a = sqrt(5)), then the bias (if defined) uniform(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) with the weight's fan_in (a 0 bound when fan_in is 0).
void default_linear_(Tensor weight, std::optional<Tensor> bias = std::nullopt,
                     std::optional<Generator> generator = std::nullopt);
// Conv1d/2d/3d and ConvTranspose (weight (in, out / groups, k...) there): the same rule as Linear, fan_in
// taken from the weight as it is laid out; the bias is left untouched when fan_in is 0.
void default_conv_(Tensor weight, std::optional<Tensor> bias = std::nullopt,
                   std::optional<Generator> generator = std::nullopt);
// Embedding: normal(0, 1), then the padding_idx row (if any; negative counts from the end) zeroed.
void default_embedding_(Tensor weight, std::optional<int64_t> padding_idx = std::nullopt,
                        std::optional<Generator> generator = std::nullopt);
// RNN, LSTM, GRU and their cells: every parameter uniform(-1/sqrt(hidden_size), 1/sqrt(hidden_size)),
// drawn in the order given, which must be the module's registration order (weight_ih_l0, weight_hh_l0,
// bias_ih_l0, bias_hh_l0, then the reverse direction, then the next layer).
void default_rnn_(const std::vector<Tensor>& parameters, int64_t hidden_size,
                  std::optional<Generator> generator = std::nullopt);
// MultiheadAttention's _reset_parameters: xavier_uniform_ on in_proj_weight, zeros in in_proj_bias and
// out_proj_bias, xavier_normal_ on bias_k and bias_v when present. PyTorch builds out_proj (a Linear,
// default_linear_) before this runs, so seeded values match when out_proj is initialised first.
// With separate q/k/v projections call xavier_uniform_ on each of them in that order instead.
void default_multihead_attention_(Tensor in_proj_weight, std::optional<Tensor> in_proj_bias = std::nullopt,
                                  std::optional<Tensor> out_proj_bias = std::nullopt,
                                  std::optional<Tensor> bias_k = std::nullopt,
                                  std::optional<Tensor> bias_v = std::nullopt,
                                  std::optional<Generator> generator = std::nullopt);
// BatchNorm, LayerNorm, GroupNorm and InstanceNorm affine parameters: weight ones, bias zeros.
void default_norm_(std::optional<Tensor> weight, std::optional<Tensor> bias = std::nullopt);

}  // namespace ember::nn::init
