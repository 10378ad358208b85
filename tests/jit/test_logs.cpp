// Logs: set_logs / EMBER_LOGS names, and the text of each kind of line.
#include <doctest/doctest.h>

#include "jit_helpers.h"

using namespace ember;
using ember::test::LogCapture;

TEST_CASE("set_logs accepts EMBER_LOGS names, 'all' and the empty string, and get_logs reports them") {
  const std::string before = get_logs();
  set_logs("recompiles,graph_breaks");
  CHECK(get_logs() == "recompiles,graph_breaks");
  set_logs("guards+graph_code");
  CHECK(get_logs() == "guards,graph_code");
  set_logs("recompiles_verbose");
  CHECK(get_logs() == "recompiles,recompiles_verbose");
  set_logs("all");
  CHECK(get_logs() == "recompiles,recompiles_verbose,graph_breaks,guards,graph_code,output_code,perf_hints");
  set_logs("");
  CHECK(get_logs().empty());
  set_logs(before);
}

TEST_CASE("an unknown log name is an error listing the valid ones") {
  CHECK_THROWS_WITH_AS(set_logs("recompile"),
                       "[set_logs] unknown log name 'recompile'; valid names: recompiles, recompiles_verbose, "
                       "graph_breaks, guards, graph_code, output_code, perf_hints, all.",
                       Error);
}

TEST_CASE("nothing is logged when logs are off") {
  LogCapture logs("");
  auto f = [](const Tensor& x) { return x + 1; };
  auto cf = compile(f, {.dynamic = false});
  cf(randn({2}));
  cf(randn({3}));
  CHECK(logs.lines.empty());
}

TEST_CASE("graph_code prints each new entry's graphs") {
  LogCapture logs("graph_code");
  auto f = [](const Tensor& x) { return x.exp().sum(); };
  auto cf = compile(f, {.name = "expsum", .arg_names = {"x"}});
  cf(randn({3}));
  REQUIRE(logs.lines.size() == 1);
  CHECK(logs.lines[0].find("[ember.jit] graph 1 of 'expsum' entry 1:\n") == 0);
  CHECK(logs.lines[0].find("exp") != std::string::npos);
}

TEST_CASE("the log sink receives whole messages with the [ember.jit] prefix") {
  std::vector<std::string> seen;
  auto previous = jit::set_log_sink([&seen](std::string_view line) { seen.emplace_back(line); });
  const std::string before = get_logs();
  set_logs("recompiles");
  jit::log_line(jit::LogKind::Recompiles, "hello");
  jit::log_line(jit::LogKind::Guards, "not shown");
  set_logs(before);
  jit::set_log_sink(previous);
  CHECK(seen == std::vector<std::string>{"[ember.jit] hello"});
}
