// torch.nn.init's fills and PyTorch's default layer initialisation, on top of the in-place random ops.
#include "eager/nn/init.h"

#include <cmath>
#include <string>

#include "eager/autograd/grad_mode.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::nn::init {
namespace {

void check_defined(const Tensor& tensor, const char* fn) {
  EMBER_CHECK(tensor.defined(), "[nn::init::{}] Expected a defined tensor, got an undefined one.", fn);
}

int64_t correct_fan(const Tensor& tensor, std::string_view mode, const char* fn) {
  EMBER_CHECK(mode == "fan_in" || mode == "fan_out",
              "[nn::init::{}] Mode {} not supported, please use one of fan_in, fan_out.", fn, mode);
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  return mode == "fan_in" ? fan_in : fan_out;
}

// Householder QR of a column-major m x n matrix (m >= n); returns the thin Q (m x n, column-major) with
// each column multiplied by the sign of R's diagonal entry, which makes it the unique Q whose R has a
// positive diagonal (so it does not depend on the reflection convention; a zero entry zeroes its column,
// as sign(0) does in PyTorch).
std::vector<double> signed_thin_q(std::vector<double> a, int64_t m, int64_t n) {
  std::vector<std::vector<double>> reflectors(static_cast<size_t>(n));
  std::vector<double> diagonal(static_cast<size_t>(n));
  auto at = [&](int64_t i, int64_t j) -> double& { return a[size_t(j * m + i)]; };
  for (int64_t k = 0; k < n; ++k) {
    double norm = 0;
    for (int64_t i = k; i < m; ++i) norm += at(i, k) * at(i, k);
    norm = std::sqrt(norm);
    if (norm == 0) {  // nothing to reflect: H = I, R_kk = 0
      diagonal[size_t(k)] = 0;
      continue;
    }
    const double alpha = at(k, k) > 0 ? -norm : norm;
    std::vector<double> v(size_t(m - k));
    for (int64_t i = k; i < m; ++i) v[size_t(i - k)] = at(i, k);
    v[0] -= alpha;
    double v_norm = 0;
    for (double x : v) v_norm += x * x;
    v_norm = std::sqrt(v_norm);
    for (double& x : v) x /= v_norm;
    for (int64_t j = k; j < n; ++j) {  // A[k:, j] -= 2 v (v . A[k:, j])
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[size_t(i - k)] * at(i, j);
      for (int64_t i = k; i < m; ++i) at(i, j) -= 2 * dot * v[size_t(i - k)];
    }
    diagonal[size_t(k)] = alpha;
    reflectors[size_t(k)] = std::move(v);
  }
  std::vector<double> q(size_t(m * n), 0.0);
  for (int64_t j = 0; j < n; ++j) q[size_t(j * m + j)] = 1;
  for (int64_t k = n - 1; k >= 0; --k) {  // Q = H_0 ... H_{n-1} I[:, :n], applied right to left
    const std::vector<double>& v = reflectors[size_t(k)];
    if (v.empty()) continue;
    for (int64_t j = 0; j < n; ++j) {
      double dot = 0;
      for (int64_t i = k; i < m; ++i) dot += v[size_t(i - k)] * q[size_t(j * m + i)];
      for (int64_t i = k; i < m; ++i) q[size_t(j * m + i)] -= 2 * dot * v[size_t(i - k)];
    }
  }
  for (int64_t j = 0; j < n; ++j) {
    const double d = diagonal[size_t(j)];
    const double sign = d > 0 ? 1.0 : (d < 0 ? -1.0 : 0.0);
    for (int64_t i = 0; i < m; ++i) q[size_t(j * m + i)] *= sign;
  }
  return q;
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  if (nonlinearity == "linear" || nonlinearity == "conv1d" || nonlinearity == "conv2d" || nonlinearity == "conv3d" ||
      nonlinearity == "conv_transpose1d" || nonlinearity == "conv_transpose2d" || nonlinearity == "conv_transpose3d" ||
      nonlinearity == "sigmoid")
    return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    EMBER_CHECK(std::isfinite(slope), "[nn::init::calculate_gain] negative_slope {} is not a valid number.", slope);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;
  EMBER_FAIL(
      "[nn::init::calculate_gain] Unsupported nonlinearity {}; use one of linear, conv1d, conv2d, conv3d, "
      "conv_transpose1d, conv_transpose2d, conv_transpose3d, sigmoid, tanh, relu, leaky_relu, selu.",
      nonlinearity);
}

std::tuple<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor) {
  check_defined(tensor, "calculate_fan_in_and_fan_out");
  EMBER_CHECK(tensor.dim() >= 2,
              "[nn::init] Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (got {} "
              "dimensions); these initialisations are for weights shaped (out, in, ...).",
              tensor.dim());
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < tensor.dim(); ++d) receptive_field *= tensor.size(d);
  return {tensor.size(1) * receptive_field, tensor.size(0) * receptive_field};
}

Tensor uniform_(Tensor tensor, double a, double b, std::optional<Generator> generator) {
  check_defined(tensor, "uniform_");
  NoGradGuard no_grad;
  tensor.uniform_(a, b, generator);
  return tensor;
}

Tensor normal_(Tensor tensor, double mean, double std, std::optional<Generator> generator) {
  check_defined(tensor, "normal_");
  NoGradGuard no_grad;
  tensor.normal_(mean, std, generator);
  return tensor;
}

Tensor trunc_normal_(Tensor tensor, double mean, double std, double a, double b, std::optional<Generator> generator) {
  check_defined(tensor, "trunc_normal_");
  EMBER_CHECK(a <= b, "[nn::init::trunc_normal_] Expected a <= b, got a = {} and b = {}.", a, b);
  // Uniform on [cdf(a), cdf(b)] mapped back through the inverse normal CDF, in PyTorch's steps.
  auto cdf = [](double x) { return (1 + std::erf(x / std::sqrt(2.0))) / 2; };
  const double low = cdf((a - mean) / std), high = cdf((b - mean) / std);
  NoGradGuard no_grad;
  tensor.uniform_(2 * low - 1, 2 * high - 1, generator);
  tensor.erfinv_();
  tensor.mul_(std * std::sqrt(2.0));
  tensor.add_(mean);
  tensor.clamp_(Scalar(a), Scalar(b));
  return tensor;
}

Tensor constant_(Tensor tensor, const Scalar& value) {
  check_defined(tensor, "constant_");
  NoGradGuard no_grad;
  tensor.fill_(value);
  return tensor;
}

Tensor ones_(Tensor tensor) { return constant_(std::move(tensor), 1); }
Tensor zeros_(Tensor tensor) { return constant_(std::move(tensor), 0); }

Tensor eye_(Tensor tensor) {
  check_defined(tensor, "eye_");
  EMBER_CHECK(tensor.dim() == 2, "[nn::init::eye_] Only tensors with 2 dimensions are supported, got {} dimensions.",
              tensor.dim());
  NoGradGuard no_grad;
  tensor.copy_(eye(tensor.size(0), tensor.size(1), TensorOptions(tensor.dtype())));
  return tensor;
}

Tensor dirac_(Tensor tensor, int64_t groups) {
  check_defined(tensor, "dirac_");
  const int64_t dims = tensor.dim();
  EMBER_CHECK(dims >= 3 && dims <= 5,
              "[nn::init::dirac_] Only tensors with 3, 4, or 5 dimensions are supported, got {} dimensions.", dims);
  EMBER_CHECK(groups > 0 && tensor.size(0) % groups == 0,
              "[nn::init::dirac_] dim 0 (size {}) must be divisible by groups (got {}).", tensor.size(0), groups);
  const int64_t out_per_group = tensor.size(0) / groups;
  const int64_t min_dim = std::min(out_per_group, tensor.size(1));
  NoGradGuard no_grad;
  tensor.zero_();
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t d = 0; d < min_dim; ++d) {
      Tensor centre = tensor.select(0, g * out_per_group + d).select(0, d);
      for (int64_t k = 2; k < dims; ++k) centre = centre.select(0, tensor.size(k) / 2);
      centre.fill_(1);
    }
  }
  return tensor;
}

Tensor xavier_uniform_(Tensor tensor, double gain, std::optional<Generator> generator) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (fan_in + fan_out == 0) return tensor;  // an empty weight: nothing to fill
  const double std = gain * std::sqrt(2.0 / double(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -a, a, generator);
}

Tensor xavier_normal_(Tensor tensor, double gain, std::optional<Generator> generator) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(tensor);
  if (fan_in + fan_out == 0) return tensor;
  const double std = gain * std::sqrt(2.0 / double(fan_in + fan_out));
  return normal_(std::move(tensor), 0, std, generator);
}

Tensor kaiming_uniform_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity,
                        std::optional<Generator> generator) {
  check_defined(tensor, "kaiming_uniform_");
  if (tensor.numel() == 0) return tensor;  // PyTorch warns that this is a no-op
  const int64_t fan = correct_fan(tensor, mode, "kaiming_uniform_");
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(tensor), -bound, bound, generator);
}

Tensor kaiming_normal_(Tensor tensor, double a, std::string_view mode, std::string_view nonlinearity,
                       std::optional<Generator> generator) {
  check_defined(tensor, "kaiming_normal_");
  if (tensor.numel() == 0) return tensor;
  const int64_t fan = correct_fan(tensor, mode, "kaiming_normal_");
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(double(fan));
  return normal_(std::move(tensor), 0, std, generator);
}

Tensor orthogonal_(Tensor tensor, double gain, std::optional<Generator> generator) {
  check_defined(tensor, "orthogonal_");
  EMBER_CHECK(tensor.dim() >= 2,
              "[nn::init::orthogonal_] Only tensors with 2 or more dimensions are supported, got {} dimensions.",
              tensor.dim());
  EMBER_CHECK(tensor.is_floating_point(), "[nn::init::orthogonal_] Expected a floating point tensor, got {}.",
              to_string(tensor.dtype()));
  if (tensor.numel() == 0) return tensor;
  const int64_t rows = tensor.size(0), cols = tensor.numel() / rows;
  NoGradGuard no_grad;
  // Drawn as (rows, cols) in the tensor's dtype, like PyTorch, so the same samples come out.
  Tensor flattened = empty({rows, cols}, TensorOptions(tensor.dtype())).normal_(0, 1, generator);
  // QR needs a tall matrix: a wide one is transposed first and Q transposed back.
  const bool wide = rows < cols;
  const int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  // Column-major (m x n) of the tall matrix is row-major (n x m) of its transpose.
  const Tensor tall_t = wide ? flattened : flattened.t();
  std::vector<double> q = signed_thin_q(tall_t.contiguous().to_vector<double>(), m, n);
  // q is column-major m x n, i.e. row-major n x m = (Q^T); the result is Q, or Q^T when wide.
  Tensor q_t = from_blob(q.data(), {n, m}, TensorOptions(kDouble));
  Tensor result = wide ? q_t : q_t.t();
  tensor.view({rows, cols}).copy_(result);
  tensor.mul_(gain);
  return tensor;
}

void default_linear_(Tensor weight, std::optional<Tensor> bias, std::optional<Generator> generator) {
  kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", generator);
  if (bias && bias->defined()) {
    auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(weight);
    const double bound = fan_in > 0 ? 1 / std::sqrt(double(fan_in)) : 0;
    uniform_(*bias, -bound, bound, generator);
  }
}

void default_conv_(Tensor weight, std::optional<Tensor> bias, std::optional<Generator> generator) {
  kaiming_uniform_(weight, std::sqrt(5.0), "fan_in", "leaky_relu", generator);
  if (bias && bias->defined()) {
    auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(weight);
    if (fan_in != 0) uniform_(*bias, -1 / std::sqrt(double(fan_in)), 1 / std::sqrt(double(fan_in)), generator);
  }
}

void default_embedding_(Tensor weight, std::optional<int64_t> padding_idx, std::optional<Generator> generator) {
  normal_(weight, 0, 1, generator);
  if (padding_idx) {
    EMBER_CHECK(weight.dim() >= 1, "[nn::init::default_embedding_] Expected a (num_embeddings, dim) weight.");
    const int64_t rows = weight.size(0);
    EMBER_CHECK(*padding_idx >= -rows && *padding_idx < rows,
                "[nn::init::default_embedding_] padding_idx {} is out of range for {} embeddings.", *padding_idx, rows);
    NoGradGuard no_grad;
    weight.select(0, *padding_idx < 0 ? *padding_idx + rows : *padding_idx).fill_(0);
  }
}

void default_rnn_(const std::vector<Tensor>& parameters, int64_t hidden_size, std::optional<Generator> generator) {
  EMBER_CHECK(hidden_size >= 0, "[nn::init::default_rnn_] Expected hidden_size >= 0, got {}.", hidden_size);
  const double stdv = hidden_size > 0 ? 1 / std::sqrt(double(hidden_size)) : 0;
  for (const Tensor& parameter : parameters) uniform_(parameter, -stdv, stdv, generator);
}

void default_multihead_attention_(Tensor in_proj_weight, std::optional<Tensor> in_proj_bias,
                                  std::optional<Tensor> out_proj_bias, std::optional<Tensor> bias_k,
                                  std::optional<Tensor> bias_v, std::optional<Generator> generator) {
  xavier_uniform_(std::move(in_proj_weight), 1.0, generator);
  if (in_proj_bias && in_proj_bias->defined()) zeros_(*in_proj_bias);
  if (out_proj_bias && out_proj_bias->defined()) zeros_(*out_proj_bias);
  if (bias_k && bias_k->defined()) xavier_normal_(*bias_k, 1.0, generator);
  if (bias_v && bias_v->defined()) xavier_normal_(*bias_v, 1.0, generator);
}

void default_norm_(std::optional<Tensor> weight, std::optional<Tensor> bias) {
  if (weight && weight->defined()) ones_(*weight);
  if (bias && bias->defined()) zeros_(*bias);
}

}  // namespace ember::nn::init
