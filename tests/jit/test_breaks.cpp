// Graph breaks: opaque ops and callables run eagerly between segments; data reads never follow a stale branch.
#include <doctest/doctest.h>

#include "jit_helpers.h"

using namespace ember;
using ember::test::LogCapture;
using ember::test::same_values;

namespace {

const OpDef& op(std::string_view name) { return *OpRegistry::instance().find(name); }

}  // namespace

TEST_CASE("an op marked opaque splits the graph, runs eagerly between segments, and user code is not rerun") {
  int body_runs = 0;
  auto f = [&body_runs](const Tensor& x) {
    ++body_runs;
    Tensor h = x * 2 + 1;
    Tensor r = h.relu();  // opaque below
    return r.exp() - h;
  };
  auto cf = compile(f, {.name = "f"});
  cf.core().set_opaque_ops({&op("relu")});
  for (int i = 0; i < 5; ++i) {
    const Tensor x = randn({6});
    const int before = body_runs;
    const Tensor expected = f(x);
    body_runs = before;
    CHECK(same_values(cf(x), expected));
  }
  CHECK(body_runs == 1);
  CHECK(cf.stats().graph_breaks == 1);
  CHECK(cf.stats().cache_hits == 4);
  CHECK(cf.stats().user_code_runs == 0);
}

TEST_CASE("a jit::opaque callable runs on every call while the rest of the function replays") {
  int body_runs = 0, opaque_runs = 0;
  auto host_step = jit::opaque(
      [&opaque_runs](const Tensor& t) {
        ++opaque_runs;
        return t.clamp(-1, 1);
      },
      "host_step");
  auto f = [&](const Tensor& x, const Tensor& y) {
    ++body_runs;
    return host_step(x * y).sin() + y;
  };
  auto cf = compile(f);
  for (int i = 0; i < 4; ++i) {
    const Tensor x = randn({3, 2}) * 3, y = randn({3, 2});
    CHECK(same_values(cf(x, y), (x * y).clamp(-1, 1).sin() + y));
  }
  CHECK(body_runs == 1);
  CHECK(opaque_runs == 4);
  const jit::ExplainOutput e = jit::explain(f, randn({3, 2}), randn({3, 2}));
  CHECK(e.graph_count == 2);
  CHECK(e.graph_break_count == 1);
  REQUIRE(e.break_reasons.size() == 1);
  CHECK(e.break_reasons[0].find("call to jit::opaque function 'host_step' (at test_breaks.cpp:") == 0);
  CHECK(e.ops_per_graph == std::vector<int64_t>{1, 2});
}

TEST_CASE("fullgraph=true turns a graph break into an error naming the reason and the source location") {
  auto host = jit::opaque([](const Tensor& t) { return t + 1; }, "host");
  const int line = __LINE__ - 1;
  auto f = [&host](const Tensor& x) { return host(x) * 2; };
  auto cf = compile(f, {.fullgraph = true, .name = "strict"});
  CHECK_THROWS_WITH_AS(cf(randn({2})),
                       ("[compile] fullgraph=True, but 'strict' has a graph break at test_breaks.cpp:" +
                        std::to_string(line) +
                        ": call to jit::opaque function 'host'. Remove the break, or compile with fullgraph=false to "
                        "run that part eagerly.")
                           .c_str(),
                       Error);

  auto g = [](const Tensor& x) { return x.relu(); };
  auto cg = compile(g, {.fullgraph = true, .name = "strict_op"});
  cg.core().set_opaque_ops({&op("relu")});
  CHECK_THROWS_WITH_AS(cg(randn({2})),
                       "[compile] fullgraph=True, but 'strict_op' has a graph break: op 'relu' is marked opaque to the "
                       "compiler. Remove the break, or compile with fullgraph=false to run that part eagerly.",
                       Error);
}

TEST_CASE("an op whose output shape depends on the data breaks the graph") {
  auto f = [](const Tensor& x) { return x.masked_select(x > 0).sum() * 2; };
  auto cf = compile(f);
  for (int i = 0; i < 4; ++i) {
    const Tensor x = randn({7});
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().graph_breaks == 1);
  const jit::ExplainOutput e = jit::explain(f, randn({7}));
  REQUIRE(e.break_reasons.size() == 1);
  CHECK(e.break_reasons[0] == "op 'masked_select' has an output shape that depends on the input values");
}

TEST_CASE("an item() branch gives the right answer for inputs of either sign over many alternating calls") {
  auto f = [](const Tensor& x) {
    if (x.sum().item<float>() > 0) return x * 2;
    return x + 1;
  };
  auto cf = compile(f, {.name = "branch"});
  for (int i = 0; i < 40; ++i) {
    const Tensor x = randn({5}) + (i % 2 == 0 ? 4.0 : -4.0);
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().entries == 1);
  CHECK(cf.stats().user_code_runs == 39);
}

TEST_CASE("bool conversion of a tensor is a data-dependent read") {
  auto f = [](const Tensor& x) { return (x.amax() > 1) ? x.exp() : x.neg(); };
  auto cf = compile(f);
  for (int i = 0; i < 10; ++i) {
    const Tensor x = randn({4}) * (i % 3 == 0 ? 10.0 : 0.1);
    CHECK(same_values(cf(x), f(x)));
  }
  CHECK(cf.stats().graph_breaks == 1);
}

TEST_CASE("fullgraph=true names item() and the line that called it") {
  auto f = [](const Tensor& x) {
    const float s = x.sum().item<float>();
    return x * s;
  };
  const int line = __LINE__ - 3;
  auto cf = compile(f, {.fullgraph = true, .name = "reads"});
  CHECK_THROWS_WITH_AS(cf(randn({3})),
                       ("[compile] fullgraph=True, but 'reads' has a graph break at test_breaks.cpp:" +
                        std::to_string(line) +
                        ": data-dependent item() of a traced tensor. Remove the break, or compile with fullgraph=false "
                        "to run that part eagerly.")
                           .c_str(),
                       Error);
}

TEST_CASE("explain reports graphs, breaks with their locations, ops per graph and guards") {
  auto f = [](const Tensor& x) {
    Tensor y = x.tanh() * 3;
    if (y.max().item<float>() > 10) return y;
    return (y - 1).abs();
  };
  const jit::ExplainOutput e = jit::explain(f, randn({4}));
  CHECK(e.graph_count == 2);
  CHECK(e.graph_break_count == 1);
  CHECK(e.ops_per_graph == std::vector<int64_t>{3, 2});
  CHECK(e.op_count == 5);
  CHECK(e.reruns_user_code);
  REQUIRE(e.break_reasons.size() == 1);
  CHECK(e.break_reasons[0] == "data-dependent item() of a traced tensor (at test_breaks.cpp:" + std::to_string(__LINE__ - 10) + ")");
  const std::string text = e.str();
  CHECK(text.find("Graph count: 2\nGraph break count: 1\nOp count: 5\nBreak reasons:\n  1. data-dependent item()") == 0);
  CHECK(text.find("tensor 'arg0': float32 cpu sizes [4] strides [1] requires_grad=False") != std::string::npos);
}

TEST_CASE("the graph_breaks log names each break") {
  LogCapture logs("graph_breaks");
  auto host = jit::opaque([](const Tensor& t) { return t.floor(); }, "floor_on_host");
  auto f = [&host](const Tensor& x) { return host(x) + 1; };
  auto cf = compile(f, {.name = "logged"});
  cf(randn({2}));
  cf(randn({2}));
  REQUIRE(logs.lines.size() == 1);
  CHECK(logs.lines[0].find("[ember.jit] graph break in 'logged' at test_breaks.cpp:") == 0);
  CHECK(logs.lines[0].find(": call to jit::opaque function 'floor_on_host'") != std::string::npos);
}

TEST_CASE("a jit::opaque function that returns another shape on replay is an error, not a stale graph") {
  auto keep_positive = jit::opaque([](const Tensor& t) { return t.masked_select(t > 0); }, "keep_positive");
  auto f = [&keep_positive](const Tensor& x) { return keep_positive(x) * 2; };
  auto cf = compile(f);
  cf(tensor({1.0f, -1.0f, 2.0f}));
  CHECK(same_values(cf(tensor({3.0f, -1.0f, 4.0f})), tensor({6.0f, 8.0f})));
  CHECK_THROWS_WITH_AS(cf(tensor({1.0f, 2.0f, 3.0f})),
                       doctest::Contains("[compile] the graph break 'call to jit::opaque function 'keep_positive'' "
                                         "returned a tensor of shape [3] on replay, but [2] when traced"),
                       Error);
}
