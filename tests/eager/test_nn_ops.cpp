// Specification of the nn primitives: linear, batch/layer/group norm, dropout and embedding.
// Expected values from PyTorch 1.13 (scripts/golden/nn.py).
#include <cmath>

#include "helpers.h"

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::shape;
using ember::test::values;

namespace {


Tensor linear_x() { return make<double>({1.0, 2.0, 3.0, 4.0, 5.0, 6.0}, {2, 3}) * 0.5 - 1; }
Tensor linear_w() { return make<double>({0.1, -0.2, 0.3, 0.4, 0.5, -0.6}, {2, 3}); }
Tensor linear_b() { return make<double>({0.5, -1.0}, {2}); }

// (3, 2, 2): N = 3 samples, C = 2 channels, 2 positions.
Tensor bn_x() { return make<double>({1.0, 2.0, 0.5, -1.0, 3.0, -2.0, 1.5, 0.0, 0.0, 4.0, -0.5, 2.5}, {3, 2, 2}); }
Tensor bn_w() { return make<double>({1.5, -0.5}, {2}); }
Tensor bn_b() { return make<double>({0.25, 1.0}, {2}); }

Tensor ln_x() { return make<double>({1.0, 2.0, 4.0, -1.0, 0.5, 0.5, 3.0, 2.0, 10.0, -10.0, 0.0, 1.0}, {3, 4}); }

Tensor gn_x() {
  return make<double>({1.0, 2.0, 3.0, 0.0, -1.0, 2.0, 4.0, 4.5, 0.0, 0.5, 1.0, -2.0, 2.0, 2.0, 1.0, 3.0}, {2, 4, 2});
}

Tensor dropout_x() { return arange(1, 21, kFloat).reshape({4, 5}) / 4; }

}  // namespace

// ---------------------------------------------------------------------------------------------------
// linear

TEST_CASE("linear computes input @ weight.T + bias") {
  const Tensor x = linear_x();
  CHECK_VALUES(values(linear(x, linear_w(), linear_b())), {0.600000024, -1.5, 0.899999976, -1.05000007});
  CHECK_VALUES(values(linear(x, linear_w())), {0.100000009, -0.5, 0.400000006, -0.0500000715});
  const Tensor xd = x.to(kDouble);
  const Tensor yd = linear(xd, linear_w().to(kDouble), linear_b().to(kDouble));
  CHECK(yd.dtype() == kDouble);
  CHECK_VALUES(values(yd), {0.60000000521540642, -1.5000000149011612, 0.90000002086162567, -1.0500000417232513});
}

TEST_CASE("linear folds leading dims and reads non-contiguous input and weight") {
  const Tensor x = (arange(24, kFloat).reshape({2, 4, 3}) / 10).transpose(1, 2);  // (2, 3, 4)
  const Tensor w = make<double>({0.5, -1.0, 0.25, 1.5, 0.0, -0.5, 2.0, 1.0, 1.0, -0.75, 0.5, 0.125}, {4, 3}).t();
  const Tensor y = linear(x, w, make<double>({1.0, -2.0, 0.5}, {3}));
  CHECK(shape(y) == std::vector<int64_t>{2, 3, 3});
  CHECK_VALUES(values(y),
               {1.97500014, -0.950000048, 1.0625, 2.29999995, -0.900000095, 1.14999998, 2.625, -0.849999905, 1.23749995,
                5.875, -0.350000143, 2.11249995, 6.20000029, -0.299999952, 2.19999981, 6.5250001, -0.25, 2.2874999});
}

TEST_CASE("linear on a 1-D input, an empty batch and zero in_features") {
  const Tensor y = linear(make<double>({1.0, -1.0, 2.0}, {3}), linear_w(), linear_b());
  CHECK(shape(y) == std::vector<int64_t>{2});
  CHECK_VALUES(values(y), {1.4000001, -2.30000019});
  CHECK(shape(linear(zeros({0, 3}), linear_w(), linear_b())) == std::vector<int64_t>{0, 2});
  CHECK_VALUES(values(linear(zeros({2, 0}), zeros({3, 0}), make<double>({1, 2, 3}, {3}))), {1, 2, 3, 1, 2, 3});
  CHECK(shape(linear(ones({2, 3}), ones({3}))) == std::vector<int64_t>{2});  // a 1-D weight gives one output each
}

TEST_CASE("linear computes exactly on integer dtypes") {
  const Tensor y = linear(make<int64_t>({1, 2, 3, 4}, {2, 2}, kLong), make<int64_t>({1, 1, 2, -1}, {2, 2}, kLong),
                          make<int64_t>({10, 20}, {2}, kLong));
  CHECK(y.dtype() == kLong);
  CHECK(values(y) == std::vector<double>{13, 20, 17, 22});
}

TEST_CASE("linear's decomposition matches its kernel") {
  const OpDef* op = OpRegistry::instance().find("linear");
  REQUIRE(op != nullptr);
  CHECK(op->fusion == FusionClass::Extern);
  REQUIRE(bool(op->decomposition));
  OpCall call{{linear_x(), linear_w(), linear_b()}, {}};
  const Outputs decomposed = op->decomposition(*op, call);
  CHECK_VALUES(values(decomposed[0]), values(linear(linear_x(), linear_w(), linear_b())));
}

TEST_CASE("linear errors name the shapes and dtypes") {
  CHECK(contains(error_of([] {
                   linear(ones({4, 3}), ones({2, 4}));
                 }),
                 "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x2)"));
  CHECK(contains(error_of([] {
                   linear(ones({2, 4, 3}), ones({2, 4}));
                 }),
                 "mat1 and mat2 shapes cannot be multiplied (8x3 and 4x2)"));
  CHECK(contains(error_of([] {
                   linear(ones({4, 3}), ones({2, 3}), ones({3}));
                 }),
                 "The expanded size of the tensor (2) must match the existing size (3) at non-singleton dimension 1."));
  CHECK(contains(error_of([] {
                   linear(ones({4, 3}), ones({2, 3}, kDouble));
                 }),
                 "expected scalar type Float but found Double"));
  CHECK(contains(error_of([] {
                   linear(ones({4, 3}), ones({2, 3}), ones({2}, kDouble));
                 }),
                 "bias of scalar type Float"));
  CHECK(contains(error_of([] { linear(scalar_tensor(1.0), ones({2, 1})); }), "need to be at least 1D"));
  CHECK(contains(error_of([] { linear(ones({2, 3}), ones({2, 3, 1})); }), "3-D weight"));
}

// ---------------------------------------------------------------------------------------------------
// batch norm

TEST_CASE("batch_norm in training normalises with batch stats and updates running stats over two steps") {
  Tensor rm = zeros({2}), rv = ones({2});
  const Tensor y1 = batch_norm(bn_x(), bn_w(), bn_b(), rm, rv, true, 0.1, 1e-5);
  CHECK_VALUES(values(y1), {-0.00354599953, 0.75709182, 1, 1.63012385, 1.51772964, -2.28545952, 0.57991749, 1.21004128,
                            -0.764183819, 2.27836752, 1.42008257, 0.159834936});
  CHECK_VALUES(values(rm), {0.13333334, 0.0500000007});
  CHECK_VALUES(values(rv), {1.36666667, 1.06999993});
  const Tensor y2 = batch_norm(bn_x() * 2 + 1, bn_w(), bn_b(), rm, rv, true, 0.1, 1e-5);
  CHECK_VALUES(values(y2), {-0.00354626775, 0.757092237, 1, 1.63012552, 1.51773083, -2.2854619, 0.579916298, 1.21004176,
                            -0.764184833, 2.27836943, 1.42008364, 0.159832627});
  CHECK_VALUES(values(rm), {0.486666679, 0.245000005});
  CHECK_VALUES(values(rv), {3.09666681, 1.64300001});
}

TEST_CASE("batch_norm in evaluation uses the running stats and leaves them unchanged") {
  Tensor rm = make<double>({0.486666679, 0.245000005}, {2}), rv = make<double>({3.09666681, 1.64300001}, {2});
  const Tensor y = batch_norm(bn_x(), bn_w(), bn_b(), rm, rv, false, 0.1, 1e-5);
  CHECK_VALUES(values(y), {0.687565207, 1.53996491, 0.900530457, 1.48564529, 2.39236474, -1.86963415, 0.510453939,
                           1.09556878, -0.164834559, 3.24476457, 1.29060709, 0.120377332});
  CHECK_VALUES(values(rm), {0.486666679, 0.245000005});
  CHECK_VALUES(values(rv), {3.09666681, 1.64300001});
}

TEST_CASE("native_batch_norm returns the batch mean and inverse std in training, empty stats in evaluation") {
  auto [out, mean, invstd] = native_batch_norm(bn_x(), bn_w(), bn_b(), std::nullopt, std::nullopt, true, 0.1, 1e-5);
  CHECK_VALUES(values(mean), {1.33333337, 0.5});
  CHECK_VALUES(values(invstd), {0.50709188, 0.840165079});
  auto [out2, mean2, invstd2] = native_batch_norm(bn_x(), {}, {}, zeros({2}), ones({2}), false, 0.1, 1e-5);
  CHECK(shape(mean2) == std::vector<int64_t>{0});
  CHECK(shape(invstd2) == std::vector<int64_t>{0});
}

TEST_CASE("batch_norm on 2-D input, a non-contiguous 4-D input and a batch of one with positions") {
  const Tensor b2 = make<double>({1, 2, 3, 2, 0, 1, 4, 1, -1, 0, 1, 2}, {4, 3});
  CHECK_VALUES(values(batch_norm(b2, {}, {}, {}, {}, true, 0.1, 1e-5)),
               {-0.507091403, 1.41419947, 1.18321323, 0.169030428, -1.41419947, -0.169030428, 1.52127409, 0,
                -1.52127409, -1.18321323, 0, 0.507091403});
  // (2, 2, 2, 2) through a permute: (arange(16) reshaped, dims 0, 3, 1, 2) ** 1.5.
  const Tensor base = arange(16, kFloat).reshape({2, 2, 2, 2});
  const Tensor b4 = (base * base.sqrt()).permute({0, 3, 1, 2});
  REQUIRE(!b4.is_contiguous());
  Tensor rm = make<double>({0.5, -0.5}, {2}), rv = make<double>({2.0, 0.5}, {2});
  CHECK_VALUES(
      values(batch_norm(b4, {}, {}, rm, rv, true, 0.3, 1e-3)),
      {-1.22860658, -1.06858516, -0.775997698, -0.397110969, -1.28723323, -1.06715596, -0.753300965, -0.368341237,
       0.0515646376, 0.560487092, 1.12321806, 1.73503125, 0.0763990581, 0.573751032, 1.11864245, 1.70723772});
  CHECK_VALUES(values(rm), {6.86479902, 7.31299639});
  CHECK_VALUES(values(rv), {108.513855, 124.99192});
  const Tensor b1 = make<double>({1.0, 3.0, 4.0, 2.0, 2.0, -1.0}, {1, 2, 3});
  CHECK_VALUES(values(batch_norm(b1, {}, {}, {}, {}, true, 0.1, 1e-5)),
               {-1.3363018, 0.267260373, 1.06904149, 0.707105041, 0.707105041, -1.41421008});
}

TEST_CASE("batch_norm on an empty batch returns an empty result and keeps the running stats") {
  Tensor rm = make<double>({0.5, 1.5}, {2}), rv = make<double>({2.0, 3.0}, {2});
  const Tensor y = batch_norm(zeros({0, 2, 3}), {}, {}, rm, rv, true, 0.1, 1e-5);
  CHECK(shape(y) == std::vector<int64_t>{0, 2, 3});
  CHECK(values(rm) == std::vector<double>{0.5, 1.5});
  CHECK(values(rv) == std::vector<double>{2.0, 3.0});
}

TEST_CASE("batch_norm bumps the version of the running stats it updates") {
  Tensor rm = zeros({2}), rv = ones({2});
  const uint32_t before = rm.storage()->version();
  batch_norm(bn_x(), {}, {}, rm, rv, true, 0.1, 1e-5);
  CHECK(rm.storage()->version() > before);
}

TEST_CASE("batch_norm supports double and bfloat16 (with float parameters)") {
  Tensor rm = zeros({2}, kDouble), rv = ones({2}, kDouble);
  const Tensor y = batch_norm(bn_x().to(kDouble), bn_w().to(kDouble), bn_b().to(kDouble), rm, rv, true, 0.1, 1e-5);
  CHECK(y.dtype() == kDouble);
  CHECK(values(y)[1] == doctest::Approx(0.75709182).epsilon(1e-6));
  const Tensor yb = batch_norm(bn_x().to(kBFloat16), bn_w(), bn_b(), zeros({2}), ones({2}), true, 0.1, 1e-5);
  CHECK(yb.dtype() == kBFloat16);
  CHECK(values(yb)[1] == doctest::Approx(0.75709182).epsilon(1e-2));
}

TEST_CASE("batch_norm errors") {
  CHECK(contains(error_of([] {
                   batch_norm(ones({1, 3}), {}, {}, {}, {}, true, 0.1, 1e-5);
                 }),
                 "Expected more than 1 value per channel when training, got input size [1, 3]"));
  CHECK(contains(error_of([] {
                   batch_norm(ones({4, 3}), {}, {}, zeros({4}), ones({3}), true, 0.1, 1e-5);
                 }),
                 "running_mean should contain 3 elements not 4"));
  CHECK(contains(error_of([] {
                   batch_norm(ones({4, 3}), ones({2}), {}, {}, {}, true, 0.1, 1e-5);
                 }),
                 "weight should contain 3 elements not 2"));
  CHECK(contains(error_of([] {
                   batch_norm(ones({4, 3}), {}, {}, {}, {}, false, 0.1, 1e-5);
                 }),
                 "running_mean must be defined in evaluation mode"));
  CHECK(contains(error_of([] { batch_norm(ones({3}), {}, {}, {}, {}, true, 0.1, 1e-5); }), "at least 2 dims"));
  CHECK(contains(error_of([] {
                   batch_norm(ones({4, 3}, kLong), {}, {}, {}, {}, true, 0.1, 1e-5);
                 }),
                 "not implemented for 'Long'"));
  CHECK(contains(error_of([] {
                   batch_norm(ones({4, 3}), {}, {}, zeros({3}, kDouble), ones({3}), true, 0.1, 1e-5);
                 }),
                 "expected running_mean to have scalar type Float (the input's), but found Double"));
}

// ---------------------------------------------------------------------------------------------------
// layer norm

TEST_CASE("layer_norm normalises the trailing dims with an optional affine") {
  const Tensor w = make<double>({1.0, 0.5, -2.0, 1.5}, {4}), b = make<double>({0.0, 1.0, 0.5, -0.5}, {4});
  CHECK_VALUES(values(layer_norm(ln_x(), {4}, w, b)),
               {-0.277349651, 1.13867486, -2.27349687, -2.58012247, -0.942804933, 0.528597534, -2.32841444, 0.20710361,
                1.37628007, 0.276570737, 0.570578456, -0.341198444});
  CHECK_VALUES(values(layer_norm(ln_x(), {4})),
               {-0.277349651, 0.27734971, 1.38674843, -1.38674831, -0.942804933, -0.942804933, 1.41420722, 0.471402407,
                1.37628007, -1.44685853, -0.0352892317, 0.105867699});
  CHECK_VALUES(values(layer_norm(ln_x().reshape({1, 3, 4}), {3, 4}, {}, {}, 1e-3)),
               {-0.0193559378, 0.212915212, 0.677457511, -0.483898222, -0.13549152, -0.13549152, 0.445186377,
                0.212915212, 2.0710845, -2.57433867, -0.251627088, -0.0193559378});
}

TEST_CASE("layer_norm reads a non-contiguous input") {
  CHECK_VALUES(values(layer_norm(ln_x().t(), {3}, make<double>({2.0, 1.0, 0.5}, {3}))),
               {-1.29812562, -0.76360327, 0.706333041, 1.6858542, 0.561951399, -0.702439249, 1.9611578, 0.392231524,
                -0.686405301, -2.67260408, 1.06904149, 0.133630186});
}

TEST_CASE("native_layer_norm returns mean and rstd with the normalised dims kept") {
  auto [out, mean, rstd] = native_layer_norm(ln_x().reshape({3, 2, 2}), {2, 2}, {}, {}, 1e-5);
  CHECK(shape(mean) == std::vector<int64_t>{3, 1, 1});
  CHECK_VALUES(values(mean), {1.5, 1.5, 0.25});
  CHECK_VALUES(values(rstd), {0.554699361, 0.942804873, 0.141156927});
}

TEST_CASE("layer_norm keeps full precision on large offsets") {
  // PyTorch's float accumulation gives {-1.22475207, -1.6450882e-05, 1.22471917}; the exact values are
  // (-1, 0, 1) / sqrt(2/3 + 1e-5), which ember's double two-pass statistics reproduce.
  const double s = 1 / std::sqrt(2.0 / 3.0 + 1e-5);
  CHECK_VALUES(values(layer_norm(make<double>({1e4 + 1, 1e4 + 2, 1e4 + 3}, {1, 3}), {3})), {-s, 0, s});
}

TEST_CASE("layer_norm's decomposition matches its kernel") {
  const OpDef* op = OpRegistry::instance().find("native_layer_norm");
  REQUIRE(op != nullptr);
  REQUIRE(bool(op->decomposition));
  const Tensor w = make<double>({1.0, 0.5, -2.0, 1.5}, {4}), b = make<double>({0.0, 1.0, 0.5, -0.5}, {4});
  OpCall call{{ln_x(), w, b}, {DimVector{4}, 1e-5, int64_t(3)}};
  const Outputs d = op->decomposition(*op, call);
  auto [out, mean, rstd] = native_layer_norm(ln_x(), {4}, w, b, 1e-5);
  CHECK_VALUES(values(d[0]), values(out));
  CHECK_VALUES(values(d[1]), values(mean));
  CHECK_VALUES(values(d[2]), values(rstd));
}

TEST_CASE("layer_norm and group_norm on bfloat16 and on empty batches") {
  const Tensor ln = layer_norm(ln_x().to(kBFloat16), {4});
  CHECK(ln.dtype() == kBFloat16);
  const std::vector<double> ln_expected = {-0.27734375, 0.27734375, 1.390625, -1.390625, -0.9453125,  -0.9453125,
                                           1.40625,     0.46875,    1.375,    -1.4375,   -0.03515625, 0.10546875};
  for (size_t i = 0; i < ln_expected.size(); ++i) CHECK(values(ln)[i] == doctest::Approx(ln_expected[i]).epsilon(1e-2));
  const Tensor gn = group_norm(gn_x().to(kBFloat16), 2);
  CHECK(gn.dtype() == kBFloat16);
  CHECK(values(gn)[2] == doctest::Approx(1.34375).epsilon(1e-2));
  CHECK(shape(layer_norm(zeros({0, 3}), {3})) == std::vector<int64_t>{0, 3});
  CHECK(shape(group_norm(zeros({0, 4, 2}), 2)) == std::vector<int64_t>{0, 4, 2});
}

TEST_CASE("layer_norm errors") {
  CHECK(contains(error_of([] {
                   layer_norm(ones({4, 3}), {4});
                 }),
                 "Given normalized_shape=[4], expected input with shape [*, 4], but got input of size[4, 3]"));
  CHECK(contains(error_of([] {
                   layer_norm(ones({4, 3}), IntArrayRef{});
                 }),
                 "Expected normalized_shape to be at least 1-dimensional"));
  CHECK(contains(error_of([] {
                   layer_norm(ones({4, 3}), {3}, ones({4}));
                 }),
                 "Expected weight to be of same shape as normalized_shape, but got weight of shape [4] and "
                 "normalized_shape = [3]"));
  CHECK(contains(error_of([] {
                   layer_norm(ones({4, 3}), {3}, ones({3}, kDouble));
                 }),
                 "expected weight to have scalar type Float"));
  CHECK(contains(error_of([] { layer_norm(ones({4, 3}, kInt), {3}); }), "not implemented for 'Int'"));
}

// ---------------------------------------------------------------------------------------------------
// group norm

TEST_CASE("group_norm normalises groups of channels with a per-channel affine") {
  const Tensor w = make<double>({1.0, -1.0, 0.5, 2.0}, {4}), b = make<double>({0.0, 0.5, 1.0, -1.0}, {4});
  CHECK_VALUES(values(group_norm(gn_x(), 2, w, b)),
               {-0.447211802, 0.447211862, -0.841635525, 1.84163547, 0.219275683, 0.913252831, 0.503617048, 0.96626848,
                0.109763838, 0.548819184, -0.487874538, 2.14645767, 1, 1, -3.8283987, 1.8283987});
  CHECK_VALUES(
      values(group_norm(gn_x(), 1)),
      {-0.528024137, 0.0352016091, 0.598427355, -1.09124994, -1.65447569, 0.0352016091, 1.16165304, 1.44326591,
       -0.658425331, -0.307265192, 0.0438949801, -2.06306601, 0.746215343, 0.746215343, 0.0438949801, 1.44853568});
  CHECK_VALUES(values(group_norm(make<double>({1, 2, 3, 5, 2, 2, 0, 1}, {2, 4}), 2)),
               {-0.999979973, 0.999979973, -0.999994993, 0.999994993, 0, 0, -0.999979973, 0.999979973});
}

TEST_CASE("native_group_norm returns (N, groups) statistics and reads non-contiguous input") {
  const Tensor w = make<double>({1.0, -1.0, 0.5, 2.0}, {4}), b = make<double>({0.0, 0.5, 1.0, -1.0}, {4});
  auto [out, mean, rstd] = native_group_norm(gn_x(), 2, w, b, 1e-5);
  CHECK(shape(mean) == std::vector<int64_t>{2, 2});
  CHECK_VALUES(values(mean), {1.5, 2.375, -0.125, 2});
  CHECK_VALUES(values(rstd), {0.894423664, 0.462651432, 0.878110707, 1.41419935});
  const Tensor strided = gn_x().transpose(1, 2).contiguous().transpose(1, 2);
  REQUIRE(!strided.is_contiguous());
  CHECK(values(group_norm(strided, 2, w, b)) == values(out));
}

TEST_CASE("group_norm errors") {
  CHECK(contains(error_of([] {
                   group_norm(ones({2, 4, 3}), 3);
                 }),
                 "Expected number of channels in input to be divisible by num_groups, but got input of shape [2, 4, 3] "
                 "and num_groups=3"));
  CHECK(contains(error_of([] { group_norm(ones({2, 4, 3}), 0); }), "Expected num groups to be greater than 0, got 0"));
  CHECK(contains(error_of([] {
                   group_norm(ones({2, 4, 3}), 2, ones({3}));
                 }),
                 "Expected weight to be a vector of size equal to the number of channels in input, but got weight of "
                 "shape [3] and input of shape [2, 4, 3]"));
  CHECK(contains(error_of([] { group_norm(ones({4}), 2); }), "Expected at least 2 dimensions"));
}

// ---------------------------------------------------------------------------------------------------
// dropout

TEST_CASE("dropout after manual_seed equals PyTorch's F.dropout") {
  manual_seed(0);
  CHECK_VALUES(
      values(dropout(dropout_x(), 0.3, true)),
      {0,          0,          1.07142854, 0, 1.78571439, 0,          2.5,        2.85714293, 3.21428585, 3.57142878,
       3.92857146, 4.28571415, 4.64285707, 5, 5.35714293, 5.71428585, 6.07142878, 6.4285717,  6.78571463, 0});
  manual_seed(123);
  const Tensor yd = dropout(dropout_x().to(kDouble), 0.5, true);
  CHECK(yd.dtype() == kDouble);
  CHECK(values(yd) == std::vector<double>{0.5, 1, 0, 2, 2.5, 0, 0, 0, 0, 5, 0, 6, 6.5, 7, 7.5, 8, 0, 9, 0, 10});
}

TEST_CASE("dropout draws its mask in the result's row-major order for non-contiguous input") {
  manual_seed(5);
  CHECK_VALUES(values(dropout(dropout_x().t(), 0.4, true)),
               {0, 2.5,  4.58333302, 6.66666651, 0.833333313, 0,          5, 0,         0, 3.33333325, 5.41666651, 7.5,
                0, 3.75, 5.83333302, 7.91666651, 2.08333325,  4.16666651, 0, 8.33333302});
  manual_seed(5);
  const Tensor yb = dropout(dropout_x().to(kBFloat16), 0.25, true);
  CHECK(yb.dtype() == kBFloat16);
  CHECK(values(yb) == std::vector<double>{0.333984375, 0.66796875, 1,       1.3359375, 1.671875, 0,     2.34375,
                                          2.671875,    0,          3.34375, 3.671875,  4,        0,     4.6875,
                                          5,           5.34375,    5.6875,  6,         0,        6.6875});
}

TEST_CASE("dropout with an explicit generator leaves the default generator alone") {
  manual_seed(99);
  const double next_default = rand({1}).item<double>();
  manual_seed(99);
  Generator g(7);
  const Tensor y = dropout(dropout_x(), 0.5, true, g);
  CHECK_VALUES(values(y), {0.5, 1, 0, 0, 0, 0, 3.5, 0, 0, 0, 5.5, 6, 6.5, 7, 7.5, 0, 8.5, 0, 9.5, 0});
  CHECK(rand({1}).item<double>() == next_default);
}

TEST_CASE("dropout returns the input itself when inactive and zeroes everything at p = 1 without drawing") {
  const Tensor x = dropout_x();
  CHECK(dropout(x, 0.5, false).is_same(x));
  CHECK(dropout(x, 0.0, true).is_same(x));
  const Tensor empty_x = zeros({0, 3});
  CHECK(dropout(empty_x, 0.5, true).is_same(empty_x));
  manual_seed(3);
  const double next = rand({1}).item<double>();
  manual_seed(3);
  const Tensor with_nan = make<double>({1.0, NAN, -2.0}, {3});
  const std::vector<double> y = values(dropout(with_nan, 1.0, true));
  CHECK(y[0] == 0);
  CHECK(std::isnan(y[1]));  // NaN * 0, as PyTorch multiplies by zero
  CHECK(y[2] == 0);
  CHECK(rand({1}).item<double>() == next);
}

TEST_CASE("dropout_ scales in place with the same draws as dropout") {
  manual_seed(0);
  const Tensor expected = dropout(dropout_x(), 0.3, true);
  manual_seed(0);
  Tensor x = dropout_x();
  Tensor& r = dropout_(x, 0.3, true);
  CHECK(&r == &x);
  CHECK(values(x) == values(expected));
}

TEST_CASE("native_dropout returns the kept mask") {
  manual_seed(0);
  auto [y, mask] = native_dropout(dropout_x(), 0.3, true);
  CHECK(mask.dtype() == kBool);
  const std::vector<double> yv = values(y), mv = values(mask);
  for (size_t i = 0; i < yv.size(); ++i) CHECK(mv[i] == (yv[i] != 0 ? 1.0 : 0.0));
}

TEST_CASE("dropout errors") {
  CHECK(contains(error_of([] { dropout(ones({3}), 1.5, true); }),
                 "dropout probability has to be between 0 and 1, but got 1.5"));
  CHECK(contains(error_of([] { dropout(ones({3}), -0.1, false); }), "between 0 and 1, but got -0.1"));
  CHECK(contains(error_of([] { dropout(ones({3}, kLong), 0.5, true); }), "expected a floating point input"));
}

// ---------------------------------------------------------------------------------------------------
// embedding

TEST_CASE("embedding picks rows by int64 or int32 indices") {
  const Tensor w = make<double>({0.0, 0.1, 0.2, 1.0, 1.1, 1.2, 2.0, 2.1, 2.2, 3.0, 3.1, 3.2, 4.0, 4.1, 4.2}, {5, 3});
  const std::vector<double> expected = {0, 0.100000001, 0.200000003, 2, 2.0999999,  2.20000005,
                                        4, 4.0999999,   4.19999981,  1, 1.10000002, 1.20000005};
  const Tensor y = embedding(w, make<int64_t>({0, 2, 4, 1}, {2, 2}, kLong));
  CHECK(shape(y) == std::vector<int64_t>{2, 2, 3});
  CHECK_VALUES(values(y), expected);
  CHECK_VALUES(values(embedding(w, make<int64_t>({0, 2, 4, 1}, {2, 2}, kInt))), expected);
  CHECK_VALUES(values(embedding(w, make<int64_t>({0, 4, 2, 1}, {2, 2}, kLong).t())), expected);
}

TEST_CASE("embedding reads a non-contiguous table and empty indices") {
  const Tensor table = arange(15, kDouble).reshape({3, 5}).t();  // (5, 3) column-major
  CHECK(values(embedding(table, make<int64_t>({4, 0}, {2}, kLong))) == std::vector<double>{4, 9, 14, 0, 5, 10});
  CHECK(shape(embedding(table, zeros({0}, kLong))) == std::vector<int64_t>{0, 3});
  CHECK(values(embedding(table, make<int64_t>({1}, {1}, kLong), 1)) == std::vector<double>{1, 6, 11});
}

TEST_CASE("embedding errors name the index and the table size") {
  const Tensor w = ones({3, 2});
  CHECK(contains(error_of([&] {
                   embedding(w, make<int64_t>({1, 3}, {2}, kLong));
                 }),
                 "index 3 is out of range for an embedding table with 3 rows"));
  CHECK(contains(error_of([&] { embedding(w, make<int64_t>({-1}, {1}, kLong)); }), "index -1 is out of range"));
  CHECK(contains(error_of([&] { embedding(w, make<double>({1.0}, {1})); }),
                 "'indices' to have one of the following scalar types: Long, Int; but got Float"));
  CHECK(contains(error_of([] { embedding(ones({3}), make<int64_t>({1}, {1}, kLong)); }), "'weight' must be 2-D"));
  CHECK(contains(error_of([&] { embedding(w, make<int64_t>({1}, {1}, kLong), 5); }),
                 "padding_idx must be within num_embeddings"));
}
