// Custom autograd functions: forward/backward, saved tensors and data, dirty and non-differentiable outputs.
#include <doctest/doctest.h>

#include "ember.h"
#include "helpers.h"

using namespace ember;
using autograd::AutogradContext;
using autograd::variable_list;

namespace {

// libtorch's documentation example: y = x * constant.
struct MulConstant : public autograd::Function<MulConstant> {
  static Tensor forward(AutogradContext* ctx, Tensor x, double constant) {
    ctx->saved_data["constant"] = constant;
    return x * constant;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    return {grads[0] * ctx->saved_data["constant"].toDouble(), Tensor()};
  }
};

// y = x @ w^T + b, saving inputs for backward.
struct LinearFunction : public autograd::Function<LinearFunction> {
  static Tensor forward(AutogradContext* ctx, Tensor input, Tensor weight, Tensor bias) {
    ctx->save_for_backward({input, weight});
    return input.mm(weight.t()) + bias;
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const Tensor& g = grads[0];
    return {g.mm(saved[1]), g.t().mm(saved[0]), g.sum(0)};
  }
};

// Returns (x * 2, argmax-like indices) with the second output non-differentiable.
struct WithIndices : public autograd::Function<WithIndices> {
  static variable_list forward(AutogradContext* ctx, Tensor x) {
    Tensor idx = zeros({x.size(0)}, kLong);
    Tensor twice = x * 2;
    Tensor flags = x * 0;
    ctx->mark_non_differentiable({flags});
    return {twice, idx, flags};
  }
  static variable_list backward(AutogradContext*, variable_list grads) {
    CHECK_FALSE(grads[1].defined());  // integer output: never a gradient
    return {grads[0] * 2};
  }
};

// x.mul_(3) in place, marked dirty.
struct TripleInPlace : public autograd::Function<TripleInPlace> {
  static Tensor forward(AutogradContext* ctx, Tensor x) {
    x.mul_(3);
    ctx->mark_dirty({x});
    return x;
  }
  static variable_list backward(AutogradContext*, variable_list grads) { return {grads[0] * 3}; }
};

// Two outputs; backward sees undefined gradients when materialization is off.
struct TwoOutputs : public autograd::Function<TwoOutputs> {
  static variable_list forward(AutogradContext* ctx, Tensor x, bool materialize) {
    ctx->set_materialize_grads(materialize);
    ctx->saved_data["materialize"] = materialize;
    return {x * 1, x * 1};
  }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    const bool defined = grads[1].defined();
    CHECK(defined == ctx->saved_data["materialize"].toBool());
    return {grads[0] + (defined ? grads[1] : zeros_like(grads[0])), Tensor()};
  }
};

struct WrongCount : public autograd::Function<WrongCount> {
  static Tensor forward(AutogradContext*, Tensor x, Tensor y) { return x * y; }
  static variable_list backward(AutogradContext*, variable_list grads) { return {grads[0]}; }
};

struct NeedsGrad : public autograd::Function<NeedsGrad> {
  static Tensor forward(AutogradContext*, Tensor x, Tensor y) { return x + y; }
  static variable_list backward(AutogradContext* ctx, variable_list grads) {
    CHECK(ctx->needs_input_grad(0));
    CHECK_FALSE(ctx->needs_input_grad(1));
    return {grads[0], Tensor()};
  }
};

}  // namespace

TEST_CASE("a custom function's backward scales the gradient (MulConstant)") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor y = MulConstant::apply(x, 5.5);
  CHECK(y.requires_grad());
  CHECK(test::contains(y.grad_fn()->name(), "MulConstant"));
  y.sum().backward();
  CHECK_VALUES(test::values(x.grad()), {5.5, 5.5});
}

TEST_CASE("saved tensors reach backward and the result matches the built-in ops") {
  Tensor input = tensor({{1.0, 2.0}, {3.0, 4.0}}).requires_grad_();
  Tensor weight = tensor({{0.5, -1.0}, {2.0, 1.0}, {0.0, 3.0}}).requires_grad_();
  Tensor bias = tensor({0.1, 0.2, 0.3}).requires_grad_();
  LinearFunction::apply(input, weight, bias).sum().backward();
  CHECK_VALUES(test::values(input.grad()), {2.5, 3.0, 2.5, 3.0});
  CHECK_VALUES(test::values(weight.grad()), {4.0, 6.0, 4.0, 6.0, 4.0, 6.0});
  CHECK_VALUES(test::values(bias.grad()), {2.0, 2.0, 2.0});
  CHECK(autograd::gradcheck(
      [](const variable_list& in) { return variable_list{LinearFunction::apply(in[0], in[1], in[2])}; },
      {input.detach().to(kDouble).requires_grad_(), weight.detach().to(kDouble).requires_grad_(),
       bias.detach().to(kDouble).requires_grad_()}));
}

TEST_CASE("non-differentiable and integer outputs never require grad") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  variable_list out = WithIndices::apply(x);
  CHECK(out[0].requires_grad());
  CHECK_FALSE(out[1].requires_grad());
  CHECK_FALSE(out[2].requires_grad());
  out[0].sum().backward();
  CHECK_VALUES(test::values(x.grad()), {2.0, 2.0});
}

TEST_CASE("mark_dirty: an input modified in place takes the function's history") {
  Tensor x = tensor({1.0, 2.0}).requires_grad_();
  Tensor h = x * 1;
  Tensor y = TripleInPlace::apply(h);
  CHECK(y.is_same(h));
  CHECK(test::contains(h.grad_fn()->name(), "TripleInPlace"));
  y.sum().backward();
  CHECK_VALUES(test::values(x.grad()), {3.0, 3.0});
  CHECK(test::contains(test::error_of([&] { TripleInPlace::apply(x); }), "in-place"));
}

TEST_CASE("set_materialize_grads(false) passes undefined gradients for unused outputs") {
  for (bool materialize : {true, false}) {
    Tensor x = tensor({1.0, 2.0}).requires_grad_();
    variable_list out = TwoOutputs::apply(x, materialize);
    out[0].sum().backward();
    CHECK_VALUES(test::values(x.grad()), {1.0, 1.0});
  }
}

TEST_CASE("backward must return one gradient per forward argument") {
  Tensor x = tensor({1.0}).requires_grad_();
  Tensor y = tensor({2.0}).requires_grad_();
  const std::string e = test::error_of([&] { WrongCount::apply(x, y).sum().backward(); });
  CHECK(test::contains(e, "returned an incorrect number of gradients (expected 2, got 1)"));
}

TEST_CASE("needs_input_grad tells which inputs need a gradient") {
  Tensor x = tensor({1.0}).requires_grad_();
  Tensor y = tensor({2.0});
  NeedsGrad::apply(x, y).sum().backward();
  CHECK(x.grad().item<double>() == 1.0);
}

TEST_CASE("without grad mode a custom function records nothing") {
  Tensor x = tensor({1.0}).requires_grad_();
  NoGradGuard no_grad;
  CHECK_FALSE(MulConstant::apply(x, 2.0).requires_grad());
}
