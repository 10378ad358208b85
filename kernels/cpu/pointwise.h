// CPU pointwise kernels: binary and unary ops, where, copy with casts, fill.
#pragma once

#include <cstdint>

#include "kernels/strided.h"

namespace ember::kernels::cpu {

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, DivTrunc, DivFloor,   // arithmetic: out has the operands' dtype
  Eq, Ne, Lt, Le, Gt, Ge,                   // comparisons: out is Bool
};
enum class UnaryOp : uint8_t { Neg, Abs, Exp, Log, Sqrt, Relu, Sigmoid, Tanh };

inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq; }

// A scalar argument: the kernel reads the member that fits the compute dtype.
struct ScalarArg {
  double f = 0;
  int64_t i = 0;
};

// out = op(a, alpha * b) for Add/Sub, op(a, b) otherwise. a and b have the compute dtype.
void binary(BinaryOp op, const StridedView& out, const StridedView& a, const StridedView& b,
            ScalarArg alpha = {1.0, 1});
// True when some element of an integer `b` is zero (integer division would trap).
bool any_zero(const StridedView& b);
void unary(UnaryOp op, const StridedView& out, const StridedView& a);
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
