// nn::functional: activations, losses and layers as functions with libtorch's option structs.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "eager/nn/options.h"
#include "eager/ops_nn.h"
#include "eager/tensor.h"

namespace ember::nn::functional {

// ---------------------------------------------------------------------------------------------
// Activations. Options with inplace(true) modify the input and return it.
// ---------------------------------------------------------------------------------------------

struct ReLUFuncOptions {
  ReLUFuncOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT: relu(x, true) as in libtorch
  EMBER_ARG(bool, inplace);
};
Tensor relu(Tensor input, const ReLUFuncOptions& options = {});

struct ReLU6FuncOptions {
  ReLU6FuncOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT
  EMBER_ARG(bool, inplace);
};
Tensor relu6(Tensor input, const ReLU6FuncOptions& options = {});

struct LeakyReLUFuncOptions {
  EMBER_ARG(double, negative_slope) = 1e-2;
  EMBER_ARG(bool, inplace) = false;
};
Tensor leaky_relu(Tensor input, const LeakyReLUFuncOptions& options = {});

struct ELUFuncOptions {
  EMBER_ARG(double, alpha) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
Tensor elu(Tensor input, const ELUFuncOptions& options = {});

struct SELUFuncOptions {
  SELUFuncOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT
  EMBER_ARG(bool, inplace);
};
Tensor selu(Tensor input, const SELUFuncOptions& options = {});

struct CELUFuncOptions {
  EMBER_ARG(double, alpha) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
Tensor celu(Tensor input, const CELUFuncOptions& options = {});

// approximate: "none" (the erf form) or "tanh".
struct GELUFuncOptions {
  EMBER_ARG(std::string, approximate) = "none";
};
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});

Tensor silu(const Tensor& input, bool inplace = false);
Tensor mish(const Tensor& input);
Tensor logsigmoid(const Tensor& input);

struct HardtanhFuncOptions {
  EMBER_ARG(double, min_val) = -1.0;
  EMBER_ARG(double, max_val) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
Tensor hardtanh(Tensor input, const HardtanhFuncOptions& options = {});

// log(1 + exp(beta * x)) / beta, and x itself where beta * x > threshold.
struct SoftplusFuncOptions {
  EMBER_ARG(double, beta) = 1.0;
  EMBER_ARG(double, threshold) = 20.0;
};
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {});

// First half of `dim` times sigmoid of the second half; the dim's size must be even.
struct GLUFuncOptions {
  GLUFuncOptions(int64_t dim = -1) : dim_(dim) {}  // NOLINT
  EMBER_ARG(int64_t, dim);
};
Tensor glu(const Tensor& input, const GLUFuncOptions& options = {});

// max(0, x) + weight * min(0, x), weight holding one value or one per channel (dim 1 of input).
Tensor prelu(const Tensor& input, const Tensor& weight);

// dtype: convert the input to it first (integer inputs need a floating one).
struct SoftmaxFuncOptions {
  SoftmaxFuncOptions(int64_t dim) : dim_(dim) {}  // NOLINT
  EMBER_ARG(int64_t, dim);
  EMBER_ARG(std::optional<ScalarType>, dtype) = std::nullopt;
};
Tensor softmax(const Tensor& input, const SoftmaxFuncOptions& options);
using SoftminFuncOptions = SoftmaxFuncOptions;
using LogSoftmaxFuncOptions = SoftmaxFuncOptions;
// softmax(-input).
Tensor softmin(const Tensor& input, const SoftminFuncOptions& options);
Tensor log_softmax(const Tensor& input, const LogSoftmaxFuncOptions& options);

// input / max(||input||_p over dim, eps).
struct NormalizeFuncOptions {
  EMBER_ARG(double, p) = 2.0;
  EMBER_ARG(int64_t, dim) = 1;
  EMBER_ARG(double, eps) = 1e-12;
};
Tensor normalize(const Tensor& input, const NormalizeFuncOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Dropout, linear, embedding
// ---------------------------------------------------------------------------------------------

// Zeroes elements with probability p while training, scaling the rest by 1 / (1 - p); the identity
// when training is false. Draws from the default generator.
struct DropoutFuncOptions {
  EMBER_ARG(double, p) = 0.5;
  EMBER_ARG(bool, training) = true;
  EMBER_ARG(bool, inplace) = false;
};
Tensor dropout(Tensor input, const DropoutFuncOptions& options = {});

// input @ weight.T + bias; an undefined bias is none.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

// padding_idx: the row that gets no gradient (negative counts from the end). max_norm: rows looked up
// are first renormalised in place to norm_type-norm at most max_norm, as PyTorch does.
struct EmbeddingFuncOptions {
  EMBER_ARG(std::optional<int64_t>, padding_idx) = std::nullopt;
  EMBER_ARG(std::optional<double>, max_norm) = std::nullopt;
  EMBER_ARG(double, norm_type) = 2.0;
  EMBER_ARG(bool, scale_grad_by_freq) = false;
  EMBER_ARG(bool, sparse) = false;
};
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Convolution and pooling
// ---------------------------------------------------------------------------------------------

// A convolution's padding: sizes (one for all dims or one per dim), or "valid" / "same".
template <size_t D>
class ConvPadding {
 public:
  ConvPadding(int value) : sizes_(int64_t(value)) {}  // NOLINT: keeps a literal 0 from reading as a string
  ConvPadding(int64_t value) : sizes_(value) {}       // NOLINT
  ConvPadding(std::initializer_list<int64_t> values) : sizes_(values) {}  // NOLINT
  ConvPadding(const ExpandingArray<D>& sizes) : sizes_(sizes) {}          // NOLINT
  ConvPadding(const char* mode) : sizes_(0), mode_(mode) {}               // NOLINT
  ConvPadding(std::string mode) : sizes_(0), mode_(std::move(mode)) {}    // NOLINT
  bool is_mode() const { return mode_.has_value(); }
  const std::string& mode() const { return *mode_; }
  const ExpandingArray<D>& sizes() const { return sizes_; }

 private:
  ExpandingArray<D> sizes_;
  std::optional<std::string> mode_;
};

template <size_t D>
struct ConvFuncOptions {
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ConvPadding<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
};
using Conv1dFuncOptions = ConvFuncOptions<1>;
using Conv2dFuncOptions = ConvFuncOptions<2>;
// input (N, C, L) or (C, L) / (N, C, H, W) or (C, H, W); weight (out, C / groups, k...).
Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options = {});
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});

// stride defaults to kernel_size.
template <size_t D>
struct MaxPoolFuncOptions {
  MaxPoolFuncOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride);
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(bool, ceil_mode) = false;
};
using MaxPool1dFuncOptions = MaxPoolFuncOptions<1>;
using MaxPool2dFuncOptions = MaxPoolFuncOptions<2>;
Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options);
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
// (output, indices): indices are flat positions within each plane.
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dFuncOptions& options);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options);

template <size_t D>
struct AvgPoolFuncOptions {
  AvgPoolFuncOptions(ExpandingArray<D> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride);
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  EMBER_ARG(bool, ceil_mode) = false;
  EMBER_ARG(bool, count_include_pad) = true;
  // 2-D only: divide every window by this instead of its size.
  EMBER_ARG(std::optional<int64_t>, divisor_override) = std::nullopt;
};
using AvgPool1dFuncOptions = AvgPoolFuncOptions<1>;
using AvgPool2dFuncOptions = AvgPoolFuncOptions<2>;
Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);

// An output size of nullopt keeps the input's size in that dim.
template <size_t D>
struct AdaptiveAvgPoolFuncOptions {
  AdaptiveAvgPoolFuncOptions(ExpandingArrayWithOptional<D> output_size) : output_size_(output_size) {}  // NOLINT
  EMBER_ARG(ExpandingArrayWithOptional<D>, output_size);
};
using AdaptiveAvgPool1dFuncOptions = AdaptiveAvgPoolFuncOptions<1>;
using AdaptiveAvgPool2dFuncOptions = AdaptiveAvgPoolFuncOptions<2>;
Tensor adaptive_avg_pool1d(const Tensor& input, const AdaptiveAvgPool1dFuncOptions& options);
Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options);

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

// training: normalise with the batch statistics and update the running ones (when defined) with
// momentum; otherwise normalise with the running statistics.
struct BatchNormFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(bool, training) = false;
  EMBER_ARG(std::optional<double>, momentum) = 0.1;
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});

// Normalises each (instance, channel) plane with its own statistics (use_input_stats), or with the
// running ones; running stats (when defined and use_input_stats) get the mean over the batch's updates.
struct InstanceNormFuncOptions {
  EMBER_ARG(Tensor, running_mean) = {};
  EMBER_ARG(Tensor, running_var) = {};
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(bool, use_input_stats) = true;
  EMBER_ARG(double, momentum) = 0.1;
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor instance_norm(const Tensor& input, const InstanceNormFuncOptions& options = {});

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<int64_t> normalized_shape)  // NOLINT
      : normalized_shape_(std::move(normalized_shape)) {}
  EMBER_ARG(std::vector<int64_t>, normalized_shape);
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

struct GroupNormFuncOptions {
  GroupNormFuncOptions(int64_t num_groups) : num_groups_(num_groups) {}  // NOLINT
  EMBER_ARG(int64_t, num_groups);
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(Tensor, bias) = {};
  EMBER_ARG(double, eps) = 1e-5;
};
Tensor group_norm(const Tensor& input, const GroupNormFuncOptions& options);

// ---------------------------------------------------------------------------------------------
// Padding and resampling
// ---------------------------------------------------------------------------------------------

// pad: (before, after) pairs from the last dim backwards. mode "constant" (with value), "reflect",
// "replicate" or "circular".
struct PadFuncOptions {
  PadFuncOptions(std::vector<int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT
  EMBER_ARG(std::vector<int64_t>, pad);
  EMBER_ARG(std::string, mode) = "constant";
  EMBER_ARG(double, value) = 0;
};
Tensor pad(const Tensor& input, const PadFuncOptions& options);

// Exactly one of size and scale_factor. mode "nearest", "nearest-exact", "linear", "bilinear" or "area".
struct InterpolateFuncOptions {
  EMBER_ARG(std::optional<std::vector<int64_t>>, size) = std::nullopt;
  EMBER_ARG(std::optional<std::vector<double>>, scale_factor) = std::nullopt;
  EMBER_ARG(std::string, mode) = "nearest";
  EMBER_ARG(std::optional<bool>, align_corners) = std::nullopt;
  EMBER_ARG(std::optional<bool>, recompute_scale_factor) = std::nullopt;
  // Only false is supported.
  EMBER_ARG(bool, antialias) = false;
};
Tensor interpolate(const Tensor& input, const InterpolateFuncOptions& options = {});

// ---------------------------------------------------------------------------------------------
// Losses. reduction: Reduction::Mean (default), Reduction::Sum, Reduction::None or the names
// "mean", "sum", "none". An undefined weight is none.
// ---------------------------------------------------------------------------------------------

struct MSELossFuncOptions {
  MSELossFuncOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(LossReduction, reduction);
};
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});

struct L1LossFuncOptions {
  L1LossFuncOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(LossReduction, reduction);
};
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});

// 0.5 z^2 / beta where z = |input - target| < beta, else z - 0.5 beta.
struct SmoothL1LossFuncOptions {
  SmoothL1LossFuncOptions(LossReduction reduction = Reduction::Mean) : reduction_(reduction) {}  // NOLINT
  EMBER_ARG(LossReduction, reduction);
  EMBER_ARG(double, beta) = 1.0;
};
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options = {});

struct NLLLossFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(LossReduction, reduction) = Reduction::Mean;
};
// input: log-probabilities (C), (N, C) or (N, C, d...); target: class indices.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});

struct CrossEntropyFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(int64_t, ignore_index) = -100;
  EMBER_ARG(LossReduction, reduction) = Reduction::Mean;
  EMBER_ARG(double, label_smoothing) = 0.0;
};
// input: logits; target: class indices, or class probabilities of the input's shape.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options = {});

struct BinaryCrossEntropyFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(LossReduction, reduction) = Reduction::Mean;
};
// input: probabilities; target of the same shape; weight broadcasts to it.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options = {});

struct BinaryCrossEntropyWithLogitsFuncOptions {
  EMBER_ARG(Tensor, weight) = {};
  EMBER_ARG(LossReduction, reduction) = Reduction::Mean;
  EMBER_ARG(Tensor, pos_weight) = {};
};
// input: logits; target of the same shape; pos_weight scales the positive term per class (last dim).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});

}  // namespace ember::nn::functional
