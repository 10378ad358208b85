// Layer modules: convolutions, transposed convolutions, pooling, normalisation, Flatten/Unflatten,
// Bilinear, Embedding and Dropout2d, against PyTorch 1.13 (scripts/golden/nn_layers.py).
#include <doctest/doctest.h>

#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {
std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}
std::vector<double> first(const Tensor& t, size_t n) {
  std::vector<double> v = test::values(t);
  v.resize(n);
  return v;
}
}  // namespace

// ---- convolutions ----

TEST_CASE("Conv2d's default init, output and gradients equal PyTorch's") {
  manual_seed(1);
  nn::Conv2d conv(nn::Conv2dOptions(2, 3, 3).padding(1));
  CHECK_VALUES(first(conv->weight, 6), {0.1214487, -0.1040339, -0.04569359, 0.1106313, -0.2218988, 0.1413547});
  CHECK_VALUES(test::values(conv->bias), {0.2347711, 0.1889362, -0.01103643});
  Tensor x = test::pattern({1, 2, 4, 4}).requires_grad_();
  Tensor y = conv(x);
  CHECK_VALUES(first(y, 8), {0.6657885, -0.3341306, 0.7994085, -0.01094818, -0.03511719, 0.7685661, -0.09484295,
                             -0.2329671});
  y.pow(2).sum().backward();
  CHECK_VALUES(first(x.grad(), 8),
               {-1.054222, 0.4362946, -1.18968, 0.9792502, 0.8679003, -0.7996068, 1.734306, -0.2515873});
  CHECK_VALUES(test::values(conv->bias.grad()), {7.768, 4.778636, 0.09024253});
}

TEST_CASE("convolutions print like PyTorch") {
  CHECK(repr(*nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(1))) ==
        "Conv2d(2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))");
  CHECK(repr(*nn::Conv2d(
            nn::Conv2dOptions(4, 8, {3, 5}).stride(2).padding({1, 2}).dilation(2).groups(2).bias(false))) ==
        "Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), dilation=(2, 2), groups=2, bias=False)");
  CHECK(repr(*nn::Conv2d(nn::Conv2dOptions(2, 2, 3).padding("same").padding_mode("reflect"))) ==
        "Conv2d(2, 2, kernel_size=(3, 3), stride=(1, 1), padding=same, padding_mode=reflect)");
  CHECK(repr(*nn::Conv1d(2, 4, 3)) == "Conv1d(2, 4, kernel_size=(3,), stride=(1,))");
  CHECK(repr(*nn::ConvTranspose2d(nn::ConvTranspose2dOptions(2, 3, 3).stride(2).padding(1).output_padding(1))) ==
        "ConvTranspose2d(2, 3, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1))");
}

TEST_CASE("Conv1d and Conv2d support the reflect, replicate and circular padding modes") {
  manual_seed(2);
  nn::Conv1d c1(nn::Conv1dOptions(2, 2, 3).padding("same").padding_mode("circular"));
  CHECK_VALUES(test::values(c1(test::pattern({1, 2, 5}))),
               {0.06181084, -0.1213483, 0.02752375, -0.3315536, -0.05818604, 0.4970738, 0.5055801, 0.2033286,
                -0.06528713, 0.4574798});
  manual_seed(2);
  nn::Conv2d c2(nn::Conv2dOptions(2, 4, 2).stride(2).groups(2).padding(1).padding_mode("replicate"));
  CHECK_VALUES(test::values(c2(test::pattern({1, 2, 3, 3}))),
               {0.07749321, 0.4097651, 0.3178077, 0.3550504, -0.1336302, -0.07430506, -0.3408767, 0.07338676,
                -0.3643964, 0.2746192, -0.3317391, -0.8186928, 0.8855642, -0.2702304, 0.6904856, 1.229207});
}

TEST_CASE("convolutions reject bad configurations with PyTorch's messages") {
  CHECK(test::contains(test::error_of([] { nn::Conv2d(nn::Conv2dOptions(3, 4, 3).groups(2)); }),
                       "in_channels must be divisible by groups"));
  CHECK(test::contains(test::error_of([] { nn::Conv2d(nn::Conv2dOptions(4, 3, 3).groups(2)); }),
                       "out_channels must be divisible by groups"));
  CHECK(test::contains(test::error_of([] { nn::Conv2d(nn::Conv2dOptions(4, 4, 3).groups(0)); }),
                       "groups must be a positive integer"));
  CHECK(test::contains(test::error_of([] { nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding("full")); }),
                       "Invalid padding string 'full'"));
  CHECK(test::contains(test::error_of([] { nn::Conv2d(nn::Conv2dOptions(1, 1, 3).padding("same").stride(2)); }),
                       "padding='same' is not supported for strided convolutions"));
  CHECK(test::contains(test::error_of([] { nn::Conv1d(nn::Conv1dOptions(1, 1, 3).padding_mode("mirror")); }),
                       "but got padding_mode='mirror'"));
  CHECK(test::contains(
      test::error_of([] { nn::ConvTranspose2d(nn::ConvTranspose2dOptions(1, 1, 3).output_padding(1)); }),
      "output padding must be smaller than either stride or dilation"));
}

TEST_CASE("ConvTranspose2d equals PyTorch's with stride, padding and output_padding, gradients included") {
  manual_seed(3);
  nn::ConvTranspose2d ct(nn::ConvTranspose2dOptions(2, 3, 3).stride(2).padding(1).output_padding(1));
  CHECK_VALUES(first(ct->weight, 4), {-0.1908091, -0.1518164, -0.08242927, -0.1820752});
  Tensor x = test::pattern({1, 2, 3, 3}).requires_grad_();
  Tensor y = ct(x);
  CHECK(test::shape(y) == std::vector<int64_t>{1, 3, 6, 6});
  CHECK_VALUES(first(y, 10), {0.2253896, 0.1631407, 0.08880901, 0.2797682, -0.01772606, 0.3818046, -0.3813715,
                              -0.1414037, 0.2471718, 0.5735225});
  CHECK(y.sum().item<double>() == doctest::Approx(3.439712).epsilon(1e-5));
  y.pow(2).sum().backward();
  CHECK_VALUES(first(x.grad(), 6), {-0.3881435, -0.216292, -0.1969804, 0.7788813, 0.06363678, -0.6006684});
  CHECK_VALUES(first(ct->weight.grad(), 6), {-1.383415, -0.9183533, 0.1302236, -1.08898, -0.6419548, -1.262681});
}

TEST_CASE("ConvTranspose2d with groups, dilation, asymmetric stride and padding") {
  manual_seed(4);
  nn::ConvTranspose2d ct(
      nn::ConvTranspose2dOptions(4, 2, {2, 3}).stride({1, 2}).padding({0, 2}).groups(2).dilation({2, 1}).bias(false));
  Tensor y = ct(test::pattern({2, 4, 3, 4}));
  CHECK(test::shape(y) == std::vector<int64_t>{2, 2, 5, 5});
  CHECK_VALUES(first(y, 8),
               {0.2885013, -0.1445284, 0.2635144, 0.3975074, 0.4492914, 0.2099177, 0.3011189, 0.3956947});
  CHECK(y.sum().item<double>() == doctest::Approx(-3.171141).epsilon(1e-5));
  CHECK(repr(*ct) == "ConvTranspose2d(4, 2, kernel_size=(2, 3), stride=(1, 2), padding=(0, 2), dilation=(2, 1), "
                     "groups=2, bias=False)");
}

TEST_CASE("ConvTranspose1d picks output_padding from output_size") {
  manual_seed(5);
  nn::ConvTranspose1d ct(nn::ConvTranspose1dOptions(2, 2, 3).stride(3));
  Tensor y = ct->forward(test::pattern({1, 2, 3}), std::vector<int64_t>{10});
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 10});
  CHECK_VALUES(test::values(y), {-1.028715, 0.2753004, -1.241356, -0.282805, -0.4531985, -0.2780471, -0.2784314,
                                 -0.3421797, -0.2296569, -0.349124, 0.3079507, -0.1900434, 0.5872623, 0.3615844,
                                 0.3233309, -0.01322368, -0.3031351, -0.1065807, 0.247062, 0.1300997});
  CHECK(test::contains(test::error_of([&] { ct->forward(test::pattern({1, 2, 3}), std::vector<int64_t>{12}); }),
                       "requested an output size of [12], but valid sizes range from [9] to [11]"));
}

// ---- pooling ----

TEST_CASE("pooling modules equal PyTorch's") {
  Tensor x = test::pattern({1, 2, 5, 5});
  CHECK(test::values(nn::MaxPool2d(2)(x)) == std::vector<double>{1, 1.25, 0.25, 1, 1.25, 1, 1.25, 0.75});
  CHECK(test::values(nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true))(x)) ==
        std::vector<double>{1, 1.25, 1.25, 1, 1, 1.25, 0.75, 1, 0.5, 1.25, 1, 1, 1.25, 1.25, 1, 0.5, 1.25, 0.25});
  CHECK(test::values(nn::MaxPool1d(2)(test::pattern({1, 2, 5}))) == std::vector<double>{0.5, 1.25, 1, 0});
  CHECK_VALUES(test::values(nn::AvgPool2d(nn::AvgPool2dOptions(2).stride(1))(x).select(0, 0).select(0, 0)),
               {-0.125, 0.25, -0.0625, 0.3125, -0.3125, 0.0625, -0.25, 0.125, -0.5, -0.125, 0.25, -0.0625, 0,
                -0.3125, 0.0625, -0.25});
  CHECK_VALUES(test::values(nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({2, 3}))(x)),
               {-0.3333333, 0, 0.3333333, -0.25, -0.2222222, -0.04166667, 0.3333333, 0.05555556, 0.08333334,
                -0.04166667, 0.1388889, -0.2916667});
}

TEST_CASE("pooling modules print what was given, as PyTorch does") {
  CHECK(repr(*nn::MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(*nn::MaxPool2d(nn::MaxPool2dOptions({2, 3}).stride(1))) ==
        "MaxPool2d(kernel_size=(2, 3), stride=1, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(*nn::MaxPool1d(2)) == "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  CHECK(repr(*nn::AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  CHECK(repr(*nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions({1, 1}))) == "AdaptiveAvgPool2d(output_size=(1, 1))");
  CHECK(repr(*nn::AdaptiveAvgPool2d(1)) == "AdaptiveAvgPool2d(output_size=1)");
}

// ---- normalisation ----

TEST_CASE("BatchNorm2d's running statistics after three training steps equal PyTorch's") {
  nn::BatchNorm2d bn(2);
  Tensor out;
  for (int64_t step = 0; step < 3; ++step) out = bn(test::pattern({2, 2, 2, 3}, step));
  CHECK_VALUES(test::values(bn->running_mean), {-0.009270834, 0.004416667});
  CHECK_VALUES(test::values(bn->running_var), {0.9166557, 0.9133276});
  CHECK(bn->num_batches_tracked.item<int64_t>() == 3);
  CHECK_VALUES(first(out, 6), {-0.8552289, 1.389747, 0.1069036, -1.17594, 1.069036, -0.2138072});
  bn->eval();
  CHECK_VALUES(first(bn(test::pattern({2, 2, 2, 3}, 5)), 6),
               {0.009683075, -1.034783, 0.7930329, -0.2514336, -1.2959, 0.5319163});
  CHECK(bn->state_dict().tensors.keys() ==
        std::vector<std::string>{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"});
  CHECK(repr(*bn) == "BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
}

TEST_CASE("BatchNorm1d with momentum None keeps a cumulative average; gradients equal PyTorch's") {
  nn::BatchNorm1d bn(nn::BatchNormOptions(3).momentum(std::nullopt));
  for (int64_t step = 0; step < 3; ++step) bn(test::pattern({4, 3}, step));
  CHECK_VALUES(test::values(bn->running_mean), {-1.490116e-08, 0.375, -0.625});
  CHECK_VALUES(test::values(bn->running_var), {1.440972, 0.1041667, 0.1041667});
  Tensor x = test::pattern({4, 3}, 1).requires_grad_();
  (bn(x) * test::pattern({4, 3}, 3)).sum().backward();
  CHECK_VALUES(test::values(x.grad()), {0.1481407, 0.0001716804, 0.0001716804, -0.1185096, 5.722679e-05,
                                        5.722679e-05, 0.1185096, -5.722679e-05, -5.722679e-05, -0.1481407,
                                        -0.0001716804, -0.0001716804});
  CHECK_VALUES(test::values(bn->weight.grad()), {-0.9386643, 1.117962, 1.117962});
  CHECK(repr(*bn) == "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)");
}

TEST_CASE("BatchNorm without running stats uses the batch statistics in eval") {
  nn::BatchNorm1d bn(nn::BatchNormOptions(3).track_running_stats(false).affine(false));
  bn->eval();
  CHECK(bn->buffers().empty());
  CHECK(bn->parameters().empty());
  CHECK_VALUES(test::values(bn(test::pattern({4, 3}, 2))),
               {-0.3155956, 1.341555, 1.341555, -0.5680721, 0.4471849, 0.4471849, -0.8205485, -0.447185, -0.447185,
                1.704216, -1.341555, -1.341555});
  CHECK(repr(*bn) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
}

TEST_CASE("BatchNorm checks the input rank and the batch size in training") {
  CHECK(test::contains(test::error_of([] { nn::BatchNorm2d(2)(zeros({2, 2, 3})); }), "expected 4D input (got 3D input)"));
  CHECK(test::contains(test::error_of([] { nn::BatchNorm1d(2)(zeros({2, 2, 3, 3})); }),
                       "expected 2D or 3D input (got 4D input)"));
  CHECK(test::contains(test::error_of([] { nn::BatchNorm1d(2)(zeros({1, 2})); }),
                       "Expected more than 1 value per channel when training"));
}

TEST_CASE("GroupNorm equals PyTorch's, gradients included") {
  nn::GroupNorm gn(2, 4);
  Tensor x = test::pattern({2, 4, 3}).requires_grad_();
  Tensor y = gn(x);
  CHECK_VALUES(first(y, 6), {-1.393042, 0.6965211, -0.497515, 1.592048, 0.398012, -0.7960241});
  (y * test::pattern({2, 4, 3}, 2)).sum().backward();
  CHECK_VALUES(first(x.grad(), 6), {-0.6664757, 1.154138, 0.1137872, -1.349199, 0.8940501, -0.1463004});
  CHECK(repr(*gn) == "GroupNorm(2, 4, eps=1e-05, affine=True)");
  CHECK(test::contains(test::error_of([] { nn::GroupNorm(3, 4); }), "num_channels must be divisible by num_groups"));
}

// ---- shape layers, Bilinear, Embedding, Dropout2d ----

TEST_CASE("Identity, Flatten and Unflatten reshape like PyTorch") {
  Tensor x = test::pattern({2, 3, 4});
  CHECK(test::shape(nn::Flatten()(x)) == std::vector<int64_t>{2, 12});
  CHECK(test::shape(nn::Flatten(nn::FlattenOptions().start_dim(0).end_dim(1))(x)) == std::vector<int64_t>{6, 4});
  CHECK(test::shape(nn::Unflatten(2, std::vector<int64_t>{2, 2})(x)) == std::vector<int64_t>{2, 3, 2, 2});
  CHECK(test::values(nn::Identity()(x)) == test::values(x));
  CHECK(repr(*nn::Flatten()) == "Flatten(start_dim=1, end_dim=-1)");
  CHECK(repr(*nn::Unflatten(1, std::vector<int64_t>{2, 5})) == "Unflatten(dim=1, unflattened_size=(2, 5))");
  CHECK(repr(*nn::Identity()) == "Identity()");
}

TEST_CASE("Bilinear's default init, output and gradient equal PyTorch's") {
  manual_seed(6);
  nn::Bilinear b(2, 3, 4);
  CHECK_VALUES(first(b->weight, 4), {0.1021028, 0.07619147, 0.6884815, 0.1527769});
  Tensor x1 = test::pattern({3, 2}).requires_grad_();
  Tensor y = b(x1, test::pattern({3, 3}, 1));
  CHECK_VALUES(test::values(y), {0.2291429, 0.006710336, -0.7134089, 0.4505281, -0.045523, 0.5542315, -0.9126905,
                                 0.4091859, -0.03979912, 0.3879174, -0.6693559, 1.067887});
  y.pow(2).sum().backward();
  CHECK_VALUES(test::values(x1.grad()), {-0.3385462, -0.05640889, -0.1935977, 1.207965, -0.495955, -2.834591});
  CHECK(repr(*b) == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=True)");
  CHECK(test::contains(test::error_of([&] { b(zeros({3, 3}), zeros({3, 3})); }), "input1 size does not match"));
}

TEST_CASE("Embedding's init zeroes the padding row, which gets no gradient") {
  manual_seed(7);
  nn::Embedding e(nn::EmbeddingOptions(5, 3).padding_idx(1));
  CHECK_VALUES(test::values(e->weight), {-0.1467951, 0.7861413, 0.9468216, 0, 0, 0, -0.355625, 1.232386, 0.1381727,
                                         -1.682199, 0.3176783, 0.132807, 0.1373241, 0.2405461, 1.395451});
  e(test::make<int64_t>({0, 1, 4, 1}, {2, 2}, kLong)).sum().backward();
  CHECK(test::values(e->weight.grad()) == std::vector<double>{1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1});
  CHECK(repr(*e) == "Embedding(5, 3, padding_idx=1)");
  CHECK(repr(*nn::Embedding(nn::EmbeddingOptions(4, 2).padding_idx(-1).norm_type(1.0).scale_grad_by_freq(true).sparse(
            true))) == "Embedding(4, 2, padding_idx=3, norm_type=1.0, scale_grad_by_freq=True, sparse=True)");
}

TEST_CASE("Embedding with max_norm renormalises the rows it looks up") {
  manual_seed(8);
  nn::Embedding e(nn::EmbeddingOptions(4, 2).max_norm(1.0));
  e(test::make<int64_t>({0, 2}, {2}, kLong));
  CHECK_VALUES(test::values(e->weight),
               {0.2084331, -0.9780366, 0.5026971, 0.4180807, -0.6394202, -0.6607707, -0.1433144, -0.1043147});
  CHECK(repr(*e) == "Embedding(4, 2, max_norm=1.0)");
}

TEST_CASE("Embedding::from_pretrained holds the given table, frozen by default") {
  Tensor table = test::pattern({3, 2});
  nn::Embedding e = nn::Embedding::from_pretrained(table);
  CHECK_FALSE(e->weight.requires_grad());
  CHECK(test::values(e(test::make<int64_t>({2}, {1}, kLong))) == test::values(table.select(0, 2)));
  CHECK(nn::Embedding::from_pretrained(table, nn::EmbeddingFromPretrainedOptions().freeze(false))
            ->weight.requires_grad());
}

TEST_CASE("Dropout2d zeroes whole channels with PyTorch's seeded mask and is the identity in eval") {
  manual_seed(9);
  nn::Dropout2d d(0.5);
  CHECK(test::values(d(ones({2, 3, 2, 2}))) ==
        std::vector<double>{2, 2, 2, 2, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0});
  d->eval();
  CHECK(test::values(d(ones({1, 2, 1, 1}))) == std::vector<double>{1, 1});
  CHECK(repr(*d) == "Dropout2d(p=0.5, inplace=False)");
  CHECK(test::contains(test::error_of([] { nn::Dropout2d(1.5); }), "dropout probability has to be between 0 and 1"));
}
