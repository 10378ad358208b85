// Specification of max/avg/adaptive pooling in 1-D and 2-D: values and indices against PyTorch 1.13
// (scripts/golden/conv.py), window geometry, ceil mode, padding rules, NaN, dtypes and errors.
#include "helpers.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace ember;
using ember::test::contains;
using ember::test::pattern;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {



// max_pool2d k2 values: [1, 2, 2, 3] float32
const std::vector<double> kMaxK2 = {
    1.0, 0.5, 1.25, 1.0, 1.25, 0.25, 1.25, 0.75, 1.0, 1.25, 1.0, 0.5};
// max_pool2d k2 indices: [1, 2, 2, 3] int64
const std::vector<double> kMaxK2Indices = {
    7, 2, 4, 18, 15, 16, 7, 2, 10, 18, 21, 16};
// max_pool2d k32 s21 p11 d12 values: [1, 2, 3, 6] float32
const std::vector<double> kMaxGeometry = {
    1.0, 0.5, 1.0, 1.25, 0.25, 1.25, 1.0, 1.0, 1.25, 0.75, 1.25, 0.75, 0.0, 1.25, 0.75, 1.25, 1.0, -0.25, 1.25,
    0.75, 1.25, 1.0, 0.5, 1.0, 1.25, 1.25, 1.25, 1.0, 1.0, 1.0, 0.25, 1.25, 1.0, 0.0, 1.25, 0.0};
// max_pool2d k32 s21 p11 d12 indices: [1, 2, 3, 6] int64
const std::vector<double> kMaxGeometryIndices = {
    7, 2, 7, 4, 5, 4, 7, 18, 15, 10, 15, 10, 19, 26, 21, 26, 29, 22, 7, 2, 7, 10, 5, 10, 7, 18, 7, 10, 21, 10,
    19, 18, 21, 22, 29, 22};
// max_pool2d ceil values: [1, 2, 3, 4] float32
const std::vector<double> kMaxCeil = {
    -0.25, 0.5, 1.25, 0.25, -0.75, 1.0, 1.25, -0.25, 1.0, 1.25, 0.75, 1.0, 0.0, 0.75, -0.25, 0.5, -0.5, 1.25,
    1.0, 0.0, 1.25, 0.25, 1.0, 1.25};
// max_pool2d ceil indices: [1, 2, 3, 4] int64
const std::vector<double> kMaxCeilIndices = {
    0, 2, 4, 5, 6, 7, 15, 11, 18, 26, 21, 29, 0, 2, 3, 5, 6, 7, 10, 11, 18, 19, 21, 29};
// max_pool2d ceil k3s2: [1, 2, 2, 3] float32
const std::vector<double> kMaxCeilK3 = {
    1.0, 1.25, 1.25, 1.25, 1.25, 1.0, 1.25, 1.0, 1.0, 1.25, 1.0, 1.25};
// max_pool1d values: [2, 2, 4] float32
const std::vector<double> kMaxPool1d = {
    1.25, 1.25, 1.0, 0.0, 0.75, 0.5, 1.25, 1.25, 1.0, 1.0, 0.75, -0.25, 0.5, 1.25, 1.0, 1.0};
// max_pool1d indices: [2, 2, 4] int64
const std::vector<double> kMaxPool1dIndices = {
    1, 1, 4, 5, 0, 3, 5, 5, 1, 1, 4, 5, 0, 2, 5, 5};
// avg_pool2d k2: [1, 2, 2, 3] float32
const std::vector<double> kAvgK2 = {
    -0.3125, -0.25, 0.5, 0.0625, 0.125, -0.5, -0.0625, 0.0, 0.0625, 0.3125, -0.3125, -0.25};
// avg_pool2d k3 s2 p1: [1, 2, 3, 3] float32
const std::vector<double> kAvgPadded = {
    -0.138888896, -0.138888896, 0.055555556, 0.055555556, 0.111111112, -0.055555556, 0.111111112, 0.0833333358,
    -0.027777778, -0.027777778, 0.027777778, -0.0833333358, 0.222222224, 0.055555556, -0.111111112,
    0.222222224, -0.055555556, 0.138888896};
// avg_pool2d k3 s2 p1 exclude: [1, 2, 3, 3] float32
const std::vector<double> kAvgPaddedExclude = {
    -0.3125, -0.208333328, 0.0833333358, 0.0833333358, 0.111111112, -0.055555556, 0.25, 0.125, -0.0416666679,
    -0.0625, 0.0416666679, -0.125, 0.333333343, 0.055555556, -0.111111112, 0.5, -0.0833333358, 0.208333328};
// avg_pool2d ceil: [1, 3, 3] float32
const std::vector<double> kAvgCeil = {
    0.0, 0.75, 1.75, 3.75, 9.0, 11.0, 8.75, 19.0, 21.0};
// avg_pool2d ceil exclude: [1, 3, 3] float32
const std::vector<double> kAvgCeilExclude = {
    0.0, 1.5, 3.5, 7.5, 9.0, 11.0, 17.5, 19.0, 21.0};
// avg_pool2d ceil k3: [1, 3, 3] float32
const std::vector<double> kAvgCeilK3 = {
    1.11111116, 2.66666675, 1.66666663, 5.66666651, 10.0, 5.5, 4.16666651, 7.0, 3.75};
// avg_pool2d divisor: [1, 2, 2, 2] float32
const std::vector<double> kAvgDivisor = {
    -0.1875, 0.125, -0.3125, 0.0, 0.1875, -0.1875, 0.0625, -0.3125};
// avg_pool1d: [1, 2, 4] float32
const std::vector<double> kAvgPool1d = {
    0.375, 0.25, 0.0833333358, -0.5, 0.25, -0.333333343, 0.416666657, 0.75};
// adaptive_avg_pool2d 3x4: [1, 2, 3, 4] float32
const std::vector<double> kAdaptive3x4 = {
    -0.3125, 0.0625, 0.125, 0.5, 0.0833333358, 0.0, 0.291666657, -0.25, 0.25, -0.0625, 0.0, -0.3125, -0.0625,
    0.3125, -0.3125, 0.0625, 0.333333343, 0.25, 0.0833333358, 0.0, 0.5, -0.5, 0.25, -0.0625};
// adaptive_avg_pool2d 7x2: [1, 2, 7, 2] float32
const std::vector<double> kAdaptive7x2 = {
    -0.333333343, 0.333333343, -0.125, 0.0833333358, -0.166666672, 0.0416666679, -0.416666657, 0.25,
    -0.208333328, 0.0, 0.208333328, -0.0416666679, 0.416666657, 0.166666672, -0.0833333358, -0.333333343,
    0.125, -0.125, 0.0833333358, -0.166666672, -0.166666672, -0.416666657, 0.0416666679, -0.208333328, 0.0,
    0.208333328, -0.25, 0.416666657};
// adaptive_avg_pool1d 4: [2, 4] float32
const std::vector<double> kAdaptive1d = {
    -0.125, -0.25, -0.416666657, 0.375, -0.25, 0.0833333358, -0.0833333358, 0.25};

}  // namespace

TEST_CASE("max_pool2d takes the max of each window and its flat index within the plane") {
  auto [v, i] = max_pool2d_with_indices(pattern({1, 2, 5, 6}, 4), 2);
  CHECK(test::shape(v) == std::vector<int64_t>{1, 2, 2, 3});
  CHECK(i.dtype() == kLong);
  CHECK_VALUES(values(v), kMaxK2);
  CHECK(values(i) == kMaxK2Indices);
  CHECK_VALUES(values(max_pool2d(pattern({1, 2, 5, 6}, 4), 2)), kMaxK2);
}

TEST_CASE("max_pool2d takes stride, padding and dilation per dim") {
  auto [v, i] = max_pool2d_with_indices(pattern({1, 2, 5, 6}, 4), {3, 2}, {2, 1}, {1, 1}, {1, 2});
  CHECK(test::shape(v) == std::vector<int64_t>{1, 2, 3, 6});
  CHECK_VALUES(values(v), kMaxGeometry);
  CHECK(values(i) == kMaxGeometryIndices);
}

TEST_CASE("max_pool2d in ceil mode keeps partial windows that start inside the input") {
  auto [v, i] = max_pool2d_with_indices(pattern({1, 2, 5, 6}, 4), 2, 2, 1, 1, true);
  CHECK(test::shape(v) == std::vector<int64_t>{1, 2, 3, 4});
  CHECK_VALUES(values(v), kMaxCeil);
  CHECK(values(i) == kMaxCeilIndices);
  Tensor k3 = max_pool2d(pattern({1, 2, 5, 6}, 4), 3, 2, 0, 1, true);
  CHECK(test::shape(k3) == std::vector<int64_t>{1, 2, 2, 3});
  CHECK_VALUES(values(k3), kMaxCeilK3);
}

TEST_CASE("max_pool2d: NaN wins (the last one), ties keep the first, and padding never wins") {
  auto [v, i] = max_pool2d_with_indices(make<double>({1, NAN, 3, NAN, 2, 0}, {1, 1, 6}), {1, 6});
  CHECK(std::isnan(v.item<double>()));
  CHECK(i.item<int64_t>() == 3);
  auto [v2, i2] = max_pool2d_with_indices(full({1, 1, 4}, -INFINITY), {1, 3}, 1, {0, 1});
  CHECK(values(v2) == std::vector<double>(4, -INFINITY));
  CHECK(values(i2) == std::vector<double>{0, 0, 1, 2});
  auto [v3, i3] = max_pool2d_with_indices(make<double>({2, 2, 1, 2}, {1, 1, 4}), {1, 2}, 1);
  CHECK(values(v3) == std::vector<double>{2, 2, 2});
  CHECK(values(i3) == std::vector<double>{0, 1, 3});
  CHECK(values(max_pool2d(full({1, 1, 2, 2}, -5.0), 2, 2, 1)) == std::vector<double>(4, -5.0));
}

TEST_CASE("pooling accepts unbatched, empty-batch and non-contiguous inputs") {
  Tensor x = pattern({1, 2, 5, 6}, 4);
  auto [v, i] = max_pool2d_with_indices(x[0], 2);
  CHECK(test::shape(v) == std::vector<int64_t>{2, 2, 3});
  CHECK_VALUES(values(v), kMaxK2);
  CHECK(values(i) == kMaxK2Indices);
  CHECK(test::shape(max_pool2d(zeros({0, 2, 5, 6}), 2)) == std::vector<int64_t>{0, 2, 2, 3});
  CHECK(test::shape(avg_pool2d(zeros({0, 2, 5, 6}), 2)) == std::vector<int64_t>{0, 2, 2, 3});
  CHECK(test::shape(adaptive_avg_pool2d(zeros({0, 2, 5, 6}), {2, 2})) == std::vector<int64_t>{0, 2, 2, 2});
  Tensor transposed = x.transpose(2, 3).contiguous().transpose(2, 3);
  CHECK(!transposed.is_contiguous());
  CHECK_VALUES(values(max_pool2d(transposed, 2)), kMaxK2);
  CHECK_VALUES(values(avg_pool2d(transposed, 2)), kAvgK2);
  CHECK_VALUES(values(adaptive_avg_pool2d(transposed, {3, 4})), kAdaptive3x4);
  // Channels swapped in the view: the planes follow the view, not the memory.
  Tensor swapped = pattern({2, 1, 5, 6}, 4).transpose(0, 1);
  CHECK_VALUES(values(max_pool2d(swapped, 2)), kMaxK2);
}

TEST_CASE("max_pool2d works in double and bfloat16") {
  Tensor x = pattern({1, 2, 5, 6}, 4);
  CHECK_VALUES(values(max_pool2d(x.to(kDouble), 2)), kMaxK2);
  Tensor b = max_pool2d(x.to(kBFloat16), 2);
  CHECK(b.dtype() == kBFloat16);
  CHECK_VALUES(values(b), kMaxK2);
}

TEST_CASE("max_pool1d pools the last dim with flat indices") {
  auto [v, i] = max_pool1d_with_indices(pattern({2, 2, 7}, 3), 3, 2, 1);
  CHECK(test::shape(v) == std::vector<int64_t>{2, 2, 4});
  CHECK_VALUES(values(v), kMaxPool1d);
  CHECK(values(i) == kMaxPool1dIndices);
  Tensor unbatched = max_pool1d(pattern({2, 2, 7}, 3)[0], 3, 2, 1);
  CHECK(test::shape(unbatched) == std::vector<int64_t>{2, 4});
  CHECK_VALUES(values(unbatched), std::vector<double>(kMaxPool1d.begin(), kMaxPool1d.begin() + 8));
}

TEST_CASE("avg_pool2d averages each window, with or without the padding") {
  Tensor x = pattern({1, 2, 5, 6}, 4);
  CHECK_VALUES(values(avg_pool2d(x, 2)), kAvgK2);
  CHECK_VALUES(values(avg_pool2d(x, 3, 2, 1)), kAvgPadded);
  CHECK_VALUES(values(avg_pool2d(x, 3, 2, 1, false, false)), kAvgPaddedExclude);
  CHECK_VALUES(values(avg_pool2d(x, {2, 3}, {}, 0, false, true, 4)), kAvgDivisor);
  CHECK_VALUES(values(avg_pool2d(x.to(kDouble), 3, 2, 1)), kAvgPadded);
  CHECK_VALUES(values(avg_pool2d(x.to(kBFloat16), 2)), kAvgK2);
}

TEST_CASE("avg_pool2d in ceil mode counts only the window part over input and padding") {
  Tensor x = arange(25, kFloat).reshape({1, 5, 5});
  CHECK_VALUES(values(avg_pool2d(x, 2, 2, 1, true)), kAvgCeil);
  CHECK_VALUES(values(avg_pool2d(x, 2, 2, 1, true, false)), kAvgCeilExclude);
  CHECK_VALUES(values(avg_pool2d(arange(16, kFloat).reshape({1, 4, 4}), 3, 2, 1, true)), kAvgCeilK3);
}

TEST_CASE("avg_pool2d on int64 divides with truncation toward zero") {
  Tensor y = avg_pool2d(make<int64_t>({-7, 5, 3, -3}, {1, 1, 4}, kLong), {1, 3}, 1, {0, 1});
  CHECK(y.dtype() == kLong);
  CHECK(values(y) == std::vector<double>{0, 0, 1, 0});
  CHECK(values(avg_pool2d(make<int64_t>({-7, 5, 3, -3}, {1, 1, 4}, kLong), {1, 2}, {}, 0, false, true, -1)) ==
        std::vector<double>{2, 0});
}

TEST_CASE("avg_pool1d pools the last dim") {
  Tensor y = avg_pool1d(pattern({1, 2, 7}, 3), 3, 2, 1, false, false);
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 4});
  CHECK_VALUES(values(y), kAvgPool1d);
  CHECK_VALUES(values(avg_pool1d(pattern({1, 2, 7}, 3)[0], 3, 2, 1, false, false)), kAvgPool1d);
}

TEST_CASE("adaptive_avg_pool2d averages over PyTorch's start/end windows") {
  Tensor x = pattern({1, 2, 5, 6}, 4);
  Tensor y = adaptive_avg_pool2d(x, {3, 4});
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 3, 4});
  CHECK_VALUES(values(y), kAdaptive3x4);
  // More outputs than inputs: windows overlap.
  CHECK_VALUES(values(adaptive_avg_pool2d(x, {7, 2})), kAdaptive7x2);
  CHECK(values(adaptive_avg_pool2d(x, 1)) == values(x.mean({2, 3}, true)));
  CHECK(test::shape(adaptive_avg_pool2d(x, {0, 0})) == std::vector<int64_t>{1, 2, 0, 0});
  CHECK_VALUES(values(adaptive_avg_pool2d(x[0], {3, 4})), kAdaptive3x4);
  CHECK_VALUES(values(adaptive_avg_pool1d(pattern({2, 7}, 1), 4)), kAdaptive1d);
}

TEST_CASE("pooling results do not depend on the thread count") {
  const int threads = get_num_threads();
  Tensor x = pattern({3, 5, 33, 31}, 2);
  set_num_threads(1);
  const auto one = values(std::get<1>(max_pool2d_with_indices(x, 3, 2, 1)));
  const auto one_avg = values(avg_pool2d(x, 3, 2, 1));
  set_num_threads(3);
  const auto three = values(std::get<1>(max_pool2d_with_indices(x, 3, 2, 1)));
  const auto three_avg = values(avg_pool2d(x, 3, 2, 1));
  set_num_threads(threads);
  CHECK(one == three);
  CHECK(one_avg == three_avg);
}

TEST_CASE("max_pool2d errors") {
  CHECK(contains(error_of([] { max_pool2d(ones({1, 1, 3, 5, 5}), 2); }),
                 "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 1, 3, 5, 5]"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 0, 5, 5}), 2); }),
                 "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:[1, 0, 5, 5]"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 1, 9, 9}), 3, 1, 2); }),
                 "pad should be at most half of kernel size, but got pad=2 and kernel_size=3"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 1, 9, 9}), 3, 1, -1); }), "pad must be non-negative, but got pad: -1"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), 6); }),
                 "Given input size: (3x5x5). Calculated output size: (3x0x0). Output size is too small"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), 2, 0); }), "stride should be greater than zero, but got dH: 0 dW: 0"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), 0); }), "kernel size should be greater than zero, but got kH: 0 kW: 0"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), 2, 2, 0, 0); }),
                 "dilation should be greater than zero, but got dilationH: 0 dilationW: 0"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), {2, 2, 2}); }),
                 "max_pool2d: kernel_size must either be a single int, or a tuple of two ints"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}), 2, {1, 1, 1}); }),
                 "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}, kLong), 2); }), "\"max_pool2d\" not implemented for 'Long'"));
  CHECK(contains(error_of([] { max_pool2d(ones({1, 3, 5, 5}, kHalf), 2); }), "\"max_pool2d\" not implemented for 'Half'"));
}

TEST_CASE("avg_pool2d, adaptive_avg_pool2d and 1-D pool errors") {
  CHECK(contains(error_of([] { avg_pool2d(ones({1, 3, 5, 5}), 2, {}, 0, false, true, 0); }), "divisor must be not zero"));
  CHECK(contains(error_of([] { avg_pool2d(ones({1, 3, 5, 5}, kInt), 2); }), "\"avg_pool2d\" not implemented for 'Int'"));
  CHECK(contains(error_of([] { avg_pool2d(ones({5, 5}), 2); }), "Expected 3D or 4D (batch mode) tensor"));
  CHECK(contains(error_of([] { avg_pool2d(ones({1, 3, 5, 5}), 2, 2, 2); }),
                 "pad should be at most half of kernel size, but got pad=2 and kernel_size=2"));
  CHECK(contains(error_of([] { adaptive_avg_pool2d(ones({1, 3, 5, 5}), {3, 2, 1}); }),
                 "adaptive_avg_pool2d: output_size must be 2"));
  CHECK(contains(error_of([] { adaptive_avg_pool2d(ones({1, 3, 5, 5}), {-1, 2}); }),
                 "elements of output_size must be greater than or equal to 0 but received {-1, 2}"));
  CHECK(contains(error_of([] { adaptive_avg_pool2d(ones({1, 3, 0, 5}), 2); }),
                 "Expected input to have non-zero size for non-batch dimensions, but input has sizes [1, 3, 0, 5] with "
                 "dimension 2 being empty"));
  CHECK(contains(error_of([] { adaptive_avg_pool2d(ones({5, 5}), 2); }), "Expected 3D or 4D tensor, but got [5, 5]"));
  CHECK(contains(error_of([] { adaptive_avg_pool2d(ones({1, 3, 5, 5}, kLong), 2); }),
                 "\"adaptive_avg_pool2d\" not implemented for 'Long'"));
  CHECK(contains(error_of([] { max_pool1d(ones({5}), 2); }),
                 "max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:[5]"));
  CHECK(contains(error_of([] { max_pool1d(ones({1, 3, 5}), 0); }), "max_pool1d() kernel_size must be greater than zero, but got 0"));
  CHECK(contains(error_of([] { max_pool1d(ones({1, 3, 5}), 2, 0); }), "max_pool1d() stride must be greater than zero, but got 0"));
  CHECK(contains(error_of([] { max_pool1d(ones({1, 3, 5}), 2, 2, 2); }),
                 "max_pool1d() padding should be at most half of kernel size, but got padding=2 and kernel_size=2"));
  CHECK(contains(error_of([] { max_pool1d(ones({1, 3, 5}), 2, 2, 0, 0); }), "max_pool1d() dilation must be greater than zero, but got 0"));
  CHECK(contains(error_of([] { avg_pool1d(ones({1, 3, 5}), 6); }),
                 "Given input size: (3x1x5). Calculated output size: (3x1x0). Output size is too small"));
  CHECK(contains(error_of([] { avg_pool1d(ones({1, 3, 5, 5}), 2); }), "avg_pool1d: Expected 2D or 3D (batch mode) tensor"));
}

TEST_CASE("pooling ops are registered as extern ops") {
  test::check_registered({"max_pool2d", "max_pool2d_with_indices", "avg_pool2d", "adaptive_avg_pool2d"}, FusionClass::Extern);
}

TEST_CASE("pool geometry that would overflow int64 fails cleanly") {
  const int64_t huge = int64_t(1) << 62;
  CHECK(contains(error_of([&] { max_pool2d(ones({1, 1, 3, 3}), huge, 1, 0, 4); }), "overflows int64"));
  // A stride as large as int64 allows still gives the one window that starts in the input.
  const int64_t highest = std::numeric_limits<int64_t>::max();
  CHECK(test::shape(max_pool2d(ones({1, 1, 3, 3}), 2, highest, 0, 1, true)) == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(contains(error_of([&] { avg_pool2d(ones({1, 1, 3, 3}), huge); }), "Output size is too small"));
}
