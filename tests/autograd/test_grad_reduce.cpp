// Gradients of reductions and ops along a dim where gradcheck cannot look: ties, zeros, zero norms and
// variances, dtype conversions, non-differentiable outputs, and grad_fn names. Expected values are
// PyTorch 1.13's, printed by scripts/golden/grad_reduce.py.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

Tensor dleaf(std::vector<double> v, IntArrayRef sizes) { return test::make(v, sizes, kDouble).requires_grad_(); }

// The gradient of sum(f(x)), or of sum(f(x) * weights) when weights are given.
template <typename F>
std::vector<double> grad_of(F f, const Tensor& x, const Tensor& weights = {}) {
  Tensor y = f(x);
  (weights.defined() ? (y * weights).sum() : y.sum()).backward();
  return test::values(x.grad());
}

const double inf = std::numeric_limits<double>::infinity();

}  // namespace

TEST_CASE("amax/amin split the gradient evenly among ties in each slice") {
  Tensor x = dleaf({1, 3, 3, 2, 2, 2}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.amax({1}); }, x),
               {0.0, 0.5, 0.5, 0.3333333333, 0.3333333333, 0.3333333333});
  Tensor y = dleaf({1, 3, 1, 4}, {2, 2});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.amin({0}, true); }, y), {0.5, 1.0, 0.5, 0.0});
  CHECK(x.amax({1}).grad_fn()->name() == "AmaxBackward0");
  CHECK(x.amin({1}).grad_fn()->name() == "AminBackward0");
}

TEST_CASE("max()/min() over all elements split the gradient evenly among ties") {
  Tensor x = dleaf({1, 3, 3, 2, 2, 2}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.max(); }, x), {0.0, 0.5, 0.5, 0.0, 0.0, 0.0});
  Tensor y = dleaf({1, 5, 1, 1}, {4});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.min(); }, y), {0.3333333333, 0.0, 0.3333333333, 0.3333333333});
  CHECK(x.max().grad_fn()->name() == "MaxBackward1");
  CHECK(x.min().grad_fn()->name() == "MinBackward1");
}

TEST_CASE("max.dim/min.dim give the whole gradient to the returned index; indices need no grad") {
  Tensor x = dleaf({1, 3, 3, 2, 2, 2}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return std::get<0>(t.max(1)); }, x), {0.0, 1.0, 0.0, 1.0, 0.0, 0.0});
  Tensor x2 = dleaf({1, 3, 3, 2, 2, 2}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return std::get<0>(t.min(1, true)); }, x2),
               {1.0, 0.0, 0.0, 1.0, 0.0, 0.0});
  auto [values, indices] = x.max(1);
  CHECK(values.grad_fn()->name() == "MaxBackward0");
  CHECK(std::get<0>(x.min(1)).grad_fn()->name() == "MinBackward0");
  CHECK_FALSE(indices.requires_grad());
}

TEST_CASE("argmax, argmin, all and any are not differentiable") {
  Tensor x = dleaf({3, 1, 3, 2}, {4});
  CHECK_FALSE(x.argmax().requires_grad());
  CHECK_FALSE(x.argmin(0).requires_grad());
  CHECK_FALSE(x.any(0).requires_grad());
  CHECK_FALSE(x.all().requires_grad());
}

TEST_CASE("prod: zeros in the input (one zero, two zeros)") {
  Tensor x = dleaf({2, 0, 3, 0, 0, 4}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.prod(1); }, x), {0.0, 6.0, 0.0, 0.0, 0.0, 0.0});
  Tensor y = dleaf({2, 0, 3, 5}, {4});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.prod(); }, y), {0.0, 30.0, 0.0, 0.0});
  Tensor z = dleaf({2, 0, 3, 0, 0, 4}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.prod(); }, z), {0.0, 0.0, 0.0, 0.0, 0.0, 0.0});
  CHECK(x.prod(1).grad_fn()->name() == "ProdBackward1");
}

TEST_CASE("cumprod: zeros in the input") {
  Tensor x = dleaf({2, 0, 3, 0, 5}, {5});
  const Tensor w = test::make<double>({1, 2, 3, 4, 5}, {5}, kDouble);
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.cumprod(0); }, x, w), {1.0, 22.0, 0.0, 0.0, 0.0});
  Tensor y = dleaf({0, 2, 3}, {3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.cumprod(0); }, y), {9.0, 0.0, 0.0});
  CHECK(x.cumprod(0).grad_fn()->name() == "CumprodBackward0");
}

TEST_CASE("norm of a zero vector has zero gradient for every p") {
  for (double p : {2.0, 1.0, 3.0, 1.5, 0.5, inf}) {
    CAPTURE(p);
    Tensor x = dleaf({0, 0, 0}, {3});
    CHECK_VALUES(grad_of([p](const Tensor& t) { return t.norm(p, {0}); }, x), {0.0, 0.0, 0.0});
  }
}

TEST_CASE("norm: p=inf splits among ties with the sign, p=1 has zero gradient at 0, p<1 at 0") {
  Tensor x = dleaf({1, -3, 3, -2, 0.5, 1}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.norm(inf, {1}); }, x), {0.0, -0.5, 0.5, -1.0, 0.0, 0.0});
  Tensor y = dleaf({1, 0, -2}, {3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.norm(1, {0}); }, y), {1.0, 0.0, -1.0});
  Tensor z = dleaf({1, 0, 4}, {3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.norm(0.5, {0}); }, z), {3.0, 0.0, 1.5});
}

TEST_CASE("std with zero variance has zero gradient; var of one element with correction 1 is nan") {
  Tensor x = dleaf({2, 2, 2, 1, 2, 3}, {2, 3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.std({1}); }, x), {0.0, 0.0, 0.0, -0.5, 0.0, 0.5});
  CHECK(x.std({1}).grad_fn()->name() == "StdBackward0");
  Tensor y = dleaf({1.5}, {1});
  CHECK(std::isnan(grad_of([](const Tensor& t) { return t.var({0}); }, y)[0]));
  Tensor z = dleaf({1.5}, {1});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.var({0}, false); }, z), {0.0});
  CHECK(y.var({0}).grad_fn()->name() == "VarBackward0");
  CHECK(std::get<0>(var_mean(y, {0})).grad_fn()->name() == "VarMeanBackward0");
  CHECK(std::get<0>(std_mean(y, {0})).grad_fn()->name() == "StdMeanBackward0");
}

TEST_CASE("logsumexp") {
  Tensor x = dleaf({0, 1, 2, 2}, {2, 2});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.logsumexp({1}); }, x),
               {0.2689414214, 0.7310585786, 0.5, 0.5});
  CHECK(x.logsumexp({1}).grad_fn()->name() == "LogsumexpBackward0");
}

TEST_CASE("softmax/log_softmax with dtype=: the gradient comes back in the input's dtype") {
  Tensor x = test::make<double>({0.5, -1.0, 2.0}, {1, 3}, kFloat).requires_grad_();
  const Tensor w = test::make<double>({1, 2, 3}, {1, 3}, kDouble);
  Tensor y = softmax(x, 1, kDouble);
  CHECK(y.dtype() == kDouble);
  CHECK(y.grad_fn()->name() == "SoftmaxBackward0");
  (y * w).sum().backward();
  CHECK(x.grad().dtype() == kFloat);
  CHECK_VALUES(test::values(x.grad()), {-0.2822712958, -0.0238706637, 0.3061419427});
  Tensor x2 = test::make<double>({0.5, -1.0, 2.0}, {1, 3}, kFloat).requires_grad_();
  Tensor z = log_softmax(x2, 1, kDouble);
  CHECK(z.grad_fn()->name() == "LogSoftmaxBackward0");
  (z * w).sum().backward();
  CHECK_VALUES(test::values(x2.grad()), {-0.0517423525, 1.7653245926, -1.7135821581});
}

TEST_CASE("cumsum") {
  Tensor x = dleaf({1, 2, 3}, {3});
  CHECK_VALUES(grad_of([](const Tensor& t) { return t.cumsum(0); }, x, test::make<double>({1, 2, 3}, {3}, kDouble)),
               {6.0, 5.0, 3.0});
  CHECK(x.cumsum(0).grad_fn()->name() == "CumsumBackward0");
}

TEST_CASE("sort and topk send the values' gradient through the indices (ties: stable order)") {
  Tensor x = dleaf({3, 1, 3, 2}, {4});
  CHECK_VALUES(grad_of([](const Tensor& t) { return std::get<0>(t.sort(true, 0, true)); }, x,
                       test::make<double>({1, 2, 3, 4}, {4}, kDouble)),
               {1.0, 4.0, 2.0, 3.0});
  Tensor y = dleaf({3, 1, 3, 2}, {4});
  CHECK_VALUES(grad_of([](const Tensor& t) { return std::get<0>(t.topk(2)); }, y,
                       test::make<double>({1, 2}, {2}, kDouble)),
               {1.0, 0.0, 2.0, 0.0});
  CHECK(std::get<0>(y.topk(2)).grad_fn()->name() == "TopkBackward0");
  CHECK_FALSE(std::get<1>(y.sort()).requires_grad());
}

TEST_CASE("prod and cumprod over an empty dim give an empty gradient") {
  Tensor x = ember::zeros({2, 0}, kDouble).requires_grad_();
  x.prod(1).sum().backward();
  CHECK(test::shape(x.grad()) == std::vector<int64_t>{2, 0});
  Tensor y = ember::zeros({0, 3}, kDouble).requires_grad_();
  y.cumprod(0).sum().backward();
  CHECK(test::shape(y.grad()) == std::vector<int64_t>{0, 3});
}
