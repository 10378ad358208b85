// Image transforms: torchvision's tensor code paths (pad, crop, flip, normalize, rotate through an affine grid).
#include "eager/data/transforms.h"

#include <algorithm>
#include <cmath>
#include <mutex>

#include "eager/data/dataloader.h"
#include "eager/ops.h"
#include "eager/ops_conv.h"
#include "eager/tensor_data.h"
#include "kernels/check.h"

namespace ember::data::transforms {

namespace functional {

namespace {

void check_image(const char* op, const Tensor& image, int64_t min_dim) {
  EMBER_CHECK(image.defined(), "[{}] expected an image tensor, got an undefined tensor", op);
  EMBER_CHECK(image.dim() >= min_dim, "[{}] expected a tensor image of size ({}H, W), got a tensor of size {}; "
              "add the missing dims with unsqueeze", op, min_dim >= 3 ? "..., C, " : "..., ", image.sizes().vec());
}

int64_t channels_of(const Tensor& image) { return image.dim() >= 3 ? image.size(-3) : 1; }

// {left, right, top, bottom} (F.pad's order for the last two dims) from torchvision's 1, 2 or 4 values.
std::array<int64_t, 4> pad_amounts(const std::vector<int64_t>& padding) {
  switch (padding.size()) {
    case 1: return {padding[0], padding[0], padding[0], padding[0]};
    case 2: return {padding[0], padding[0], padding[1], padding[1]};
    case 4: return {padding[0], padding[2], padding[1], padding[3]};
    default:
      EMBER_FAIL("[pad] padding must be 1, 2 or 4 values ({{all}}, {{left/right, top/bottom}} or {{left, top, "
                 "right, bottom}}), got {} values", padding.size());
  }
}

}  // namespace

Tensor normalize(const Tensor& image, const std::vector<double>& mean, const std::vector<double>& std,
                 bool inplace) {
  check_image("normalize", image, 3);
  EMBER_CHECK(image.is_floating_point(), "[normalize] input tensor should be a float tensor, got {}; convert it "
              "with .to(kFloat) first", to_string(image.dtype()));
  const int64_t channels = image.size(-3);
  for (const auto* values : {&mean, &std}) {
    EMBER_CHECK(values->size() == 1 || int64_t(values->size()) == channels, "[normalize] expected {} or 1 {} "
                "values for an image of {} channels, got {}", channels, values == &mean ? "mean" : "std",
                channels, values->size());
  }
  const Tensor mean_t = tensor(mean, image.dtype()).view({-1, 1, 1});
  const Tensor std_t = tensor(std, image.dtype()).view({-1, 1, 1});
  EMBER_CHECK(!std_t.eq(0).any().item<bool>(), "[normalize] std evaluated to zero after conversion to {}, "
              "leading to division by zero", to_string(image.dtype()));
  Tensor out = inplace ? image : image.clone();
  return out.sub_(mean_t).div_(std_t);
}

Tensor hflip(const Tensor& image) {
  check_image("hflip", image, 2);
  return image.flip({-1});
}

Tensor pad(const Tensor& image, const std::vector<int64_t>& padding, double fill, const std::string& padding_mode) {
  check_image("pad", image, 2);
  const auto [left, right, top, bottom] = pad_amounts(padding);
  if (padding_mode == "constant") return ember::pad(image, {left, right, top, bottom}, "constant", fill);
  EMBER_CHECK(padding_mode == "edge" || padding_mode == "reflect", "[pad] padding_mode must be \"constant\", "
              "\"edge\" or \"reflect\", got \"{}\"", padding_mode);
  // reflect/replicate pad the last two dims of a 3-d tensor: fold any leading dims into one.
  const int64_t h = image.size(-2), w = image.size(-1);
  Tensor padded = ember::pad(image.reshape({-1, h, w}), {left, right, top, bottom},
                             padding_mode == "edge" ? "replicate" : "reflect");
  std::vector<int64_t> sizes = image.sizes().vec();
  sizes[sizes.size() - 2] = padded.size(-2);
  sizes[sizes.size() - 1] = padded.size(-1);
  return padded.reshape(sizes);
}

Tensor crop(const Tensor& image, int64_t top, int64_t left, int64_t height, int64_t width) {
  check_image("crop", image, 2);
  EMBER_CHECK(height >= 0 && width >= 0, "[crop] expected a non-negative height and width, got {} x {}", height,
              width);
  const int64_t h = image.size(-2), w = image.size(-1);
  const int64_t bottom = top + height, right = left + width;
  // The in-image part, then zeros for what lies outside (torchvision's F.crop).
  const int64_t y0 = std::clamp<int64_t>(top, 0, h), y1 = std::clamp<int64_t>(bottom, y0, h);
  const int64_t x0 = std::clamp<int64_t>(left, 0, w), x1 = std::clamp<int64_t>(right, x0, w);
  Tensor inside = image.narrow(-2, y0, y1 - y0).narrow(-1, x0, x1 - x0);
  if (top >= 0 && left >= 0 && bottom <= h && right <= w) return inside;
  return ember::pad(inside, {x0 - left, right - x1, y0 - top, bottom - y1}, "constant", 0.0);
}

namespace {

// torchvision's rotate for tensors: an inverse affine matrix mapped onto a normalised grid
// (_gen_affine_grid), then grid_sample (zeros padding, align_corners=False) and the fill mask, in the
// image's precision T so that values match torchvision's.
template <typename T>
void rotate_planes(const T* src, T* dst, int64_t planes, int64_t channels, int64_t h, int64_t w,
                   const std::array<double, 6>& matrix, bool bilinear, const std::vector<double>& fill) {
  const T half_w = T(0.5 * double(w)), half_h = T(0.5 * double(h));
  T rx[3], ry[3];  // theta.transpose(1, 2) / [0.5 w, 0.5 h]
  for (int k = 0; k < 3; ++k) {
    rx[k] = T(matrix[size_t(k)]) / half_w;
    ry[k] = T(matrix[size_t(3 + k)]) / half_h;
  }
  const int64_t area = h * w;
  for (int64_t oy = 0; oy < h; ++oy) {
    const T by = T(-double(h) * 0.5 + 0.5 + double(oy));
    for (int64_t ox = 0; ox < w; ++ox) {
      const T bx = T(-double(w) * 0.5 + 0.5 + double(ox));
      const T gx = bx * rx[0] + by * rx[1] + rx[2];
      const T gy = bx * ry[0] + by * ry[1] + ry[2];
      const T ix = (gx + T(1)) * half_w - T(0.5);
      const T iy = (gy + T(1)) * half_h - T(0.5);
      // Up to four taps (index, weight); the mask is their in-image weight, as a sampled channel of ones.
      int64_t tap_index[4];
      T tap_weight[4];
      int taps = 0;
      auto add_tap = [&](T x, T y, T weight) {
        if (x >= 0 && x < T(w) && y >= 0 && y < T(h)) {
          tap_index[taps] = int64_t(y) * w + int64_t(x);
          tap_weight[taps++] = weight;
        }
      };
      if (bilinear) {
        const T x_w = std::floor(ix), y_n = std::floor(iy);
        const T we = ix - x_w, ea = T(1) - we, no = iy - y_n, so = T(1) - no;
        add_tap(x_w, y_n, so * ea);
        add_tap(x_w + 1, y_n, so * we);
        add_tap(x_w, y_n + 1, no * ea);
        add_tap(x_w + 1, y_n + 1, no * we);
      } else {
        add_tap(std::nearbyint(ix), std::nearbyint(iy), T(1));
      }
      T mask = 0;
      for (int t = 0; t < taps; ++t) mask += tap_weight[t];
      for (int64_t p = 0; p < planes; ++p) {
        const T* plane = src + p * area;
        T value = 0;
        for (int t = 0; t < taps; ++t) value += plane[tap_index[t]] * tap_weight[t];
        if (!fill.empty()) {
          const T f = T(fill.size() == 1 ? fill[0] : fill[size_t(p % channels)]);
          if (bilinear) {
            value = value * mask + (T(1) - mask) * f;
          } else if (mask < T(0.5)) {
            value = f;
          }
        }
        dst[p * area + oy * w + ox] = value;
      }
    }
  }
}

}  // namespace

Tensor rotate(const Tensor& image, double angle, InterpolationMode interpolation, const std::vector<double>& fill,
              std::optional<std::array<double, 2>> center) {
  check_image("rotate", image, 2);
  EMBER_CHECK(std::isfinite(angle), "[rotate] expected a finite angle, got {}", angle);
  const int64_t channels = channels_of(image);
  EMBER_CHECK(fill.size() <= 1 || int64_t(fill.size()) == channels, "[rotate] the number of elements in fill "
              "does not match the number of channels of the image ({} != {}); pass one value or one per channel",
              fill.size(), channels);
  const int64_t h = image.size(-2), w = image.size(-1);
  // torchvision's _get_inverse_affine_matrix for a pure rotation by -angle about the (centred) center.
  const double rot = -angle * M_PI / 180.0;
  std::array<double, 6> matrix = {std::cos(rot), std::sin(rot), 0.0, -std::sin(rot), std::cos(rot), 0.0};
  if (center) {
    const double cx = (*center)[0] - double(w) * 0.5, cy = (*center)[1] - double(h) * 0.5;
    matrix[2] += matrix[0] * -cx + matrix[1] * -cy + cx;
    matrix[5] += matrix[3] * -cx + matrix[4] * -cy + cy;
  }
  const bool bilinear = interpolation == InterpolationMode::bilinear;
  const ScalarType work_dtype = image.dtype() == kDouble ? kDouble : kFloat;
  Tensor src = image.to(work_dtype).contiguous();
  Tensor out = empty(image.sizes(), work_dtype);
  const int64_t planes = h * w == 0 ? 0 : src.numel() / (h * w);
  if (work_dtype == kDouble) {
    rotate_planes<double>(src.data_ptr<double>(), out.data_ptr<double>(), planes, channels, h, w, matrix, bilinear,
                          fill);
  } else {
    rotate_planes<float>(src.data_ptr<float>(), out.data_ptr<float>(), planes, channels, h, w, matrix, bilinear,
                         fill);
  }
  if (image.dtype() == work_dtype) return out;
  // Integer images are rounded back, as torchvision's _cast_squeeze_out does.
  return (image.is_floating_point() ? out : out.round()).to(image.dtype());
}

}  // namespace functional

Normalize::Normalize(std::vector<double> mean, std::vector<double> std, bool inplace)
    : mean_(std::move(mean)), std_(std::move(std)), inplace_(inplace) {
  EMBER_CHECK(!mean_.empty() && !std_.empty(), "[Normalize] expected at least one mean and one std value, got {} "
              "and {}", mean_.size(), std_.size());
}

Tensor Normalize::operator()(const Tensor& image) const {
  return functional::normalize(image, mean_, std_, inplace_);
}

RandomCrop::RandomCrop(std::vector<int64_t> size, std::vector<int64_t> padding, bool pad_if_needed, double fill,
                       std::string padding_mode, std::optional<Generator> generator)
    : padding_(std::move(padding)),
      pad_if_needed_(pad_if_needed),
      fill_(fill),
      padding_mode_(std::move(padding_mode)),
      generator_(std::move(generator)) {
  EMBER_CHECK(size.size() == 1 || size.size() == 2, "[RandomCrop] size must be {{side}} or {{height, width}}, got "
              "{} values", size.size());
  size_ = {size[0], size.back()};
  EMBER_CHECK(size_[0] > 0 && size_[1] > 0, "[RandomCrop] expected a positive crop size, got {} x {}", size_[0],
              size_[1]);
  EMBER_CHECK(padding_.empty() || padding_.size() == 1 || padding_.size() == 2 || padding_.size() == 4,
              "[RandomCrop] padding must be 1, 2 or 4 values, got {}", padding_.size());
  EMBER_CHECK(padding_mode_ == "constant" || padding_mode_ == "edge" || padding_mode_ == "reflect",
              "[RandomCrop] padding_mode must be \"constant\", \"edge\" or \"reflect\", got \"{}\"", padding_mode_);
}

std::array<int64_t, 4> RandomCrop::get_params(const Tensor& image, std::array<int64_t, 2> output_size,
                                               Generator generator) {
  const int64_t h = image.size(-2), w = image.size(-1);
  const auto [th, tw] = output_size;
  EMBER_CHECK(h >= th && w >= tw, "[RandomCrop] required crop size ({}, {}) is larger than input image size "
              "({}, {}); pad the image (padding or pad_if_needed)", th, tw, h, w);
  if (h == th && w == tw) return {0, 0, h, w};
  const int64_t top = randint(0, h - th + 1, {1}, generator, kLong).item<int64_t>();
  const int64_t left = randint(0, w - tw + 1, {1}, generator, kLong).item<int64_t>();
  return {top, left, th, tw};
}

Tensor RandomCrop::operator()(const Tensor& image) const {
  Tensor img = image;
  if (!padding_.empty()) img = functional::pad(img, padding_, fill_, padding_mode_);
  if (pad_if_needed_ && img.size(-1) < size_[1]) {
    img = functional::pad(img, {size_[1] - img.size(-1), 0}, fill_, padding_mode_);
  }
  if (pad_if_needed_ && img.size(-2) < size_[0]) {
    img = functional::pad(img, {0, size_[0] - img.size(-2)}, fill_, padding_mode_);
  }
  const auto [top, left, height, width] = get_params(img, size_, detail::transform_generator(generator_));
  return functional::crop(img, top, left, height, width);
}

RandomHorizontalFlip::RandomHorizontalFlip(double p, std::optional<Generator> generator)
    : p_(p), generator_(std::move(generator)) {
  EMBER_CHECK(p_ >= 0 && p_ <= 1, "[RandomHorizontalFlip] p must be a probability in [0, 1], got {}", p_);
}

Tensor RandomHorizontalFlip::operator()(const Tensor& image) const {
  // torch.rand(1) < p compares in float32.
  const float draw = rand({1}, detail::transform_generator(generator_)).item<float>();
  return draw < float(p_) ? functional::hflip(image) : image;
}

namespace {
std::array<double, 2> symmetric_range(double degrees) {
  EMBER_CHECK(degrees >= 0, "[RandomRotation] if degrees is a single number, it must be positive, got {}; pass a "
              "range {{min, max}} instead", degrees);
  return {-degrees, degrees};
}
}  // namespace

RandomRotation::RandomRotation(double degrees, InterpolationMode interpolation, std::vector<double> fill,
                               std::optional<Generator> generator)
    : RandomRotation(symmetric_range(degrees), interpolation, std::move(fill), std::move(generator)) {}

RandomRotation::RandomRotation(std::array<double, 2> degrees, InterpolationMode interpolation,
                               std::vector<double> fill, std::optional<Generator> generator)
    : degrees_(degrees), interpolation_(interpolation), fill_(std::move(fill)), generator_(std::move(generator)) {
  EMBER_CHECK(degrees_[0] <= degrees_[1], "[RandomRotation] degrees must be a range {{min, max}} with min <= max, "
              "got {{{}, {}}}", degrees_[0], degrees_[1]);
}

double RandomRotation::get_params(std::array<double, 2> degrees, Generator generator) {
  return double(empty({1}, kFloat).uniform_(degrees[0], degrees[1], generator).item<float>());
}

Tensor RandomRotation::operator()(const Tensor& image) const {
  const double angle = get_params(degrees_, detail::transform_generator(generator_));
  return functional::rotate(image, angle, interpolation_, fill_);
}

Compose::Compose(std::vector<Transform> transforms) : transforms_(std::move(transforms)) {
  for (size_t i = 0; i < transforms_.size(); ++i) {
    EMBER_CHECK(bool(transforms_[i]), "[Compose] transform {} is empty; pass callables", i);
  }
}

Tensor Compose::operator()(const Tensor& image) const {
  Tensor out = image;
  for (const Transform& transform : transforms_) out = transform(out);
  return out;
}

}  // namespace ember::data::transforms
