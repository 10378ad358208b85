// Activation modules with libtorch's options and PyTorch's extra_repr: ReLU, ReLU6, LeakyReLU, PReLU, ELU,
// SELU, CELU, GELU, SiLU, Mish, Sigmoid, Tanh, Softplus, Hardtanh, Hardsigmoid, Hardswish, LogSigmoid,
// Softmax, LogSoftmax and Threshold.
#pragma once

#include <optional>
#include <string>

#include "eager/nn/module.h"
#include "eager/nn/options.h"

namespace ember::nn {

// `inplace` only: ReLU, ReLU6, SELU, SiLU, Mish, Hardsigmoid, Hardswish.
struct InplaceOptions {
  InplaceOptions(bool inplace = false) : inplace_(inplace) {}  // NOLINT
  EMBER_ARG(bool, inplace);
};
using ReLUOptions = InplaceOptions;
using ReLU6Options = InplaceOptions;
using SELUOptions = InplaceOptions;
using SiLUOptions = InplaceOptions;
using MishOptions = InplaceOptions;
using HardsigmoidOptions = InplaceOptions;
using HardswishOptions = InplaceOptions;

// Declares NameImpl with options, forward and extra_repr; the definitions are in activation.cpp.
#define EMBER_ACTIVATION(Name, OptionsType)                                                 \
  class Name##Impl : public Module {                                                        \
   public:                                                                                  \
    explicit Name##Impl(const OptionsType& options_ = {}) : Module(#Name), options(options_) {} \
    Tensor forward(Tensor input);                                                           \
    std::string extra_repr() const override;                                                \
    OptionsType options;                                                                    \
  };                                                                                        \
  EMBER_MODULE(Name)

EMBER_ACTIVATION(ReLU, ReLUOptions);
EMBER_ACTIVATION(ReLU6, ReLU6Options);
EMBER_ACTIVATION(SELU, SELUOptions);
EMBER_ACTIVATION(SiLU, SiLUOptions);
EMBER_ACTIVATION(Mish, MishOptions);
EMBER_ACTIVATION(Hardsigmoid, HardsigmoidOptions);
EMBER_ACTIVATION(Hardswish, HardswishOptions);

struct LeakyReLUOptions {
  EMBER_ARG(double, negative_slope) = 1e-2;
  EMBER_ARG(bool, inplace) = false;
};
EMBER_ACTIVATION(LeakyReLU, LeakyReLUOptions);

struct ELUOptions {
  EMBER_ARG(double, alpha) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
EMBER_ACTIVATION(ELU, ELUOptions);

struct CELUOptions {
  EMBER_ARG(double, alpha) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
EMBER_ACTIVATION(CELU, CELUOptions);

struct GELUOptions {
  GELUOptions(std::string approximate = "none") : approximate_(std::move(approximate)) {}  // NOLINT
  EMBER_ARG(std::string, approximate);
};
EMBER_ACTIVATION(GELU, GELUOptions);

struct SoftplusOptions {
  EMBER_ARG(double, beta) = 1.0;
  EMBER_ARG(double, threshold) = 20.0;
};
EMBER_ACTIVATION(Softplus, SoftplusOptions);

struct HardtanhOptions {
  EMBER_ARG(double, min_val) = -1.0;
  EMBER_ARG(double, max_val) = 1.0;
  EMBER_ARG(bool, inplace) = false;
};
// Constructed through HardtanhImpl so that min_val < max_val is checked.
class HardtanhImpl : public Module {
 public:
  explicit HardtanhImpl(const HardtanhOptions& options_ = {});
  Tensor forward(Tensor input);
  std::string extra_repr() const override;
  HardtanhOptions options;
};
EMBER_MODULE(Hardtanh);

struct ThresholdOptions {
  ThresholdOptions(double threshold, double value) : threshold_(threshold), value_(value) {}
  EMBER_ARG(double, threshold);
  EMBER_ARG(double, value);
  EMBER_ARG(bool, inplace) = false;
};
// y = x where x > threshold, else value.
class ThresholdImpl : public Module {
 public:
  ThresholdImpl(double threshold, double value) : ThresholdImpl(ThresholdOptions(threshold, value)) {}
  explicit ThresholdImpl(const ThresholdOptions& options_) : Module("Threshold"), options(options_) {}
  Tensor forward(Tensor input);
  std::string extra_repr() const override;
  ThresholdOptions options;
};
EMBER_MODULE(Threshold);

// No options.
#define EMBER_PLAIN_ACTIVATION(Name)          \
  class Name##Impl : public Module {          \
   public:                                    \
    Name##Impl() : Module(#Name) {}           \
    Tensor forward(const Tensor& input);      \
  };                                          \
  EMBER_MODULE(Name)

EMBER_PLAIN_ACTIVATION(Sigmoid);
EMBER_PLAIN_ACTIVATION(Tanh);
EMBER_PLAIN_ACTIVATION(LogSigmoid);

#undef EMBER_ACTIVATION
#undef EMBER_PLAIN_ACTIVATION

// Softmax / LogSoftmax over `dim`. PyTorch's dim=None picks a dim from the input's rank (0 for 0-, 1- and
// 3-D inputs, else 1) with a deprecation warning; std::nullopt does the same, without the warning.
struct SoftmaxOptions {
  SoftmaxOptions(std::optional<int64_t> dim) : dim_(dim) {}  // NOLINT
  SoftmaxOptions(int64_t dim) : dim_(dim) {}                 // NOLINT
  SoftmaxOptions(int dim) : dim_(dim) {}                     // NOLINT
  EMBER_ARG(std::optional<int64_t>, dim);
};
using LogSoftmaxOptions = SoftmaxOptions;

class SoftmaxImpl : public Module {
 public:
  explicit SoftmaxImpl(const SoftmaxOptions& options_) : Module("Softmax"), options(options_) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  SoftmaxOptions options;
};
EMBER_MODULE(Softmax);

class LogSoftmaxImpl : public Module {
 public:
  explicit LogSoftmaxImpl(const LogSoftmaxOptions& options_) : Module("LogSoftmax"), options(options_) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  LogSoftmaxOptions options;
};
EMBER_MODULE(LogSoftmax);

struct PReLUOptions {
  EMBER_ARG(int64_t, num_parameters) = 1;
  EMBER_ARG(double, init) = 0.25;
};
// max(0, x) + weight * min(0, x), weight a learnable parameter of num_parameters values (one, or one per
// channel, dim 1 of the input), initialised to `init`.
class PReLUImpl : public Module {
 public:
  explicit PReLUImpl(const PReLUOptions& options_ = {});
  void reset_parameters();
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  PReLUOptions options;
  Tensor weight;
};
EMBER_MODULE(PReLU);

}  // namespace ember::nn
