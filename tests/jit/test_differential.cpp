// Differential tests of ember::compile: a compiled function returns what the function itself returns, on the
// traced first call and on every replayed one, and writes its inputs as the function does.
// Every test runs on each backend in jit::backend_names().
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ember.h"
#include "helpers.h"
#include "jit/compile.h"
#include "jit/entry.h"

using namespace ember;

namespace {

// ---------------------------------------------------------------------------------------------------------------
// Comparing a compiled call with an eager one
// ---------------------------------------------------------------------------------------------------------------

CompileOptions with_backend(const std::string& backend) {
  CompileOptions options;
  options.backend = backend;
  return options;
}

// The "eager" backend replays the traced ops with the eager kernels, so it must agree bit for bit; other
// backends may reorder arithmetic (fusion, decompositions) and get a tight tolerance. The "cpu" backend computes
// transcendentals with its own vectorised float32 math (a few ulp from libm's), which a later cast to float64 keeps:
// it gets 4e-6 relative (and absolute near zero) for every floating dtype.
struct Agreement {
  bool exact = false;
  bool own_float_math = false;
};
Agreement is_exact(const std::string& backend) { return {backend == "eager", backend == "cpu"}; }

std::string shape_str(IntArrayRef sizes) { return fmt::format("[{}]", fmt::join(sizes.vec(), ", ")); }

bool same_value(double a, double e, bool exact, double tolerance) {
  if (std::isnan(a) || std::isnan(e)) return std::isnan(a) && std::isnan(e);
  if (exact) return a == e && std::signbit(a) == std::signbit(e);
  if (a == e) return true;
  return std::abs(a - e) <= tolerance * std::max(std::abs(a), std::abs(e)) + tolerance;
}

// The first way `actual` (compiled) differs from `expected` (eager), in words; nullopt when they agree.
std::optional<std::string> difference(const Tensor& actual, const Tensor& expected, Agreement agreement) {
  const bool exact = agreement.exact;
  if (actual.defined() != expected.defined())
    return fmt::format("compiled is {}, eager is {}", actual.defined() ? "defined" : "undefined",
                       expected.defined() ? "defined" : "undefined");
  if (!expected.defined()) return std::nullopt;
  if (actual.dtype() != expected.dtype())
    return fmt::format("dtype {} but eager gives {}", to_string(actual.dtype()), to_string(expected.dtype()));
  if (actual.sizes().vec() != expected.sizes().vec())
    return fmt::format("sizes {} but eager gives {}", shape_str(actual.sizes()), shape_str(expected.sizes()));
  if (actual.requires_grad() != expected.requires_grad())
    return fmt::format("requires_grad={} but eager gives {}", actual.requires_grad(), expected.requires_grad());
  if (exact)
    for (int64_t d = 0; d < expected.dim(); ++d)
      if (expected.size(d) > 1 && actual.stride(d) != expected.stride(d))
        return fmt::format("strides {} but eager gives {}", shape_str(actual.strides()), shape_str(expected.strides()));
  const std::vector<double> a = actual.detach().to_vector<double>();
  const std::vector<double> e = expected.detach().to_vector<double>();
  // Integer and bool results are exact on every backend; floating ones within 1e-6 relative elsewhere.
  const bool exact_values = exact || !expected.is_floating_point();
  const double tolerance = agreement.own_float_math ? 4e-6 : expected.dtype() == kDouble ? 1e-12 : 1e-6;
  for (size_t i = 0; i < e.size(); ++i)
    if (!same_value(a[i], e[i], exact_values, tolerance))
      return fmt::format("element {} is {} but eager gives {} (sizes {})", i, a[i], e[i], shape_str(expected.sizes()));
  return std::nullopt;
}

bool aliases(const Tensor& a, const Tensor& b) { return a.defined() && b.defined() && a.is_alias_of(b); }

// What one call must agree on: the results, the arguments after the call (in-place writes), and which results
// are, or share memory with, which arguments.
std::optional<std::string> compare_call(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected,
                                        const std::vector<Tensor>& actual_args,
                                        const std::vector<Tensor>& expected_args, Agreement agreement) {
  if (actual.size() != expected.size())
    return fmt::format("{} results but eager returns {}", actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    if (auto d = difference(actual[i], expected[i], agreement)) return fmt::format("result {}: {}", i, *d);
  for (size_t j = 0; j < expected_args.size(); ++j)
    if (auto d = difference(actual_args[j], expected_args[j], agreement))
      return fmt::format("argument {} after the call: {}", j, *d);
  for (size_t i = 0; i < expected.size(); ++i)
    for (size_t j = 0; j < expected_args.size(); ++j) {
      const bool same_e = expected[i].is_same(expected_args[j]), same_a = actual[i].is_same(actual_args[j]);
      if (same_e != same_a)
        return fmt::format("result {} {} argument {} but eager's {}", i, same_a ? "is" : "is not", j,
                           same_e ? "is" : "is not");
      const bool alias_e = aliases(expected[i], expected_args[j]), alias_a = aliases(actual[i], actual_args[j]);
      if (alias_e != alias_a)
        return fmt::format("result {} {} memory with argument {} but eager's {}", i, alias_a ? "shares" : "does not share",
                           j, alias_e ? "does" : "does not");
    }
  return std::nullopt;
}

// Results of earlier calls: a call must not hand back memory an earlier call returned unless eager does too
// (a parameter returned as it is).
struct History {
  std::vector<Tensor> eager;
  std::vector<Tensor> compiled;

  std::optional<std::string> check_and_add(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected) {
    for (size_t i = 0; i < actual.size() && i < expected.size(); ++i)
      for (size_t k = 0; k < compiled.size(); ++k)
        if (aliases(actual[i], compiled[k]) && !aliases(expected[i], eager[k]))
          return fmt::format("result {} shares memory with a result of an earlier call; eager's does not", i);
    eager.insert(eager.end(), expected.begin(), expected.end());
    compiled.insert(compiled.end(), actual.begin(), actual.end());
    return std::nullopt;
  }
};

std::vector<Tensor> flat_results(const Tensor& t) { return {t}; }
std::vector<Tensor> flat_results(const std::vector<Tensor>& v) { return v; }
template <typename... T>
std::vector<Tensor> flat_results(const std::tuple<T...>& t) {
  return std::apply([](const auto&... x) { return std::vector<Tensor>{x...}; }, t);
}
template <typename A, typename B>
std::vector<Tensor> flat_results(const std::pair<A, B>& p) {
  return {p.first, p.second};
}

void collect_tensors(const Tensor& t, std::vector<Tensor>& out) { out.push_back(t); }
void collect_tensors(const std::vector<Tensor>& v, std::vector<Tensor>& out) { out.insert(out.end(), v.begin(), v.end()); }
template <typename T>
  requires std::is_arithmetic_v<T>
void collect_tensors(const T&, std::vector<Tensor>&) {}
template <typename Tuple>
std::vector<Tensor> tensors_of(const Tuple& args) {
  std::vector<Tensor> out;
  std::apply([&](const auto&... a) { (collect_tensors(a, out), ...); }, args);
  return out;
}

// Random arguments: one generator per call seed, so that two calls with one seed give equal, separate tensors.
struct Inputs {
  explicit Inputs(uint64_t seed) : generator(seed) {}
  Tensor randn(IntArrayRef sizes, ScalarType dtype = kFloat) {
    return ember::randn(sizes, generator, TensorOptions(dtype));
  }
  Tensor randint(int64_t low, int64_t high, IntArrayRef sizes) {
    return ember::randint(low, high, sizes, generator, TensorOptions(kLong));
  }
  Tensor bools(IntArrayRef sizes) { return randint(0, 2, sizes).to(kBool); }
  Generator generator;
};

// A function and its compiled form, called side by side on equal copies of the arguments.
template <typename Fn, typename Compiled>
class Differential {
 public:
  Differential(Fn fn, Compiled compiled, std::string backend)
      : fn_(std::move(fn)), compiled_(std::move(compiled)), backend_(std::move(backend)) {}

  // `make(seed)` returns the arguments as a tuple; it runs twice, once for each side.
  template <typename Make>
  void call(const Make& make, uint64_t seed) {
    auto eager_args = make(seed);
    auto compiled_args = make(seed);
    const std::vector<Tensor> expected = flat_results(std::apply(fn_, eager_args));
    const std::vector<Tensor> actual = flat_results(std::apply(compiled_, compiled_args));
    std::optional<std::string> problem =
        compare_call(actual, expected, tensors_of(compiled_args), tensors_of(eager_args), is_exact(backend_));
    if (!problem) problem = history_.check_and_add(actual, expected);
    CHECK_MESSAGE(!problem.has_value(), "backend '", backend_, "', call ", compiled_.stats().calls, " (seed ", seed,
                  "): ", problem.value_or(""), "\n", compiled_.stats().str());
    last_ = actual;
  }

  const jit::CompileStats& stats() const { return compiled_.stats(); }
  const std::vector<Tensor>& last_results() const { return last_; }

 private:
  Fn fn_;
  Compiled compiled_;
  std::string backend_;
  History history_;
  std::vector<Tensor> last_;
};

template <typename Fn>
auto differential(Fn fn, const std::string& backend, CompileOptions options = {}) {
  options.backend = backend;
  auto compiled = ember::compile(fn, std::move(options));
  return Differential<Fn, decltype(compiled)>(std::move(fn), std::move(compiled), backend);
}

// Compiles the module itself (ember::compile(module)) and compares with its forward.
template <typename Module>
auto differential_module(Module module, const std::string& backend) {
  auto fn = [module](const Tensor& x) { return module->forward(x); };
  auto compiled = ember::compile(module, with_backend(backend));
  return Differential<decltype(fn), decltype(compiled)>(fn, std::move(compiled), backend);
}

// ---------------------------------------------------------------------------------------------------------------
// The corpus: functions as people write them
// ---------------------------------------------------------------------------------------------------------------

struct MlpImpl : nn::Module {
  MlpImpl(int64_t in, int64_t hidden, int64_t out) : nn::Module("Mlp") {
    fc1 = register_module("fc1", nn::Linear(in, hidden));
    fc2 = register_module("fc2", nn::Linear(hidden, out));
  }
  Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))); }
  nn::Linear fc1{nullptr}, fc2{nullptr};
};
EMBER_MODULE(Mlp);

Tensor softmax_by_hand(const Tensor& x) {
  const Tensor e = (x - std::get<0>(x.max(-1, true))).exp();
  return e / e.sum({-1}, true);
}

Tensor log_softmax_by_hand(const Tensor& x) {
  const Tensor shifted = x - x.amax({-1}, true);
  return shifted - shifted.exp().sum({-1}, true).log();
}

Tensor layer_norm_by_hand(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Tensor mean = x.mean({-1}, true);
  const Tensor centred = x - mean;
  const Tensor var = (centred * centred).mean({-1}, true);
  return centred / (var + 1e-5).sqrt() * weight + bias;
}

}  // namespace

TEST_CASE("a second call with fresh inputs of the same shapes is a cache hit and equals eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& y) { return (x * y + x.exp()).tanh().sum({1}); };
    auto d = differential(f, backend);
    auto make = [](uint64_t seed) {
      Inputs in(seed);
      return std::tuple{in.randn({3, 5}), in.randn({3, 5})};
    };
    for (uint64_t seed = 1; seed <= 4; ++seed) d.call(make, seed);
    CHECK(d.stats().calls == 4);
    CHECK(d.stats().cache_misses == 1);
    CHECK(d.stats().cache_hits == 3);
    CHECK(d.stats().entries == 1);
    CHECK(d.stats().recompiles == 0);
  }
}

TEST_CASE("a new input size recompiles once, then one dynamic entry serves further sizes and equals eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    // Sizes flow into attributes: a view by the batch size, a narrow to all but the last row.
    auto f = [](const Tensor& x) {
      const Tensor h = x.relu() * 2 - x.sum({-1}, true);
      return h.view({x.size(0), 2, -1}).sum({1}).narrow(0, 0, x.size(0) - 1);
    };
    auto d = differential(f, backend);
    uint64_t seed = 1;
    for (int64_t batch : {4, 4, 7, 7, 9, 12, 5}) {
      CAPTURE(batch);
      d.call([batch](uint64_t s) { return std::tuple{Inputs(s).randn({batch, 6})}; }, seed++);
    }
    CHECK(d.stats().recompiles == 1);
    CHECK(d.stats().entries == 2);
    CHECK(d.stats().cache_hits == 5);
  }
}

TEST_CASE("an MLP compiled with ember::compile(module) equals its forward for every batch size") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    manual_seed(0);
    Mlp model(8, 16, 4);
    auto d = differential_module(model, backend);
    uint64_t seed = 1;
    for (int64_t batch : {5, 5, 5, 8, 8, 3}) d.call([batch](uint64_t s) { return std::tuple{Inputs(s).randn({batch, 8})}; }, seed++);
    CHECK(d.stats().cache_hits == 4);
    CHECK(d.stats().recompiles == 1);
  }
}

TEST_CASE("an MLP compiled through a lambda that captures the module equals eager and sees in-place parameter updates") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    manual_seed(1);
    Mlp model(6, 10, 3);
    auto d = differential([model](const Tensor& x) { return model->forward(x).log_softmax(-1); }, backend);
    auto make = [](uint64_t s) { return std::tuple{Inputs(s).randn({4, 6})}; };
    d.call(make, 1);
    d.call(make, 2);
    {
      // What an optimizer step does: parameters change in place, so the compiled entry keeps serving.
      NoGradGuard no_grad;
      for (Tensor p : model->parameters()) p.mul_(0.5).add_(0.125);
    }
    d.call(make, 3);
    d.call(make, 4);
    CHECK(d.stats().cache_hits == 3);
    CHECK(d.stats().entries == 1);
  }
}

TEST_CASE("softmax, log_softmax and layer_norm written by hand equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& w, const Tensor& b) {
      return std::tuple{softmax_by_hand(x), log_softmax_by_hand(x), layer_norm_by_hand(x, w, b)};
    };
    auto d = differential(f, backend);
    uint64_t seed = 1;
    for (std::vector<int64_t> shape : std::vector<std::vector<int64_t>>{{4, 10}, {4, 10}, {6, 10}, {9, 10}, {2, 3, 10}}) {
      CAPTURE(shape_str(shape));
      d.call(
          [shape](uint64_t s) {
            Inputs in(s);
            return std::tuple{in.randn(shape) * 4, in.randn({10}), in.randn({10})};
          },
          seed++);
    }
    CHECK(d.stats().cache_hits >= 2);
  }
}

TEST_CASE("library softmax, log_softmax and layer_norm equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& w, const Tensor& b) {
      return std::tuple{x.softmax(-1), x.log_softmax(0), x.softmax(1, kDouble), layer_norm(x, {x.size(-1)}, w, b),
                        layer_norm(x, {x.size(-2), x.size(-1)})};
    };
    auto d = differential(f, backend);
    uint64_t seed = 1;
    for (int64_t rows : {3, 3, 5, 7}) {
      d.call(
          [rows](uint64_t s) {
            Inputs in(s);
            return std::tuple{in.randn({rows, 8}), in.randn({8}), in.randn({8})};
          },
          seed++);
    }
    CHECK(d.stats().cache_hits >= 1);
  }
}

TEST_CASE("chains of views equal eager, and results that are views of an input share its memory as in eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      return std::vector<Tensor>{x.transpose(0, 1).reshape({3, 8}),
                                 x.view({2, 12}).slice(1, 1, std::nullopt, 3),
                                 x.select(1, -1).unsqueeze(0).expand({3, -1}),
                                 x.t().contiguous().view({-1}),
                                 x.slice(0, 1, 3).permute({1, 0}).unsqueeze(2).squeeze(2),
                                 x.unsqueeze(1).expand({4, 2, 6}).sum({1}),
                                 x.flatten().narrow(0, 2, 5) * 3};
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call([](uint64_t s) { return std::tuple{Inputs(s).randn({4, 6})}; }, seed);
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("views of a non-contiguous input equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      return std::vector<Tensor>{x.reshape({-1}), x.transpose(0, 1) + 1, x.select(1, 2).unsqueeze(-1) * x.slice(1, 0, 1)};
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t s) { return std::tuple{Inputs(s).randn({6, 5}).t().slice(1, 0, std::nullopt, 2)}; };
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call(make, seed);
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("in-place ops on intermediates equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& z) {
      Tensor y = x * 2;
      y.add_(z);
      y.relu_();
      y.mul_(0.5);
      y.sub_(z.sum({0}, true), 2);
      Tensor w = y.sum({0});
      w.neg_();
      return std::tuple{y, w};
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t s) {
      Inputs in(s);
      return std::tuple{in.randn({5, 4}), in.randn({4})};
    };
    for (uint64_t seed = 1; seed <= 4; ++seed) d.call(make, seed);
    CHECK(d.stats().cache_hits == 3);
  }
}

TEST_CASE("in-place ops on views of intermediates write through to the base as in eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      Tensor y = x.clone();
      y.select(0, 1).mul_(3);
      y.slice(1, 0, std::nullopt, 2).add_(1);
      Tensor v = y.t();
      v.relu_();
      Tensor u = y.view({-1});
      u.slice(0, 0, 3).zero_();
      Tensor row = y.select(0, 0);
      y.add_(10);  // after the view was taken: row must see this write
      return std::tuple{y, v, u.sum(), row * 1};
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 4; ++seed) d.call([](uint64_t s) { return std::tuple{Inputs(s).randn({3, 4})}; }, seed);
    CHECK(d.stats().cache_hits == 3);
  }
}

TEST_CASE("in-place ops on inputs and on views of inputs update the caller's tensors exactly as eager does") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& y) {
      Tensor a = x;
      a.add_(y);
      x.select(0, 0).mul_(2);
      y.slice(0, 0, std::nullopt, 2).relu_();
      return x * y;
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t s) {
      Inputs in(s);
      return std::tuple{in.randn({4, 3}), in.randn({4, 3})};
    };
    for (uint64_t seed = 1; seed <= 4; ++seed) d.call(make, seed);
    // A transposed (non-contiguous) input: a new entry, written through its strides.
    auto make_transposed = [](uint64_t s) {
      Inputs in(s);
      return std::tuple{in.randn({3, 4}).t(), in.randn({4, 3})};
    };
    for (uint64_t seed = 5; seed <= 7; ++seed) d.call(make_transposed, seed);
    CHECK(d.stats().entries == 2);
    CHECK(d.stats().cache_hits == 5);
  }
}

TEST_CASE("broadcasting across ranks and size-1 dims equals eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& a, const Tensor& b, const Tensor& c, const Tensor& s) {
      return std::vector<Tensor>{a + b, (a * c).sum({0}), maximum(a, b), where(a > b, a, c), a - s, (b / c).amax({-1}),
                                 c.unsqueeze(0) * s};
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t seed) {
      Inputs in(seed);
      return std::tuple{in.randn({3, 1, 5}), in.randn({4, 1}), in.randn({5}), in.randn({})};
    };
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call(make, seed);
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("mixed dtypes promote as in eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& f32, const Tensor& f64, const Tensor& i64, const Tensor& b) {
      return std::vector<Tensor>{f32 + f64,         i64 * f32,          i64 / (i64.abs() + 1), b + i64,
                                 f32 * 3,           i64 * 2.5,          (i64 > 0).logical_and(b), f32.to(kDouble) + i64,
                                 b.sum(),           i64.sum({0}),       where(b, f32, f64),   i64 - b.to(kLong)};
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t seed) {
      Inputs in(seed);
      return std::tuple{in.randn({6}), in.randn({6}, kDouble), in.randint(-5, 6, {6}), in.bools({6})};
    };
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call(make, seed);
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("integer and bool tensors compute exactly as in eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& a, const Tensor& b, const Tensor& m) {
      const Tensor nonzero_b = b.abs() + 1;
      return std::vector<Tensor>{a * b - a,
                                 a.floor_divide(nonzero_b),
                                 a.remainder(nonzero_b),
                                 a.bitwise_and(b) ^ a,
                                 m.logical_or(a > b),
                                 m.logical_not().sum({1}),
                                 where(m, a, b).amax({0}),
                                 a.clamp(Scalar(-2), Scalar(2)),
                                 (a == b).to(kLong).cumsum(1)};
    };
    auto d = differential(f, backend);
    auto make = [](uint64_t seed) {
      Inputs in(seed);
      return std::tuple{in.randint(-9, 10, {3, 4}), in.randint(-9, 10, {3, 4}), in.bools({3, 4})};
    };
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call(make, seed);
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("a scalar argument is guarded by value: another value recompiles and equals eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, double alpha, int64_t k, bool flag) { return flag ? x * alpha + k : (x - k) / alpha; };
    auto d = differential(f, backend);
    auto with = [](double alpha, int64_t k, bool flag) {
      return [=](uint64_t s) { return std::tuple{Inputs(s).randn({3}), alpha, k, flag}; };
    };
    d.call(with(2.0, 3, true), 1);
    d.call(with(2.0, 3, true), 2);
    CHECK(d.stats().cache_hits == 1);
    d.call(with(2.5, 3, true), 3);  // a new alpha
    CHECK(d.stats().recompiles == 1);
    d.call(with(2.0, 3, true), 4);  // the first entry again
    CHECK(d.stats().cache_hits == 2);
    d.call(with(2.0, 4, true), 5);  // a new k
    d.call(with(2.0, 3, false), 6);  // the other branch
    d.call(with(2.0, 3, false), 7);
    CHECK(d.stats().recompiles == 3);
    CHECK(d.stats().cache_hits == 3);
    REQUIRE(d.stats().recompile_reasons.size() == 3);
    CHECK(test::contains(d.stats().recompile_reasons[0], "scalar"));
  }
}

TEST_CASE("std::vector<Tensor> arguments and vector results equal eager; another list length recompiles") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const std::vector<Tensor>& xs, const Tensor& y) {
      std::vector<Tensor> out;
      Tensor acc = y;
      for (const Tensor& x : xs) {
        acc = acc * x + 1;
        out.push_back(acc);
      }
      out.push_back(cat(xs, 0));
      return out;
    };
    auto d = differential(f, backend);
    auto with = [](size_t n) {
      return [n](uint64_t s) {
        Inputs in(s);
        std::vector<Tensor> xs;
        for (size_t i = 0; i < n; ++i) xs.push_back(in.randn({2, 3}));
        return std::tuple{xs, in.randn({3})};
      };
    };
    d.call(with(3), 1);
    d.call(with(3), 2);
    d.call(with(4), 3);
    d.call(with(4), 4);
    d.call(with(3), 5);
    CHECK(d.stats().recompiles == 1);
    CHECK(d.stats().cache_hits == 3);
  }
}

TEST_CASE("tuple and pair results equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto pair_fn = [](const Tensor& x) { return std::pair<Tensor, Tensor>{x.sin(), x.cos()}; };
    auto tuple_fn = [](const Tensor& x) {
      auto [values, indices] = x.max(1);
      return std::tuple<Tensor, Tensor, Tensor>{values, indices, std::get<1>(x.sort(0))};
    };
    auto p = differential(pair_fn, backend);
    auto t = differential(tuple_fn, backend);
    auto make = [](uint64_t s) { return std::tuple{Inputs(s).randn({4, 5})}; };
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      p.call(make, seed);
      t.call(make, seed);
    }
    CHECK(p.stats().cache_hits == 2);
    CHECK(t.stats().cache_hits == 2);
  }
}

TEST_CASE("a function that returns an input returns that very tensor, written in place where the function writes it") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& y) {
      Tensor z = y;
      z.mul_(2);
      return std::tuple<Tensor, Tensor, Tensor>{x, x + y, y};
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      auto args = std::tuple{Tensor(), Tensor()};
      d.call(
          [&args](uint64_t s) {
            Inputs in(s);
            args = std::tuple{in.randn({3}), in.randn({3})};
            return args;
          },
          seed);
      // `args` holds the compiled side's arguments (make runs for eager first, then for compiled).
      REQUIRE(d.last_results().size() == 3);
      CHECK(d.last_results()[0].is_same(std::get<0>(args)));
      CHECK(d.last_results()[2].is_same(std::get<1>(args)));
    }
    CHECK(d.stats().cache_hits == 2);
  }
}

TEST_CASE("a branch on item() follows the data on every call") {
  // Needs the data-read notification from item(): until then the branch traced first is replayed.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      if (x.sum().item<float>() > 0) return x * 2;
      return x - 1;
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      const double sign = seed % 2 == 0 ? 1.0 : -1.0;
      d.call([sign](uint64_t s) { return std::tuple{Inputs(s).randn({5}).abs() * sign}; }, seed);
    }
    CHECK(d.stats().graph_breaks >= 1);
  }
}

TEST_CASE("dynamic=true compiles one entry that serves every size of 2 or more") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    CompileOptions options;
    options.dynamic = true;
    auto f = [](const Tensor& x, const Tensor& y) { return (x.matmul(y) + y.sum({0})).softmax(-1); };
    auto d = differential(f, backend, options);
    uint64_t seed = 1;
    for (int64_t n : {3, 5, 8, 2, 13}) {
      CAPTURE(n);
      d.call(
          [n](uint64_t s) {
            Inputs in(s);
            return std::tuple{in.randn({n, 4}), in.randn({4, 6})};
          },
          seed++);
    }
    CHECK(d.stats().entries == 1);
    CHECK(d.stats().cache_hits == 4);
  }
}

TEST_CASE("calls past the recompile limit run eagerly and still equal eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    CompileOptions options;
    options.recompile_limit = 2;
    auto f = [](const Tensor& x, double scale) { return (x * scale).tanh(); };
    auto d = differential(f, backend, options);
    uint64_t seed = 1;
    for (double scale : {1.0, 2.0, 3.0, 4.0, 1.0, 3.0}) {
      CAPTURE(scale);
      d.call([scale](uint64_t s) { return std::tuple{Inputs(s).randn({5}), scale}; }, seed++);
    }
    CHECK(d.stats().entries == 2);
    CHECK(d.stats().eager_fallbacks == 3);
    CHECK(d.stats().cache_hits == 1);
  }
}

TEST_CASE("a call with grad mode off recompiles and returns results that do not require grad, as eager does") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& w) { return (x * w).sum({0}); };
    auto d = differential(f, backend);
    auto make = [](uint64_t s) {
      Inputs in(s);
      return std::tuple{in.randn({3, 2}), in.randn({2}).requires_grad_()};
    };
    d.call(make, 1);
    CHECK(d.last_results()[0].requires_grad());
    {
      NoGradGuard no_grad;
      d.call(make, 2);
      CHECK_FALSE(d.last_results()[0].requires_grad());
      d.call(make, 3);
    }
    d.call(make, 4);
    CHECK(d.last_results()[0].requires_grad());
    CHECK(d.stats().recompiles == 1);
    CHECK(d.stats().cache_hits == 2);
    REQUIRE(d.stats().recompile_reasons.size() == 1);
    CHECK(test::contains(d.stats().recompile_reasons[0], "grad mode"));
  }
}

TEST_CASE("a jit::opaque call between traced ops breaks the graph and runs on every replayed call") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    static int opaque_runs = 0;
    static const auto shift = jit::opaque(
        [](const Tensor& t) {
          ++opaque_runs;
          return t - t.mean();
        },
        "shift");
    auto f = [](const Tensor& x) {
      Tensor h = x.exp();
      h.mul_(2);
      Tensor g = shift(h);
      g.add_(h);  // a segment after the break writes what the segment before it made
      return std::tuple{g.relu(), h};
    };
    opaque_runs = 0;
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 4; ++seed) d.call([](uint64_t s) { return std::tuple{Inputs(s).randn({2, 3})}; }, seed);
    CHECK(opaque_runs == 8);  // once per eager call and once per compiled call
    CHECK(d.stats().graph_breaks == 1);
    CHECK(d.stats().cache_hits == 3);
    CHECK(d.stats().user_code_runs == 0);
  }
}

TEST_CASE("an op whose output size depends on the data breaks the graph, and sizes taken from it follow the data") {
  // masked_select and nonzero are data_dependent: they break the graph, and the function's code runs on every call,
  // so a size read from their result is never a stale constant.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      const Tensor positive = x.masked_select(x > 0);
      const Tensor where_positive = (x > 0).nonzero();
      return std::tuple{positive * double(positive.size(0)), where_positive.sum({0})};
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 6; ++seed) d.call([](uint64_t s) { return std::tuple{Inputs(s).randn({9})}; }, seed);
    CHECK(d.stats().graph_breaks >= 1);
  }
}

TEST_CASE("one tensor passed as two arguments, then two different views of one storage, equal eager") {
  // The trace gives one tensor passed twice a single slot, but the guard only checks that the two arguments share
  // storage: two views at different offsets pass it, and the replay reads the second view for both.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& a, const Tensor& b) { return a + b * 10; };
    auto d = differential(f, backend);
    d.call(
        [](uint64_t s) {
          const Tensor x = Inputs(s).randn({4});
          return std::tuple{x, x};
        },
        1);
    d.call(
        [](uint64_t s) {
          const Tensor base = Inputs(s).randn({5});
          return std::tuple{base.slice(0, 0, 4), base.slice(0, 1, 5)};
        },
        2);
  }
}

TEST_CASE("a BatchNorm module in eval mode reads its running statistics (buffers) as eager does") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    nn::BatchNorm1d bn(4);
    {
      NoGradGuard no_grad;
      Inputs in(99);
      bn->running_mean.copy_(in.randn({4}));
      bn->running_var.copy_(in.randn({4}).abs() + 0.5);
      bn->weight.copy_(in.randn({4}));
      bn->bias.copy_(in.randn({4}));
    }
    bn->eval();
    auto d = differential_module(bn, backend);
    auto make = [](uint64_t s) { return std::tuple{Inputs(s).randn({6, 4})}; };
    d.call(make, 1);
    d.call(make, 2);
    {
      NoGradGuard no_grad;
      bn->running_mean.add_(1.5);  // buffers are read by identity on every call
    }
    d.call(make, 3);
    CHECK(d.stats().cache_hits == 2);
    CHECK(d.stats().entries == 1);
  }
}

TEST_CASE("a BatchNorm module in training mode updates its running statistics on every compiled call as eager does") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    nn::BatchNorm1d eager_bn(3), compiled_bn(3);
    auto compiled = ember::compile(compiled_bn, with_backend(backend));
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      CAPTURE(seed);
      const Tensor x = Inputs(seed).randn({5, 3}) * 2 + 1;
      const Tensor expected = eager_bn->forward(x);
      const Tensor actual = compiled(x.clone());
      const Agreement exact = is_exact(backend);
      CHECK_MESSAGE(!difference(actual, expected, exact), difference(actual, expected, exact).value_or(""));
      for (const char* name : {"running_mean", "running_var", "num_batches_tracked"}) {
        CAPTURE(name);
        const auto e = difference(compiled_bn->named_buffers()[name], eager_bn->named_buffers()[name], exact);
        CHECK_MESSAGE(!e, e.value_or(""));
      }
    }
    CHECK(compiled.stats().cache_hits == 3);
  }
}

TEST_CASE("switching a module between train and eval runs the mode it is in") {
  // The module's training flag is not guarded: the entry traced in training keeps serving in eval.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    nn::BatchNorm1d eager_bn(3), compiled_bn(3);
    auto compiled = ember::compile(compiled_bn, with_backend(backend));
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      CAPTURE(seed);
      if (seed == 3) {
        eager_bn->eval();
        compiled_bn->eval();
      }
      const Tensor x = Inputs(seed).randn({5, 3}) * 2 + 1;
      const Tensor expected = eager_bn->forward(x);
      const auto problem = difference(compiled(x), expected, is_exact(backend));
      CHECK_MESSAGE(!problem, problem.value_or(""));
      const auto stats = difference(compiled_bn->running_mean, eager_bn->running_mean, is_exact(backend));
      CHECK_MESSAGE(!stats, "running_mean: ", stats.value_or(""));
    }
  }
}

TEST_CASE("gradients through a compiled function's output equal eager's on every replayed call") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x, const Tensor& w, const Tensor& b) {
      const Tensor h = (x.matmul(w) + b).tanh();
      return std::tuple{(h * h).mean(), h.transpose(0, 1).sum({1})};
    };
    auto compiled = ember::compile(f, with_backend(backend));
    for (uint64_t seed = 1; seed <= 4; ++seed) {
      CAPTURE(seed);
      std::vector<std::vector<Tensor>> grads;
      for (int side = 0; side < 2; ++side) {
        Inputs in(seed);
        const Tensor x = in.randn({4, 3}).requires_grad_();
        const Tensor w = in.randn({3, 5}).requires_grad_();
        const Tensor b = in.randn({5});  // does not require grad
        auto [loss, rows] = side == 0 ? f(x, w, b) : compiled(x, w, b);
        CHECK(loss.requires_grad());
        (loss + (rows * rows).sum()).backward();
        grads.push_back({x.grad(), w.grad()});
        CHECK_FALSE(b.grad().defined());
      }
      for (size_t i = 0; i < 2; ++i) {
        const auto problem = difference(grads[1][i], grads[0][i], is_exact(backend));
        CHECK_MESSAGE(!problem, "grad ", i, ": ", problem.value_or(""));
      }
    }
    CHECK(compiled.stats().cache_hits == 3);
  }
}

TEST_CASE("gradients reach module parameters through a compiled forward as through eager") {
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    manual_seed(3);
    Mlp model(5, 7, 2);
    auto compiled = ember::compile(model, with_backend(backend));
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      CAPTURE(seed);
      const Tensor x = Inputs(seed).randn({6, 5});
      const Tensor target = Inputs(seed + 100).randn({6, 2});
      std::vector<std::vector<Tensor>> grads;
      for (int side = 0; side < 2; ++side) {
        model->zero_grad();
        const Tensor out = side == 0 ? model->forward(x) : compiled(x);
        ((out - target) * (out - target)).mean().backward();
        std::vector<Tensor> g;
        for (const Tensor& p : model->parameters()) g.push_back(p.grad().clone());
        grads.push_back(g);
      }
      REQUIRE(grads[0].size() == 4);
      for (size_t i = 0; i < grads[0].size(); ++i) {
        const auto problem = difference(grads[1][i], grads[0][i], is_exact(backend));
        CHECK_MESSAGE(!problem, "parameter ", i, ": ", problem.value_or(""));
      }
      {
        NoGradGuard no_grad;  // an SGD step between calls
        for (Tensor p : model->parameters()) p.sub_(p.grad() * 0.1);
      }
    }
    CHECK(compiled.stats().cache_hits == 2);
  }
}

TEST_CASE("ops under a NoGradGuard inside a compiled function stay out of the autograd graph on replay") {
  // Grad mode changes inside the traced function are not recorded: replays record autograd for them.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      Tensor scale;
      {
        NoGradGuard no_grad;
        scale = x * 2;
      }
      return scale * x;
    };
    auto compiled = ember::compile(f, with_backend(backend));
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      CAPTURE(seed);
      const Tensor x1 = Inputs(seed).randn({4}).requires_grad_();
      const Tensor x2 = Inputs(seed).randn({4}).requires_grad_();
      f(x1).sum().backward();
      compiled(x2).sum().backward();
      const auto problem = difference(x2.grad(), x1.grad(), is_exact(backend));
      CHECK_MESSAGE(!problem, problem.value_or(""));
    }
  }
}

TEST_CASE("a branch on a dynamic size follows the size on every call") {
  // A dynamic entry is traced at the hint and at a large sentinel size; a comparison of the size with a constant
  // that both traces answer alike is not guarded, so a smaller size replays the wrong branch.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) { return x.size(0) > 8 ? x * 2 : x * 3; };
    auto d = differential(f, backend);
    uint64_t seed = 1;
    for (int64_t n : {10, 12, 14, 5}) {
      CAPTURE(n);
      d.call([n](uint64_t s) { return std::tuple{Inputs(s).randn({n, 3})}; }, seed++);
    }
  }
}

TEST_CASE("a size computed from one dynamic dim follows that dim, whatever the other dims' sizes") {
  // Dynamic attributes are fitted from two traces (hints and sentinel sizes). Once both dims are dynamic (the third
  // call), the sentinels are 97 and 101; with the same sentinel - hint difference (97 - 6 = 101 - 10),
  // y.size(1) - 1 = 9 fits s0 + 3 as well as s1 - 1, and the first symbol wins: at [7, 8] the slice ends at 10.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& y) { return y.slice(1, 0, y.size(1) - 1); };
    auto d = differential(f, backend);
    uint64_t seed = 1;
    for (std::vector<int64_t> shape : std::vector<std::vector<int64_t>>{{5, 9}, {6, 9}, {6, 10}, {7, 8}}) {
      CAPTURE(shape_str(shape));
      d.call([shape](uint64_t s) { return std::tuple{Inputs(s).randn(shape)}; }, seed++);
    }
  }
}

TEST_CASE("a tensor a factory makes inside the function is a new tensor on every call") {
  // Needs factories to go through dispatch: until then zeros_like's result is lifted as a constant, and every call
  // writes into it and returns it again.
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    auto f = [](const Tensor& x) {
      Tensor acc = zeros_like(x);
      acc.add_(x);
      return acc;
    };
    auto d = differential(f, backend);
    for (uint64_t seed = 1; seed <= 3; ++seed) d.call([](uint64_t s) { return std::tuple{Inputs(s).randn({4})}; }, seed);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Random op graphs: a program is data (inputs, op records, results) that one interpreter runs eagerly and compiled
// ---------------------------------------------------------------------------------------------------------------

namespace {
namespace fuzz {

enum class Op : uint8_t {
  // unary pointwise
  Neg, Exp, Tanh, Relu, Sigmoid, Abs, SqrtAbs, Log1pAbs, Sin, Floor, LogicalNot,
  // binary, broadcasting
  Add, AddAlpha, Sub, Mul, Div, Maximum, Minimum, WhereGreater, WhereMask, Equal, Less,
  // with a scalar; AddArgument and MulArgument use the compiled function's scalar argument
  AddScalar, MulScalar, ScalarMinus, DivScalar, ClampScalar, GreaterScalar, AddArgument, MulArgument,
  // reductions
  Sum, SumAll, Mean, Amax, Amin,
  // views and copies; sizes come from the operand's sizes at run time, as user code computes them
  Transpose, Permute, MergeReshape, MergeView, FlattenAll, Flatten, Unflatten, Slice, Select, Narrow, Unsqueeze,
  Squeeze, Expand, ExpandNew, BroadcastTo, Contiguous, Clone,
  // linear algebra
  Matmul, MatmulTransposed,
  // dtype conversion
  Cast,
  // graph breaks: an output shape that depends on the data, a jit::opaque call
  MaskedSelect, Opaque,
  // in place, on the operand itself (no new pool entry)
  AddInPlace, SubInPlace, MulInPlace, MulScalarInPlace, ReluInPlace, NegInPlace, SigmoidInPlace, ClampInPlace,
  CopyInPlace, FillInPlace, AddArgumentInPlace,
};

const char* op_name(Op op) {
  static const char* const names[] = {
      "neg", "exp", "tanh", "relu", "sigmoid", "abs", "sqrt_abs", "log1p_abs", "sin", "floor", "logical_not",
      "add", "add_alpha", "sub", "mul", "div", "maximum", "minimum", "where_greater", "where_mask", "eq", "lt",
      "add_scalar", "mul_scalar", "scalar_minus", "div_scalar", "clamp_scalar", "gt_scalar", "add_argument",
      "mul_argument", "sum", "sum_all", "mean", "amax", "amin", "transpose", "permute", "merge_reshape", "merge_view",
      "flatten_all", "flatten", "unflatten", "slice", "select", "narrow", "unsqueeze", "squeeze", "expand",
      "expand_new", "broadcast_to", "contiguous", "clone", "matmul", "matmul_transposed", "cast", "masked_select", "opaque", "add_", "sub_",
      "mul_", "mul_scalar_", "relu_", "neg_", "sigmoid_", "clamp_", "copy_", "fill_", "add_argument_"};
  return names[size_t(op)];
}

bool is_in_place(Op op) { return op >= Op::AddInPlace; }

struct Record {
  Op op = Op::Neg;
  int a = -1, b = -1, c = -1;  // operands: positions in the pool of live tensors
  int64_t i0 = 0, i1 = 0, i2 = 0;
  std::vector<int64_t> dims;
  double scalar = 0;
  bool integer_scalar = false;
  bool flag = false;  // keepdim; for slice, end at -1
  ScalarType dtype = kFloat;

  Scalar scalar_value() const { return integer_scalar ? Scalar(int64_t(scalar)) : Scalar(scalar); }
  std::string str(int out) const {
    std::string s = is_in_place(op) ? fmt::format("t{}.{}(", a, op_name(op)) : fmt::format("t{} = {}(t{}", out, op_name(op), a);
    auto arg = [&](const std::string& text) {
      if (s.back() != '(') s += ", ";
      s += text;
    };
    if (b >= 0) arg(fmt::format("t{}", b));
    if (c >= 0) arg(fmt::format("t{}", c));
    arg(fmt::format("i=({}, {}, {})", i0, i1, i2));
    if (!dims.empty()) arg(fmt::format("dims=[{}]", fmt::join(dims, ", ")));
    arg(fmt::format("scalar={}{}", scalar, integer_scalar ? " (int)" : ""));
    arg(fmt::format("flag={}", flag));
    if (op == Op::Cast) arg(to_string(dtype));
    return s + ")";
  }
};

enum class Layout : uint8_t { Contiguous, Transposed, Stepped, Offset, Expanded };
const char* layout_name(Layout l) {
  static const char* const names[] = {"contiguous", "transposed", "every other element", "offset", "expanded"};
  return names[size_t(l)];
}

// A dim is one of the program's size symbols (its value differs between size variants) or a fixed size.
struct Dim {
  int symbol = -1;
  int64_t size = 1;
};

struct InputSpec {
  std::vector<Dim> dims;
  ScalarType dtype = kFloat;
  Layout layout = Layout::Contiguous;
  int64_t layout_dim = 0;
  int same_as = -1;  // >= 0: this argument is that earlier argument, passed again
};

struct Program {
  std::vector<InputSpec> inputs;
  std::vector<std::vector<int64_t>> variants;  // the symbols' values per size variant; variant 0 built the program
  std::vector<Record> ops;
  std::vector<int> outputs;
  double scalar = 1;        // the scalar argument's value
  double other_scalar = 2;  // another value, which must recompile
  bool requires_grad = false;  // floating inputs require grad; the results' sum is differentiated
  bool dynamic = false;        // compiled with dynamic=true (every dim dynamic from the first call)

  std::string str() const {
    std::string s = "inputs:\n";
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].same_as >= 0) {
        s += fmt::format("  t{}: t{} again\n", i, inputs[i].same_as);
        continue;
      }
      std::vector<std::string> dims;
      for (const Dim& d : inputs[i].dims) dims.push_back(d.symbol >= 0 ? fmt::format("s{}", d.symbol) : std::to_string(d.size));
      s += fmt::format("  t{}: {} [{}] {} (dim {})\n", i, to_string(inputs[i].dtype), fmt::join(dims, ", "),
                       layout_name(inputs[i].layout), inputs[i].layout_dim);
    }
    for (size_t v = 0; v < variants.size(); ++v) s += fmt::format("size variant {}: s = [{}]\n", v, fmt::join(variants[v], ", "));
    s += fmt::format("scalar argument: {} (then {}); inputs require grad: {}; dynamic=true: {}\n", scalar,
                     other_scalar, requires_grad, dynamic);
    int next = int(inputs.size());
    for (const Record& r : ops) {
      s += "  " + r.str(next) + "\n";
      if (!is_in_place(r.op)) ++next;
    }
    std::vector<std::string> outs;
    for (int o : outputs) outs.push_back(fmt::format("t{}", o));
    return s + fmt::format("  return ({})\n", fmt::join(outs, ", "));
  }
};

std::vector<int64_t> input_sizes(const InputSpec& in, const std::vector<int64_t>& symbols) {
  std::vector<int64_t> sizes;
  for (const Dim& d : in.dims) sizes.push_back(d.symbol >= 0 ? symbols[size_t(d.symbol)] : d.size);
  return sizes;
}

Tensor make_input(const InputSpec& in, const std::vector<int64_t>& symbols, Generator& generator) {
  const std::vector<int64_t> sizes = input_sizes(in, symbols);
  std::vector<int64_t> base = sizes;
  const size_t d = size_t(in.layout_dim);
  switch (in.layout) {
    case Layout::Contiguous: break;
    case Layout::Transposed: std::swap(base[base.size() - 2], base[base.size() - 1]); break;
    case Layout::Stepped: base[d] *= 2; break;
    case Layout::Offset: base[0] += 1; break;
    case Layout::Expanded: base[d] = 1; break;
  }
  Tensor t;
  if (in.dtype == kFloat || in.dtype == kDouble) t = randn(base, generator, TensorOptions(in.dtype));
  else if (in.dtype == kLong) t = randint(-4, 5, base, generator, TensorOptions(kLong));
  else t = randint(0, 2, base, generator, TensorOptions(kLong)).to(kBool);
  switch (in.layout) {
    case Layout::Contiguous: return t;
    case Layout::Transposed: return t.transpose(-2, -1);
    case Layout::Stepped: return t.slice(int64_t(d), 0, std::nullopt, 2);
    case Layout::Offset: return t.slice(0, 1);
    case Layout::Expanded: return t.expand(sizes);
  }
  return t;
}

std::vector<Tensor> make_inputs(const Program& p, size_t variant, uint64_t seed) {
  Generator generator(seed);
  std::vector<Tensor> out;
  for (const InputSpec& in : p.inputs) {
    if (in.same_as >= 0) {
      out.push_back(out[size_t(in.same_as)]);
      continue;
    }
    Tensor t = make_input(in, p.variants[variant], generator);
    if (p.requires_grad && t.is_floating_point()) t = t.detach().requires_grad_();
    out.push_back(t);
  }
  return out;
}

// Runs one record; in-place records return their (written) operand.
Tensor apply(const Record& r, std::vector<Tensor>& pool, double argument) {
  Tensor& x = pool[size_t(r.a)];
  auto y = [&]() -> const Tensor& { return pool[size_t(r.b)]; };
  const Scalar k = r.scalar_value();
  auto merged_sizes = [&]() {
    std::vector<int64_t> sizes;
    for (int64_t d = 0; d < x.dim(); ++d) {
      if (d == r.i0 + 1) continue;
      sizes.push_back(d == r.i0 ? x.size(d) * x.size(d + 1) : x.size(d));
    }
    return sizes;
  };
  switch (r.op) {
    case Op::Neg: return x.neg();
    case Op::Exp: return x.exp();
    case Op::Tanh: return x.tanh();
    case Op::Relu: return x.relu();
    case Op::Sigmoid: return x.sigmoid();
    case Op::Abs: return x.abs();
    case Op::SqrtAbs: return x.abs().sqrt();
    case Op::Log1pAbs: return x.abs().log1p();
    case Op::Sin: return x.sin();
    case Op::Floor: return x.floor();
    case Op::LogicalNot: return x.logical_not();
    case Op::Add: return x + y();
    case Op::AddAlpha: return x.add(y(), k);
    case Op::Sub: return x - y();
    case Op::Mul: return x * y();
    case Op::Div: return x / y();
    case Op::Maximum: return maximum(x, y());
    case Op::Minimum: return minimum(x, y());
    case Op::WhereGreater: return where(x > y(), x, y());
    case Op::WhereMask: return where(pool[size_t(r.c)], x, y());
    case Op::Equal: return x == y();
    case Op::Less: return x < y();
    case Op::AddScalar: return x + k;
    case Op::MulScalar: return x * k;
    case Op::ScalarMinus: return k - x;
    case Op::DivScalar: return x / k;
    case Op::ClampScalar: return x.clamp(Scalar(-std::abs(r.scalar)), Scalar(std::abs(r.scalar)));
    case Op::GreaterScalar: return x > k;
    case Op::AddArgument: return x + argument;
    case Op::MulArgument: return x * argument;
    case Op::Sum: return x.sum(r.dims, r.flag);
    case Op::SumAll: return x.sum();
    case Op::Mean: return x.mean(r.dims, r.flag);
    case Op::Amax: return x.amax(r.dims, r.flag);
    case Op::Amin: return x.amin(r.dims, r.flag);
    case Op::Transpose: return x.transpose(r.i0, r.i1);
    case Op::Permute: return x.permute(r.dims);
    case Op::MergeReshape: return x.reshape(merged_sizes());
    case Op::MergeView: return x.view(merged_sizes());
    case Op::FlattenAll: return x.reshape({-1});
    case Op::Flatten: return x.flatten(r.i0, r.i1);
    case Op::Unflatten: return x.unflatten(r.i0, {r.i1, -1});
    case Op::Slice: return x.slice(r.i0, r.i1, r.flag ? std::optional<int64_t>(-1) : std::nullopt, r.i2);
    case Op::Select: return x.select(r.i0, r.i1);
    case Op::Narrow: return x.narrow(r.i0, r.i1, x.size(r.i0) - r.i1);
    case Op::Unsqueeze: return x.unsqueeze(r.i0);
    case Op::Squeeze: return x.squeeze(r.i0);
    case Op::Expand: {
      std::vector<int64_t> sizes(size_t(x.dim()), -1);
      sizes[size_t(r.i0)] = r.i1;
      return x.expand(sizes);
    }
    case Op::ExpandNew: {
      std::vector<int64_t> sizes(size_t(x.dim() + 1), -1);
      sizes[0] = r.i1;
      return x.unsqueeze(0).expand(sizes);
    }
    case Op::BroadcastTo: return x.broadcast_to(broadcast_shapes(x.sizes(), y().sizes()));
    case Op::Contiguous: return x.contiguous();
    case Op::Clone: return x.clone();
    case Op::Matmul: return x.matmul(y());
    case Op::MatmulTransposed: return x.dim() == 1 ? x.matmul(x) : x.matmul(x.transpose(-1, -2));
    case Op::Cast:
      // Out-of-range floats converted to integers are undefined behaviour in C++: bound them first.
      if (x.is_floating_point() && r.dtype == kLong)
        return x.nan_to_num(0.0, 1e6, -1e6).clamp(Scalar(-1e6), Scalar(1e6)).to(r.dtype);
      return x.to(r.dtype);
    case Op::MaskedSelect: return x.dtype() == kBool ? x.masked_select(x) : x.masked_select(x > 0);
    case Op::Opaque: {
      static const auto twice_minus_one = jit::opaque([](const Tensor& t) { return t * 2 - 1; }, "twice_minus_one");
      return twice_minus_one(x);
    }
    case Op::AddInPlace: return x.add_(y());
    case Op::SubInPlace: return x.sub_(y());
    case Op::MulInPlace: return x.mul_(y());
    case Op::MulScalarInPlace: return x.mul_(k);
    case Op::ReluInPlace: return x.relu_();
    case Op::NegInPlace: return x.neg_();
    case Op::SigmoidInPlace: return x.sigmoid_();
    case Op::ClampInPlace: return x.clamp_(Scalar(-std::abs(r.scalar)), Scalar(std::abs(r.scalar)));
    case Op::CopyInPlace: return x.copy_(y());
    case Op::FillInPlace: return x.fill_(k);
    case Op::AddArgumentInPlace: return x.add_(argument);
  }
  return x;
}

std::vector<Tensor> run(const Program& p, const std::vector<Tensor>& inputs, double argument) {
  std::vector<Tensor> pool(inputs.begin(), inputs.end());
  for (const Record& r : p.ops) {
    Tensor out = apply(r, pool, argument);
    if (!is_in_place(r.op)) pool.push_back(std::move(out));
  }
  std::vector<Tensor> results;
  for (int o : p.outputs) results.push_back(pool[size_t(o)]);
  return results;
}

// ---- generation ----

struct Random {
  explicit Random(uint64_t seed) : engine(seed) {}
  int64_t uniform(int64_t low, int64_t high) { return std::uniform_int_distribution<int64_t>(low, high)(engine); }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(engine) < p; }
  template <typename T>
  T pick(std::initializer_list<T> items) {
    return *(items.begin() + uniform(0, int64_t(items.size()) - 1));
  }
  // An index drawn with the given weights.
  size_t weighted(std::initializer_list<int> weights) {
    int total = 0;
    for (int w : weights) total += w;
    int r = int(uniform(0, total - 1));
    size_t i = 0;
    for (int w : weights) {
      if (r < w) return i;
      r -= w;
      ++i;
    }
    return i - 1;
  }
  std::mt19937_64 engine;
};

// Sizes include 1 and odd lengths, and now and then 0.
int64_t random_size(Random& rng) {
  const size_t k = rng.weighted({3, 10, 14, 14, 12, 10, 8, 6});
  return int64_t(k);  // 0 .. 7
}

bool broadcastable(IntArrayRef a, IntArrayRef b) {
  for (size_t i = 1; i <= std::min(a.size(), b.size()); ++i) {
    const int64_t x = a[a.size() - i], y = b[b.size() - i];
    if (x != y && x != 1 && y != 1) return false;
  }
  return true;
}

// Writing into `t` in place is well defined: no two elements share memory.
bool writable(const Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.stride(d) == 0 && t.size(d) > 1) return false;
  return true;
}

// Recent tensors more often, so that programs grow chains rather than fans.
int pick_operand(Random& rng, const std::vector<Tensor>& pool) {
  const int n = int(pool.size());
  if (n > 3 && rng.chance(0.55)) return int(rng.uniform(n - 3, n - 1));
  return int(rng.uniform(0, n - 1));
}

// An operand that broadcasts with pool[a] (and, for in-place ops, to exactly pool[a]'s sizes); -1 when none.
int pick_partner(Random& rng, const std::vector<Tensor>& pool, int a, bool into_a) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int b = pick_operand(rng, pool);
    const Tensor& x = pool[size_t(a)];
    const Tensor& y = pool[size_t(b)];
    if (!broadcastable(x.sizes(), y.sizes())) continue;
    if (into_a) {
      if (b == a || y.is_alias_of(x) || y.dim() > x.dim()) continue;
      if (broadcast_shapes(x.sizes(), y.sizes()).vec() != x.sizes().vec()) continue;
      if (!can_cast(result_type(x, y), x.dtype())) continue;
    }
    return b;
  }
  return -1;
}

std::optional<Record> propose(Random& rng, const std::vector<Tensor>& pool) {
  Record r;
  r.a = pick_operand(rng, pool);
  const Tensor& x = pool[size_t(r.a)];
  const int64_t rank = x.dim();
  r.scalar = rng.pick({2.0, -1.0, 0.5, 3.25, -2.5});
  r.integer_scalar = r.scalar == std::floor(r.scalar) && rng.chance(0.5);
  auto random_dim = [&]() { return rng.uniform(0, rank - 1); };
  switch (rng.weighted({16, 18, 12, 10, 24, 4, 5, 11, 3})) {
    case 0:  // unary
      r.op = rng.pick({Op::Neg, Op::Exp, Op::Tanh, Op::Relu, Op::Sigmoid, Op::Abs, Op::SqrtAbs, Op::Log1pAbs, Op::Sin,
                       Op::Floor, Op::LogicalNot});
      return r;
    case 1: {  // binary
      r.op = rng.pick({Op::Add, Op::AddAlpha, Op::Sub, Op::Mul, Op::Div, Op::Maximum, Op::Minimum, Op::WhereGreater,
                       Op::WhereMask, Op::Equal, Op::Less});
      r.b = rng.chance(0.1) ? r.a : pick_partner(rng, pool, r.a, false);
      if (r.b < 0) return std::nullopt;
      if (r.op == Op::WhereMask) {
        for (int attempt = 0; attempt < 8 && r.c < 0; ++attempt) {
          const int c = pick_operand(rng, pool);
          if (pool[size_t(c)].dtype() == kBool && broadcastable(pool[size_t(c)].sizes(), broadcast_shapes(x.sizes(), pool[size_t(r.b)].sizes())))
            r.c = c;
        }
        if (r.c < 0) r.op = Op::WhereGreater;
      }
      return r;
    }
    case 2:  // scalar
      r.op = rng.pick({Op::AddScalar, Op::MulScalar, Op::ScalarMinus, Op::DivScalar, Op::ClampScalar,
                       Op::GreaterScalar, Op::AddArgument, Op::MulArgument});
      return r;
    case 3:  // reduction
      if (rank == 0) {
        r.op = Op::SumAll;
        return r;
      }
      r.op = rng.pick({Op::Sum, Op::Mean, Op::Amax, Op::Amin, Op::SumAll});
      r.dims.push_back(random_dim());
      if (rank > 1 && rng.chance(0.4)) {
        const int64_t d = random_dim();
        if (d != r.dims[0]) r.dims.push_back(d);
      }
      r.flag = rng.chance(0.5);
      return r;
    case 4: {  // view or copy
      std::vector<Op> ops = {Op::Unsqueeze, Op::ExpandNew, Op::FlattenAll, Op::Contiguous, Op::Clone, Op::BroadcastTo};
      if (rank >= 1) ops.insert(ops.end(), {Op::Flatten, Op::Unflatten, Op::Slice, Op::Slice, Op::Select, Op::Narrow,
                                            Op::Squeeze, Op::Expand});
      if (rank >= 2) ops.insert(ops.end(), {Op::Transpose, Op::Transpose, Op::Permute, Op::MergeReshape, Op::MergeView});
      r.op = ops[size_t(rng.uniform(0, int64_t(ops.size()) - 1))];
      switch (r.op) {
        case Op::Unsqueeze: r.i0 = rng.uniform(0, rank); break;
        case Op::ExpandNew: r.i1 = rng.uniform(1, 3); break;
        case Op::BroadcastTo:
          r.b = pick_partner(rng, pool, r.a, false);
          if (r.b < 0 || broadcast_shapes(x.sizes(), pool[size_t(r.b)].sizes()).vec() == x.sizes().vec())
            return std::nullopt;
          break;
        case Op::Flatten:
          r.i0 = random_dim();
          r.i1 = rng.uniform(r.i0, rank - 1);
          break;
        case Op::Unflatten: {
          r.i0 = random_dim();
          const int64_t n = x.size(r.i0);
          if (n == 0) return std::nullopt;
          r.i1 = n % 2 == 0 ? 2 : n % 3 == 0 ? 3 : 1;
          break;
        }
        case Op::Slice:
          r.i0 = random_dim();
          r.i1 = rng.uniform(0, 1);
          r.i2 = rng.uniform(1, 3);
          r.flag = rng.chance(0.3);
          break;
        case Op::Select:
          r.i0 = random_dim();
          if (x.size(r.i0) == 0) return std::nullopt;
          r.i1 = rng.pick<int64_t>({0, -1});
          break;
        case Op::Narrow:
          r.i0 = random_dim();
          r.i1 = std::min<int64_t>(rng.uniform(0, 1), x.size(r.i0));
          break;
        case Op::Squeeze: {
          r.i0 = random_dim();
          for (int64_t d = 0; d < rank; ++d)
            if (x.size(d) == 1 && rng.chance(0.7)) r.i0 = d;
          break;
        }
        case Op::Expand: {
          std::vector<int64_t> ones;
          for (int64_t d = 0; d < rank; ++d)
            if (x.size(d) == 1) ones.push_back(d);
          if (ones.empty()) return std::nullopt;
          r.i0 = ones[size_t(rng.uniform(0, int64_t(ones.size()) - 1))];
          r.i1 = rng.uniform(2, 3);
          break;
        }
        case Op::Transpose:
          r.i0 = random_dim();
          r.i1 = random_dim();
          break;
        case Op::Permute:
          for (int64_t d = 0; d < rank; ++d) r.dims.push_back(d);
          std::shuffle(r.dims.begin(), r.dims.end(), rng.engine);
          break;
        case Op::MergeReshape:
        case Op::MergeView: r.i0 = rng.uniform(0, rank - 2); break;
        default: break;
      }
      return r;
    }
    case 5:  // matmul
      if (rank == 0 || x.dtype() == kBool) return std::nullopt;
      if (rng.chance(0.5)) {
        r.op = Op::MatmulTransposed;
        return r;
      }
      r.op = Op::Matmul;
      for (int attempt = 0; attempt < 8 && r.b < 0; ++attempt) {
        const int b = pick_operand(rng, pool);
        const Tensor& y = pool[size_t(b)];
        if (y.dim() == 0 || y.dtype() != x.dtype()) continue;
        if (x.size(-1) == (y.dim() == 1 ? y.size(0) : y.size(-2))) r.b = b;
      }
      if (r.b < 0) return std::nullopt;
      return r;
    case 6:  // cast
      r.op = Op::Cast;
      r.dtype = rng.pick({kFloat, kDouble, kLong, kBool});
      if (r.dtype == x.dtype()) return std::nullopt;
      return r;
    case 8:  // graph break
      r.op = rng.pick({Op::MaskedSelect, Op::Opaque});
      // A masked_select that does not break the graph bakes its traced size into later ops (see the test of
      // data-dependent output sizes): generate it only once the registry marks it data-dependent.
      if (r.op == Op::MaskedSelect && !OpRegistry::instance().find("masked_select")->data_dependent) r.op = Op::Opaque;
      return r;
    default: {  // in place: on an intermediate, a view of one, or an input
      if (!writable(x)) return std::nullopt;
      const bool floating = x.is_floating_point();
      r.op = rng.pick({Op::AddInPlace, Op::SubInPlace, Op::MulInPlace, Op::MulScalarInPlace, Op::ReluInPlace,
                       Op::NegInPlace, Op::SigmoidInPlace, Op::ClampInPlace, Op::CopyInPlace, Op::FillInPlace,
                       Op::AddArgumentInPlace});
      switch (r.op) {
        case Op::AddInPlace:
        case Op::SubInPlace:
        case Op::MulInPlace:
        case Op::CopyInPlace:
          r.b = pick_partner(rng, pool, r.a, true);
          if (r.b < 0) return std::nullopt;
          // Converting floats to integers is only defined in range: copy_ into integers from integers only.
          if (r.op == Op::CopyInPlace && !floating && pool[size_t(r.b)].is_floating_point()) return std::nullopt;
          break;
        case Op::MulScalarInPlace:
        case Op::FillInPlace:
          if (!floating) r.integer_scalar = true;
          if (x.dtype() == kBool) return std::nullopt;
          if (!can_cast(r.scalar_value().type(), x.dtype())) return std::nullopt;
          break;
        case Op::SigmoidInPlace:
        case Op::AddArgumentInPlace:
          if (!floating) return std::nullopt;
          break;
        default:
          if (x.dtype() == kBool) return std::nullopt;
          break;
      }
      return r;
    }
  }
}

Program generate(uint64_t seed) {
  Random rng(seed);
  Program p;
  const int symbols = 2;
  p.variants.emplace_back();
  for (int s = 0; s < symbols; ++s) p.variants[0].push_back(std::max<int64_t>(random_size(rng), 1));
  for (int v = 1; v < 3; ++v) {
    p.variants.push_back(p.variants[0]);
    for (int s = 0; s < symbols; ++s)
      if (rng.chance(0.7)) p.variants[size_t(v)][size_t(s)] = random_size(rng);
  }
  const int64_t input_count = rng.uniform(1, 3);
  for (int64_t i = 0; i < input_count; ++i) {
    InputSpec in;
    if (i > 0 && rng.chance(0.1)) {  // the same tensor passed twice
      int source = int(rng.uniform(0, i - 1));
      while (p.inputs[size_t(source)].same_as >= 0) source = p.inputs[size_t(source)].same_as;
      in = p.inputs[size_t(source)];
      in.same_as = source;
      p.inputs.push_back(in);
      continue;
    }
    const int64_t rank = int64_t(rng.weighted({8, 22, 35, 25, 10}));
    for (int64_t d = 0; d < rank; ++d) {
      Dim dim;
      if (rng.chance(0.5)) dim.symbol = int(rng.uniform(0, symbols - 1));
      else dim.size = rng.pick<int64_t>({1, 1, 2, 3, 5});
      in.dims.push_back(dim);
    }
    in.dtype = std::vector<ScalarType>{kFloat, kDouble, kLong, kBool}[rng.weighted({60, 15, 15, 10})];
    const size_t layout = rng.weighted({60, 12, 12, 8, 8});
    in.layout = rank >= 2 ? Layout(layout) : rank == 1 && layout != 1 ? Layout(layout) : Layout::Contiguous;
    in.layout_dim = rank > 0 ? rng.uniform(0, rank - 1) : 0;
    p.inputs.push_back(in);
  }
  p.scalar = rng.pick({0.5, -1.5, 2.0, 3.0});
  p.other_scalar = p.scalar == 0.5 ? -0.75 : 0.5;
  p.requires_grad = rng.chance(0.3);
  p.dynamic = rng.chance(0.25);

  // Generation runs the program as it grows, on variant-0 inputs, to know each tensor's sizes and dtype.
  std::vector<Tensor> pool = make_inputs(p, 0, seed);
  const int64_t length = rng.uniform(2, 20);
  for (int attempt = 0; int64_t(p.ops.size()) < length && attempt < length * 8; ++attempt) {
    std::optional<Record> r = propose(rng, pool);
    if (!r) continue;
    try {
      Tensor out = apply(*r, pool, p.scalar);
      if (!is_in_place(r->op)) pool.push_back(out);
      p.ops.push_back(*r);
    } catch (const Error&) {
      // Not valid for these operands (dtype, shape): propose another.
    }
  }
  const int last = int(pool.size()) - 1;
  p.outputs.push_back(last);
  for (int64_t k = rng.uniform(0, 2); k > 0; --k) {
    const int o = int(rng.uniform(0, last));
    if (std::find(p.outputs.begin(), p.outputs.end(), o) == p.outputs.end()) p.outputs.push_back(o);
  }
  return p;
}

// ---- checking one program ----

// What the random programs exercised, so that a change to the generator cannot quietly make them trivial.
struct Coverage {
  int64_t programs = 0, ops = 0, calls = 0, eager_raised = 0, replays = 0, dynamic_entries = 0, graph_breaks = 0,
          backward = 0, in_place = 0;
  std::string str() const {
    return fmt::format("{} programs, {} ops ({} in place), {} calls ({} replayed, {} raising on both sides), {} dynamic "
                       "entries, {} graph breaks, {} calls with backward",
                       programs, ops, in_place, calls, replays, eager_raised, dynamic_entries, graph_breaks, backward);
  }
};

std::string describe_error(const std::exception& e) { return e.what(); }

// The entries' dynamic dims and the attributes that follow them, for failure messages.
std::string describe_entries(const jit::detail::CompiledCore& core) {
  std::string s;
  for (size_t e = 0; e < core.entries().size(); ++e) {
    const jit::Program& program = core.entries()[e]->program;
    std::vector<std::string> sources;
    for (const auto& [arg, dim] : program.symbol_sources) sources.push_back(fmt::format("t{}.size({})", arg, dim));
    s += fmt::format("entry {}: symbols [{}]\n", e + 1, fmt::join(sources, ", "));
    for (const jit::Segment& segment : program.segments)
      for (const auto& node : segment.graph.nodes()) {
        if (node->symbolic_attrs.empty()) continue;
        std::vector<std::string> attrs;
        for (const jit::SymbolicAttr& a : node->symbolic_attrs)
          attrs.push_back(fmt::format("attr {}[{}] = {}{} * s{} + {}", a.attr, a.element,
                                      a.form == jit::SymbolicAttr::Form::Reciprocal ? "1 / " : "", a.coefficient,
                                      a.symbol, a.offset));
        s += fmt::format("  {} ({}): {}\n", node->name, node->op->name, fmt::join(attrs, "; "));
      }
  }
  return s;
}

// Calls the program eagerly and compiled (fresh inputs from `seed`) and compares; nullopt when they agree.
template <typename Compiled>
std::optional<std::string> compare_once(const Program& p, Compiled& compiled, size_t variant, double argument,
                                        uint64_t seed, Agreement exact, History& history, bool& eager_raised,
                                        Coverage& coverage) {
  ++coverage.calls;
  std::vector<Tensor> eager_inputs = make_inputs(p, variant, seed);
  std::vector<Tensor> compiled_inputs = make_inputs(p, variant, seed);
  std::vector<Tensor> expected, actual;
  std::optional<std::string> eager_error, compiled_error;
  try {
    expected = run(p, eager_inputs, argument);
  } catch (const Error& e) {
    eager_error = e.what();
  }
  try {
    actual = compiled(compiled_inputs, argument);
  } catch (const Error& e) {
    compiled_error = e.what();
  } catch (const std::exception& e) {
    return fmt::format("compiled raised a non-ember exception: {}", e.what());
  }
  eager_raised = eager_error.has_value();
  coverage.eager_raised += eager_raised ? 1 : 0;
  if (eager_error && !compiled_error) return fmt::format("eager raised but compiled returned; eager: {}", *eager_error);
  if (compiled_error && !eager_error) return fmt::format("compiled raised but eager returned: {}", *compiled_error);
  if (eager_error) return std::nullopt;
  if (auto problem = compare_call(actual, expected, compiled_inputs, eager_inputs, exact)) return problem;
  if (auto problem = history.check_and_add(actual, expected)) return problem;
  if (!p.requires_grad) return std::nullopt;
  // Backward through the results: the inputs' gradients must agree (or both sides raise).
  auto backward = [](const std::vector<Tensor>& results) -> std::optional<std::string> {
    Tensor loss;
    for (const Tensor& r : results)
      if (r.requires_grad()) loss = loss.defined() ? loss + r.sum() : r.sum();
    if (!loss.defined()) return std::nullopt;
    try {
      loss.backward();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::nullopt;
  };
  if (std::none_of(expected.begin(), expected.end(), [](const Tensor& t) { return t.requires_grad(); }))
    return std::nullopt;
  ++coverage.backward;
  const std::optional<std::string> eager_backward = backward(expected);
  const std::optional<std::string> compiled_backward = backward(actual);
  if (eager_backward.has_value() != compiled_backward.has_value())
    return fmt::format("backward raised on one side only: eager '{}', compiled '{}'", eager_backward.value_or(""),
                       compiled_backward.value_or(""));
  for (size_t j = 0; j < eager_inputs.size(); ++j)
    if (eager_inputs[j].requires_grad())
      if (auto d = difference(compiled_inputs[j].grad(), eager_inputs[j].grad(), exact))
        return fmt::format("gradient of input {}: {}", j, *d);
  return std::nullopt;
}

std::optional<std::string> check_program(const Program& p, const std::string& backend, Coverage& coverage) {
  auto fn = [&p](const std::vector<Tensor>& xs, double argument) { return run(p, xs, argument); };
  CompileOptions options = with_backend(backend);
  if (p.dynamic) options.dynamic = true;
  auto compiled = ember::compile(fn, options);
  ++coverage.programs;
  coverage.ops += int64_t(p.ops.size());
  for (const Record& r : p.ops) coverage.in_place += is_in_place(r.op) ? 1 : 0;
  // Counted however the checks below end.
  struct Count {
    Coverage& coverage;
    decltype(compiled)& fn;
    ~Count() {
      coverage.replays += fn.stats().cache_hits;
      coverage.graph_breaks += fn.stats().graph_breaks;
      for (const auto& entry : fn.core().entries()) coverage.dynamic_entries += entry->program.symbol_sources.empty() ? 0 : 1;
    }
  } count{coverage, compiled};
  const Agreement exact = is_exact(backend);
  History history;
  uint64_t seed = 1000;
  bool raised = false;
  // Three calls at the sizes it was built for: one trace, two replays. (A masked_select's size follows the data,
  // so a later op may raise for some inputs; then both sides raise and no entry is made.)
  bool any_raised = false;
  for (int call = 0; call < 3; ++call) {
    if (auto problem = compare_once(p, compiled, 0, p.scalar, seed++, exact, history, raised, coverage))
      return fmt::format("size variant 0, call {}: {}", call + 1, *problem);
    any_raised = any_raised || raised;
  }
  if (!any_raised && (compiled.stats().entries != 1 || compiled.stats().cache_hits != 2))
    return fmt::format("three calls with inputs of the same shapes should make one entry and two cache hits: {}",
                       compiled.stats().str());
  // Other sizes: a recompile (dims become dynamic), then replays; sizes where eager raises must raise too.
  for (size_t variant = 1; variant < p.variants.size(); ++variant)
    for (int call = 0; call < 2; ++call)
      if (auto problem = compare_once(p, compiled, variant, p.scalar, seed++, exact, history, raised, coverage))
        return fmt::format("size variant {}, call {}: {}\n{}\n{}", variant, call + 1, *problem, compiled.stats().str(),
                           describe_entries(compiled.core()));
  // Another value of the scalar argument must recompile.
  const int64_t recompiles = compiled.stats().recompiles;
  const int64_t entries_before = compiled.stats().entries;  // every earlier call may have raised
  if (auto problem = compare_once(p, compiled, 0, p.other_scalar, seed++, exact, history, raised, coverage))
    return fmt::format("other scalar argument: {}\n{}\n{}", *problem, compiled.stats().str(),
                       describe_entries(compiled.core()));
  if (!raised && entries_before > 0 && compiled.stats().recompiles != recompiles + 1)
    return fmt::format("another scalar argument should recompile: {}", compiled.stats().str());
  return std::nullopt;
}

int64_t env_int(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::strtoll(value, nullptr, 10) : fallback;
}

}  // namespace fuzz
}  // namespace

// EMBER_DIFFTEST_SEED, EMBER_DIFFTEST_GRAPHS and EMBER_DIFFTEST_ONLY (one graph index) reproduce a failure.
TEST_CASE("random op graphs compiled equal eager on traced, replayed, resized and re-specialised calls") {
  const uint64_t base_seed = uint64_t(fuzz::env_int("EMBER_DIFFTEST_SEED", 20240611));
  const int64_t graphs = fuzz::env_int("EMBER_DIFFTEST_GRAPHS", 2000);
  const int64_t only = fuzz::env_int("EMBER_DIFFTEST_ONLY", -1);
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& backend : jit::backend_names()) {
    CAPTURE(backend);
    int failures = 0;
    fuzz::Coverage coverage;
    for (int64_t g = only >= 0 ? only : 0; g < (only >= 0 ? only + 1 : graphs); ++g) {
      const uint64_t seed = base_seed + uint64_t(g);
      const fuzz::Program program = fuzz::generate(seed);
      if (only >= 0) MESSAGE("graph ", g, ":\n", program.str());
      std::optional<std::string> problem;
      try {
        problem = fuzz::check_program(program, backend, coverage);
      } catch (const std::exception& e) {
        problem = fmt::format("raised outside the compared calls: {}", e.what());
      }
      if (!problem) continue;
      // The first few failures in full; the rest only counted.
      if (++failures <= 3)
        FAIL_CHECK("graph ", g, " (EMBER_DIFFTEST_SEED=", base_seed, " EMBER_DIFFTEST_ONLY=", g, "), backend '",
                   backend, "': ", *problem, "\nprogram:\n", program.str());
    }
    CHECK_MESSAGE(failures == 0, failures, " of ", graphs, " random graphs differ from eager on backend '", backend, "'");
    MESSAGE("backend '", backend, "': ", coverage.str());
    if (only < 0) {
      // The generator keeps exercising each path the tests are for.
      CHECK(coverage.replays >= coverage.programs * 3);
      CHECK(coverage.dynamic_entries >= coverage.programs / 5);
      CHECK(coverage.graph_breaks >= coverage.programs / 20);
      CHECK(coverage.backward >= coverage.programs / 5);
      CHECK(coverage.in_place >= coverage.ops / 20);
      CHECK(coverage.eager_raised <= coverage.calls / 10);
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("random graphs took ", seconds, " s");
}
