// Convolution and pooling benchmarks: the conv2d layers and the pooling of a small CNN on CIFAR-sized batches.
#include <benchmark/benchmark.h>

#include "ember.h"

namespace {

using namespace ember;

// Deterministic data without the random ops: a ramp over [-1, 1).
Tensor ramp(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return (arange(n, kFloat) * (2.0 / double(n)) - 1.0).reshape(sizes);
}

// conv2d(in -> out channels, 3x3, padding 1) on a batch of 32 images; range(0) = threads.
void conv_layer(benchmark::State& state, int64_t in_channels, int64_t out_channels, int64_t size) {
  set_num_threads(int(state.range(0)));
  Tensor x = ramp({32, in_channels, size, size});
  Tensor w = ramp({out_channels, in_channels, 3, 3}) * 0.1;
  Tensor b = ramp({out_channels});
  for (auto _ : state) {
    Tensor y = conv2d(x, w, b, 1, 1);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  const double flops = 2.0 * 32 * double(out_channels) * double(size * size) * double(in_channels * 9);
  state.counters["GFLOP/s"] = benchmark::Counter(flops * double(state.iterations()), benchmark::Counter::kIsRate);
}

// The first layer of a small CNN: 3 -> 32 channels at 32x32.
void BM_Conv2dCnnLayer1(benchmark::State& state) { conv_layer(state, 3, 32, 32); }
BENCHMARK(BM_Conv2dCnnLayer1)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The second layer: 32 -> 64 channels at 16x16 (after a 2x2 pool).
void BM_Conv2dCnnLayer2(benchmark::State& state) { conv_layer(state, 32, 64, 16); }
BENCHMARK(BM_Conv2dCnnLayer2)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// max_pool2d(2) over the first layer's output: 32 x 32 x 32 x 32 floats.
void BM_MaxPool2dCnn(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor x = ramp({32, 32, 32, 32});
  for (auto _ : state) {
    Tensor y = max_pool2d(x, 2);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * x.numel() * 4 * 5 / 4);
}
BENCHMARK(BM_MaxPool2dCnn)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
