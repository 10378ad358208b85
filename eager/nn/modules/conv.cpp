// Convolution modules, and the transposed convolution built from conv1d/conv2d.
#include "eager/nn/modules/conv.h"

#include <cmath>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/ops_conv.h"
#include "kernels/check.h"

namespace ember::nn {

using detail::repr_bool;

namespace {

int64_t product(IntArrayRef v) {
  int64_t p = 1;
  for (int64_t x : v) p *= x;
  return p;
}

// PyTorch's kaiming_uniform_(w, a=sqrt(5)) bound, computed with its exact double arithmetic, and the
// bias bound 1/sqrt(fan_in); fan_in = weight.size(1) * prod(kernel).
void default_conv_init(Tensor& weight, Tensor& bias) {
  NoGradGuard no_grad;
  const int64_t fan_in = weight.size(1) * product(weight.sizes().slice(2));
  if (fan_in == 0) return;  // PyTorch warns and leaves the tensors as they are
  const double a = std::sqrt(5.0);
  const double gain = std::sqrt(2.0 / (1 + a * a));
  const double bound = std::sqrt(3.0) * (gain / std::sqrt(double(fan_in)));
  weight.uniform_(-bound, bound);
  if (bias.defined()) {
    const double b = 1 / std::sqrt(double(fan_in));
    bias.uniform_(-b, b);
  }
}

void check_channels(const char* name, int64_t in_channels, int64_t out_channels, int64_t groups) {
  EMBER_CHECK(groups > 0, "[{}] groups must be a positive integer, got {}", name, groups);
  EMBER_CHECK(in_channels % groups == 0, "[{}] in_channels must be divisible by groups (in_channels={}, groups={})",
              name, in_channels, groups);
  EMBER_CHECK(out_channels % groups == 0,
              "[{}] out_channels must be divisible by groups (out_channels={}, groups={})", name, out_channels, groups);
}

template <size_t D>
std::vector<int64_t> weight_shape(int64_t dim0, int64_t dim1, const ExpandingArray<D>& kernel) {
  std::vector<int64_t> shape{dim0, dim1};
  for (size_t i = 0; i < D; ++i) shape.push_back(kernel[i]);
  return shape;
}

}  // namespace

// ---- Conv1d / Conv2d ----

template <size_t D>
ConvNdImpl<D>::ConvNdImpl(std::string name, ConvOptions<D> options_) : Module(std::move(name)), options(options_) {
  const char* n = this->name().c_str();
  check_channels(n, options.in_channels(), options.out_channels(), options.groups());
  const auto& padding = options.padding();
  if (padding.is_mode()) {
    EMBER_CHECK(padding.mode() == "valid" || padding.mode() == "same",
                "[{}] Invalid padding string '{}', should be one of {{'valid', 'same'}}", n, padding.mode());
    EMBER_CHECK(padding.mode() != "same" || options.stride().all_equal(1),
                "[{}] padding='same' is not supported for strided convolutions", n);
  }
  const std::string& mode = options.padding_mode();
  EMBER_CHECK(mode == "zeros" || mode == "reflect" || mode == "replicate" || mode == "circular",
              "[{}] padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, but got "
              "padding_mode='{}'",
              n, mode);
  for (size_t i = 0; i < D; ++i)
    EMBER_CHECK(options.kernel_size()[i] > 0 && options.stride()[i] > 0 && options.dilation()[i] > 0,
                "[{}] kernel_size, stride and dilation must be positive, got kernel_size={}, stride={}, dilation={}",
                n, options.kernel_size().tuple_repr(), options.stride().tuple_repr(),
                options.dilation().tuple_repr());
  weight = register_parameter(
      "weight", ember::empty(weight_shape<D>(options.out_channels(), options.in_channels() / options.groups(),
                                      options.kernel_size())));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_channels()}));
  reset_parameters();
}

template <size_t D>
void ConvNdImpl<D>::reset_parameters() {
  default_conv_init(weight, bias);
}

template <size_t D>
Tensor ConvNdImpl<D>::forward(const Tensor& input) {
  const std::optional<Tensor> b = bias.defined() ? std::optional<Tensor>(bias) : std::nullopt;
  const auto& padding = options.padding();
  auto conv = [&](const Tensor& x, auto pad) {
    if constexpr (D == 1)
      return conv1d(x, weight, b, options.stride(), pad, options.dilation(), options.groups());
    else
      return conv2d(x, weight, b, options.stride(), pad, options.dilation(), options.groups());
  };
  if (options.padding_mode() == "zeros") {
    if (padding.is_mode()) return conv(input, padding.mode());
    return conv(input, IntArrayRef(padding.sizes()));
  }
  // Other padding modes pad explicitly first (F.pad's list runs from the last dim), then convolve unpadded.
  std::vector<int64_t> pads(2 * D, 0);
  for (size_t d = 0; d < D; ++d) {
    const size_t i = D - 1 - d;
    int64_t before = padding.sizes()[d], after = padding.sizes()[d];
    if (padding.is_mode()) {
      const int64_t total = padding.mode() == "same" ? options.dilation()[d] * (options.kernel_size()[d] - 1) : 0;
      before = total / 2;
      after = total - before;
    }
    pads[2 * i] = before;
    pads[2 * i + 1] = after;
  }
  return conv(pad(input, pads, options.padding_mode()), IntArrayRef(ExpandingArray<D>(0)));
}

template <size_t D>
std::string ConvNdImpl<D>::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", options.in_channels(), options.out_channels(),
                              options.kernel_size().tuple_repr(), options.stride().tuple_repr());
  const auto& padding = options.padding();
  if (padding.is_mode())
    s += ", padding=" + padding.mode();
  else if (!padding.sizes().all_equal(0))
    s += ", padding=" + padding.sizes().tuple_repr();
  if (!options.dilation().all_equal(1)) s += ", dilation=" + options.dilation().tuple_repr();
  if (options.groups() != 1) s += fmt::format(", groups={}", options.groups());
  if (!options.bias()) s += ", bias=False";
  if (options.padding_mode() != "zeros") s += ", padding_mode=" + options.padding_mode();
  return s;
}

template class ConvNdImpl<1>;
template class ConvNdImpl<2>;

// ---- the transposed convolution ----

Tensor detail::conv_transpose(int64_t spatial_dims, const Tensor& input, const Tensor& weight,
                              const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                              IntArrayRef output_padding, int64_t groups, IntArrayRef dilation) {
  const int64_t nd = spatial_dims;
  const char* name = nd == 1 ? "conv_transpose1d" : "conv_transpose2d";
  EMBER_CHECK(nd == 1 || nd == 2, "[conv_transpose] 1 or 2 spatial dims are supported, got {}", nd);
  EMBER_CHECK(input.dim() == nd + 1 || input.dim() == nd + 2,
              "[{}] Expected {}D (unbatched) or {}D (batched) input, but got input of size: {}", name, nd + 1, nd + 2,
              ember::detail::shape_str(input.sizes()));
  EMBER_CHECK(weight.dim() == nd + 2, "[{}] expected a {}-D weight (in, out / groups, k...), got sizes {}", name,
              nd + 2, ember::detail::shape_str(weight.sizes()));
  EMBER_CHECK(groups > 0, "[{}] non-positive groups is not supported", name);
  const bool batched = input.dim() == nd + 2;
  Tensor x = batched ? input : input.unsqueeze(0);
  const int64_t in_channels = weight.size(0);
  EMBER_CHECK(x.size(1) == in_channels,
              "[{}] Given transposed=1, weight of size {}, expected input{} to have {} channels, but got {} channels "
              "instead",
              name, ember::detail::shape_str(weight.sizes()), ember::detail::shape_str(x.sizes()), in_channels,
              x.size(1));
  EMBER_CHECK(in_channels % groups == 0, "[{}] in_channels ({}) must be divisible by groups ({})", name, in_channels,
              groups);
  auto at = [&](IntArrayRef v, int64_t d) { return v.size() == 1 ? v[0] : v[size_t(d)]; };
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t op = at(output_padding, d), s = at(stride, d), dil = at(dilation, d);
    EMBER_CHECK(op < s || op < dil,
                "[{}] output padding must be smaller than either stride or dilation, but got output_padding={}, "
                "stride={}, dilation={} in dim {}",
                name, op, s, dil, d);
  }
  // Zero-dilate: interleave s - 1 zeros after each element, then drop the trailing zeros.
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t s = at(stride, d), axis = 2 + d, length = x.size(axis);
    if (s == 1 || length == 0) continue;
    Tensor column = x.unsqueeze(axis + 1);
    std::vector<int64_t> zero_shape = column.sizes().vec();
    zero_shape[size_t(axis + 1)] = s - 1;
    Tensor spread = cat({column, zeros(zero_shape, x.options())}, axis + 1);
    std::vector<int64_t> merged = x.sizes().vec();
    merged[size_t(axis)] = length * s;
    x = spread.reshape(merged).narrow(axis, 0, (length - 1) * s + 1);
  }
  // Pad (or crop, when negative) so that a plain convolution gives the transposed one.
  std::vector<int64_t> pads(size_t(2 * nd), 0);
  for (int64_t d = 0; d < nd; ++d) {
    const int64_t extent = at(dilation, d) * (weight.size(2 + d) - 1);
    const size_t i = size_t(nd - 1 - d);
    pads[2 * i] = extent - at(padding, d);
    pads[2 * i + 1] = extent - at(padding, d) + at(output_padding, d);
  }
  x = constant_pad_nd(x, pads, 0);
  // (in, out / g, k...) -> (out, in / g, k...), per group, with the kernel flipped.
  std::vector<int64_t> grouped{groups, in_channels / groups, weight.size(1)};
  std::vector<int64_t> swapped{weight.size(1) * groups, in_channels / groups};
  std::vector<int64_t> flip_dims;
  for (int64_t d = 0; d < nd; ++d) {
    grouped.push_back(weight.size(2 + d));
    swapped.push_back(weight.size(2 + d));
    flip_dims.push_back(2 + d);
  }
  Tensor w = flip(weight.reshape(grouped).transpose(1, 2).reshape(swapped), flip_dims);
  Tensor out = nd == 1 ? conv1d(x, w, bias, 1, 0, dilation, groups) : conv2d(x, w, bias, 1, 0, dilation, groups);
  return batched ? out : out.squeeze(0);
}

// ---- ConvTranspose1d / ConvTranspose2d ----

template <size_t D>
ConvTransposeNdImpl<D>::ConvTransposeNdImpl(std::string name, ConvTransposeOptions<D> options_)
    : Module(std::move(name)), options(options_) {
  const char* n = this->name().c_str();
  check_channels(n, options.in_channels(), options.out_channels(), options.groups());
  EMBER_CHECK(options.padding_mode() == "zeros", "[{}] Only \"zeros\" padding mode is supported for {}, got '{}'", n,
              n, options.padding_mode());
  for (size_t i = 0; i < D; ++i) {
    EMBER_CHECK(options.kernel_size()[i] > 0 && options.stride()[i] > 0 && options.dilation()[i] > 0,
                "[{}] kernel_size, stride and dilation must be positive, got kernel_size={}, stride={}, dilation={}",
                n, options.kernel_size().tuple_repr(), options.stride().tuple_repr(),
                options.dilation().tuple_repr());
    EMBER_CHECK(options.output_padding()[i] < options.stride()[i] || options.output_padding()[i] < options.dilation()[i],
                "[{}] output padding must be smaller than either stride or dilation, but got output_padding={}, "
                "stride={}, dilation={}",
                n, options.output_padding().tuple_repr(), options.stride().tuple_repr(),
                options.dilation().tuple_repr());
  }
  weight = register_parameter(
      "weight", ember::empty(weight_shape<D>(options.in_channels(), options.out_channels() / options.groups(),
                                      options.kernel_size())));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_channels()}));
  reset_parameters();
}

template <size_t D>
void ConvTransposeNdImpl<D>::reset_parameters() {
  default_conv_init(weight, bias);
}

template <size_t D>
Tensor ConvTransposeNdImpl<D>::forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size) {
  std::vector<int64_t> output_padding = options.output_padding().vec();
  if (output_size) {
    const int64_t non_spatial = input.dim() == int64_t(D) + 2 ? 2 : 1;
    std::vector<int64_t> size = *output_size;
    if (size.size() == size_t(non_spatial) + D) size.erase(size.begin(), size.begin() + non_spatial);
    EMBER_CHECK(size.size() == D, "[{}] for {}D input, output_size must have {} or {} elements (got {})", name(),
                input.dim(), D, size_t(non_spatial) + D, output_size->size());
    std::vector<int64_t> min_sizes, max_sizes;
    for (size_t d = 0; d < D; ++d) {
      const int64_t min_size = (input.size(int64_t(d) + non_spatial) - 1) * options.stride()[d] -
                               2 * options.padding()[d] + options.dilation()[d] * (options.kernel_size()[d] - 1) + 1;
      min_sizes.push_back(min_size);
      max_sizes.push_back(min_size + options.stride()[d] - 1);
    }
    for (size_t d = 0; d < D; ++d)
      EMBER_CHECK(size[d] >= min_sizes[d] && size[d] <= max_sizes[d],
                  "[{}] requested an output size of [{}], but valid sizes range from [{}] to [{}] (for an input of {})",
                  name(), fmt::join(size, ", "), fmt::join(min_sizes, ", "), fmt::join(max_sizes, ", "),
                  ember::detail::shape_str(input.sizes().slice(size_t(non_spatial))));
    for (size_t d = 0; d < D; ++d) output_padding[d] = size[d] - min_sizes[d];
  }
  return detail::conv_transpose(int64_t(D), input, weight,
                                bias.defined() ? std::optional<Tensor>(bias) : std::nullopt, options.stride(),
                                options.padding(), output_padding, options.groups(), options.dilation());
}

template <size_t D>
std::string ConvTransposeNdImpl<D>::extra_repr() const {
  std::string s = fmt::format("{}, {}, kernel_size={}, stride={}", options.in_channels(), options.out_channels(),
                              options.kernel_size().tuple_repr(), options.stride().tuple_repr());
  if (!options.padding().all_equal(0)) s += ", padding=" + options.padding().tuple_repr();
  if (!options.dilation().all_equal(1)) s += ", dilation=" + options.dilation().tuple_repr();
  if (!options.output_padding().all_equal(0)) s += ", output_padding=" + options.output_padding().tuple_repr();
  if (options.groups() != 1) s += fmt::format(", groups={}", options.groups());
  if (!options.bias()) s += ", bias=False";
  return s;
}

template class ConvTransposeNdImpl<1>;
template class ConvTransposeNdImpl<2>;

}  // namespace ember::nn
