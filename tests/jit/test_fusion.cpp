// Pointwise fusion and the "cpu" backend: how the planner groups nodes into kernels, and compiled results against
// eager ones (ctest also runs this file with EMBER_CPU_ISA=scalar).
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <vector>

#include "builder.h"
#include "ember.h"
#include "helpers.h"
#include "jit/compile.h"
#include "jit/fusion.h"
#include "jit_helpers.h"

using namespace ember;
using ember::test::GraphBuilder;
using ember::test::scalar_form;
using ember::test::tensor_form;

namespace {

CompileOptions cpu_backend(std::optional<bool> dynamic = std::nullopt) {
  CompileOptions o;
  o.backend = "cpu";
  o.dynamic = dynamic;
  return o;
}

Tensor sample(IntArrayRef sizes, uint64_t seed, ScalarType dtype = kFloat) {
  Generator g(seed);
  return ember::randn(sizes, g, TensorOptions(dtype));
}

// Within `rel` relative (plus a tiny absolute floor); rel 0 means bit for bit. Bool and shapes must match exactly.
void check_close(const Tensor& actual, const Tensor& expected, double rel) {
  REQUIRE(actual.dtype() == expected.dtype());
  REQUIRE(actual.sizes().vec() == expected.sizes().vec());
  const std::vector<double> a = actual.to(kDouble).contiguous().to_vector<double>();
  const std::vector<double> e = expected.to(kDouble).contiguous().to_vector<double>();
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("element ", i, ": ", a[i], " vs ", e[i]);
    if (std::isnan(e[i])) CHECK(std::isnan(a[i]));
    else if (rel == 0) CHECK(a[i] == e[i]);
    else CHECK(std::abs(a[i] - e[i]) <= rel * std::abs(e[i]) + 1e-7);
  }
}

}  // namespace

TEST_CASE("the planner fuses a chain with broadcast inputs into one kernel") {
  GraphBuilder b;
  const auto x = b.input("x", {4, 8}), a = b.input("a", {8}), c = b.input("c", {4, 1});
  const auto y = b.value("mul.Tensor", {x, a}, tensor_form());
  const auto z = b.value("add.Tensor", {y, c}, tensor_form());
  const auto g = b.value("gelu", {z}, {std::string("none")});
  b.g.output({g});
  const jit::FusionPlan plan = jit::plan_fusion(b.g);
  CHECK(plan.kernel_count() == 1);
  CHECK(plan.eager_count() == 0);
  REQUIRE(plan.groups.size() == 1);
  CHECK(plan.groups[0].nodes.size() == 3);
  CHECK(plan.groups[0].inputs.size() == 3);
  CHECK(plan.groups[0].outputs.size() == 1);
}

TEST_CASE("a reduction between pointwise ops splits them into two kernels around an eager node") {
  GraphBuilder b;
  const auto x = b.input("x", {4, 8});
  const auto e = b.value("exp", {x});
  const auto s = b.value("sum.dim_IntList", {e}, {DimVector{0}, true, std::monostate{}});  // not over rows
  const auto d = b.value("div.Tensor", {e, s}, tensor_form());
  const auto r = b.value("relu", {d});
  b.g.output({r});
  const jit::FusionPlan plan = jit::plan_fusion(b.g);
  CHECK(plan.kernel_count() == 2);
  CHECK(plan.eager_count() == 1);
  CHECK(plan.groups[1].nodes.size() == 2);
  CHECK(plan.groups[0].outputs.size() == 1);  // exp, read by the sum and by the second kernel
}

TEST_CASE("softmax and sums over the last dim become row-reduction kernels between pointwise kernels") {
  GraphBuilder b;
  const auto x = b.input("x", {4, 8});
  const auto e = b.value("exp", {x});
  const auto s = b.value("sum.dim_IntList", {e}, {DimVector{-1}, true, std::monostate{}});
  const auto d = b.value("div.Tensor", {e, s}, tensor_form());
  const auto sm = b.value("softmax.int", {d}, {int64_t(1), std::monostate{}});
  const auto m = b.value("amax", {sm}, {DimVector{0}, false});  // not over rows: eager
  b.g.output({m});
  const jit::FusionPlan plan = jit::plan_fusion(b.g);
  CHECK(plan.kernel_count() == 4);  // exp | sum | div | softmax
  CHECK(plan.eager_count() == 1);
  REQUIRE(plan.groups.size() == 4);
  CHECK(plan.groups[1].row);
  CHECK(plan.groups[3].row);
  CHECK_FALSE(plan.groups[2].row);
  CHECK(jit::is_row_reduction(*s.node));
  CHECK(jit::is_row_reduction(*sm.node));
  CHECK_FALSE(jit::is_row_reduction(*m.node));
  const jit::KernelIR ir =
      jit::lower_group(plan.groups[3], {{jit::StrideClass::Strided, jit::StrideClass::Contiguous}});
  CHECK(ir.phases() == 3);
}

TEST_CASE("compiled softmax, log_softmax, sum, mean and amax over the last dim match eager") {
  for (ScalarType dtype : {kFloat, kDouble}) {
    for (bool keepdim : {false, true}) {
      auto f = [keepdim](const Tensor& x, const Tensor& a) {
        const Tensor y = x * a;
        return std::vector<Tensor>{y.softmax(-1), y.log_softmax(1) + 1, y.sum({-1}, keepdim), y.mean({1}, keepdim),
                                   y.amax({-1}, keepdim)};
      };
      test::LogCapture logs("output_code");
      auto compiled = ember::compile(f, cpu_backend());
      for (int64_t n : {1, 7, 33, 4096}) {
        CAPTURE(n);
        const Tensor x = sample({3, n}, uint64_t(n), dtype), a = sample({n}, 5, dtype);
        const std::vector<Tensor> got = compiled(x, a), want = f(x, a);
        REQUIRE(got.size() == want.size());
        const double rel = dtype == kDouble ? 1e-12 : 2e-5;
        for (size_t k = 0; k < got.size(); ++k) {
          CAPTURE(k);
          check_close(got[k], want[k], k == 4 ? 0 : rel);
        }
      }
      CHECK(logs.contains(", 0 eager nodes"));  // every op ran in a kernel
    }
  }
}

TEST_CASE("compiled layer_norm over the last dim, with and without weight and bias, matches eager") {
  for (ScalarType dtype : {kFloat, kDouble}) {
    auto f = [](const Tensor& x, const Tensor& w, const Tensor& b) {
      const int64_t n = x.sizes().back();
      auto [y, mean, rstd] = ember::native_layer_norm(x, {n}, w, b, 1e-5);
      return std::vector<Tensor>{y, mean, rstd, ember::layer_norm(x * 2, {n}), ember::layer_norm(x, {n}, w, {}, 1e-3)};
    };
    test::LogCapture logs("output_code");
    auto compiled = ember::compile(f, cpu_backend());
    for (int64_t n : {1, 7, 33, 4096}) {
      CAPTURE(n);
      const Tensor x = sample({2, 3, n}, uint64_t(n), dtype), w = sample({n}, 5, dtype), b = sample({n}, 6, dtype);
      const std::vector<Tensor> got = compiled(x, w, b), want = f(x, w, b);
      REQUIRE(got.size() == want.size());
      for (size_t k = 0; k < got.size(); ++k) {
        CAPTURE(k);
        check_close(got[k], want[k], dtype == kDouble ? 1e-12 : 4e-6);
      }
    }
    CHECK(logs.contains("cpu backend: 4 kernels, 0 eager nodes"));  // 3 layer_norms and x * 2
  }
}

TEST_CASE("compiled row reductions of 3-d, transposed and NaN inputs match eager") {
  auto f = [](const Tensor& x) { return std::vector<Tensor>{x.softmax(-1), x.sum({-1}), x.amax({-1}, true)}; };
  auto compiled = ember::compile(f, cpu_backend());
  Tensor x = sample({2, 3, 9}, 3);
  x.select(0, 1).select(0, 2).select(0, 4).fill_(NAN);
  for (const Tensor& in : {x, x.transpose(1, 2)}) {
    const std::vector<Tensor> got = compiled(in), want = f(in);
    for (size_t k = 0; k < got.size(); ++k) check_close(got[k], want[k], k == 2 ? 0 : 2e-5);
  }
}

TEST_CASE("values used outside a group become extra outputs of its kernel") {
  GraphBuilder b;
  const auto x = b.input("x", {3, 5});
  const auto n = b.value("neg", {x});
  const auto t = b.value("tanh", {n});
  const auto m = b.value("mul.Tensor", {t, n}, tensor_form());
  b.g.output({m, t});
  const jit::FusionPlan plan = jit::plan_fusion(b.g);
  REQUIRE(plan.kernel_count() == 1);
  CHECK(plan.groups[0].outputs.size() == 2);  // tanh (returned) and mul
}

TEST_CASE("in-place, integer and unsupported ops stay eager and bound the kernels") {
  GraphBuilder b;
  const auto x = b.input("x", {6});
  const auto i = b.input("i", {6}, kLong);
  const auto y = b.value("exp", {x});
  b.call("relu_", {y});                                             // in place: eager
  const auto k = b.value("add.Tensor", {i, i}, tensor_form());      // integer arithmetic: eager
  const auto z = b.value("mul.Tensor", {y, k}, tensor_form());      // float result of an int input: fused
  const auto w = b.value("erfinv", {z});                            // not lowered: eager
  const auto v = b.value("sigmoid", {w});
  b.g.output({v});
  const jit::FusionPlan plan = jit::plan_fusion(b.g);
  CHECK(plan.kernel_count() == 3);  // exp | mul | sigmoid
  CHECK(plan.eager_count() == 3);   // relu_, add (int64), erfinv
  CHECK_FALSE(jit::is_fusible(*k.node));
  CHECK(jit::is_fusible(*z.node));
}

TEST_CASE("gelu(x * a + b) compiled for the cpu backend matches eager within 4e-6 and logs its plan") {
  auto f = [](const Tensor& x, const Tensor& a, const Tensor& b) { return gelu(x * a + b); };
  test::LogCapture logs("output_code");
  auto compiled = ember::compile(f, cpu_backend());
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    const Tensor x = sample({16, 67}, seed), a = sample({67}, seed + 10), b = sample({16, 1}, seed + 20);
    check_close(compiled(x, a, b), f(x, a, b), 4e-6);
  }
  CHECK(logs.contains("cpu backend: 1 kernels, 0 eager nodes"));
  CHECK(logs.contains("kernel 0: mul, add, gelu"));
}

TEST_CASE("arithmetic with scalars, alpha and broadcasting is bit for bit eager's") {
  auto f = [](const Tensor& x, const Tensor& y) {
    return std::tuple{sub(x, y, 0.5) * 3 + 2, add(x, y, 2) / y, (1.5 - x) / (y + 0.25), maximum(x, y) - minimum(x, y)};
  };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({5, 1, 9}, 1), y = sample({3, 9}, 2);
  const auto [a0, a1, a2, a3] = compiled(x, y);
  const auto [e0, e1, e2, e3] = f(x, y);
  check_close(a0, e0, 0);
  check_close(a1, e1, 0);
  check_close(a2, e2, 0);
  check_close(a3, e3, 0);
}

TEST_CASE("where and comparisons give bool results equal to eager's") {
  auto f = [](const Tensor& x, const Tensor& y) {
    const Tensor mask = logical_and(gt(x, y), lt(x, 1.0));
    return std::tuple{mask, where(mask, x.exp(), -y), logical_not(eq(x, 0.5))};
  };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({7, 33}, 3), y = sample({33}, 4);
  const auto [a0, a1, a2] = compiled(x, y);
  const auto [e0, e1, e2] = f(x, y);
  CHECK(a0.dtype() == kBool);
  check_close(a0, e0, 0);
  check_close(a1, e1, 4e-6);
  check_close(a2, e2, 0);
}

TEST_CASE("activations decomposed into kernel ops match eager") {
  auto f = [](const Tensor& x) {
    return std::vector<Tensor>{gelu(x, "tanh"), silu(x), x.sigmoid(), x.relu(), leaky_relu(x, 0.2), elu(x),
                               hardtanh(x, -0.5, 0.75), x.clamp(-1.0, 0.5), x.clamp_min(0.1)};
  };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({3, 41}, 5) * 3;
  const std::vector<Tensor> a = compiled(x), e = f(x);
  REQUIRE(a.size() == e.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    check_close(a[i], e[i], 4e-6);
  }
}

TEST_CASE("dynamic sizes: one compiled entry serves every size") {
  auto f = [](const Tensor& x, const Tensor& b) { return (x * 2 + b).tanh() - x; };
  auto compiled = ember::compile(f, cpu_backend(true));
  for (int64_t n : {3, 8, 17, 1000, 5}) {
    CAPTURE(n);
    const Tensor x = sample({n, 12}, uint64_t(n)), b = sample({12}, 7);
    check_close(compiled(x, b), f(x, b), 4e-6);
  }
  CHECK(compiled.stats().entries == 1);
}

TEST_CASE("non-contiguous inputs (transposed, sliced, expanded) compute as eager, also when the layout changes") {
  auto f = [](const Tensor& x, const Tensor& y) { return x * y + x; };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor base = sample({9, 6}, 8);
  const Tensor x = base.t(), y = sample({6, 9}, 9);
  check_close(compiled(x, y), f(x, y), 0);
  // Same shapes, other layouts: a contiguous x and a column-broadcast y.
  const Tensor x2 = sample({6, 9}, 10), y2 = sample({6, 1}, 11).expand({6, 9});
  check_close(compiled(x2, y2), f(x2, y2), 0);
  const Tensor x3 = sample({6, 18}, 12).slice(1, 0, std::nullopt, 2);
  check_close(compiled(x3, y), f(x3, y), 0);
}

TEST_CASE("float64 chains compute in float64") {
  auto f = [](const Tensor& x, const Tensor& y) { return (x / y).exp() + x * 1e-10; };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({4, 10}, 13, kDouble), y = sample({4, 10}, 14, kDouble);
  const Tensor a = compiled(x, y);
  CHECK(a.dtype() == kDouble);
  check_close(a, f(x, y), 1e-12);
}

TEST_CASE("mixed float32 and float64 inputs promote as in eager") {
  auto f = [](const Tensor& x, const Tensor& y) { return std::tuple{x + y, gt(x, y), x.to(kDouble) * 3}; };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({20}, 15), y = sample({20}, 16, kDouble);
  const auto [a0, a1, a2] = compiled(x, y);
  const auto [e0, e1, e2] = f(x, y);
  check_close(a0, e0, 0);
  check_close(a1, e1, 0);
  check_close(a2, e2, 0);
}

TEST_CASE("float16 results are computed in float32 and rounded once, within float16 precision of eager") {
  auto f = [](const Tensor& x, const Tensor& y) { return (x * y + x).sigmoid(); };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({8, 16}, 17, kHalf), y = sample({8, 16}, 18, kHalf);
  const Tensor a = compiled(x, y);
  CHECK(a.dtype() == kHalf);
  check_close(a, f(x, y), 2e-3);
}

TEST_CASE("unsupported ops in the middle of a chain run eagerly between two kernels") {
  auto f = [](const Tensor& x) { return (x.exp() * 2).erfinv().neg() + x.sum(); };
  test::LogCapture logs("output_code");
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({10}, 19) * 0.1;
  check_close(compiled(x), f(x), 4e-6);
  CHECK(logs.contains("eager: erfinv"));
}

TEST_CASE("graphs that autograd records through are replayed as traced, with gradients") {
  auto f = [](const Tensor& x) { return (x * x).sigmoid(); };
  auto compiled = ember::compile(f, cpu_backend());
  const Tensor x = sample({5}, 20).requires_grad_();
  const Tensor y = compiled(x);
  CHECK(y.requires_grad());
  y.sum().backward();
  const Tensor x2 = x.detach().requires_grad_();
  f(x2).sum().backward();
  check_close(x.grad(), x2.grad(), 0);
}
