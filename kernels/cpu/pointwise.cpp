// Pointwise CPU kernels: one typed loop per operand count, and per op the scalar function it applies.
// Selects between floating point results (x > 0 ? x : x * slope, NaN checks, clamps) vectorise only when the
// compiler may evaluate both arms, which GCC's default -ftrapping-math forbids: CMakeLists.txt compiles this
// file with -fno-trapping-math. Results are unchanged (ember never reads the floating point exception flags).
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <type_traits>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/kernels.h"
#include "kernels/cpu/loops.h"

namespace ember::kernels::cpu {
namespace {

// Half and bfloat16 compute in float; everything else in its own type.
template <typename T>
using OpMath = std::conditional_t<std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>, float, T>;

template <typename T>
inline constexpr bool is_int = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <typename T>
T scalar_as(ScalarArg s) {
  if constexpr (is_float_like<T>) return T(static_cast<OpMath<T>>(s.f));
  else if constexpr (std::is_same_v<T, bool>) return s.f != 0.0;  // 0.5 and NaN are true, as in PyTorch
  else return cast_to<T>(s.i);
}

// ---- the loops ----

// Runs out[i] = f(in...) for N inputs, with contiguous and broadcast-scalar fast paths
// that the compiler vectorises, and a generic strided path.
template <typename Out, typename In, int N, typename F>
struct Inner {
  F f;
  template <typename T>
  static T& at(char* p, int64_t stride, int64_t i) {
    return *reinterpret_cast<T*>(p + i * stride);
  }
  void operator()(char* const* p, const int64_t* s, int64_t n) const {
    // A local copy: stores to `o` could alias the captured parameters of this->f (a float slope, say),
    // which would make the loop reload them and not vectorise.
    const F f = this->f;
    Out* o = reinterpret_cast<Out*>(p[0]);
    const In* a = reinterpret_cast<const In*>(p[1]);
    const bool dense = s[0] == sizeof(Out) && s[1] == sizeof(In);
    if constexpr (N == 1) {
      if (dense) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i) at<Out>(p[0], s[0], i) = f(at<const In>(p[1], s[1], i));
    } else if constexpr (N == 2) {
      const In* b = reinterpret_cast<const In*>(p[2]);
      if (dense && s[2] == sizeof(In)) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
        return;
      }
      if (dense && s[2] == 0) {
        const In bv = *b;
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
        return;
      }
      if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == sizeof(In)) {
        const In av = *a;
        for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        at<Out>(p[0], s[0], i) = f(at<const In>(p[1], s[1], i), at<const In>(p[2], s[2], i));
    } else {
      const In* b = reinterpret_cast<const In*>(p[2]);
      const In* c = reinterpret_cast<const In*>(p[3]);
      if (dense && s[2] == sizeof(In) && s[3] == sizeof(In)) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i], c[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        at<Out>(p[0], s[0], i) =
            f(at<const In>(p[1], s[1], i), at<const In>(p[2], s[2], i), at<const In>(p[3], s[3], i));
    }
  }
};

template <typename Out, typename In, typename F>
void run_unary(const StridedView& out, const StridedView& a, F f) {
  const StridedView* views[] = {&out, &a};
  for_each_elementwise(make_loop_plan(views, 2), Inner<Out, In, 1, F>{f});
}

template <typename Out, typename In, typename F>
void run_binary(const StridedView& out, const StridedView& a, const StridedView& b, F f) {
  const StridedView* views[] = {&out, &a, &b};
  for_each_elementwise(make_loop_plan(views, 3), Inner<Out, In, 2, F>{f});
}

template <typename Out, typename In, typename F>
void run_ternary(const StridedView& out, const StridedView& a, const StridedView& b, const StridedView& c, F f) {
  const StridedView* views[] = {&out, &a, &b, &c};
  for_each_elementwise(make_loop_plan(views, 4), Inner<Out, In, 3, F>{f});
}

// ---- integer arithmetic: modular, never undefined ----

// Unsigned arithmetic of at least 32 bits, so that narrow types do not promote to signed int.
template <typename T>
using Wide = std::conditional_t<sizeof(T) <= 4, uint32_t, uint64_t>;

template <typename T>
T wrap_add(T a, T b) { return T(Wide<T>(a) + Wide<T>(b)); }
template <typename T>
T wrap_sub(T a, T b) { return T(Wide<T>(a) - Wide<T>(b)); }
template <typename T>
T wrap_mul(T a, T b) { return T(Wide<T>(a) * Wide<T>(b)); }

// Integer division without the traps of INT_MIN / -1 (callers reject b == 0).
template <typename T>
T trunc_divide_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return wrap_sub(T(0), a);
  }
  return static_cast<T>(a / b);
}
template <typename T>
T floor_divide_int(T a, T b) {
  T q = trunc_divide_int(a, b);
  if constexpr (std::is_signed_v<T>) {
    if (b != -1 && a % b != 0 && ((a < 0) != (b < 0))) --q;
  }
  return q;
}
// C's % (the sign of a) and Python's % (the sign of b); x % -1 is 0 without the INT_MIN trap.
template <typename T>
T fmod_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return T(0);
  }
  return static_cast<T>(a % b);
}
template <typename T>
T remainder_int(T a, T b) {
  T r = fmod_int(a, b);
  if constexpr (std::is_signed_v<T>) {
    if (r != 0 && ((r < 0) != (b < 0))) r = wrap_add(r, b);
  }
  return r;
}

// Integer powers wrap; a negative exponent gives 1 / base truncated toward zero.
template <typename T>
T pow_int(T base, T exp) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      if (base == 1) return T(1);
      if (base == -1) return (exp & 1) ? T(-1) : T(1);
      return T(0);
    }
  }
  Wide<T> result = 1, b = Wide<T>(base);
  for (auto e = std::make_unsigned_t<T>(exp); e != 0; e >>= 1) {
    if (e & 1) result *= b;
    b *= b;
  }
  return T(result);
}

// Shifts by a negative amount or by the bit width or more: left gives 0, right gives the sign fill.
template <typename T>
T shift_left(T a, T b) {
  constexpr int bits = int(sizeof(T)) * 8;
  if (std::make_signed_t<T>(b) < 0 || int64_t(b) >= bits) return T(0);
  return T(Wide<T>(std::make_unsigned_t<T>(a)) << b);
}
template <typename T>
T shift_right(T a, T b) {
  constexpr int max_shift = int(sizeof(T)) * 8 - (std::is_signed_v<T> ? 1 : 0);
  if (std::make_signed_t<T>(b) < 0 || int64_t(b) >= max_shift) return T(a >> max_shift);
  return T(a >> b);
}

// ---- floating point helpers ----

// Python-style floor division for floats: exact where a / b would round across an integer.
template <typename T>
T floor_divide_float(T a, T b) {
  if (b == 0) return a / b;
  const T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1;
  if (div == 0) return std::copysign(T(0), a / b);
  T floored = std::floor(div);
  if (div - floored > T(0.5)) floored += 1;
  return floored;
}

template <typename M>
M remainder_float(M a, M b) {
  M mod = std::fmod(a, b);
  if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
  return mod;
}

// a + w * (b - a) for small weights and b - (b - a) * (1 - w) otherwise, so that weight 0 gives a and 1 gives
// b exactly; written as one expression over selected operands so that the loop vectorises.
template <typename M>
M lerp_float(M a, M b, M w) {
  const bool small = std::fabs(w) < M(0.5);
  return (small ? a : b) + (b - a) * (small ? w : w - M(1));
}

// Rounding without libm calls, which the baseline x86-64 target cannot vectorise: adding and subtracting
// 2^23 (2^52 for double) rounds half to even in the default rounding mode, and every |x| from there on is
// an integer already. floor, ceil and trunc correct that result and keep x's sign (floor(-0.0) is -0.0).
template <typename M>
M round_even(M x) {
  constexpr M big = M(1) / std::numeric_limits<M>::epsilon();
  const M ax = std::fabs(x);
  const M r = std::copysign((ax + big) - big, x);
  return ax < big ? r : x;
}
template <typename M>
M floor_float(M x) {
  const M r = round_even(x);
  return std::copysign(r - (r > x ? M(1) : M(0)), x);
}
template <typename M>
M ceil_float(M x) {
  const M r = round_even(x);
  return std::copysign(r + (r < x ? M(1) : M(0)), x);
}
template <typename M>
M trunc_float(M x) {
  const M ax = std::fabs(x);
  const M r = round_even(ax);
  return std::copysign(r - (r > ax ? M(1) : M(0)), x);
}

// NaN if either is NaN; otherwise std::max / std::min, which return a on ties.
template <typename M>
M maximum_float(M a, M b) { return a != a ? a : (b != b ? b : (a < b ? b : a)); }
template <typename M>
M minimum_float(M a, M b) { return a != a ? a : (b != b ? b : (b < a ? b : a)); }

// erfinv in double: Giles' single-precision approximation, then Newton steps on erf
// (on erfc in the tails, where erf(x) rounds to 1 and would lose the low bits).
double erfinv_double(double y) {
  if (std::isnan(y) || y < -1 || y > 1) return std::numeric_limits<double>::quiet_NaN();
  if (y == 1 || y == -1) return std::copysign(std::numeric_limits<double>::infinity(), y);
  if (y == 0) return y;
  const double a = std::fabs(y);
  double w = -std::log((1.0 - a) * (1.0 + a)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    for (double c : {3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503, -0.00417768164,
                     0.246640727, 1.50140941})
      p = c + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    for (double c : {0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047,
                     1.00167406, 2.83297682})
      p = c + p * w;
  }
  double x = p * a;
  constexpr double two_over_sqrt_pi = 2.0 * std::numbers::inv_sqrtpi;
  for (int i = 0; i < 8; ++i) {
    const double residual = a <= 0.5 ? std::erf(x) - a : (1.0 - a) - std::erfc(x);
    const double step = residual / (two_over_sqrt_pi * std::exp(-x * x));
    x -= step;
    if (std::fabs(step) <= 1e-17 * x) break;
  }
  return std::copysign(x, y);
}

template <typename M>
M erfinv_float(M y) {
  return M(erfinv_double(double(y)));
}

template <typename M>
M sign_of(M x) { return M((M(0) < x) - (x < M(0))); }

// ---- binary ----

template <typename T>
void binary_typed(BinaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
                  const PointwiseParams& pp) {
  using M = OpMath<T>;
  // T -> M -> T for arithmetic results, T -> bool for predicates.
  auto map = [&](auto g) { run_binary<T, T>(out, a, b, [g](T x, T y) { return T(g(M(x), M(y))); }); };
  auto test = [&](auto g) { run_binary<bool, T>(out, a, b, [g](T x, T y) { return bool(g(M(x), M(y))); }); };
  auto same = [&](auto g) { run_binary<T, T>(out, a, b, g); };
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub: {
      const bool sub = op == BinaryOp::Sub;
      if constexpr (std::is_same_v<T, bool>) {
        if (!sub) same([](T x, T y) { return T(x || y); });
        else break;
      } else if constexpr (is_int<T>) {
        const T alpha = scalar_as<T>(pp.p[0]);
        if (sub) same([alpha](T x, T y) { return wrap_sub(x, wrap_mul(alpha, y)); });
        else same([alpha](T x, T y) { return wrap_add(x, wrap_mul(alpha, y)); });
      } else {
        const M alpha = static_cast<M>(scalar_as<T>(pp.p[0]));
        if (alpha == M(1)) {
          if (sub) map([](M x, M y) { return x - y; });
          else map([](M x, M y) { return x + y; });
        } else {
          if (sub) map([alpha](M x, M y) { return x - alpha * y; });
          else map([alpha](M x, M y) { return x + alpha * y; });
        }
      }
      return;
    }
    case BinaryOp::Mul:
      if constexpr (std::is_same_v<T, bool>) same([](T x, T y) { return T(x && y); });
      else if constexpr (is_int<T>) same([](T x, T y) { return wrap_mul(x, y); });
      else map([](M x, M y) { return x * y; });
      return;
    case BinaryOp::Div:
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
      if constexpr (is_float_like<T>) {
        if (op == BinaryOp::Div) map([](M x, M y) { return x / y; });
        else if (op == BinaryOp::DivTrunc) map([](M x, M y) { return std::trunc(x / y); });
        else map([](M x, M y) { return floor_divide_float(x, y); });
        return;
      } else if constexpr (is_int<T>) {
        if (op == BinaryOp::DivFloor) same([](T x, T y) { return floor_divide_int(x, y); });
        else same([](T x, T y) { return trunc_divide_int(x, y); });
        return;
      }
      break;
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
      if constexpr (is_float_like<T>) {
        if (op == BinaryOp::Remainder) map([](M x, M y) { return remainder_float(x, y); });
        else map([](M x, M y) { return std::fmod(x, y); });
        return;
      } else if constexpr (is_int<T>) {
        if (op == BinaryOp::Remainder) same([](T x, T y) { return remainder_int(x, y); });
        else same([](T x, T y) { return fmod_int(x, y); });
        return;
      }
      break;
    case BinaryOp::Pow:
      if constexpr (is_float_like<T>) map([](M x, M y) { return std::pow(x, y); });
      else if constexpr (is_int<T>) same([](T x, T y) { return pow_int(x, y); });
      else break;
      return;
    case BinaryOp::Atan2:
      if constexpr (is_float_like<T>) {
        map([](M x, M y) { return std::atan2(x, y); });
        return;
      }
      break;
    case BinaryOp::Minimum:
    case BinaryOp::Maximum:
      if constexpr (is_float_like<T>) {
        if (op == BinaryOp::Maximum) map([](M x, M y) { return maximum_float(x, y); });
        else map([](M x, M y) { return minimum_float(x, y); });
      } else {
        if (op == BinaryOp::Maximum) same([](T x, T y) { return x < y ? y : x; });
        else same([](T x, T y) { return y < x ? y : x; });
      }
      return;
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor:
      if constexpr (std::is_integral_v<T>) {
        if (op == BinaryOp::BitwiseAnd) same([](T x, T y) { return T(x & y); });
        else if (op == BinaryOp::BitwiseOr) same([](T x, T y) { return T(x | y); });
        else same([](T x, T y) { return T(x ^ y); });
        return;
      }
      break;
    case BinaryOp::LeftShift:
    case BinaryOp::RightShift:
      if constexpr (is_int<T>) {
        if (op == BinaryOp::LeftShift) same([](T x, T y) { return shift_left(x, y); });
        else same([](T x, T y) { return shift_right(x, y); });
        return;
      }
      break;
    case BinaryOp::Lerp:
      if constexpr (is_float_like<T>) {
        const M w = M(pp.p[0].f);
        map([w](M x, M y) { return lerp_float(x, y, w); });
        return;
      }
      break;
    case BinaryOp::Eq: test([](M x, M y) { return x == y; }); return;
    case BinaryOp::Ne: test([](M x, M y) { return x != y; }); return;
    case BinaryOp::Lt: test([](M x, M y) { return x < y; }); return;
    case BinaryOp::Le: test([](M x, M y) { return x <= y; }); return;
    case BinaryOp::Gt: test([](M x, M y) { return x > y; }); return;
    case BinaryOp::Ge: test([](M x, M y) { return x >= y; }); return;
    case BinaryOp::LogicalAnd: test([](M x, M y) { return x != M(0) && y != M(0); }); return;
    case BinaryOp::LogicalOr: test([](M x, M y) { return x != M(0) || y != M(0); }); return;
    case BinaryOp::LogicalXor: test([](M x, M y) { return (x != M(0)) != (y != M(0)); }); return;
  }
  EMBER_FAIL("[binary kernel] op {} is not defined for dtype {}", int(op), int(a.dtype));
}

// ---- unary ----

// tensor ^ exponent for floats: exponents 0.5, -0.5 and -1 are sqrt, 1/sqrt and 1/x (which differ
// from pow at -0 and -inf), and 2, 3, -2 are products, as PyTorch computes them. float16 has no
// special cases and rounds the exponent to float16 first; bfloat16 rounds it before the products.
template <typename T, typename Map>
void pow_scalar_float(Map map, double e) {
  using M = OpMath<T>;
  if constexpr (std::is_same_v<T, Half>) {
    const float ef = float(Half(float(e)));
    map([ef](M x) { return std::pow(x, ef); });
    return;
  } else {
    if (e == 0.5) return map([](M x) { return std::sqrt(x); });
    if (e == -0.5) return map([](M x) { return M(1) / std::sqrt(x); });
    if (e == -1.0) return map([](M x) { return M(1) / x; });
    const double et = std::is_same_v<T, BFloat16> ? double(float(BFloat16(float(e)))) : e;
    if (et == 2.0) return map([](M x) { return x * x; });
    if (et == 3.0) return map([](M x) { return x * x * x; });
    if (et == -2.0) return map([](M x) { return M(1) / (x * x); });
    if constexpr (std::is_same_v<T, BFloat16>) {
      const float ef = float(et);
      map([ef](M x) { return std::pow(x, ef); });
    } else {
      map([e](M x) { return M(std::pow(double(x), e)); });
    }
  }
}

// round(x * 10^d) / 10^d (or round(x / 10^-d) * 10^-d), rounding to T after each step as T's own
// arithmetic does.
template <typename T, typename Map>
void round_decimals(Map same, int64_t decimals) {
  using M = OpMath<T>;
  const bool negative = decimals < 0;
  const M scale = M(T(M(std::pow(10.0, std::fabs(double(decimals))))));
  if (negative) {
    same([scale](T x) { return T(M(T(round_even(M(T(M(x) / scale))))) * scale); });
  } else {
    same([scale](T x) { return T(M(T(round_even(M(T(M(x) * scale))))) / scale); });
  }
}

template <typename T>
void unary_typed(UnaryOp op, const StridedView& out, const StridedView& a, const PointwiseParams& pp) {
  using M = OpMath<T>;
  auto map = [&](auto g) { run_unary<T, T>(out, a, [g](T x) { return T(g(M(x))); }); };
  auto test = [&](auto g) { run_unary<bool, T>(out, a, [g](T x) { return bool(g(M(x))); }); };
  auto same = [&](auto g) { run_unary<T, T>(out, a, g); };
  // Ops defined for several kinds of dtype.
  switch (op) {
    case UnaryOp::Neg:
      if constexpr (is_int<T>) same([](T x) { return wrap_sub(T(0), x); });
      else if constexpr (is_float_like<T>) map([](M x) { return -x; });
      else break;
      return;
    case UnaryOp::Abs:
      if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) same([](T x) { return x; });
      else if constexpr (is_float_like<T>) map([](M x) { return std::fabs(x); });
      else same([](T x) { return x < 0 ? wrap_sub(T(0), x) : x; });
      return;
    case UnaryOp::Relu:
      if constexpr (is_float_like<T>) map([](M x) { return std::isnan(x) ? x : (x > 0 ? x : M(0)); });
      else same([](T x) { return x > 0 ? x : T(0); });
      return;
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round:
    case UnaryOp::Trunc:
      if constexpr (is_float_like<T>) {
        if (op == UnaryOp::Floor) map([](M x) { return floor_float(x); });
        else if (op == UnaryOp::Ceil) map([](M x) { return ceil_float(x); });
        else if (op == UnaryOp::Round) map([](M x) { return round_even(x); });
        else map([](M x) { return trunc_float(x); });
      } else {
        same([](T x) { return x; });  // integers are already integral
      }
      return;
    case UnaryOp::Sign:
      if constexpr (std::is_same_v<T, bool> || std::is_unsigned_v<T>) same([](T x) { return T(x > 0); });
      else if constexpr (is_int<T>) same([](T x) { return T((T(0) < x) - (x < T(0))); });
      else map([](M x) { return sign_of(x); });
      return;
    case UnaryOp::BitwiseNot:
      if constexpr (std::is_same_v<T, bool>) same([](T x) { return !x; });
      else if constexpr (is_int<T>) same([](T x) { return T(~x); });
      else break;
      return;
    case UnaryOp::PowScalar:
      if constexpr (is_int<T>) {
        const T e = scalar_as<T>(pp.p[0]);
        same([e](T x) { return pow_int(x, e); });
        return;
      } else if constexpr (is_float_like<T>) {
        pow_scalar_float<T>(map, pp.p[0].f);
        return;
      }
      break;
    case UnaryOp::Clamp:
    case UnaryOp::ClampMin:
    case UnaryOp::ClampMax: {
      // Comparisons that leave a NaN x as it is.
      const T lo = scalar_as<T>(pp.p[0]);
      const T hi = scalar_as<T>(op == UnaryOp::Clamp ? pp.p[1] : pp.p[0]);
      if constexpr (is_float_like<T>) {
        const M mlo = M(lo), mhi = M(hi);
        if (op == UnaryOp::ClampMin) map([mlo](M x) { return x < mlo ? mlo : x; });
        else if (op == UnaryOp::ClampMax) map([mhi](M x) { return mhi < x ? mhi : x; });
        else map([mlo, mhi](M x) { const M y = x < mlo ? mlo : x; return mhi < y ? mhi : y; });
      } else {
        if (op == UnaryOp::ClampMin) same([lo](T x) { return x < lo ? lo : x; });
        else if (op == UnaryOp::ClampMax) same([hi](T x) { return hi < x ? hi : x; });
        else same([lo, hi](T x) { const T y = x < lo ? lo : x; return hi < y ? hi : y; });
      }
      return;
    }
    case UnaryOp::NanToNum:
      if constexpr (is_float_like<T>) {
        const T nan = scalar_as<T>(pp.p[0]), posinf = scalar_as<T>(pp.p[1]), neginf = scalar_as<T>(pp.p[2]);
        same([nan, posinf, neginf](T x) {
          const M v = M(x);
          return v != v ? nan : (v == std::numeric_limits<M>::infinity() ? posinf
                                 : v == -std::numeric_limits<M>::infinity() ? neginf : x);
        });
      } else {
        same([](T x) { return x; });
      }
      return;
    case UnaryOp::IsNan:
      if constexpr (is_float_like<T>) test([](M x) { return x != x; });
      else run_unary<bool, T>(out, a, [](T) { return false; });
      return;
    case UnaryOp::IsInf:
      if constexpr (is_float_like<T>) test([](M x) { return std::fabs(x) == std::numeric_limits<M>::infinity(); });
      else run_unary<bool, T>(out, a, [](T) { return false; });
      return;
    case UnaryOp::IsFinite:
      if constexpr (is_float_like<T>) test([](M x) { return std::isfinite(x); });
      else run_unary<bool, T>(out, a, [](T) { return true; });
      return;
    case UnaryOp::LogicalNot:
      test([](M x) { return x == M(0); });
      return;
    default:
      break;
  }
  if constexpr (is_float_like<T>) {
    const M p0 = M(pp.p[0].f), p1 = M(pp.p[1].f), p2 = M(pp.p[2].f);
    switch (op) {
      case UnaryOp::Exp: map([](M x) { return std::exp(x); }); return;
      case UnaryOp::Log: map([](M x) { return std::log(x); }); return;
      case UnaryOp::Sqrt: map([](M x) { return std::sqrt(x); }); return;
      case UnaryOp::Tanh: map([](M x) { return std::tanh(x); }); return;
      case UnaryOp::Sigmoid: map([](M x) { return M(1) / (M(1) + std::exp(-x)); }); return;
      case UnaryOp::Reciprocal: map([](M x) { return M(1) / x; }); return;
      case UnaryOp::Rsqrt: map([](M x) { return M(1) / std::sqrt(x); }); return;
      case UnaryOp::Exp2: map([](M x) { return std::exp2(x); }); return;
      case UnaryOp::Expm1: map([](M x) { return std::expm1(x); }); return;
      case UnaryOp::Log2: map([](M x) { return std::log2(x); }); return;
      case UnaryOp::Log10: map([](M x) { return std::log10(x); }); return;
      case UnaryOp::Log1p: map([](M x) { return std::log1p(x); }); return;
      case UnaryOp::Sin: map([](M x) { return std::sin(x); }); return;
      case UnaryOp::Cos: map([](M x) { return std::cos(x); }); return;
      case UnaryOp::Tan: map([](M x) { return std::tan(x); }); return;
      case UnaryOp::Asin: map([](M x) { return std::asin(x); }); return;
      case UnaryOp::Acos: map([](M x) { return std::acos(x); }); return;
      case UnaryOp::Atan: map([](M x) { return std::atan(x); }); return;
      case UnaryOp::Sinh: map([](M x) { return std::sinh(x); }); return;
      case UnaryOp::Cosh: map([](M x) { return std::cosh(x); }); return;
      case UnaryOp::Erf: map([](M x) { return std::erf(x); }); return;
      case UnaryOp::Erfc: map([](M x) { return std::erfc(x); }); return;
      case UnaryOp::Erfinv: map([](M x) { return erfinv_float(x); }); return;
      case UnaryOp::Frac: map([](M x) { return x - trunc_float(x); }); return;
      case UnaryOp::RoundDecimals: round_decimals<T>(same, pp.p[0].i); return;
      case UnaryOp::LeakyRelu:
        // x * (1 or slope): the same values as x > 0 ? x : x * slope, in a form that vectorises.
        map([p0](M x) { return x * (x > M(0) ? M(1) : p0); });
        return;
      case UnaryOp::Elu: {
        // exp(x) - 1 rather than expm1, as PyTorch computes it (elu(-0.0) is +0.0).
        const M negative_coef = p0 * p1, positive_coef = p1, input_scale = p2;
        map([=](M x) { return x <= M(0) ? (std::exp(x * input_scale) - M(1)) * negative_coef : x * positive_coef; });
        return;
      }
      case UnaryOp::Gelu: {
        constexpr M inv_sqrt2 = M(std::numbers::sqrt2 / 2);
        map([](M x) { return x * M(0.5) * (M(1) + std::erf(x * inv_sqrt2)); });
        return;
      }
      case UnaryOp::GeluTanh: {
        constexpr M sqrt_2_over_pi = M(std::numbers::sqrt2 * std::numbers::inv_sqrtpi);
        constexpr M kappa = M(0.044715);
        map([](M x) { return M(0.5) * x * (M(1) + std::tanh(sqrt_2_over_pi * (x + kappa * x * x * x))); });
        return;
      }
      case UnaryOp::Silu: map([](M x) { return x / (M(1) + std::exp(-x)); }); return;
      case UnaryOp::Mish: map([](M x) { return x * std::tanh(std::log1p(std::exp(x))); }); return;
      case UnaryOp::Softplus:
        map([p0, p1](M x) { return x * p0 > p1 ? x : std::log1p(std::exp(x * p0)) / p0; });
        return;
      case UnaryOp::Hardsigmoid:
        map([](M x) {
          M y = x + M(3);
          y = y < M(0) ? M(0) : y;
          return (M(6) < y ? M(6) : y) / M(6);
        });
        return;
      case UnaryOp::Hardswish:
        map([](M x) {
          M y = x + M(3);
          y = y < M(0) ? M(0) : y;
          return x * (M(6) < y ? M(6) : y) / M(6);
        });
        return;
      case UnaryOp::LogSigmoid:
        // min(x, 0) - log1p(exp(-|x|)): no overflow at either end.
        map([](M x) { return (x < M(0) ? x : M(0)) - std::log1p(std::exp(-std::fabs(x))); });
        return;
      default:
        break;
    }
  }
  EMBER_FAIL("[unary kernel] op {} is not defined for dtype {}", int(op), int(a.dtype));
}

// ---- ternary ----

template <typename T>
void ternary_typed(TernaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
                   const StridedView& c, const PointwiseParams& pp) {
  using M = OpMath<T>;
  auto map = [&](auto g) { run_ternary<T, T>(out, a, b, c, [g](T x, T y, T z) { return T(g(M(x), M(y), M(z))); }); };
  auto same = [&](auto g) { run_ternary<T, T>(out, a, b, c, g); };
  switch (op) {
    case TernaryOp::Lerp:
      if constexpr (is_float_like<T>) {
        map([](M x, M y, M w) { return lerp_float(x, y, w); });
        return;
      }
      break;
    case TernaryOp::Addcmul:
      if constexpr (is_int<T>) {
        const T value = scalar_as<T>(pp.p[0]);
        same([value](T x, T y, T z) { return wrap_add(x, wrap_mul(wrap_mul(value, y), z)); });
        return;
      } else if constexpr (is_float_like<T>) {
        const M value = M(pp.p[0].f);
        map([value](M x, M y, M z) { return x + value * y * z; });
        return;
      }
      break;
    case TernaryOp::Addcdiv:
      if constexpr (is_float_like<T>) {
        const M value = M(pp.p[0].f);
        map([value](M x, M y, M z) { return x + value * y / z; });
        return;
      }
      break;
    case TernaryOp::Clamp:
      if constexpr (is_float_like<T>) {
        map([](M x, M lo, M hi) {
          if (lo != lo || hi != hi) return std::numeric_limits<M>::quiet_NaN();
          const M y = x < lo ? lo : x;
          return hi < y ? hi : y;
        });
        return;
      } else if constexpr (is_int<T>) {
        same([](T x, T lo, T hi) { const T y = x < lo ? lo : x; return hi < y ? hi : y; });
        return;
      }
      break;
  }
  EMBER_FAIL("[ternary kernel] op {} is not defined for dtype {}", int(op), int(a.dtype));
}

template <typename T>
bool any_zero_typed(const StridedView& b) {
  bool found = false;
  const StridedView* views[] = {&b};
  for_each_elementwise(
      make_loop_plan(views, 1),
      [&found](char* const* p, const int64_t* s, int64_t n) {
        for (int64_t i = 0; i < n; ++i)
          if (*reinterpret_cast<const T*>(p[0] + i * s[0]) == T(0)) found = true;
      },
      /*parallel=*/false);
  return found;
}

template <typename Dst, typename Src>
struct CopyInner {
  void operator()(char* const* p, const int64_t* s, int64_t n) const {
    if (s[0] == sizeof(Dst) && s[1] == sizeof(Src)) {
      Dst* d = reinterpret_cast<Dst*>(p[0]);
      const Src* x = reinterpret_cast<const Src*>(p[1]);
      if constexpr (std::is_same_v<Dst, Src>) std::memcpy(d, x, size_t(n) * sizeof(Dst));
      else for (int64_t i = 0; i < n; ++i) d[i] = cast_to<Dst>(x[i]);
      return;
    }
    if (s[1] == 0) {
      const Dst v = cast_to<Dst>(*reinterpret_cast<const Src*>(p[1]));
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<Dst*>(p[0] + i * s[0]) = v;
      return;
    }
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<Dst*>(p[0] + i * s[0]) = cast_to<Dst>(*reinterpret_cast<const Src*>(p[1] + i * s[1]));
  }
};

}  // namespace

void binary(BinaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
            const PointwiseParams& params) {
  visit_dtype(a.dtype, [&]<typename T>() { binary_typed<T>(op, out, a, b, params); });
}

bool any_zero(const StridedView& b) {
  return visit_dtype(b.dtype, [&]<typename T>() { return any_zero_typed<T>(b); });
}

void unary(UnaryOp op, const StridedView& out, const StridedView& a, const PointwiseParams& params) {
  visit_dtype(a.dtype, [&]<typename T>() { unary_typed<T>(op, out, a, params); });
}

void ternary(TernaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
             const StridedView& c, const PointwiseParams& params) {
  visit_dtype(a.dtype, [&]<typename T>() { ternary_typed<T>(op, out, a, b, c, params); });
}

void where(const StridedView& out, const StridedView& cond, const StridedView& a,
           const StridedView& b) {
  visit_dtype(out.dtype, [&]<typename T>() {
    const StridedView* views[] = {&out, &cond, &a, &b};
    for_each_elementwise(make_loop_plan(views, 4), [](char* const* p, const int64_t* s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const bool c = *reinterpret_cast<const bool*>(p[1] + i * s[1]);
        *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const T*>(p[c ? 2 : 3] + i * s[c ? 2 : 3]);
      }
    });
  });
}

void copy(const StridedView& dst, const StridedView& src) {
  const StridedView* views[] = {&dst, &src};
  const LoopPlan plan = make_loop_plan(views, 2);
  visit_dtype(dst.dtype, [&]<typename Dst>() {
    visit_dtype(src.dtype, [&]<typename Src>() { for_each_elementwise(plan, CopyInner<Dst, Src>{}); });
  });
}

void store_scalar(void* dst, ScalarType dtype, ScalarArg value) {
  visit_dtype(dtype, [&]<typename T>() { *static_cast<T*>(dst) = scalar_as<T>(value); });
}

void fill(const StridedView& dst, ScalarArg value) {
  if (dst.numel() == 1) {
    store_scalar(dst.data, dst.dtype, value);
    return;
  }
  visit_dtype(dst.dtype, [&]<typename T>() {
    const T v = scalar_as<T>(value);
    const StridedView* views[] = {&dst};
    for_each_elementwise(make_loop_plan(views, 1), [v](char* const* p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(T)) {
        T* d = reinterpret_cast<T*>(p[0]);
        for (int64_t i = 0; i < n; ++i) d[i] = v;
        return;
      }
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

}  // namespace ember::kernels::cpu
