// The autograd engine: backward, grad, accumulation, retain_graph, create_graph, views and in-place writes.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;

TEST_CASE("d/dx (x*x + 3x + 1) at x = 2 is 7") {
  Tensor x = tensor({2.0}).requires_grad_();
  Tensor y = x * x + x * 3 + 1;
  y.backward();
  CHECK(x.grad().item<double>() == 7.0);
  CHECK(y.grad_fn()->name() == "AddBackward1");
  CHECK((x * x).grad_fn()->name() == "MulBackward0");
  CHECK(x.is_leaf());
  CHECK_FALSE(y.is_leaf());
}

TEST_CASE("two backward calls accumulate into .grad") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward({}, /*retain_graph=*/true);
  y.backward();
  CHECK_VALUES(test::values(x.grad()), {4.0, 8.0});
}

TEST_CASE("a second backward without retain_graph fails with PyTorch's message") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = (x * x).sum();
  y.backward();
  CHECK(test::contains(test::error_of([&] { y.backward(); }), "Trying to backward through the graph a second time"));
}

TEST_CASE("broadcast gradients are reduced to the input's shape") {
  Tensor a = ones({2, 3}, kDouble).requires_grad_();
  Tensor b = tensor({1.0, 2.0, 3.0}).requires_grad_();
  (a * b).sum().backward();
  CHECK_VALUES(test::values(b.grad()), {2.0, 2.0, 2.0});
  CHECK_VALUES(test::values(a.grad()), {1.0, 2.0, 3.0, 1.0, 2.0, 3.0});
}

TEST_CASE("second derivative of sum(p*p) is 2") {
  Tensor p = tensor({3.0}).requires_grad_();
  auto g = autograd::grad({(p * p).sum()}, {p}, {}, std::nullopt, /*create_graph=*/true);
  CHECK(g[0].item<double>() == 6.0);
  auto gg = autograd::grad({g[0].sum()}, {p});
  CHECK(gg[0].item<double>() == 2.0);
}

TEST_CASE("modifying a saved tensor in place makes backward fail naming the op") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor h = x * 2;
  Tensor y = h * h;
  h.add_(1);
  const std::string e = test::error_of([&] { y.sum().backward(); });
  CHECK(test::contains(e, "one of the variables needed for gradient computation has been modified by an inplace "
                          "operation"));
  CHECK(test::contains(e, "MulBackward0"));
  CHECK(test::contains(e, "is at version 1; expected version 0 instead"));
}

TEST_CASE("gradients flow through an in-place write into a view") {
  Tensor w = tensor({5.0, 6.0}).requires_grad_();
  Tensor x = zeros({2, 2}, kDouble);
  x.select(0, 1).copy_(w);
  CHECK(x.grad_fn()->name() == "CopySlices");
  (x * tensor({{1.0, 2.0}, {3.0, 4.0}})).sum().backward();
  CHECK_VALUES(test::values(w.grad()), {3.0, 4.0});
}

TEST_CASE("gradcheck passes for mul and fails for a wrong formula's tolerance") {
  Tensor a = randn({3}, TensorOptions(kDouble)).requires_grad_();
  Tensor b = randn({2, 3}, TensorOptions(kDouble)).requires_grad_();
  CHECK(autograd::gradcheck([](const autograd::variable_list& in) { return autograd::variable_list{in[0] * in[1]}; },
                            {a, b}));
  CHECK(autograd::gradgradcheck(
      [](const autograd::variable_list& in) { return autograd::variable_list{in[0] * in[1] / in[0].add(3)}; }, {a, b}));
}
