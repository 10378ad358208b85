// KernelIR row reductions and their x86 lowering: softmax, log_softmax, layer_norm, sum, mean and amax of rows
// built by hand in phases, against eager ops, for every ISA this CPU runs (others are skipped with a message),
// over row lengths around the vector widths, float32 and float64, rows with NaN and inf, and thread counts.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <vector>

#include "eager/ops_nn.h"
#include "helpers.h"
#include "jit/cpu/cpu_kernel.h"
#include "kernels/cpu/parallel.h"

using namespace ember;
using namespace ember::jit;
using namespace ember::jit::cpu;
using ember::test::make;

namespace {

constexpr std::initializer_list<Isa> kIsas = {Isa::Scalar, Isa::Avx2, Isa::Avx512};
constexpr std::initializer_list<int64_t> kLengths = {1, 7, 33, 4096};
constexpr std::initializer_list<ScalarType> kDtypes = {kFloat, kDouble};

bool runnable(Isa isa) {
  static const Isa best = detect_isa();
  if (isa_supported(isa, best)) return true;
  MESSAGE("skipping " << isa_name(isa) << ": this CPU supports up to " << isa_name(best));
  return false;
}

KType ktype(ScalarType d) { return d == kDouble ? KType::F64 : KType::F32; }

// Tolerance relative to the expected value (float32 sums of 4096 elements run in another order than eager's).
double tolerance(ScalarType d) { return d == kDouble ? 1e-11 : 1e-5; }

constexpr StrideClass kS = StrideClass::Strided, kC = StrideClass::Contiguous, kB = StrideClass::Broadcast;

KernelArgs args_of(const std::vector<Tensor>& bufs, const Tensor& shape_of) {
  KernelArgs a;
  for (const Tensor& t : bufs) {
    a.data.push_back(t.data_ptr());
    a.strides.push_back(t.strides().vec());
  }
  a.sizes = shape_of.sizes().vec();
  return a;
}

// Rows of values in [-4, 4) from a fixed pattern; with `special`, row 1 holds a NaN, row 2 +inf and -inf, row 3
// only -inf.
Tensor input(int64_t rows, int64_t n, ScalarType dtype, bool special = false, int seed = 1) {
  std::vector<double> v(size_t(rows * n));
  for (int64_t i = 0; i < rows * n; ++i) v[size_t(i)] = double((i * 37 + seed * 11) % 64 - 32) / 8.0 + 0.013 * seed;
  if (special) {
    const double inf = std::numeric_limits<double>::infinity();
    v[size_t(1 * n + n / 2)] = std::numeric_limits<double>::quiet_NaN();
    v[size_t(2 * n + n / 3)] = inf;
    v[size_t(2 * n + n - 1)] = -inf;
    for (int64_t j = 0; j < n; ++j) v[size_t(3 * n + j)] = -inf;
  }
  return make(v, {rows, n}, dtype);
}

// |actual - expected| <= rel * (|expected| + scale); NaN and inf must match exactly.
void check_close(const Tensor& actual, const Tensor& expected, double rel, double scale = 1e-3) {
  const std::vector<double> a = actual.contiguous().to_vector<double>(), e = expected.contiguous().to_vector<double>();
  REQUIRE(a.size() == e.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element ", i, ": ", a[i], " vs ", e[i]);
    if (std::isnan(e[i])) {
      CHECK(std::isnan(a[i]));
    } else if (std::isinf(e[i])) {
      CHECK(a[i] == e[i]);
    } else {
      CHECK(std::abs(a[i] - e[i]) <= rel * (std::abs(e[i]) + scale));
    }
  }
}

// softmax (log: log_softmax) over rows: m = max(x); s = sum(exp(x - m)); y = exp(x - m) / s (or x - m - log(s)).
KernelIR softmax_kernel(ScalarType d, bool log) {
  const KType t = ktype(d);
  KernelIR ir(2);
  const int bx = ir.add_input(d, {kS, kC}), by = ir.add_output(d, {kS, kC});
  const int m = ir.reduce(KReduce::Max, ir.load(bx, t));
  ir.next_phase();
  const int s = ir.reduce(KReduce::Sum, ir.unary(KOp::Exp, ir.binary(KOp::Sub, ir.load(bx, t), m)));
  ir.next_phase();
  const int xm = ir.binary(KOp::Sub, ir.load(bx, t), m);
  ir.store(by, log ? ir.binary(KOp::Sub, xm, ir.unary(KOp::Log, s)) : ir.binary(KOp::Div, ir.unary(KOp::Exp, xm), s));
  return ir;
}

// layer_norm over rows: sum(x), sum(x*x) -> mean, rstd; y = (x - mean) * rstd * w + b. Also stores mean and rstd.
KernelIR layer_norm_kernel(ScalarType d, double eps) {
  const KType t = ktype(d);
  KernelIR ir(2);
  const int bx = ir.add_input(d, {kS, kC}), bw = ir.add_input(d, {kB, kC}), bb = ir.add_input(d, {kB, kC});
  const int by = ir.add_output(d, {kS, kC}), bmean = ir.add_output(d, {kS, kB}), brstd = ir.add_output(d, {kS, kB});
  const int x0 = ir.load(bx, t);
  const int s1 = ir.reduce(KReduce::Sum, x0), s2 = ir.reduce(KReduce::Sum, ir.binary(KOp::Mul, x0, x0));
  const int inv_n = ir.unary(KOp::Reciprocal, ir.row_size(t));
  const int mean = ir.binary(KOp::Mul, s1, inv_n);
  const int ex2 = ir.binary(KOp::Mul, s2, inv_n);
  const int var = ir.binary(KOp::Max, ir.binary(KOp::Sub, ex2, ir.binary(KOp::Mul, mean, mean)), ir.constant(0, t));
  const int rstd = ir.unary(KOp::Rsqrt, ir.binary(KOp::Add, var, ir.constant(eps, t)));
  ir.next_phase();
  const int xn = ir.binary(KOp::Mul, ir.binary(KOp::Sub, ir.load(bx, t), mean), rstd);
  ir.store(by, ir.binary(KOp::Add, ir.binary(KOp::Mul, xn, ir.load(bw, t)), ir.load(bb, t)));
  ir.store(bmean, mean);
  ir.store(brstd, rstd);
  return ir;
}

// One reduction of each row to an output with a broadcast last dim (one element per row).
KernelIR row_reduce_kernel(ScalarType d, KReduce kind, bool mean) {
  const KType t = ktype(d);
  KernelIR ir(2);
  const int bx = ir.add_input(d, {kS, kC}), bo = ir.add_output(d, {kS, kB});
  int r = ir.reduce(kind, ir.load(bx, t));
  if (mean) r = ir.binary(KOp::Div, r, ir.row_size(t));
  ir.store(bo, r);
  return ir;
}

// A (rows, 1) output seen as (rows, n) with stride 0 along the row.
Tensor row_output(int64_t rows, int64_t n, ScalarType d) { return ember::empty({rows, 1}, d).expand({rows, n}); }

}  // namespace

TEST_CASE("softmax and log_softmax of rows match eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType d : kDtypes) {
      for (bool log : {false, true}) {
        const CpuKernel k = compile_kernel(softmax_kernel(d, log), isa);
        CHECK(k.vectorized() == (isa != Isa::Scalar));
        for (int64_t n : kLengths) {
          INFO(isa_name(isa), " ", std::string(python_name(d)), log ? " log_softmax" : " softmax", " n=", n);
          Tensor x = input(3, n, d), y = ember::empty({3, n}, d);
          k.run(args_of({x, y}, x));
          check_close(y, log ? x.log_softmax(-1) : x.softmax(-1), tolerance(d));
        }
      }
    }
  }
}

TEST_CASE("softmax of rows with NaN and inf matches eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType d : kDtypes) {
      for (bool log : {false, true}) {
        const CpuKernel k = compile_kernel(softmax_kernel(d, log), isa);
        for (int64_t n : {7, 33, 4096}) {
          INFO(isa_name(isa), " ", std::string(python_name(d)), log ? " log_softmax" : " softmax", " n=", n);
          Tensor x = input(5, n, d, true), y = ember::empty({5, n}, d);
          k.run(args_of({x, y}, x));
          const Tensor expected = log ? x.log_softmax(-1) : x.softmax(-1);
          check_close(y, expected, tolerance(d));
          CHECK(std::isnan(y.select(0, 1).select(0, 0).item<double>()));  // a NaN spreads over its row
        }
      }
    }
  }
}

TEST_CASE("layer_norm of rows, its mean and rstd, match eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType d : kDtypes) {
      const CpuKernel k = compile_kernel(layer_norm_kernel(d, 1e-5), isa);
      for (int64_t n : kLengths) {
        INFO(isa_name(isa), " ", std::string(python_name(d)), " n=", n);
        Tensor x = input(4, n, d), w = input(1, n, d, false, 2).reshape({n}), b = input(1, n, d, false, 3).reshape({n});
        Tensor y = ember::empty({4, n}, d), mean = row_output(4, n, d), rstd = row_output(4, n, d);
        k.run(args_of({x, w.expand({4, n}), b.expand({4, n}), y, mean, rstd}, x));
        const auto [ey, emean, erstd] = ember::native_layer_norm(x, {n}, w, b, 1e-5);
        // rstd of a length-1 row is 1/sqrt(eps): its var is a difference of equal values, so compare it loosely;
        // y near 0 is x - mean with mean rounded differently, so y compares relative to the row's scale (1)
        check_close(y, ey, n == 1 ? 1e-2 : 5 * tolerance(d), 1.0);
        check_close(mean.select(1, 0), emean.reshape({4}), tolerance(d));
        check_close(rstd.select(1, 0), erstd.reshape({4}), n == 1 ? 1e-2 : 5 * tolerance(d));
        check_close(y, ember::layer_norm(x, {n}, w, b, 1e-5), n == 1 ? 1e-2 : 5 * tolerance(d), 1.0);
      }
    }
  }
}

TEST_CASE("sum, mean, amax and amin of rows match eager ops, keepdim or not") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType d : kDtypes) {
      for (int64_t n : kLengths) {
        for (bool special : {false, true}) {
          INFO(isa_name(isa), " ", std::string(python_name(d)), " n=", n, special ? " with NaN/inf" : "");
          const int64_t rows = special ? 5 : 3;
          if (special && n == 1) continue;
          Tensor x = input(rows, n, d, special);
          auto run = [&](KReduce kind, bool mean) {
            Tensor o = row_output(rows, n, d);
            compile_kernel(row_reduce_kernel(d, kind, mean), isa).run(args_of({x, o}, x));
            return o.select(1, 0);
          };
          check_close(run(KReduce::Sum, false), x.sum({-1}), tolerance(d));
          check_close(run(KReduce::Sum, true), x.mean({-1}), tolerance(d));
          check_close(run(KReduce::Max, false), x.amax({-1}), 0);
          check_close(run(KReduce::Min, false), ember::amin(x, {-1}), 0);
          // keepdim: the same values in a (rows, 1) tensor
          Tensor o = ember::empty({rows, 1}, d);
          compile_kernel(row_reduce_kernel(d, KReduce::Sum, false), isa).run(args_of({x, o.expand({rows, n})}, x));
          check_close(o, x.sum({-1}, true), tolerance(d));
        }
      }
    }
  }
}

TEST_CASE("reductions of empty rows give 0, -inf and +inf") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    Tensor x = ember::empty({2, 0}, kFloat);
    const double inf = std::numeric_limits<double>::infinity();
    for (auto [kind, expected] : {std::pair{KReduce::Sum, 0.0}, std::pair{KReduce::Max, -inf},
                                  std::pair{KReduce::Min, inf}}) {
      Tensor o = ember::full({2, 1}, 7.0, kFloat);
      KernelArgs a = args_of({x, o}, x);
      a.strides[1] = {1, 0};
      compile_kernel(row_reduce_kernel(kFloat, kind, false), isa).run(a);
      CHECK(o.to_vector<double>() == std::vector<double>{expected, expected});
    }
  }
}

TEST_CASE("row reductions over a strided input take the element-wise loop and match eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    Tensor x = input(33, 6, kFloat).transpose(0, 1);  // (6, 33), stride 1 across rows
    KernelIR ir(2);
    const int bx = ir.add_input(kFloat, {kS, kS}), bo = ir.add_output(kFloat, {kS, kB});
    ir.store(bo, ir.reduce(KReduce::Sum, ir.load(bx, KType::F32)));
    const CpuKernel k = compile_kernel(ir, isa);
    CHECK_FALSE(k.vectorized());
    Tensor o = row_output(6, 33, kFloat);
    k.run(args_of({x, o}, x));
    check_close(o.select(1, 0), x.sum({-1}), 1e-5);
  }
}

TEST_CASE("row reductions are bitwise equal for any thread count") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType d : kDtypes) {
      const CpuKernel k = compile_kernel(softmax_kernel(d, false), isa);
      const CpuKernel s = compile_kernel(row_reduce_kernel(d, KReduce::Sum, false), isa);
      Tensor x = input(64, 4096, d);
      const int saved = kernels::cpu::get_num_threads();
      kernels::cpu::set_num_threads(4);
      std::vector<Tensor> ys, sums;
      for (int threads : {1, 2, 3, 4}) {
        ys.push_back(ember::empty({64, 4096}, d));
        k.run(args_of({x, ys.back()}, x), threads);
        sums.push_back(ember::empty({64, 1}, d));
        s.run(args_of({x, sums.back().expand({64, 4096})}, x), threads);
      }
      kernels::cpu::set_num_threads(saved);
      for (size_t t = 1; t < ys.size(); ++t) {
        CHECK(std::memcmp(ys[0].data_ptr(), ys[t].data_ptr(), ys[0].nbytes()) == 0);
        CHECK(std::memcmp(sums[0].data_ptr(), sums[t].data_ptr(), sums[0].nbytes()) == 0);
      }
      check_close(ys[0], x.softmax(-1), tolerance(d));
    }
  }
}

TEST_CASE("a row scalar stored to every element of a row matches eager x - mean(x)") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    Tensor x = input(3, 33, kFloat);
    KernelIR ir(2);
    const int bx = ir.add_input(kFloat, {kS, kC}), by = ir.add_output(kFloat, {kS, kC}),
              bm = ir.add_output(kFloat, {kS, kC});
    const int mean = ir.binary(KOp::Div, ir.reduce(KReduce::Sum, ir.load(bx, KType::F32)), ir.row_size(KType::F32));
    ir.next_phase();
    ir.store(by, ir.binary(KOp::Sub, ir.load(bx, KType::F32), mean));
    ir.store(bm, mean);
    Tensor y = ember::empty({3, 33}, kFloat), m = ember::empty({3, 33}, kFloat);
    compile_kernel(ir, isa).run(args_of({x, y, m}, x));
    check_close(y, x - x.mean({-1}, true), 1e-5);
    check_close(m, x.mean({-1}, true).expand({3, 33}), 1e-5);
  }
}

TEST_CASE("print() shows phases and reductions; hash() tells reductions apart") {
  KernelIR ir = row_reduce_kernel(kFloat, KReduce::Sum, false);
  CHECK(ir.print() ==
        "kernel rank=2\n"
        "  buf0: in  float32 [strided, contiguous]\n"
        "  buf1: out float32 [strided, broadcast]\n"
        "  %0 = load.f32 buf0\n"
        "  %1 = reduce.f32 sum %0\n"
        "  store buf1, %1\n");
  CHECK(softmax_kernel(kFloat, false).print().find(" phase 2:\n") != std::string::npos);
  CHECK(ir.hash() != row_reduce_kernel(kFloat, KReduce::Max, false).hash());
  CHECK_FALSE(ir.same_structure(row_reduce_kernel(kFloat, KReduce::Max, false)));
  CHECK(ir.hash() == row_reduce_kernel(kFloat, KReduce::Sum, false).hash());
  CHECK(ir.has_reductions());
  CHECK(ir.phases() == 1);
  CHECK(softmax_kernel(kFloat, false).phases() == 3);
}

TEST_CASE("misplaced row scalars and per-element values raise errors") {
  KernelIR ir(2);
  const int bx = ir.add_input(kFloat, {kS, kC}), by = ir.add_output(kFloat, {kS, kC}),
            br = ir.add_output(kFloat, {kS, kB});
  const int x = ir.load(bx, KType::F32);
  const int m = ir.reduce(KReduce::Max, x);
  // a reduction's result is read per element only in a later phase
  CHECK_THROWS_WITH_AS(ir.binary(KOp::Sub, x, m), doctest::Contains("same phase"), ember::Error);
  // a row output takes row scalars only
  CHECK_THROWS_WITH_AS(ir.store(br, x), doctest::Contains("takes row scalars"), ember::Error);
  CHECK_THROWS_AS(ir.reduce(KReduce::Sum, m), ember::Error);
  CHECK_THROWS_AS(ir.reduce(KReduce::Sum, ir.binary(KOp::Lt, x, x)), ember::Error);
  ir.next_phase();
  // per-element values of an earlier phase are not kept
  CHECK_THROWS_WITH_AS(ir.unary(KOp::Exp, x), doctest::Contains("load and compute it again"), ember::Error);
  CHECK_THROWS_AS(ir.reduce(KReduce::Sum, x), ember::Error);
  const int y = ir.binary(KOp::Sub, ir.load(bx, KType::F32), m);
  ir.store(by, y);
  ir.store(br, m);
  CHECK_NOTHROW(compile_kernel(ir, Isa::Scalar));
  // a row scalar ready only after the last pass cannot be written to every element
  KernelIR bad = row_reduce_kernel(kFloat, KReduce::Sum, false);
  const int bo = bad.add_output(kFloat, {kS, kC});
  bad.store(bo, int(bad.exprs().size()) - 1);
  CHECK_THROWS_WITH_AS(compile_kernel(bad, Isa::Scalar), doctest::Contains("only ready after the last phase"),
                       ember::Error);
}
