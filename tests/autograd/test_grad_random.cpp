// Gradients of the random ops, as PyTorch 1.13 defines them: the samplers give their tensor arguments zero
// gradients, in-place fills give the overwritten tensor zero, factories never require grad.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;
using test::values;

namespace {

Tensor leaf_of(std::vector<double> v) { return test::make<double>(v, {int64_t(v.size())}, kDouble).requires_grad_(); }

bool all_zero(const Tensor& t) {
  for (double v : values(t))
    if (v != 0) return false;
  return true;
}

}  // namespace

TEST_CASE("normal with tensor parameters gives mean and std zero gradients") {
  const Tensor mean = leaf_of({0, 10, 100}), std = leaf_of({1, 2, 3});
  const Tensor both = normal(mean, std, Generator(1));
  CHECK(both.requires_grad());
  CHECK(both.grad_fn()->name() == "NormalBackward3");
  both.sum().backward();
  REQUIRE(mean.grad().defined());
  REQUIRE(std.grad().defined());
  CHECK(test::shape(mean.grad()) == std::vector<int64_t>{3});
  CHECK(all_zero(mean.grad()));
  CHECK(all_zero(std.grad()));

  const Tensor m = leaf_of({1, 2}), s = leaf_of({0.5, 0.5});
  const Tensor from_mean = normal(m, 2.0, Generator(2));
  const Tensor from_std = normal(1.0, s, Generator(3));
  CHECK(from_mean.grad_fn()->name() == "NormalBackward1");
  CHECK(from_std.grad_fn()->name() == "NormalBackward2");
  (from_mean * 3.0 + from_std).sum().backward();
  CHECK(values(m.grad()) == std::vector<double>{0, 0});
  CHECK(values(s.grad()) == std::vector<double>{0, 0});
}

TEST_CASE("normal's broadcast std gets a zero gradient of its own shape") {
  const Tensor mean = test::make<double>({0, 1, 2, 3, 4, 5}, {2, 3}, kDouble).requires_grad_();
  const Tensor std = leaf_of({1, 2, 3});
  normal(mean, std, Generator(4)).sum().backward();
  CHECK(test::shape(mean.grad()) == std::vector<int64_t>{2, 3});
  CHECK(test::shape(std.grad()) == std::vector<int64_t>{3});
  CHECK(all_zero(std.grad()));
}

TEST_CASE("in-place random fills cut the gradient to what they overwrite") {
  const Tensor x = leaf_of({1, 2, 3, 4});
  Tensor y = x * 2.0;
  y.slice(0, 0, 2).uniform_(0, 1, Generator(5));
  y.sum().backward();
  CHECK(values(x.grad()) == std::vector<double>{0, 0, 2, 2});

  for (auto fill : {+[](Tensor& t) { t.normal_(); }, +[](Tensor& t) { t.bernoulli_(0.5); },
                    +[](Tensor& t) { t.random_(0, 4); }}) {
    const Tensor a = leaf_of({1, 2});
    Tensor b = a * 1.0;
    fill(b);
    CHECK(b.grad_fn() != nullptr);
    (b * 3.0).sum().backward();
    CHECK(values(a.grad()) == std::vector<double>{0, 0});
  }
}

TEST_CASE("in-place random fills have PyTorch's backward names") {
  const Tensor x = leaf_of({1, 2});
  Tensor u = x * 1.0, n = x * 1.0, r = x * 1.0;
  CHECK(u.uniform_().grad_fn()->name() == "UniformBackward0");
  CHECK(n.normal_().grad_fn()->name() == "NormalBackward0");
  CHECK(r.random_(0, 3).grad_fn()->name() == "RandomBackward0");
}

TEST_CASE("in-place random fills refuse a leaf that requires grad, outside NoGradGuard") {
  Tensor w = leaf_of({1, 2});
  CHECK(test::contains(test::error_of([&] { w.uniform_(); }),
                       "[uniform_] a leaf Variable that requires grad is being used in an in-place operation"));
  NoGradGuard no_grad;
  w.normal_(0, 1, Generator(6));
  CHECK(w.is_leaf());
  CHECK(w.requires_grad());
}

TEST_CASE("bernoulli and poisson of a tensor that requires grad record a node with zero gradients") {
  const Tensor p = leaf_of({0.2, 0.8});
  const Tensor b = bernoulli(p, Generator(7));
  CHECK(b.grad_fn()->name() == "BernoulliBackward0");
  b.sum().backward();
  CHECK(values(p.grad()) == std::vector<double>{0, 0});

  const Tensor rates = leaf_of({1, 12});
  const Tensor k = poisson(rates, Generator(8));
  CHECK(k.grad_fn()->name() == "PoissonBackward0");
  k.sum().backward();
  CHECK(values(rates.grad()) == std::vector<double>{0, 0});
}

TEST_CASE("bernoulli with a scalar p, multinomial and the factories never require grad") {
  const Tensor x = leaf_of({0.5, 0.5});
  CHECK_FALSE(bernoulli(x, 0.5, Generator(9)).requires_grad());
  CHECK_FALSE(multinomial(x, 1, false, Generator(10)).requires_grad());
  CHECK_FALSE(rand_like(x).requires_grad());
  CHECK_FALSE(zeros_like(x).requires_grad());
  CHECK_FALSE(empty_like(x).requires_grad());
  CHECK(rand({2}, TensorOptions(kDouble).requires_grad(true)).is_leaf());
}
