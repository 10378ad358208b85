// MultiheadAttention and the Transformer family against PyTorch 1.13 (values from scripts/golden/nn_transformer.py).
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

// CHECK that t has PyTorch's shape and values within 1e-5 (infinities must match exactly).
void check_close(const Tensor& t, const std::vector<int64_t>& shape, const std::vector<double>& expected) {
  REQUIRE(t.defined());
  CHECK(test::shape(t) == shape);
  const std::vector<double> actual = test::values(t);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    INFO("element ", i, ": ", actual[i], " vs ", expected[i]);
    if (std::isinf(expected[i]))
      CHECK(actual[i] == expected[i]);
    else
      CHECK(std::abs(actual[i] - expected[i]) <= 1e-5);
  }
}

// What the golden script's load_pattern does: the i-th state_dict entry (PyTorch's order, whose keys
// must be torch_keys) becomes test::pattern(shape, i).
void load_pattern(nn::Module& module, const std::vector<std::string>& torch_keys) {
  const TensorState own = module.state_dict();
  REQUIRE(own.tensors.keys() == torch_keys);
  TensorState state;
  int64_t i = 0;
  for (const auto& item : own.tensors) state.tensors.insert(item.key(), test::pattern(item.value().sizes(), i++));
  module.load_state_dict(state);
}

std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

const std::vector<std::string> kMhaKeys = {"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"};
const std::vector<std::string> kEncoderLayerKeys = {"self_attn.in_proj_weight",
                                                    "self_attn.in_proj_bias",
                                                    "self_attn.out_proj.weight",
                                                    "self_attn.out_proj.bias",
                                                    "linear1.weight",
                                                    "linear1.bias",
                                                    "linear2.weight",
                                                    "linear2.bias",
                                                    "norm1.weight",
                                                    "norm1.bias",
                                                    "norm2.weight",
                                                    "norm2.bias"};
const std::vector<std::string> kDecoderLayerKeys = {"self_attn.in_proj_weight",
                                                    "self_attn.in_proj_bias",
                                                    "self_attn.out_proj.weight",
                                                    "self_attn.out_proj.bias",
                                                    "multihead_attn.in_proj_weight",
                                                    "multihead_attn.in_proj_bias",
                                                    "multihead_attn.out_proj.weight",
                                                    "multihead_attn.out_proj.bias",
                                                    "linear1.weight",
                                                    "linear1.bias",
                                                    "linear2.weight",
                                                    "linear2.bias",
                                                    "norm1.weight",
                                                    "norm1.bias",
                                                    "norm2.weight",
                                                    "norm2.bias",
                                                    "norm3.weight",
                                                    "norm3.bias"};

std::vector<std::string> prefixed(const std::string& prefix, const std::vector<std::string>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(prefix + k);
  return out;
}

// The inputs of the golden script.
Tensor q_input() { return test::pattern({3, 2, 4}, 1) * 0.5; }
Tensor k_input() { return test::pattern({5, 2, 4}, 2) * 0.5; }
Tensor v_input() { return test::pattern({5, 2, 4}, 3) * 0.5; }
Tensor causal_bool() { return ones({3, 3}, kBool).triu(1); }
Tensor padding_bool() { return test::make<bool>({false, false, true, false, false, false}, {2, 3}, kBool); }
Tensor src_input() { return test::pattern({3, 2, 4}, 9) * 0.5; }
Tensor tgt_input() { return test::pattern({2, 2, 4}, 10) * 0.5; }

nn::MultiheadAttention pattern_mha(nn::MultiheadAttentionOptions options = nn::MultiheadAttentionOptions(4, 2)) {
  nn::MultiheadAttention mha(options);
  load_pattern(*mha, kMhaKeys);
  mha->eval();
  return mha;
}

}  // namespace

// ---- MultiheadAttention ----

TEST_CASE("MultiheadAttention's default initialisation draws as PyTorch's for the same seed") {
  manual_seed(0);
  nn::MultiheadAttention mha(4, 2);
  check_close(
      mha->in_proj_weight, {12, 4},
      {0.22242416,  0.50850672,  -0.12602636, 0.45824552,  -0.098704249, 0.06479764,   0.55448872,  -0.56807977,
       -0.3855117,  -0.15503143, -0.23870276, 0.52909029,  -0.39692736,  -0.28189516,  -0.42782819, -0.57352418,
       -0.35746658, 0.52639419,  0.27325183,  0.29680011,  0.032205623,  -0.31395325,  0.10360404,  -0.57176894,
       -0.44247967, -0.31569636, 0.38636902,  0.35904697,  -0.27158415,  -0.022095861, 0.39164937,  0.60877973,
       0.24303971,  0.082727142, 0.41058737,  -0.36056635, 0.11411195,   -0.47477573,  -0.42442685, -0.31634155,
       0.27708203,  0.24627195,  -0.36274037, 0.18500206,  0.33617535,   -0.07729204,  0.023381326, 0.14188959});
  check_close(
      mha->out_proj->weight, {4, 4},
      {-0.0037434101, 0.2682218, -0.41152257, -0.36796951, -0.19257718, 0.13407868, -0.00990659, 0.39644474,
       -0.044372022, 0.13230628, -0.15110654, -0.098282695, -0.47767425, -0.33114105, -0.20611155, 0.018521786});
  CHECK(test::values(mha->in_proj_bias) == std::vector<double>(12, 0.0));
  CHECK(test::values(mha->out_proj->bias) == std::vector<double>(4, 0.0));
  mha->eval();
  Tensor q = test::pattern({3, 2, 4}, 1);
  check_close(std::get<0>(mha(q, q, q)), {3, 2, 4},
              {0.16817579, -0.25959951, 0.026535496, -0.028204978, -0.28552046, 0.17925912, -0.080856815, -0.09096536,
               0.16898334, -0.26234937, 0.026375994, -0.026543587, -0.1818715,  0.19847801, -0.037960406, -0.027384643,
               0.16979398, -0.26511005, 0.026215833, -0.024875619, -0.21805008, 0.19470564, -0.052254215, -0.0459418});
}

TEST_CASE("MultiheadAttention with kdim/vdim has separate projections, and bias_k/bias_v draw as PyTorch's") {
  manual_seed(1);
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true));
  CHECK(mha->state_dict().tensors.keys() == std::vector<std::string>{"q_proj_weight", "k_proj_weight", "v_proj_weight",
                                                                     "in_proj_bias", "bias_k", "bias_v",
                                                                     "out_proj.weight", "out_proj.bias"});
  CHECK_FALSE(mha->in_proj_weight.defined());
  check_close(mha->q_proj_weight, {4, 4},
              {-0.32251325, -0.52304584, -0.14515941, -0.37355199, -0.27751654, 0.041466683, 0.51626176, 0.47071654,
               -0.84658384, 0.5368669, 0.24193621, 0.82147312, 0.57162857, -0.7890684, -0.82342422, -0.41771185});
  check_close(mha->k_proj_weight, {4, 3},
              {0.8129735, -0.15421292, 0.39621347, -0.4302392, 0.90843135, -0.39171305, 0.69429547, 0.010963243,
               -0.48773819, 0.47588527, -0.49144396, 0.27228805});
  check_close(mha->v_proj_weight, {4, 5},
              {-0.23576927, -0.089516118, -0.7849701,  -0.38929066, 0.44305882,   -0.19847177, 0.81327105,
               0.65449423,  -0.038231328, -0.54499769, 0.49721557,  0.25340551,   -0.52779955, 0.53035098,
               0.49569657,  0.72414672,   -0.45769504, -0.13440022, -0.015817065, 0.11925545});
  check_close(mha->bias_k, {1, 1, 4}, {0.30334979, -0.069154829, 0.41550815, -0.12385373});
  check_close(mha->bias_v, {1, 1, 4}, {-0.40147048, 0.11828734, 0.14284638, 0.34490743});
  check_close(mha->out_proj->weight, {4, 4},
              {0.2576316, -0.22068912, -0.096930742, 0.23468447, -0.47071844, 0.29985863, -0.10286266, 0.25437194,
               0.069508493, -0.061222076, 0.13868046, 0.024665892, 0.18261409, -0.1948505, -0.03645438, -0.045013666});
}

TEST_CASE("MultiheadAttention self-attention returns the output and the head-averaged weights") {
  auto mha = pattern_mha();
  Tensor q = q_input();
  auto [out, weights] = mha(q, q, q);
  check_close(out, {3, 2, 4},
              {1.3491662, 0.44058609, 1.561461,  -2.0971189, 3.6969872, -0.65747547, 4.4034824, -2.7009797,
               1.3488356, 0.44115937, 1.5610447, -2.0966315, 3.5866361, -1.1500411,  4.3183651, -3.1683121,
               1.3485053, 0.44173282, 1.5606284, -2.0961442, 3.5784702, -1.0733492,  4.3058281, -3.0959916});
  check_close(
      weights, {2, 3, 3},
      {0.34162694, 0.33257741, 0.32579568, 0.3405512, 0.3326689, 0.32677984, 0.33947787, 0.33275402, 0.32776815,
       0.19504634, 0.39716032, 0.40779331, 0.48182231, 0.25863424, 0.25954342, 0.44925976, 0.27551436, 0.27522588});
}

TEST_CASE("MultiheadAttention cross-attention returns per-head weights when not averaging") {
  auto mha = pattern_mha();
  auto [out, weights] = mha(q_input(), k_input(), v_input(), Tensor(), true, Tensor(), /*average_attn_weights=*/false);
  check_close(out, {3, 2, 4},
              {1.5258567, -0.02110076,  2.1454926, -2.1514649, 2.9330513, 0.097886682,  3.5755727, -2.0095921,
               1.5437751, -0.065258622, 2.1663523, -2.1926813, 2.8827267, -0.011513948, 3.4304619, -2.2137785,
               1.5643232, -0.11581659,  2.1901979, -2.2399421, 2.8502021, 0.026159763,  3.4102201, -2.1638222});
  check_close(weights, {2, 2, 3, 5},
              {0.090263702, 0.095390417, 0.25659868,   0.27117273,  0.28657454,  0.089469716, 0.094420843, 0.25752267,
               0.27177361,  0.28681317,  0.088680796,  0.0934591,   0.2584444,   0.27236992,  0.28704578,  0.42843238,
               0.38654301,  0.068117954, 0.061457828,  0.055448897, 0.40238366,  0.36580944,  0.084737763, 0.077035606,
               0.07003352,  0.37250429,  0.34122789,   0.10390232,  0.095178425, 0.087187022, 0.29832894,  0.31987828,
               0.34298426,  0.035173874, 0.0036346696, 0.26108712,  0.27534512,  0.29038173,  0.12592043,  0.047265582,
               0.26398757,  0.27801973,  0.29279774,   0.12114397,  0.044050969, 0.25509295,  0.24643575,  0.23807234,
               0.16973068,  0.090668343, 0.11435853,   0.10008954,  0.087600991, 0.26646489,  0.43148604,  0.15121984,
               0.13336071,  0.11761075,  0.27009755,   0.32771116});
}

TEST_CASE("MultiheadAttention bool attn_mask and key_padding_mask exclude positions") {
  auto mha = pattern_mha();
  Tensor q = q_input();
  auto [out, weights] = mha(q, q, q, padding_bool(), true, causal_bool());
  check_close(out, {3, 2, 4},
              {0.9765625, 0.5703125,  1.1953125, -1.9609375, 2.1875,    -0.8203125, 2.875,     -2.8828125,
               1.161088,  0.50722963, 1.3764088, -2.0274496, 3.2275069, -1.1185374, 3.9546947, -3.1413493,
               1.160964,  0.50744504, 1.3762525, -2.0272665, 3.5784702, -1.0733492, 4.3058281, -3.0959916});
  check_close(weights, {2, 3, 3},
              {1, 0, 0, 0.50517166, 0.4948284, 0, 0.50439662, 0.49560338, 0, 1, 0, 0, 0.61213547, 0.3878645, 0,
               0.44925976, 0.27551436, 0.27522588});
}

TEST_CASE(
    "MultiheadAttention adds a float attn_mask, 3-D per batch and head, and combines it with a bool key_padding_mask") {
  auto mha = pattern_mha();
  Tensor attn_mask = test::pattern({4, 3, 5}, 4);
  Tensor key_padding_mask =
      test::make<bool>({false, true, false, false, false, false, false, false, false, true}, {2, 5}, kBool);
  auto [out, weights] = mha(q_input(), k_input(), v_input(), key_padding_mask, true, attn_mask);
  check_close(out, {3, 2, 4},
              {1.3892937, 0.75854993,  1.9647416, -1.4160023, 2.7514627, 0.043407798, 3.2699878, -2.1880672,
               1.4128857, 0.098985553, 2.0140877, -2.0498123, 2.5317063, 0.22165918,  3.0392032, -2.0208435,
               1.7442226, -0.23592806, 2.3159595, -2.4141912, 2.5646675, 0.29639679,  3.2810104, -1.7372601});
  check_close(weights, {2, 3, 5},
              {0.44843382, 0,          0.13676855, 0.097327739, 0.31746989, 0.2587125,  0,          0.38744494,
               0.14537138, 0.20847118, 0.28222492, 0,           0.14585289, 0.28877535, 0.28314683, 0.15759233,
               0.21734831, 0.36979592, 0.25526351, 0,           0.17419693, 0.31294623, 0.37147012, 0.14138669,
               0,          0.37848926, 0.13941792, 0.22833985,  0.25375289, 0});
}

TEST_CASE("MultiheadAttention adds a float key_padding_mask") {
  auto mha = pattern_mha();
  auto [out, weights] = mha(q_input(), k_input(), v_input(), test::pattern({2, 5}, 5));
  check_close(out, {3, 2, 4},
              {1.3033643, 0.29525554, 1.8994032, -1.8587056, 2.0946393, 0.47862345, 2.755368,  -1.6106482,
               1.3336239, 0.21317756, 1.935761,  -1.9346855, 2.3300838, 0.25419283, 2.8933234, -1.9325674,
               1.3668728, 0.12315607, 1.9756474, -2.0180693, 2.2492738, 0.31809592, 2.8322005, -1.8489772});
  check_close(weights, {2, 3, 5},
              {0.32205474,  0.10956145, 0.37498385,  0.14051799,  0.052881915, 0.29906765, 0.10251908,  0.39562324,
               0.14753699,  0.05525307, 0.27391267,  0.094637349, 0.41821587,  0.15531743, 0.057916664, 0.25397742,
               0.095239446, 0.56017649, 0.077275448, 0.013331291, 0.20553102,  0.07408911, 0.42117679,  0.20042101,
               0.098782107, 0.22109756, 0.079338886, 0.44874918,  0.18273865,  0.068075694});
}

TEST_CASE("MultiheadAttention sums a float attn_mask and a float key_padding_mask, as PyTorch 2 does") {
  auto mha = pattern_mha();
  Tensor attn_mask = test::pattern({4, 3, 5}, 4);
  Tensor key_padding_mask = test::pattern({2, 5}, 5);
  // The key padding mask repeated for each head (batch-major), broadcast over the query positions.
  Tensor first = key_padding_mask.select(0, 0), second = key_padding_mask.select(0, 1);
  Tensor combined = attn_mask + stack({first, first, second, second}).unsqueeze(1);
  auto both = mha(q_input(), k_input(), v_input(), key_padding_mask, true, attn_mask);
  auto summed = mha(q_input(), k_input(), v_input(), Tensor(), true, combined);
  CHECK(test::values(std::get<0>(both)) == test::values(std::get<0>(summed)));
  CHECK(test::values(std::get<1>(both)) == test::values(std::get<1>(summed)));
}

TEST_CASE("MultiheadAttention takes unbatched inputs") {
  auto mha = pattern_mha();
  Tensor key_padding_mask = test::make<bool>({false, true, false, false, true}, {5}, kBool);
  auto [out, weights] = mha(q_input().select(1, 0), k_input().select(1, 0), v_input().select(1, 0), key_padding_mask);
  check_close(out, {3, 4},
              {1.2320752, 0.65680033, 1.7764502, -1.5488245, 1.2684042, 0.55623937, 1.8205631, -1.6416018, 1.3095559,
               0.44259721, 1.8704234, -1.7465352});
  check_close(weights, {3, 5},
              {0.45691913, 0, 0.26862901, 0.27445188, 0, 0.42892069, 0, 0.28319496, 0.28788432, 0, 0.39742708, 0,
               0.29948241, 0.30309051, 0});
}

TEST_CASE("MultiheadAttention with batch_first takes and returns (batch, seq, feature)") {
  auto mha = pattern_mha(nn::MultiheadAttentionOptions(4, 2).batch_first(true));
  auto [out, weights] = mha(q_input().transpose(0, 1), k_input().transpose(0, 1), v_input().transpose(0, 1));
  check_close(out, {2, 3, 4},
              {1.5258567, -0.02110076,  2.1454926, -2.1514649, 1.5437751, -0.065258622, 2.1663523, -2.1926813,
               1.5643232, -0.11581659,  2.1901979, -2.2399421, 2.9330513, 0.097886682,  3.5755727, -2.0095921,
               2.8827267, -0.011513948, 3.4304619, -2.2137785, 2.8502021, 0.026159763,  3.4102201, -2.1638222});
  CHECK(test::shape(weights) == std::vector<int64_t>{2, 3, 5});
}

TEST_CASE("MultiheadAttention with need_weights = false returns undefined weights") {
  auto mha = pattern_mha();
  auto [out, weights] = mha(q_input(), k_input(), v_input(), Tensor(), /*need_weights=*/false);
  check_close(out, {3, 2, 4},
              {1.5258567, -0.02110076,  2.1454926, -2.1514649, 2.9330513, 0.097886682,  3.5755727, -2.0095921,
               1.5437751, -0.065258622, 2.1663523, -2.1926813, 2.8827267, -0.011513948, 3.4304619, -2.2137785,
               1.5643232, -0.11581659,  2.1901979, -2.2399421, 2.8502021, 0.026159763,  3.4102201, -2.1638222});
  CHECK_FALSE(weights.defined());
}

TEST_CASE("MultiheadAttention with kdim/vdim, add_bias_kv and add_zero_attn appends two unmasked keys") {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).add_zero_attn(true));
  load_pattern(*mha, {"q_proj_weight", "k_proj_weight", "v_proj_weight", "in_proj_bias", "bias_k", "bias_v",
                      "out_proj.weight", "out_proj.bias"});
  mha->eval();
  Tensor key_padding_mask = zeros({2, 5}, kBool);
  key_padding_mask.select(1, 4).fill_(1);
  auto [out, weights] =
      mha(q_input(), test::pattern({5, 2, 3}, 6) * 0.5, test::pattern({5, 2, 5}, 7) * 0.5, key_padding_mask);
  check_close(out, {3, 2, 4},
              {1.6066778, -0.60402769, 2.1428485, -0.067856908, 1.6182176, -0.86209065, 2.1411331, -0.33917505,
               1.5889517, -0.58946669, 2.1196444, -0.058773905, 1.7668222, -0.83629799, 2.2270093, -0.37611103,
               1.5724745, -0.5721364,  2.0971909, -0.047420084, 1.7727548, -0.82562351, 2.2342196, -0.36415875});
  check_close(weights, {2, 3, 7}, {0.080227785, 0.086218104, 0.10315735, 0.11232633,  0, 0.40727642,  0.21079409,
                                   0.083133601, 0.089242123, 0.11051802, 0.12085287,  0, 0.37838626,  0.21786717,
                                   0.087412916, 0.093595169, 0.11923616, 0.13083369,  0, 0.345871,    0.22305115,
                                   0.15660885,  0.19364493,  0.24284619, 0.12744556,  0, 0.071891956, 0.20756249,
                                   0.16424209,  0.18017289,  0.19882086, 0.086392276, 0, 0.17489311,  0.19547874,
                                   0.17617103,  0.19278698,  0.21687585, 0.086455241, 0, 0.14323297,  0.18447794});
}

TEST_CASE("MultiheadAttention without bias has no in_proj_bias or out_proj.bias") {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 1).bias(false));
  load_pattern(*mha, {"in_proj_weight", "out_proj.weight"});
  check_close(std::get<0>(mha(q_input(), k_input(), v_input())), {3, 2, 4},
              {-0.50817126, 0.84309393, -0.55631697, -0.15760218, 0.55127048,  -1.210252,   0.64837164,    0.31207842,
               -0.50124276, 0.86866844, -0.53928077, -0.18423222, 0.099876702, -0.69200945, -0.0058145821, 0.40969703,
               -0.49340329, 0.8962183,  -0.52046525, -0.21326667, 0.19625974,  -0.79426825, 0.13092525,    0.38678673});
}

TEST_CASE("MultiheadAttention backward gives PyTorch's gradients") {
  auto mha = pattern_mha();
  mha->train();
  Tensor q = q_input().requires_grad_();
  Tensor out = std::get<0>(mha(q, k_input(), v_input()));
  (out * test::pattern({3, 2, 4}, 8)).sum().backward();
  check_close(q.grad(), {3, 2, 4}, {-0.12643458,  0.084712818,  -0.066246465, -0.056678712, 0.057067793,  -0.036977097,
                                    0.064645439,  0.10256159,   -0.13788779,  0.11144698,   -0.072406135, -0.191899,
                                    0.052104212,  -0.062850498, 0.034734488,  -0.56555599,  -0.1641261,   0.14913346,
                                    -0.083129935, -0.34363246,  0.15279819,   -0.15955673,  0.14360508,   -0.69911426});
  check_close(mha->in_proj_bias.grad(), {12},
              {-0.55464733, 0.62439913, 0.73742127, -0.55693203, -2.30968e-07, 1.8626451e-08, -2.9802322e-08,
               2.0861626e-07, -0.93749988, 0.62499982, 0.125, -1.0625001});
  CHECK(mha->out_proj->weight.grad().defined());
}

TEST_CASE("MultiheadAttention dropout zeroes attention weights in training only") {
  auto mha = pattern_mha(nn::MultiheadAttentionOptions(4, 2).dropout(0.5));
  const Tensor eval_weights = std::get<1>(mha(q_input(), k_input(), v_input(), Tensor(), true, Tensor(), false));
  mha->train();
  manual_seed(0);
  const Tensor train_weights = std::get<1>(mha(q_input(), k_input(), v_input(), Tensor(), true, Tensor(), false));
  const auto kept = test::values(train_weights), reference = test::values(eval_weights);
  int zeros = 0;
  for (size_t i = 0; i < kept.size(); ++i) {
    if (kept[i] == 0)
      ++zeros;
    else
      CHECK(kept[i] == doctest::Approx(2 * reference[i]));  // kept weights are scaled by 1 / (1 - p)
  }
  CHECK(zeros > 0);
  CHECK(zeros < int(kept.size()));
}

TEST_CASE("MultiheadAttention rejects bad configurations and inputs with a clear message") {
  CHECK(test::contains(test::error_of([] { nn::MultiheadAttention(5, 2); }), "divisible by num_heads"));
  auto mha = pattern_mha();
  Tensor q = q_input();
  CHECK(test::contains(test::error_of([&] {
                         mha(q, q, q, Tensor(), true, ones({2, 3}, kBool));
                       }),
                       "2-D attn_mask is [2, 3], but should be [3, 3]"));
  CHECK(test::contains(test::error_of([&] {
                         mha(q, q, q, Tensor(), true, ones({3, 3, 3}, kBool));
                       }),
                       "should be [4, 3, 3]"));
  CHECK(test::contains(test::error_of([&] { mha(q, q, q, zeros({2, 3}, kLong)); }), "bool and floating"));
  CHECK(test::contains(test::error_of([&] {
                         mha(q, q, q, zeros({3, 2}, kBool));
                       }),
                       "key_padding_mask of shape [2, 3]"));
  CHECK(test::contains(test::error_of([&] {
                         mha(ones({3, 2, 5}), ones({3, 2, 5}), ones({3, 2, 5}));
                       }),
                       "embedding dimension 4"));
  CHECK(test::contains(test::error_of([&] { mha(ones({3, 2, 4}), ones({3, 4}), ones({3, 4})); }), "3-D"));
}

TEST_CASE("MultiheadAttention prints as PyTorch's, out_proj as NonDynamicallyQuantizableLinear") {
  nn::MultiheadAttention mha(4, 2);
  CHECK(repr(*mha) ==
        "MultiheadAttention(\n"
        "  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n"
        ")");
}

// ---- encoder and decoder layers ----

TEST_CASE("TransformerEncoderLayer (post-norm, relu) matches PyTorch, with and without masks") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0));
  load_pattern(*layer, kEncoderLayerKeys);
  layer->eval();
  check_close(layer(src_input()), {3, 2, 4},
              {-0.16624629, 0.22581005, 0.16739266, 2.3696136, -0.40226743, 0.2709412,  0.2776559, 2.5249231,
               -0.16967654, 0.22594044, 0.16756289, 2.3720636, -0.40224656, 0.27093947, 0.2776542, 2.5249112,
               -0.47715485, 0.28375477, 0.30106774, 2.564795,  -0.40222579, 0.27093789, 0.2776525, 2.5248995});
  check_close(layer(src_input(), causal_bool(), padding_bool()), {3, 2, 4},
              {-0.20491339, 0.22760487, 0.1700851,  2.3969579, -0.40750122, 0.27269584, 0.28181726, 2.5276403,
               -0.21364644, 0.22860244, 0.17254616, 2.4032354, -0.40466756, 0.271806,   0.27973899, 2.5261617,
               -0.39041573, 0.26762605, 0.2699981,  2.5184925, -0.40222579, 0.27093789, 0.2776525,  2.5248995});
}

TEST_CASE("TransformerEncoderLayer with gelu, norm_first, batch_first and layer_norm_eps matches PyTorch") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2)
                                        .dim_feedforward(8)
                                        .dropout(0.0)
                                        .activation("gelu")
                                        .norm_first(true)
                                        .batch_first(true)
                                        .layer_norm_eps(1e-3));
  load_pattern(*layer, kEncoderLayerKeys);
  layer->eval();
  check_close(layer(src_input().transpose(0, 1), causal_bool()), {2, 3, 4},
              {6.1338463, -3.5305145, 8.2539883, -4.7639189, 6.2588463, -3.4055145,  8.3789883, -4.6389189,
               3.4478197, -2.0136716, 7.5324507, -3.8181667, 6.2342486, -1.0055716,  9.8274651, -2.9460924,
               6.3592482, -0.8805716, 9.9524651, -2.8210919, 6.4842491, -0.75557172, 10.077466, -2.6960926});
}

TEST_CASE("TransformerEncoderLayer takes a custom activation function and rejects unknown names") {
  nn::TransformerEncoderLayer relu_layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0));
  nn::TransformerEncoderLayer custom(
      nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0).activation(
          [](const Tensor& x) { return x.clamp_min(0.0); }));
  load_pattern(*relu_layer, kEncoderLayerKeys);
  load_pattern(*custom, kEncoderLayerKeys);
  CHECK(custom->options.activation().name().empty());
  CHECK(test::values(custom(src_input())) == test::values(relu_layer(src_input())));
  CHECK(test::contains(
      test::error_of([] { nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(4, 2).activation("tanh")); }),
      "activation should be \"relu\" or \"gelu\""));
}

TEST_CASE("TransformerEncoderLayer on an unbatched (S, E) input equals one batch element of the batched result") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0));
  load_pattern(*layer, kEncoderLayerKeys);
  layer->eval();
  check_close(layer(src_input().select(1, 1), causal_bool()), {3, 4},
              test::values(layer(src_input(), causal_bool()).select(1, 1)));
}

TEST_CASE("forward hooks see MultiheadAttention's tensors") {
  auto mha = pattern_mha();
  size_t seen = 0;
  mha->register_forward_hook([&](nn::Module&, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs) {
    seen = inputs.size() + outputs.size();
    return std::optional<std::vector<Tensor>>();
  });
  Tensor q = q_input();
  auto [out, weights] = mha(q, q, q);
  CHECK(seen == 3 + 2);  // the arguments passed (query, key, value); output and weights
  check_close(out, {3, 2, 4},
              {1.3491662, 0.44058609, 1.561461,  -2.0971189, 3.6969872, -0.65747547, 4.4034824, -2.7009797,
               1.3488356, 0.44115937, 1.5610447, -2.0966315, 3.5866361, -1.1500411,  4.3183651, -3.1683121,
               1.3485053, 0.44173282, 1.5606284, -2.0961442, 3.5784702, -1.0733492,  4.3058281, -3.0959916});
}

TEST_CASE("TransformerDecoderLayer matches PyTorch, post-norm with masks and pre-norm") {
  nn::TransformerDecoderLayer layer(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0));
  load_pattern(*layer, kDecoderLayerKeys);
  layer->eval();
  Tensor tgt_mask = nn::TransformerImpl::generate_square_subsequent_mask(2);
  check_close(layer(tgt_input(), src_input(), tgt_mask, Tensor(), Tensor(), padding_bool()), {2, 2, 4},
              {0.25, -1.8505354, -0.080826074, 0.10039461, 0.25, -1.8425037, -0.07401827, 0.10526115, 0.25, -1.8610032,
               -0.086217314, 0.096046776, 0.25, -1.8422623, -0.073980361, 0.1053016});

  nn::TransformerDecoderLayer pre(
      nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0).norm_first(true));
  load_pattern(*pre, kDecoderLayerKeys);
  pre->eval();
  check_close(pre(tgt_input(), src_input()), {2, 2, 4},
              {3.4164536, 0.72290421, 1.5266844, -2.5418649, 1.26017, 0.38878381, 0.9049964, -2.7163901, 2.9142306,
               0.62503147, 2.4888768, -2.5503216, 1.3851702, 0.51378405, 1.0299959, -2.5913904});
}

TEST_CASE("transformer layers print as PyTorch's") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8));
  CHECK(repr(*layer) ==
        "TransformerEncoderLayer(\n"
        "  (self_attn): MultiheadAttention(\n"
        "    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n"
        "  )\n"
        "  (linear1): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (dropout): Dropout(p=0.1, inplace=False)\n"
        "  (linear2): Linear(in_features=8, out_features=4, bias=True)\n"
        "  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "  (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "  (dropout1): Dropout(p=0.1, inplace=False)\n"
        "  (dropout2): Dropout(p=0.1, inplace=False)\n"
        ")");
}

// ---- stacks ----

TEST_CASE("TransformerEncoder deep-copies the layer: equal weights, separate tensors, no random draws") {
  manual_seed(3);
  nn::TransformerEncoderLayer reference(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8));
  const Tensor next_draw = rand({3});
  manual_seed(3);
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8));
  layer->eval();
  nn::TransformerEncoder encoder(layer, 3);
  CHECK(test::values(rand({3})) == test::values(next_draw));
  REQUIRE(encoder->layers.size() == 3);
  for (auto& copy : encoder->layers) {
    CHECK_FALSE(copy->is_training());
    CHECK_FALSE(copy->self_attn->is_training());
    CHECK(test::values(copy->self_attn->in_proj_weight) == test::values(layer->self_attn->in_proj_weight));
    CHECK(test::values(copy->linear2->weight) == test::values(layer->linear2->weight));
    CHECK_FALSE(copy->linear2->weight.is_same(layer->linear2->weight));
    CHECK(copy->linear2->weight.requires_grad());
  }
  CHECK(encoder->parameters().size() == 3 * layer->parameters().size());
  CHECK(encoder->named_children().keys() == std::vector<std::string>{"layers"});
}

TEST_CASE("TransformerEncoder with a final norm matches PyTorch") {
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0)), 2,
      nn::LayerNorm(std::vector<int64_t>{4}));
  std::vector<std::string> keys = prefixed("layers.0.", kEncoderLayerKeys);
  for (auto& k : prefixed("layers.1.", kEncoderLayerKeys)) keys.push_back(k);
  keys.push_back("norm.weight");
  keys.push_back("norm.bias");
  load_pattern(*encoder, keys);
  encoder->eval();
  check_close(encoder(src_input(), causal_bool()), {3, 2, 4},
              {0.72156477, 2.1001184, 0.25, -0.73850441, 0.72145456, 2.100657,  0.25, -0.73810202,
               0.72157848, 2.1001022, 0.25, -0.73855847, 0.72145045, 2.1006629, 0.25, -0.73808545,
               0.72233522, 2.0988173, 0.25, -0.74151438, 0.72144669, 2.100668,  0.25, -0.73807126});
}

TEST_CASE("TransformerDecoder stacks decoder layers") {
  nn::TransformerDecoderLayer layer(nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(8).dropout(0.0));
  nn::TransformerDecoder decoder(nn::TransformerDecoderOptions(layer, 2));
  CHECK(decoder->named_children().keys() == std::vector<std::string>{"layers"});
  CHECK(decoder->state_dict().tensors.size() == 2 * kDecoderLayerKeys.size());
  decoder->eval();
  // Without a final norm, two layers are the layer applied twice (all copies share the weights' values).
  layer->eval();
  Tensor memory = src_input();
  CHECK(test::values(decoder(tgt_input(), memory)).size() == 16);
  check_close(decoder(tgt_input(), memory), {2, 2, 4}, test::values(layer(layer(tgt_input(), memory), memory)));
}

// ---- the model ----

TEST_CASE("Transformer::generate_square_subsequent_mask is -inf above the diagonal") {
  check_close(nn::TransformerImpl::generate_square_subsequent_mask(3), {3, 3},
              {0, -INFINITY, -INFINITY, 0, 0, -INFINITY, 0, 0, 0});
}

TEST_CASE("Transformer matches PyTorch for loaded weights, with state_dict keys as PyTorch's") {
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(8).dropout(0.0));
  std::vector<std::string> keys = prefixed("encoder.layers.0.", kEncoderLayerKeys);
  keys.push_back("encoder.norm.weight");
  keys.push_back("encoder.norm.bias");
  for (auto& k : prefixed("decoder.layers.0.", kDecoderLayerKeys)) keys.push_back(k);
  keys.push_back("decoder.norm.weight");
  keys.push_back("decoder.norm.bias");
  load_pattern(*model, keys);
  model->eval();
  Tensor tgt_mask = nn::TransformerImpl::generate_square_subsequent_mask(2);
  check_close(model(src_input(), tgt_input(), Tensor(), tgt_mask, Tensor(), padding_bool(), Tensor(), padding_bool()),
              {2, 2, 4},
              {0.8303535, 0.24946499, -0.20867097, 0.97629595, 0.8303082, 0.24941728, -0.20912471, 0.97591805,
               0.83079529, 0.24975097, -0.20771393, 0.97607493, 0.83029938, 0.24942186, -0.20894668, 0.97614384});
}

TEST_CASE("Transformer's default initialisation equals PyTorch's for the same seed") {
  manual_seed(0);
  nn::Transformer model(nn::TransformerOptions(4, 2, 2, 1).dim_feedforward(8).dropout(0.0));
  model->eval();
  check_close(model->encoder->layers[1]->linear1->weight, {8, 4},
              {-0.26075816, 0.69388837,  -0.67087692, -0.67787582, 0.69677234,  -0.44737935, 0.13556887,  -0.061027624,
               -0.14895698, -0.15793073, 0.44932434,  0.033797558, -0.68844944, -0.41744766, -0.24105291, 0.35582772,
               -0.45759264, 0.66674483,  -0.15749341, -0.12696949, 0.55405915,  0.35539731,  0.59971166,  0.40902191,
               -0.2145036,  -0.46914583, -0.0526109,  0.58522815,  -0.23731904, -0.65574956, 0.28986317,  0.68834823});
  check_close(
      model->decoder->layers[0]->multihead_attn->in_proj_weight, {12, 4},
      {-0.091234915, -0.024283685, 0.41935953,   -0.16569154, 0.53682631,  -0.40772501,  -0.066264734, -0.032891098,
       0.27324665,   0.41866443,   -0.09706334,  -0.5073387,  0.30342579,  0.18318005,   0.24598959,   -0.37775278,
       0.39412022,   0.58001161,   0.053136397,  -0.57198554, 0.42987928,  -0.45404434,  0.14076735,   0.088988617,
       -0.28661269,  0.21322536,   -0.54772592,  0.13947363,  -0.38821411, -0.066218086, 0.078768767,  0.5217073,
       -0.29217532,  0.39230791,   -0.077792019, -0.2908327,  -0.53325373, -0.56186301,  0.59804946,   -0.15272541,
       0.030587276,  0.16602172,   0.41624928,   0.52264404,  0.49664456,  -0.4536964,   -0.09811236,  -0.36236382});
  check_close(model(src_input(), tgt_input()), {2, 2, 4},
              {-1.3738085, 1.1660395, -0.50083774, 0.70860678, 1.0246437, -1.2626145, 0.93371099, -0.69573998,
               -1.6750489, 0.29219297, 0.96769732, 0.41515878, 1.0246269, -1.2626202, 0.93372673, -0.69573349});
}

TEST_CASE("Transformer trains: backward reaches every parameter") {
  manual_seed(0);
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(8));
  Tensor out = model(src_input(), tgt_input(), Tensor(), nn::TransformerImpl::generate_square_subsequent_mask(2));
  out.pow(2).sum().backward();
  for (const auto& item : model->named_parameters()) {
    INFO(item.key());
    CHECK(item.value().grad().defined());
  }
}

TEST_CASE("Transformer checks src and tgt shapes") {
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(8));
  CHECK(test::contains(test::error_of([&] { model(ones({3, 2, 4}), ones({2, 3, 4})); }), "batch number"));
  CHECK(test::contains(test::error_of([&] { model(ones({3, 2, 4}), ones({2, 2, 5})); }), "d_model=4"));
}

TEST_CASE("Transformer prints as PyTorch's") {
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(8));
  CHECK(repr(*model) ==
        "Transformer(\n"
        "  (encoder): TransformerEncoder(\n"
        "    (layers): ModuleList(\n"
        "      (0): TransformerEncoderLayer(\n"
        "        (self_attn): MultiheadAttention(\n"
        "          (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n"
        "        )\n"
        "        (linear1): Linear(in_features=4, out_features=8, bias=True)\n"
        "        (dropout): Dropout(p=0.1, inplace=False)\n"
        "        (linear2): Linear(in_features=8, out_features=4, bias=True)\n"
        "        (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "        (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "        (dropout1): Dropout(p=0.1, inplace=False)\n"
        "        (dropout2): Dropout(p=0.1, inplace=False)\n"
        "      )\n"
        "    )\n"
        "    (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "  )\n"
        "  (decoder): TransformerDecoder(\n"
        "    (layers): ModuleList(\n"
        "      (0): TransformerDecoderLayer(\n"
        "        (self_attn): MultiheadAttention(\n"
        "          (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n"
        "        )\n"
        "        (multihead_attn): MultiheadAttention(\n"
        "          (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=True)\n"
        "        )\n"
        "        (linear1): Linear(in_features=4, out_features=8, bias=True)\n"
        "        (dropout): Dropout(p=0.1, inplace=False)\n"
        "        (linear2): Linear(in_features=8, out_features=4, bias=True)\n"
        "        (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "        (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "        (norm3): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "        (dropout1): Dropout(p=0.1, inplace=False)\n"
        "        (dropout2): Dropout(p=0.1, inplace=False)\n"
        "        (dropout3): Dropout(p=0.1, inplace=False)\n"
        "      )\n"
        "    )\n"
        "    (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
        "  )\n"
        ")");
}
