// Convolution, pooling, padding and interpolation primitives (the nn layers build on these).
#pragma once

#include <optional>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "eager/tensor.h"

namespace ember {

// ---- convolution (float, double, bfloat16 and integer dtypes; floats through BLAS) ----
// Inputs are (N, C, L) / (N, C, H, W), or unbatched (C, L) / (C, H, W); weight is (O, C / groups, k...).
Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt,
              IntArrayRef stride = 1, IntArrayRef padding = 0, IntArrayRef dilation = 1, int64_t groups = 1);
namespace detail {
Tensor conv_with_padding_mode(int64_t spatial_dims, const Tensor& input, const Tensor& weight,
                              const std::optional<Tensor>& bias, IntArrayRef stride, std::string_view padding,
                              IntArrayRef dilation, int64_t groups);
template <typename S>
inline constexpr bool is_padding_mode = std::is_convertible_v<const S&, std::string_view>;
}  // namespace detail
// padding "valid" (none) or "same" (output as large as the input; stride 1 only); an even dilated kernel
// extent pads one more element after than before, as PyTorch does. Any string type is accepted; a template
// so that integer paddings written as literals (0, {0, 0}) never convert to a string_view.
template <typename String, std::enable_if_t<detail::is_padding_mode<String>, int> = 0>
Tensor conv1d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              const String& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return detail::conv_with_padding_mode(1, input, weight, bias, stride, std::string_view(padding), dilation, groups);
}
template <typename String, std::enable_if_t<detail::is_padding_mode<String>, int> = 0>
Tensor conv2d(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
              const String& padding, IntArrayRef dilation = 1, int64_t groups = 1) {
  return detail::conv_with_padding_mode(2, input, weight, bias, stride, std::string_view(padding), dilation, groups);
}
// The primitive behind both: batched input with 1 or 2 spatial dims. transposed = true is not implemented yet.
Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias, IntArrayRef stride,
                   IntArrayRef padding, IntArrayRef dilation, bool transposed, IntArrayRef output_padding,
                   int64_t groups);

// ---- pooling over (N, C, H, W) or (C, H, W); the 1-D forms over (N, C, L) or (C, L) ----
// stride defaults to kernel_size when empty. Indices are flat positions (h * W + w) within each plane.
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                                                   IntArrayRef padding = 0, IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  IntArrayRef dilation = 1, bool ceil_mode = false);
std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                                                   IntArrayRef padding = 0, IntArrayRef dilation = 1,
                                                   bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = std::nullopt);
Tensor avg_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = 0,
                  bool ceil_mode = false, bool count_include_pad = true);
// Window i along a dim spans [floor(i * in / out), ceil((i + 1) * in / out)).
Tensor adaptive_avg_pool2d(const Tensor& self, IntArrayRef output_size);
Tensor adaptive_avg_pool1d(const Tensor& self, IntArrayRef output_size);

// ---- padding ----
// F.pad: `pad` lists (before, after) pairs starting from the last dim. mode "constant" (value, default 0;
// negative pads crop), "reflect", "replicate" or "circular" (these pad the last 1-3 dims of a tensor with
// one or two more dims and take no value).
Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode = "constant",
           std::optional<double> value = std::nullopt);
Tensor constant_pad_nd(const Tensor& self, IntArrayRef pad, const Scalar& value = 0);

// ---- resampling: 1-D over (N, C, W), 2-D over (N, C, H, W). A scale, when given, is the factor the size
// was computed with, and sets the source step to 1 / scale (PyTorch's scales_h / scales_w). ----
Tensor upsample_nearest1d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales = std::nullopt);
Tensor upsample_nearest2d(const Tensor& self, IntArrayRef output_size, std::optional<double> scales_h = std::nullopt,
                          std::optional<double> scales_w = std::nullopt);
Tensor _upsample_nearest_exact1d(const Tensor& self, IntArrayRef output_size,
                                 std::optional<double> scales = std::nullopt);
Tensor _upsample_nearest_exact2d(const Tensor& self, IntArrayRef output_size,
                                 std::optional<double> scales_h = std::nullopt,
                                 std::optional<double> scales_w = std::nullopt);
Tensor upsample_linear1d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                         std::optional<double> scales = std::nullopt);
Tensor upsample_bilinear2d(const Tensor& self, IntArrayRef output_size, bool align_corners,
                           std::optional<double> scales_h = std::nullopt, std::optional<double> scales_w = std::nullopt);
// F.interpolate: exactly one of size and scale_factor (one value, or one per spatial dim). mode "nearest",
// "nearest-exact", "linear" (3-D input), "bilinear" (4-D input) or "area" (adaptive average pooling).
// align_corners only for the linear modes (default false). recompute_scale_factor = true resamples as if
// the computed size had been given.
Tensor interpolate(const Tensor& input, std::optional<std::vector<int64_t>> size = std::nullopt,
                   std::optional<std::vector<double>> scale_factor = std::nullopt, std::string_view mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt);

}  // namespace ember
