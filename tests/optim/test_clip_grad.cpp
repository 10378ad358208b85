// Gradient clipping: clip_grad_norm_ (2, 1 and inf norms) and clip_grad_value_ against PyTorch 1.13
// (scripts/golden/optim.py), on the gradients of tests/optim/problem.h's loss at its initial parameters.
#include <limits>

#include "optim/problem.h"

using namespace ember;
using namespace ember::test;

namespace {
std::vector<double> grads(const Problem& p) {
  std::vector<double> out = values(p.w.grad());
  for (double v : values(p.b.grad())) out.push_back(v);
  return out;
}
}  // namespace

TEST_CASE("the problem's gradients") {
  Problem problem;
  problem.loss().backward();
  check_exact(grads(problem), {0.800000011920929, -5.800000190734863, 2.299999952316284, 6.600000381469727, 4.050000190734863, -0.699999988079071, -1.600000023841858, -1.0});
}

TEST_CASE("clip_grad_norm_ scales the gradients to max_norm in the 2-norm and returns the total norm") {
  // PyTorch: clip_grad_norm_([w, b], 1.0, 2.0)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 1.0, 2.0);
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {10.177549362182617});
  check_close(grads(problem), {0.07860437780618668, -0.5698817372322083, 0.22598758339881897, 0.6484861373901367, 0.3979346752166748, -0.06877882778644562, -0.15720875561237335, -0.0982554703950882});
}

TEST_CASE("clip_grad_norm_ leaves gradients whose norm is below max_norm unchanged") {
  // PyTorch: clip_grad_norm_([w, b], 100.0, 2.0)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 100.0, 2.0);
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {10.177549362182617});
  check_close(grads(problem), {0.800000011920929, -5.800000190734863, 2.299999952316284, 6.600000381469727, 4.050000190734863, -0.699999988079071, -1.600000023841858, -1.0});
}

TEST_CASE("clip_grad_norm_ with norm_type 1") {
  // PyTorch: clip_grad_norm_([w, b], 1.0, 1.0)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 1.0, 1.0);
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {22.85000228881836});
  check_close(grads(problem), {0.0350109338760376, -0.2538292706012726, 0.1006564348936081, 0.28884023427963257, 0.17724286019802094, -0.030634567141532898, -0.0700218677520752, -0.043763667345047});
}

TEST_CASE("clip_grad_norm_ with norm_type 1 below max_norm") {
  // PyTorch: clip_grad_norm_([w, b], 100.0, 1.0)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 100.0, 1.0);
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {22.85000228881836});
  check_close(grads(problem), {0.800000011920929, -5.800000190734863, 2.299999952316284, 6.600000381469727, 4.050000190734863, -0.699999988079071, -1.600000023841858, -1.0});
}

TEST_CASE("clip_grad_norm_ with the infinity norm (the largest magnitude)") {
  // PyTorch: clip_grad_norm_([w, b], 1.0, inf)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 1.0, std::numeric_limits<double>::infinity());
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {6.600000381469727});
  check_close(grads(problem), {0.12121210247278214, -0.8787877559661865, 0.3484847843647003, 0.9999998807907104, 0.613636314868927, -0.10606058686971664, -0.24242420494556427, -0.15151512622833252});
}

TEST_CASE("clip_grad_norm_ with the infinity norm below max_norm") {
  // PyTorch: clip_grad_norm_([w, b], 100.0, inf)
  Problem problem;
  problem.loss().backward();
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 100.0, std::numeric_limits<double>::infinity());
  CHECK(total.dim() == 0);
  check_close({total.item<double>()}, {6.600000381469727});
  check_close(grads(problem), {0.800000011920929, -5.800000190734863, 2.299999952316284, 6.600000381469727, 4.050000190734863, -0.699999988079071, -1.600000023841858, -1.0});
}

TEST_CASE("clip_grad_value_ clamps each gradient into [-clip_value, clip_value]") {
  Problem problem;
  problem.loss().backward();
  nn::utils::clip_grad_value_({problem.w, problem.b}, 0.5);
  check_exact(grads(problem), {0.5, -0.5, 0.5, 0.5, 0.5, -0.5, -0.5, -0.5});
}

TEST_CASE("clipping skips parameters without a gradient; none at all gives a zero norm") {
  Problem problem;
  problem.b.mutable_grad() = make<double>({3.0, -4.0}, {2});
  const Tensor total = nn::utils::clip_grad_norm_({problem.w, problem.b}, 1.0);
  check_close({total.item<double>()}, {5.0});
  CHECK_FALSE(problem.w.grad().defined());
  check_close(values(problem.b.grad()), {0.6, -0.8});
  nn::utils::clip_grad_value_(problem.w, 0.1);
  CHECK_FALSE(problem.w.grad().defined());
  CHECK(nn::utils::clip_grad_norm_(problem.w, 1.0).item<double>() == 0.0);
}

TEST_CASE("clip_grad_norm_ with error_if_nonfinite refuses a non-finite norm") {
  Problem problem;
  problem.b.mutable_grad() = make<double>({std::numeric_limits<double>::infinity(), 1.0}, {2});
  CHECK(error_of([&] { nn::utils::clip_grad_norm_(problem.b, 1.0, 2.0, true); }) ==
        "The total norm of order 2.0 for gradients from `parameters` is non-finite, so it cannot be clipped. To "
        "disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`");
  // Without it the gradients are scaled by the infinite norm anyway, as in PyTorch.
  CHECK(std::isinf(nn::utils::clip_grad_norm_(problem.b, 1.0).item<double>()));
}
