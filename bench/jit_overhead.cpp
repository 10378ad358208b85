// Costs of the compile machinery itself: guard checks, the cached call path, and trace + compile.
#include <benchmark/benchmark.h>

#include "ember.h"
#include "jit/entry.h"

using namespace ember;

namespace {

// A function of n tensors: their sum.
Tensor sum_all(const std::vector<Tensor>& xs) {
  Tensor acc = xs[0];
  for (size_t i = 1; i < xs.size(); ++i) acc = acc + xs[i];
  return acc;
}

// Guard evaluation per tensor input, on an entry compiled for n inputs.
void BM_GuardCheckPerTensor(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<Tensor> xs;
  for (int64_t i = 0; i < n; ++i) xs.push_back(randn({8, 16}));
  auto cf = compile(sum_all);
  cf(xs);
  const jit::GuardSet& guards = cf.core().entries().front()->guards;
  jit::FlatArgs flat;
  for (const Tensor& t : xs) flat.tensors.push_back(&t);
  flat.list_lengths.push_back(n);
  for (auto _ : state) benchmark::DoNotOptimize(guards.check(flat));
  state.counters["ns_per_tensor"] =
      benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GuardCheckPerTensor)->Arg(1)->Arg(4)->Arg(16);

Tensor four_inputs(const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& d) { return a * b + c * d; }

// The function called directly, and through compile on a cache hit: the difference is the overhead.
void BM_CallDirect4(benchmark::State& state) {
  const Tensor a = randn({16}), b = randn({16}), c = randn({16}), d = randn({16});
  for (auto _ : state) benchmark::DoNotOptimize(four_inputs(a, b, c, d));
}
BENCHMARK(BM_CallDirect4);

void BM_CallCompiled4(benchmark::State& state) {
  const Tensor a = randn({16}), b = randn({16}), c = randn({16}), d = randn({16});
  auto cf = compile(four_inputs);
  cf(a, b, c, d);
  for (auto _ : state) benchmark::DoNotOptimize(cf(a, b, c, d));
}
BENCHMARK(BM_CallCompiled4);

// Trace + compile of a 20-op function, from a cold cache every iteration.
Tensor twenty_ops(const Tensor& x, const Tensor& w) {
  Tensor h = x;
  for (int i = 0; i < 5; ++i) h = ((h * w).tanh() + 1).relu() - 0.5;
  return h;
}

void BM_TraceAndCompile20(benchmark::State& state) {
  const Tensor x = randn({64, 64}), w = randn({64, 64});
  auto cf = compile(twenty_ops);
  for (auto _ : state) {
    cf.reset();
    benchmark::DoNotOptimize(cf(x, w));
  }
  state.counters["ops"] = double(cf.core().entries().front()->program.segments.front().graph.call_count());
}
BENCHMARK(BM_TraceAndCompile20);

// The same function run eagerly, to separate tracing cost from the ops' own cost.
void BM_Eager20(benchmark::State& state) {
  const Tensor x = randn({64, 64}), w = randn({64, 64});
  for (auto _ : state) benchmark::DoNotOptimize(twenty_ops(x, w));
}
BENCHMARK(BM_Eager20);

}  // namespace

BENCHMARK_MAIN();
