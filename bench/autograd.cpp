// Autograd cost on an MLP (784-256-10, batch 64): forward alone, forward without recording, and a full training step.
#include <benchmark/benchmark.h>

#include "ember.h"

using namespace ember;

namespace {

struct Mlp {
  Tensor w1, b1, w2, b2, x, target;
  Mlp() {
    Generator gen(0);
    w1 = (randn({256, 784}, gen) * 0.05).requires_grad_();
    b1 = zeros({256}).requires_grad_();
    w2 = (randn({10, 256}, gen) * 0.05).requires_grad_();
    b2 = zeros({10}).requires_grad_();
    x = randn({64, 784}, gen);
    target = randint(0, 10, {64}, gen);
  }
  Tensor loss() const { return cross_entropy(linear(relu(linear(x, w1, b1)), w2, b2), target); }
  void sgd_step(double lr) {
    NoGradGuard no_grad;
    for (Tensor* p : {&w1, &b1, &w2, &b2}) {
      p->add_(p->grad(), -lr);
      p->mutable_grad() = Tensor();  // zero_grad(set_to_none=true)
    }
  }
};

void BM_MlpForwardRecording(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Mlp mlp;
  for (auto _ : state) benchmark::DoNotOptimize(mlp.loss());
  state.SetItemsProcessed(state.iterations() * 64);
}

void BM_MlpForwardNoGrad(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Mlp mlp;
  NoGradGuard no_grad;
  for (auto _ : state) benchmark::DoNotOptimize(mlp.loss());
  state.SetItemsProcessed(state.iterations() * 64);
}

void BM_MlpTrainStep(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Mlp mlp;
  for (auto _ : state) {
    Tensor loss = mlp.loss();
    loss.backward();
    mlp.sgd_step(0.01);
  }
  state.SetItemsProcessed(state.iterations() * 64);
}

// Engine overhead: backward through a chain of 100 tiny ops.
void BM_BackwardChainOverhead(benchmark::State& state) {
  set_num_threads(1);
  Tensor x = ones({1}).requires_grad_();
  for (auto _ : state) {
    Tensor y = x;
    for (int i = 0; i < 100; ++i) y = y * 1.0001;
    y.backward();
  }
  state.SetItemsProcessed(state.iterations() * 100);
}

}  // namespace

BENCHMARK(BM_MlpForwardNoGrad)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_MlpForwardRecording)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_MlpTrainStep)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_BackwardChainOverhead)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_MAIN();
