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
  CHECK(y.grad_fn()->name() == "AddBackward0");
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

TEST_CASE("for z = 2*w0*w1 + w1*cos(w0) at w = (3.14, 1) the gradient is about (1.9984, 5.28)") {
  Tensor w = tensor({3.14, 1.0}, kDouble).requires_grad_();
  Tensor w0 = w[0], w1 = w[1];
  Tensor z = 2 * w0 * w1 + w1 * cos(w0);
  z.backward();
  CHECK(w.grad()[0].item<double>() == doctest::Approx(1.99840734));
  CHECK(w.grad()[1].item<double>() == doctest::Approx(5.28000127));
}

TEST_CASE("backward with an explicit gradient, and the errors for missing or mismatched ones") {
  Tensor x = tensor({1.0, 2.0, 3.0}).requires_grad_();
  Tensor y = x * 2;
  y.backward(tensor({1.0, 0.5, 0.0}), /*retain_graph=*/true);
  CHECK_VALUES(test::values(x.grad()), {2.0, 1.0, 0.0});
  CHECK(test::contains(test::error_of([&] { y.backward(); }),
                       "grad can be implicitly created only for scalar outputs"));
  CHECK(test::contains(test::error_of([&] { y.backward(ones({2})); }),
                       "Mismatch in shape: grad_output[0] has a shape of [2] and output[0] has a shape of [3]"));
}

TEST_CASE("autograd::grad returns gradients without touching .grad, with allow_unused") {
  Tensor a = tensor({1.0, 2.0}).requires_grad_();
  Tensor b = tensor({3.0, 4.0}).requires_grad_();
  Tensor unused = tensor({1.0}).requires_grad_();
  Tensor y = (a * b).sum();
  auto g = autograd::grad({y}, {a, b}, {}, /*retain_graph=*/true);
  CHECK_VALUES(test::values(g[0]), {3.0, 4.0});
  CHECK_VALUES(test::values(g[1]), {1.0, 2.0});
  CHECK_FALSE(a.grad().defined());
  CHECK(test::contains(test::error_of([&] { autograd::grad({y}, {a, unused}, {}, true); }),
                       "One of the differentiated Tensors appears to not have been used in the graph"));
  auto g2 = autograd::grad({y}, {a, unused}, {}, true, false, /*allow_unused=*/true);
  CHECK(g2[0].defined());
  CHECK_FALSE(g2[1].defined());
  CHECK(test::contains(test::error_of([&] { autograd::grad({y}, {tensor({1.0})}); }),
                       "One of the differentiated Tensors does not require grad"));
}

TEST_CASE("autograd::grad with respect to an intermediate tensor") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor h = x * 3;
  Tensor y = (h * h).sum();
  auto g = autograd::grad({y}, {h});
  CHECK_VALUES(test::values(g[0]), {6.0, 12.0});
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward(inputs=...) accumulates only into the given tensors") {
  Tensor a = tensor({1.0}).requires_grad_();
  Tensor b = tensor({2.0}).requires_grad_();
  (a * b).sum().backward({}, std::nullopt, false, {a});
  CHECK(a.grad().item<double>() == 2.0);
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("a diamond graph sums the gradients of both paths") {
  Tensor x = tensor({2.0}).requires_grad_();
  Tensor h = x * 3;
  Tensor y = h * h + h * 2;  // dy/dh = 2h + 2 = 14, dy/dx = 42
  y.backward();
  CHECK(x.grad().item<double>() == 42.0);
}

TEST_CASE("create_graph keeps the accumulated gradient differentiable") {
  Tensor x = tensor({2.0}).requires_grad_();
  Tensor y = x * x * x;
  y.backward({}, std::nullopt, /*create_graph=*/true);
  CHECK(x.grad().item<double>() == 12.0);  // 3x^2
  CHECK(x.grad().requires_grad());
  auto gg = autograd::grad({x.grad()}, {x});
  CHECK(gg[0].item<double>() == 12.0);  // 6x
  // x.grad's history refers back to x: a reference cycle, as in PyTorch; dropping the grad breaks it.
  x.mutable_grad() = Tensor();
}

TEST_CASE("in-place ops on non-leaves record history and keep gradients right") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 2;
  y.mul_(x);  // y = 2x^2; the formula reads self from a copy taken before the write
  CHECK(y.grad_fn()->name() == "MulBackward0");
  CHECK(y._version() == 1);
  y.sum().backward();
  CHECK_VALUES(test::values(x.grad()), {4.0, 8.0});
  // y.mul_(y) needs the old y as `other` too; like PyTorch, that is a version error.
  Tensor z = x * 2;
  z.mul_(z);
  CHECK(test::contains(test::error_of([&] { z.sum().backward(); }), "is at version 1; expected version 0 instead"));
}

TEST_CASE("a leaf's grad_fn is null and grad_fn edges lead to AccumulateGrad") {
  Tensor x = tensor({1.0}).requires_grad_();
  CHECK(x.grad_fn() == nullptr);
  Tensor y = x * 2;
  REQUIRE(y.grad_fn()->next_edges().size() == 1);
  CHECK(y.grad_fn()->next_edges()[0].function->name() == "torch::autograd::AccumulateGrad");
}

TEST_CASE("an in-place write into an output of unbind is refused before the leaf check, as in PyTorch") {
  Tensor x = randn({3, 2}).requires_grad_();
  const std::string e = test::error_of([&] { x.unbind(0)[1].mul_(2); });
  CHECK(test::contains(e, "Output 1 of UnbindBackward0 is a view and is being modified inplace"));
  Tensor w = ones({2}).requires_grad_();
  Tensor plain = zeros({3, 2});
  CHECK(test::contains(test::error_of([&] { plain.unbind(0)[0].copy_(w); }),
                       "Output 0 of UnbindBackward0 is a view and is being modified inplace"));
}

TEST_CASE("a very long chain of ops is destroyed and differentiated without deep recursion") {
  Tensor x = ones({1}, kDouble).requires_grad_();
  Tensor w = ones({1}, kDouble).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = y * w;
  y.sum().backward();
  CHECK(w.grad().item<double>() == 200000.0);
  y = Tensor();  // releases 200,000 nodes
  CHECK(x.grad().item<double>() == 1.0);
}

TEST_CASE("grad_fn names of copy_, fill_ and views follow PyTorch") {
  Tensor x = ones({2, 2}).requires_grad_();
  Tensor y = x * 1;
  Tensor z = zeros({2, 2});
  z.copy_(x);
  CHECK(z.grad_fn()->name() == "torch::autograd::CopyBackwards");
  y.fill_(3);
  CHECK(y.grad_fn()->name() == "FillBackward2");
  CHECK(x.transpose(0, 1).grad_fn()->name() == "TransposeBackward0");
  CHECK(x.select(0, 0).grad_fn()->name() == "SelectBackward0");
}
