// Gradients of views, joins and copies that gradcheck cannot see: in-place writes through views, the
// errors PyTorch raises for them, zeros for unused outputs, dtype changes, and grad_fn names.
// Expected values come from scripts/golden/grad_views.py (PyTorch 1.13).
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {
Tensor dbl(std::vector<double> v, IntArrayRef sizes) { return test::make(std::move(v), sizes, kDouble); }
Tensor x23() { return dbl({1, 2, 3, 4, 5, 6}, {2, 3}).requires_grad_(); }
}  // namespace

TEST_CASE("an in-place write into a view of a non-leaf flows back through CopySlices") {
  Tensor x = x23();
  Tensor y = x * 1.0;
  y.select(0, 1).mul_(2);
  CHECK(y.grad_fn()->name() == "CopySlices");
  y.sum().backward();
  test::check_exact(x.grad(), {1, 1, 1, 2, 2, 2});
}

TEST_CASE("a view written in place gets AsStridedBackward0 and still differentiates") {
  Tensor x = x23();
  Tensor y = x * 1.0;
  Tensor v = y.select(0, 1);
  CHECK(v.grad_fn()->name() == "SelectBackward0");
  v.mul_(2);
  CHECK(v.grad_fn()->name() == "AsStridedBackward0");
  (v * dbl({1, 2, 3}, {3})).sum().backward();
  test::check_exact(x.grad(), {0, 0, 0, 2, 4, 6});
}

TEST_CASE("in-place writes into outputs of unbind and split fail with PyTorch's message") {
  // On a non-leaf base. (On a leaf that requires grad PyTorch 1.13 also reports the multiple-outputs error,
  // because it checks the view's creation before the leaf; the engine checks the leaf first.)
  Tensor x = randn({3, 2}).requires_grad_() * 1.0;
  const std::string unbind_error = test::error_of([&] { x.unbind(0)[0].mul_(2); });
  CHECK(test::contains(unbind_error,
                       "Output 0 of UnbindBackward0 is a view and is being modified inplace. This view is the output "
                       "of a function that returns multiple views."));
  const std::string split_error = test::error_of([&] { x.split(2)[1].add_(1); });
  CHECK(test::contains(split_error, "Output 1 of SplitBackward0 is a view and is being modified inplace."));
}

TEST_CASE("an in-place write into a view of a leaf that requires grad fails") {
  Tensor x = randn({3, 2}).requires_grad_();
  CHECK(test::contains(test::error_of([&] { x.select(0, 0).mul_(2); }),
                       "a view of a leaf Variable that requires grad is being used in an in-place operation"));
  CHECK(test::contains(test::error_of([&] { x.mul_(2); }),
                       "a leaf Variable that requires grad is being used in an in-place operation"));
}

TEST_CASE("outputs of unbind nobody used get zero gradients") {
  Tensor x = dbl({1, 2, 3, 4, 5, 6}, {3, 2}).requires_grad_();
  const auto parts = x.unbind(0);
  (parts[1] * dbl({3, 4}, {2})).sum().backward();
  test::check_exact(x.grad(), {0, 0, 3, 4, 0, 0});
}

TEST_CASE("unfold adds the gradients of overlapping windows and leaves gaps at zero") {
  Tensor x = dbl({1, 2, 3, 4, 5}, {5}).requires_grad_();
  x.unfold(0, 3, 1).sum().backward();
  test::check_exact(x.grad(), {1, 2, 3, 2, 1});
  Tensor z = dbl({1, 2, 3, 4, 5}, {5}).requires_grad_();
  z.unfold(0, 2, 2).sum().backward();
  test::check_exact(z.grad(), {1, 1, 1, 1, 0});
}

TEST_CASE("repeat sums the gradients of every copy") {
  Tensor x = dbl({1, 2}, {2}).requires_grad_();
  (x.repeat({3, 2}) * arange(12, TensorOptions(kDouble)).reshape({3, 4})).sum().backward();
  test::check_exact(x.grad(), {30, 36});
}

TEST_CASE("diagonal, strided slice and expand gradients") {
  Tensor x = arange(12, TensorOptions(kDouble)).reshape({3, 4}).requires_grad_();
  (x.diagonal(1) * dbl({1, 2, 3}, {3})).sum().backward();
  test::check_exact(x.grad(), {0, 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3});
  Tensor a = arange(12, TensorOptions(kDouble)).reshape({3, 4}).requires_grad_();
  (a.slice(1, std::nullopt, std::nullopt, 2) * arange(6, TensorOptions(kDouble)).reshape({3, 2})).sum().backward();
  test::check_exact(a.grad(), {0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0});
  Tensor b = arange(12, TensorOptions(kDouble)).reshape({3, 4}).requires_grad_();
  (b.expand({2, 3, 4}) * arange(24, TensorOptions(kDouble)).reshape({2, 3, 4})).sum().backward();
  test::check_exact(b.grad(), {12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});
}

TEST_CASE("copy_ broadcasts and changes dtype; the source's gradient is summed and cast back") {
  Tensor x = dbl({1, 2, 3}, {3}).requires_grad_();
  Tensor y = zeros({2, 3});  // float32
  y.copy_(x);
  CHECK(y.requires_grad());
  (y * test::make<double>({1, 2, 3, 4, 5, 6}, {2, 3})).sum().backward();
  CHECK(x.grad().dtype() == kDouble);
  test::check_exact(x.grad(), {5, 7, 9});
}

TEST_CASE("to(float32) is _to_copy: the gradient comes back as float64") {
  Tensor x = dbl({1, 2, 3}, {3}).requires_grad_();
  Tensor y = x.to(kFloat);
  CHECK(y.grad_fn()->name() == "ToCopyBackward0");
  (y * test::make<double>({1, 2, 3}, {3})).sum().backward();
  CHECK(x.grad().dtype() == kDouble);
  test::check_exact(x.grad(), {1, 2, 3});
}

TEST_CASE("fill_ on a non-leaf cuts the gradient of what it overwrote") {
  Tensor x = dbl({1, 2, 3}, {3}).requires_grad_();
  Tensor y = x * 2;
  y.fill_(3);
  CHECK(y.requires_grad());
  (y * x).sum().backward();
  test::check_exact(x.grad(), {3, 3, 3});
}

TEST_CASE("detach is not differentiable; clone is") {
  Tensor x = dbl({1, 2, 3}, {3}).requires_grad_();
  Tensor d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.grad_fn() == nullptr);
  CHECK(x.clone().grad_fn()->name() == "CloneBackward0");
}

TEST_CASE("grad_fn names of views and joins match PyTorch") {
  Tensor m = randn({2, 1, 3}).requires_grad_();
  CHECK(m.transpose(0, 1).grad_fn()->name() == "TransposeBackward0");
  CHECK(m.permute({2, 0, 1}).grad_fn()->name() == "PermuteBackward0");
  CHECK(m.squeeze().grad_fn()->name() == "SqueezeBackward0");
  CHECK(m.squeeze(1).grad_fn()->name() == "SqueezeBackward1");
  CHECK(m.unsqueeze(0).grad_fn()->name() == "UnsqueezeBackward0");
  CHECK(m.expand({2, 2, 3}).grad_fn()->name() == "ExpandBackward0");
  CHECK(m.select(0, 1).grad_fn()->name() == "SelectBackward0");
  CHECK(m.slice(2, 1).grad_fn()->name() == "SliceBackward0");
  CHECK(m.narrow(2, 0, 2).grad_fn()->name() == "SliceBackward0");
  CHECK(m.unfold(2, 2, 1).grad_fn()->name() == "UnfoldBackward0");
  CHECK(m.diagonal(0, 0, 2).grad_fn()->name() == "DiagonalBackward0");
  CHECK(m.split(1)[0].grad_fn()->name() == "SplitBackward0");
  CHECK(m.split_with_sizes({1, 2}, 2)[1].grad_fn()->name() == "SplitWithSizesBackward0");
  CHECK(m.chunk(2)[0].grad_fn()->name() == "SplitBackward0");
  CHECK(m.unbind(0)[0].grad_fn()->name() == "UnbindBackward0");
  CHECK(m.view({6}).grad_fn()->name() == "ViewBackward0");
  CHECK(m.movedim(0, 2).grad_fn()->name() == "PermuteBackward0");
  CHECK(m.as_strided({2}, {1}).grad_fn()->name() == "AsStridedBackward0");
  CHECK(cat({m, m}).grad_fn()->name() == "CatBackward0");
  CHECK(stack({m, m}).grad_fn()->name() == "StackBackward0");
  CHECK(m.flip({0}).grad_fn()->name() == "FlipBackward0");
  CHECK(m.roll({1}, {0}).grad_fn()->name() == "RollBackward0");
  CHECK(m.repeat({1, 2, 1}).grad_fn()->name() == "RepeatBackward0");
}

TEST_CASE("double backward through select") {
  // d/dx sum(3 x[1]^2) = 6 x[1] on row 1; the gradient of its sum w.r.t. x is 6 on row 1.
  Tensor x = x23();
  Tensor s = x.select(0, 1);
  Tensor g = autograd::grad({(s * s * 3).sum()}, {x}, {}, std::nullopt, /*create_graph=*/true)[0];
  test::check_exact(g, {0, 0, 0, 24, 30, 36});
  Tensor gg = autograd::grad({g.sum()}, {x})[0];
  test::check_exact(gg, {0, 0, 0, 6, 6, 6});
}

TEST_CASE("cat and stack promote dtypes; each input's gradient comes back in its own dtype") {
  Tensor a = test::make<double>({1, 2}, {2}).requires_grad_();  // float32
  Tensor b = dbl({3, 4}, {1, 2}).requires_grad_();
  Tensor c = cat({a.unsqueeze(0), b});
  CHECK(c.dtype() == kDouble);
  (c * dbl({1, 2, 3, 4}, {2, 2})).sum().backward();
  CHECK(a.grad().dtype() == kFloat);
  test::check_exact(a.grad(), {1, 2});
  test::check_exact(b.grad(), {3, 4});
  Tensor a2 = test::make<double>({1, 2}, {2}).requires_grad_();
  (stack({a2, b.select(0, 0)}, 1) * dbl({1, 2, 3, 4}, {2, 2})).sum().backward();
  CHECK(a2.grad().dtype() == kFloat);
  test::check_exact(a2.grad(), {1, 3});
}
