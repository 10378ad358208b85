// Grad modes, inference mode, requires_grad / detach / clone semantics, hooks and retain_grad.
#include <doctest/doctest.h>

#include <thread>

#include "ember.h"
#include "helpers.h"

using namespace ember;

TEST_CASE("results of recorded ops require grad; under NoGradGuard they do not") {
  Tensor x = ones({2}, kDouble).requires_grad_();
  CHECK((x * 2).requires_grad());
  {
    NoGradGuard no_grad;
    CHECK_FALSE(is_grad_enabled());
    Tensor y = x * 2;
    CHECK_FALSE(y.requires_grad());
    CHECK(y.is_leaf());
  }
  CHECK(is_grad_enabled());
  {
    AutoGradMode off(false);
    CHECK_FALSE((x * 2).requires_grad());
    AutoGradMode on(true);
    CHECK((x * 2).requires_grad());
  }
  set_grad_enabled(false);
  CHECK_FALSE((x + 1).requires_grad());
  set_grad_enabled(true);
  CHECK((x + 1).requires_grad());
}

TEST_CASE("grad mode is thread-local") {
  NoGradGuard no_grad;
  bool other_thread_enabled = false;
  std::thread t([&] { other_thread_enabled = is_grad_enabled(); });
  t.join();
  CHECK(other_thread_enabled);
  CHECK_FALSE(is_grad_enabled());
}

TEST_CASE("requires_grad_ rules follow PyTorch") {
  CHECK(test::contains(test::error_of([] { ones({2}, kLong).requires_grad_(); }),
                       "only Tensors of floating point dtype can require gradients"));
  Tensor x = ones({2}, kDouble).requires_grad_();
  Tensor y = x * 2;
  y.requires_grad_(true);  // allowed: already requires grad
  CHECK(test::contains(test::error_of([&] { y.requires_grad_(false); }),
                       "you can only change requires_grad flags of leaf variables"));
  x.requires_grad_(false);
  CHECK_FALSE(x.requires_grad());
  CHECK(test::contains(test::error_of([&] { (x * 2).sum().backward(); }),
                       "element 0 of tensors does not require grad and does not have a grad_fn"));
}

TEST_CASE("an in-place op on a leaf that requires grad is refused, and allowed under NoGradGuard") {
  Tensor w = ones({3}, kDouble).requires_grad_();
  CHECK(test::contains(test::error_of([&] { w.add_(1); }),
                       "a leaf Variable that requires grad is being used in an in-place operation"));
  CHECK(test::contains(test::error_of([&] { w.select(0, 1).mul_(2); }),
                       "a view of a leaf Variable that requires grad is being used in an in-place operation"));
  {
    NoGradGuard no_grad;
    w.mul_(2);
  }
  CHECK_VALUES(test::values(w), {2.0, 2.0, 2.0});
  CHECK(w.is_leaf());
  CHECK(w.requires_grad());
}

TEST_CASE("detach shares storage and the version counter; detach_ makes a leaf") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * x;
  Tensor d = y.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK(d.is_alias_of(y));
  d.add_(1);  // y's storage changed: MulBackward0 saved x, not y, so x*x's backward is fine
  CHECK(y._version() == 1);
  Tensor z = y * y;
  d.add_(1);
  CHECK(test::contains(test::error_of([&] { z.sum().backward(); }), "has been modified by an inplace operation"));

  Tensor a = x * 3;
  a.detach_();
  CHECK(a.is_leaf());
  CHECK_FALSE(a.requires_grad());
  Tensor v = (x * 3).select(0, 0);
  CHECK(test::contains(test::error_of([&] { v.detach_(); }), "Can't detach views in-place"));
}

TEST_CASE("clone records CloneBackward0 and passes the gradient through") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor c = x.clone();
  CHECK(c.grad_fn()->name() == "CloneBackward0");
  (c * 3).sum().backward();
  CHECK_VALUES(test::values(x.grad()), {3.0, 3.0});
}

TEST_CASE("InferenceMode creates inference tensors that autograd refuses to save") {
  Tensor t;
  Tensor normal = ones({2}, kDouble);
  Tensor view_of_normal;
  {
    InferenceMode guard;
    CHECK(InferenceMode::is_enabled());
    CHECK_FALSE(is_grad_enabled());
    t = ones({2}, kDouble);
    view_of_normal = normal.view({2});
    CHECK(t.is_inference());
    CHECK_FALSE(view_of_normal.is_inference());
    t.add_(1);  // in-place inside inference mode is fine
  }
  CHECK(is_grad_enabled());
  Tensor w = ones({2}, kDouble).requires_grad_();
  CHECK(test::contains(test::error_of([&] { (void)(t * w); }), "Inference tensors cannot be saved for backward"));
  CHECK(test::contains(test::error_of([&] { t.add_(1); }),
                       "Inplace update to inference tensor outside InferenceMode is not allowed"));
  CHECK(test::contains(test::error_of([&] { t.requires_grad_(); }),
                       "Setting requires_grad=True on inference tensor outside InferenceMode is not allowed"));
  Tensor ok = t.clone() * w;  // a clone is a normal tensor
  CHECK(ok.requires_grad());
}

TEST_CASE("a hook can replace the gradient and is removable") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  const unsigned h = x.register_hook([](const Tensor& g) { return g * 10; });
  (x * 2).sum().backward();
  CHECK_VALUES(test::values(x.grad()), {20.0, 20.0});
  x.remove_hook(h);
  x.mutable_grad() = Tensor();
  (x * 2).sum().backward();
  CHECK_VALUES(test::values(x.grad()), {2.0, 2.0});
}

TEST_CASE("hooks on a non-leaf see and change the gradient flowing through it") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * 3;
  std::vector<double> seen;
  y.register_hook([&](const Tensor& g) { seen = test::values(g); });  // void hook: observes only
  y.register_hook([](const Tensor& g) { return g + 1; });
  (y * y).sum().backward();
  CHECK_VALUES(seen, {6.0, 12.0});
  CHECK_VALUES(test::values(x.grad()), {21.0, 39.0});  // (2y + 1) * 3
  CHECK(test::contains(test::error_of([] { ones({1}).register_hook([](const Tensor& g) { return g; }); }),
                       "cannot register a hook on a tensor that doesn't require gradient"));
}

TEST_CASE("retain_grad keeps a non-leaf's gradient") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = x * x;
  y.retain_grad();
  CHECK(y.retains_grad());
  Tensor z = y * 2;
  z.sum().backward();
  CHECK_VALUES(test::values(y.grad()), {2.0, 2.0});
  CHECK_FALSE(z.grad().defined());
}

TEST_CASE("printing shows grad_fn like PyTorch") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  CHECK(x.toString() == "tensor([1., 2.], requires_grad=True)");
  CHECK((x * 2).toString() == "tensor([2., 4.], grad_fn=<MulBackward0>)");
}

TEST_CASE("fill_ with a 0-d tensor value passes grad.sum() to the value") {
  Tensor v = tensor(2.0, kDouble).requires_grad_();
  Tensor x = zeros({2, 3}, kDouble);
  x.fill_(v);
  CHECK_VALUES(test::values(x), {2, 2, 2, 2, 2, 2});
  (x * 3).sum().backward();
  CHECK(v.grad().item<double>() == 18.0);
}
