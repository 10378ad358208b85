// Convolution modules: Conv1d, Conv2d, ConvTranspose1d and ConvTranspose2d, with libtorch's options and
// PyTorch's default initialisation, checks and repr.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "eager/nn/module.h"
#include "eager/nn/modules/common.h"
#include "eager/nn/options.h"

namespace ember::nn {

// A convolution's padding: sizes (one value or one per dim), or the strings "valid" / "same".
template <size_t D>
class ConvPadding {
 public:
  ConvPadding(int64_t value) : sizes_(value) {}                            // NOLINT
  ConvPadding(std::initializer_list<int64_t> values) : sizes_(values) {}   // NOLINT
  ConvPadding(const std::vector<int64_t>& values) : sizes_(values) {}      // NOLINT
  ConvPadding(const ExpandingArray<D>& values) : sizes_(values) {}         // NOLINT
  // A template so that a literal 0 is a size, never a null string.
  template <typename S, std::enable_if_t<std::is_convertible_v<const S&, std::string_view>, int> = 0>
  ConvPadding(const S& mode) : sizes_(0), mode_(std::string(std::string_view(mode))) {}  // NOLINT
  bool is_mode() const { return !mode_.empty(); }
  const std::string& mode() const { return mode_; }
  const ExpandingArray<D>& sizes() const { return sizes_; }

 private:
  ExpandingArray<D> sizes_;
  std::string mode_;
};

template <size_t D>
struct ConvOptions {
  ConvOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ConvPadding<D>, padding) = 0;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
  // "zeros", "reflect", "replicate" or "circular".
  EMBER_ARG(std::string, padding_mode) = "zeros";
};
using Conv1dOptions = ConvOptions<1>;
using Conv2dOptions = ConvOptions<2>;

template <size_t D>
struct ConvTransposeOptions {
  ConvTransposeOptions(int64_t in_channels, int64_t out_channels, ExpandingArray<D> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  EMBER_ARG(int64_t, in_channels);
  EMBER_ARG(int64_t, out_channels);
  EMBER_ARG(ExpandingArray<D>, kernel_size);
  EMBER_ARG(ExpandingArray<D>, stride) = 1;
  EMBER_ARG(ExpandingArray<D>, padding) = 0;
  // Extra size added to one side of the output; smaller than stride or dilation.
  EMBER_ARG(ExpandingArray<D>, output_padding) = 0;
  EMBER_ARG(int64_t, groups) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(ExpandingArray<D>, dilation) = 1;
  // Only "zeros", as in PyTorch.
  EMBER_ARG(std::string, padding_mode) = "zeros";
};
using ConvTranspose1dOptions = ConvTransposeOptions<1>;
using ConvTranspose2dOptions = ConvTransposeOptions<2>;

// Shared by Conv1d and Conv2d: weight (out, in / groups, k...), bias (out).
template <size_t D>
class ConvNdImpl : public Module {
 public:
  ConvNdImpl(std::string name, ConvOptions<D> options);
  // PyTorch's default: kaiming_uniform_(a = sqrt(5)) for the weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias.
  void reset_parameters();
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;

  ConvOptions<D> options;
  Tensor weight;
  Tensor bias;
};

class Conv1dImpl : public ConvNdImpl<1> {
 public:
  Conv1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : Conv1dImpl(Conv1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv1dImpl(const Conv1dOptions& options) : ConvNdImpl<1>("Conv1d", options) {}
};
EMBER_MODULE(Conv1d);

class Conv2dImpl : public ConvNdImpl<2> {
 public:
  Conv2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2dImpl(Conv2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit Conv2dImpl(const Conv2dOptions& options) : ConvNdImpl<2>("Conv2d", options) {}
};
EMBER_MODULE(Conv2d);

// Shared by ConvTranspose1d and ConvTranspose2d: weight (in, out / groups, k...), bias (out).
template <size_t D>
class ConvTransposeNdImpl : public Module {
 public:
  ConvTransposeNdImpl(std::string name, ConvTransposeOptions<D> options);
  void reset_parameters();
  // output_size (the spatial sizes, or with batch and channel dims too) picks the output_padding that
  // gives it, as PyTorch's forward(input, output_size) does.
  Tensor forward(const Tensor& input, const std::optional<std::vector<int64_t>>& output_size = std::nullopt);
  std::string extra_repr() const override;

  ConvTransposeOptions<D> options;
  Tensor weight;
  Tensor bias;
};

class ConvTranspose1dImpl : public ConvTransposeNdImpl<1> {
 public:
  ConvTranspose1dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<1> kernel_size)
      : ConvTranspose1dImpl(ConvTranspose1dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose1dImpl(const ConvTranspose1dOptions& options)
      : ConvTransposeNdImpl<1>("ConvTranspose1d", options) {}
};
EMBER_MODULE(ConvTranspose1d);

class ConvTranspose2dImpl : public ConvTransposeNdImpl<2> {
 public:
  ConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, ExpandingArray<2> kernel_size)
      : ConvTranspose2dImpl(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}
  explicit ConvTranspose2dImpl(const ConvTranspose2dOptions& options)
      : ConvTransposeNdImpl<2>("ConvTranspose2d", options) {}
};
EMBER_MODULE(ConvTranspose2d);

namespace detail {
// The transposed convolution (the gradient of conv with respect to its input) over an (N, C, L) /
// (N, C, H, W) input or its unbatched form, built from conv1d/conv2d: the input is zero-dilated by
// stride, padded by dilation * (k - 1) - padding (plus output_padding after), and convolved with the
// flipped kernel whose in/out channels are swapped. weight is (in, out / groups, k...).
Tensor conv_transpose(int64_t spatial_dims, const Tensor& input, const Tensor& weight,
                      const std::optional<Tensor>& bias, IntArrayRef stride, IntArrayRef padding,
                      IntArrayRef output_padding, int64_t groups, IntArrayRef dilation);
}  // namespace detail

}  // namespace ember::nn
