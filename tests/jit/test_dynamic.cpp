// Dynamic dims: automatic after a size change, forced by options or marks, 0/1 specialised, shape arithmetic kept right.
#include <doctest/doctest.h>

#include "jit_helpers.h"

using namespace ember;
using ember::test::LogCapture;
using ember::test::same_values;

TEST_CASE("after a recompile caused by a size change, that dim is dynamic and one entry serves every size") {
  LogCapture logs("recompiles,guards");
  auto f = [](const Tensor& x, const Tensor& w) { return (x.matmul(w) + 1).relu(); };
  auto cf = compile(f, {.name = "mlp", .arg_names = {"x", "w"}});
  const Tensor w = randn({8, 3});
  for (int64_t n : {32, 64, 128, 16, 7, 64}) {
    const Tensor x = randn({n, 8});
    CHECK(same_values(cf(x, w), f(x, w)));
  }
  CHECK(cf.stats().entries == 2);
  CHECK(cf.stats().recompiles == 1);
  CHECK(cf.stats().cache_hits == 4);
  CHECK(logs.contains("recompiling 'mlp' (entry 2): tensor 'x' size mismatch at dim 0: expected 32, actual 64"));
  CHECK(logs.contains("tensor 'x': float32 cpu sizes [s0, 8] strides contiguous requires_grad=False"));
  CHECK(logs.contains("symbol s0: the size of 'x' at dim 0, >= 2"));
}

TEST_CASE("dynamic=false recompiles for every new size") {
  auto f = [](const Tensor& x) { return x * 3; };
  auto cf = compile(f, {.dynamic = false});
  for (int64_t n : {2, 3, 4, 5}) cf(randn({n}));
  CHECK(cf.stats().entries == 4);
}

TEST_CASE("dynamic=true makes every dim dynamic from the first compile") {
  auto f = [](const Tensor& x) { return x.sum(1) * 3; };
  auto cf = compile(f, {.dynamic = true});
  for (int64_t n : {2, 3, 4, 5}) {
    const Tensor x = randn({n, n + 1});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 1);
}

TEST_CASE("mark_dynamic makes one dim dynamic from the first compile; mark_static keeps a dim static") {
  auto f = [](const Tensor& x) { return x.softmax(1); };
  auto cf = compile(f);
  Tensor a = randn({4, 5});
  mark_dynamic(a, 0);
  cf(a);
  for (int64_t n : {6, 9}) {
    const Tensor x = randn({n, 5});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 1);
  const Tensor other_width = randn({4, 7});
  cf(other_width);
  CHECK(cf.stats().entries == 2);

  auto g = [](const Tensor& x) { return x.exp(); };
  auto cg = compile(g);
  for (int64_t n : {2, 3, 4}) {
    Tensor x = randn({n});
    mark_static(x, 0);
    cg(x);
  }
  CHECK(cg.stats().entries == 3);
}

TEST_CASE("sizes 0 and 1 stay specialised for a dynamic dim") {
  auto f = [](const Tensor& x) { return x + 1; };
  auto cf = compile(f, {.dynamic = true});
  for (int64_t n : {5, 1, 0, 7}) {
    const Tensor x = randn({n});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 3);
}

TEST_CASE("shape arithmetic on a dynamic dim stays right: view with -1, reshape of products, sums, means, narrow") {
  auto f = [](const Tensor& x) {
    const int64_t b = x.size(0);
    Tensor flat = x.view({b, -1});                        // -1 stays -1
    Tensor merged = x.reshape({b * x.size(1), x.size(2)});  // a multiple of the dynamic size
    Tensor mean = x.sum(0) * (1.0 / double(b));           // a reciprocal of it
    Tensor head = x.narrow(0, 0, b - 1);                  // the size minus one
    Tensor col = x.sum(0, true);                          // broadcast back against the dynamic dim
    return std::make_tuple(flat.sum(1), merged.mean(1), mean, head.sum(0), x - col);
  };
  auto cf = compile(f);
  for (int64_t b : {4, 6, 9, 13}) {
    const Tensor x = randn({b, 3, 5});
    auto r = cf(x);
    auto e = f(x);
    CHECK(same_values(std::get<0>(r), std::get<0>(e)));
    CHECK(same_values(std::get<1>(r), std::get<1>(e)));
    CHECK(same_values(std::get<2>(r), std::get<2>(e)));
    CHECK(same_values(std::get<3>(r), std::get<3>(e)));
    CHECK(same_values(std::get<4>(r), std::get<4>(e)));
  }
  CHECK(cf.stats().entries == 2);
}

TEST_CASE("a dim whose size is used in a way ember cannot express stays static, and perf_hints says why") {
  LogCapture logs("perf_hints");
  auto f = [](const Tensor& x) { return x.reshape({1, x.size(0) * x.size(1)}) * 2; };
  auto cf = compile(f, {.dynamic = true, .name = "square"});
  for (int64_t n : {4, 6, 8}) {
    const Tensor x = randn({n, n});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 3);
  CHECK(logs.contains("'square' entry 1: dims stay static: attribute 0 of 'view' (view) changes with the sizes in a "
                      "way ember cannot express (traced [1, 16] and [1, 9409])"));
}

TEST_CASE("control flow on a dynamic size that changes the trace keeps the entry static") {
  LogCapture logs("perf_hints");
  auto f = [](const Tensor& x) { return x.size(0) > 50 ? x * 2 : x + 1; };
  auto cf = compile(f, {.dynamic = true, .name = "branchy"});
  for (int64_t n : {8, 9, 80, 8}) {
    const Tensor x = randn({n});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 3);
  CHECK(logs.contains("the function's control flow depends on the sizes"));
}
