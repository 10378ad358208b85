// Normalisation, dropout, embedding, linear and loss primitives (the nn layers build on these).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "eager/random.h"
#include "eager/tensor.h"

namespace ember {

// at::Reduction: how a loss combines its per-element values.
namespace Reduction {
enum Reduction : int64_t { None = 0, Mean = 1, Sum = 2 };
}  // namespace Reduction

// A loss's reduction argument: the enum (Reduction::Sum, or its int64_t value as at:: passes it) or
// PyTorch's names "none", "mean" and "sum". Anything else raises.
class LossReduction {
 public:
  LossReduction(Reduction::Reduction reduction);  // NOLINT: implicit, as an at:: int64_t argument
  LossReduction(int64_t reduction);               // NOLINT
  LossReduction(int reduction);                   // NOLINT: keeps a literal 0 from reading as a null name
  LossReduction(const char* name);                // NOLINT
  LossReduction(std::string_view name);           // NOLINT
  LossReduction(const std::string& name);         // NOLINT
  Reduction::Reduction value() const { return value_; }

 private:
  Reduction::Reduction value_;
};

// ---- linear ----
// input @ weight.T + bias over any leading dims of input; weight is (out_features, in_features).
Tensor linear(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt);

// ---- normalisation ----
// Batch norm of an (N, C, ...) input over all dims but C. training: normalise with the batch's mean
// and biased variance, and update running_mean/running_var in place (with the unbiased variance):
// stat = momentum * batch_stat + (1 - momentum) * stat. Otherwise normalise with the running stats.
// cudnn_enabled is accepted for libtorch compatibility and ignored.
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                  const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var, bool training,
                  double momentum, double eps, bool cudnn_enabled = true);
// batch_norm's (output, save_mean, save_invstd); the saved stats are empty in evaluation.
std::tuple<Tensor, Tensor, Tensor> native_batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias,
                                                     const std::optional<Tensor>& running_mean,
                                                     const std::optional<Tensor>& running_var, bool training,
                                                     double momentum, double eps);
// Normalises over the trailing dims given by normalized_shape (biased variance), then weight * x + bias.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5, bool cudnn_enable = true);
// layer_norm's (output, mean, rstd); mean and rstd keep the normalised dims as size 1.
std::tuple<Tensor, Tensor, Tensor> native_layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps);
// Normalises each of num_groups groups of channels of an (N, C, ...) input, then a per-channel affine.
Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5, bool cudnn_enabled = true);
// group_norm's (output, mean, rstd), the statistics shaped (N, num_groups).
std::tuple<Tensor, Tensor, Tensor> native_group_norm(const Tensor& input, int64_t num_groups,
                                                     const std::optional<Tensor>& weight,
                                                     const std::optional<Tensor>& bias, double eps);

// ---- dropout ----
// Zeroes each element with probability p (a Bernoulli(1 - p) mask from `generator`, else the default
// generator) and scales the rest by 1 / (1 - p). Returns input itself when !train, p == 0 or it is
// empty; p == 1 multiplies by 0 without drawing. Seeded results equal PyTorch's CPU F.dropout
// (PyTorch on Intel CPUs draws this mask with MKL instead, so there they differ).
Tensor dropout(const Tensor& input, double p, bool train, std::optional<Generator> generator = std::nullopt);
Tensor& dropout_(Tensor& self, double p, bool train, std::optional<Generator> generator = std::nullopt);
// dropout's (output, mask): mask is true where the element was kept.
std::tuple<Tensor, Tensor> native_dropout(const Tensor& input, double p, bool train,
                                          std::optional<Generator> generator = std::nullopt);

// ---- embedding ----
// Rows of weight (num_embeddings, dim) picked by int32/int64 indices: the result has indices' shape
// plus dim. padding_idx (-1 for none) and the other flags only matter for the gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1, bool scale_grad_by_freq = false,
                 bool sparse = false);

// ---- losses ----
// (input - target)^2, broadcasting the two.
Tensor mse_loss(const Tensor& self, const Tensor& target, LossReduction reduction = Reduction::Mean);
// |input - target|.
Tensor l1_loss(const Tensor& self, const Tensor& target, LossReduction reduction = Reduction::Mean);
// 0.5 * z^2 / beta where z = |input - target| < beta, else z - 0.5 * beta (beta = 0 is l1_loss).
Tensor smooth_l1_loss(const Tensor& self, const Tensor& target, LossReduction reduction = Reduction::Mean,
                      double beta = 1.0);
// Negative log-likelihood of log-probabilities shaped (C), (N, C) or (N, C, d1, ...) against class
// indices shaped (), (N) or (N, d1, ...). A mean divides by the summed weights of the non-ignored targets.
Tensor nll_loss(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                LossReduction reduction = Reduction::Mean, int64_t ignore_index = -100);
// nll_loss of a log-softmax over the class dim, against class indices, or against class
// probabilities when target has the input's shape (a floating target; no ignore_index).
Tensor cross_entropy(const Tensor& self, const Tensor& target, const std::optional<Tensor>& weight = std::nullopt,
                     LossReduction reduction = Reduction::Mean, int64_t ignore_index = -100,
                     double label_smoothing = 0.0);
// -w * (target * log(input) + (1 - target) * log(1 - input)), each log clamped to >= -100.
Tensor binary_cross_entropy(const Tensor& self, const Tensor& target,
                            const std::optional<Tensor>& weight = std::nullopt,
                            LossReduction reduction = Reduction::Mean);
// binary_cross_entropy(sigmoid(input), target) computed stably from the logits; pos_weight scales the
// positive term per class.
Tensor binary_cross_entropy_with_logits(const Tensor& self, const Tensor& target,
                                        const std::optional<Tensor>& weight = std::nullopt,
                                        const std::optional<Tensor>& pos_weight = std::nullopt,
                                        LossReduction reduction = Reduction::Mean);

}  // namespace ember
