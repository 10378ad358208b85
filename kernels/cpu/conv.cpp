// Convolution as im2col + GEMM: each image's windows are unrolled into a (C/groups * KH * KW, OH * OW) matrix
// that one GEMM per group multiplies by that group's weights.
#include "kernels/cpu/conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/blas.h"
#include "kernels/cpu/parallel.h"
#include "kernels/cpu/pointwise.h"

namespace ember::kernels::cpu {
namespace {

// Unrolled windows of several images are kept up to this size, so one GEMM call covers many small images.
constexpr int64_t kColumnBudgetBytes = int64_t(16) << 20;

// The output positions [lo, hi) along one axis whose input position o * stride + offset lies in [0, size).
void valid_range(int64_t out_size, int64_t stride, int64_t offset, int64_t size, int64_t& lo, int64_t& hi) {
  lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  lo = std::min(lo, out_size);
  hi = std::max(lo, std::min(hi, out_size));
}

// Writes the windows of `channels` channels of one image as rows (c, kh, kw) of OH * OW columns.
template <typename T>
void im2col(T* col, const T* image, const int64_t* in_strides, int64_t channels, int64_t height, int64_t width,
            int64_t out_h, int64_t out_w, const Window2d& w) {
  const int64_t plane = out_h * out_w;
  const int64_t stride_c = in_strides[1], stride_h = in_strides[2], stride_w = in_strides[3];
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t kh = 0; kh < w.kernel_h; ++kh) {
      for (int64_t kw = 0; kw < w.kernel_w; ++kw) {
        T* row = col + ((c * w.kernel_h + kh) * w.kernel_w + kw) * plane;
        const int64_t offset_w = kw * w.dilation_w - w.pad_w;
        int64_t lo = 0, hi = 0;
        valid_range(out_w, w.stride_w, offset_w, width, lo, hi);
        for (int64_t oh = 0; oh < out_h; ++oh) {
          T* dst = row + oh * out_w;
          const int64_t ih = oh * w.stride_h - w.pad_h + kh * w.dilation_h;
          if (ih < 0 || ih >= height) {
            std::fill(dst, dst + out_w, T(0));
            continue;
          }
          std::fill(dst, dst + lo, T(0));
          std::fill(dst + hi, dst + out_w, T(0));
          const T* src = image + c * stride_c + ih * stride_h;
          if (w.stride_w == 1 && stride_w == 1) {
            if (hi > lo) std::memcpy(dst + lo, src + lo + offset_w, size_t(hi - lo) * sizeof(T));
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) dst[ow] = src[(ow * w.stride_w + offset_w) * stride_w];
          }
        }
      }
    }
  }
}

template <typename T>
void conv2d_typed(const StridedView& out, const StridedView& input, const StridedView& weight, const StridedView& bias,
                  const Window2d& w, int64_t groups) {
  const int64_t n_images = input.sizes[0], height = input.sizes[2], width = input.sizes[3];
  const int64_t out_channels = weight.sizes[0], group_in = weight.sizes[1];
  const int64_t out_h = out.sizes[2], out_w = out.sizes[3];
  const int64_t group_out = out_channels / groups;
  const int64_t k = group_in * w.kernel_h * w.kernel_w, l = out_h * out_w;
  if (n_images == 0 || out_channels == 0 || l == 0) return;
  EMBER_CHECK(out_h == 1 || out_w == 1 || out.strides[2] == out_w * out.strides[3],
              "[conv2d] kernel expects an output whose (OH, OW) dims can be flattened");
  const int64_t out_l_stride = out_w == 1 ? out.strides[2] : out.strides[3];

  // Weights as a contiguous (O, K) matrix; they are small next to the activations.
  std::vector<T> packed_weight(size_t(out_channels * k));
  const T* wdata = static_cast<const T*>(weight.data);
  for (int64_t o = 0, i = 0; o < out_channels; ++o)
    for (int64_t c = 0; c < group_in; ++c)
      for (int64_t kh = 0; kh < w.kernel_h; ++kh)
        for (int64_t kw = 0; kw < w.kernel_w; ++kw, ++i)
          packed_weight[size_t(i)] = wdata[o * weight.strides[0] + c * weight.strides[1] + kh * weight.strides[2] +
                                           kw * weight.strides[3]];

  // The bias goes in first so that GEMM accumulates onto it (beta = 1).
  ScalarArg beta{0.0, 0};
  if (bias.data != nullptr) {
    copy(out, StridedView{bias.data, bias.dtype, out.sizes, {0, bias.strides[0], 0, 0}});
    beta = {1.0, 1};
  }

  // A 1x1 window with unit stride and no padding reads the image itself as the column matrix.
  const bool direct = w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 &&
                      w.pad_w == 0 && (height == 1 || width == 1 || input.strides[2] == width * input.strides[3]);
  const int64_t in_l_stride = width == 1 ? input.strides[2] : input.strides[3];
  const int64_t image_bytes = std::max<int64_t>(groups * k * l * int64_t(sizeof(T)), 1);
  const int64_t batch = direct ? n_images : std::clamp<int64_t>(kColumnBudgetBytes / image_bytes, 1, n_images);
  std::vector<T> col(direct ? 0 : size_t(batch * groups * k * l));
  const T* in_data = static_cast<const T*>(input.data);
  T* out_data = static_cast<T*>(out.data);

  for (int64_t first = 0; first < n_images; first += batch) {
    const int64_t count = std::min(batch, n_images - first);
    if (!direct) {
      parallel_for(count * groups, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
          const int64_t n = first + i / groups, g = i % groups;
          im2col<T>(col.data() + i * k * l, in_data + n * input.strides[0] + g * group_in * input.strides[1],
                    input.strides.data(), group_in, height, width, out_h, out_w, w);
        }
      });
    }
    for (int64_t g = 0; g < groups; ++g) {
      const StridedView a{packed_weight.data() + g * group_out * k, weight.dtype, {count, group_out, k}, {0, k, 1}};
      const StridedView b =
          direct ? StridedView{const_cast<T*>(in_data) + first * input.strides[0] + g * group_in * input.strides[1],
                               input.dtype,
                               {count, group_in, l},
                               {input.strides[0], input.strides[1], in_l_stride}}
                 : StridedView{col.data() + g * k * l, input.dtype, {count, k, l}, {groups * k * l, l, 1}};
      const StridedView c{out_data + first * out.strides[0] + g * group_out * out.strides[1],
                          out.dtype,
                          {count, group_out, l},
                          {out.strides[0], out.strides[1], out_l_stride}};
      gemm(c, a, b, ScalarArg{1.0, 1}, beta);
    }
  }
}

}  // namespace

void conv2d(const StridedView& out, const StridedView& input, const StridedView& weight, const StridedView& bias,
            const Window2d& window, int64_t groups) {
  EMBER_CHECK(out.ndim() == 4 && input.ndim() == 4 && weight.ndim() == 4, "[conv2d] kernel expects 4-D views");
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, Half>) {
      EMBER_FAIL("[conv2d] \"slow_conv2d_cpu\" not implemented for '{}'", std::is_same_v<T, bool> ? "Bool" : "Half");
    } else {
      conv2d_typed<T>(out, input, weight, bias, window, groups);
    }
  });
}

}  // namespace ember::kernels::cpu
