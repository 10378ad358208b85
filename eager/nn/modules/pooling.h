// Pooling modules: MaxPool1d, MaxPool2d, AvgPool1d, AvgPool2d, AdaptiveAvgPool1d and AdaptiveAvgPool2d.
#pragma once

#include <optional>
#include <string>
#include <tuple>

#include "eager/nn/functional.h"
#include "eager/nn/module.h"
#include "eager/nn/modules/common.h"
#include "eager/nn/options.h"

namespace ember::nn {

// The modules take the same options as the functions, as in libtorch.
template <size_t D>
using MaxPoolOptions = functional::MaxPoolFuncOptions<D>;
using MaxPool1dOptions = MaxPoolOptions<1>;
using MaxPool2dOptions = MaxPoolOptions<2>;

template <size_t D>
class MaxPoolNdImpl : public Module {
 public:
  MaxPoolNdImpl(std::string name, const MaxPoolOptions<D>& options_) : Module(std::move(name)), options(options_) {}
  Tensor forward(const Tensor& input);
  // (output, indices), indices being flat positions within each plane.
  std::tuple<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  MaxPoolOptions<D> options;
};

class MaxPool1dImpl : public MaxPoolNdImpl<1> {
 public:
  explicit MaxPool1dImpl(ExpandingArray<1> kernel_size) : MaxPool1dImpl(MaxPool1dOptions(kernel_size)) {}
  explicit MaxPool1dImpl(const MaxPool1dOptions& options) : MaxPoolNdImpl<1>("MaxPool1d", options) {}
};
EMBER_MODULE(MaxPool1d);

class MaxPool2dImpl : public MaxPoolNdImpl<2> {
 public:
  explicit MaxPool2dImpl(ExpandingArray<2> kernel_size) : MaxPool2dImpl(MaxPool2dOptions(kernel_size)) {}
  explicit MaxPool2dImpl(const MaxPool2dOptions& options) : MaxPoolNdImpl<2>("MaxPool2d", options) {}
};
EMBER_MODULE(MaxPool2d);

template <size_t D>
using AvgPoolOptions = functional::AvgPoolFuncOptions<D>;
using AvgPool1dOptions = AvgPoolOptions<1>;
using AvgPool2dOptions = AvgPoolOptions<2>;

template <size_t D>
class AvgPoolNdImpl : public Module {
 public:
  AvgPoolNdImpl(std::string name, const AvgPoolOptions<D>& options_);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  AvgPoolOptions<D> options;
};

class AvgPool1dImpl : public AvgPoolNdImpl<1> {
 public:
  explicit AvgPool1dImpl(ExpandingArray<1> kernel_size) : AvgPool1dImpl(AvgPool1dOptions(kernel_size)) {}
  explicit AvgPool1dImpl(const AvgPool1dOptions& options) : AvgPoolNdImpl<1>("AvgPool1d", options) {}
};
EMBER_MODULE(AvgPool1d);

class AvgPool2dImpl : public AvgPoolNdImpl<2> {
 public:
  explicit AvgPool2dImpl(ExpandingArray<2> kernel_size) : AvgPool2dImpl(AvgPool2dOptions(kernel_size)) {}
  explicit AvgPool2dImpl(const AvgPool2dOptions& options) : AvgPoolNdImpl<2>("AvgPool2d", options) {}
};
EMBER_MODULE(AvgPool2d);

template <size_t D>
struct AdaptiveAvgPoolOptions {
  AdaptiveAvgPoolOptions(ExpandingArray<D> output_size) : output_size_(output_size) {}  // NOLINT
  EMBER_ARG(ExpandingArray<D>, output_size);
};
using AdaptiveAvgPool1dOptions = AdaptiveAvgPoolOptions<1>;
using AdaptiveAvgPool2dOptions = AdaptiveAvgPoolOptions<2>;

template <size_t D>
class AdaptiveAvgPoolNdImpl : public Module {
 public:
  AdaptiveAvgPoolNdImpl(std::string name, const AdaptiveAvgPoolOptions<D>& options_)
      : Module(std::move(name)), options(options_) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveAvgPoolOptions<D> options;
};

class AdaptiveAvgPool1dImpl : public AdaptiveAvgPoolNdImpl<1> {
 public:
  explicit AdaptiveAvgPool1dImpl(ExpandingArray<1> output_size) : AdaptiveAvgPool1dImpl(AdaptiveAvgPool1dOptions(output_size)) {}
  explicit AdaptiveAvgPool1dImpl(const AdaptiveAvgPool1dOptions& options)
      : AdaptiveAvgPoolNdImpl<1>("AdaptiveAvgPool1d", options) {}
};
EMBER_MODULE(AdaptiveAvgPool1d);

class AdaptiveAvgPool2dImpl : public AdaptiveAvgPoolNdImpl<2> {
 public:
  explicit AdaptiveAvgPool2dImpl(ExpandingArray<2> output_size) : AdaptiveAvgPool2dImpl(AdaptiveAvgPool2dOptions(output_size)) {}
  explicit AdaptiveAvgPool2dImpl(const AdaptiveAvgPool2dOptions& options)
      : AdaptiveAvgPoolNdImpl<2>("AdaptiveAvgPool2d", options) {}
};
EMBER_MODULE(AdaptiveAvgPool2d);

}  // namespace ember::nn
