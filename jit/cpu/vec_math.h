// Vectorised math for generated CPU kernels: each emitter appends code computing dst = f(x) lane-wise.
// Internal to jit/cpu (it includes AsmJit). Inputs are left unchanged unless dst aliases them.
//
// Accuracy: max relative error against the exact value, asserted by tests/kernels/test_jit_vec_math.cpp (which
// prints what it measures). Guaranteed: float32 exp, log, sigmoid, pow, sin, cos <= 4e-6 and tanh, erf, gelu,
// gelu_tanh <= 4e-5; float64 <= 1e-13, except gelu_tanh <= 3e-13 for x < -15 (values below 1e-130, where the
// function's condition number reaches ~2000). Measured: a few ulp (float32 <= 2e-7, float64 <= 4e-16), except
// gelu_tanh (1.3e-5, 2e-13), gelu float32 (8e-7) and float64 gelu and pow (<= 3e-15), all at the
// ill-conditioned ends. Results that are subnormal are accurate to a few units of the smallest normal number.
// sin/cos are accurate for |x| <= 2.5e4 (float32 scalar), 1e6 (float32 AVX2/AVX-512), 6e6 (float64 scalar) and
// 1e15 (float64 AVX2/AVX-512): Cody-Waite reduction without Payne-Hanek. Past that they degrade, and for |x|
// beyond ~4e6 (float32) or ~3e15 (float64) they are only guaranteed finite and within [-1, 1].
// Special values follow the C++ standard library: NaN propagates, exp overflows to inf and underflows through
// subnormals to 0, log(+-0) = -inf, log(x < 0) = NaN, sin/cos(+-inf) = NaN, pow as std::pow (pow(x, +-0) = 1,
// pow(1, y) = 1, negative bases with integer exponents, pow(+-0, y < 0) = inf, ...).
// gelu(-inf) and gelu_tanh(-inf) are NaN, as in PyTorch (x * 0 with x = -inf).
// The Scalar ISA (SSE2, no FMA) computes the same formulas, some with Dekker products in place of FMA.
#pragma once

#include "jit/cpu/math_kernels.h"
#include "jit/cpu/vec_emitter.h"

namespace ember::jit::cpu {

void emit_exp(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_log(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_tanh(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_sigmoid(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_erf(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
// 0.5 * x * (1 + erf(x / sqrt(2))), computed through erfc for x < 0 so the left tail keeps its relative accuracy.
void emit_gelu(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
// 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), computed as x * sigmoid(2 * ...).
void emit_gelu_tanh(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_sin(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_cos(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
void emit_pow(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& base, const x86::Vec& exponent);

// The unary emitter for `fn` (not Pow).
void emit_unary(const VecEmitter& e, MathFn fn, const x86::Vec& dst, const x86::Vec& x);

namespace detail {

// exp(x + lo), lo a small correction (|lo| << ulp(x) scale) or nullptr.
void emit_exp_core(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x, const x86::Vec* lo);
// expm1(x) for 0 <= x <= 64 (no overflow or underflow handling), relative accuracy near 0.
void emit_expm1_small(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);
// log(x) as hi + lo with |lo| <= ulp(hi); lo (for pow) is computed only when not nullptr, and is meaningless
// where hi is not finite.
void emit_log_core(const VecEmitter& e, const x86::Vec& hi, const x86::Vec* lo, const x86::Vec& x);
// (x < 0 ? exp(x) : 1) / (1 + exp(-|x|)) = sigmoid(x) for x in a register; used by sigmoid and gelu_tanh.
void emit_sigmoid_core(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x);

}  // namespace detail

}  // namespace ember::jit::cpu
