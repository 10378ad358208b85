// Activation modules: values over linspace(-3, 3, 7), PReLU's gradient, and reprs, against PyTorch 1.13
// (scripts/golden/nn_layers.py).
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

template <typename Holder>
void check_activation(const Holder& module, const std::string& expected_repr, const std::vector<double>& expected) {
  CAPTURE(expected_repr);
  CHECK(repr(*module) == expected_repr);
  CHECK_VALUES(test::values(module(linspace(-3, 3, 7))), expected);
}
}  // namespace

TEST_CASE("activation modules compute PyTorch's values and print its repr") {
  check_activation(nn::ReLU(), "ReLU()", {0, 0, 0, 0, 1, 2, 3});
  check_activation(nn::ReLU6(), "ReLU6()", {0, 0, 0, 0, 1, 2, 3});
  check_activation(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2)), "LeakyReLU(negative_slope=0.2)",
                   {-0.6, -0.4, -0.2, 0, 1, 2, 3});
  check_activation(nn::PReLU(), "PReLU(num_parameters=1)", {-0.75, -0.5, -0.25, 0, 1, 2, 3});
  check_activation(nn::ELU(nn::ELUOptions().alpha(0.5)), "ELU(alpha=0.5)",
                   {-0.4751065, -0.4323324, -0.3160603, 0, 1, 2, 3});
  check_activation(nn::SELU(), "SELU()", {-1.670569, -1.520167, -1.111331, 0, 1.050701, 2.101402, 3.152103});
  check_activation(nn::CELU(nn::CELUOptions().alpha(2.0)), "CELU(alpha=2.0)",
                   {-1.55374, -1.264241, -0.7869387, 0, 1, 2, 3});
  check_activation(nn::GELU(), "GELU(approximate='none')",
                   {-0.004049867, -0.0455001, -0.1586553, 0, 0.8413447, 1.9545, 2.99595});
  check_activation(nn::GELU(nn::GELUOptions("tanh")), "GELU(approximate='tanh')",
                   {-0.003637433, -0.04540229, -0.158808, 0, 0.841192, 1.954598, 2.996363});
  check_activation(nn::SiLU(), "SiLU()", {-0.1422776, -0.2384058, -0.2689414, 0, 0.7310586, 1.761594, 2.857723});
  check_activation(nn::Mish(), "Mish()", {-0.1456475, -0.2525015, -0.3034014, 0, 0.8650984, 1.943959, 2.986535});
  check_activation(nn::Sigmoid(), "Sigmoid()",
                   {0.04742587, 0.1192029, 0.2689414, 0.5, 0.7310586, 0.880797, 0.9525741});
  check_activation(nn::Tanh(), "Tanh()", {-0.9950548, -0.9640276, -0.7615942, 0, 0.7615942, 0.9640276, 0.9950548});
  check_activation(nn::Softplus(nn::SoftplusOptions().beta(2).threshold(3)), "Softplus(beta=2, threshold=3)",
                   {0.001237843, 0.009074965, 0.063464, 0.3465736, 1.063464, 2, 3});
  check_activation(nn::Hardtanh(nn::HardtanhOptions().min_val(-2).max_val(2)), "Hardtanh(min_val=-2.0, max_val=2.0)",
                   {-2, -2, -1, 0, 1, 2, 2});
  check_activation(nn::Hardsigmoid(), "Hardsigmoid()", {0, 0.1666667, 0.3333333, 0.5, 0.6666667, 0.8333333, 1});
  check_activation(nn::Hardswish(), "Hardswish()", {0, -0.3333333, -0.3333333, 0, 0.6666667, 1.666667, 3});
  check_activation(nn::LogSigmoid(), "LogSigmoid()",
                   {-3.048587, -2.126928, -1.313262, -0.6931472, -0.3132617, -0.126928, -0.04858735});
  check_activation(nn::Threshold(0.5, -1.0), "Threshold(threshold=0.5, value=-1.0)", {-1, -1, -1, -1, 1, 2, 3});
}

TEST_CASE("activation reprs show non-default options as PyTorch does") {
  CHECK(repr(*nn::ReLU(true)) == "ReLU(inplace=True)");
  CHECK(repr(*nn::LeakyReLU()) == "LeakyReLU(negative_slope=0.01)");
  CHECK(repr(*nn::ELU()) == "ELU(alpha=1.0)");
  CHECK(repr(*nn::Hardtanh()) == "Hardtanh(min_val=-1.0, max_val=1.0)");
  CHECK(repr(*nn::Softplus()) == "Softplus(beta=1, threshold=20)");
  CHECK(repr(*nn::Softmax(1)) == "Softmax(dim=1)");
  CHECK(repr(*nn::LogSoftmax(-1)) == "LogSoftmax(dim=-1)");
  CHECK(repr(*nn::PReLU(nn::PReLUOptions().num_parameters(3))) == "PReLU(num_parameters=3)");
  CHECK(repr(*nn::Hardswish(true)) == "Hardswish()");
}

TEST_CASE("in-place activations write into their input") {
  Tensor x = linspace(-1, 1, 3);
  nn::ReLU(true)(x);
  CHECK(test::values(x) == std::vector<double>{0, 0, 1});
  Tensor y = linspace(-2, 2, 3);
  nn::Threshold(nn::ThresholdOptions(0.5, 9).inplace(true))(y);
  CHECK(test::values(y) == std::vector<double>{9, 9, 2});
}

TEST_CASE("Softmax and LogSoftmax work over the given dim") {
  Tensor m = test::pattern({2, 3});
  CHECK_VALUES(test::values(nn::Softmax(1)(m)), {0.1127192, 0.6486542, 0.2386266, 0.6652409, 0.2447285, 0.09003057});
  CHECK_VALUES(test::values(nn::LogSoftmax(0)(m)),
               {-2.57889, -0.5759394, -0.5759394, -0.07888975, -0.8259394, -0.8259394});
}

TEST_CASE("PReLU with one weight per channel: gradients equal PyTorch's") {
  nn::PReLU p(nn::PReLUOptions().num_parameters(3).init(0.1));
  Tensor x = test::pattern({2, 3, 2}).requires_grad_();
  p(x).sum().backward();
  CHECK_VALUES(test::values(p->weight.grad()), {-1.25, -1.5, -2.25});
  CHECK_VALUES(test::values(x.grad()), {0.1, 1, 0.1, 1, 1, 0.1, 1, 0.1, 0.1, 1, 0.1, 0.1});
  CHECK(test::contains(test::error_of([&] { p(zeros({2, 4})); }), "Mismatch of parameter numbers and input channel size"));
}

TEST_CASE("Hardtanh rejects max_val <= min_val") {
  CHECK(test::contains(test::error_of([] { nn::Hardtanh(nn::HardtanhOptions().min_val(1).max_val(0)); }),
                       "max_val must be greater than min_val"));
}
