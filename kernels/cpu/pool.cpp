// Plane-wise spatial kernels: max/avg/adaptive pooling, padding and nearest/linear resampling. Each (n, c)
// plane is independent, so planes are split over threads and results never depend on the thread count.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/conv.h"
#include "kernels/cpu/parallel.h"

namespace ember::kernels::cpu {
namespace {

// The type arithmetic runs in: float for 16-bit floats, the type itself otherwise (as PyTorch's opmath).
template <typename T>
using Opmath = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

// Runs fn(in_plane, out_plane) for every (n, c) plane of 4-D views, spread over threads.
template <typename T, typename O, typename F>
void for_each_plane(const StridedView& out, const StridedView& input, int64_t work_per_plane, F fn) {
  const int64_t channels = input.sizes[1], planes = input.sizes[0] * channels;
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(work_per_plane, 1));
  parallel_for(planes, grain, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t n = p / channels, c = p % channels;
      fn(p, static_cast<const T*>(input.data) + n * input.strides[0] + c * input.strides[1],
         static_cast<O*>(out.data) + n * out.strides[0] + c * out.strides[1]);
    }
  });
}

// First index >= start on the grid start + k * step that is not negative.
int64_t first_valid(int64_t start, int64_t step) { return start >= 0 ? start : start + (-start + step - 1) / step * step; }

template <typename T>
void max_pool2d_typed(const StridedView& out, const StridedView& indices, const StridedView& input, const Window2d& w) {
  using Acc = Opmath<T>;
  const int64_t height = input.sizes[2], width = input.sizes[3], out_h = out.sizes[2], out_w = out.sizes[3];
  const int64_t sh = input.strides[2], sw = input.strides[3];
  for_each_plane<T, T>(out, input, out_h * out_w * w.kernel_h * w.kernel_w, [&](int64_t p, const T* in, T* o) {
    int64_t* idx = nullptr;
    if (indices.data != nullptr) {
      const int64_t n = p / input.sizes[1], c = p % input.sizes[1];
      idx = static_cast<int64_t*>(indices.data) + n * indices.strides[0] + c * indices.strides[1];
    }
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t h_start = oh * w.stride_h - w.pad_h;
      const int64_t h_end = std::min(h_start + (w.kernel_h - 1) * w.dilation_h + 1, height);
      const int64_t h_first = first_valid(h_start, w.dilation_h);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t w_start = ow * w.stride_w - w.pad_w;
        const int64_t w_end = std::min(w_start + (w.kernel_w - 1) * w.dilation_w + 1, width);
        const int64_t w_first = first_valid(w_start, w.dilation_w);
        // A window of padding only (never produced by valid geometry) reports its first position and -inf.
        Acc best = -std::numeric_limits<Acc>::infinity();
        int64_t best_index = h_first * width + w_first;
        for (int64_t ih = h_first; ih < h_end; ih += w.dilation_h) {
          for (int64_t iw = w_first; iw < w_end; iw += w.dilation_w) {
            const Acc v = Acc(in[ih * sh + iw * sw]);
            // NaN wins over everything, and a later NaN over an earlier one.
            if (v > best || std::isnan(v)) {
              best = v;
              best_index = ih * width + iw;
            }
          }
        }
        o[oh * out.strides[2] + ow * out.strides[3]] = T(best);
        if (idx) idx[oh * indices.strides[2] + ow * indices.strides[3]] = best_index;
      }
    }
  });
}

// Sum / divisor without overflow traps: integers wrap like PyTorch's, and dividing by -1 cannot trap.
template <typename Acc>
Acc divide(Acc sum, int64_t divisor) {
  if constexpr (std::is_integral_v<Acc>) {
    if (divisor == -1) return Acc(uint64_t(0) - uint64_t(sum));
    return Acc(sum / divisor);
  } else {
    return sum / Acc(divisor);
  }
}

template <typename Acc, typename T>
Acc accumulate(Acc sum, T v) {
  if constexpr (std::is_integral_v<Acc>) return Acc(uint64_t(sum) + uint64_t(int64_t(v)));
  else return sum + Acc(v);
}

template <typename T>
void avg_pool2d_typed(const StridedView& out, const StridedView& input, const Window2d& w, bool count_include_pad,
                      std::optional<int64_t> divisor_override) {
  using Acc = Opmath<T>;
  const int64_t height = input.sizes[2], width = input.sizes[3], out_h = out.sizes[2], out_w = out.sizes[3];
  const int64_t sh = input.strides[2], sw = input.strides[3];
  for_each_plane<T, T>(out, input, out_h * out_w * w.kernel_h * w.kernel_w, [&](int64_t, const T* in, T* o) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      for (int64_t ow = 0; ow < out_w; ++ow) {
        // The window may hang over the padding, and in ceil mode past it; only the part over the
        // input + padding counts as the window's size.
        int64_t h0 = oh * w.stride_h - w.pad_h, w0 = ow * w.stride_w - w.pad_w;
        int64_t h1 = std::min(h0 + w.kernel_h, height + w.pad_h), w1 = std::min(w0 + w.kernel_w, width + w.pad_w);
        const int64_t padded_size = (h1 - h0) * (w1 - w0);
        h0 = std::max<int64_t>(h0, 0);
        w0 = std::max<int64_t>(w0, 0);
        h1 = std::min(h1, height);
        w1 = std::min(w1, width);
        T& dst = o[oh * out.strides[2] + ow * out.strides[3]];
        if (h0 >= h1 || w0 >= w1) {
          dst = T(0);
          continue;
        }
        Acc sum = Acc(0);
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum = accumulate(sum, in[ih * sh + iw * sw]);
        const int64_t divisor = divisor_override ? *divisor_override
                                : count_include_pad ? padded_size
                                                    : (h1 - h0) * (w1 - w0);
        dst = T(divide(sum, divisor));
      }
    }
  });
}

template <typename T>
void adaptive_avg_pool2d_typed(const StridedView& out, const StridedView& input) {
  using Acc = Opmath<T>;
  const int64_t height = input.sizes[2], width = input.sizes[3], out_h = out.sizes[2], out_w = out.sizes[3];
  const int64_t sh = input.strides[2], sw = input.strides[3];
  auto start = [](int64_t i, int64_t in, int64_t n) { return i * in / n; };
  auto stop = [](int64_t i, int64_t in, int64_t n) { return ((i + 1) * in + n - 1) / n; };
  for_each_plane<T, T>(out, input, height * width, [&](int64_t, const T* in, T* o) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t h0 = start(oh, height, out_h), h1 = stop(oh, height, out_h);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t w0 = start(ow, width, out_w), w1 = stop(ow, width, out_w);
        Acc sum = Acc(0);
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) sum += Acc(in[ih * sh + iw * sw]);
        o[oh * out.strides[2] + ow * out.strides[3]] = T(sum / Acc((h1 - h0) * (w1 - w0)));
      }
    }
  });
}

// ---- gathers: padding and nearest resampling copy elements chosen by one index table per trailing dim ----

// Copies out[lead..., i, j, k] = input[lead..., table0[i], table1[j], table2[k]] over the last three dims.
template <typename E>
void gather_typed(const StridedView& out, const StridedView& input, const std::vector<int64_t> (&tables)[3]) {
  const int64_t nd = out.ndim(), lead_dims = nd - 3;
  int64_t planes = 1;
  for (int64_t d = 0; d < lead_dims; ++d) planes *= out.sizes[size_t(d)];
  const int64_t n0 = int64_t(tables[0].size()), n1 = int64_t(tables[1].size()), n2 = int64_t(tables[2].size());
  const int64_t is0 = input.strides[size_t(nd - 3)], is1 = input.strides[size_t(nd - 2)],
                is2 = input.strides[size_t(nd - 1)];
  const int64_t os0 = out.strides[size_t(nd - 3)], os1 = out.strides[size_t(nd - 2)], os2 = out.strides[size_t(nd - 1)];
  parallel_for(planes, std::max<int64_t>(1, 32768 / std::max<int64_t>(n0 * n1 * n2, 1)), [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) {
      int64_t in_offset = 0, out_offset = 0;
      for (int64_t d = lead_dims - 1, rest = p; d >= 0; --d) {
        const int64_t i = rest % out.sizes[size_t(d)];
        rest /= out.sizes[size_t(d)];
        in_offset += i * input.strides[size_t(d)];
        out_offset += i * out.strides[size_t(d)];
      }
      const E* src = static_cast<const E*>(input.data) + in_offset;
      E* dst = static_cast<E*>(out.data) + out_offset;
      for (int64_t i = 0; i < n0; ++i) {
        const E* src_i = src + tables[0][size_t(i)] * is0;
        for (int64_t j = 0; j < n1; ++j) {
          const E* src_j = src_i + tables[1][size_t(j)] * is1;
          E* dst_j = dst + i * os0 + j * os1;
          for (int64_t k = 0; k < n2; ++k) dst_j[k * os2] = src_j[tables[2][size_t(k)] * is2];
        }
      }
    }
  });
}

// Views `v` with three trailing spatial dims by inserting size-1 dims before its last `spatial` dims.
StridedView with_three_spatial(const StridedView& v, int64_t spatial) {
  StridedView r{v.data, v.dtype, {}, {}};
  const int64_t lead = v.ndim() - spatial;
  for (int64_t d = 0; d < lead; ++d) {
    r.sizes.push_back(v.sizes[size_t(d)]);
    r.strides.push_back(v.strides[size_t(d)]);
  }
  for (int64_t d = spatial; d < 3; ++d) {
    r.sizes.push_back(1);
    r.strides.push_back(0);
  }
  for (int64_t d = lead; d < v.ndim(); ++d) {
    r.sizes.push_back(v.sizes[size_t(d)]);
    r.strides.push_back(v.strides[size_t(d)]);
  }
  return r;
}

// `tables` holds one table per trailing dim in its first `spatial` entries.
void gather(const StridedView& out, const StridedView& input, std::vector<int64_t> (&tables)[3], int64_t spatial) {
  for (int64_t d = spatial; d < 3; ++d) tables[d] = {0};
  std::rotate(tables, tables + spatial, tables + 3);
  const StridedView o = with_three_spatial(out, spatial), in = with_three_spatial(input, spatial);
  switch (element_size(out.dtype)) {
    case 1: return gather_typed<uint8_t>(o, in, tables);
    case 2: return gather_typed<uint16_t>(o, in, tables);
    case 4: return gather_typed<uint32_t>(o, in, tables);
    default: return gather_typed<uint64_t>(o, in, tables);
  }
}

// Nearest source index as PyTorch 1.13 computes it: the step in the op's arithmetic type, floored in float.
template <typename Acc>
int64_t nearest_source(int64_t j, int64_t in, int64_t out, double scale, bool exact) {
  const Acc step = scale > 0 ? Acc(1.0 / scale) : Acc(in) / Acc(out);
  const Acc src = exact ? step * (Acc(j) + Acc(0.5)) : step * Acc(j);
  const int64_t i = float_to_int64(std::floor(double(float(src))));
  return std::clamp<int64_t>(i, 0, in - 1);
}

// Two taps and their weights for each output position of a linearly resampled dim.
struct LinearTaps {
  std::vector<int64_t> i0, i1;
  std::vector<double> l0, l1;
};

// Weights computed in double from a step rounded to the op's arithmetic type, as PyTorch 1.13 does.
template <typename Acc>
LinearTaps linear_taps(int64_t in, int64_t out, double scale, bool align_corners) {
  LinearTaps t;
  Acc step;
  if (align_corners) step = out > 1 ? Acc(in - 1) / Acc(out - 1) : Acc(0);
  else step = scale > 0 ? Acc(1.0 / scale) : Acc(in) / Acc(out);
  for (int64_t j = 0; j < out; ++j) {
    if (in == out) {
      t.i0.push_back(j);
      t.i1.push_back(j);
      t.l0.push_back(1.0);
      t.l1.push_back(0.0);
      continue;
    }
    double src = align_corners ? double(step) * double(j) : std::fma(double(step), double(j) + 0.5, -0.5);
    src = std::max(src, 0.0);
    const int64_t i0 = std::min<int64_t>(int64_t(src), in - 1);
    const double l1 = std::clamp(src - double(i0), 0.0, 1.0);
    t.i0.push_back(i0);
    t.i1.push_back(i0 < in - 1 ? i0 + 1 : i0);
    t.l0.push_back(1.0 - l1);
    t.l1.push_back(l1);
  }
  return t;
}

template <typename T>
void upsample_linear_typed(const StridedView& out, const StridedView& input, ArrayRef<double> scales,
                           bool align_corners) {
  using Acc = Opmath<T>;
  const bool two_d = scales.size() == 2;
  const int64_t in_h = two_d ? input.sizes[2] : 1, out_h = two_d ? out.sizes[2] : 1;
  const int64_t in_w = input.sizes.back(), out_w = out.sizes.back();
  const LinearTaps th = linear_taps<Acc>(in_h, out_h, two_d ? scales[0] : 0.0, align_corners);
  const LinearTaps tw = linear_taps<Acc>(in_w, out_w, scales.back(), align_corners);
  const int64_t ish = two_d ? input.strides[2] : 0, isw = input.strides.back();
  const int64_t osh = two_d ? out.strides[2] : 0, osw = out.strides.back();
  for_each_plane<T, T>(out, input, out_h * out_w * 4, [&](int64_t, const T* in, T* o) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const T* row0 = in + th.i0[size_t(oh)] * ish;
      const T* row1 = in + th.i1[size_t(oh)] * ish;
      const Acc a0 = Acc(th.l0[size_t(oh)]), a1 = Acc(th.l1[size_t(oh)]);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t c0 = tw.i0[size_t(ow)] * isw, c1 = tw.i1[size_t(ow)] * isw;
        const Acc b0 = Acc(tw.l0[size_t(ow)]), b1 = Acc(tw.l1[size_t(ow)]);
        const Acc top = b0 * Acc(row0[c0]) + b1 * Acc(row0[c1]);
        // 1-D resampling has no second row: 0 * inf must not turn an infinite input into NaN.
        const Acc v = two_d ? a0 * top + a1 * (b0 * Acc(row1[c0]) + b1 * Acc(row1[c1])) : top;
        o[oh * osh + ow * osw] = T(v);
      }
    }
  });
}

}  // namespace

// Source index of output position j along a padded dim of input size n with `before` added in front.
int64_t pad_source(PadMode mode, int64_t j, int64_t before, int64_t n, int64_t cropped_front, int64_t kept) {
  switch (mode) {
    case PadMode::Reflect: {
      // Positions relative to the uncropped input, mirrored about its first and last elements.
      int64_t p = j - before;
      if (p < 0) p = -p;
      if (p >= n) p = 2 * (n - 1) - p;
      return p;
    }
    case PadMode::Replicate:
      return std::clamp<int64_t>(j - before, 0, n - 1);
    case PadMode::Circular: {
      // Wraps over the input left after negative pads crop it.
      const int64_t p = j - std::max<int64_t>(before, 0);
      return cropped_front + ((p % kept) + kept) % kept;
    }
  }
  return 0;
}

void max_pool2d(const StridedView& out, const StridedView& indices, const StridedView& input, const Window2d& window) {
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (is_float_like<T>) max_pool2d_typed<T>(out, indices, input, window);
    else EMBER_FAIL("[max_pool2d] \"max_pool2d\" is not implemented for integer and Bool dtypes");
  });
}

void avg_pool2d(const StridedView& out, const StridedView& input, const Window2d& window, bool count_include_pad,
                std::optional<int64_t> divisor_override) {
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (is_float_like<T> || std::is_same_v<T, int64_t>)
      avg_pool2d_typed<T>(out, input, window, count_include_pad, divisor_override);
    else EMBER_FAIL("[avg_pool2d] \"avg_pool2d\" is not implemented for this dtype");
  });
}

void adaptive_avg_pool2d(const StridedView& out, const StridedView& input) {
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (is_float_like<T>) adaptive_avg_pool2d_typed<T>(out, input);
    else EMBER_FAIL("[adaptive_avg_pool2d] \"adaptive_avg_pool2d\" is not implemented for this dtype");
  });
}

void pad(PadMode mode, const StridedView& out, const StridedView& input, IntArrayRef pad_before) {
  const int64_t spatial = int64_t(pad_before.size());
  EMBER_CHECK(spatial >= 1 && spatial <= 3 && out.ndim() == input.ndim() && out.ndim() >= spatial,
              "[pad] kernel expects 1 to 3 padded dims");
  if (out.numel() == 0) return;
  std::vector<int64_t> tables[3];
  for (int64_t d = 0; d < spatial; ++d) {
    const size_t dim = size_t(out.ndim() - spatial + d);
    const int64_t n = input.sizes[dim], before = pad_before[size_t(d)];
    const int64_t after = out.sizes[dim] - n - before;
    const int64_t cropped_front = std::max<int64_t>(-before, 0);
    const int64_t kept = n - cropped_front - std::max<int64_t>(-after, 0);
    for (int64_t j = 0; j < out.sizes[dim]; ++j) tables[d].push_back(pad_source(mode, j, before, n, cropped_front, kept));
  }
  gather(out, input, tables, spatial);
}

void upsample_nearest(const StridedView& out, const StridedView& input, ArrayRef<double> scales, bool exact) {
  const int64_t spatial = int64_t(scales.size());
  EMBER_CHECK(spatial >= 1 && spatial <= 3 && out.ndim() == input.ndim(), "[upsample_nearest] kernel expects 1 to 3 "
              "resampled dims");
  if (out.numel() == 0) return;
  std::vector<int64_t> tables[3];
  const bool in_double = out.dtype == ScalarType::Double;
  for (int64_t d = 0; d < spatial; ++d) {
    const size_t dim = size_t(out.ndim() - spatial + d);
    const int64_t in = input.sizes[dim], n = out.sizes[dim];
    for (int64_t j = 0; j < n; ++j)
      tables[d].push_back(in_double ? nearest_source<double>(j, in, n, scales[size_t(d)], exact)
                                    : nearest_source<float>(j, in, n, scales[size_t(d)], exact));
  }
  gather(out, input, tables, spatial);
}

void upsample_linear(const StridedView& out, const StridedView& input, ArrayRef<double> scales, bool align_corners) {
  EMBER_CHECK((scales.size() == 1 && out.ndim() == 3) || (scales.size() == 2 && out.ndim() == 4),
              "[upsample_linear] kernel expects (N, C, W) or (N, C, H, W) views");
  if (out.numel() == 0) return;
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, BFloat16>)
      upsample_linear_typed<T>(out, input, scales, align_corners);
    else EMBER_FAIL("[upsample_linear] linear resampling is not implemented for this dtype");
  });
}

}  // namespace ember::kernels::cpu
