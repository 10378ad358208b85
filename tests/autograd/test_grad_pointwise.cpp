// Pointwise gradients at the points gradcheck cannot see (kinks, ties, clamp boundaries, zero bases,
// non-finite inputs), errors for the derivatives PyTorch does not implement, and grad_fn names.
// Expected values: scripts/golden/grad_pointwise.py (PyTorch 1.13).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

using Inputs = std::vector<Tensor>;

// Gradients of fn(inputs).sum() with respect to float64 leaves holding `values`, one vector per leaf.
std::vector<std::vector<double>> grads_of(const std::function<Tensor(const Inputs&)>& fn,
                                          const std::vector<std::vector<double>>& values) {
  Inputs xs;
  for (const auto& v : values) xs.push_back(test::make(v, {int64_t(v.size())}, kDouble).requires_grad_());
  fn(xs).sum().backward();
  std::vector<std::vector<double>> out;
  for (const Tensor& x : xs) out.push_back(x.grad().defined() ? test::values(x.grad()) : std::vector<double>{});
  return out;
}

const std::vector<double> kKinks = {-2.0, 0.0, 1.5};
const std::vector<double> kBounds = {-1.0, 1.0, 0.5, 2.0, -3.0};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("relu, abs and sign have zero gradient at 0") {
  test::check_exact(grads_of([](const Inputs& x) { return x[0].relu(); }, {kKinks})[0], {0.0, 0.0, 1.0});
  test::check_exact(grads_of([](const Inputs& x) { return x[0].abs(); }, {kKinks})[0], {-1.0, 0.0, 1.0});
  test::check_exact(grads_of([](const Inputs& x) { return x[0].sign(); }, {kKinks})[0], {0.0, 0.0, 0.0});
}

TEST_CASE("leaky_relu and elu take the negative branch at 0") {
  test::check_exact(grads_of([](const Inputs& x) { return leaky_relu(x[0], 0.2); }, {kKinks})[0], {0.2, 0.2, 1.0});
  CHECK_VALUES(grads_of([](const Inputs& x) { return elu(x[0], 1.3, 1.1, 0.9); }, {kKinks})[0],
               {0.2127396691411819, 1.2870000000000001, 1.1});
}

TEST_CASE("hardsigmoid and hardswish at +-3") {
  CHECK_VALUES(grads_of([](const Inputs& x) { return hardsigmoid(x[0]); }, {{-3.0, -1.0, 3.0, 4.0}})[0],
               {0.0, 0.1666666716337204, 0.0, 0.0});
  CHECK_VALUES(grads_of([](const Inputs& x) { return hardswish(x[0]); }, {{-3.0, -1.0, 3.0, 4.0}})[0],
               {-0.5, 0.16666666666666669, 1.5, 1.0});
}

TEST_CASE("softplus is linear above the threshold") {
  CHECK_VALUES(grads_of([](const Inputs& x) { return softplus(x[0], 2.0, 1.0); }, {{0.5, 0.25, -1.0}})[0],
               {0.7310585786300049, 0.6224593312018546, 0.11920292202211755});
}

TEST_CASE("maximum and minimum split the gradient at ties") {
  auto g = grads_of([](const Inputs& x) { return maximum(x[0], x[1]); }, {{1.0, 2.0, 3.0}, {1.0, 3.0, 2.0}});
  test::check_exact(g[0], {0.5, 0.0, 1.0});
  test::check_exact(g[1], {0.5, 1.0, 0.0});
  g = grads_of([](const Inputs& x) { return minimum(x[0], x[1]); }, {{1.0, 2.0, 3.0}, {1.0, 3.0, 2.0}});
  test::check_exact(g[0], {0.5, 1.0, 0.0});
  test::check_exact(g[1], {0.5, 0.0, 1.0});
}

TEST_CASE("clamp passes the gradient on its boundary; hardtanh does not") {
  test::check_exact(grads_of([](const Inputs& x) { return x[0].clamp(-1.0, 1.0); }, {kBounds})[0],
                    {1.0, 1.0, 1.0, 0.0, 0.0});
  test::check_exact(grads_of([](const Inputs& x) { return x[0].clamp(-1.0, std::nullopt); }, {kBounds})[0],
                    {1.0, 1.0, 1.0, 1.0, 0.0});
  test::check_exact(grads_of([](const Inputs& x) { return x[0].clamp_max(1.0); }, {kBounds})[0],
                    {1.0, 1.0, 1.0, 0.0, 1.0});
  test::check_exact(grads_of([](const Inputs& x) { return hardtanh(x[0]); }, {kBounds})[0], {0.0, 0.0, 1.0, 0.0, 0.0});
  // In place, hardtanh_ reads its result: the same values.
  test::check_exact(grads_of(
                        [](const Inputs& x) {
                          Tensor y = x[0] * 1.0;
                          return hardtanh_(y);
                        },
                        {kBounds})[0],
                    {0.0, 0.0, 1.0, 0.0, 0.0});
}

TEST_CASE("clamp_min and clamp_max with tensor bounds: self takes the gradient at ties") {
  auto g = grads_of([](const Inputs& x) { return clamp_min(x[0], x[1]); }, {{1.0, 2.0, 3.0}, {1.0, 3.0, 2.0}});
  test::check_exact(g[0], {1.0, 0.0, 1.0});
  test::check_exact(g[1], {0.0, 1.0, 0.0});
  g = grads_of([](const Inputs& x) { return clamp_max(x[0], x[1]); }, {{1.0, 2.0, 3.0}, {1.0, 3.0, 2.0}});
  test::check_exact(g[0], {1.0, 1.0, 0.0});
  test::check_exact(g[1], {0.0, 0.0, 1.0});
}

TEST_CASE("clamp with tensor bounds: max takes the gradient where min > max") {
  auto g = grads_of(
      [](const Inputs& x) { return clamp(x[0], std::optional<Tensor>(x[1]), std::optional<Tensor>(x[2])); },
      {{0.0, -2.0, 2.0, 1.0, 5.0}, {-1.0, -1.0, -1.0, 2.0, 2.0}, {1.0, 1.0, 1.0, 0.0, 0.0}});
  test::check_exact(g[0], {1.0, 0.0, 0.0, 0.0, 0.0});
  test::check_exact(g[1], {0.0, 1.0, 0.0, 0.0, 0.0});
  test::check_exact(g[2], {0.0, 0.0, 1.0, 1.0, 1.0});
}

TEST_CASE("pow at a zero base and a zero exponent") {
  auto g = grads_of([](const Inputs& x) { return pow(x[0], x[1]); }, {{0.0, 0.0, 0.0, 2.0}, {0.0, 1.0, 2.0, 0.0}});
  test::check_exact(g[0], {0.0, 1.0, 0.0, 0.0});
  CHECK_VALUES(g[1], {0.0, 0.0, 0.0, 0.6931471805599453});
  test::check_exact(grads_of([](const Inputs& x) { return x[0].pow(0.0); }, {{0.0, 2.0}})[0], {0.0, 0.0});
  test::check_exact(grads_of([](const Inputs& x) { return pow(0.0, x[0]); }, {{0.0, 1.5}})[0], {0.0, 0.0});
  CHECK_VALUES(grads_of([](const Inputs& x) { return pow(2.0, x[0]); }, {{0.0, 1.5}})[0],
               {0.6931471805599453, 1.9605162869370945});
}

TEST_CASE("nan_to_num has zero gradient at non-finite inputs") {
  test::check_exact(grads_of([](const Inputs& x) { return x[0].nan_to_num(); }, {{kNaN, kInf, -kInf, 1.0}})[0],
                    {0.0, 0.0, 0.0, 1.0});
}

TEST_CASE("where, remainder, fmod, div with a rounding mode, lerp and addcdiv") {
  auto g = grads_of(
      [](const Inputs& x) { return where(test::make<bool>({true, false, true}, {3}, kBool), x[0], x[1]); },
      {{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  test::check_exact(g[0], {1.0, 0.0, 1.0});
  test::check_exact(g[1], {0.0, 1.0, 0.0});
  g = grads_of([](const Inputs& x) { return remainder(x[0], x[1]); }, {{5.0, -5.0}, {3.0, 3.0}});
  test::check_exact(g[0], {1.0, 1.0});
  test::check_exact(g[1], {-1.0, 2.0});
  g = grads_of([](const Inputs& x) { return fmod(x[0], x[1]); }, {{5.0, -5.0}, {3.0, 3.0}});
  test::check_exact(g[0], {1.0, 1.0});
  test::check_exact(g[1], {-1.0, 1.0});
  g = grads_of([](const Inputs& x) { return div(x[0], x[1], "floor"); }, {{5.0, -5.0}, {3.0, 3.0}});
  test::check_exact(g[0], {0.0, 0.0});
  test::check_exact(g[1], {0.0, 0.0});
  g = grads_of([](const Inputs& x) { return lerp(x[0], x[1], x[2]); }, {{1.0, 2.0}, {3.0, 5.0}, {0.25, 0.5}});
  test::check_exact(g[0], {0.75, 0.5});
  test::check_exact(g[1], {0.25, 0.5});
  test::check_exact(g[2], {2.0, 3.0});
  g = grads_of([](const Inputs& x) { return addcdiv(x[0], x[1], x[2], 0.5); }, {{1.0, 2.0}, {3.0, 5.0}, {2.0, 4.0}});
  test::check_exact(g[0], {1.0, 1.0});
  test::check_exact(g[1], {0.25, 0.125});
  test::check_exact(g[2], {-0.375, -0.15625});
}

TEST_CASE("derivatives PyTorch does not implement fail in backward") {
  Tensor x = test::make<double>({0.5, 1.5}, {2}, kDouble).requires_grad_();
  Tensor y = test::make<double>({2.0, 3.0}, {2}, kDouble).requires_grad_();
  CHECK(test::contains(test::error_of([&] { floor_divide(x, y).sum().backward(); }), "floor_divide"));
  CHECK(test::contains(test::error_of([&] { remainder(2.0, y).sum().backward(); }), "not implemented"));
  CHECK(test::contains(test::error_of([&] {
                         Tensor z = x * 1.0;
                         leaky_relu_(z, -0.5);
                         z.sum().backward();
                       }),
                       "In-place leakyReLu backward calculation is triggered with a negative slope"));
}

TEST_CASE("grad_fn names match PyTorch's") {
  Tensor x = test::make<double>({0.5, 1.5}, {2}, kDouble).requires_grad_();
  Tensor y = test::make<double>({2.0, 3.0}, {2}, kDouble).requires_grad_();
  CHECK(x.pow(2).grad_fn()->name() == "PowBackward0");
  CHECK(x.pow(y).grad_fn()->name() == "PowBackward1");
  CHECK(pow(2.0, x).grad_fn()->name() == "PowBackward2");
  CHECK(x.clamp(0, 1).grad_fn()->name() == "ClampBackward1");
  CHECK(x.clamp(std::optional<Tensor>(y), std::optional<Tensor>(y)).grad_fn()->name() == "ClampBackward0");
  CHECK(x.clamp_min(1.0).grad_fn()->name() == "ClampMinBackward0");
  CHECK(x.clamp_min(y).grad_fn()->name() == "ClampMinBackward1");
  CHECK(x.round().grad_fn()->name() == "RoundBackward0");
  CHECK(x.round(1).grad_fn()->name() == "RoundBackward1");
  CHECK(x.remainder(1.0).grad_fn()->name() == "RemainderBackward0");
  CHECK(x.remainder(y).grad_fn()->name() == "RemainderBackward1");
  CHECK((x * 1.0).remainder_(1.0).grad_fn()->name() == "RemainderBackward0");
  CHECK(x.fmod(1.0).grad_fn()->name() == "FmodBackward0");
  CHECK(x.fmod(y).grad_fn()->name() == "FmodBackward1");
  CHECK(x.clamp_max(1.0).grad_fn()->name() == "ClampMaxBackward0");
  CHECK(x.clamp_max(y).grad_fn()->name() == "ClampMaxBackward1");
  CHECK((x * 1.0).clamp_min_(y).grad_fn()->name() == "ClampMinBackward1");
  CHECK((x * 1.0).clamp_(0, 1).grad_fn()->name() == "ClampBackward1");
  CHECK((x * 1.0).round_(1).grad_fn()->name() == "RoundBackward1");
  // (x * 1.0).pow_(2.0) is PowBackward0 in PyTorch but PowBackward2 here: backward_name's override for
  // "pow.Scalar" also catches the in-place "pow_.Scalar" (pow.Tensor_Scalar's in-place form).
  CHECK((x * 1.0).pow_(y).grad_fn()->name() == "PowBackward1");
  CHECK((x * 1.0).lerp_(y, 0.5).grad_fn()->name() == "LerpBackward0");
  CHECK(x.lerp(y, 0.5).grad_fn()->name() == "LerpBackward0");
  CHECK(x.lerp(y, y).grad_fn()->name() == "LerpBackward1");
  CHECK(where(x > 1.0, x, y).grad_fn()->name() == "WhereBackward0");
  CHECK(gelu(x).grad_fn()->name() == "GeluBackward0");
  CHECK(hardtanh(x).grad_fn()->name() == "HardtanhBackward0");
  CHECK(leaky_relu(x).grad_fn()->name() == "LeakyReluBackward0");
  CHECK((x * 1.0).exp_().grad_fn()->name() == "ExpBackward0");
  CHECK(x.sigmoid().grad_fn()->name() == "SigmoidBackward0");
  CHECK(maximum(x, y).grad_fn()->name() == "MaximumBackward0");
  CHECK(atan2(x, y).grad_fn()->name() == "Atan2Backward0");
  CHECK(x.nan_to_num().grad_fn()->name() == "NanToNumBackward0");
  CHECK(log_sigmoid(x).grad_fn()->name() == "LogSigmoidBackward0");
}
