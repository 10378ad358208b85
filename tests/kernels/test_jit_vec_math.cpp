// Specification of the JIT's vectorised math (jit/cpu/vec_math.h) through jit_unary/jit_binary: accuracy against
// the C++ library in long double on dense sweeps, and special values, on every ISA the CPU has.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

#include "jit/cpu/math_kernels.h"
#include "kernels/error.h"

using namespace ember::jit::cpu;
using ember::ScalarType;
using Real = long double;

namespace {

constexpr std::initializer_list<Isa> kIsas = {Isa::Scalar, Isa::Avx2, Isa::Avx512};
constexpr std::initializer_list<Isa> kFmaIsas = {Isa::Avx2, Isa::Avx512};

Isa cpu_isa() {
  static const Isa isa = detect_isa();
  return isa;
}

bool runnable(Isa isa) {
  if (isa_supported(isa, cpu_isa())) return true;
  MESSAGE("skipping " << isa_name(isa) << ": this CPU supports up to " << isa_name(cpu_isa()));
  return false;
}

template <typename T> constexpr ScalarType kDtype = sizeof(T) == 4 ? ScalarType::Float : ScalarType::Double;
template <typename T> std::string dtype_name() { return sizeof(T) == 4 ? "float32" : "float64"; }

// Exact values (long double), written to avoid cancellation where the function is small.
Real reference(MathFn fn, Real x) {
  const Real inv_sqrt2 = 0.70710678118654752440084436210484903928L;
  switch (fn) {
    case MathFn::Exp: return std::exp(x);
    case MathFn::Log: return std::log(x);
    case MathFn::Tanh: return std::tanh(x);
    case MathFn::Sigmoid: return x >= 0 ? 1 / (1 + std::exp(-x)) : std::exp(x) / (1 + std::exp(x));
    case MathFn::Erf: return std::erf(x);
    case MathFn::Gelu: return 0.5L * x * std::erfc(-x * inv_sqrt2);
    case MathFn::GeluTanh: {
      const Real v = 2 * 0.79788456080286535587989211986876373695L * (x + 0.044715L * x * x * x);
      return v >= 0 ? x / (1 + std::exp(-v)) : x * std::exp(v) / (1 + std::exp(v));
    }
    case MathFn::Sin: return std::sin(x);
    case MathFn::Cos: return std::cos(x);
    case MathFn::Pow: break;
  }
  return NAN;
}

template <typename T>
std::vector<T> run_unary(MathFn fn, Isa isa, const std::vector<T>& in) {
  std::vector<T> out(in.size());
  jit_unary(fn, isa, kDtype<T>)(in.data(), out.data(), int64_t(in.size()));
  return out;
}

template <typename T>
std::vector<T> run_pow(Isa isa, const std::vector<T>& a, const std::vector<T>& b) {
  std::vector<T> out(a.size());
  jit_binary(MathFn::Pow, isa, kDtype<T>)(a.data(), b.data(), out.data(), int64_t(a.size()));
  return out;
}

// |got - want| / |want|, with |want| floored at the smallest normal (subnormal results are judged absolutely);
// infinite or NaN results must match exactly.
template <typename T>
double error(T got, Real want) {
  const T rounded = T(want);
  if (std::isnan(want)) return std::isnan(got) ? 0 : INFINITY;
  if (std::isinf(rounded)) return got == rounded ? 0 : INFINITY;
  if (!std::isfinite(got)) return INFINITY;
  const Real scale = std::max<Real>(std::fabs(want), std::numeric_limits<T>::min());
  return double(std::fabs(Real(got) - want) / scale);
}

// Sweep inputs: `count` points spaced evenly (or geometrically, for positive ends) over [lo, hi].
template <typename T>
void add_linear(std::vector<T>& v, double lo, double hi, int count) {
  for (int i = 0; i < count; ++i) v.push_back(T(lo + (hi - lo) * i / (count - 1)));
}
template <typename T>
void add_geometric(std::vector<T>& v, double lo, double hi, int count, bool both_signs = false) {
  for (int i = 0; i < count; ++i) {
    const T x = T(lo * std::pow(hi / lo, double(i) / (count - 1)));
    v.push_back(x);
    if (both_signs) v.push_back(-x);
  }
}
// The 2*width+1 representable numbers nearest to c.
template <typename T>
void add_around(std::vector<T>& v, double c, int width = 64) {
  T x = T(c);
  for (int i = 0; i < width; ++i) x = std::nextafter(x, -std::numeric_limits<T>::infinity());
  for (int i = 0; i <= 2 * width; ++i, x = std::nextafter(x, std::numeric_limits<T>::infinity())) v.push_back(x);
}

template <typename T>
struct Worst {
  double err = 0;
  T at = 0;
};

template <typename T>
Worst<T> worst_unary(MathFn fn, Isa isa, const std::vector<T>& in, const std::vector<Real>& want) {
  const std::vector<T> out = run_unary(fn, isa, in);
  Worst<T> w;
  for (size_t i = 0; i < in.size(); ++i) {
    const double err = error(out[i], want[i]);
    if (err > w.err || std::isnan(err)) w = {err, in[i]};
  }
  return w;
}

// Asserts the max relative error of `fn` on `in` for every ISA the CPU has, and reports it.
template <typename T>
void check_unary(MathFn fn, const std::vector<T>& in, double tolerance, std::initializer_list<Isa> isas = kIsas) {
  std::vector<Real> want(in.size());
  for (size_t i = 0; i < in.size(); ++i) want[i] = reference(fn, Real(in[i]));
  for (Isa isa : isas) {
    if (!runnable(isa)) continue;
    const Worst<T> w = worst_unary(fn, isa, in, want);
    MESSAGE(math_fn_name(fn) << " " << isa_name(isa) << " " << dtype_name<T>() << ": max rel error " << w.err
                             << " at x = " << double(w.at) << " (" << in.size() << " points)");
    CAPTURE(isa_name(isa));
    CAPTURE(double(w.at));
    CHECK(w.err <= tolerance);
  }
}

// Special inputs: NaN, infinities, zeros (with sign) and huge results must come out exactly as the reference says;
// repeated so that they land in both the vector body and the tail.
template <typename T>
void check_special(MathFn fn, std::vector<T> in, double tolerance) {
  const size_t n = in.size();
  for (int rep = 0; rep < 5; ++rep) in.insert(in.end(), in.begin(), in.begin() + long(n));
  in.push_back(in[0]);
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    const std::vector<T> out = run_unary(fn, isa, in);
    for (size_t i = 0; i < in.size(); ++i) {
      const Real want = reference(fn, Real(in[i]));
      CAPTURE(isa_name(isa));
      CAPTURE(dtype_name<T>());
      CAPTURE(double(in[i]));
      CAPTURE(double(out[i]));
      if (want == 0 || std::isinf(T(want))) {
        CHECK(out[i] == T(want));
        CHECK(std::signbit(out[i]) == std::signbit(want));
      } else {
        CHECK(error(out[i], want) <= tolerance);
      }
    }
  }
}

template <typename T>
std::vector<T> specials() {
  const T inf = std::numeric_limits<T>::infinity();
  return {T(0), -T(0), inf, -inf, std::numeric_limits<T>::quiet_NaN(), -std::numeric_limits<T>::quiet_NaN(),
          std::numeric_limits<T>::denorm_min(), -std::numeric_limits<T>::denorm_min(),
          std::numeric_limits<T>::min() / 3, -std::numeric_limits<T>::min() / 3, std::numeric_limits<T>::min(),
          std::numeric_limits<T>::max(), -std::numeric_limits<T>::max(), T(1), T(-1), T(1e-30), T(-1e-30)};
}

constexpr double kTol32Tight = 4e-6, kTol32Loose = 4e-5, kTol64 = 1e-13;

}  // namespace

TEST_CASE("exp matches std::exp to 4e-6 (float32) and 1e-13 (float64), through overflow and gradual underflow") {
  std::vector<float> f;
  add_linear(f, -104.0, 89.0, 1000000);
  add_geometric(f, 1e-30, 1.0, 20000, true);
  for (double c : {88.7228, -87.3365, -103.279, 0.34657359, -0.34657359, 0.0}) add_around(f, c, 500);
  check_unary(MathFn::Exp, f, kTol32Tight);
  std::vector<double> d;
  add_linear(d, -746.0, 710.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 20000, true);
  for (double c : {709.782712893384, -708.396418532264, -745.133219101941, 0.34657359027997264, 0.0})
    add_around(d, c, 500);
  check_unary(MathFn::Exp, d, kTol64);
}

TEST_CASE("exp special values: exp(+-0) = 1, exp(inf) = inf, exp(-inf) = 0, NaN stays NaN") {
  check_special(MathFn::Exp, specials<float>(), kTol32Tight);
  check_special(MathFn::Exp, specials<double>(), kTol64);
}

TEST_CASE("log matches std::log to 4e-6 (float32) and 1e-13 (float64) on every exponent, subnormals included") {
  std::vector<float> f;
  add_geometric(f, 1e-45, 3.4e38, 1000000);
  add_linear(f, 0.5, 2.0, 200000);
  for (double c : {1.0, 0.70710678118654752, 1.4142135623730950, 1.17549435e-38}) add_around(f, c, 500);
  check_unary(MathFn::Log, f, kTol32Tight);
  std::vector<double> d;
  add_geometric(d, 5e-324, 1.7e308, 1000000);
  add_linear(d, 0.5, 2.0, 200000);
  for (double c : {1.0, 0.70710678118654752, 1.4142135623730950, 2.2250738585072014e-308}) add_around(d, c, 500);
  check_unary(MathFn::Log, d, kTol64);
}

TEST_CASE("log special values: log(+-0) = -inf, log(inf) = inf, log(x < 0) and log(NaN) are NaN") {
  check_special(MathFn::Log, specials<float>(), kTol32Tight);
  check_special(MathFn::Log, specials<double>(), kTol64);
}

TEST_CASE("tanh matches std::tanh to 4e-5 (float32) and 1e-13 (float64), relatively even near 0") {
  std::vector<float> f;
  add_linear(f, -20.0, 20.0, 1000000);
  add_geometric(f, 1e-40, 1.0, 100000, true);
  for (double c : {0.1732868, 9.1, -9.1, 0.0}) add_around(f, c, 500);
  check_unary(MathFn::Tanh, f, kTol32Loose);
  std::vector<double> d;
  add_linear(d, -40.0, 40.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 100000, true);
  for (double c : {0.17328679513998632, 19.1, -19.1, 0.0}) add_around(d, c, 500);
  check_unary(MathFn::Tanh, d, kTol64);
  check_special(MathFn::Tanh, specials<float>(), kTol32Loose);
  check_special(MathFn::Tanh, specials<double>(), kTol64);
}

TEST_CASE("sigmoid matches 1/(1+exp(-x)) to 4e-6 (float32) and 1e-13 (float64), both tails included") {
  std::vector<float> f;
  add_linear(f, -110.0, 110.0, 1000000);
  add_geometric(f, 1e-40, 1.0, 20000, true);
  check_unary(MathFn::Sigmoid, f, kTol32Tight);
  std::vector<double> d;
  add_linear(d, -750.0, 750.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 20000, true);
  check_unary(MathFn::Sigmoid, d, kTol64);
  check_special(MathFn::Sigmoid, specials<float>(), kTol32Tight);
  check_special(MathFn::Sigmoid, specials<double>(), kTol64);
}

TEST_CASE("erf matches std::erf to 4e-5 (float32) and 1e-13 (float64), across the switch to the erfc form") {
  std::vector<float> f;
  add_linear(f, -12.0, 12.0, 1000000);
  add_geometric(f, 1e-40, 1.0, 20000, true);
  for (double c : {0.9, -0.9, 3.92}) add_around(f, c, 500);
  check_unary(MathFn::Erf, f, kTol32Loose);
  std::vector<double> d;
  add_linear(d, -30.0, 30.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 20000, true);
  for (double c : {1.0, -1.0, 5.92}) add_around(d, c, 500);
  check_unary(MathFn::Erf, d, kTol64);
  check_special(MathFn::Erf, specials<float>(), kTol32Loose);
  check_special(MathFn::Erf, specials<double>(), kTol64);
}

TEST_CASE("gelu matches 0.5 x erfc(-x/sqrt2) to 4e-5 (float32) and 1e-13 (float64), left tail included") {
  std::vector<float> f;
  add_linear(f, -16.0, 16.0, 1000000);
  add_geometric(f, 1e-40, 1.0, 20000, true);
  for (double c : {1.2727922, -1.2727922}) add_around(f, c, 500);
  check_unary(MathFn::Gelu, f, kTol32Loose);
  std::vector<double> d;
  add_linear(d, -42.0, 42.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 20000, true);
  for (double c : {1.4142135623730951, -1.4142135623730951}) add_around(d, c, 500);
  check_unary(MathFn::Gelu, d, kTol64);
  // gelu(-inf) = -inf * 0 is NaN, as in PyTorch; the other specials follow the formula.
  check_special(MathFn::Gelu, specials<float>(), kTol32Loose);
  check_special(MathFn::Gelu, specials<double>(), kTol64);
}

TEST_CASE("gelu's tanh approximation matches x sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3)) to 4e-5 and 3e-13") {
  std::vector<float> f;
  add_linear(f, -16.0, 16.0, 1000000);
  add_geometric(f, 1e-40, 1.0, 20000, true);
  check_unary(MathFn::GeluTanh, f, kTol32Loose);
  std::vector<double> d;
  add_linear(d, -25.0, 25.0, 1000000);
  add_geometric(d, 1e-300, 1.0, 20000, true);
  // Below x = -15 (values under 1e-130) the condition number ~ 3|v| reaches 2000: the rounding of v shows.
  check_unary(MathFn::GeluTanh, d, 3e-13);
  check_special(MathFn::GeluTanh, specials<float>(), kTol32Loose);
  check_special(MathFn::GeluTanh, specials<double>(), kTol64);
}

TEST_CASE("sin and cos match std::sin/cos to 4e-6 (float32, |x| <= 1e4) and 1e-13 (float64, |x| <= 1e6)") {
  for (MathFn fn : {MathFn::Sin, MathFn::Cos}) {
    std::vector<float> f;
    add_linear(f, -1e4, 1e4, 1000000);
    add_linear(f, -10.0, 10.0, 200000);
    add_geometric(f, 1e-40, 1.0, 20000, true);
    // Next to the zeros and the quadrant switches: the float nearest k pi/4 and its neighbours.
    for (int k = 1; k < 12732; k += 7) add_around(f, k * 0.78539816339744831, 3);
    check_unary(fn, f, kTol32Tight);
    std::vector<double> d;
    add_linear(d, -1e6, 1e6, 1000000);
    add_linear(d, -10.0, 10.0, 200000);
    add_geometric(d, 1e-300, 1.0, 20000, true);
    for (int k = 1; k < 1273239; k += 101) add_around(d, k * 0.78539816339744831, 3);
    check_unary(fn, d, kTol64);
  }
}

TEST_CASE("sin and cos stay accurate further out: 1e6 (float32) and 1e15 (float64) with FMA, 6e6 for scalar float64") {
  for (MathFn fn : {MathFn::Sin, MathFn::Cos}) {
    std::vector<float> f;
    add_geometric(f, 1e4, 1e6, 300000, true);
    check_unary(fn, f, kTol32Tight, kFmaIsas);
    std::vector<double> d;
    add_geometric(d, 1e6, 1e15, 300000, true);
    check_unary(fn, d, kTol64, kFmaIsas);
    std::vector<double> s;
    add_geometric(s, 1e6, 6e6, 300000, true);
    check_unary(fn, s, kTol64, {Isa::Scalar});
  }
}

TEST_CASE("sin and cos: NaN for inf and NaN, sin(-0) = -0, and finite within [-1, 1] for any finite argument") {
  for (MathFn fn : {MathFn::Sin, MathFn::Cos}) {
    check_special(fn, std::vector<float>{0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1e-45f, -1e-45f, 1e-30f}, kTol32Tight);
    check_special(fn, std::vector<double>{0.0, -0.0, INFINITY, -INFINITY, NAN, 5e-324, -5e-324, 1e-300}, kTol64);
    std::vector<float> f;
    add_geometric(f, 1e4, 3.4e38, 100000, true);
    std::vector<double> d;
    add_geometric(d, 1e6, 1.7e308, 100000, true);
    for (Isa isa : kIsas) {
      if (!runnable(isa)) continue;
      for (float y : run_unary(fn, isa, f)) REQUIRE((std::isfinite(y) && std::fabs(y) <= 1.0f));
      for (double y : run_unary(fn, isa, d)) REQUIRE((std::isfinite(y) && std::fabs(y) <= 1.0));
    }
  }
}

namespace {

template <typename T>
void check_pow(const std::vector<T>& a, const std::vector<T>& b, double tolerance) {
  std::vector<Real> want(a.size());
  for (size_t i = 0; i < a.size(); ++i) want[i] = std::pow(Real(a[i]), Real(b[i]));
  for (Isa isa : kIsas) {
    if (!runnable(isa)) continue;
    const std::vector<T> out = run_pow(isa, a, b);
    double worst = 0;
    size_t at = 0;
    for (size_t i = 0; i < a.size(); ++i) {
      const double err = error(out[i], want[i]);
      if (err > worst || std::isnan(err)) worst = err, at = i;
    }
    MESSAGE("pow " << isa_name(isa) << " " << dtype_name<T>() << ": max rel error " << worst << " at ("
                   << double(a[at]) << ", " << double(b[at]) << ") (" << a.size() << " points)");
    CAPTURE(isa_name(isa));
    CHECK(worst <= tolerance);
  }
}

// Pairs (a, b) covering exponents whose results span the whole finite range, and negative bases with integer b.
template <typename T>
void pow_grid(std::vector<T>& a, std::vector<T>& b, double a_lo, double a_hi, double b_lo, double b_hi, int n) {
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      a.push_back(T(a_lo * std::pow(a_hi / a_lo, double(i) / (n - 1))));
      b.push_back(T(b_lo + (b_hi - b_lo) * j / (n - 1)));
    }
  }
}

}  // namespace

TEST_CASE("pow matches std::pow to 4e-6 (float32) and 1e-13 (float64) over the whole finite range") {
  std::vector<float> fa, fb;
  pow_grid(fa, fb, 1e-10, 1e10, -9.0, 9.0, 700);
  pow_grid(fa, fb, 0.5, 2.0, -200.0, 200.0, 500);
  for (int i = -40; i <= 40; ++i) {
    for (float base : {-0.5f, -1.5f, -3.0f, -1.0f, -7.25f}) fa.push_back(base), fb.push_back(float(i));
  }
  check_pow(fa, fb, kTol32Tight);
  std::vector<double> da, db;
  pow_grid(da, db, 1e-300, 1e300, -2.3, 2.3, 700);
  pow_grid(da, db, 0.5, 2.0, -1500.0, 1500.0, 500);
  for (int i = -300; i <= 300; ++i) {
    for (double base : {-0.5, -1.5, -3.0, -1.0, -7.25}) da.push_back(base), db.push_back(double(i));
  }
  check_pow(da, db, kTol64);
}

TEST_CASE("pow special cases follow std::pow: zeros, infinities, NaN, negative bases, integer exponents") {
  auto check = [](auto zero) {
    using T = decltype(zero);
    const T inf = std::numeric_limits<T>::infinity(), nan = std::numeric_limits<T>::quiet_NaN();
    const std::vector<T> values = {T(0), -T(0), T(1), T(-1), T(2), T(-2), T(0.5), T(-0.5), T(3), T(-3),
                                   T(2.5), T(-2.5), inf, -inf, nan, T(1e-30), T(-7), T(1e30)};
    std::vector<T> a, b;
    for (T x : values) {
      for (T y : values) a.push_back(x), b.push_back(y);
    }
    for (Isa isa : kIsas) {
      if (!runnable(isa)) continue;
      const std::vector<T> out = run_pow(isa, a, b);
      for (size_t i = 0; i < a.size(); ++i) {
        const T want = std::pow(a[i], b[i]);
        CAPTURE(isa_name(isa));
        CAPTURE(dtype_name<T>());
        CAPTURE(double(a[i]));
        CAPTURE(double(b[i]));
        CAPTURE(double(out[i]));
        if (std::isnan(want)) {
          CHECK(std::isnan(out[i]));
        } else if (want == 0 || std::isinf(want) || want == 1) {
          CHECK(out[i] == want);
          CHECK(std::signbit(out[i]) == std::signbit(want));
        } else {
          CHECK(error(out[i], Real(want)) <= (sizeof(T) == 4 ? kTol32Tight : kTol64));
        }
      }
    }
  };
  check(0.0f);
  check(0.0);
}
