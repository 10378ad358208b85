// Loss kernels: elementwise losses (mse, l1, smooth l1, binary cross entropy) and class losses (nll, cross entropy).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/nn.h"
#include "kernels/cpu/visit_floating.h"
#include "kernels/cpu/parallel.h"

namespace ember::kernels::cpu {
namespace {


constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Reductions add fixed-size chunks in order, so results do not depend on the thread count.
constexpr int64_t kChunk = 16384;

template <size_t N>
using Offsets = std::array<int64_t, N>;

// Walks elements [begin, end) of `sizes` in row-major order and calls f(offsets, n, strides) for each
// run of n elements along the innermost dim: offsets[k] is the run's first element offset in views[k]
// and strides[k] its step (both 0 for views without data).
template <size_t N, typename F>
void for_each_run(const DimVector& sizes, const std::array<const StridedView*, N>& views, int64_t begin, int64_t end,
                  F&& f) {
  Offsets<N> offsets{}, inner{};
  const int64_t nd = int64_t(sizes.size());
  if (begin >= end) return;
  if (nd == 0) {
    f(offsets, int64_t(1), inner);
    return;
  }
  auto stride = [&](size_t k, int64_t d) { return views[k]->data ? views[k]->strides[size_t(d)] : int64_t(0); };
  std::vector<int64_t> index(static_cast<size_t>(nd));
  int64_t rest = begin;
  for (int64_t d = nd - 1; d >= 0; --d) {
    index[size_t(d)] = rest % sizes[size_t(d)];
    rest /= sizes[size_t(d)];
    for (size_t k = 0; k < N; ++k) offsets[k] += index[size_t(d)] * stride(k, d);
  }
  for (size_t k = 0; k < N; ++k) inner[k] = stride(k, nd - 1);
  const int64_t inner_size = sizes[size_t(nd - 1)];
  for (int64_t pos = begin; pos < end;) {
    const int64_t n = std::min(inner_size - index[size_t(nd - 1)], end - pos);
    f(offsets, n, inner);
    pos += n;
    index[size_t(nd - 1)] += n;
    for (size_t k = 0; k < N; ++k) offsets[k] += n * inner[k];
    for (int64_t d = nd - 1; d > 0 && index[size_t(d)] == sizes[size_t(d)]; --d) {
      // Carry into the next outer dim.
      for (size_t k = 0; k < N; ++k) offsets[k] += stride(k, d - 1) - sizes[size_t(d)] * stride(k, d);
      index[size_t(d)] = 0;
      ++index[size_t(d - 1)];
    }
  }
}

// Calls chunk(c, begin, end) for the fixed chunks of [0, total) in parallel, and returns the sum of
// the partial results in chunk order.
template <typename Chunk>
std::array<double, 2> chunked_sums(int64_t total, int64_t chunk_size, Chunk chunk) {
  const int64_t chunks = (total + chunk_size - 1) / chunk_size;
  std::vector<std::array<double, 2>> partial(static_cast<size_t>(chunks), {0.0, 0.0});
  parallel_for(chunks, 1, [&](int64_t first, int64_t last) {
    for (int64_t c = first; c < last; ++c)
      partial[size_t(c)] = chunk(c * chunk_size, std::min(total, (c + 1) * chunk_size));
  });
  std::array<double, 2> sum{0.0, 0.0};
  for (const auto& p : partial) {
    sum[0] += p[0];
    sum[1] += p[1];
  }
  return sum;
}

// log(sum(exp(v(c)))) over c, shifted by the maximum so that no exp overflows. Scores narrower than
// double take float exps (accumulated in double): as accurate as their inputs, and several times faster.
template <typename T, typename V>
double log_sum_exp(int64_t classes, V v) {
  double m = -std::numeric_limits<double>::infinity();
  for (int64_t c = 0; c < classes; ++c) m = std::max(m, v(c));
  if (!std::isfinite(m)) return m;  // all -inf (or an inf/NaN score): the log-probabilities come out NaN
  double s = 0;
  for (int64_t c = 0; c < classes; ++c) {
    if constexpr (std::is_same_v<T, double>)
      s += std::exp(v(c) - m);
    else
      s += double(std::exp(float(v(c) - m)));
  }
  return m + std::log(s);
}

}  // namespace

namespace {

// One elementwise loss over the views (input, target, weight, pos_weight, out): `loss(a, b, pos_weight)`
// gives the unweighted value; runs along the innermost dim keep the loop tight.
template <typename T, typename Loss>
void run_pointwise(Loss loss, LossReduction reduction, const StridedView& out, const StridedView& input,
                   const StridedView& target, const StridedView& weight, const StridedView& pos_weight) {
  const T* x = static_cast<const T*>(input.data);
  const T* y = static_cast<const T*>(target.data);
  const T* w = static_cast<const T*>(weight.data);
  const T* pw = static_cast<const T*>(pos_weight.data);
  T* o = static_cast<T*>(out.data);
  const bool none = reduction == LossReduction::None;
  const StridedView absent{};
  const std::array<const StridedView*, 5> views{&input, &target, &weight, &pos_weight, none ? &out : &absent};
  const int64_t numel = input.numel();
  const auto total = chunked_sums(numel, kChunk, [&](int64_t begin, int64_t end) {
    double sum = 0;
    for_each_run(input.sizes, views, begin, end, [&](const Offsets<5>& off, int64_t n, const Offsets<5>& st) {
      for (int64_t i = 0; i < n; ++i) {
        double v = loss(double(x[off[0] + i * st[0]]), double(y[off[1] + i * st[1]]),
                        pw ? double(pw[off[3] + i * st[3]]) : 1.0);
        if (w) v *= double(w[off[2] + i * st[2]]);
        if (none)
          o[off[4] + i * st[4]] = T(v);
        else
          sum += v;
      }
    });
    return std::array<double, 2>{sum, 0.0};
  });
  if (reduction == LossReduction::Sum) *o = T(total[0]);
  if (reduction == LossReduction::Mean) *o = T(numel == 0 ? kNaN : total[0] / double(numel));
}

// Probabilities outside [0, 1] (NaN included) are an error; the first one in row-major order is named.
template <typename T>
void check_probabilities(const StridedView& input) {
  const T* x = static_cast<const T*>(input.data);
  const std::array<const StridedView*, 1> views{&input};
  int64_t flat = 0;
  for_each_run(input.sizes, views, 0, input.numel(), [&](const Offsets<1>& off, int64_t n, const Offsets<1>& st) {
    for (int64_t i = 0; i < n; ++i, ++flat) {
      const double a = double(x[off[0] + i * st[0]]);
      EMBER_CHECK(a >= 0 && a <= 1,
                  "[binary_cross_entropy] all elements of input should be between 0 and 1, but found {} at flat index "
                  "{}. Pass probabilities (e.g. sigmoid(x)), or use binary_cross_entropy_with_logits on raw scores.",
                  a, flat);
    }
  });
}

}  // namespace

void pointwise_loss(PointwiseLoss kind, LossReduction reduction, const StridedView& out, const StridedView& input,
                    const StridedView& target, const StridedView& weight, const StridedView& pos_weight, double beta) {
  visit_floating(input.dtype, [&]<typename T>() {
    auto run = [&](auto loss) { run_pointwise<T>(loss, reduction, out, input, target, weight, pos_weight); };
    switch (kind) {
      case PointwiseLoss::Mse: run([](double a, double b, double) { return (a - b) * (a - b); }); break;
      case PointwiseLoss::L1: run([](double a, double b, double) { return std::fabs(a - b); }); break;
      case PointwiseLoss::SmoothL1:
        run([beta](double a, double b, double) {
          const double z = std::fabs(a - b);
          return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
        });
        break;
      case PointwiseLoss::BinaryCrossEntropy:
        check_probabilities<T>(input);
        // Each log is clamped at -100 so that a confident mistake costs a large finite loss, not inf.
        run([](double a, double b, double) {
          return (b - 1) * std::max(std::log(1 - a), -100.0) - b * std::max(std::log(a), -100.0);
        });
        break;
      case PointwiseLoss::BinaryCrossEntropyWithLogits:
        // log(1 + exp(-a)) as m + log(exp(-m) + exp(-a - m)) with m = max(-a, 0): no exp overflows.
        run([](double a, double b, double pos_weight) {
          const double m = std::max(-a, 0.0);
          const double log_weight = (pos_weight - 1) * b + 1;
          return (1 - b) * a + log_weight * (std::log(std::exp(-m) + std::exp(-a - m)) + m);
        });
        break;
    }
  });
}

void class_index_loss(const ClassIndexLoss& a) {
  const int64_t C = a.classes, S = a.inner, samples = a.batch * a.inner;
  // Targets are checked first and in order, so the error names the first bad one whatever the threads do.
  for (int64_t i = 0; i < samples; ++i) {
    const int64_t t = a.target[i];
    EMBER_CHECK(t == a.ignore_index || (t >= 0 && t < C),
                "[{}] Target {} is out of bounds: expected a class index in [0, {}) or ignore_index ({}).", a.op, t, C,
                a.ignore_index);
  }
  visit_floating(a.dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(a.input);
    T* out = static_cast<T*>(a.out);
    const bool smoothing = a.label_smoothing > 0;
    const int64_t chunk = std::max<int64_t>(1, kChunk / std::max<int64_t>(C, 1));
    const auto total = chunked_sums(samples, chunk, [&](int64_t begin, int64_t end) {
      double loss_sum = 0, weight_sum = 0;
      for (int64_t sample = begin; sample < end; ++sample) {
        const int64_t t = a.target[sample];
        if (t == a.ignore_index) {
          if (a.reduction == LossReduction::None) out[sample] = T(0);
          continue;
        }
        const T* scores = in + (sample / S) * C * S + sample % S;
        auto score = [&](int64_t c) { return double(scores[c * S]); };
        const double shift = a.logits ? log_sum_exp<T>(C, score) : 0.0;
        auto log_prob = [&](int64_t c) { return score(c) - shift; };
        const double w = a.weight ? a.weight[t] : 1.0;
        double loss = -w * log_prob(t);
        if (smoothing) {
          double smooth = 0;
          for (int64_t c = 0; c < C; ++c) smooth -= (a.weight ? a.weight[c] : 1.0) * log_prob(c);
          loss = (1 - a.label_smoothing) * loss + a.label_smoothing / double(C) * smooth;
        }
        if (a.reduction == LossReduction::None) out[sample] = T(loss);
        loss_sum += loss;
        weight_sum += w;
      }
      return std::array<double, 2>{loss_sum, weight_sum};
    });
    // A mean over no (or only zero-weight) targets is 0 / 0 = NaN, as in PyTorch.
    if (a.reduction == LossReduction::Sum) *out = T(total[0]);
    if (a.reduction == LossReduction::Mean) *out = T(total[0] / total[1]);
  });
}

void class_probability_loss(const ClassProbabilityLoss& a) {
  visit_floating(a.dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(a.input);
    const T* tg = static_cast<const T*>(a.target);
    T* out = static_cast<T*>(a.out);
    const int64_t C = a.classes, S = a.inner, samples = a.batch * a.inner;
    const bool smoothing = a.label_smoothing > 0;
    const int64_t chunk = std::max<int64_t>(1, kChunk / std::max<int64_t>(C, 1));
    const auto total = chunked_sums(samples, chunk, [&](int64_t begin, int64_t end) {
      double loss_sum = 0;
      for (int64_t sample = begin; sample < end; ++sample) {
        const int64_t base = (sample / S) * C * S + sample % S;
        auto score = [&](int64_t c) { return double(in[base + c * S]); };
        const double shift = log_sum_exp<T>(C, score);
        double loss = 0;
        for (int64_t c = 0; c < C; ++c) {
          double p = double(tg[base + c * S]);
          if (smoothing) p = p * (1 - a.label_smoothing) + a.label_smoothing / double(C);
          loss -= (score(c) - shift) * p * (a.weight ? a.weight[c] : 1.0);
        }
        if (a.reduction == LossReduction::None) out[sample] = T(loss);
        loss_sum += loss;
      }
      return std::array<double, 2>{loss_sum, 0.0};
    });
    if (a.reduction == LossReduction::Sum) *out = T(total[0]);
    if (a.reduction == LossReduction::Mean) *out = T(samples == 0 || C == 0 ? kNaN : total[0] / double(samples));
  });
}

}  // namespace ember::kernels::cpu
