// nn::functional against PyTorch 1.13: activations, losses with each reduction, conv/pool options, norms,
// padding and resampling, and gradients through them (values from scripts/golden/nn_functional.py).
#include "helpers.h"

using namespace ember;
using namespace ember::test;
namespace F = ember::nn::functional;

namespace {

Tensor activation_input() { return make<double>({-2.5, -1.0, -0.25, 0.0, 0.5, 1.5, 7.0}, {7}); }

}  // namespace

TEST_CASE("relu family with options") {
  const Tensor x = activation_input();
  CHECK_VALUES(values(F::relu(x)), {0, 0, 0, 0, 0.5, 1.5, 7});
  CHECK_VALUES(values(F::relu6(x)), {0, 0, 0, 0, 0.5, 1.5, 6});
  CHECK_VALUES(values(F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2))),
               {-0.5, -0.200000003, -0.0500000007, 0, 0.5, 1.5, 7});
  CHECK_VALUES(values(F::hardtanh(x, F::HardtanhFuncOptions().min_val(-0.5).max_val(2))),
               {-0.5, -0.5, -0.25, 0, 0.5, 1.5, 2});
  CHECK(
      contains(error_of([&] { F::hardtanh(x, F::HardtanhFuncOptions().min_val(1).max_val(0)); }), "max_val > min_val"));
}

TEST_CASE("exponential activations with options") {
  const Tensor x = activation_input();
  CHECK_VALUES(values(F::elu(x, F::ELUFuncOptions().alpha(0.5))),
               {-0.458957493, -0.316060275, -0.110599607, 0, 0.5, 1.5, 7});
  CHECK_VALUES(values(F::selu(x)), {-1.61378574, -1.11133075, -0.388890177, 0, 0.525350511, 1.57605147, 7.35490704});
  CHECK_VALUES(values(F::celu(x, F::CELUFuncOptions().alpha(2))),
               {-1.42699039, -0.786938667, -0.235006213, 0, 0.5, 1.5, 7});
  CHECK_VALUES(values(F::gelu(x)), {-0.0155241787, -0.158655286, -0.100323431, 0, 0.345731199, 1.39978909, 7});
  CHECK_VALUES(values(F::gelu(x, F::GELUFuncOptions().approximate("tanh"))),
               {-0.0150842965, -0.158807993, -0.100324646, 0, 0.345714003, 1.39957154, 7});
  CHECK_VALUES(values(F::silu(x)), {-0.189645454, -0.268941432, -0.109455876, 0, 0.311229676, 1.22636163, 6.99362278});
  CHECK_VALUES(values(F::mish(x)), {-0.196816191, -0.30340144, -0.129926965, 0, 0.375245243, 1.40337825, 6.99998856});
  CHECK_VALUES(values(F::logsigmoid(x)),
               {-2.57888985, -1.31326175, -0.825939417, -0.693147182, -0.474076986, -0.201413289, -0.000911466486});
  CHECK_VALUES(values(F::softplus(x, F::SoftplusFuncOptions().beta(2).threshold(3))),
               {0.00335767423, 0.0634640008, 0.237038493, 0.346573591, 0.656630814, 1.52429366, 7});
}

TEST_CASE("inplace(true) writes into the input and returns it") {
  Tensor x = activation_input();
  Tensor y = F::relu(x, true);
  CHECK(y.is_same(x));
  CHECK_VALUES(values(x), {0, 0, 0, 0, 0.5, 1.5, 7});
  Tensor z = activation_input();
  F::leaky_relu(z, F::LeakyReLUFuncOptions().negative_slope(0.2).inplace(true));
  CHECK_VALUES(values(z), {-0.5, -0.200000003, -0.0500000007, 0, 0.5, 1.5, 7});
  Tensor e = activation_input();
  F::elu(e, F::ELUFuncOptions().alpha(0.5).inplace(true));
  CHECK_VALUES(values(e), {-0.458957493, -0.316060275, -0.110599607, 0, 0.5, 1.5, 7});
}

TEST_CASE("glu halves the chosen dim and prelu scales negatives per channel") {
  const Tensor m = pattern({2, 4});
  CHECK_VALUES(values(F::glu(m)), {-0.471925855, 0.38864994, 0.182764649, -0.375});
  CHECK(shape(F::glu(m, 0)) == std::vector<int64_t>{1, 4});
  CHECK_VALUES(values(F::glu(m, 0)), {-0.702720642, 0.160410643, -0.365529299, 0.625});
  CHECK(contains(error_of([] { F::glu(pattern({3, 3})); }), "Halving dimension must be even"));
  const Tensor p = pattern({2, 3, 2}, 1);
  CHECK_VALUES(
      values(F::prelu(p, make<double>({0.1, 0.2, 0.3}, {3}))),
      {-0.100000001, 0.75, -0.0500000007, -0.25, 0.5, -0.150000006, 1.25, 0.25, -0.150000006, 1, 0, -0.300000012});
  CHECK_VALUES(values(F::prelu(p, make<double>({0.25}, {1}))),
               {-0.25, 0.75, -0.0625, -0.3125, 0.5, -0.125, 1.25, 0.25, -0.1875, 1, 0, -0.25});
  CHECK(contains(error_of([&] { F::prelu(p, make<double>({0.1, 0.2}, {2})); }), "Mismatch of parameter numbers"));
}

TEST_CASE("softmax, log_softmax, softmin and normalize take their dim from the options") {
  const Tensor s = pattern({2, 3}, 2);
  CHECK_VALUES(values(F::softmax(s, F::SoftmaxFuncOptions(1))),
               {0.112719201, 0.648654222, 0.238626555, 0.112719201, 0.648654222, 0.238626555});
  CHECK_VALUES(values(F::log_softmax(s, 0)),
               {-0.575939417, -0.575939417, -0.575939417, -0.825939417, -0.825939417, -0.825939417});
  CHECK_VALUES(values(F::softmin(s, 1)), {0.607481539, 0.10556446, 0.286953956, 0.607481539, 0.10556446, 0.286953956});
  Tensor as_double = F::softmax(s, F::SoftmaxFuncOptions(1).dtype(kDouble));
  CHECK(as_double.dtype() == kDouble);
  CHECK_VALUES(values(as_double), {0.11271920470830457, 0.64865423705164726, 0.23862655824004828, 0.11271920470830457,
                                   0.64865423705164726, 0.23862655824004828});
  CHECK_VALUES(values(F::normalize(s, F::NormalizeFuncOptions().p(1).dim(0))),
               {-0.428571433, 0.571428597, 0, -0.571428597, 0.428571433, -1});
  CHECK_VALUES(values(F::normalize(s)), {-0.600000024, 0.800000012, 0, -0.784464538, 0.588348389, -0.196116135});
}

TEST_CASE("dropout zeroes and rescales while training and is the identity otherwise") {
  const Tensor x = ones({1000});
  manual_seed(0);
  const Tensor y = F::dropout(x, F::DropoutFuncOptions().p(0.25));
  const std::vector<double> v = values(y);
  int64_t kept = 0;
  for (double e : v) {
    CHECK((e == 0 || float(e) == float(1 / 0.75)));
    kept += e != 0;
  }
  CHECK(kept > 700);
  CHECK(kept < 800);
  CHECK(F::dropout(x, F::DropoutFuncOptions().training(false)).is_same(x));
  Tensor z = ones({4});
  F::dropout(z, F::DropoutFuncOptions().p(1).inplace(true));
  check_exact(z, {0, 0, 0, 0});
  CHECK(contains(error_of([&] { F::dropout(x, F::DropoutFuncOptions().p(1.5)); }), "between 0 and 1"));
}

TEST_CASE("linear with and without bias") {
  const Tensor s = pattern({2, 3}, 2), w = pattern({2, 3}, 3);
  CHECK_VALUES(values(F::linear(s, w, make<double>({0.5, -1.0}, {2}))), {2.125, 0.5625, 1.875, 0.5});
  CHECK_VALUES(values(F::linear(s, w)), {1.625, 1.5625, 1.375, 1.5});
}

TEST_CASE("embedding: padding_idx from the end and max_norm renormalising the looked-up rows") {
  const Tensor weight = pattern({4, 3}, 4);
  const Tensor idx = make<int64_t>({0, 2, 3, 2}, {2, 2}, kLong);
  CHECK_VALUES(values(F::embedding(idx, weight, F::EmbeddingFuncOptions().padding_idx(-1))),
               {-0.25, -1.25, 0.5, -0.75, 1, 0, -1, 0.75, -0.25, -0.75, 1, 0});
  Tensor renormed = weight.clone();
  CHECK_VALUES(values(F::embedding(idx, renormed, F::EmbeddingFuncOptions().max_norm(1.0))),
               {-0.182574168, -0.912870824, 0.365148336, -0.599999964, 0.799999952, 0, -0.784464478, 0.588348389,
                -0.19611612, -0.599999964, 0.799999952, 0});
  CHECK_VALUES(values(renormed), {-0.182574168, -0.912870824, 0.365148336, -0.5, 1.25, 0.25, -0.599999964, 0.799999952,
                                  0, -0.784464478, 0.588348389, -0.19611612});
  CHECK(contains(error_of([&] { F::embedding(idx, weight, F::EmbeddingFuncOptions().padding_idx(4)); }),
                 "padding_idx must be within num_embeddings"));
}

TEST_CASE("conv1d and conv2d take stride, padding, dilation, groups and bias from the options") {
  const Tensor x1 = pattern({1, 2, 7}, 5), w1 = pattern({4, 1, 3}, 6);
  CHECK_VALUES(values(F::conv1d(x1, w1,
                                F::Conv1dFuncOptions()
                                    .bias(make<double>({0.1, 0.2, 0.3, 0.4}, {4}))
                                    .stride(2)
                                    .padding(1)
                                    .dilation(2)
                                    .groups(2))),
               {0.600000024, 0.537500024, -0.337500006, 1.01250005, 0.824999988, -0.300000012, 0.487500012, -1.51250005,
                1.29999995, 0.962499976, 1.27499998, -1.35000002});
  const Tensor x2 = pattern({1, 2, 4, 5}, 7), w2 = pattern({3, 2, 2, 3}, 8);
  CHECK_VALUES(values(F::conv2d(x2, w2, F::Conv2dFuncOptions().padding("same"))),
               {-1.875, 1.0625,  -1.75,   1.625,   0.8125,  -0.875,  1.4375, 2.0625,  -2.8125, 2.375,  -0.5625, -3,
                1.0625, -1.75,   0.5,     -1.75,   -1.4375, 3.625,   -1.625, -0.6875, 0.5,     -1.75,  0.5625,  -1.25,
                1.0625, -1.8125, -1.1875, 1.8125,  2.0625,  -2.0625, 2.75,   -0.625,  -1.75,   0.5625, -1.0625, 2.6875,
                -1.75,  -1.6875, 3.1875,  -1.4375, 2.875,   -1.125,  -1.25,  -0.6875, -0.0625, 0.6875, -0.375,  -2.5625,
                2.8125, 1.0625,  -2.1875, 5.1875,  -1.125,  -1.25,   -1.25,  -1.125,  3.4375,  -1.5,   -1.625,  2.625});
  const Tensor strided = F::conv2d(x2, w2, F::Conv2dFuncOptions().stride({2, 1}).padding({1, 0}));
  CHECK(shape(strided) == std::vector<int64_t>{1, 3, 3, 3});
  CHECK_VALUES(values(strided), {3.6875,  -1.4375, 1,       1.4375,  2.0625,  -2.8125, -1.4375, 3.625,   -1.625,
                                 -1.375,  3.625,   -1.6875, -1.1875, 1.8125,  2.0625,  -1.75,   -1.6875, 3.1875,
                                 -0.9375, -0.9375, 1.125,   -0.375,  -2.5625, 2.8125,  3.4375,  -1.5,    -1.625});
  CHECK(contains(error_of([&] { F::conv2d(x2, w2, F::Conv2dFuncOptions().stride({2, 1, 1})); }), "Expected 2 values"));
}

TEST_CASE("max pooling options: stride, padding, ceil_mode and indices") {
  const Tensor x2 = pattern({1, 2, 4, 5}, 7);
  CHECK_VALUES(values(F::max_pool2d(x2, F::MaxPool2dFuncOptions(2).stride(1).padding(1))),
               {0.5,   0.5,   1.25, 1.25,  0.25, -0.75, 1,    1,    1.25, 1.25,  0.75, -0.25, 1,    1,    0.5,
                1.25,  1.25,  0.25, -0.75, 1,    1,     1.25, 1.25, 0.75, -0.75, 1,    1,     0,    0.75, 0.75,
                -0.25, -0.25, 0.5,  0.5,   1.25, 1.25,  0.25, 0.25, 1,    1,     1.25, 1.25,  0.75, 0.75, 1,
                1,     0.5,   -0.5, 1.25,  1.25, 0.25,  1,    1,    0,    1.25,  1.25, 0.25,  1,    1,    0});
  auto [out, indices] = F::max_pool2d_with_indices(x2, F::MaxPool2dFuncOptions({2, 3}).ceil_mode(true));
  CHECK_VALUES(values(out), {1.25, 0.75, 1, 1.25, 1, 1.25, 1.25, 1});
  check_exact(indices, {2, 8, 16, 13, 7, 4, 15, 18});
  const Tensor x1 = pattern({1, 2, 7}, 5);
  CHECK_VALUES(values(F::max_pool1d(x1, F::MaxPool1dFuncOptions(3).stride(2))), {0.75, 0.75, 0.5, 1.25, 1, 0.75});
}

TEST_CASE("average pooling options: count_include_pad, divisor_override and adaptive sizes") {
  const Tensor x2 = pattern({1, 2, 4, 5}, 7);
  CHECK_VALUES(
      values(F::avg_pool2d(x2, F::AvgPool2dFuncOptions(3).stride(2).padding(1).count_include_pad(false))),
      {0.25, 0.125, 0, 0.0833333358, 0.111111112, 0.291666657, -0.5, -0.166666672, -0.0625, 0.25, -0.027777778, 0});
  CHECK_VALUES(
      values(F::avg_pool2d(x2, F::AvgPool2dFuncOptions(2).divisor_override(3))),
      {0.333333343, 0.416666657, -0.166666672, -0.0833333358, -0.666666687, 0.333333343, 0.666666687, -0.166666672});
  const Tensor adaptive = F::adaptive_avg_pool2d(x2, F::AdaptiveAvgPool2dFuncOptions({3, std::nullopt}));
  CHECK(shape(adaptive) == std::vector<int64_t>{1, 2, 3, 5});
  CHECK_VALUES(values(adaptive),
               {0.75, -0.25, 0.125, 0.5,   -0.5,  -0.125, 0.25, -0.75,  1,    0,     -1, 0.75, -0.25, 0.125, 0.5,
                0,    -1,    0.75,  -0.25, 0.125, 0.5,    -0.5, -0.125, 0.25, -0.75, 1,  0,    -1,    0.75,  -0.25});
  const Tensor x1 = pattern({1, 2, 7}, 5);
  CHECK_VALUES(values(F::avg_pool1d(x1, F::AvgPool1dFuncOptions(2).padding(1))),
               {0, -0.125, -0.75, 0, 0.625, -0.25, 0.5, -0.125});
  CHECK_VALUES(values(F::adaptive_avg_pool1d(x1, F::AdaptiveAvgPool1dFuncOptions(3))),
               {-0.0833333358, -0.25, -0.416666657, 0.25, 0.0833333358, -0.0833333358});
}

TEST_CASE("batch_norm trains with momentum and evaluates with the running statistics") {
  const Tensor x = pattern({3, 2, 2}, 9);
  Tensor running_mean = make<double>({0.5, -0.5}, {2}), running_var = make<double>({2.0, 0.5}, {2});
  const Tensor y = F::batch_norm(x, running_mean, running_var,
                                 F::BatchNormFuncOptions()
                                     .weight(make<double>({1.5, 0.5}, {2}))
                                     .bias(make<double>({0.1, -0.1}, {2}))
                                     .training(true)
                                     .momentum(0.3)
                                     .eps(1e-3));
  CHECK_VALUES(values(y), {1.61411679, -0.202823371, -0.742735863, 0.382051885, -0.657058418, -2.47399855, 0.221367925,
                           -0.421367913, 2.06835175, 0.251411676, -0.582051873, 0.542735815});
  CHECK_VALUES(values(running_mean), {0.400000006, -0.349999994});
  CHECK_VALUES(values(running_var), {1.64499998, 0.567499995});
  CHECK_VALUES(values(F::batch_norm(x, running_mean, running_var)),
               {0.467807293, -0.311871529, -0.862832665, 1.46017838, -0.506791234, -1.28647006, 1.12831962,
                -0.199115247, 0.662726998, -0.116951823, -0.530973971, 1.79203713});
}

TEST_CASE("layer_norm, group_norm and instance_norm") {
  const Tensor x = pattern({3, 2, 2}, 9);
  CHECK_VALUES(values(F::layer_norm(x, F::LayerNormFuncOptions({2, 2})
                                           .weight(pattern({2, 2}, 10))
                                           .bias(make<double>({0.1, 0.2, 0.3, 0.4}, {2, 2})))),
               {1.40522063, 0.139759049, 1.44457805, 1.12289143, 0.349996775, -0.149995491, -0.74998647, 0.200002581,
                1.40522063, 0.139759049, 1.44457805, 1.12289143});
  const Tensor xg = pattern({2, 4, 3}, 11);
  CHECK_VALUES(
      values(F::group_norm(xg, F::GroupNormFuncOptions(2).weight(make<double>({1, 2, 3, 4}, {4})).eps(1e-4))),
      {-1.39295268, 0.69647634, -0.497483104, 3.18389201,  0.795973003, -1.59194589,  4.08560991,  0.453956664,
       -3.1776967,  4.23692894, -0.605275571, -5.4474802,  0.286272109, -1.08783412,  1.31685185,  -0.114508927,
       -2.86272144, 1.94665051, 0.858816385,  -3.26350236, 3.95055532,  -0.229017735, -5.72544289, 3.89330101});
  Tensor running_mean = make<double>({0, 1, 0, 1}, {4}), running_var = make<double>({1, 1, 2, 2}, {4});
  CHECK_VALUES(values(F::instance_norm(
                   xg, F::InstanceNormFuncOptions().running_mean(running_mean).running_var(running_var).momentum(0.2))),
               {-1.1624651,  1.27871156,  -0.116246521, 1.22473562,  0,           -1.22473562,
                1.22473562,  0,           -1.22473562,  1.22473562,  0,           -1.22473562,
                0.116246521, -1.27871156, 1.1624651,    0.116246507, -1.27871168, 1.1624651,
                0.116246514, -1.27871168, 1.1624651,    0.116246521, -1.27871156, 1.1624651});
  CHECK_VALUES(values(running_mean), {0, 0.841666698, -0.00833333377, 0.741666675});
  CHECK_VALUES(values(running_var), {0.95416671, 0.977083325, 1.7770834, 1.7770834});
}

TEST_CASE("pad modes and interpolate options") {
  const Tensor xp = pattern({1, 2, 3}, 12);
  CHECK_VALUES(values(F::pad(xp, F::PadFuncOptions({2, 1}).mode("reflect"))),
               {-0.25, 0.75, -1, 0.75, -0.25, 0.75, -0.5, 0.5, -1.25, 0.5, -0.5, 0.5});
  CHECK_VALUES(values(F::pad(xp, F::PadFuncOptions({1, 1, 0, 1}).value(9))),
               {9, -1, 0.75, -0.25, 9, 9, -1.25, 0.5, -0.5, 9, 9, 9, 9, 9, 9});
  const Tensor xi = pattern({1, 1, 2, 3}, 13);
  CHECK_VALUES(
      values(F::interpolate(
          xi, F::InterpolateFuncOptions().size(std::vector<int64_t>{3, 4}).mode("bilinear").align_corners(true))),
      {-0.75, 0.416666687, 0.666666627, 0, -0.875, 0.291666687, 0.541666627, -0.125, -1, 0.166666701, 0.416666627,
       -0.25});
  CHECK_VALUES(values(F::interpolate(xi, F::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0}))),
               {-0.75, -0.75, 1,    1,    0,     0,     -0.75, -0.75, 1,    1,    0,     0,
                -1,    -1,    0.75, 0.75, -0.25, -0.25, -1,    -1,    0.75, 0.75, -0.25, -0.25});
}

TEST_CASE("regression losses with each reduction") {
  const Tensor a = pattern({2, 3}, 14), t = pattern({2, 3}, 15);
  CHECK_VALUES(values(F::mse_loss(a, t, F::MSELossFuncOptions(Reduction::None))),
               {0.0625, 6.25, 0.0625, 0.0625, 0.0625, 0.0625});
  CHECK_VALUES(values(F::mse_loss(a, t)), {1.09375});
  CHECK_VALUES(values(F::mse_loss(a, t, F::MSELossFuncOptions().reduction("sum"))), {6.5625});
  CHECK_VALUES(values(F::l1_loss(a, t, F::L1LossFuncOptions("none"))), {0.25, 2.5, 0.25, 0.25, 0.25, 0.25});
  CHECK_VALUES(values(F::l1_loss(a, t)), {0.625});
  CHECK_VALUES(values(F::l1_loss(a, t, F::L1LossFuncOptions(Reduction::Sum))), {3.75});
  for (const char* reduction : {"none", "mean", "sum"}) {
    CAPTURE(reduction);
    const Tensor loss = F::smooth_l1_loss(a, t, F::SmoothL1LossFuncOptions().reduction(reduction).beta(0.5));
    if (std::string(reduction) == "none") CHECK_VALUES(values(loss), {0.0625, 2.25, 0.0625, 0.0625, 0.0625, 0.0625});
    if (std::string(reduction) == "mean") CHECK_VALUES(values(loss), {0.427083343});
    if (std::string(reduction) == "sum") CHECK_VALUES(values(loss), {2.5625});
  }
  CHECK(contains(error_of([&] { F::mse_loss(a, t, F::MSELossFuncOptions("average")); }), "not a valid value"));
}

TEST_CASE("cross_entropy with weight, ignore_index and label_smoothing for each reduction") {
  const Tensor logits = pattern({4, 3}, 16);
  const Tensor classes = make<int64_t>({0, 2, 1, 2}, {4}, kLong);
  const Tensor weight = make<double>({1.0, 2.0, 0.5}, {3});
  auto options = F::CrossEntropyFuncOptions().weight(weight).ignore_index(1).label_smoothing(0.1);
  CHECK_VALUES(values(F::cross_entropy(logits, classes, options.reduction(Reduction::None))),
               {1.32340741, 0.42411229, 0, 0.770284772});
  CHECK_VALUES(values(F::cross_entropy(logits, classes, options.reduction("mean"))), {1.25890219});
  CHECK_VALUES(values(F::cross_entropy(logits, classes, options.reduction("sum"))), {2.51780438});
  CHECK_VALUES(values(F::cross_entropy(logits, classes)), {0.903144479});
  CHECK_VALUES(values(F::cross_entropy(logits, F::softmax(pattern({4, 3}, 17), 1))), {1.05200529});
}

TEST_CASE("nll_loss with weight for each reduction") {
  const Tensor log_probs = F::log_softmax(pattern({4, 3}, 16), 1);
  const Tensor classes = make<int64_t>({0, 2, 1, 2}, {4}, kLong);
  auto options = F::NLLLossFuncOptions().weight(make<double>({1.0, 2.0, 0.5}, {3}));
  CHECK_VALUES(values(F::nll_loss(log_probs, classes, options.reduction("none"))),
               {1.24843347, 0.24921672, 0.865710974, 0.716427743});
  CHECK_VALUES(values(F::nll_loss(log_probs, classes, options.reduction("mean"))), {0.769947171});
  CHECK_VALUES(values(F::nll_loss(log_probs, classes, options.reduction("sum"))), {3.07978868});
}

TEST_CASE("binary cross entropy, on probabilities and on logits with pos_weight, for each reduction") {
  const Tensor a = pattern({2, 3}, 14);
  const Tensor target = make<double>({1.0, 0.0, 1.0, 0.0, 0.5, 1.0}, {2, 3});
  auto bce = F::BinaryCrossEntropyFuncOptions().weight(make<double>({1.0, 2.0, 3.0}, {3}));
  CHECK_VALUES(values(F::binary_cross_entropy(sigmoid(a), target, bce.reduction("none"))),
               {0.974076986, 3.00385833, 1.72781801, 0.38687098, 1.62652338, 2.07944155});
  CHECK_VALUES(values(F::binary_cross_entropy(sigmoid(a), target, bce.reduction("mean"))), {1.63309824});
  CHECK_VALUES(values(F::binary_cross_entropy(sigmoid(a), target, bce.reduction("sum"))), {9.79858971});
  auto logits = F::BinaryCrossEntropyWithLogitsFuncOptions().pos_weight(make<double>({0.5, 1.0, 2.0}, {3}));
  CHECK_VALUES(values(F::binary_cross_entropy_with_logits(a, target, logits.reduction("none"))),
               {0.487038493, 1.50192904, 1.15187883, 0.38687098, 0.813261628, 1.38629436});
  CHECK_VALUES(values(F::binary_cross_entropy_with_logits(a, target, logits.reduction("mean"))), {0.954545498});
  CHECK_VALUES(values(F::binary_cross_entropy_with_logits(a, target, logits.reduction("sum"))), {5.72727299});
  CHECK_VALUES(values(F::binary_cross_entropy_with_logits(a, target,
                                                          F::BinaryCrossEntropyWithLogitsFuncOptions()
                                                              .weight(make<double>({2.0, 1.0, 1.0}, {3}))
                                                              .pos_weight(make<double>({3.0, 1.0, 1.0}, {3})))),
               {1.70041335});
}

TEST_CASE("gradients flow through activations and losses") {
  Tensor x = activation_input().requires_grad_();
  F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2)).mul(arange(7.0)).sum().backward();
  CHECK_VALUES(values(x.grad()), {0, 0.200000003, 0.400000006, 0.600000024, 4, 5, 6});

  Tensor logits = pattern({4, 3}, 16).requires_grad_();
  const Tensor classes = make<int64_t>({0, 2, 1, 2}, {4}, kLong);
  F::cross_entropy(logits, classes,
                   F::CrossEntropyFuncOptions().weight(make<double>({1.0, 2.0, 0.5}, {3})).label_smoothing(0.1))
      .backward();
  CHECK_VALUES(values(logits.grad()),
               {-0.160399199, 0.0101643028, 0.150234908, 0.0323184766, -0.00171170034, -0.0306067746, 0.0456779413,
                -0.155853197, 0.110175222, 0.00763521763, 0.0752260163, -0.0828612372});

  Tensor a = pattern({2, 3}, 14).requires_grad_();
  F::smooth_l1_loss(a, pattern({2, 3}, 15), F::SmoothL1LossFuncOptions(Reduction::Sum).beta(0.5)).backward();
  CHECK_VALUES(values(a.grad()), {-0.5, 1, -0.5, -0.5, -0.5, -0.5});
}

TEST_CASE("gradients flow through conv2d and batch_norm") {
  const Tensor x = pattern({1, 2, 4, 5}, 7).requires_grad_();
  Tensor weight = pattern({3, 2, 2, 3}, 8).requires_grad_();
  Tensor bias = make<double>({0.1, 0.2, 0.3}, {3}).requires_grad_();
  F::conv2d(x, weight, F::Conv2dFuncOptions().bias(bias).stride({2, 1}).padding({1, 0})).pow(2).sum().backward();
  CHECK_VALUES(values(weight.grad()),
               {17.9562492,  -8.01875019, -8.21249962, 8.90625,     -13.9874992, 9.66250038,  -7.09375048, -7.28749943,
                17.9562492,  10.5562496,  -20.7937508, 8.90625,     -7.1500001,  -10.5062504, 11.9187508,  -6.5,
                12.6500006,  8.35624981,  -8.6875,     13.7374992,  -7.1500001,  -18.6062508, 5.97499943,  -6.5,
                -14.3812504, 19.3187504,  -4.38750029, -1.62499976, 9.72500038,  -8.07499886, 20.3124981,  -3.39374971,
                -14.3812504, -3.42500019, 8.33749962,  -1.62499976});
  CHECK_VALUES(values(bias.grad()), {10.7999983, 9.60000038, 4.27499914});

  Tensor xb = pattern({3, 2, 2}, 9).requires_grad_();
  Tensor gamma = make<double>({1.5, 0.5}, {2}).requires_grad_();
  F::batch_norm(xb, {}, {}, F::BatchNormFuncOptions().weight(gamma).training(true))
      .mul(pattern({3, 2, 2}, 18))
      .sum()
      .backward();
  CHECK_VALUES(values(xb.grad()), {0.61227268, -1.12249827, 0.98614794, 0.0711674243, -1.55619097, 1.70925665,
                                   -0.0508312173, -0.53882581, 1.04596543, -0.688805461, -0.660824478, 0.193166077});
  CHECK_VALUES(values(gamma.grad()), {0.227282733, 1.12570882});
}
