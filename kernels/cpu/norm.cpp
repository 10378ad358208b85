// Normalisation kernels (per-channel moments, affine transforms, layer-norm rows) and embedding row gathers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/nn.h"
#include "kernels/cpu/visit_floating.h"
#include "kernels/cpu/parallel.h"

namespace ember::kernels::cpu {
namespace {

constexpr int64_t kGrain = 32768;


// Sum of n contiguous values in four independent lanes (the compiler can keep them in one register).
template <typename T, typename F>
double lane_sum(const T* x, int64_t n, F value) {
  double lanes[4] = {0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 4 <= n; i += 4)
    for (int j = 0; j < 4; ++j) lanes[j] += value(double(x[i + j]));
  double total = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
  for (; i < n; ++i) total += value(double(x[i]));
  return total;
}

// Number of units of `work_per_unit` elements that make one parallel chunk.
int64_t grain_for(int64_t work_per_unit) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(work_per_unit, 1)); }

}  // namespace

void channel_moments(ScalarType dtype, const void* x, int64_t outer, int64_t channels, int64_t inner, double* mean,
                     double* var) {
  const int64_t count = outer * inner;
  visit_floating(dtype, [&]<typename T>() {
    const T* data = static_cast<const T*>(x);
    parallel_for(channels, grain_for(count), [&](int64_t begin, int64_t end) {
      for (int64_t c = begin; c < end; ++c) {
        if (count == 0) {
          mean[c] = var[c] = std::numeric_limits<double>::quiet_NaN();
          continue;
        }
        double sum = 0;
        for (int64_t o = 0; o < outer; ++o)
          sum += lane_sum(data + (o * channels + c) * inner, inner, [](double v) { return v; });
        const double m = sum / double(count);
        double squares = 0;
        for (int64_t o = 0; o < outer; ++o)
          squares += lane_sum(data + (o * channels + c) * inner, inner, [m](double v) { return (v - m) * (v - m); });
        mean[c] = m;
        var[c] = squares / double(count);
      }
    });
  });
}

void channel_affine(ScalarType dtype, const void* x, void* out, int64_t outer, int64_t channels, int64_t inner,
                    const double* scale, const double* shift) {
  visit_floating(dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(x);
    T* o = static_cast<T*>(out);
    parallel_for(outer * channels, grain_for(inner), [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; ++row) {
        const int64_t c = row % channels;
        const double a = scale[c], b = shift[c];
        const T* src = in + row * inner;
        T* dst = o + row * inner;
        for (int64_t i = 0; i < inner; ++i) dst[i] = T(double(src[i]) * a + b);
      }
    });
  });
}

void normalize_rows(ScalarType dtype, const void* x, void* out, int64_t rows, int64_t cols, const double* mean,
                    const double* rstd, const double* weight, const double* bias) {
  visit_floating(dtype, [&]<typename T>() {
    const T* in = static_cast<const T*>(x);
    T* o = static_cast<T*>(out);
    parallel_for(rows, grain_for(cols), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const double m = mean[r], s = rstd[r];
        const T* src = in + r * cols;
        T* dst = o + r * cols;
        for (int64_t j = 0; j < cols; ++j) {
          double v = (double(src[j]) - m) * s;
          if (weight) v *= weight[j];
          if (bias) v += bias[j];
          dst[j] = T(v);
        }
      }
    });
  });
}

void gather_rows(const StridedView& out, const StridedView& table, const int64_t* index, int64_t n) {
  const int64_t dim = table.sizes[1];
  const int64_t es = element_size(table.dtype);
  const char* base = static_cast<const char*>(table.data);
  char* dst = static_cast<char*>(out.data);
  parallel_for(n, grain_for(dim), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const char* row = base + index[i] * table.strides[0] * es;
      char* o = dst + i * dim * es;
      if (table.strides[1] == 1) {
        std::memcpy(o, row, size_t(dim * es));
      } else {
        for (int64_t j = 0; j < dim; ++j) std::memcpy(o + j * es, row + j * table.strides[1] * es, size_t(es));
      }
    }
  });
}

}  // namespace ember::kernels::cpu
