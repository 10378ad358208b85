// nn::functional's convolutions and pooling: option structs unpacked onto the ops of eager/ops_conv.h.
#include <string>

#include "eager/nn/functional.h"
#include "eager/ops_conv.h"
#include "kernels/check.h"

namespace ember::nn::functional {
namespace {

std::optional<Tensor> optional_of(const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; }

// The output sizes of an adaptive pool: a nullopt entry keeps the input's size in that (trailing) dim.
template <size_t D>
std::vector<int64_t> adaptive_output_size(const Tensor& input, const ExpandingArrayWithOptional<D>& output_size,
                                          const char* fn) {
  EMBER_CHECK(input.dim() >= int64_t(D) + 1, "[nn::functional::{}] Expected a {}-D or {}-D input, got {}.", fn, D + 1,
              D + 2, input.sizes());
  std::vector<int64_t> sizes(D);
  for (size_t i = 0; i < D; ++i) sizes[i] = output_size[i].value_or(input.size(input.dim() - int64_t(D) + int64_t(i)));
  return sizes;
}

}  // namespace

Tensor conv1d(const Tensor& input, const Tensor& weight, const Conv1dFuncOptions& options) {
  if (options.padding().is_mode())
    return ::ember::conv1d(input, weight, optional_of(options.bias()), options.stride().ref(), options.padding().mode(),
                           options.dilation().ref(), options.groups());
  return ::ember::conv1d(input, weight, optional_of(options.bias()), options.stride().ref(),
                         options.padding().sizes().ref(), options.dilation().ref(), options.groups());
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  if (options.padding().is_mode())
    return ::ember::conv2d(input, weight, optional_of(options.bias()), options.stride().ref(), options.padding().mode(),
                           options.dilation().ref(), options.groups());
  return ::ember::conv2d(input, weight, optional_of(options.bias()), options.stride().ref(),
                         options.padding().sizes().ref(), options.dilation().ref(), options.groups());
}

Tensor max_pool1d(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return ::ember::max_pool1d(input, options.kernel_size().ref(), options.stride().ref(), options.padding().ref(),
                             options.dilation().ref(), options.ceil_mode());
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return ::ember::max_pool2d(input, options.kernel_size().ref(), options.stride().ref(), options.padding().ref(),
                             options.dilation().ref(), options.ceil_mode());
}

std::tuple<Tensor, Tensor> max_pool1d_with_indices(const Tensor& input, const MaxPool1dFuncOptions& options) {
  return ::ember::max_pool1d_with_indices(input, options.kernel_size().ref(), options.stride().ref(),
                                          options.padding().ref(), options.dilation().ref(), options.ceil_mode());
}

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return ::ember::max_pool2d_with_indices(input, options.kernel_size().ref(), options.stride().ref(),
                                          options.padding().ref(), options.dilation().ref(), options.ceil_mode());
}

Tensor avg_pool1d(const Tensor& input, const AvgPool1dFuncOptions& options) {
  EMBER_CHECK(!options.divisor_override(),
              "[nn::functional::avg_pool1d] divisor_override is only supported by avg_pool2d (PyTorch's avg_pool1d "
              "has none).");
  return ::ember::avg_pool1d(input, options.kernel_size().ref(), options.stride().ref(), options.padding().ref(),
                             options.ceil_mode(), options.count_include_pad());
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return ::ember::avg_pool2d(input, options.kernel_size().ref(), options.stride().ref(), options.padding().ref(),
                             options.ceil_mode(), options.count_include_pad(), options.divisor_override());
}

Tensor adaptive_avg_pool1d(const Tensor& input, const AdaptiveAvgPool1dFuncOptions& options) {
  return ::ember::adaptive_avg_pool1d(input, adaptive_output_size(input, options.output_size(), "adaptive_avg_pool1d"));
}

Tensor adaptive_avg_pool2d(const Tensor& input, const AdaptiveAvgPool2dFuncOptions& options) {
  return ::ember::adaptive_avg_pool2d(input, adaptive_output_size(input, options.output_size(), "adaptive_avg_pool2d"));
}

}  // namespace ember::nn::functional
