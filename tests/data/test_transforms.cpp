// Image transforms: values equal torchvision's tensor math (scripts/golden/data.py computes it with torch ops).
#include <cmath>

#include "helpers.h"

using namespace ember;
using namespace ember::data;
using namespace ember::data::transforms;

namespace {
Tensor image_2x3x4() { return arange(24, kFloat).reshape({2, 3, 4}); }
Tensor square_2x4x4() { return arange(32, kFloat).reshape({2, 4, 4}); }
Tensor wide_2x3x5() { return arange(30, kFloat).reshape({2, 3, 5}); }

void check_close(const Tensor& actual, const std::vector<double>& expected, double tolerance) {
  const std::vector<double> v = test::values(actual);
  REQUIRE(v.size() == expected.size());
  for (size_t i = 0; i < v.size(); ++i) {
    INFO("element ", i);
    CHECK(std::abs(v[i] - expected[i]) <= tolerance);
  }
}
}  // namespace

TEST_CASE("Normalize subtracts the mean and divides by the std of each channel") {
  Tensor out = Normalize({1.0, 2.0}, {2.0, 0.5})(image_2x3x4());
  test::check_exact(out, {-0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0,
                          20.0, 22.0, 24.0, 26.0, 28.0, 30.0, 32.0, 34.0, 36.0, 38.0, 40.0, 42.0});
  CHECK(out.dtype() == kFloat);
}

TEST_CASE("Normalize leaves its input alone unless inplace, and one value serves every channel") {
  Tensor image = image_2x3x4();
  Normalize({1.0}, {2.0})(image);
  CHECK(image.index({0, 0, 0}).item<float>() == 0.0f);
  Normalize({1.0}, {2.0}, /*inplace=*/true)(image);
  CHECK(image.index({0, 0, 0}).item<float>() == -0.5f);
  CHECK(image.index({1, 2, 3}).item<float>() == 11.0f);
}

TEST_CASE("Normalize rejects integer images, zero std and a wrong number of channels") {
  CHECK(test::contains(test::error_of([] { Normalize({0.0}, {1.0})(arange(12).reshape({1, 3, 4})); }),
                       "input tensor should be a float tensor"));
  CHECK(test::contains(test::error_of([] { Normalize({0.0}, {0.0})(image_2x3x4()); }),
                       "std evaluated to zero"));
  CHECK(test::contains(test::error_of([] { Normalize({0.0, 1.0, 2.0}, {1.0})(image_2x3x4()); }),
                       "expected 2 or 1 mean values for an image of 2 channels, got 3"));
  CHECK(test::contains(test::error_of([] { Normalize({0.0}, {1.0})(zeros({3, 4})); }), "(..., C, H, W)"));
}

TEST_CASE("hflip mirrors the width") {
  test::check_exact(functional::hflip(image_2x3x4()),
                    {3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20});
}

TEST_CASE("RandomHorizontalFlip flips when rand(1) < p, drawing as torchvision does") {
  const std::vector<std::pair<uint64_t, std::vector<int>>> cases = {
      {0, {1, 0, 1, 1, 1, 0, 1, 0}}, {1, {0, 1, 1, 0, 1, 0, 1, 0}},
      {2, {0, 1, 0, 1, 0, 0, 1, 1}}, {3, {1, 1, 1, 1, 1, 1, 0, 0}}};
  const Tensor image = image_2x3x4();
  const Tensor flipped = functional::hflip(image);
  for (const auto& [seed, flips] : cases) {
    CAPTURE(seed);
    RandomHorizontalFlip flip(0.5, Generator(seed));
    for (int expected : flips) CHECK(flip(image).equal(expected ? flipped : image));
  }
  CHECK(RandomHorizontalFlip(0.0)(image).equal(image));
  CHECK(RandomHorizontalFlip(1.0)(image).equal(flipped));
}

TEST_CASE("crop takes the window at an offset and reads zeros outside the image") {
  Tensor padded = functional::pad(image_2x3x4(), {1});
  test::check_exact(functional::crop(padded, 2, 1, 3, 3), {4, 5, 6, 8, 9, 10, 0, 0, 0, 16, 17, 18, 20, 21, 22, 0, 0, 0});
  test::check_exact(functional::crop(image_2x3x4(), 1, 2, 3, 3), {6, 7, 0, 10, 11, 0, 0, 0, 0,
                                                                  18, 19, 0, 22, 23, 0, 0, 0, 0});
  test::check_exact(functional::crop(image_2x3x4(), -1, -1, 2, 2), {0, 0, 0, 0, 0, 0, 0, 12});
}

TEST_CASE("pad takes torchvision's (left/right, top/bottom) order and its reflect mode") {
  Tensor padded = functional::pad(image_2x3x4(), {1, 2}, 0, "reflect");
  CHECK(test::shape(padded) == std::vector<int64_t>{2, 7, 6});
  test::check_exact(functional::crop(padded, 0, 2, 2, 4), {9, 10, 11, 10, 5, 6, 7, 6, 21, 22, 23, 22, 17, 18, 19, 18});
  Tensor edge = functional::pad(arange(4, kFloat).reshape({2, 2}), {1, 0, 0, 0}, 0, "edge");
  test::check_exact(edge, {0, 0, 1, 2, 2, 3});
  CHECK(test::contains(test::error_of([] { functional::pad(zeros({2, 2}), {1, 2, 3}); }), "1, 2 or 4 values"));
  CHECK(test::contains(test::error_of([] { functional::pad(zeros({2, 2}), {1}, 0, "symmetric"); }),
                       "padding_mode must be"));
}

TEST_CASE("RandomCrop draws torchvision's offsets and crops the padded image there") {
  const std::vector<std::pair<uint64_t, std::array<int64_t, 2>>> cases = {{0, {2, 3}}, {1, {1, 3}}, {2, {0, 3}}};
  const Tensor padded = functional::pad(image_2x3x4(), {1});
  for (const auto& [seed, offset] : cases) {
    CAPTURE(seed);
    CHECK(RandomCrop::get_params(padded, {3, 3}, Generator(seed)) == std::array<int64_t, 4>{offset[0], offset[1], 3, 3});
    Tensor out = RandomCrop({3}, {1}, false, 0, "constant", Generator(seed))(image_2x3x4());
    CHECK(out.equal(functional::crop(padded, offset[0], offset[1], 3, 3)));
  }
}

TEST_CASE("RandomCrop of the whole image draws nothing, pad_if_needed grows small images, too large raises") {
  Generator generator(0);
  const Tensor state = generator.get_state();
  CHECK(RandomCrop({3, 4}, {}, false, 0, "constant", generator)(image_2x3x4()).equal(image_2x3x4()));
  CHECK(generator.get_state().equal(state));
  Tensor grown = RandomCrop({5, 6}, {}, true, -1, "constant", Generator(0))(image_2x3x4());
  CHECK(test::shape(grown) == std::vector<int64_t>{2, 5, 6});
  // torchvision pads both sides by the shortfall (to 7 x 8), then crops at offset (2, 0).
  test::check_exact(grown.index({0}), {-1, -1, 0,  1,  2,  3,  -1, -1, 4,  5,  6,  7,  -1, -1, 8,
                                       9,  10, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1});
  CHECK(test::contains(test::error_of([] { RandomCrop({4})(image_2x3x4()); }),
                       "required crop size (4, 4) is larger than input image size (3, 4)"));
}

TEST_CASE("rotate by 90 degrees turns the image counter-clockwise, nearest and bilinear alike") {
  const std::vector<double> expected = {3,  7,  11, 15, 2,  6,  10, 14, 1,  5,  9,  13, 0,  4,  8,  12,
                                        19, 23, 27, 31, 18, 22, 26, 30, 17, 21, 25, 29, 16, 20, 24, 28};
  test::check_exact(functional::rotate(square_2x4x4(), 90, InterpolationMode::nearest, {0.0}), expected);
  check_close(functional::rotate(square_2x4x4(), 90, InterpolationMode::bilinear, {0.0}), expected, 1e-5);
}

TEST_CASE("rotate fills what comes from outside the image with one value per channel") {
  test::check_exact(functional::rotate(wide_2x3x5(), -90, InterpolationMode::nearest, {7.0, -1.0}),
                    {7, 11, 6, 1, 7, 7, 12, 7, 2, 7, 7, 13, 8, 3, 7,
                     -1, 26, 21, 16, -1, -1, 27, 22, 17, -1, -1, 28, 23, 18, -1});
  check_close(functional::rotate(wide_2x3x5(), 90, InterpolationMode::bilinear, {7.0, -1.0}),
              {7, 3, 8, 13, 7, 7, 2, 7, 12, 7, 7, 1, 6, 11, 7, -1, 18, 23, 28, -1, -1, 17, 22, 27, -1, -1, 16, 21, 26, -1},
              1e-5);
  CHECK(test::contains(test::error_of([] { functional::rotate(wide_2x3x5(), 10, InterpolationMode::nearest, {1, 2, 3}); }),
                       "does not match the number of channels of the image (3 != 2)"));
}

TEST_CASE("rotate by 30 degrees samples torchvision's grid") {
  test::check_exact(functional::rotate(square_2x4x4(), 30, InterpolationMode::nearest, {0.0}),
                    {0, 2, 3, 0, 0, 5, 6, 11, 4, 9, 10, 15, 0, 12, 13, 0,
                     0, 18, 19, 0, 16, 21, 22, 27, 20, 25, 26, 31, 0, 28, 29, 0});
  check_close(functional::rotate(square_2x4x4(), 30, InterpolationMode::bilinear, {5.0, 5.0}),
              {2.938584, 1.888344, 4.48686,   4.128866,  1.718911,  4.584937,  7.450962, 9.530792,
               4.524519, 7.549038, 10.415063, 13.281089, 4.412015,  10.513139, 12.166968, 5.602297,
               6.192452, 16.357601, 20.48686, 7.382735,  17.71891,  20.584936, 23.450962, 24.000053,
               18.993778, 23.549038, 26.415066, 29.28109, 7.665884, 26.51314,  26.63623,  8.856167},
              1e-4);
}

TEST_CASE("RandomRotation draws torchvision's angles and rotates by them") {
  const std::vector<std::pair<uint64_t, std::vector<double>>> cases = {
      {0, {-0.22460460662841797, 16.093307495117188, -24.691354751586914}},
      {1, {15.45789623260498, -13.241347312927246, -5.815844535827637}}};
  for (const auto& [seed, angles] : cases) {
    CAPTURE(seed);
    Generator generator(seed);
    for (double angle : angles) CHECK(RandomRotation::get_params({-30, 30}, generator) == angle);
    RandomRotation rotation(30.0, InterpolationMode::bilinear, {0.0}, Generator(seed));
    for (double angle : angles) {
      CHECK(rotation(square_2x4x4())
                .equal(functional::rotate(square_2x4x4(), angle, InterpolationMode::bilinear, {0.0})));
    }
  }
  CHECK(test::contains(test::error_of([] { RandomRotation(-5.0); }), "must be positive"));
}

TEST_CASE("Compose applies its transforms in order") {
  Compose compose({Normalize({1.0}, {2.0}), functional::hflip, [](const Tensor& x) { return x * 2; }});
  const Tensor image = image_2x3x4();
  CHECK(compose(image).equal(functional::hflip(Normalize({1.0}, {2.0})(image)) * 2));
}

TEST_CASE("Random transforms without a generator follow manual_seed") {
  RandomCrop crop({2}, {1});
  manual_seed(3);
  Tensor first = crop(image_2x3x4());
  manual_seed(3);
  CHECK(crop(image_2x3x4()).equal(first));
}
