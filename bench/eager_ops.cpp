// Eager op benchmarks: per-op dispatch overhead on a 1-element tensor and pointwise bandwidth next to memcpy.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstring>
#include <vector>

#include "ember.h"

namespace {

using namespace ember;

// x + 1 on a one-element float tensor: the full eager path (dispatch, meta, allocation, kernel).
void BM_AddScalarOverhead(benchmark::State& state) {
  Tensor x = ones({1});
  for (auto _ : state) {
    Tensor y = x + 1;
    benchmark::DoNotOptimize(y.data_ptr());
  }
}
BENCHMARK(BM_AddScalarOverhead);

// x + y on one-element tensors (tensor-tensor path).
void BM_AddTensorOverhead(benchmark::State& state) {
  Tensor x = ones({1}), y = ones({1});
  for (auto _ : state) {
    Tensor z = x + y;
    benchmark::DoNotOptimize(z.data_ptr());
  }
}
BENCHMARK(BM_AddTensorOverhead);

constexpr int64_t kBig = int64_t(1) << 24;

// a + b over 2^24 floats: reads 2 x 64 MiB, writes 64 MiB.
void BM_AddFloat2p24(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor a = ones({kBig}), b = ones({kBig});
  for (auto _ : state) {
    Tensor c = a + b;
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * kBig * 4 * 3);
}
BENCHMARK(BM_AddFloat2p24)->Arg(1)->Arg(2)->UseRealTime();

// memcpy moving the same bytes as the add (reads 128 MiB, writes 64 MiB ~ one 96 MiB copy).
void BM_MemcpySameBytes(benchmark::State& state) {
  const size_t bytes = size_t(kBig) * 4 * 3 / 2;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(bytes) * 2);
}
BENCHMARK(BM_MemcpySameBytes)->UseRealTime();

// In-place add (no allocation): a += b.
void BM_AddInplaceFloat2p24(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor a = ones({kBig}), b = ones({kBig});
  for (auto _ : state) {
    a.add_(b);
    benchmark::DoNotOptimize(a.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * kBig * 4 * 3);
}
BENCHMARK(BM_AddInplaceFloat2p24)->Arg(1)->Arg(2)->UseRealTime();

// Row sums of a 4096x4096 float matrix: reads 64 MiB.
void BM_SumRows4096(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor x = rand({4096, 4096});
  for (auto _ : state) {
    Tensor s = x.sum({1});
    benchmark::DoNotOptimize(s.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 4096 * 4096 * 4);
}
BENCHMARK(BM_SumRows4096)->Arg(1)->Arg(2)->UseRealTime();

// Column sums (the reduced dim is the outer one).
void BM_SumCols4096(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor x = rand({4096, 4096});
  for (auto _ : state) {
    Tensor s = x.sum({0});
    benchmark::DoNotOptimize(s.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 4096 * 4096 * 4);
}
BENCHMARK(BM_SumCols4096)->Arg(1)->Arg(2)->UseRealTime();

// softmax over the last dim of 4096x4096 floats: reads and writes 64 MiB.
void BM_Softmax4096(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor x = rand({4096, 4096});
  for (auto _ : state) {
    Tensor s = softmax(x, -1);
    benchmark::DoNotOptimize(s.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 4096 * 4096 * 4 * 2);
}
BENCHMARK(BM_Softmax4096)->Arg(1)->Arg(2)->UseRealTime();

// layer_norm over the last dim of 4096x4096 floats with weight and bias: reads and writes 64 MiB.
void BM_LayerNorm4096(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor x = rand({4096, 4096}), w = rand({4096}), b = rand({4096});
  for (auto _ : state) {
    Tensor y = layer_norm(x, {4096}, w, b);
    benchmark::DoNotOptimize(y.data_ptr());
  }
  state.SetBytesProcessed(state.iterations() * 4096 * 4096 * 4 * 2);
}
BENCHMARK(BM_LayerNorm4096)->Arg(1)->Arg(2)->UseRealTime();

// memcpy of the 64 MiB the sums read.
void BM_Memcpy64MiB(benchmark::State& state) {
  const size_t bytes = size_t(4096) * 4096 * 4;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), bytes);
    benchmark::DoNotOptimize(dst.data());
  }
  state.SetBytesProcessed(state.iterations() * int64_t(bytes));
}
BENCHMARK(BM_Memcpy64MiB)->UseRealTime();

// sgemm 1024^3 through ember::mm next to OpenBLAS called directly on the same buffers.
void BM_MmFloat1024(benchmark::State& state) {
  set_num_threads(int(state.range(0)));
  Tensor a = rand({1024, 1024}), b = rand({1024, 1024});
  for (auto _ : state) {
    Tensor c = mm(a, b);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 1024 * 1024 * 1024 * double(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_MmFloat1024)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CblasSgemm1024(benchmark::State& state) {
  openblas_set_num_threads(int(state.range(0)));
  Tensor a = rand({1024, 1024}), b = rand({1024, 1024}), c = empty({1024, 1024});
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, 1024, 1024, 1024, 1.0f, a.data_ptr<float>(), 1024,
                b.data_ptr<float>(), 1024, 0.0f, c.data_ptr<float>(), 1024);
    benchmark::DoNotOptimize(c.data_ptr());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * 1024 * 1024 * 1024 * double(state.iterations()),
                                                  benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CblasSgemm1024)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
