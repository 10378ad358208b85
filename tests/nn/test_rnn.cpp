// RNN, LSTM, GRU and their cells: outputs, final states and gradients against PyTorch 1.13 for the same seed
// (scripts/golden/nn_rnn.py), parameter names and shapes, printing and input checks.
#include <doctest/doctest.h>

#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;
using test::pattern;

namespace {

std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// PyTorch's values for float32 math done in a different order: equal within 1e-5.
void check_close(const Tensor& actual, const std::vector<int64_t>& shape, const std::vector<double>& expected) {
  CHECK(test::shape(actual) == shape);
  const std::vector<double> a = test::values(actual);
  REQUIRE(a.size() == expected.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element ", i);
    CHECK(a[i] == doctest::Approx(expected[i]).epsilon(1e-5).scale(1));
  }
}

std::vector<std::pair<std::string, std::vector<int64_t>>> names_and_shapes(const nn::Module& m) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  for (const auto& item : m.named_parameters()) out.emplace_back(item.key(), test::shape(item.value()));
  return out;
}

}  // namespace

TEST_CASE("a 2-layer batch_first LSTM matches PyTorch's outputs and final states") {
  manual_seed(0);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).batch_first(true));
  auto [output, state] = lstm(pattern({2, 3, 3}));
  auto [h_n, c_n] = state;
  check_close(output, {2, 3, 4}, {0.050712645,  -0.16340432, -0.02720122,  0.080672413, 0.077833854,  -0.22912467,
                                  -0.039632946, 0.1106753,   0.090600856,  -0.25560009, -0.044849083, 0.12923217,
                                  0.05360923,   -0.18853953, -0.030278867, 0.068118304, 0.063235581,  -0.26388368,
                                  -0.034737214, 0.083011508, 0.057188939,  -0.30370939, -0.03166154,  0.086980127});
  check_close(h_n, {2, 2, 4},
              {-0.069589175, -0.10594002, 0.059619728, 0.13315861, 0.062395852, -0.046370178, -0.2934927, 0.13198294,
               0.090600856, -0.25560009, -0.044849083, 0.12923217, 0.057188939, -0.30370939, -0.03166154, 0.086980127});
  check_close(c_n, {2, 2, 4},
              {-0.19870152, -0.17487718, 0.088381417, 0.46614233, 0.1349401, -0.10197626, -0.54604769, 0.30672678,
               0.21788253, -0.44970614, -0.11619629, 0.23141228, 0.1295995, -0.53499436, -0.074654505, 0.15158397});
}

TEST_CASE("LSTM gradients of the summed output match PyTorch's for the input and weight_ih_l0") {
  manual_seed(0);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).batch_first(true));
  Tensor x = pattern({2, 3, 3}).requires_grad_();
  std::get<0>(lstm(x)).sum().backward();
  check_close(x.grad(), {2, 3, 3},
              {-0.029147403, 0.073189229, -0.07230933, -0.03648337, 0.052800033, -0.053635128, -0.01990651, 0.030795543,
               -0.027995626, -0.056074962, 0.11171655, -0.095177211, -0.022418164, 0.014001777, -0.01669929,
               -0.01185246, 0.014247635, -0.0041571069});
  check_close(
      lstm->named_parameters()["weight_ih_l0"].grad(), {16, 3},
      {0.0022355476,  0.00033425627, -0.0053789173, 0.0010790598,   6.1677179e-05,  2.0002917e-05, -0.068161286,
       0.051483415,   -0.089524597,  0.0020757865,  0.0016074269,   -0.020521762,   0.00023985404, -0.00022214653,
       0.00056997972, -0.0008403972, 0.00056501775, -0.00057287136, 0.025863558,    0.010336591,   -0.02607128,
       0.0060880994,  -0.0025878502, 0.0035842075,  -0.0051471726,  -0.00068693678, 0.015995415,   0.021641828,
       -0.016434362,  0.0162457,     0.2921963,     0.0028465632,   -0.50141174,    0.025790423,   -0.012464824,
       0.0052858945,  0.0027420905,  -0.0001050967, -0.004622099,   0.0014712756,   0.0002307719,  -0.00064493716,
       -0.037887342,  0.051399939,   -0.089456841,  0.01289019,     -0.0030204915,  -0.0097944308});
}

TEST_CASE("a bidirectional GRU concatenates the forward and reverse directions as PyTorch does") {
  manual_seed(1);
  nn::GRU gru(nn::GRUOptions(3, 4).bidirectional(true));
  auto [output, h_n] = gru(pattern({3, 2, 3}, 1));
  check_close(
      output, {3, 2, 8},
      {0.018015573,   -0.26476625, -0.0029523927, -0.029101286, -0.14002925,   -0.044624686, 0.3917329,  -0.21238452,
       -0.0021223649, -0.27145052, -0.11780453,   0.097180888,  -0.18837211,   -0.12491313,  0.42015216, -0.14522526,
       -0.14507279,   -0.18786594, -0.044438943,  -0.36255139,  -0.0013379455, 0.064099252,  0.28615636, -0.11432555,
       -0.17520818,   -0.19981524, -0.18396595,   -0.16096583,  0.035255101,   0.0056905597, 0.29581264, -0.0080065578,
       -0.27563059,   -0.17232917, -0.21406987,   -0.20598343,  -0.16300878,   -0.037755169, 0.33943406, -0.067092724,
       -0.0032882392, 0.13814074,  -0.077443942,  -0.31208542,  0.090717748,   -0.02311115,  0.13899365, 0.1285208});
  check_close(h_n, {2, 2, 4},
              {-0.27563059, -0.17232917, -0.21406987, -0.20598343, -0.0032882392, 0.13814074, -0.077443942, -0.31208542,
               -0.14002925, -0.044624686, 0.3917329, -0.21238452, -0.18837211, -0.12491313, 0.42015216, -0.14522526});
}

TEST_CASE("bidirectional GRU gradients match PyTorch's for the input and weight_hh_l0_reverse") {
  manual_seed(1);
  nn::GRU gru(nn::GRUOptions(3, 4).bidirectional(true));
  Tensor x = pattern({3, 2, 3}, 1).requires_grad_();
  std::get<0>(gru(x)).sum().backward();
  check_close(
      x.grad(), {3, 2, 3},
      {-0.17272408, -0.059496075, 0.7273764, -0.068146162, -0.05521737, 0.71593666, 0.22491904, -0.40430242, 0.47163254,
       0.33542216, -0.38895613, 0.48253906, 0.54591125, -0.10718873, 0.55448765, 0.30918467, 0.10400961, 0.42151293});
  check_close(gru->named_parameters()["weight_hh_l0_reverse"].grad(), {12, 4},
              {0.013057756,  0.0044868053,  -0.084413692,  0.0024137236,  -0.0018560592,  -0.0014311572, 0.024884988,
               0.0012920568, -0.006862517,  -0.0029138867, 0.041129544,   -3.4398399e-05, -0.0027272846, 0.0010983869,
               0.067980543,  -0.0053466354, 0.025353836,   0.009740958,   0.034944002,    0.00028606039, 0.018434253,
               0.010677872,  0.011202738,   -0.0068237344, -0.019942351,  -0.0038507124,  -0.050774198,  -0.0087653166,
               0.0048370492, -0.0014927255, 0.046608064,   0.0068241246,  -0.036417391,   -0.024158835,  0.33557725,
               0.017214529,  -0.027790289,  -0.020834781,  0.275693,      0.018150123,    -0.037160721,  -0.017986733,
               0.25615332,   0.0042086551,  -0.01406455,   -0.0038303817, 0.2721476,      -0.0068714619});
}

TEST_CASE("a 2-layer relu RNN starts from the given h0") {
  manual_seed(2);
  nn::RNN rnn(nn::RNNOptions(3, 4).num_layers(2).nonlinearity("relu"));
  auto [output, h_n] = rnn(pattern({3, 2, 3}, 2), pattern({2, 2, 4}, 3));
  check_close(output, {3, 2, 4},
              {0, 0,          0, 0.82188678, 0, 0.30240193, 0.35359815, 0.52189696, 0, 0.64828879, 0, 0.14926586,
               0, 0.71075386, 0, 0.34879285, 0, 0.65957153, 0,          0.44860679, 0, 0.77007532, 0, 0.35453269});
  check_close(h_n, {2, 2, 4}, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0.65957153, 0, 0.44860679, 0, 0.77007532, 0, 0.35453269});
}

TEST_CASE("an unbatched 2-D sequence gives unbatched outputs and 2-D states") {
  manual_seed(3);
  nn::LSTM lstm(3, 4);
  auto [output, state] = lstm(pattern({3, 3}, 4), std::make_tuple(pattern({1, 4}, 5), pattern({1, 4}, 6)));
  check_close(output, {3, 4},
              {0.15040553, -0.10545303, -0.026052104, -0.067332305, 0.05478299, -0.1738597, -0.13830653, -0.14005797,
               0.075171985, -0.1780428, -0.15568897, -0.18529393});
  check_close(std::get<0>(state), {1, 4}, {0.075171985, -0.1780428, -0.15568897, -0.18529393});
  check_close(std::get<1>(state), {1, 4}, {0.3976343, -0.40882936, -0.32863671, -0.40930924});
}

TEST_CASE("an LSTM with proj_size projects h with weight_hr") {
  manual_seed(4);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).proj_size(2));
  CHECK(names_and_shapes(*lstm) == std::vector<std::pair<std::string, std::vector<int64_t>>>{{"weight_ih_l0", {16, 3}},
                                                                                             {"weight_hh_l0", {16, 2}},
                                                                                             {"bias_ih_l0", {16}},
                                                                                             {"bias_hh_l0", {16}},
                                                                                             {"weight_hr_l0", {2, 4}}});
  auto [output, state] = lstm(pattern({2, 2, 3}, 7));
  check_close(
      output, {2, 2, 2},
      {-0.0044181542, -0.016700912, 0.0052818041, -0.018631337, 0.009050874, -0.038876187, 0.018562563, -0.042767785});
  check_close(std::get<0>(state), {1, 2, 2}, {0.009050874, -0.038876187, 0.018562563, -0.042767785});
  check_close(std::get<1>(state), {1, 2, 4},
              {-0.16488519, -0.70504194, -0.68819183, -0.22985291, -0.23707478, -0.81265879, -0.72009385, -0.26928437});
}

TEST_CASE("dropout acts between layers in training only, with PyTorch's masks for the same seed") {
  manual_seed(5);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).dropout(0.5));
  const Tensor x = pattern({3, 2, 3}, 8);
  check_close(
      std::get<0>(lstm(x)), {3, 2, 4},
      {0.036904208,  0.079000495, 0.019899415, -0.14062291, -0.014406767, 0.038378395, 0.037015282, -0.15268123,
       0.0048311655, 0.079828262, 0.051316421, -0.21781759, -0.049781829, 0.06484285,  0.052021876, -0.21384902,
       -0.032621413, 0.078603767, 0.066837162, -0.24045171, -0.11362848,  0.044645194, 0.071832791, -0.24887125});
  lstm->eval();
  check_close(
      std::get<0>(lstm(x)), {3, 2, 4},
      {-0.014400123, 0.04244379,  0.032931842, -0.15097384, -0.020776844, 0.029327648, 0.036677845, -0.14696725,
       -0.045563389, 0.062806673, 0.048843838, -0.20435917, -0.054698188, 0.046955112, 0.054224625, -0.20169047,
       -0.076930493, 0.067846306, 0.056975119, -0.22614121, -0.03892716,  0.077490665, 0.058056425, -0.22631556});
}

TEST_CASE("a 2-layer bidirectional batch_first LSTM with proj_size feeds 2 * proj_size features to layer 1") {
  manual_seed(8);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true).proj_size(2).batch_first(true));
  CHECK(test::shape(lstm->named_parameters()["weight_ih_l1_reverse"]) == std::vector<int64_t>{16, 4});
  auto [output, state] = lstm(pattern({2, 3, 3}, 12));
  check_close(output, {2, 3, 4}, {-0.041033108, -0.004006248,  0.11813441,   0.021948971,   -0.060619473, -0.0031791031,
                                  0.10187145,   0.017153507,   -0.075862341, 0.00069631636, 0.067706622,  0.01171501,
                                  -0.047530405, -0.0013942998, 0.11538815,   0.025089178,   -0.07118801,  0.0013653841,
                                  0.097091503,  0.017308734,   -0.085895702, 0.0052064266,  0.063148215,  0.008346145});
  check_close(
      std::get<0>(state), {4, 2, 2},
      {0.014535308, 0.079365999, -0.041760206, 0.051092945, -0.011202443, -0.05679572, 0.00082128472, -0.064814299,
       -0.075862341, 0.00069631636, -0.085895702, 0.0052064266, 0.11813441, 0.021948971, 0.11538815, 0.025089178});
  check_close(
      std::get<1>(state), {4, 2, 4},
      {-0.28373179, 0.50705135,  -0.086791232, 0.077969484, -0.050735466, 0.34620887,  -0.34871098, 0.36233804,
       -0.20626137, 0.24092889,  -0.35961881,  0.31557173,  -0.06309519,  0.84542418,  -0.55727124, 0.012275226,
       0.48937547,  0.23387089,  -0.32896376,  -0.3929683,  0.49656934,   0.24239188,  -0.3139233,  -0.42024106,
       0.22005239,  -0.29602343, 0.77354348,   -0.26056308, 0.20160845,   -0.27990684, 0.76063377,  -0.26660216});
}

TEST_CASE("an unbatched sequence to a batch_first RNN without bias") {
  manual_seed(9);
  nn::RNN rnn(nn::RNNOptions(3, 4).bias(false).batch_first(true));
  CHECK(rnn->named_parameters().keys() == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"});
  auto [output, h_n] = rnn(pattern({3, 3}, 13), pattern({1, 4}, 14));
  check_close(output, {3, 4},
              {-0.45068207, -0.10261987, 0.69973075, -0.097007439, -0.094591007, -0.11352, 0.63756454, 0.63193256,
               -0.21344186, -0.28022057, 0.73501074, 0.6659047});
  check_close(h_n, {1, 4}, {-0.21344186, -0.28022057, 0.73501074, 0.6659047});
}

TEST_CASE("a layer converted to double runs on double inputs with the same values") {
  manual_seed(1);
  nn::GRU gru(nn::GRUOptions(3, 4).bidirectional(true));
  gru->to(kDouble);
  auto [output, h_n] = gru(pattern({3, 2, 3}, 1, kDouble));
  CHECK(output.scalar_type() == kDouble);
  check_close(h_n, {2, 2, 4},
              {-0.27563059, -0.17232917, -0.21406987, -0.20598343, -0.0032882392, 0.13814074, -0.077443942, -0.31208542,
               -0.14002925, -0.044624686, 0.3917329, -0.21238452, -0.18837211, -0.12491313, 0.42015216, -0.14522526});
  CHECK(test::contains(test::error_of([&] {
                         gru(pattern({3, 2, 3}, 1, kFloat));
                       }),
                       "input and parameters must have the same dtype"));
}

TEST_CASE("forward hooks see the input and the output and h_n") {
  nn::GRU gru(3, 4);
  size_t seen = 0;
  gru->register_forward_hook([&](nn::Module&, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs) {
    seen = inputs.size() * 10 + outputs.size();
    return std::optional<std::vector<Tensor>>();
  });
  gru(zeros({2, 1, 3}));
  CHECK(seen == 12);
}

TEST_CASE("RNNCell, LSTMCell and GRUCell compute one step as PyTorch's cells") {
  manual_seed(6);
  nn::RNNCell rnn_cell(nn::RNNCellOptions(3, 4).nonlinearity("relu"));
  nn::LSTMCell lstm_cell(3, 4);
  nn::GRUCell gru_cell(3, 4);
  const Tensor x = pattern({2, 3}, 9), h0 = pattern({2, 4}, 10), c0 = pattern({2, 4}, 11);
  check_close(rnn_cell(x, h0), {2, 4}, {0.40930516, 0.018349946, 0.33654851, 0.12499189, 0, 0, 0.31807446, 0});
  auto [h, c] = lstm_cell(x, std::make_tuple(h0, c0));
  check_close(h, {2, 4},
              {-0.35158613, 0.11861145, 0.10253105, 0.15278004, 0.29025179, 0.040174957, 0.3648271, 0.03591077});
  check_close(c, {2, 4},
              {-0.5983429, 0.32349557, 0.21140236, 0.36052963, 0.38222098, 0.075959742, 0.93475759, 0.080972016});
  check_close(gru_cell(x, h0), {2, 4},
              {0.99656194, 0.52852172, -0.67349631, 0.52452499, 0.32082391, -0.18966162, 0.31328851, -0.025818385});
  check_close(gru_cell(x.select(0, 0)), {4}, {0.1585564, 0.47268754, -0.29217985, -0.023771033});
}

TEST_CASE("parameters are named and shaped as PyTorch's, per layer and direction") {
  nn::LSTM lstm(nn::LSTMOptions(10, 20).num_layers(2).bidirectional(true));
  CHECK(names_and_shapes(*lstm) ==
        std::vector<std::pair<std::string, std::vector<int64_t>>>{{"weight_ih_l0", {80, 10}},
                                                                  {"weight_hh_l0", {80, 20}},
                                                                  {"bias_ih_l0", {80}},
                                                                  {"bias_hh_l0", {80}},
                                                                  {"weight_ih_l0_reverse", {80, 10}},
                                                                  {"weight_hh_l0_reverse", {80, 20}},
                                                                  {"bias_ih_l0_reverse", {80}},
                                                                  {"bias_hh_l0_reverse", {80}},
                                                                  {"weight_ih_l1", {80, 40}},
                                                                  {"weight_hh_l1", {80, 20}},
                                                                  {"bias_ih_l1", {80}},
                                                                  {"bias_hh_l1", {80}},
                                                                  {"weight_ih_l1_reverse", {80, 40}},
                                                                  {"weight_hh_l1_reverse", {80, 20}},
                                                                  {"bias_ih_l1_reverse", {80}},
                                                                  {"bias_hh_l1_reverse", {80}}});
  CHECK(lstm->all_weights().size() == 16);
  CHECK(
      names_and_shapes(*nn::GRU(nn::GRUOptions(5, 6).bias(false))) ==
      std::vector<std::pair<std::string, std::vector<int64_t>>>{{"weight_ih_l0", {18, 5}}, {"weight_hh_l0", {18, 6}}});
  CHECK(names_and_shapes(*nn::GRUCell(5, 6)) ==
        std::vector<std::pair<std::string, std::vector<int64_t>>>{
            {"weight_ih", {18, 5}}, {"weight_hh", {18, 6}}, {"bias_ih", {18}}, {"bias_hh", {18}}});
}

TEST_CASE("default initialisation is U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)) for every parameter") {
  manual_seed(7);
  nn::GRU gru(nn::GRUOptions(5, 16).num_layers(2));
  for (const auto& item : gru->named_parameters()) {
    CAPTURE(item.key());
    CHECK(item.value().abs().max().item<double>() <= 0.25);
    CHECK(item.value().abs().max().item<double>() > 0.2);
    CHECK(item.value().requires_grad());
  }
}

TEST_CASE("recurrent layers and cells print like PyTorch's repr") {
  CHECK(repr(*nn::LSTM(nn::LSTMOptions(10, 20).num_layers(2).batch_first(true))) ==
        "LSTM(10, 20, num_layers=2, batch_first=True)");
  CHECK(repr(*nn::RNN(nn::RNNOptions(10, 20).nonlinearity("relu"))) == "RNN(10, 20)");
  CHECK(repr(*nn::GRU(nn::GRUOptions(10, 20).bias(false).dropout(0.25).bidirectional(true).num_layers(3))) ==
        "GRU(10, 20, num_layers=3, bias=False, dropout=0.25, bidirectional=True)");
  CHECK(repr(*nn::LSTM(nn::LSTMOptions(10, 20).proj_size(5).dropout(1))) == "LSTM(10, 20, proj_size=5, dropout=1.0)");
  CHECK(repr(*nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity("relu").bias(false))) ==
        "RNNCell(3, 4, bias=False, nonlinearity=relu)");
  CHECK(repr(*nn::LSTMCell(3, 4)) == "LSTMCell(3, 4)");
  CHECK(repr(*nn::GRUCell(3, 4)) == "GRUCell(3, 4)");
}

TEST_CASE("a wrong input or state size is an error with PyTorch's message") {
  CHECK(test::contains(test::error_of([] {
                         nn::LSTM(10, 20)(zeros({3, 2, 5}));
                       }),
                       "input.size(-1) must be equal to input_size. Expected 10, got 5"));
  CHECK(test::contains(test::error_of([] {
                         nn::GRU(3, 4)(zeros({2, 2, 3}), zeros({1, 3, 4}));
                       }),
                       "Expected hidden size (1, 2, 4), got [1, 3, 4]"));
  CHECK(test::contains(test::error_of([] {
                         nn::LSTM(3, 4)(zeros({2, 2, 3}), std::make_tuple(zeros({1, 2, 4}), zeros({1, 2, 5})));
                       }),
                       "Expected hidden[1] size (1, 2, 4), got [1, 2, 5]"));
  CHECK(test::contains(test::error_of([] {
                         nn::RNN(3, 4)(zeros({2, 3}), zeros({1, 1, 4}));
                       }),
                       "For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"));
  CHECK(test::contains(test::error_of([] { nn::RNN(3, 4)(zeros({3})); }), "input must have 3 dimensions"));
  CHECK(test::contains(test::error_of([] {
                         nn::RNN(3, 4)(zeros({0, 2, 3}));
                       }),
                       "Expected sequence length to be larger than 0"));
  CHECK(test::contains(test::error_of([] {
                         nn::LSTMCell(3, 4)(zeros({2, 5}));
                       }),
                       "input has inconsistent input_size: got 5 expected 3"));
  CHECK(test::contains(test::error_of([] {
                         nn::GRUCell(3, 4)(zeros({2, 3}), zeros({3, 4}));
                       }),
                       "Input batch size 2 doesn't match hidden0 batch size 3"));
}

TEST_CASE("invalid options are errors at construction") {
  CHECK(test::contains(test::error_of([] { nn::RNN(nn::RNNOptions(3, 4).nonlinearity("sigmoid")); }),
                       "Unknown nonlinearity 'sigmoid'"));
  CHECK(test::contains(test::error_of([] { nn::LSTM(nn::LSTMOptions(3, 4).dropout(1.5)); }),
                       "dropout should be a number in range [0, 1]"));
  CHECK(test::contains(test::error_of([] { nn::LSTM(nn::LSTMOptions(3, 4).proj_size(4)); }),
                       "proj_size has to be smaller than hidden_size"));
  CHECK(test::contains(test::error_of([] { nn::GRU(3, 0); }), "hidden_size must be greater than zero"));
  CHECK(test::contains(test::error_of([] { nn::GRU(nn::GRUOptions(3, 4).num_layers(0)); }),
                       "num_layers must be greater than zero"));
}
