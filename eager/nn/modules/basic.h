// Small layers: Identity, Flatten, Unflatten, Bilinear and Dropout2d (channel dropout).
#pragma once

#include <string>
#include <vector>

#include "eager/nn/module.h"
#include "eager/nn/options.h"
#include "eager/random.h"

namespace ember::nn {

// Returns its input.
class IdentityImpl : public Module {
 public:
  IdentityImpl() : Module("Identity") {}
  Tensor forward(const Tensor& input) { return input; }
};
EMBER_MODULE(Identity);

struct FlattenOptions {
  EMBER_ARG(int64_t, start_dim) = 1;
  EMBER_ARG(int64_t, end_dim) = -1;
};

// Flattens dims start_dim..end_dim into one.
class FlattenImpl : public Module {
 public:
  explicit FlattenImpl(const FlattenOptions& options_ = {}) : Module("Flatten"), options(options_) {}
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  FlattenOptions options;
};
EMBER_MODULE(Flatten);

struct UnflattenOptions {
  UnflattenOptions(int64_t dim, std::vector<int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  EMBER_ARG(int64_t, dim);
  // One entry may be -1 (inferred).
  EMBER_ARG(std::vector<int64_t>, sizes);
};

// Splits dim `dim` into `sizes`.
class UnflattenImpl : public Module {
 public:
  UnflattenImpl(int64_t dim, std::vector<int64_t> sizes) : UnflattenImpl(UnflattenOptions(dim, std::move(sizes))) {}
  explicit UnflattenImpl(const UnflattenOptions& options_);
  Tensor forward(const Tensor& input);
  std::string extra_repr() const override;
  UnflattenOptions options;
};
EMBER_MODULE(Unflatten);

struct BilinearOptions {
  BilinearOptions(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : in1_features_(in1_features), in2_features_(in2_features), out_features_(out_features) {}
  EMBER_ARG(int64_t, in1_features);
  EMBER_ARG(int64_t, in2_features);
  EMBER_ARG(int64_t, out_features);
  EMBER_ARG(bool, bias) = true;
};

// y = x1^T A x2 + b over the last dims, A of shape (out, in1, in2); x1 and x2 share their leading dims.
class BilinearImpl : public Module {
 public:
  BilinearImpl(int64_t in1_features, int64_t in2_features, int64_t out_features)
      : BilinearImpl(BilinearOptions(in1_features, in2_features, out_features)) {}
  explicit BilinearImpl(const BilinearOptions& options_);
  // PyTorch's default: U(-1/sqrt(in1), 1/sqrt(in1)) for weight and bias.
  void reset_parameters();
  Tensor forward(const Tensor& input1, const Tensor& input2);
  std::string extra_repr() const override;

  BilinearOptions options;
  Tensor weight;
  Tensor bias;
};
EMBER_MODULE(Bilinear);

struct Dropout2dOptions {
  Dropout2dOptions(double p = 0.5) : p_(p) {}  // NOLINT
  EMBER_ARG(double, p);
  EMBER_ARG(bool, inplace) = false;
};

// Zeroes whole channels of an (N, C, ...) input with probability p in training (one Bernoulli(1 - p) draw
// per (n, c), from the default generator) and scales the rest by 1 / (1 - p); identity in eval. A 3-D input
// is read as (N, C, L), as PyTorch 1.13 does.
class Dropout2dImpl : public Module {
 public:
  explicit Dropout2dImpl(double p) : Dropout2dImpl(Dropout2dOptions(p)) {}
  explicit Dropout2dImpl(const Dropout2dOptions& options_ = {});
  Tensor forward(Tensor input);
  std::string extra_repr() const override;
  Dropout2dOptions options;
};
EMBER_MODULE(Dropout2d);

namespace detail {
// ATen's feature_dropout: one mask value per (n, c) of an input with at least 2 dims.
Tensor feature_dropout(Tensor input, double p, bool train, bool inplace,
                       std::optional<Generator> generator = std::nullopt);
}  // namespace detail

}  // namespace ember::nn
