// CPU kernels behind the nn ops: normalisation statistics and transforms, embedding row gathers, and losses.
#pragma once

#include <cstdint>

#include "kernels/strided.h"

namespace ember::kernels::cpu {

// ---- normalisation ----
// `x` is a contiguous block of a floating dtype laid out (outer, channels, inner); statistics and
// per-channel parameters are double arrays, so every input dtype accumulates in double.

// Mean and biased variance of each channel over its outer * inner elements, in two passes
// (mean first, then squared deviations) so that large offsets cost no precision. A channel with
// no elements gets NaN for both.
void channel_moments(ScalarType dtype, const void* x, int64_t outer, int64_t channels, int64_t inner, double* mean,
                     double* var);

// out = x * scale[c] + shift[c] for every element of channel c; out has x's dtype and layout.
void channel_affine(ScalarType dtype, const void* x, void* out, int64_t outer, int64_t channels, int64_t inner,
                    const double* scale, const double* shift);

// Layer norm over contiguous rows: out[r, j] = (x[r, j] - mean[r]) * rstd[r] * weight[j] + bias[j];
// weight and bias may be null (1 and 0).
void normalize_rows(ScalarType dtype, const void* x, void* out, int64_t rows, int64_t cols, const double* mean,
                    const double* rstd, const double* weight, const double* bias);

// ---- embedding ----

// out[i, :] = table[index[i], :] for a 2-D table of any dtype and a contiguous (n, dim) out;
// the indices must already be known to be in range.
void gather_rows(const StridedView& out, const StridedView& table, const int64_t* index, int64_t n);

// ---- losses ----

// Numbered as at::Reduction.
enum class LossReduction : uint8_t { None = 0, Mean = 1, Sum = 2 };

enum class PointwiseLoss : uint8_t { Mse, L1, SmoothL1, BinaryCrossEntropy, BinaryCrossEntropyWithLogits };

// An elementwise loss of `input` against `target`, optionally times `weight` (and, for the logits
// form, with `pos_weight` scaling the positive term); views without data are absent. All views share
// one shape and dtype (broadcasting as zero strides). With reduction None `out` has that shape;
// otherwise out is a one-element view that receives the sum or the mean (NaN for a mean of nothing).
// beta is smooth_l1's threshold. Values are computed in double.
void pointwise_loss(PointwiseLoss kind, LossReduction reduction, const StridedView& out, const StridedView& input,
                    const StridedView& target, const StridedView& weight, const StridedView& pos_weight, double beta);

// Class-index losses over contiguous scores laid out (batch, classes, inner), one int64 target per
// (batch, inner) sample. `logits` makes it cross entropy (a log-softmax over the classes first) rather
// than nll_loss over log-probabilities. weight (per class) may be null. Samples whose target is
// ignore_index contribute nothing and do not count towards a mean, which divides by the summed
// weights of the targets. label_smoothing > 0 mixes in the (weighted) mean over all classes. `out`
// is contiguous: one value per sample for reduction None, else one value. `op` names the op in errors.
struct ClassIndexLoss {
  const char* op = "nll_loss";
  ScalarType dtype = ScalarType::Float;
  const void* input = nullptr;
  const int64_t* target = nullptr;
  const double* weight = nullptr;
  int64_t batch = 0, classes = 0, inner = 1;
  int64_t ignore_index = -100;
  bool logits = false;
  double label_smoothing = 0;
  LossReduction reduction = LossReduction::Mean;
  void* out = nullptr;
};
void class_index_loss(const ClassIndexLoss& args);

// Cross entropy against class probabilities: `target` has the scores' layout and dtype;
// label_smoothing > 0 replaces it by target * (1 - s) + s / classes. A mean divides by the number
// of samples (batch * inner).
struct ClassProbabilityLoss {
  ScalarType dtype = ScalarType::Float;
  const void* input = nullptr;
  const void* target = nullptr;
  const double* weight = nullptr;
  int64_t batch = 0, classes = 0, inner = 1;
  double label_smoothing = 0;
  LossReduction reduction = LossReduction::Mean;
  void* out = nullptr;
};
void class_probability_loss(const ClassProbabilityLoss& args);

}  // namespace ember::kernels::cpu
