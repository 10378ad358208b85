// compile(): calling convention, cache hits and misses, lifted tensors, recompile limits, reset and autograd.
#include <doctest/doctest.h>

#include "jit_helpers.h"

using namespace ember;
using ember::test::LogCapture;
using ember::test::same_values;

TEST_CASE("a compiled function returns what the function returns, and its second call is a cache hit") {
  auto f = [](const Tensor& x, const Tensor& w) { return (x.matmul(w.t()) + 1).relu().sum(1); };
  auto cf = compile(f);
  const Tensor x = randn({8, 5}), w = randn({3, 5});
  CHECK(same_values(cf(x, w), f(x, w)));
  const Tensor x2 = randn({8, 5});
  CHECK(same_values(cf(x2, w), f(x2, w)));
  CHECK(cf.stats().calls == 2);
  CHECK(cf.stats().cache_misses == 1);
  CHECK(cf.stats().cache_hits == 1);
  CHECK(cf.stats().recompiles == 0);
  CHECK(cf.stats().entries == 1);
}

TEST_CASE("compiled functions take tensor lists, scalars and bools, and return tuples, pairs and vectors") {
  auto f = [](const std::vector<Tensor>& xs, double scale, bool negate) {
    Tensor s = xs[0] * scale + xs[1];
    return std::make_tuple(negate ? -s : s, xs[1].exp());
  };
  auto cf = compile(f);
  const std::vector<Tensor> xs{randn({4}), randn({4})};
  for (int i = 0; i < 3; ++i) {
    auto [a, b] = cf(xs, 2.5, true);
    auto [ea, eb] = f(xs, 2.5, true);
    CHECK(same_values(a, ea));
    CHECK(same_values(b, eb));
  }
  auto g = [](const Tensor& x) { return std::vector<Tensor>{x + 1, x * 2, x.sin()}; };
  auto cg = compile(g);
  const Tensor x = randn({3, 2});
  for (int i = 0; i < 2; ++i) {
    std::vector<Tensor> r = cg(x), e = g(x);
    REQUIRE(r.size() == 3);
    for (size_t k = 0; k < 3; ++k) CHECK(same_values(r[k], e[k]));
  }
  auto h = [](const Tensor& x) { return std::make_pair(x.max(), x.min()); };
  auto ch = compile(h);
  auto [mx, mn] = ch(x);
  CHECK(mx.item<float>() == x.max().item<float>());
  CHECK(mn.item<float>() == x.min().item<float>());
}

TEST_CASE("scalar arguments are guarded by value: a new value recompiles and computes with it") {
  LogCapture logs("recompiles");
  auto f = [](const Tensor& x, double alpha) { return x * alpha; };
  auto cf = compile(f, {.name = "scale", .arg_names = {"x", "alpha"}});
  const Tensor x = randn({5});
  CHECK(same_values(cf(x, 2.0), x * 2.0));
  CHECK(same_values(cf(x, 3.0), x * 3.0));
  CHECK(same_values(cf(x, 2.0), x * 2.0));
  CHECK(cf.stats().recompiles == 1);
  CHECK(cf.stats().cache_hits == 1);
  CHECK(logs.contains("recompiling 'scale' (entry 2): scalar 'alpha' value mismatch: expected 2, actual 3"));
}

TEST_CASE("tensors reached by closure are lifted by identity: in-place updates between calls are seen") {
  Tensor w = randn({4});
  auto f = [&w](const Tensor& x) { return x * w; };
  auto cf = compile(f);
  const Tensor x = randn({4});
  CHECK(same_values(cf(x), x * w));
  {
    NoGradGuard no_grad;
    w.add_(1);
  }
  CHECK(same_values(cf(x), x * w));
  CHECK(cf.stats().cache_hits == 1);
}

TEST_CASE("a lifted tensor whose metadata changes is a guard failure named after it") {
  LogCapture logs("recompiles");
  Tensor w = randn({4});
  auto f = [&w](const Tensor& x) { return x + w; };
  auto cf = compile(f, {.name = "f"});
  const Tensor x = randn({4}, kDouble);
  cf(x);
  w.set_data(randn({4}, kDouble));
  CHECK(same_values(cf(x), x + w));
  CHECK(logs.contains("recompiling 'f' (entry 2): lifted tensor 'lifted_0' dtype mismatch: expected float32, actual float64"));
}

TEST_CASE("compiling a module lifts its parameters under their state_dict names") {
  LogCapture logs("recompiles,guards");
  nn::Linear fc(3, 2);
  auto cfc = compile(fc);
  const Tensor x = randn({4, 3});
  CHECK(same_values(cfc(x), fc(x)));
  CHECK(logs.contains("lifted tensor 'weight': float32 cpu sizes [2, 3] strides [3, 1] requires_grad=True"));
  CHECK(logs.contains("lifted tensor 'bias': float32 cpu sizes [2] strides [1] requires_grad=True"));
  CHECK(same_values(cfc(x), fc(x)));
  CHECK(cfc.stats().cache_hits == 1);
}

TEST_CASE("past the recompile limit new variants run eagerly, existing entries keep serving, and a warning says so once") {
  LogCapture logs("");
  auto f = [](const Tensor& x) { return x.cos() + 1; };
  auto cf = compile(f, {.dynamic = false, .name = "cosine", .recompile_limit = 2});
  for (int64_t n : {3, 4, 5, 6, 3, 4}) {
    const Tensor x = randn({n});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 2);
  CHECK(cf.stats().eager_fallbacks == 2);
  CHECK(cf.stats().cache_hits == 2);
  CHECK(logs.count("hit the recompile limit") == 1);
  CHECK(logs.contains("'cosine' hit the recompile limit (2); calls that match none of its 2 entries now run eagerly, the "
                      "entries keep serving. Last failure: tensor 'arg0' size mismatch at dim 0: expected 4, actual 5."));
  CHECK(logs.contains("mark the changing dims dynamic"));
}

TEST_CASE("error_on_recompile turns a recompile into an error naming the failed guard") {
  auto f = [](const Tensor& x) { return x * 2; };
  auto cf = compile(f, {.name = "double_it", .error_on_recompile = true});
  cf(randn({3}));
  CHECK_THROWS_WITH_AS(cf(randn({3}, kDouble)),
                       "[compile] 'double_it' would recompile (error_on_recompile=True): tensor 'arg0' dtype mismatch: "
                       "expected float32, actual float64. Make the inputs match an existing entry, or allow recompiles.",
                       Error);
}

TEST_CASE("reset() drops every entry and counter") {
  auto f = [](const Tensor& x) { return x - 1; };
  auto cf = compile(f);
  const Tensor x = randn({2});
  cf(x);
  cf(x);
  CHECK(cf.stats().entries == 1);
  jit::reset();
  CHECK(cf.stats().entries == 0);
  CHECK(cf.stats().calls == 0);
  CHECK(same_values(cf(x), x - 1));
  CHECK(cf.stats().cache_misses == 1);
  cf.reset();
  CHECK(cf.stats().calls == 0);
}

TEST_CASE("an unknown backend is an error listing the available ones") {
  auto f = [](const Tensor& x) { return x; };
  CHECK_THROWS_WITH_AS(compile(f, {.backend = "tpu"}), doctest::Contains("[compile] unknown backend 'tpu'; available: cpu, eager, eager_optimized"), Error);
}

TEST_CASE("an exception while tracing reaches the caller and installs no entry") {
  int calls = 0;
  auto f = [&calls](const Tensor& x) {
    if (++calls == 1) return x.view({7});
    return x + 1;
  };
  auto cf = compile(f);
  const Tensor x = randn({2, 3});
  CHECK_THROWS_AS(cf(x), Error);
  CHECK(cf.stats().entries == 0);
  CHECK(same_values(cf(x), x + 1));
  CHECK(cf.stats().entries == 1);
}

TEST_CASE("a function returning its input returns that very tensor, also when it wrote into it") {
  auto f = [](const Tensor& x) {
    Tensor y = x;
    y.mul_(2);
    return y;
  };
  auto cf = compile(f);
  for (int i = 0; i < 3; ++i) {
    Tensor x = randn({4});
    const Tensor expected = x * 2;
    Tensor r = cf(x);
    CHECK(r.is_same(x));
    CHECK(same_values(x, expected));
  }
}

TEST_CASE("compiled outputs are differentiable: gradients equal eager's") {
  nn::Linear fc(4, 3);
  auto f = [&fc](const Tensor& x) { return fc(x).tanh().sum(); };
  auto cf = compile(f);
  for (int i = 0; i < 3; ++i) {
    const Tensor x = randn({5, 4}).requires_grad_();
    fc->zero_grad();
    f(x).backward();
    const Tensor gw = fc->weight.grad().clone(), gx = x.grad().clone();
    fc->zero_grad();
    x.mutable_grad() = Tensor();
    cf(x).backward();
    CHECK(same_values(fc->weight.grad(), gw));
    CHECK(same_values(x.grad(), gx));
  }
  CHECK(cf.stats().cache_hits == 2);
}

TEST_CASE("tensor literals built inside the function are constants") {
  auto f = [](const Tensor& x) { return x * tensor({1.0f, 2.0f, 3.0f}); };
  auto cf = compile(f);
  const Tensor x = randn({3});
  for (int i = 0; i < 2; ++i) CHECK(same_values(cf(x), f(x)));
  CHECK(cf.stats().graph_breaks == 0);
}

TEST_CASE("a compiled function called inside another one's trace is inlined into it") {
  auto inner = compile([](const Tensor& x) { return x.exp() * 2; });
  auto outer_fn = [&inner](const Tensor& x) { return inner(x + 1) - 3; };
  auto outer = compile(outer_fn);
  const Tensor x = randn({4});
  for (int i = 0; i < 3; ++i) CHECK(same_values(outer(x), ((x + 1).exp() * 2) - 3));
  CHECK(inner.stats().calls == 0);
  const jit::ExplainOutput e = jit::explain(outer_fn, x);
  CHECK(e.op_count == 4);
}
