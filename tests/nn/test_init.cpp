// nn::init against PyTorch 1.13: gains, fans, seeded fills and the layers' default initialisation
// (values from scripts/golden/nn_init.py).
#include <cmath>

#include "helpers.h"

using namespace ember;
using namespace ember::test;
namespace init = ember::nn::init;

namespace {

Tensor fresh(IntArrayRef sizes) { return ember::empty(sizes); }

// CHECK that float32 `t` holds exactly `expected` (PyTorch's float32 values printed with 9 digits,
// which name one float each).
void check_floats(const Tensor& t, const std::vector<double>& expected) {
  REQUIRE(t.dtype() == kFloat);
  const std::vector<double> actual = values(t);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("element ", i);
    CHECK(float(actual[i]) == float(expected[i]));
  }
}

}  // namespace

TEST_CASE("calculate_gain follows PyTorch for every nonlinearity") {
  CHECK(init::calculate_gain("linear") == 1);
  CHECK(init::calculate_gain("conv2d") == 1);
  CHECK(init::calculate_gain("conv_transpose3d") == 1);
  CHECK(init::calculate_gain("sigmoid") == 1);
  CHECK(init::calculate_gain("tanh") == 1.6666666666666667);
  CHECK(init::calculate_gain("relu") == 1.4142135623730951);
  CHECK(init::calculate_gain("leaky_relu") == 1.4141428569978354);
  CHECK(init::calculate_gain("leaky_relu", 0.2) == 1.3867504905630728);
  CHECK(init::calculate_gain("selu") == 0.75);
  CHECK(contains(error_of([] { init::calculate_gain("swish"); }), "Unsupported nonlinearity swish"));
}

TEST_CASE("calculate_fan_in_and_fan_out multiplies by the receptive field") {
  auto [fan_in, fan_out] = init::calculate_fan_in_and_fan_out(fresh({3, 4, 5, 2}));
  CHECK(fan_in == 40);
  CHECK(fan_out == 30);
  CHECK(contains(error_of([] { init::_calculate_fan_in_and_fan_out(fresh({3})); }), "fewer than 2 dimensions"));
}

TEST_CASE("uniform_ and normal_ draw PyTorch's values after manual_seed") {
  manual_seed(0);
  Tensor u = fresh({2, 3});
  Tensor returned = init::uniform_(u, -1, 2);
  CHECK(returned.is_same(u));
  check_floats(u, {0.48876977, 1.30466533, -0.734567702, -0.603908539, -0.0777315497, 0.902236044});
  manual_seed(1);
  check_floats(init::normal_(fresh({2, 3}), 0.5, 2),
               {1.82270432, 1.03384817, 0.623354495, 1.74263465, -0.403811932, 0.167739525});
}

TEST_CASE("an explicit generator is used instead of the default one") {
  manual_seed(0);
  check_floats(init::uniform_(fresh({3}), 0, 1, Generator(42)), {0.882269263, 0.915003955, 0.38286376});
}

TEST_CASE("xavier_uniform_ and xavier_normal_ scale by fan_in + fan_out") {
  manual_seed(2);
  check_floats(
      init::xavier_uniform_(fresh({3, 5}), 2),
      {0.397315383, -0.412183553, 0.47497803, -0.0884694159, 0.739910781, 0.412354082, -0.199072704, -1.40029848,
       0.395452142, -1.53346181, 0.227639973, 0.115108401, -0.380875111, 1.41629255, 0.115591556});
  manual_seed(3);  // 20 elements: PyTorch's vectorised normal path
  check_floats(init::xavier_normal_(fresh({4, 5})),
               {-0.0361304656, 0.16964978,    -0.368646264, 0.0337184966, 0.493099868,   0.246161312, -0.0786345899,
                0.0250001848,  0.190733641,   0.288169414,  0.358451486,  -0.0158595853, 0.470425129, 0.216459736,
                1.14852858,    -0.0692060366, 0.228684932,  0.0967484117, 0.159536585,   0.637694359});
}

TEST_CASE("kaiming_uniform_ and kaiming_normal_ use the gain of the nonlinearity and the chosen fan") {
  manual_seed(4);
  check_floats(
      init::kaiming_uniform_(fresh({4, 3, 2}), 0.1, "fan_out"),
      {0.102784477, 0.101843096,  -0.704105735, -0.49979642,  -0.849327922, -0.794578433, 0.849481642, 0.711981833,
       0.204365611, 0.817587495,  -0.312096745, -0.491480649, 0.734640598,  -0.045641847, 0.163634792, 0.509421051,
       0.454103529, -0.493420422, -0.333261788, -0.795282304, 0.0379660614, -0.308942467, 0.185061768, 0.040090844});
  manual_seed(5);
  check_floats(init::kaiming_normal_(fresh({3, 2}), 0, "fan_in", "relu"),
               {-0.486780763, -0.603821576, -0.55809623, 0.667524278, -0.197415099, 1.94278347});
  CHECK(contains(error_of([] { init::kaiming_uniform_(fresh({2, 2}), 0, "fan_avg"); }), "Mode fan_avg not supported"));
  Tensor empty_weight = fresh({0, 3});
  CHECK(init::kaiming_uniform_(empty_weight).numel() == 0);
}

TEST_CASE("trunc_normal_ samples the truncated normal by its inverse CDF") {
  manual_seed(6);
  check_floats(init::trunc_normal_(fresh({2, 4}), 0.5, 1, -1, 1.5),
               {0.52505815, 0.489483476, 1.45869613, 0.594764292, -0.179037333, 0.28456369, 0.725246012, 0.874992728});
}

TEST_CASE("orthogonal_ gives PyTorch's Q for tall, wide and conv-shaped tensors") {
  manual_seed(7);
  Tensor wide = init::orthogonal_(fresh({3, 5}));
  CHECK(allclose(wide,
                 test::make<double>({-0.0618306398, 0.331125855, 0.398805052, -0.469366133, 0.712167621, -0.44127202,
                                     -0.0370824337, 0.729675233, -0.1180548, -0.507484794, 0.041209124, -0.273999482,
                                     0.41563648, 0.766606331, 0.403468817},
                                    {3, 5}),
                 1e-5, 1e-5));
  // Rows are orthonormal.
  CHECK(allclose(mm(wide, wide.t()), eye(3), 1e-5, 1e-6));

  manual_seed(7);
  Tensor tall = init::orthogonal_(fresh({5, 3}));
  CHECK(allclose(tall,
                 test::make<double>({-0.0713031292, 0.387672186, 0.482677847, -0.541273534, 0.520058751, -0.418865204,
                                     -0.172738761, 0.558428109, 0.0548125505, -0.817099154, -0.480860651, 0.282005697,
                                     0.0667028278, 0.190211177, 0.713472009},
                                    {5, 3}),
                 1e-5, 1e-5));
  CHECK(allclose(mm(tall.t(), tall), eye(3), 1e-5, 1e-6));

  manual_seed(7);
  Tensor conv = init::orthogonal_(fresh({4, 2, 2}), 2);
  CHECK(allclose(conv,
                 test::make<double>({-1.14254737, 0.541107833, 0.179436862, -1.53934729, -0.232645795, 0.439988494,
                                     -1.93440247, 0.101852775, 1.29078734, -0.754059076, -0.39357096, -1.2690016,
                                     0.98708123, 1.7161026, 0.266443044, -0.0983410478},
                                    {4, 2, 2}),
                 1e-5, 1e-5));
  CHECK(contains(error_of([] { init::orthogonal_(fresh({4})); }), "2 or more dimensions"));
}

TEST_CASE("constant_, ones_, zeros_ and eye_ fill deterministically") {
  check_floats(init::constant_(fresh({2}), 0.25), {0.25, 0.25});
  check_floats(init::ones_(fresh({2})), {1, 1});
  check_floats(init::zeros_(fresh({2})), {0, 0});
  check_floats(init::eye_(fresh({3, 4})), {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0});
  CHECK(contains(error_of([] { init::eye_(fresh({2, 2, 2})); }), "Only tensors with 2 dimensions"));
}

TEST_CASE("dirac_ puts a 1 at the kernel centre of each channel in each group") {
  check_floats(init::dirac_(fresh({4, 2, 3}), 2),
               {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
  std::vector<double> expected(36, 0.0);
  expected[3] = expected[27] = 1;
  check_floats(init::dirac_(fresh({2, 3, 3, 2})), expected);
  CHECK(contains(error_of([] { init::dirac_(fresh({3, 2, 3}), 2); }), "divisible by groups"));
}

TEST_CASE("init functions fill parameters that require grad without recording them") {
  Tensor weight = fresh({2, 3}).requires_grad_();
  init::uniform_(weight);
  init::xavier_normal_(weight);
  CHECK(weight.is_leaf());
  CHECK(weight.grad_fn() == nullptr);
  CHECK(weight.requires_grad());
}

TEST_CASE("default_linear_ and default_conv_ give nn.Linear's and nn.Conv2d's initial values") {
  manual_seed(8);
  Tensor weight = fresh({2, 3}), bias = fresh({2});
  init::default_linear_(weight, bias);
  check_floats(weight, {0.113076672, 0.398713648, 0.515470147, -0.234946564, 0.0159370303, 0.166676268});
  check_floats(bias, {0.460790128, -0.561081886});

  manual_seed(9);
  Tensor conv_weight = fresh({3, 2, 2, 1}), conv_bias = fresh({3});
  init::default_conv_(conv_weight, conv_bias);
  check_floats(conv_weight, {0.155784488, -0.197977304, -0.0201035738, 0.277373612, 0.417964339, 0.431033611,
                             -0.23963958, 0.453423858, -0.119560421, -0.0895652175, 0.451020598, 0.0686295033});
  check_floats(conv_bias, {-0.361904442, -0.293134212, 0.0139003992});
}

TEST_CASE("default_embedding_ draws a standard normal and zeroes the padding row") {
  manual_seed(10);
  Tensor weight = fresh({4, 3});
  init::default_embedding_(weight, 1);
  check_floats(weight, {-0.601392806, -1.01220977, -0.30226925, 0, 0, 0, -0.869180143, -0.958171248, -1.19204652,
                        1.90499556, -0.937332273, -0.846467376});
}

TEST_CASE("default_rnn_ draws every parameter from uniform(-1/sqrt(hidden), 1/sqrt(hidden)) in order") {
  manual_seed(11);
  Tensor w_ih = fresh({6, 1}), w_hh = fresh({6, 2}), b_ih = fresh({6}), b_hh = fresh({6});
  init::default_rnn_({w_ih, w_hh, b_ih, b_hh}, 2);
  check_floats(w_ih, {-0.496329963, -0.0190167427, 0.68682909, -0.468951195, 0.11871393, 0.273790568});
  check_floats(w_hh, {0.117499761, -0.525468349, 0.101996802, 0.600813687, -0.326205641, 0.399454325, -0.322599649,
                      -0.0519980825, 0.37778008, 0.00343083777, -0.562145889, 0.367691547});
  check_floats(b_ih, {0.429273069, 0.375186265, 0.524536431, 0.31544742, 0.475789696, 0.115998998});
  check_floats(b_hh, {0.480078399, -0.622944832, -0.0968914703, -0.0813772157, -0.336336911, 0.183947816});
}

TEST_CASE("default_multihead_attention_ after out_proj's Linear init gives nn.MultiheadAttention's values") {
  manual_seed(12);
  Tensor in_w = fresh({6, 2}), in_b = fresh({6}), out_w = fresh({2, 2}), out_b = fresh({2});
  Tensor bias_k = fresh({1, 1, 2}), bias_v = fresh({1, 1, 2});
  init::default_linear_(out_w, out_b);  // PyTorch builds out_proj first
  init::default_multihead_attention_(in_w, in_b, out_b, bias_k, bias_v);
  check_floats(in_w, {0.237782001, -0.446762085, 0.4004336, 0.385273665, -0.520939708, 0.337450504, 0.143765897,
                      0.228333846, 0.0967975482, -0.647355914, 0.829702258, 0.596285582});
  check_floats(in_b, {0, 0, 0, 0, 0, 0});
  check_floats(bias_k, {0.573456585, 0.0169220418});
  check_floats(bias_v, {-0.0638708994, 1.21616948});
  check_floats(out_w, {-0.0485252663, -0.3779248, -0.0668626055, 0.12319532});
  check_floats(out_b, {0, 0});
}

TEST_CASE("default_norm_ sets weight to ones and bias to zeros") {
  Tensor weight = fresh({3}), bias = fresh({3});
  init::default_norm_(weight, bias);
  check_floats(weight, {1, 1, 1});
  check_floats(bias, {0, 0, 0});
}
