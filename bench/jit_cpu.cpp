// gelu(x * a + b) on 2^24 float32: the "cpu" backend's fused kernel against eager ops and a memcpy of the same bytes
// (x read, result written: 8 bytes per element; a and b are rows broadcast over x). GB/s counts those bytes.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "ember.h"
#include "jit/compile.h"

using namespace ember;

namespace {

constexpr int64_t kRows = 1 << 12, kCols = 1 << 12;  // 2^24 elements

Tensor gelu_affine(const Tensor& x, const Tensor& a, const Tensor& b) { return gelu(x * a + b); }

void set_rate(benchmark::State& state) { state.SetBytesProcessed(int64_t(state.iterations()) * kRows * kCols * 8); }

void BM_Eager(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols}), a = randn({kCols}), b = randn({kCols});
  for (auto _ : state) benchmark::DoNotOptimize(gelu_affine(x, a, b));
  set_rate(state);
}

void BM_CompiledCpu(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols}), a = randn({kCols}), b = randn({kCols});
  CompileOptions options;
  options.backend = "cpu";
  auto compiled = ember::compile(gelu_affine, options);
  compiled(x, a, b);  // compile outside the timed loop
  for (auto _ : state) benchmark::DoNotOptimize(compiled(x, a, b));
  set_rate(state);
}

void BM_Memcpy(benchmark::State& state) {
  std::vector<float> src(size_t(kRows * kCols), 1.0f), dst(size_t(kRows * kCols));
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  set_rate(state);
}

// Row reductions over 4096 x 4096 float32: softmax and layer_norm read x and write y (8 bytes per element).
Tensor softmax_rows(const Tensor& x) { return x.softmax(-1); }
Tensor layer_norm_rows(const Tensor& x, const Tensor& w, const Tensor& b) {
  return nn::functional::layer_norm(x, nn::functional::LayerNormFuncOptions({kCols}).weight(w).bias(b));
}

void BM_SoftmaxEager(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols});
  for (auto _ : state) benchmark::DoNotOptimize(softmax_rows(x));
  set_rate(state);
}

void BM_SoftmaxCompiledCpu(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols});
  CompileOptions options;
  options.backend = "cpu";
  auto compiled = ember::compile(softmax_rows, options);
  compiled(x);
  for (auto _ : state) benchmark::DoNotOptimize(compiled(x));
  set_rate(state);
}

void BM_LayerNormEager(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols}), w = randn({kCols}), b = randn({kCols});
  for (auto _ : state) benchmark::DoNotOptimize(layer_norm_rows(x, w, b));
  set_rate(state);
}

void BM_LayerNormCompiledCpu(benchmark::State& state) {
  const Tensor x = randn({kRows, kCols}), w = randn({kCols}), b = randn({kCols});
  CompileOptions options;
  options.backend = "cpu";
  auto compiled = ember::compile(layer_norm_rows, options);
  compiled(x, w, b);
  for (auto _ : state) benchmark::DoNotOptimize(compiled(x, w, b));
  set_rate(state);
}

}  // namespace

BENCHMARK(BM_SoftmaxEager)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_SoftmaxCompiledCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LayerNormEager)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LayerNormCompiledCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Eager)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_CompiledCpu)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
