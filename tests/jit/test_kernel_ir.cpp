// KernelIR and its x86 lowering: hand-built pointwise kernels against the same computation in eager ops, for
// every ISA this CPU runs (others are skipped with a message), over sizes, strides, broadcasts and dtypes.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <vector>

#include "helpers.h"
#include "jit/cpu/cpu_kernel.h"
#include "jit/logging.h"
#include "kernels/cpu/parallel.h"

using namespace ember;
using namespace ember::jit;
using namespace ember::jit::cpu;
using ember::test::make;

namespace {

constexpr std::initializer_list<Isa> kIsas = {Isa::Scalar, Isa::Avx2, Isa::Avx512};

bool runnable(Isa isa) {
  static const Isa best = detect_isa();
  if (isa_supported(isa, best)) return true;
  MESSAGE("skipping " << isa_name(isa) << ": this CPU supports up to " << isa_name(best));
  return false;
}

// The stride classes of a tensor's strides.
std::vector<StrideClass> classes(const Tensor& t) {
  std::vector<StrideClass> c;
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t s = t.strides()[size_t(d)];
    c.push_back(s == 0 ? StrideClass::Broadcast
                       : (s == 1 && d + 1 == t.dim()) ? StrideClass::Contiguous : StrideClass::Strided);
  }
  return c;
}

KernelArgs args_of(const std::vector<Tensor>& bufs, const Tensor& shape_of) {
  KernelArgs a;
  for (const Tensor& t : bufs) {
    a.data.push_back(t.data_ptr());
    a.strides.push_back(t.strides().vec());
  }
  a.sizes = shape_of.sizes().vec();
  return a;
}

// Inputs: values in [-4, 4) from a fixed pattern, with a few exact zeros.
Tensor input(IntArrayRef sizes, int seed, ScalarType dtype = kFloat) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[size_t(i)] = double((i * 37 + seed * 11) % 64 - 32) / 8.0 + 0.013 * seed;
  return make(v, sizes, dtype);
}

void check_close(const Tensor& actual, const Tensor& expected, double rel) {
  const std::vector<double> a = actual.to_vector<double>(), e = expected.to_vector<double>();
  REQUIRE(a.size() == e.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element ", i, ": ", a[i], " vs ", e[i]);
    if (std::isnan(e[i])) {
      CHECK(std::isnan(a[i]));
    } else if (rel == 0) {
      CHECK(a[i] == e[i]);
    } else {
      CHECK(std::abs(a[i] - e[i]) <= rel * (std::abs(e[i]) + 0.025));  // eager float gelu is ~1e-7 off in its tail
    }
  }
}

const std::vector<std::vector<int64_t>> kShapes = {{0}, {1}, {7}, {37}, {3, 17}, {4, 0}, {2, 3, 5}, {2, 2, 3, 9}};

}  // namespace

TEST_CASE("gelu(x * a + b) with a and b broadcast matches eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (const auto& shape : kShapes) {
      CAPTURE(isa_name(isa));
      CAPTURE(shape.size());
      const int rank = int(shape.size());
      Tensor x = input(shape, 1);
      std::vector<int64_t> row_shape(shape.size(), 1);
      row_shape.back() = shape.back();
      std::vector<int64_t> col_shape = shape;
      col_shape.back() = 1;
      Tensor a = input(row_shape, 2).expand(shape);  // broadcast along the outer dims
      Tensor b = input(col_shape, 3).expand(shape);  // broadcast along the last dim
      Tensor out = ember::empty(shape, kFloat);
      KernelIR ir(rank);
      const int bx = ir.add_input(kFloat, classes(x)), ba = ir.add_input(kFloat, classes(a)),
                bb = ir.add_input(kFloat, classes(b)), bo = ir.add_output(kFloat, classes(out));
      const int y = ir.binary(KOp::Add, ir.binary(KOp::Mul, ir.load(bx, KType::F32), ir.load(ba, KType::F32)),
                              ir.load(bb, KType::F32));
      ir.store(bo, ir.unary(KOp::Gelu, y));
      compile_kernel(ir, isa).run(args_of({x, a, b, out}, out), 1);
      check_close(out, ember::gelu(x * a + b), 4e-6);
    }
  }
}

TEST_CASE("where(x > y, exp(x), -y) with a transposed input matches eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {5, 3}, {9, 17}, {16, 33}}) {
      CAPTURE(isa_name(isa));
      Tensor x = input({m, n}, 4);
      Tensor y = input({n, m}, 5).transpose(0, 1);  // strided along the last dim
      Tensor out = ember::empty({m, n}, kFloat);
      KernelIR ir(2);
      const int bx = ir.add_input(kFloat, classes(x)), by = ir.add_input(kFloat, classes(y)),
                bo = ir.add_output(kFloat, classes(out));
      const int lx = ir.load(bx, KType::F32), ly = ir.load(by, KType::F32);
      ir.store(bo, ir.where(ir.binary(KOp::Gt, lx, ly), ir.unary(KOp::Exp, lx), ir.unary(KOp::Neg, ly)));
      const CpuKernel k = compile_kernel(ir, isa);
      if (m > 1) CHECK_FALSE(k.vectorized());  // y is strided along the last dim
      k.run(args_of({x, y, out}, out), 1);
      check_close(out, ember::where(ember::gt(x, y), ember::exp(x), -y), 4e-6);
    }
  }
}

TEST_CASE("arithmetic and comparisons are exact; comparisons store as bool") {
  const std::vector<std::pair<KOp, std::function<Tensor(const Tensor&, const Tensor&)>>> ops = {
      {KOp::Add, [](const Tensor& a, const Tensor& b) { return ember::add(a, b); }},
      {KOp::Sub, [](const Tensor& a, const Tensor& b) { return ember::sub(a, b); }},
      {KOp::Mul, [](const Tensor& a, const Tensor& b) { return ember::mul(a, b); }},
      {KOp::Div, [](const Tensor& a, const Tensor& b) { return ember::div(a, b); }},
      {KOp::Max, [](const Tensor& a, const Tensor& b) { return ember::maximum(a, b); }},
      {KOp::Min, [](const Tensor& a, const Tensor& b) { return ember::minimum(a, b); }},
      {KOp::Eq, [](const Tensor& a, const Tensor& b) { return ember::eq(a, b); }},
      {KOp::Ne, [](const Tensor& a, const Tensor& b) { return ember::ne(a, b); }},
      {KOp::Lt, [](const Tensor& a, const Tensor& b) { return ember::lt(a, b); }},
      {KOp::Le, [](const Tensor& a, const Tensor& b) { return ember::le(a, b); }},
      {KOp::Gt, [](const Tensor& a, const Tensor& b) { return ember::gt(a, b); }},
      {KOp::Ge, [](const Tensor& a, const Tensor& b) { return ember::ge(a, b); }},
  };
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType dt : {kFloat, kDouble}) {
      for (const auto& [op, ref] : ops) {
        CAPTURE(isa_name(isa));
        CAPTURE(kop_name(op));
        Tensor a = input({3, 29}, 6, dt), b = input({3, 29}, 7, dt);
        // Some equal pairs and NaNs.
        b.select(1, 3).copy_(a.select(1, 3));
        a.select(1, 5).fill_(std::numeric_limits<double>::quiet_NaN());
        b.select(1, 9).fill_(std::numeric_limits<double>::quiet_NaN());
        const bool cmp = is_comparison(op);
        Tensor out = ember::empty({3, 29}, cmp ? kBool : dt);
        const KType t = dt == kFloat ? KType::F32 : KType::F64;
        KernelIR ir(2);
        const int ba = ir.add_input(dt, classes(a)), bb = ir.add_input(dt, classes(b)),
                  bo = ir.add_output(out.scalar_type(), classes(out));
        ir.store(bo, ir.binary(op, ir.load(ba, t), ir.load(bb, t)));
        compile_kernel(ir, isa).run(args_of({a, b, out}, out), 1);
        check_close(out, ref(a, b), 0);
      }
    }
  }
}

TEST_CASE("relu, max and min propagate NaN; rounding ops are exact") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = make<double>({-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.7, 0.7, 3.2, -3.7, 1e8, -1e9, nan, 0.25, 7.5, -7.5},
                          {16});
  const std::vector<std::pair<KOp, std::function<Tensor(const Tensor&)>>> ops = {
      {KOp::Relu, [](const Tensor& t) { return ember::relu(t); }},
      {KOp::Floor, [](const Tensor& t) { return ember::floor(t); }},
      {KOp::Ceil, [](const Tensor& t) { return ember::ceil(t); }},
      {KOp::Trunc, [](const Tensor& t) { return ember::trunc(t); }},
      {KOp::Round, [](const Tensor& t) { return ember::round(t); }},
      {KOp::Abs, [](const Tensor& t) { return ember::abs(t); }},
      {KOp::Sqrt, [](const Tensor& t) { return ember::sqrt(ember::abs(t)); }},
  };
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (const auto& [op, ref] : ops) {
      CAPTURE(isa_name(isa));
      CAPTURE(kop_name(op));
      Tensor out = ember::empty({16}, kFloat);
      KernelIR ir(1);
      const int bx = ir.add_input(kFloat, {StrideClass::Contiguous}), bo = ir.add_output(kFloat, {StrideClass::Contiguous});
      int v = ir.load(bx, KType::F32);
      if (op == KOp::Sqrt) v = ir.unary(KOp::Abs, v);
      ir.store(bo, ir.unary(op, v));
      compile_kernel(ir, isa).run(args_of({x, out}, out), 1);
      check_close(out, ref(x), 0);
    }
    // max(nan, 1) and max(1, nan) are both NaN.
    Tensor a = make<double>({nan, 1, nan, 2}, {4}), b = make<double>({1, nan, nan, 3}, {4});
    for (KOp op : {KOp::Max, KOp::Min}) {
      Tensor out = ember::empty({4}, kFloat);
      KernelIR ir(1);
      const int ba = ir.add_input(kFloat, {StrideClass::Contiguous}), bb = ir.add_input(kFloat, {StrideClass::Contiguous}),
                bo = ir.add_output(kFloat, {StrideClass::Contiguous});
      ir.store(bo, ir.binary(op, ir.load(ba, KType::F32), ir.load(bb, KType::F32)));
      compile_kernel(ir, isa).run(args_of({a, b, out}, out), 1);
      const std::vector<double> r = out.to_vector<double>();
      CHECK(std::isnan(r[0]));
      CHECK(std::isnan(r[1]));
      CHECK(std::isnan(r[2]));
      CHECK(r[3] == (op == KOp::Max ? 3 : 2));
    }
  }
}

TEST_CASE("float16 and bfloat16 inputs and outputs convert like eager casts") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (ScalarType dt : {kHalf, kBFloat16}) {
      for (int64_t n : {1, 7, 16, 45}) {
        CAPTURE(isa_name(isa));
        CAPTURE(n);
        Tensor x = input({2, n}, 8, dt), y = input({2, n}, 9, kFloat);
        Tensor out = ember::empty({2, n}, dt);
        KernelIR ir(2);
        const int bx = ir.add_input(dt, classes(x)), by = ir.add_input(kFloat, classes(y)),
                  bo = ir.add_output(dt, classes(out));
        ir.store(bo, ir.binary(KOp::Mul, ir.load(bx, KType::F32), ir.load(by, KType::F32)));
        compile_kernel(ir, isa).run(args_of({x, y, out}, out), 1);
        check_close(out, ember::mul(x.to(kFloat), y).to(dt), 0);
      }
    }
  }
}

TEST_CASE("float64 kernels, mixed with float32 through casts, match eager ops") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    for (int64_t n : {1, 5, 8, 27}) {
      CAPTURE(isa_name(isa));
      CAPTURE(n);
      Tensor x = input({3, n}, 10, kDouble), y = input({3, n}, 11, kFloat);
      Tensor out = ember::empty({3, n}, kDouble), out32 = ember::empty({3, n}, kFloat);
      KernelIR ir(2);
      const int bx = ir.add_input(kDouble, classes(x)), by = ir.add_input(kFloat, classes(y)),
                bo = ir.add_output(kDouble, classes(out)), b32 = ir.add_output(kFloat, classes(out32));
      const int lx = ir.load(bx, KType::F64);
      const int ly = ir.cast(ir.load(by, KType::F32), KType::F64);
      const int t = ir.binary(KOp::Add, ir.unary(KOp::Tanh, lx), ly);
      ir.store(bo, t);
      ir.store(b32, ir.cast(ir.binary(KOp::Lt, lx, ly), KType::F32));
      compile_kernel(ir, isa).run(args_of({x, y, out, out32}, out), 1);
      check_close(out, ember::tanh(x) + y.to(kDouble), 1e-13);
      check_close(out32, ember::lt(x, y.to(kDouble)).to(kFloat), 0);
    }
  }
}

TEST_CASE("bool and integer inputs load as floats and masks") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    CAPTURE(isa_name(isa));
    Tensor c = ember::gt(input({37}, 12), ember::zeros({37}));
    Tensor i = input({37}, 13, kInt), s = input({37}, 14, kShort), b8 = input({37}, 15, kChar);
    Tensor out = ember::empty({37}, kFloat), mask = ember::empty({37}, kBool);
    KernelIR ir(1);
    const auto C = StrideClass::Contiguous;
    const int bc = ir.add_input(kBool, {C}), bi = ir.add_input(kInt, {C}), bs = ir.add_input(kShort, {C}),
              bb = ir.add_input(kChar, {C}), bo = ir.add_output(kFloat, {C}), bm = ir.add_output(kBool, {C});
    const int sum = ir.binary(KOp::Add, ir.binary(KOp::Add, ir.load(bi, KType::F32), ir.load(bs, KType::F32)),
                              ir.load(bb, KType::F32));
    const int cond = ir.load(bc, KType::Bool);
    ir.store(bo, ir.where(cond, sum, ir.constant(-1, KType::F32)));
    ir.store(bm, ir.binary(KOp::And, ir.unary(KOp::Not, cond), ir.binary(KOp::Gt, sum, ir.constant(0, KType::F32))));
    compile_kernel(ir, isa).run(args_of({c, i, s, b8, out, mask}, out), 1);
    Tensor ref_sum = i.to(kFloat) + s.to(kFloat) + b8.to(kFloat);
    check_close(out, ember::where(c, ref_sum, ember::full({37}, -1.0)), 0);
    check_close(mask, ember::logical_and(ember::logical_not(c), ember::gt(ref_sum, 0)), 0);
  }
}

TEST_CASE("results are bitwise equal for any thread count") {
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    Tensor x = input({5, 40000}, 16), a = input({5, 1}, 17).expand({5, 40000});
    KernelIR ir(2);
    const int bx = ir.add_input(kFloat, classes(x)), ba = ir.add_input(kFloat, classes(a)),
              bo = ir.add_output(kFloat, {StrideClass::Strided, StrideClass::Contiguous});
    ir.store(bo, ir.unary(KOp::Sin, ir.binary(KOp::Mul, ir.load(bx, KType::F32), ir.load(ba, KType::F32))));
    const CpuKernel k = compile_kernel(ir, isa);
    const int saved = kernels::cpu::get_num_threads();
    kernels::cpu::set_num_threads(4);
    std::vector<Tensor> outs;
    for (int threads : {1, 2, 3, 4}) {
      outs.push_back(ember::empty({5, 40000}, kFloat));
      k.run(args_of({x, a, outs.back()}, x), threads);
    }
    kernels::cpu::set_num_threads(saved);
    for (size_t t = 1; t < outs.size(); ++t) CHECK(std::memcmp(outs[0].data_ptr(), outs[t].data_ptr(), outs[0].nbytes()) == 0);
    check_close(outs[0], ember::sin(x * a), 4e-6);
  }
}

TEST_CASE("print() shows one line per buffer, expression and store") {
  KernelIR ir(2);
  const int bx = ir.add_input(kFloat, {StrideClass::Strided, StrideClass::Contiguous});
  const int ba = ir.add_input(kHalf, {StrideClass::Broadcast, StrideClass::Contiguous});
  const int bo = ir.add_output(kBool, {StrideClass::Strided, StrideClass::Contiguous});
  const int x = ir.load(bx, KType::F32);
  const int e = ir.unary(KOp::Exp, x);
  ir.store(bo, ir.binary(KOp::Gt, e, ir.load(ba, KType::F32)));
  CHECK(ir.print() ==
        "kernel rank=2\n"
        "  buf0: in  float32 [strided, contiguous]\n"
        "  buf1: in  float16 [broadcast, contiguous]\n"
        "  buf2: out bool [strided, contiguous]\n"
        "  %0 = load.f32 buf0\n"
        "  %1 = exp.f32 %0\n"
        "  %2 = load.f32 buf1\n"
        "  %3 = gt.bool %1, %2\n"
        "  store buf2, %3\n");
}

namespace {
KernelIR small_kernel(KOp op, StrideClass inner) {
  KernelIR ir(1);
  const int bx = ir.add_input(kFloat, {inner}), bo = ir.add_output(kFloat, {StrideClass::Contiguous});
  ir.store(bo, ir.unary(op, ir.load(bx, KType::F32)));
  return ir;
}
}  // namespace

TEST_CASE("hash() is equal for equal structure and differs with an op or a stride class") {
  CHECK(small_kernel(KOp::Exp, StrideClass::Contiguous).hash() == small_kernel(KOp::Exp, StrideClass::Contiguous).hash());
  CHECK(small_kernel(KOp::Exp, StrideClass::Contiguous).hash() != small_kernel(KOp::Log, StrideClass::Contiguous).hash());
  CHECK(small_kernel(KOp::Exp, StrideClass::Contiguous).hash() != small_kernel(KOp::Exp, StrideClass::Strided).hash());
  CHECK(small_kernel(KOp::Exp, StrideClass::Contiguous).same_structure(small_kernel(KOp::Exp, StrideClass::Contiguous)));
  CHECK_FALSE(small_kernel(KOp::Exp, StrideClass::Contiguous).same_structure(small_kernel(KOp::Exp, StrideClass::Broadcast)));
}

TEST_CASE("an equal kernel compiles once; EMBER_LOGS=output_code logs its IR and assembly") {
  std::vector<std::string> logs;
  set_log_sink([&](std::string_view s) { logs.emplace_back(s); });
  set_logs("output_code");
  const int64_t before = compiled_kernel_count();
  KernelIR ir = small_kernel(KOp::Cos, StrideClass::Contiguous);
  const CpuKernel a = compile_kernel(ir, Isa::Scalar);
  CHECK(compiled_kernel_count() == before + 1);
  const CpuKernel b = compile_kernel(small_kernel(KOp::Cos, StrideClass::Contiguous), Isa::Scalar);
  CHECK(compiled_kernel_count() == before + 1);
  CHECK(&a.ir() == &b.ir());
  set_logs("");
  set_log_sink({});
  REQUIRE(logs.size() == 1);
  CHECK(ember::test::contains(logs[0], "%1 = cos.f32 %0"));
  CHECK(ember::test::contains(logs[0], "isa=scalar"));
  CHECK(ember::test::contains(logs[0], "ret"));
}

TEST_CASE("unsupported constructs and mismatched arguments raise errors") {
  KernelIR ir(1);
  const int bx = ir.add_input(kFloat, {StrideClass::Contiguous});
  const int bi = ir.add_output(kByte, {StrideClass::Contiguous});
  CHECK_THROWS_WITH_AS(ir.store(bi, ir.load(bx, KType::F32)), doctest::Contains("uint8 output takes bool"),
                       ember::Error);
  CHECK_THROWS_AS(ir.add_output(kInt, {StrideClass::Contiguous}), ember::Error);
  CHECK_THROWS_AS(ir.binary(KOp::Add, ir.load(bx, KType::F32), ir.constant(1, KType::F64)), ember::Error);
  KernelIR k = small_kernel(KOp::Exp, StrideClass::Contiguous);
  Tensor x = input({8}, 1).select(0, 0).expand({8}), out = ember::empty({8}, kFloat);
  CHECK_THROWS_WITH_AS(compile_kernel(k, Isa::Scalar).run(args_of({x, out}, out)),
                       doctest::Contains("compiled as contiguous but has stride 0"), ember::Error);
}
