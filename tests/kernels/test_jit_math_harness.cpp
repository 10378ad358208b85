// Specification of the math-kernel harness (jit_unary/jit_binary: tails, arguments, caching) and of EMBER_CPU_ISA.
#include <doctest/doctest.h>

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "jit/cpu/math_kernels.h"
#include "kernels/error.h"

using namespace ember::jit::cpu;
using ember::ScalarType;

namespace {

constexpr std::initializer_list<Isa> kIsas = {Isa::Scalar, Isa::Avx2, Isa::Avx512};

Isa cpu_isa() {
  static const Isa isa = detect_isa();
  return isa;
}

bool runnable(Isa isa) {
  if (isa_supported(isa, cpu_isa())) return true;
  MESSAGE("skipping " << isa_name(isa) << ": this CPU supports up to " << isa_name(cpu_isa()));
  return false;
}

template <typename T>
std::vector<T> run_unary(MathFn fn, Isa isa, const std::vector<T>& in) {
  std::vector<T> out(in.size());
  jit_unary(fn, isa, sizeof(T) == 4 ? ScalarType::Float : ScalarType::Double)(in.data(), out.data(),
                                                                                int64_t(in.size()));
  return out;
}

}  // namespace

TEST_CASE("every length works: the masked tail gives the same bits as the vector body") {
  for (MathFn fn : {MathFn::Exp, MathFn::Sin, MathFn::Gelu}) {
    std::vector<float> f;
    for (int i = 0; i < 67; ++i) f.push_back(-5.0f + 10.0f * float(i) / 66.0f);
    std::vector<double> d(f.begin(), f.end());
    for (Isa isa : kIsas) {
      if (!runnable(isa)) continue;
      const std::vector<float> full_f = run_unary(fn, isa, f);
      const std::vector<double> full_d = run_unary(fn, isa, d);
      for (size_t n = 0; n <= 35; ++n) {
        // The last n inputs, so the tail's lanes hold what the body's last lanes held.
        const std::vector<float> part_f = run_unary(fn, isa, std::vector<float>(f.end() - long(n), f.end()));
        const std::vector<double> part_d = run_unary(fn, isa, std::vector<double>(d.end() - long(n), d.end()));
        CAPTURE(isa_name(isa));
        CAPTURE(n);
        CHECK(std::equal(part_f.begin(), part_f.end(), full_f.end() - long(n)));
        CHECK(std::equal(part_d.begin(), part_d.end(), full_d.end() - long(n)));
      }
    }
  }
}

TEST_CASE("a kernel writes exactly n outputs") {
  std::vector<float> in(40, 1.0f), out(40, -7.0f);
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    std::fill(out.begin(), out.end(), -7.0f);
    jit_unary(MathFn::Exp, isa, ScalarType::Float)(in.data(), out.data(), 13);
    CAPTURE(isa_name(isa));
    CHECK(out[12] == doctest::Approx(2.718281828));
    CHECK(out[13] == -7.0f);
    CHECK(out[39] == -7.0f);
  }
}

TEST_CASE("jit_unary and jit_binary reject other dtypes, the wrong arity and ISAs the CPU lacks") {
  CHECK_THROWS_AS(jit_unary(MathFn::Exp, Isa::Scalar, ScalarType::Int), ember::Error);
  CHECK_THROWS_AS(jit_unary(MathFn::Pow, Isa::Scalar, ScalarType::Float), ember::Error);
  CHECK_THROWS_AS(jit_binary(MathFn::Exp, Isa::Scalar, ScalarType::Float), ember::Error);
  if (cpu_isa() != Isa::Avx512) {
    CHECK_THROWS_WITH_AS(jit_unary(MathFn::Exp, Isa::Avx512, ScalarType::Float),
                         doctest::Contains("this CPU supports up to"), ember::Error);
  }
  const bool cached = jit_unary(MathFn::Exp, Isa::Scalar, ScalarType::Float) ==
                      jit_unary(MathFn::Exp, Isa::Scalar, ScalarType::Float);
  CHECK(cached);
}

TEST_CASE("EMBER_CPU_ISA: names select an ISA the CPU has; empty means the best") {
  CHECK(parse_isa("", Isa::Avx2) == Isa::Avx2);
  CHECK(parse_isa("scalar", Isa::Avx2) == Isa::Scalar);
  CHECK(parse_isa("avx2", Isa::Avx2) == Isa::Avx2);
  CHECK(parse_isa("avx2", Isa::Avx512) == Isa::Avx2);
  CHECK(parse_isa("avx512", Isa::Avx512) == Isa::Avx512);
  CHECK(isa_supported(detect_isa(), detect_isa()));
}

TEST_CASE("EMBER_CPU_ISA rejects unknown names and ISAs the CPU lacks, saying what the CPU has") {
  CHECK_THROWS_WITH_AS(parse_isa("sse9", Isa::Avx2),
                       "[EMBER_CPU_ISA] unknown ISA 'sse9': expected avx512, avx2 or scalar (this CPU has avx2, "
                       "scalar); or unset it (unset EMBER_CPU_ISA) to use the best one",
                       ember::Error);
  CHECK_THROWS_WITH_AS(parse_isa("AVX2", Isa::Avx2), doctest::Contains("unknown ISA 'AVX2'"), ember::Error);
  CHECK_THROWS_WITH_AS(parse_isa("avx512", Isa::Avx2),
                       "[EMBER_CPU_ISA] 'avx512' is not supported by this CPU, which has avx2, scalar; set "
                       "EMBER_CPU_ISA to one of those, or unset it (unset EMBER_CPU_ISA) to use the best one",
                       ember::Error);
  CHECK_THROWS_WITH_AS(parse_isa("avx2", Isa::Scalar), doctest::Contains("which has scalar"), ember::Error);
}
