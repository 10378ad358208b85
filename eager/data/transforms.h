// Image transforms over (..., C, H, W) tensors, as torchvision.transforms computes them for tensors.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eager/random.h"
#include "eager/tensor.h"

namespace ember::data::transforms {

enum class InterpolationMode { nearest, bilinear };

// torchvision.transforms.functional: the deterministic operations the random transforms are built from.
namespace functional {

// (image - mean[c]) / std[c] per channel (dim -3) of a floating image; one value applies to every channel.
Tensor normalize(const Tensor& image, const std::vector<double>& mean, const std::vector<double>& std,
                 bool inplace = false);
// Mirrors the last dim (left-right).
Tensor hflip(const Tensor& image);
// Pads the last two dims. padding as torchvision: {all}, {left/right, top/bottom} or {left, top, right, bottom};
// padding_mode "constant" (with fill), "edge" or "reflect".
Tensor pad(const Tensor& image, const std::vector<int64_t>& padding, double fill = 0,
           const std::string& padding_mode = "constant");
// The height x width window whose top-left corner is (top, left); parts outside the image read as zeros.
Tensor crop(const Tensor& image, int64_t top, int64_t left, int64_t height, int64_t width);
// Rotates by `angle` degrees counter-clockwise about `center` (pixel coordinates (x, y); the image centre by
// default), keeping the size. Pixels from outside the image get fill (one value or one per channel); with no
// fill they are zero-padded without torchvision's mask step (F.rotate(..., fill=None)).
Tensor rotate(const Tensor& image, double angle, InterpolationMode interpolation = InterpolationMode::nearest,
              const std::vector<double>& fill = {}, std::optional<std::array<double, 2>> center = std::nullopt);

}  // namespace functional

// Every random transform takes an optional Generator. Without one it draws from the generator of the
// DataLoader batch being loaded (seeded from the loader's seed and the batch index) or, outside a
// DataLoader, from the default generator, making the same draws as torchvision after torch.manual_seed.

class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std, bool inplace = false);
  Tensor operator()(const Tensor& image) const;

 private:
  std::vector<double> mean_, std_;
  bool inplace_;
};

// torchvision.transforms.RandomCrop: optional padding first, then a size[0] x size[1] window at a random offset.
class RandomCrop {
 public:
  // size: {height, width} or {side}; padding as functional::pad (empty for none).
  explicit RandomCrop(std::vector<int64_t> size, std::vector<int64_t> padding = {}, bool pad_if_needed = false,
                      double fill = 0, std::string padding_mode = "constant",
                      std::optional<Generator> generator = std::nullopt);
  Tensor operator()(const Tensor& image) const;

  // torchvision's RandomCrop.get_params: {top, left, height, width} of a random output_size window of image.
  static std::array<int64_t, 4> get_params(const Tensor& image, std::array<int64_t, 2> output_size,
                                           Generator generator);

 private:
  std::array<int64_t, 2> size_;
  std::vector<int64_t> padding_;
  bool pad_if_needed_;
  double fill_;
  std::string padding_mode_;
  std::optional<Generator> generator_;
};

// torchvision.transforms.RandomHorizontalFlip: flips when rand(1) < p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5, std::optional<Generator> generator = std::nullopt);
  Tensor operator()(const Tensor& image) const;

 private:
  double p_;
  std::optional<Generator> generator_;
};

// torchvision.transforms.RandomRotation: an angle drawn uniformly from degrees (a range, or [-d, d] for one
// number d), then functional::rotate with fill (one value or one per channel).
class RandomRotation {
 public:
  explicit RandomRotation(double degrees, InterpolationMode interpolation = InterpolationMode::nearest,
                          std::vector<double> fill = {0.0}, std::optional<Generator> generator = std::nullopt);
  RandomRotation(std::array<double, 2> degrees, InterpolationMode interpolation = InterpolationMode::nearest,
                 std::vector<double> fill = {0.0}, std::optional<Generator> generator = std::nullopt);
  Tensor operator()(const Tensor& image) const;

  // torchvision's RandomRotation.get_params: the angle, float(torch.empty(1).uniform_(lo, hi)).
  static double get_params(std::array<double, 2> degrees, Generator generator);

 private:
  std::array<double, 2> degrees_;
  InterpolationMode interpolation_;
  std::vector<double> fill_;
  std::optional<Generator> generator_;
};

// torchvision.transforms.Compose: applies the transforms in order.
class Compose {
 public:
  using Transform = std::function<Tensor(const Tensor&)>;
  Compose(std::vector<Transform> transforms);
  Tensor operator()(const Tensor& image) const;

 private:
  std::vector<Transform> transforms_;
};

}  // namespace ember::data::transforms
