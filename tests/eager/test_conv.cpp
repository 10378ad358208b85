// Specification of conv1d/conv2d: values against PyTorch 1.13 (scripts/golden/conv.py), strides, padding
// (numbers, "same", "valid"), dilation, groups, bias, (un)batched and non-contiguous operands, dtypes, errors.
#include "helpers.h"

#include <vector>

using namespace ember;
using ember::test::contains;
using ember::test::pattern;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;
using indexing::Slice;

namespace {



// The same values as `t` in a layout with transposed strides along dims a and b.
Tensor strided_copy(const Tensor& t, int64_t a, int64_t b) { return t.transpose(a, b).contiguous().transpose(a, b); }

// conv2d basic bias: [2, 3, 2, 4] float32
const std::vector<double> kConv2dBasic = {
    -1.875, -0.6875, 4.625, -3.125, 0.625, -1.625, 4.375, -1.3125, 1.0, -3.0, -2.875, 1.375, 2.3125, -0.3125,
    -4.3125, 4.75, -0.5625, 8.125, -1.75, 2.125, -1.8125, 5.5, 1.8125, -1.875, 4.375, -1.3125, -0.8125, 1.0625,
    -0.6875, 4.625, -3.125, 4.25, -4.3125, 4.75, -2.6875, -3.25, -3.0, -2.875, 1.375, -4.0, 1.8125, -1.875,
    8.1875, 0.375, 8.125, -1.75, 2.125, 1.875};
// conv2d stride21 pad12 dil21: [2, 3, 1, 8] float32
const std::vector<double> kConv2dStridePadDilation = {
    0.0, -0.75, -2.1875, 0.875, 1.1875, -1.9375, -0.3125, 0.0, 0.0, -1.0, 2.6875, -2.75, -0.625, 2.875,
    -1.0625, 0.0, 0.0, -0.5625, -1.375, 4.625, -1.75, -1.9375, 3.0, 0.0, 0.0, -0.4375, 1.375, -0.375, -0.75,
    0.9375, -0.5, 0.0, 0.0, 2.5625, -2.375, 2.5, -1.5625, -0.8125, -0.75, 0.0, 0.0, -0.625, 3.5, -2.875, 1.75,
    -1.1875, -1.0, 0.0};
// conv2d groups2 bias pad1: [1, 6, 5, 4] float32
const std::vector<double> kConv2dGroups = {
    -4.5, -1.375, -0.9375, -3.0625, -3.625, 0.9375, -3.8125, -6.375, -1.4375, -3.625, -3.5625, -1.8125, -2.0,
    0.0625, -2.625, -3.4375, -1.25, -4.375, -4.75, 0.375, -0.5625, -2.9375, 0.0625, -0.75, -0.6875, -4.625,
    0.5625, -1.1875, -3.625, -2.4375, 0.0, -0.375, -4.5, 0.4375, 0.125, -3.0, -1.5625, 0.0625, -0.5, -3.625,
    0.625, 0.3125, -1.6875, 0.1875, 0.875, 0.8125, -4.0, 0.5625, 1.0625, -1.9375, -1.9375, 1.0625, 0.5625,
    -4.0, 0.8125, 0.875, 0.1875, -1.6875, 0.3125, 0.625, 1.5, -1.125, 1.5, 0.6875, -0.625, 0.4375, 2.125,
    2.4375, -0.75, 2.375, 2.0, -0.8125, -0.875, 2.25, 2.5625, -2.0, -1.5, 1.625, 2.0625, -0.0625, -0.625,
    4.375, -0.75, 1.75, 4.625, 0.0625, 1.375, 2.375, 0.75, 1.1875, 0.4375, 1.5625, 4.4375, -2.5, 0.1875,
    2.8125, 2.4375, 0.0625, 3.0625, 2.25, 2.75, 0.25, 5.25, 0.75, 0.25, 5.875, 2.0, 3.0, 4.3125, 2.0625,
    3.6875, 1.1875, 0.8125, 5.8125, -1.5, 1.4375, 3.625, 3.3125, 1.3125, 3.1875};
// conv2d depthwise stride2 pad1: [1, 3, 3, 3] float32
const std::vector<double> kConv2dDepthwise = {
    0.25, 3.0, -2.375, -0.875, -3.25, -0.5, 1.125, 0.375, 0.8125, 1.125, 1.375, 1.0, 1.0, 0.3125, -0.375, 0.0,
    -1.5, 0.8125, -2.6875, 0.625, -0.3125, 1.0, -0.3125, 0.625, -0.3125, -1.8125, 1.625};
// conv1d stride2 pad1 dil2 bias: [2, 2, 4] float32
const std::vector<double> kConv1d = {
    0.5, 0.3125, 0.4375, 1.8125, -1.1875, -2.5625, -2.6875, -2.5, 0.125, 0.625, 3.5, 1.0, -3.125, -2.875,
    -2.3125, 0.625};
// conv1d same even kernel: [1, 2, 6] float32
const std::vector<double> kConv1dSameEven = {
    -1.75, 5.0625, -2.1875, -1.875, 3.4375, -0.625, -1.6875, 5.0625, -2.125, -2.4375, 3.125, -0.875};
// conv1d same dil2 k2: [1, 2, 6] float32
const std::vector<double> kConv1dSameDilated = {
    0.5, 1.25, -2.8125, 0.6875, 1.4375, -0.375, -0.0625, -2.625, 1.0625, 0.625, -2.5625, 0.375};
// conv2d same k2x3: [1, 2, 3, 4] float32
const std::vector<double> kConv2dSame = {
    0.8125, 1.625, -0.75, 1.8125, 2.25, -0.3125, 2.125, 1.6875, 1.125, 0.1875, 2.75, 0.125, -1.0625, 1.5,
    1.4375, -0.875, 1.5, 1.25, -1.5625, -0.5625, 0.875, -1.0, -1.0625, 0.5};
// conv2d valid stride2: [1, 1, 2, 2] float32
const std::vector<double> kConv2dValid = {
    2.6875, -0.6875, -1.125, -1.75};
// conv2d 1x1: [2, 2, 2, 3] float32
const std::vector<double> kConv2d1x1 = {
    1.0, -1.6875, 0.4375, 1.1875, -1.5, 0.625, -0.375, 1.8125, 0.5625, -0.6875, 1.5, 0.25, -2.0, 0.8125,
    1.5625, -1.8125, 1.0, -1.6875, -0.1875, -0.0625, -1.3125, -0.5, -0.375, 1.8125};
// conv2d int64: [1, 2, 2, 2] int64
const std::vector<double> kConv2dLong = {
    35, 6, -8, -15, 11, 16, -18, 9};
// conv2d bfloat16: [1, 1, 2, 2] bfloat16
const std::vector<double> kConv2dBFloat16 = {
    1.0, 0.0, -1.3125, 0.4375};

const std::vector<double> kBasicBias = {0.5, -1.0, 2.0};

}  // namespace

TEST_CASE("conv2d matches PyTorch for a batch with bias and a non-square kernel") {
  Tensor y = conv2d(pattern({2, 2, 4, 5}), pattern({3, 2, 3, 2}, 3), make(kBasicBias, {3}));
  CHECK(test::shape(y) == std::vector<int64_t>{2, 3, 2, 4});
  CHECK(y.dtype() == kFloat);
  CHECK_VALUES(values(y), kConv2dBasic);
}

TEST_CASE("conv2d takes stride, padding and dilation per dim") {
  Tensor y = conv2d(pattern({2, 2, 4, 5}), pattern({3, 2, 3, 2}, 3), std::nullopt, {2, 1}, {1, 2}, {2, 1});
  CHECK(test::shape(y) == std::vector<int64_t>{2, 3, 1, 8});
  CHECK_VALUES(values(y), kConv2dStridePadDilation);
}

TEST_CASE("conv2d with groups convolves each channel group with its own filters") {
  Tensor bias = arange(6, kFloat) - 2.5;
  Tensor y = conv2d(pattern({1, 4, 4, 4}, 1), pattern({6, 2, 2, 3}, 2), bias, 1, 1, 1, 2);
  CHECK(test::shape(y) == std::vector<int64_t>{1, 6, 5, 4});
  CHECK_VALUES(values(y), kConv2dGroups);
  Tensor depthwise = conv2d(pattern({1, 3, 5, 5}, 5), pattern({3, 1, 3, 3}, 4), std::nullopt, 2, 1, 1, 3);
  CHECK(test::shape(depthwise) == std::vector<int64_t>{1, 3, 3, 3});
  CHECK_VALUES(values(depthwise), kConv2dDepthwise);
}

TEST_CASE("conv1d with stride, padding, dilation and bias") {
  Tensor y = conv1d(pattern({2, 3, 9}, 2), pattern({2, 3, 3}, 6), make<double>({1, -2}, {2}), 2, 1, 2);
  CHECK(test::shape(y) == std::vector<int64_t>{2, 2, 4});
  CHECK_VALUES(values(y), kConv1d);
}

TEST_CASE("padding 'same' keeps the size and pads an even kernel one more at the end") {
  Tensor y = conv1d(pattern({1, 2, 6}, 1), pattern({2, 2, 4}, 2), std::nullopt, 1, "same");
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 6});
  CHECK_VALUES(values(y), kConv1dSameEven);
  Tensor dilated = conv1d(pattern({1, 2, 6}, 1), pattern({2, 2, 2}, 2), std::nullopt, 1, "same", 2);
  CHECK_VALUES(values(dilated), kConv1dSameDilated);
  Tensor y2 = conv2d(pattern({1, 1, 3, 4}, 3), pattern({2, 1, 2, 3}, 1), make<double>({1, 0}, {2}), 1, "same");
  CHECK(test::shape(y2) == std::vector<int64_t>{1, 2, 3, 4});
  CHECK_VALUES(values(y2), kConv2dSame);
  // Odd kernels pad symmetrically: the same as the integer padding.
  Tensor x = pattern({1, 2, 5, 5});
  Tensor w = pattern({3, 2, 3, 3}, 1);
  CHECK(values(conv2d(x, w, std::nullopt, 1, std::string("same"))) == values(conv2d(x, w, std::nullopt, 1, 1)));
}

TEST_CASE("padding 'valid' is no padding") {
  Tensor x = pattern({1, 1, 5, 5}, 3), w = pattern({1, 1, 2, 2}, 1);
  Tensor y = conv2d(x, w, std::nullopt, 2, "valid");
  CHECK(test::shape(y) == std::vector<int64_t>{1, 1, 2, 2});
  CHECK_VALUES(values(y), kConv2dValid);
  CHECK(values(y) == values(conv2d(x, w, std::nullopt, 2, 0)));
  CHECK(values(y) == values(conv2d(x, w, std::nullopt, {2, 2}, {0, 0})));
}

TEST_CASE("unbatched inputs give the batched result without the batch dim") {
  Tensor x = pattern({2, 2, 4, 5}), w = pattern({3, 2, 3, 2}, 3), b = make(kBasicBias, {3});
  Tensor y = conv2d(x[1], w, b);
  CHECK(test::shape(y) == std::vector<int64_t>{3, 2, 4});
  CHECK_VALUES(values(y), std::vector<double>(kConv2dBasic.begin() + 24, kConv2dBasic.end()));
  Tensor y1 = conv1d(pattern({2, 3, 9}, 2)[0], pattern({2, 3, 3}, 6), make<double>({1, -2}, {2}), 2, 1, 2);
  CHECK(test::shape(y1) == std::vector<int64_t>{2, 4});
  CHECK_VALUES(values(y1), std::vector<double>(kConv1d.begin(), kConv1d.begin() + 8));
}

TEST_CASE("non-contiguous inputs, weights and biases give the same values") {
  Tensor x = pattern({2, 2, 4, 5}), w = pattern({3, 2, 3, 2}, 3);
  Tensor b = make(kBasicBias, {3});
  // Transposed layouts.
  Tensor xt = strided_copy(x, 2, 3), wt = strided_copy(w, 0, 1);
  CHECK(!xt.is_contiguous());
  CHECK(!wt.is_contiguous());
  CHECK_VALUES(values(conv2d(xt, wt, b)), kConv2dBasic);
  // A view that skips every other element, and a bias read with a stride.
  Tensor big = zeros({2, 2, 8, 10});
  Tensor every_other = big.index({Slice(), Slice(), Slice(indexing::None, indexing::None, 2),
                                  Slice(indexing::None, indexing::None, 2)});
  every_other.copy_(x);
  Tensor strided_bias = zeros({6});
  strided_bias.index({Slice(indexing::None, indexing::None, 2)}).copy_(b);
  CHECK_VALUES(values(conv2d(every_other, w, strided_bias.index({Slice(indexing::None, indexing::None, 2)}))),
               kConv2dBasic);
  // Channels-last input through the 1x1 path.
  Tensor x11 = pattern({2, 3, 2, 3}, 7);
  Tensor channels_last = x11.permute({0, 2, 3, 1}).contiguous().permute({0, 3, 1, 2});
  CHECK_VALUES(values(conv2d(channels_last, pattern({2, 3, 1, 1}, 8))), kConv2d1x1);
  CHECK_VALUES(values(conv2d(x11, pattern({2, 3, 1, 1}, 8))), kConv2d1x1);
}

TEST_CASE("batches of one and of zero") {
  Tensor w = pattern({3, 2, 3, 2}, 3), b = make(kBasicBias, {3});
  Tensor one = conv2d(pattern({2, 2, 4, 5}).narrow(0, 0, 1), w, b);
  CHECK(test::shape(one) == std::vector<int64_t>{1, 3, 2, 4});
  CHECK_VALUES(values(one), std::vector<double>(kConv2dBasic.begin(), kConv2dBasic.begin() + 24));
  Tensor none = conv2d(zeros({0, 2, 4, 5}), w, b);
  CHECK(test::shape(none) == std::vector<int64_t>{0, 3, 2, 4});
  CHECK(test::shape(conv1d(zeros({0, 3, 9}), pattern({2, 3, 3}), std::nullopt, 2)) == std::vector<int64_t>{0, 2, 4});
}

TEST_CASE("zero input channels leave the bias") {
  Tensor y = conv2d(ones({1, 0, 3, 3}), ones({2, 0, 2, 2}), make<double>({1.5, -2}, {2}));
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 2, 2});
  CHECK(values(y) == std::vector<double>{1.5, 1.5, 1.5, 1.5, -2, -2, -2, -2});
  CHECK(values(conv2d(ones({1, 0, 3, 3}), ones({2, 0, 2, 2}))) == std::vector<double>(8, 0.0));
}

TEST_CASE("conv2d computes in double, bfloat16 and integer dtypes") {
  Tensor yd = conv2d(pattern({2, 2, 4, 5}, 0, kDouble), pattern({3, 2, 3, 2}, 3, kDouble), make(kBasicBias, {3}, kDouble));
  CHECK(yd.dtype() == kDouble);
  CHECK_VALUES(values(yd), kConv2dBasic);
  Tensor yl = conv2d((pattern({1, 2, 3, 3}) * 4).to(kLong), (pattern({2, 2, 2, 2}, 1) * 4).to(kLong),
                     make<int64_t>({3, -4}, {2}, kLong));
  CHECK(yl.dtype() == kLong);
  CHECK(values(yl) == kConv2dLong);
  for (ScalarType dt : {kInt, kShort, kChar}) {
    CAPTURE(dt);
    CHECK(values(conv2d((pattern({1, 2, 3, 3}) * 4).to(dt), (pattern({2, 2, 2, 2}, 1) * 4).to(dt),
                        make<int64_t>({3, -4}, {2}, dt))) == kConv2dLong);
  }
  Tensor yb = conv2d(pattern({1, 1, 3, 3}, 0, kBFloat16), pattern({1, 1, 2, 2}, 1, kBFloat16));
  CHECK(yb.dtype() == kBFloat16);
  CHECK(values(yb) == kConv2dBFloat16);
}

TEST_CASE("results do not depend on the thread count") {
  const int threads = get_num_threads();
  Tensor x = pattern({5, 6, 17, 19}, 1), w = pattern({8, 3, 3, 3}, 2), b = pattern({8}, 3);
  set_num_threads(1);
  const std::vector<double> one = values(conv2d(x, w, b, 2, 1, 1, 2));
  const std::vector<double> one_long = values(conv2d((x * 4).to(kLong), (w * 4).to(kLong), std::nullopt, 1, 0, 1, 2));
  set_num_threads(3);
  const std::vector<double> three = values(conv2d(x, w, b, 2, 1, 1, 2));
  const std::vector<double> three_long = values(conv2d((x * 4).to(kLong), (w * 4).to(kLong), std::nullopt, 1, 0, 1, 2));
  set_num_threads(threads);
  CHECK(one == three);
  CHECK(one_long == three_long);
}

TEST_CASE("batches larger than the column buffer are computed in chunks with the same results") {
  // 16 channels * 3 * 3 * 64 * 64 floats = 2.4 MB of columns per image: 8 images take two chunks.
  Tensor x = pattern({8, 16, 64, 64}, 2), w = pattern({4, 16, 3, 3}, 5), b = pattern({4}, 1);
  Tensor all = conv2d(x, w, b, 1, 1);
  for (int64_t n : {0, 7}) {
    CAPTURE(n);
    CHECK(values(all[n]) == values(conv2d(x[n], w, b, 1, 1)));
  }
}

TEST_CASE("conv errors name the shapes involved, as PyTorch does") {
  CHECK(contains(error_of([] { conv2d(ones({2, 3}), ones({4, 3, 3, 3})); }),
                 "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [2, 3]"));
  CHECK(contains(error_of([] { conv1d(ones({5}), ones({4, 3, 2})); }),
                 "Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: [5]"));
  CHECK(contains(error_of([] { conv1d(ones({1, 3, 5}), ones({4, 3, 2, 2})); }),
                 "Expected 4-dimensional input for 4-dimensional weight [4, 3, 2, 2], but got 3-dimensional input of "
                 "size [1, 3, 5] instead"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3})); }),
                 "Expected 3-dimensional input for 3-dimensional weight [4, 3, 3], but got 4-dimensional input"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3})); }), "weight should have at least three dimensions"));
  CHECK(contains(error_of([] { conv2d(ones({1, 4, 5, 5}), ones({4, 3, 3, 3})); }),
                 "Given groups=1, weight of size [4, 3, 3, 3], expected input[1, 4, 5, 5] to have 3 channels, but got 4 "
                 "channels instead"));
  CHECK(contains(error_of([] { conv2d(ones({4, 5, 5}), ones({4, 3, 3, 3})); }),
                 "expected input[1, 4, 5, 5] to have 3 channels, but got 4 channels instead"));
  CHECK(contains(error_of([] { conv2d(ones({1, 6, 5, 5}), ones({3, 3, 3, 3}), std::nullopt, 1, 0, 1, 2); }),
                 "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of size [3, 3, 3, 3] "
                 "instead"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({0, 3, 3, 3})); }),
                 "Given groups=1, expected weight to be at least 1 at dimension 0, but got weight of size [0, 3, 3, 3]"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), ones({3})); }),
                 "Given weight of size [4, 3, 3, 3], expected bias to be 1-dimensional with 4 elements, but got bias of "
                 "size [3] instead"));
}

TEST_CASE("conv errors for kernels larger than the input and for bad geometry") {
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 2, 2}), ones({4, 3, 3, 3})); }),
                 "Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater "
                 "than actual input size"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 4, 4}), ones({4, 3, 3, 3}), std::nullopt, 1, 0, 2); }),
                 "Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5)."));
  CHECK(contains(error_of([] { conv1d(ones({1, 3, 1}), ones({4, 3, 2})); }),
                 "Calculated padded input size per channel: (1). Kernel size: (2)."));
  CHECK(values(conv2d(ones({1, 3, 2, 2}), ones({4, 3, 3, 3}), std::nullopt, 1, 1)) == std::vector<double>(16, 12.0));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 0, 3})); }), "kernel size should be greater than zero"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 0); }),
                 "non-positive stride is not supported"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, -1); }),
                 "negative padding is not supported"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, 0, 0); }),
                 "dilation should be greater than zero, but got [0, 0]"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, 0, 1, 0); }),
                 "non-positive groups is not supported"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, {1, 1, 1}); }),
                 "expected stride to be a single integer value or a list of 2 values to match the convolution "
                 "dimensions, but got stride=[1, 1, 1]"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, {1, 1, 1}); }),
                 "expected padding to be a single integer value or a list of 2 values"));
}

TEST_CASE("conv errors for padding strings and dtypes") {
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 2, "same"); }),
                 "padding='same' is not supported for strided convolutions"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, "foo"); }),
                 "Invalid padding string: 'foo'"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}, kDouble), ones({4, 3, 3, 3})); }),
                 "expected scalar type Double but found Float"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), ones({4}, kDouble)); }),
                 "Input type (float) and bias type (double) should be the same"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}, kHalf), ones({4, 3, 3, 3}, kHalf)); }),
                 "\"slow_conv2d_cpu\" not implemented for 'Half'"));
  CHECK(contains(error_of([] { conv2d(ones({1, 3, 5, 5}, kBool), ones({4, 3, 3, 3}, kBool)); }),
                 "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { convolution(ones({1, 3, 5, 5}), ones({4, 3, 3, 3}), std::nullopt, 1, 0, 1, true, 0, 1); }),
                 "transposed convolution is not implemented yet"));
}

TEST_CASE("convolution is a registered extern op with meta and a CPU kernel") {
  const OpDef* op = OpRegistry::instance().find("convolution");
  REQUIRE(op != nullptr);
  CHECK(op->fusion == FusionClass::Extern);
  CHECK(bool(op->meta));
  CHECK(bool(op->cpu));
}

TEST_CASE("conv geometry that would overflow int64 fails cleanly") {
  const int64_t huge = int64_t(1) << 62;
  CHECK(contains(error_of([&] { conv2d(ones({1, 1, 3, 3}), ones({1, 1, 2, 2}), std::nullopt, 1, huge); }),
                 "overflows int64"));
  CHECK(contains(error_of([&] { conv2d(ones({1, 1, 3, 3}), ones({1, 1, 2, 2}), std::nullopt, 1, 0, huge); }),
                 "Kernel size can't be greater than actual input size"));
  CHECK(contains(error_of([&] { conv2d(ones({1, 1, 3, 3}), ones({1, 1, 3, 3}), std::nullopt, 1, 0, huge); }),
                 "overflows int64"));
}
