// Pointwise CPU kernels: binary arithmetic and comparisons, unary math, where, copy with casts, fill.
#include <cmath>
#include <cstring>
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
T scalar_as(ScalarArg s) {
  if constexpr (is_float_like<T>) return T(static_cast<OpMath<T>>(s.f));
  else if constexpr (std::is_same_v<T, bool>) return s.f != 0.0;  // 0.5 and NaN are true, as in PyTorch
  else return cast_to<T>(s.i);
}

// Runs out[i] = f(in...) with contiguous and broadcast-scalar fast paths that the
// compiler vectorises, and a generic strided path.
template <typename Out, typename In, int NIn, typename F>
struct Inner {
  F f;
  void operator()(char* const* p, const int64_t* s, int64_t n) const {
    Out* o = reinterpret_cast<Out*>(p[0]);
    if constexpr (NIn == 1) {
      const In* a = reinterpret_cast<const In*>(p[1]);
      if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
        for (int64_t i = 0; i < n; ++i) o[i] = f(a[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Out*>(p[0] + i * s[0]) = f(*reinterpret_cast<const In*>(p[1] + i * s[1]));
    } else {
      const In* a = reinterpret_cast<const In*>(p[1]);
      const In* b = reinterpret_cast<const In*>(p[2]);
      if (s[0] == sizeof(Out) && s[1] == sizeof(In)) {
        if (s[2] == sizeof(In)) {
          for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
          return;
        }
        if (s[2] == 0) {
          const In bv = *b;
          for (int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
          return;
        }
      }
      if (s[0] == sizeof(Out) && s[1] == 0 && s[2] == sizeof(In)) {
        const In av = *a;
        for (int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
        return;
      }
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Out*>(p[0] + i * s[0]) = f(*reinterpret_cast<const In*>(p[1] + i * s[1]),
                                                     *reinterpret_cast<const In*>(p[2] + i * s[2]));
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

// Integer division without the traps of INT_MIN / -1 (callers reject b == 0).
template <typename T>
T trunc_divide_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == -1) return static_cast<T>(0 - static_cast<std::make_unsigned_t<T>>(a));
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

template <typename T>
void binary_typed(BinaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
                  ScalarArg alpha_arg) {
  using M = OpMath<T>;
  const M alpha = static_cast<M>(scalar_as<T>(alpha_arg));
  auto cmp = [&](auto pred) { run_binary<bool, T>(out, a, b, pred); };
  switch (op) {
    case BinaryOp::Add:
      if constexpr (std::is_same_v<T, bool>) {
        run_binary<T, T>(out, a, b, [](T x, T y) { return T(x || y); });
      } else if (alpha == M(1)) {
        run_binary<T, T>(out, a, b, [](T x, T y) { return T(M(x) + M(y)); });
      } else {
        run_binary<T, T>(out, a, b, [alpha](T x, T y) { return T(M(x) + alpha * M(y)); });
      }
      return;
    case BinaryOp::Sub:
      if constexpr (!std::is_same_v<T, bool>) {
        if (alpha == M(1)) run_binary<T, T>(out, a, b, [](T x, T y) { return T(M(x) - M(y)); });
        else run_binary<T, T>(out, a, b, [alpha](T x, T y) { return T(M(x) - alpha * M(y)); });
        return;
      }
      break;
    case BinaryOp::Mul:
      if constexpr (std::is_same_v<T, bool>) run_binary<T, T>(out, a, b, [](T x, T y) { return T(x && y); });
      else run_binary<T, T>(out, a, b, [](T x, T y) { return T(M(x) * M(y)); });
      return;
    case BinaryOp::Div:
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
      if constexpr (is_float_like<T>) {
        if (op == BinaryOp::Div) run_binary<T, T>(out, a, b, [](T x, T y) { return T(M(x) / M(y)); });
        else if (op == BinaryOp::DivTrunc) run_binary<T, T>(out, a, b, [](T x, T y) { return T(std::trunc(M(x) / M(y))); });
        else run_binary<T, T>(out, a, b, [](T x, T y) { return T(floor_divide_float<M>(M(x), M(y))); });
        return;
      } else if constexpr (!std::is_same_v<T, bool>) {
        if (op == BinaryOp::DivFloor) run_binary<T, T>(out, a, b, [](T x, T y) { return floor_divide_int(x, y); });
        else run_binary<T, T>(out, a, b, [](T x, T y) { return trunc_divide_int(x, y); });
        return;
      }
      break;
    case BinaryOp::Eq: cmp([](T x, T y) { return M(x) == M(y); }); return;
    case BinaryOp::Ne: cmp([](T x, T y) { return M(x) != M(y); }); return;
    case BinaryOp::Lt: cmp([](T x, T y) { return M(x) < M(y); }); return;
    case BinaryOp::Le: cmp([](T x, T y) { return M(x) <= M(y); }); return;
    case BinaryOp::Gt: cmp([](T x, T y) { return M(x) > M(y); }); return;
    case BinaryOp::Ge: cmp([](T x, T y) { return M(x) >= M(y); }); return;
  }
  EMBER_FAIL("[binary kernel] op {} is not defined for this dtype", int(op));
}

template <typename T>
void unary_typed(UnaryOp op, const StridedView& out, const StridedView& a) {
  using M = OpMath<T>;
  switch (op) {
    case UnaryOp::Neg:
      if constexpr (std::is_unsigned_v<T>) run_unary<T, T>(out, a, [](T x) { return T(0 - x); });
      else if constexpr (!std::is_same_v<T, bool>) run_unary<T, T>(out, a, [](T x) { return T(-M(x)); });
      return;
    case UnaryOp::Abs:
      if constexpr (std::is_unsigned_v<T> || std::is_same_v<T, bool>) run_unary<T, T>(out, a, [](T x) { return x; });
      else if constexpr (is_float_like<T>) run_unary<T, T>(out, a, [](T x) { return T(std::fabs(M(x))); });
      else run_unary<T, T>(out, a, [](T x) { return T(x < 0 ? T(0 - static_cast<std::make_unsigned_t<T>>(x)) : x); });
      return;
    case UnaryOp::Relu:
      if constexpr (is_float_like<T>) run_unary<T, T>(out, a, [](T x) { return std::isnan(M(x)) ? x : (M(x) > 0 ? x : T(0)); });
      else run_unary<T, T>(out, a, [](T x) { return x > 0 ? x : T(0); });
      return;
    default:
      break;
  }
  if constexpr (is_float_like<T>) {
    switch (op) {
      case UnaryOp::Exp: run_unary<T, T>(out, a, [](T x) { return T(std::exp(M(x))); }); return;
      case UnaryOp::Log: run_unary<T, T>(out, a, [](T x) { return T(std::log(M(x))); }); return;
      case UnaryOp::Sqrt: run_unary<T, T>(out, a, [](T x) { return T(std::sqrt(M(x))); }); return;
      case UnaryOp::Tanh: run_unary<T, T>(out, a, [](T x) { return T(std::tanh(M(x))); }); return;
      case UnaryOp::Sigmoid:
        run_unary<T, T>(out, a, [](T x) { return T(M(1) / (M(1) + std::exp(-M(x)))); });
        return;
      default:
        break;
    }
  }
  EMBER_FAIL("[unary kernel] op {} is not defined for this dtype", int(op));
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
            ScalarArg alpha) {
  visit_dtype(a.dtype, [&]<typename T>() { binary_typed<T>(op, out, a, b, alpha); });
}

bool any_zero(const StridedView& b) {
  return visit_dtype(b.dtype, [&]<typename T>() { return any_zero_typed<T>(b); });
}

void unary(UnaryOp op, const StridedView& out, const StridedView& a) {
  visit_dtype(a.dtype, [&]<typename T>() { unary_typed<T>(op, out, a); });
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
