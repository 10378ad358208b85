// Specification of F.interpolate and the upsample ops (nearest, nearest-exact, linear, bilinear): values against
// PyTorch 1.13's index formulas (scripts/golden/conv.py), sizes from size or scale_factor, dtypes and errors.
#include "helpers.h"

#include <cmath>
#include <vector>

using namespace ember;
using ember::test::contains;
using ember::test::pattern;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {



// Float results within a few float roundings of PyTorch's (absolute, since values sit near zero).
void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double tolerance = 1e-6) {
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(actual[i] - expected[i]) <= tolerance);
  }
}

// nearest size 5x7: [1, 2, 5, 7] float32
const std::vector<double> kNearest5x7 = {
    0.0, 0.0, -1.0, -1.0, 0.75, 0.75, -0.25, 0.0, 0.0, -1.0, -1.0, 0.75, 0.75, -0.25, -1.25, -1.25, 0.5, 0.5,
    -0.5, -0.5, 1.25, -1.25, -1.25, 0.5, 0.5, -0.5, -0.5, 1.25, 0.25, 0.25, -0.75, -0.75, 1.0, 1.0, 0.0, -1.0,
    -1.0, 0.75, 0.75, -0.25, -0.25, -1.25, -1.0, -1.0, 0.75, 0.75, -0.25, -0.25, -1.25, 0.5, 0.5, -0.5, -0.5,
    1.25, 1.25, 0.25, 0.5, 0.5, -0.5, -0.5, 1.25, 1.25, 0.25, -0.75, -0.75, 1.0, 1.0, 0.0, 0.0, -1.0};
// nearest scale 1.7 0.6: [1, 2, 5, 2] float32
const std::vector<double> kNearestScale = {
    0.0, -1.0, 0.0, -1.0, -1.25, 0.5, -1.25, 0.5, 0.25, -0.75, -1.0, 0.75, -1.0, 0.75, 0.5, -0.5, 0.5, -0.5,
    -0.75, 1.0};
// nearest scale 1.7 recompute: [1, 2, 5, 6] float32
const std::vector<double> kNearestRecompute = {
    0.0, 0.0, -1.0, 0.75, 0.75, -0.25, 0.0, 0.0, -1.0, 0.75, 0.75, -0.25, -1.25, -1.25, 0.5, -0.5, -0.5, 1.25,
    -1.25, -1.25, 0.5, -0.5, -0.5, 1.25, 0.25, 0.25, -0.75, 1.0, 1.0, 0.0, -1.0, -1.0, 0.75, -0.25, -0.25,
    -1.25, -1.0, -1.0, 0.75, -0.25, -0.25, -1.25, 0.5, 0.5, -0.5, 1.25, 1.25, 0.25, 0.5, 0.5, -0.5, 1.25, 1.25,
    0.25, -0.75, -0.75, 1.0, 0.0, 0.0, -1.0};
// nearest-exact size 5x7: [1, 2, 5, 7] float32
const std::vector<double> kNearestExact5x7 = {
    0.0, 0.0, -1.0, 0.75, 0.75, -0.25, -0.25, 0.0, 0.0, -1.0, 0.75, 0.75, -0.25, -0.25, -1.25, -1.25, 0.5,
    -0.5, -0.5, 1.25, 1.25, 0.25, 0.25, -0.75, 1.0, 1.0, 0.0, 0.0, 0.25, 0.25, -0.75, 1.0, 1.0, 0.0, 0.0, -1.0,
    -1.0, 0.75, -0.25, -0.25, -1.25, -1.25, -1.0, -1.0, 0.75, -0.25, -0.25, -1.25, -1.25, 0.5, 0.5, -0.5, 1.25,
    1.25, 0.25, 0.25, -0.75, -0.75, 1.0, 0.0, 0.0, -1.0, -1.0, -0.75, -0.75, 1.0, 0.0, 0.0, -1.0, -1.0};
// nearest 1d size 7: [1, 2, 7] float32
const std::vector<double> kNearest1d = {
    -1.0, -1.0, 0.75, 0.75, -0.25, -0.25, -1.25, 0.5, 0.5, -0.5, -0.5, 1.25, 1.25, 0.25};
// nearest 1d scale 2.5: [1, 2, 10] float32
const std::vector<double> kNearest1dScale = {
    -1.0, -1.0, -1.0, 0.75, 0.75, -0.25, -0.25, -0.25, -1.25, -1.25, 0.5, 0.5, 0.5, -0.5, -0.5, 1.25, 1.25,
    1.25, 0.25, 0.25};
// bilinear size 5x7: [1, 2, 5, 7] float32
const std::vector<double> kBilinear5x7 = {
    0.0, -0.357142895, -0.928571463, -0.124999791, 0.678571343, 0.107142687, -0.25, -0.50000006, -0.464285702,
    -0.407142818, -0.074999921, 0.257142842, 0.314285755, 0.350000083, -1.24999988, -0.624999821, 0.375,
    -1.11758688e-07, -0.374999732, 0.625000298, 1.24999988, -0.349999875, -0.314285636, -0.257142931,
    0.0750000924, 0.407142967, 0.464285702, 0.499999881, 0.25, -0.107142895, -0.678571463, 0.125000209,
    0.928571343, 0.357142687, 0.0, -1.0, -0.374999911, 0.62500006, 0.249999881, -0.321428686, -0.892857313,
    -1.25, -0.399999946, -0.167857096, 0.203571409, 0.300000012, 0.278571367, -0.29285726, -0.649999976,
    0.49999994, 0.142857075, -0.428571373, 0.375000179, 1.17857122, 0.607142627, 0.249999925, -0.250000089,
    -0.0178571343, 0.353571534, 0.450000018, 0.428571224, -0.142857417, -0.500000119, -0.75, -0.124999911,
    0.87500006, 0.499999881, -0.0714286864, -0.642857313, -1.0};
// bilinear size 5x7 ac: [1, 2, 5, 7] float32
const std::vector<double> kBilinear5x7AlignCorners = {
    0.0, -0.5, -1.0, -0.125, 0.75, 0.25, -0.25, -0.625, -0.4375, -0.25, -0.0625, 0.125, 0.3125, 0.5, -1.25,
    -0.375, 0.5, 0.0, -0.5, 0.375, 1.25, -0.5, -0.3125, -0.125, 0.0625, 0.25, 0.4375, 0.625, 0.25, -0.25,
    -0.75, 0.125, 1.0, 0.5, 0.0, -1.0, -0.125, 0.75, 0.25, -0.25, -0.75, -1.25, -0.25, -0.0625, 0.125, 0.3125,
    0.5, 0.0, -0.5, 0.5, 0.0, -0.5, 0.375, 1.25, 0.75, 0.25, -0.125, 0.0625, 0.25, 0.4375, 0.625, 0.125,
    -0.375, -0.75, 0.125, 1.0, 0.5, 0.0, -0.5, -1.0};
// bilinear size 2x3: [1, 2, 2, 3] float32
const std::vector<double> kBilinear2x3 = {
    -0.364583343, -0.0937499255, 0.177083299, -0.177083343, 0.0937500596, 0.364583313, -0.447916657,
    0.28124997, -0.708333373, -0.260416687, 0.46874997, -0.520833433};
// bilinear scale 1.7 0.6: [1, 2, 5, 2] float32
const std::vector<double> kBilinearScale = {
    -0.333333313, 0.749999881, -0.460784346, 0.272058755, -0.656862795, -0.463235348, -0.340686232,
    0.338235348, -0.0833333135, 0.999999881, -0.416666687, -0.24999994, -0.193627447, 0.323529452, 0.149509877,
    1.20588231, -0.0196078755, 0.551470518, -0.166666701, 5.96046448e-08};
// bilinear double 4x9: [1, 2, 4, 9] float64
const std::vector<double> kBilinearDouble = {
    0.0, -0.16666666666666663, -0.611111111111111, -0.9027777777777781, -0.125, 0.6527777777777773,
    0.36111111111111116, -0.08333333333333304, -0.25, -0.78125, -0.6614583333333334, -0.34201388888888895,
    -0.060763888888888895, -0.046875, -0.03298611111111112, 0.24826388888888884, 0.5677083333333331, 0.6875,
    -0.6875, -0.5677083333333334, -0.24826388888888892, 0.032986111111111105, 0.046875, 0.060763888888888895,
    0.34201388888888884, 0.6614583333333331, 0.78125, 0.25, 0.08333333333333337, -0.36111111111111105,
    -0.6527777777777781, 0.125, 0.9027777777777773, 0.6111111111111112, 0.16666666666666696, 0.0, -1.0,
    -0.7083333333333334, 0.06944444444444431, 0.6944444444444446, 0.25, -0.1944444444444442,
    -0.6388888888888888, -1.083333333333333, -1.25, -0.0625, -0.057291666666666644, -0.04340277777777779,
    0.008680555555555414, 0.328125, 0.6475694444444444, 0.2986111111111111, -0.14583333333333304, -0.3125,
    0.03125, 0.036458333333333356, 0.05034722222222221, 0.10243055555555541, 0.421875, 0.7413194444444443,
    0.39236111111111116, -0.05208333333333304, -0.21875, -0.75, -0.45833333333333337, 0.3194444444444443,
    0.9444444444444446, 0.5, 0.0555555555555558, -0.38888888888888884, -0.833333333333333, -1.0};
// linear 1d size 7: [1, 2, 7] float32
const std::vector<double> kLinear1d = {
    -1.0, -0.374999911, 0.62500006, 0.249999881, -0.321428686, -0.892857313, -1.25, 0.5, 0.14285709,
    -0.428571463, 0.375000179, 1.17857134, 0.607142687, 0.25};
// linear 1d size 7 ac: [1, 2, 7] float32
const std::vector<double> kLinear1dAlignCorners = {
    -1.0, -0.125, 0.75, 0.25, -0.25, -0.75, -1.25, 0.5, 0.0, -0.5, 0.375, 1.25, 0.75, 0.25};

using Sizes = std::vector<int64_t>;
using Scales = std::vector<double>;

}  // namespace

TEST_CASE("nearest takes floor(dst * in / out) by size") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  Tensor y = interpolate(x, Sizes{5, 7});
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 5, 7});
  CHECK(values(y) == kNearest5x7);
  CHECK(values(upsample_nearest2d(x, {5, 7})) == kNearest5x7);
  CHECK(values(interpolate(pattern({1, 2, 4}, 1), Sizes{7})) == kNearest1d);
  CHECK(values(upsample_nearest1d(pattern({1, 2, 4}, 1), {7})) == kNearest1d);
}

TEST_CASE("nearest by scale_factor sizes the output floor(in * scale) and steps by 1 / scale") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  Tensor y = interpolate(x, std::nullopt, Scales{1.7, 0.6});
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 5, 2});
  CHECK(values(y) == kNearestScale);
  CHECK(values(upsample_nearest2d(x, {5, 2}, 1.7, 0.6)) == kNearestScale);
  Tensor y1 = interpolate(pattern({1, 2, 4}, 1), std::nullopt, Scales{2.5});
  CHECK(test::shape(y1) == std::vector<int64_t>{1, 2, 10});
  CHECK(values(y1) == kNearest1dScale);
  // recompute_scale_factor: the step is in / out of the computed size.
  Tensor r = interpolate(x, std::nullopt, Scales{1.7}, "nearest", std::nullopt, true);
  CHECK(test::shape(r) == std::vector<int64_t>{1, 2, 5, 6});
  CHECK(values(r) == kNearestRecompute);
}

TEST_CASE("nearest-exact rounds to the nearest source centre") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  CHECK(values(interpolate(x, Sizes{5, 7}, std::nullopt, "nearest-exact")) == kNearestExact5x7);
  CHECK(values(_upsample_nearest_exact2d(x, {5, 7})) == kNearestExact5x7);
}

TEST_CASE("bilinear with and without align_corners") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  check_close(values(interpolate(x, Sizes{5, 7}, std::nullopt, "bilinear")), kBilinear5x7);
  check_close(values(interpolate(x, Sizes{5, 7}, std::nullopt, "bilinear", true)), kBilinear5x7AlignCorners);
  check_close(values(upsample_bilinear2d(x, {5, 7}, true)), kBilinear5x7AlignCorners);
  check_close(values(interpolate(x, Sizes{2, 3}, std::nullopt, "bilinear")), kBilinear2x3);
  check_close(values(interpolate(x, std::nullopt, Scales{1.7, 0.6}, "bilinear")), kBilinearScale);
  Tensor d = interpolate(x.to(kDouble), Sizes{4, 9}, std::nullopt, "bilinear");
  CHECK(d.dtype() == kDouble);
  check_close(values(d), kBilinearDouble, 1e-12);
  Tensor b = interpolate(x.to(kBFloat16), Sizes{5, 7}, std::nullopt, "bilinear");
  CHECK(b.dtype() == kBFloat16);
  check_close(values(b), kBilinear5x7, 1e-2);
}

TEST_CASE("bilinear multiplies zero weights too, so infinities spread NaN as in PyTorch") {
  Tensor y = interpolate(make<double>({1, INFINITY, 2, 3}, {1, 1, 2, 2}), Sizes{3, 3}, std::nullopt, "bilinear");
  const auto v = values(y);
  CHECK(std::isnan(v[0]));
  CHECK(v[1] == INFINITY);
  CHECK(std::isnan(v[3]));
  check_close({v[6], v[7], v[8]}, {2.0, 2.5, 3.0});
}

TEST_CASE("linear resamples 3-D inputs") {
  Tensor x = pattern({1, 2, 4}, 1);
  check_close(values(interpolate(x, Sizes{7}, std::nullopt, "linear")), kLinear1d);
  check_close(values(interpolate(x, Sizes{7}, std::nullopt, "linear", true)), kLinear1dAlignCorners);
  check_close(values(upsample_linear1d(x, {7}, false)), kLinear1d);
}

TEST_CASE("area mode averages over adaptive pooling windows") {
  check_close(values(interpolate(pattern({1, 2, 3, 4}, 5), Sizes{2, 3}, std::nullopt, "area")),
              {-0.4375, -0.0625, 0.3125, -0.3125, 0.0625, 0.4375, -0.0625, 0.3125, 0.0, 0.0625, 0.4375, 0.125});
  Tensor y = interpolate(pattern({1, 2, 7}, 1), std::nullopt, Scales{0.5}, "area");
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 3});
  check_close(values(y), {-0.166666672, -0.333333343, 0.416666657, 0.166666672, 0.0, -0.166666672});
  CHECK(contains(error_of([] { interpolate(ones({1, 2, 3, 4}), Sizes{6, 8}, std::nullopt, "area", false); }),
                 "align_corners option can only be set with the interpolating modes"));
}

TEST_CASE("same-size resampling copies, and empty batches and non-contiguous inputs work") {
  Tensor x = pattern({2, 3, 4, 5}, 3);
  CHECK(values(interpolate(x, Sizes{4, 5})) == values(x));
  CHECK(values(interpolate(x, Sizes{4, 5}, std::nullopt, "bilinear")) == values(x));
  CHECK(test::shape(interpolate(zeros({0, 2, 3, 4}), Sizes{2, 8}, std::nullopt, "bilinear")) ==
        std::vector<int64_t>{0, 2, 2, 8});
  Tensor xi = pattern({1, 2, 3, 4}, 5);
  Tensor transposed = xi.transpose(2, 3).contiguous().transpose(2, 3);
  CHECK(values(interpolate(transposed, Sizes{5, 7})) == kNearest5x7);
  check_close(values(interpolate(transposed, Sizes{5, 7}, std::nullopt, "bilinear")), kBilinear5x7);
  // A single size applies to every spatial dim.
  CHECK(test::shape(interpolate(xi, Sizes{6})) == std::vector<int64_t>{1, 2, 6, 6});
  // Nearest is a copy, so integer tensors resample too.
  CHECK(values(interpolate(xi.mul(4).to(kLong), Sizes{5, 7})) == values(interpolate(xi.mul(4), Sizes{5, 7})));
}

TEST_CASE("interpolate errors") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 8}, Scales{2}); }),
                 "only one of size or scale_factor should be defined"));
  CHECK(contains(error_of([&] { interpolate(x); }), "either size or scale_factor should be defined"));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 8, 3}); }),
                 "Input and output must have the same number of spatial dimensions, but got input with spatial "
                 "dimensions of [3, 4] and output size of [6, 8, 3]"));
  CHECK(contains(error_of([&] { interpolate(x, std::nullopt, Scales{1, 2, 3}); }),
                 "Input and scale_factor must have the same number of spatial dimensions"));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 8}, std::nullopt, "nearest", true); }),
                 "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | "
                 "trilinear"));
  CHECK(contains(error_of([&] { interpolate(x[0], Sizes{6}, std::nullopt, "bilinear"); }),
                 "Got 3D input, but bilinear mode needs 4D input"));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 6}, std::nullopt, "linear"); }),
                 "Got 4D input, but linear mode needs 3D input"));
  CHECK(contains(error_of([&] { interpolate(x[0][0], Sizes{6}); }),
                 "Input Error: Only 3D, 4D and 5D input Tensors supported (got 2D)"));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 8}, std::nullopt, "bicubic"); }), "unknown mode 'bicubic'"));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{6, 8}, std::nullopt, "nearest", std::nullopt, true); }),
                 "recompute_scale_factor is not meaningful with an explicit size."));
  CHECK(contains(error_of([&] { interpolate(x, Sizes{0, 8}); }),
                 "Input and output sizes should be greater than 0, but got input (H: 3, W: 4) output (H: 0, W: 8)"));
  CHECK(contains(error_of([&] { interpolate(x, std::nullopt, Scales{-1.0}); }),
                 "Input and output sizes should be greater than 0, but got input (H: 3, W: 4) output (H: -3, W: -4)"));
  CHECK(contains(error_of([&] { interpolate(x.to(kLong), Sizes{6, 8}, std::nullopt, "bilinear"); }),
                 "not implemented for 'Long'"));
  CHECK(contains(error_of([] { interpolate(ones({1, 0, 3, 4}), Sizes{2, 8}); }),
                 "Non-empty 4D data tensor expected but got a tensor with sizes [1, 0, 3, 4]"));
  CHECK(contains(error_of([&] { upsample_nearest2d(x, {6}); }), "It is expected output_size equals to 2, but got size 1"));
  CHECK(contains(error_of([&] { upsample_nearest2d(x[0], {6, 8}); }), "It is expected input_size equals to 4, but got size 3"));
}

TEST_CASE("resampling ops are registered") {
  test::check_registered({"upsample_nearest1d", "upsample_nearest2d", "_upsample_nearest_exact1d",
                           "_upsample_nearest_exact2d", "upsample_linear1d", "upsample_bilinear2d"}, FusionClass::Extern);
}

TEST_CASE("scale factors that give no valid size fail cleanly") {
  Tensor x = pattern({1, 2, 3, 4}, 5);
  CHECK(contains(error_of([&] { interpolate(x, std::nullopt, Scales{NAN}); }), "not a valid size"));
  CHECK(contains(error_of([&] { interpolate(x, std::nullopt, Scales{1e300}); }), "not a valid size"));
}
