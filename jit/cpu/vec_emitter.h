// VecEmitter: lane-wise float operations appended to an AsmJit x86::Compiler, written once for every ISA and dtype.
// Internal to jit/cpu (it includes AsmJit): the math emitters and the code generator build on it.
#pragma once

#include <asmjit/x86.h>

#include <cstdint>
#include <span>

#include "jit/cpu/isa.h"
#include "kernels/dtype.h"

namespace ember::jit::cpu {

namespace x86 = asmjit::x86;

// Comparison predicates 0..7, the ones every ISA encodes (SSE's cmpss has no others). "N" ones are true on NaN.
enum class Cmp : uint8_t { Eq = 0, Lt = 1, Le = 2, Unord = 3, Neq = 4, Nlt = 5, Nle = 6, Ord = 7 };

// A per-lane condition: a k register on AVX-512, else a vector whose lanes are all ones or all zeros.
struct Mask {
  x86::Vec vec;
  x86::KReg k;
};

// Operations on vectors of `lanes()` float32 or float64 values. Destinations may alias sources. Second operands
// (`const asmjit::Operand&`) may be registers or constant(...) memory; first operands are registers. Integer
// operations treat each lane as a 32-bit (float32) or 64-bit (float64) integer.
class VecEmitter {
 public:
  VecEmitter(x86::Compiler& cc, Isa isa, ScalarType dtype);

  x86::Compiler& cc() const { return cc_; }
  Isa isa() const { return isa_; }
  ScalarType dtype() const { return f64_ ? ScalarType::Double : ScalarType::Float; }
  bool is_f64() const { return f64_; }
  bool has_fma() const { return isa_ != Isa::Scalar; }
  int lanes() const;
  int lane_bytes() const { return f64_ ? 8 : 4; }
  int vector_bytes() const;
  int mantissa_bits() const { return f64_ ? 52 : 23; }
  int exponent_bias() const { return f64_ ? 1023 : 127; }
  // The same ISA and compiler for the other float type (float32 pow works in float64).
  VecEmitter with_dtype(ScalarType dtype) const { return VecEmitter(cc_, isa_, dtype); }

  x86::Vec new_vec(const char* name = "v") const;

  // Constant-pool memory holding `value` (rounded to the element type) or raw lane `bits` in every lane.
  asmjit::x86::Mem constant(double value) const;
  asmjit::x86::Mem constant_bits(uint64_t bits) const;
  x86::Vec load_constant(double value) const;
  void mov(const x86::Vec& dst, const asmjit::Operand& src) const;

  void add(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void sub(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void mul(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void div(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  // x86 min/max: when either input is NaN the result is `b`.
  void min(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void max(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  // dst = a*b + c, a*b - c, c - a*b: one rounding with FMA, two on the Scalar path.
  void fma(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b, const asmjit::Operand& c) const;
  void fms(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b, const asmjit::Operand& c) const;
  void fnma(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b, const asmjit::Operand& c) const;

  void bit_and(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void bit_or(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void bit_xor(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void bit_andnot(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;  // ~a & b

  void add_int(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void sub_int(const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b) const;
  void shl_int(const x86::Vec& dst, const x86::Vec& a, int bits) const;
  void shr_int(const x86::Vec& dst, const x86::Vec& a, int bits) const;  // logical

  Mask cmp(const x86::Vec& a, const asmjit::Operand& b, Cmp predicate) const;
  // Lanes whose integer bit `bit` (< 32) is set.
  Mask bit_test(const x86::Vec& a, int bit) const;
  Mask mask_and(const Mask& a, const Mask& b) const;
  Mask mask_or(const Mask& a, const Mask& b) const;
  Mask mask_andnot(const Mask& a, const Mask& b) const;  // ~a & b
  // dst = mask ? if_true : if_false
  void select(const x86::Vec& dst, const Mask& mask, const asmjit::Operand& if_true,
              const asmjit::Operand& if_false) const;
  // dst = mask ? a + b : a
  void add_where(const x86::Vec& dst, const Mask& mask, const x86::Vec& a, const asmjit::Operand& b) const;

  // Built from the above.
  void abs(const x86::Vec& dst, const x86::Vec& a) const;
  // dst = a with its sign bit xor'ed with sign's sign bit (sign's other bits may be anything when masked first).
  void xor_sign(const x86::Vec& dst, const x86::Vec& a, const x86::Vec& sign) const;
  // min(max(x, lo), hi), keeping NaN.
  void clamp(const x86::Vec& dst, const x86::Vec& x, double lo, double hi) const;
  // dst = c[0] + x*(c[1] + x*(c[2] + ...)) by Horner's rule.
  void horner(const x86::Vec& dst, const x86::Vec& x, std::span<const double> coeffs) const;
  // hi + lo == a*b exactly (FMA, or Dekker's splitting on the Scalar path; lo is NaN when a*b overflows).
  void two_prod(const x86::Vec& hi, const x86::Vec& lo, const x86::Vec& a, const x86::Vec& b) const;

 private:
  struct Ids {
    asmjit::InstId scalar_f32, scalar_f64, vector_f32, vector_f64;
  };
  void binary(const Ids& ids, const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b,
              bool commutative) const;
  enum class FmaKind { Add, Sub, NegAdd };
  void fused(FmaKind kind, const x86::Vec& dst, const x86::Vec& a, const asmjit::Operand& b,
             const asmjit::Operand& c) const;
  x86::KReg new_k() const;
  struct MaskIds {
    asmjit::InstId k, vex, sse;
  };
  Mask mask_binary(const MaskIds& ids, const Mask& a, const Mask& b) const;

  x86::Compiler& cc_;
  Isa isa_;
  bool f64_;
};

}  // namespace ember::jit::cpu
