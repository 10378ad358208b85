// Guards: each check, its one-line failure reason, and the printed guard list.
#include <doctest/doctest.h>

#include "jit_helpers.h"

using namespace ember;
using ember::test::LogCapture;

namespace {

// Calls a fresh compiled identity-like function with `first`, then `second`, and returns the recompile reason.
template <typename F, typename A, typename B>
std::string recompile_reason(F f, const A& first, const B& second, CompileOptions options = {}) {
  LogCapture logs("recompiles");
  if (options.name.empty()) options.name = "f";
  if (options.arg_names.empty()) options.arg_names = {"x"};
  auto cf = compile(f, options);
  cf(first);
  cf(second);
  REQUIRE(logs.lines.size() == 1);
  return logs.lines[0];
}

auto plus_one = [](const Tensor& x) { return x + 1; };

}  // namespace

TEST_CASE("a dtype change fails the dtype guard") {
  CHECK(recompile_reason(plus_one, randn({3}), randn({3}, kDouble)) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' dtype mismatch: expected float32, actual float64");
}

TEST_CASE("a rank change fails the rank guard") {
  CHECK(recompile_reason(plus_one, randn({3}), randn({3, 1})) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' rank mismatch: expected 1, actual 2");
}

TEST_CASE("a size change fails the size guard at the first dim that differs") {
  CHECK(recompile_reason(plus_one, randn({32, 4}), randn({64, 4})) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' size mismatch at dim 0: expected 32, actual 64");
}

TEST_CASE("a stride change fails the stride guard of a static entry") {
  const Tensor a = randn({4, 6});
  const Tensor b = randn({6, 4}).t();
  CHECK(recompile_reason(plus_one, a, b) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' stride mismatch at dim 0: expected 6, actual 1");
}

TEST_CASE("a contiguity change fails the contiguity guard of a dynamic entry") {
  const Tensor a = randn({4, 6});
  const Tensor b = randn({6, 4}).t();
  CHECK(recompile_reason(plus_one, a, b, {.dynamic = true}) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' contiguity mismatch: expected contiguous, actual "
        "non-contiguous");
}

TEST_CASE("a requires_grad change fails the requires_grad guard") {
  CHECK(recompile_reason(plus_one, randn({3}), randn({3}).requires_grad_()) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' requires_grad mismatch: expected False, actual True");
}

TEST_CASE("a dynamic dim of size 0 or 1 fails its guard: those sizes are specialised") {
  CHECK(recompile_reason(plus_one, randn({8}), randn({1}), {.dynamic = true}) ==
        "[ember.jit] recompiling 'f' (entry 2): tensor 'x' size mismatch at dim 0: expected s0 >= 2 (sizes 0 and 1 are "
        "specialised), actual 1");
}

TEST_CASE("dims traced with equal sizes share a symbol and must stay equal") {
  LogCapture logs("recompiles");
  auto f = [](const Tensor& x, const Tensor& y) { return x.unsqueeze(0) + y.unsqueeze(1); };
  auto cf = compile(f, {.dynamic = true, .name = "f", .arg_names = {"x", "y"}});
  cf(randn({8}), randn({8}));
  cf(randn({9}), randn({9}));
  CHECK(cf.stats().recompiles == 0);
  const Tensor x = randn({9}), y = randn({10});
  CHECK(test::same_values(cf(x, y), f(x, y)));
  CHECK(logs.contains("recompiling 'f' (entry 2): tensor 'y' size mismatch at dim 0: expected s0 (the size of 'x' at "
                      "dim 0, now 9), actual 10"));
}

TEST_CASE("a list of a different length fails the list guard") {
  LogCapture logs("recompiles");
  auto f = [](const std::vector<Tensor>& xs) { return ember::stack(xs).sum(0); };
  auto cf = compile(f, {.name = "f", .arg_names = {"xs"}});
  cf(std::vector<Tensor>{randn({2}), randn({2})});
  cf(std::vector<Tensor>{randn({2}), randn({2}), randn({2})});
  CHECK(logs.contains("recompiling 'f' (entry 2): list 'xs' length mismatch: expected 2, actual 3"));
}

TEST_CASE("arguments that alias differently fail the aliasing guard") {
  LogCapture logs("recompiles");
  auto f = [](const Tensor& a, const Tensor& b) { return a * b; };
  auto cf = compile(f, {.name = "f", .arg_names = {"a", "b"}});
  const Tensor x = randn({3}), y = randn({3});
  cf(x, x);
  CHECK(test::same_values(cf(x, y), x * y));
  CHECK(logs.contains("recompiling 'f' (entry 2): tensors 'a' and 'b' aliasing mismatch: expected the same tensor, actual "
                      "separate storages"));
}

TEST_CASE("grad mode and the default dtype are guarded") {
  LogCapture logs("recompiles");
  auto f = [](const Tensor& x) { return x.sum(); };
  auto cf = compile(f, {.name = "f"});
  const Tensor x = randn({3});
  cf(x);
  {
    NoGradGuard no_grad;
    cf(x);
  }
  CHECK(logs.contains("recompiling 'f' (entry 2): grad mode mismatch: expected enabled, actual disabled"));
  set_default_dtype(kDouble);
  cf(x);
  set_default_dtype(kFloat);
  CHECK(logs.contains("recompiling 'f' (entry 3): default dtype mismatch: expected torch.float32, actual torch.float64"));
}

TEST_CASE("an undefined tensor argument must stay undefined") {
  LogCapture logs("recompiles");
  auto f = [](const Tensor& x, const Tensor& bias) { return bias.defined() ? x + bias : x * 2; };
  auto cf = compile(f, {.name = "f", .arg_names = {"x", "bias"}});
  const Tensor x = randn({3}), b = randn({3});
  CHECK(test::same_values(cf(x, Tensor()), x * 2));
  CHECK(test::same_values(cf(x, b), x + b));
  CHECK(logs.contains("recompiling 'f' (entry 2): tensor 'bias' is defined, but the entry was traced with an undefined "
                      "tensor"));
}

TEST_CASE("recompiles_verbose lists every failing guard of every entry") {
  LogCapture logs("recompiles_verbose");
  auto f = [](const Tensor& x) { return x + 1; };
  auto cf = compile(f, {.dynamic = false, .name = "f", .arg_names = {"x"}});
  cf(randn({2}));
  cf(randn({3}));
  cf(randn({4}, kDouble).requires_grad_());
  CHECK(logs.contains("recompiling 'f' (entry 3); every entry's failing guards:\n"
                      "  entry 1: tensor 'x' dtype mismatch: expected float32, actual float64\n"
                      "  entry 1: tensor 'x' size mismatch at dim 0: expected 2, actual 4\n"
                      "  entry 1: tensor 'x' requires_grad mismatch: expected False, actual True\n"
                      "  entry 2: tensor 'x' dtype mismatch: expected float32, actual float64\n"
                      "  entry 2: tensor 'x' size mismatch at dim 0: expected 3, actual 4\n"
                      "  entry 2: tensor 'x' requires_grad mismatch: expected False, actual True"));
  // recompiles_verbose includes the one-line form too.
  CHECK(logs.contains("recompiling 'f' (entry 3): tensor 'x' dtype mismatch"));
}

TEST_CASE("the guards log prints one line per guard") {
  LogCapture logs("guards");
  auto f = [](const Tensor& x, int64_t k) { return x * k; };
  auto cf = compile(f, {.name = "f", .arg_names = {"x", "k"}});
  cf(randn({2, 3}), int64_t(4));
  CHECK(logs.all() ==
        "[ember.jit] guards of 'f' entry 1:\n"
        "  grad mode: enabled\n"
        "  default dtype: torch.float32\n"
        "  scalar 'k': == 4\n"
        "  tensor 'x': float32 cpu sizes [2, 3] strides [3, 1] requires_grad=False\n");
}
