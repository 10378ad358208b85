// Throughput of the JIT's vectorised math (jit_unary) per ISA on 2^20 float32, next to std:: functions in a loop.
// GB/s counts the bytes read and written (8 per element).
#include <benchmark/benchmark.h>

#include <cmath>
#include <vector>

#include "jit/cpu/math_kernels.h"

using namespace ember::jit::cpu;

namespace {

constexpr int64_t kN = int64_t(1) << 20;

std::vector<float> inputs() {
  std::vector<float> x(kN);
  for (int64_t i = 0; i < kN; ++i) x[size_t(i)] = -8.0f + 16.0f * float(i) / float(kN);
  return x;
}

void set_rate(benchmark::State& state) { state.SetBytesProcessed(int64_t(state.iterations()) * kN * 8); }

void BM_Jit(benchmark::State& state, MathFn fn, Isa isa) {
  if (!isa_supported(isa, detect_isa())) {
    state.SkipWithError("this CPU lacks the ISA");
    return;
  }
  const UnaryKernel kernel = jit_unary(fn, isa, ember::ScalarType::Float);
  const std::vector<float> x = inputs();
  std::vector<float> y(kN);
  for (auto _ : state) {
    kernel(x.data(), y.data(), kN);
    benchmark::ClobberMemory();
  }
  set_rate(state);
}

template <float (*F)(float)>
void BM_Std(benchmark::State& state) {
  const std::vector<float> x = inputs();
  std::vector<float> y(kN);
  for (auto _ : state) {
    for (int64_t i = 0; i < kN; ++i) y[size_t(i)] = F(x[size_t(i)]);
    benchmark::ClobberMemory();
  }
  set_rate(state);
}

float std_exp(float x) { return std::exp(x); }
float std_tanh(float x) { return std::tanh(x); }
float std_erf(float x) { return std::erf(x); }

}  // namespace

BENCHMARK_CAPTURE(BM_Jit, exp_avx512, MathFn::Exp, Isa::Avx512);
BENCHMARK_CAPTURE(BM_Jit, exp_avx2, MathFn::Exp, Isa::Avx2);
BENCHMARK_CAPTURE(BM_Jit, exp_scalar, MathFn::Exp, Isa::Scalar);
BENCHMARK(BM_Std<std_exp>)->Name("BM_Std/exp");
BENCHMARK_CAPTURE(BM_Jit, tanh_avx512, MathFn::Tanh, Isa::Avx512);
BENCHMARK_CAPTURE(BM_Jit, tanh_avx2, MathFn::Tanh, Isa::Avx2);
BENCHMARK_CAPTURE(BM_Jit, tanh_scalar, MathFn::Tanh, Isa::Scalar);
BENCHMARK(BM_Std<std_tanh>)->Name("BM_Std/tanh");
BENCHMARK_CAPTURE(BM_Jit, erf_avx512, MathFn::Erf, Isa::Avx512);
BENCHMARK_CAPTURE(BM_Jit, erf_avx2, MathFn::Erf, Isa::Avx2);
BENCHMARK_CAPTURE(BM_Jit, erf_scalar, MathFn::Erf, Isa::Scalar);
BENCHMARK(BM_Std<std_erf>)->Name("BM_Std/erf");
BENCHMARK_MAIN();
