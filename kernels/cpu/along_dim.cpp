// Kernels that work along one dim, slice by slice: cumulative sums and products, softmax, sort and topk.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/accumulate.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/loops.h"
#include "kernels/cpu/vec_math.h"

namespace ember::kernels::cpu {
namespace {

using detail::AccOf;
using detail::less_nan_last;

// Views that share their sizes except along `dim`, split into the independent slices along it.
// A 0-d view is one slice of length 1.
struct Slices {
  DimVector outer_sizes;
  std::array<DimVector, 3> outer_strides;  // per view, for the dims other than `dim`
  std::array<int64_t, 3> step{};           // per view, the stride along `dim`
  int64_t count = 1;
};

Slices make_slices(std::initializer_list<const StridedView*> views, int64_t dim) {
  Slices s;
  const StridedView& first = **views.begin();
  for (int64_t d = 0; d < first.ndim(); ++d) {
    if (d == dim) continue;
    s.outer_sizes.push_back(first.sizes[d]);
    s.count *= first.sizes[d];
  }
  int k = 0;
  for (const StridedView* v : views) {
    for (int64_t d = 0; d < v->ndim(); ++d)
      if (d != dim) s.outer_strides[k].push_back(v->strides[d]);
    s.step[k] = v->ndim() == 0 ? 0 : v->strides[dim];
    ++k;
  }
  return s;
}

int64_t length_along(const StridedView& v, int64_t dim) { return v.ndim() == 0 ? 1 : v.sizes[dim]; }

// Element offset of slice `i` in view `k`.
int64_t slice_offset(const Slices& s, int k, int64_t i) {
  int64_t offset = 0;
  for (int64_t d = int64_t(s.outer_sizes.size()) - 1; d >= 0; --d) {
    offset += (i % s.outer_sizes[d]) * s.outer_strides[k][d];
    i /= s.outer_sizes[d];
  }
  return offset;
}

// Runs fn(begin, end) over ranges of slices in parallel; `work` is the cost of one slice.
template <typename Fn>
void for_slices(const Slices& s, int64_t work, Fn fn) {
  parallel_for(s.count, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work, 1)), fn);
}

template <typename T>
T* at(const StridedView& v, int64_t offset) {
  return static_cast<T*>(v.data) + offset;
}

// Half and bfloat16 compare as float; every other type as itself.
template <typename T>
using KeyOf = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

template <typename K>
struct Keyed {
  K key;
  int64_t index;
};

}  // namespace

void scan(ScanOp op, const StridedView& out, const StridedView& in, int64_t dim) {
  const Slices s = make_slices({&out, &in}, dim);
  const int64_t len = length_along(in, dim);
  if (s.count == 0 || len == 0) return;
  visit_dtype(in.dtype, [&]<typename T>() {
    using A = AccOf<T>;
    for_slices(s, len, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        T* o = at<T>(out, slice_offset(s, 0, i));
        const T* x = at<const T>(in, slice_offset(s, 1, i));
        A acc = op == ScanOp::CumSum ? A(0) : A(1);
        for (int64_t j = 0; j < len; ++j) {
          const A v = static_cast<A>(x[j * s.step[1]]);
          acc = op == ScanOp::CumSum ? detail::wrap_add(acc, v) : detail::wrap_mul(acc, v);
          o[j * s.step[0]] = cast_to<T>(acc);
        }
      }
    });
  });
}

namespace {
// Sum of n floats in double through eight independent partial sums (vectorised, no serial add chain).
double sum_in_lanes(const float* x, int64_t n) {
  double lanes[8] = {};
  int64_t j = 0;
  for (; j + 8 <= n; j += 8)
    for (int k = 0; k < 8; ++k) lanes[k] += double(x[j + k]);
  double total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; j < n; ++j) total += double(x[j]);
  return total;
}
}  // namespace

void softmax(const StridedView& out, const StridedView& in, int64_t dim, bool log) {
  const Slices s = make_slices({&out, &in}, dim);
  const int64_t len = length_along(in, dim);
  if (s.count == 0 || len == 0) return;
  visit_dtype(in.dtype, [&]<typename T>() {
    if constexpr (is_float_like<T>) {
      // exp in the input's precision (float for 16-bit types); the sum in double.
      using C = std::conditional_t<std::is_same_v<T, double>, double, float>;
      for_slices(s, len * 4, [&](int64_t b, int64_t e) {
        std::vector<C> shifted(static_cast<size_t>(len));
        std::vector<float> exps;
        for (int64_t i = b; i < e; ++i) {
          T* o = at<T>(out, slice_offset(s, 0, i));
          const T* x = at<const T>(in, slice_offset(s, 1, i));
          C max = -std::numeric_limits<C>::infinity();
          if (s.step[1] == 1) {
            max = detail::run_extreme<true>(x, len, max);
          } else {
            for (int64_t j = 0; j < len; ++j) max = detail::extreme<true>(max, static_cast<C>(x[j * s.step[1]]));
          }
          double total = 0;
          bool done = false;
          if constexpr (std::is_same_v<T, float>) {
            if (s.step[1] == 1) {
              done = true;
              // Contiguous float rows: simple loops the compiler vectorises (exp included) and independent
              // partial sums instead of one serial chain of adds.
              float* sh = shifted.data();
              if (log) {
                for (int64_t j = 0; j < len; ++j) sh[j] = x[j] - max;
                exps.resize(size_t(len));
                exp_shifted(exps.data(), x, len, max);
                total = sum_in_lanes(exps.data(), len);
              } else {
                exp_shifted(sh, x, len, max);
                total = sum_in_lanes(sh, len);
              }
            }
          }
          if (!done) {
            for (int64_t j = 0; j < len; ++j) {
              const C v = static_cast<C>(x[j * s.step[1]]) - max;
              shifted[size_t(j)] = log ? v : std::exp(v);
              total += log ? double(std::exp(v)) : double(shifted[size_t(j)]);
            }
          }
          const C* sh = shifted.data();
          if (log) {
            const C log_total = static_cast<C>(std::log(total));
            if (s.step[0] == 1) {
              for (int64_t j = 0; j < len; ++j) o[j] = cast_to<T>(sh[j] - log_total);
            } else {
              for (int64_t j = 0; j < len; ++j) o[j * s.step[0]] = cast_to<T>(sh[j] - log_total);
            }
          } else {
            const C inverse = static_cast<C>(1.0 / total);
            if (s.step[0] == 1) {
              for (int64_t j = 0; j < len; ++j) o[j] = cast_to<T>(sh[j] * inverse);
            } else {
              for (int64_t j = 0; j < len; ++j) o[j * s.step[0]] = cast_to<T>(sh[j] * inverse);
            }
          }
        }
      });
    } else {
      EMBER_FAIL("[softmax] internal: expected a floating input");
    }
  });
}

void sort(const StridedView& values, const StridedView& indices, const StridedView& in, int64_t dim,
          bool descending) {
  const Slices s = make_slices({&values, &indices, &in}, dim);
  const int64_t len = length_along(in, dim);
  if (s.count == 0 || len == 0) return;
  visit_dtype(in.dtype, [&]<typename T>() {
    using K = KeyOf<T>;
    for_slices(s, len * 16, [&](int64_t b, int64_t e) {
      std::vector<Keyed<K>> buffer(static_cast<size_t>(len));
      for (int64_t i = b; i < e; ++i) {
        const T* x = at<const T>(in, slice_offset(s, 2, i));
        for (int64_t j = 0; j < len; ++j) buffer[size_t(j)] = {static_cast<K>(x[j * s.step[2]]), j};
        if (descending)
          std::stable_sort(buffer.begin(), buffer.end(),
                           [](const Keyed<K>& l, const Keyed<K>& r) { return less_nan_last(r.key, l.key); });
        else
          std::stable_sort(buffer.begin(), buffer.end(),
                           [](const Keyed<K>& l, const Keyed<K>& r) { return less_nan_last(l.key, r.key); });
        T* v = at<T>(values, slice_offset(s, 0, i));
        int64_t* idx = at<int64_t>(indices, slice_offset(s, 1, i));
        for (int64_t j = 0; j < len; ++j) {
          v[j * s.step[0]] = cast_to<T>(buffer[size_t(j)].key);
          idx[j * s.step[1]] = buffer[size_t(j)].index;
        }
      }
    });
  });
}

void topk(const StridedView& values, const StridedView& indices, const StridedView& in, int64_t k, int64_t dim,
          bool largest) {
  const Slices s = make_slices({&values, &indices, &in}, dim);
  const int64_t len = length_along(in, dim);
  if (s.count == 0 || k == 0) return;
  visit_dtype(in.dtype, [&]<typename T>() {
    using K = KeyOf<T>;
    // A strict total order (ties broken by index), so the partial sort's result is unique.
    auto better = [largest](const Keyed<K>& l, const Keyed<K>& r) {
      const bool l_first = largest ? less_nan_last(r.key, l.key) : less_nan_last(l.key, r.key);
      const bool r_first = largest ? less_nan_last(l.key, r.key) : less_nan_last(r.key, l.key);
      return l_first || (!r_first && l.index < r.index);
    };
    for_slices(s, len * 4, [&](int64_t b, int64_t e) {
      std::vector<Keyed<K>> buffer(static_cast<size_t>(len));
      for (int64_t i = b; i < e; ++i) {
        const T* x = at<const T>(in, slice_offset(s, 2, i));
        for (int64_t j = 0; j < len; ++j) buffer[size_t(j)] = {static_cast<K>(x[j * s.step[2]]), j};
        std::partial_sort(buffer.begin(), buffer.begin() + k, buffer.end(), better);
        T* v = at<T>(values, slice_offset(s, 0, i));
        int64_t* idx = at<int64_t>(indices, slice_offset(s, 1, i));
        for (int64_t j = 0; j < k; ++j) {
          v[j * s.step[0]] = cast_to<T>(buffer[size_t(j)].key);
          idx[j * s.step[1]] = buffer[size_t(j)].index;
        }
      }
    });
  });
}

}  // namespace ember::kernels::cpu
