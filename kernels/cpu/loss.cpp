// Loss kernels: elementwise losses (mse, l1, smooth l1, binary cross entropy) and class losses (nll, cross entropy).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/nn.h"

namespace ember::kernels::cpu {
namespace {

template <typename F>
void visit_floating(ScalarType dtype, F&& body) {
  visit_dtype(dtype, [&]<typename T>() {
    if constexpr (is_float_like<T>) body.template operator()<T>();
    else EMBER_FAIL("[nn kernels] expected a floating point dtype, got dtype code {}", int(dtype));
  });
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Calls f(flat_index, offsets) for every element of `sizes` in row-major order, where offsets[k] is
// the element offset of that element in views[k] (absent views keep offset 0).
template <size_t N, typename F>
void for_each_offset(const DimVector& sizes, const std::array<const StridedView*, N>& views, F f) {
  const int64_t nd = int64_t(sizes.size());
  int64_t numel = 1;
  for (int64_t s : sizes) numel *= s;
  if (numel == 0) return;
  std::array<int64_t, N> offsets{};
  std::vector<int64_t> index(size_t(nd), 0);
  for (int64_t flat = 0; flat < numel; ++flat) {
    f(flat, offsets);
    for (int64_t d = nd - 1; d >= 0; --d) {
      if (++index[size_t(d)] < sizes[size_t(d)]) {
        for (size_t k = 0; k < N; ++k)
          if (views[k]->data) offsets[k] += views[k]->strides[size_t(d)];
        break;
      }
      for (size_t k = 0; k < N; ++k)
        if (views[k]->data) offsets[k] -= views[k]->strides[size_t(d)] * (sizes[size_t(d)] - 1);
      index[size_t(d)] = 0;
    }
  }
}

const char* loss_name(PointwiseLoss kind) {
  switch (kind) {
    case PointwiseLoss::Mse: return "mse_loss";
    case PointwiseLoss::L1: return "l1_loss";
    case PointwiseLoss::SmoothL1: return "smooth_l1_loss";
    case PointwiseLoss::BinaryCrossEntropy: return "binary_cross_entropy";
    case PointwiseLoss::BinaryCrossEntropyWithLogits: return "binary_cross_entropy_with_logits";
  }
  return "loss";
}

// Writes the reduced value (or nothing for None) into a one-element out.
template <typename T>
void store_reduced(LossReduction reduction, void* out, double total, double count) {
  if (reduction == LossReduction::Sum) *static_cast<T*>(out) = T(total);
  if (reduction == LossReduction::Mean) *static_cast<T*>(out) = T(count == 0 ? kNaN : total / count);
}

// log(sum(exp(v(c)))) over c, shifted by the maximum so that no exp overflows.
template <typename V>
double log_sum_exp(int64_t classes, V v) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < classes; ++c) m = std::max(m, v(c));
  if (!std::isfinite(m)) return m;  // all -inf (or an inf/NaN score): the log-probabilities come out NaN
  double s = 0;
  for (int64_t c = 0; c < classes; ++c) s += std::exp(v(c) - m);
  return m + std::log(s);
}

}  // namespace

void pointwise_loss(PointwiseLoss kind, LossReduction reduction, const StridedView& out, const StridedView& input,
                    const StridedView& target, const StridedView& weight, const StridedView& pos_weight, double beta) {
  visit_floating(input.dtype, [&]<typename T>() {
    const T* x = static_cast<const T*>(input.data);
    const T* y = static_cast<const T*>(target.data);
    const T* w = static_cast<const T*>(weight.data);
    const T* pw = static_cast<const T*>(pos_weight.data);
    T* o = static_cast<T*>(out.data);
    const StridedView none_view{};
    const std::array<const StridedView*, 5> views{&input, &target, w ? &weight : &none_view,
                                                  pw ? &pos_weight : &none_view,
                                                  reduction == LossReduction::None ? &out : &none_view};
    double total = 0;
    for_each_offset(input.sizes, views, [&](int64_t flat, const std::array<int64_t, 5>& off) {
      const double a = double(x[off[0]]), b = double(y[off[1]]);
      double loss = 0;
      switch (kind) {
        case PointwiseLoss::Mse: loss = (a - b) * (a - b); break;
        case PointwiseLoss::L1: loss = std::fabs(a - b); break;
        case PointwiseLoss::SmoothL1: {
          const double z = std::fabs(a - b);
          loss = z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
          break;
        }
        case PointwiseLoss::BinaryCrossEntropy:
          EMBER_CHECK(a >= 0 && a <= 1,
                      "[{}] all elements of input should be between 0 and 1, but found {} at flat index {}. Pass "
                      "probabilities (e.g. sigmoid(x)), or use binary_cross_entropy_with_logits on raw scores.",
                      loss_name(kind), a, flat);
          // log is clamped at -100 so that confident mistakes give a large finite loss, not inf.
          loss = (b - 1) * std::max(std::log(1 - a), -100.0) - b * std::max(std::log(a), -100.0);
          break;
        case PointwiseLoss::BinaryCrossEntropyWithLogits: {
          // log(1 + exp(-a)) written as m + log(exp(-m) + exp(-a - m)) with m = max(-a, 0): no overflow.
          const double m = std::max(-a, 0.0);
          const double log_weight = pw ? (double(pw[off[3]]) - 1) * b + 1 : 1.0;
          loss = (1 - b) * a + log_weight * (std::log(std::exp(-m) + std::exp(-a - m)) + m);
          break;
        }
      }
      if (w) loss *= double(w[off[2]]);
      if (reduction == LossReduction::None) o[off[4]] = T(loss);
      else total += loss;
    });
    int64_t numel = 1;
    for (int64_t s : input.sizes) numel *= s;
    store_reduced<T>(reduction, out.data, total, double(numel));
  });
}

void class_index_loss(const ClassIndexLoss& a) {
  visit_floating(a.dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(a.input);
    T* out = static_cast<T*>(a.out);
    const int64_t C = a.classes, S = a.inner;
    const bool smoothing = a.label_smoothing > 0;
    double total = 0, total_weight = 0;
    for (int64_t n = 0; n < a.batch; ++n) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t sample = n * S + s;
        const int64_t t = a.target[sample];
        if (t == a.ignore_index) {
          if (a.reduction == LossReduction::None) out[sample] = T(0);
          continue;
        }
        EMBER_CHECK(t >= 0 && t < C,
                    "[{}] Target {} is out of bounds: expected a class index in [0, {}) or ignore_index ({}).", a.op,
                    t, C, a.ignore_index);
        const T* scores = in + n * C * S + s;
        auto score = [&](int64_t c) { return double(scores[c * S]); };
        const double shift = a.logits ? log_sum_exp(C, score) : 0.0;
        auto log_prob = [&](int64_t c) { return score(c) - shift; };
        const double w = a.weight ? a.weight[t] : 1.0;
        double loss = -w * log_prob(t);
        if (smoothing) {
          double smooth = 0;
          for (int64_t c = 0; c < C; ++c) smooth -= (a.weight ? a.weight[c] : 1.0) * log_prob(c);
          loss = (1 - a.label_smoothing) * loss + a.label_smoothing / double(C) * smooth;
        }
        if (a.reduction == LossReduction::None) out[sample] = T(loss);
        total += loss;
        total_weight += w;
      }
    }
    // A mean over no (or only zero-weight) targets is 0 / 0 = NaN, as in PyTorch.
    if (a.reduction == LossReduction::Sum) *out = T(total);
    if (a.reduction == LossReduction::Mean) *out = T(total / total_weight);
  });
}

void class_probability_loss(const ClassProbabilityLoss& a) {
  visit_floating(a.dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(a.input);
    const T* tg = static_cast<const T*>(a.target);
    T* out = static_cast<T*>(a.out);
    const int64_t C = a.classes, S = a.inner;
    const bool smoothing = a.label_smoothing > 0;
    double total = 0;
    for (int64_t n = 0; n < a.batch; ++n) {
      for (int64_t s = 0; s < S; ++s) {
        const int64_t sample = n * S + s;
        const int64_t base = n * C * S + s;
        auto score = [&](int64_t c) { return double(in[base + c * S]); };
        const double shift = log_sum_exp(C, score);
        double loss = 0;
        for (int64_t c = 0; c < C; ++c) {
          double p = double(tg[base + c * S]);
          if (smoothing) p = p * (1 - a.label_smoothing) + a.label_smoothing / double(C);
          loss -= (score(c) - shift) * p * (a.weight ? a.weight[c] : 1.0);
        }
        if (a.reduction == LossReduction::None) out[sample] = T(loss);
        total += loss;
      }
    }
    const int64_t samples = a.batch * S;
    if (a.reduction == LossReduction::Sum) *out = T(total);
    if (a.reduction == LossReduction::Mean) *out = T(samples == 0 || C == 0 ? kNaN : total / double(samples));
  });
}

}  // namespace ember::kernels::cpu
