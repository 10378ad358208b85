// CPU pointwise kernels: unary, binary and ternary ops, where, copy with casts, fill.
#pragma once

#include <cstdint>

#include "kernels/strided.h"

namespace ember::kernels::cpu {

// Operands have the compute dtype; the output has it too, except for ops that give Bool.
// Ops that read parameters (PointwiseParams) say which ones in their comment.
enum class BinaryOp : uint8_t {
  Add, Sub,             // a + alpha * b, a - alpha * b (alpha = p[0])
  Mul, Div, DivTrunc, DivFloor,
  Remainder, Fmod,      // Python's % (sign of b), C's fmod (sign of a)
  Pow, Atan2,
  Minimum, Maximum,     // NaN-propagating
  BitwiseAnd, BitwiseOr, BitwiseXor, LeftShift, RightShift,
  Lerp,                 // a + weight * (b - a), weight = p[0]
  // Bool results:
  Eq, Ne, Lt, Le, Gt, Ge,
  LogicalAnd, LogicalOr, LogicalXor,
};

enum class UnaryOp : uint8_t {
  Neg, Abs, Exp, Log, Sqrt, Relu, Sigmoid, Tanh,
  Reciprocal, Rsqrt, Exp2, Expm1, Log2, Log10, Log1p,
  Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Erf, Erfc, Erfinv,
  Floor, Ceil, Round, Trunc, Frac, Sign, BitwiseNot,
  RoundDecimals,        // p[0].i decimals
  PowScalar,            // x ^ p[0]
  Clamp,                // p[0] min, p[1] max (NaN x stays NaN)
  ClampMin, ClampMax,   // p[0] bound
  NanToNum,             // p[0] nan, p[1] posinf, p[2] neginf replacements
  LeakyRelu,            // p[0] negative slope
  Elu,                  // p[0] alpha, p[1] scale, p[2] input scale
  Gelu, GeluTanh, Silu, Mish,
  Softplus,             // p[0] beta, p[1] threshold
  Hardsigmoid, Hardswish, LogSigmoid,
  // Bool results:
  IsNan, IsInf, IsFinite, LogicalNot,
};

enum class TernaryOp : uint8_t {
  Lerp,                 // a + c * (b - a)
  Addcmul,              // a + p[0] * b * c
  Addcdiv,              // a + p[0] * b / c
  Clamp,                // min(max(a, b), c), NaN if any operand is NaN
};

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
inline bool returns_bool(BinaryOp op) { return op >= BinaryOp::Eq; }
inline bool returns_bool(UnaryOp op) { return op >= UnaryOp::IsNan; }

// A scalar argument: the kernel reads the member that fits the compute dtype.
struct ScalarArg {
  double f = 0;
  int64_t i = 0;
};

// The scalar parameters of an op (alpha, slope, bounds, ...), by position; see the op enums.
// p[0] defaults to 1 so that Add and Sub without an alpha add b once.
struct PointwiseParams {
  ScalarArg p[3] = {{1.0, 1}, {}, {}};
};

// out = op(a, b). a and b have the compute dtype.
void binary(BinaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
            const PointwiseParams& params = {});
// True when some element of an integer `b` is zero (integer division would trap).
bool any_zero(const StridedView& b);
void unary(UnaryOp op, const StridedView& out, const StridedView& a, const PointwiseParams& params = {});
void ternary(TernaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
             const StridedView& c, const PointwiseParams& params = {});
// out = cond ? a : b; cond is Bool, a and b have out's dtype.
void where(const StridedView& out, const StridedView& cond, const StridedView& a,
           const StridedView& b);
// dst = src converted to dst's dtype (NaN and out-of-range floats become the integer
// type's minimum through int64, as x86 conversions give, without undefined behaviour).
void copy(const StridedView& dst, const StridedView& src);
void fill(const StridedView& dst, ScalarArg value);
// Stores one value of `dtype` at `dst` (the scalar operand of an op, a 0-d fill).
void store_scalar(void* dst, ScalarType dtype, ScalarArg value);

}  // namespace ember::kernels::cpu
