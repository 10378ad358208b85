// VecEmitter: maps each lane-wise operation to SSE2 scalar (ss/sd), AVX2+FMA (ymm) or AVX-512 (zmm, k masks) code.
#include "jit/cpu/vec_emitter.h"

#include <bit>
#include <cstring>

#include "kernels/check.h"

namespace ember::jit::cpu {

using asmjit::InstId;
using asmjit::Operand;
namespace I = x86::Inst;

namespace {

bool same_reg(const Operand& a, const Operand& b) { return a.isReg() && b.isReg() && a.id() == b.id(); }

}  // namespace

VecEmitter::VecEmitter(x86::Compiler& cc, Isa isa, ScalarType dtype)
    : cc_(cc), isa_(isa), f64_(dtype == ScalarType::Double) {
  EMBER_CHECK(dtype == ScalarType::Float || dtype == ScalarType::Double,
              "[jit.cpu] vector math works on float32 and float64, got dtype {}", int(dtype));
}

int VecEmitter::vector_bytes() const { return isa_ == Isa::Avx512 ? 64 : isa_ == Isa::Avx2 ? 32 : 16; }

int VecEmitter::lanes() const { return isa_ == Isa::Scalar ? 1 : vector_bytes() / lane_bytes(); }

x86::Vec VecEmitter::new_vec(const char* name) const {
  switch (isa_) {
    case Isa::Avx512: return cc_.newZmm(name);
    case Isa::Avx2: return cc_.newYmm(name);
    case Isa::Scalar: break;
  }
  return cc_.newXmm(name);
}

x86::KReg VecEmitter::new_k() const { return cc_.newKw("k"); }

// AVX-512 reads one lane and broadcasts it (EVEX embedded broadcast); SSE and AVX2 read a whole vector, 16 or
// 32 bytes, which the constant pool aligns to its size (SSE requires that).
x86::Mem VecEmitter::constant_bits(uint64_t bits) const {
  uint8_t data[32];
  const int lane = lane_bytes();
  const int count = isa_ == Isa::Avx512 ? 1 : vector_bytes() / lane;
  for (int i = 0; i < count; ++i) std::memcpy(data + i * lane, &bits, size_t(lane));  // little-endian low bytes
  x86::Mem m = cc_.newConst(asmjit::ConstPoolScope::kLocal, data, size_t(count * lane));
  m.setSize(0);  // one operand serves scalar (m32/m64) and packed (m128+) instructions
  if (isa_ == Isa::Avx512) return f64_ ? m._1to8() : m._1to16();
  return m;
}

x86::Mem VecEmitter::constant(double value) const {
  return constant_bits(f64_ ? std::bit_cast<uint64_t>(value) : std::bit_cast<uint32_t>(float(value)));
}

x86::Vec VecEmitter::load_constant(double value) const {
  x86::Vec v = new_vec("c");
  mov(v, constant(value));
  return v;
}

void VecEmitter::mov(const x86::Vec& dst, const Operand& src) const {
  if (same_reg(dst, src)) return;
  if (src.isMem() && isa_ == Isa::Avx512) {
    x86::Mem m = src.as<x86::Mem>();
    m.resetBroadcast();
    cc_.emit(f64_ ? I::kIdVbroadcastsd : I::kIdVbroadcastss, dst, m);
    return;
  }
  cc_.emit(isa_ == Isa::Scalar ? I::kIdMovaps : src.isMem() ? I::kIdVmovups : I::kIdVmovaps, dst, src);
}

// SSE instructions are destructive (dst = dst op src), VEX/EVEX ones take three operands.
void VecEmitter::binary(const Ids& ids, const x86::Vec& dst, const x86::Vec& a, const Operand& b,
                        bool commutative) const {
  if (isa_ != Isa::Scalar) {
    cc_.emit(f64_ ? ids.vector_f64 : ids.vector_f32, dst, a, b);
    return;
  }
  const InstId id = f64_ ? ids.scalar_f64 : ids.scalar_f32;
  if (same_reg(dst, a)) {
    cc_.emit(id, dst, b);
  } else if (same_reg(dst, b)) {
    if (commutative) {
      cc_.emit(id, dst, a);
    } else {
      x86::Vec t = new_vec("t");
      mov(t, a);
      cc_.emit(id, t, b);
      mov(dst, t);
    }
  } else {
    mov(dst, a);
    cc_.emit(id, dst, b);
  }
}

void VecEmitter::add(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdAddss, I::kIdAddsd, I::kIdVaddps, I::kIdVaddpd}, d, a, b, true);
}
void VecEmitter::sub(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdSubss, I::kIdSubsd, I::kIdVsubps, I::kIdVsubpd}, d, a, b, false);
}
void VecEmitter::mul(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdMulss, I::kIdMulsd, I::kIdVmulps, I::kIdVmulpd}, d, a, b, true);
}
void VecEmitter::div(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdDivss, I::kIdDivsd, I::kIdVdivps, I::kIdVdivpd}, d, a, b, false);
}
void VecEmitter::min(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdMinss, I::kIdMinsd, I::kIdVminps, I::kIdVminpd}, d, a, b, false);  // NaN rule is not symmetric
}
void VecEmitter::max(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdMaxss, I::kIdMaxsd, I::kIdVmaxps, I::kIdVmaxpd}, d, a, b, false);
}
void VecEmitter::bit_and(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdAndps, I::kIdAndpd, I::kIdVandps, I::kIdVandpd}, d, a, b, true);
}
void VecEmitter::bit_or(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdOrps, I::kIdOrpd, I::kIdVorps, I::kIdVorpd}, d, a, b, true);
}
void VecEmitter::bit_xor(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdXorps, I::kIdXorpd, I::kIdVxorps, I::kIdVxorpd}, d, a, b, true);
}
void VecEmitter::bit_andnot(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdAndnps, I::kIdAndnpd, I::kIdVandnps, I::kIdVandnpd}, d, a, b, false);
}
void VecEmitter::add_int(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdPaddd, I::kIdPaddq, I::kIdVpaddd, I::kIdVpaddq}, d, a, b, true);
}
void VecEmitter::sub_int(const x86::Vec& d, const x86::Vec& a, const Operand& b) const {
  binary({I::kIdPsubd, I::kIdPsubq, I::kIdVpsubd, I::kIdVpsubq}, d, a, b, false);
}

void VecEmitter::shl_int(const x86::Vec& d, const x86::Vec& a, int bits) const {
  if (isa_ != Isa::Scalar) {
    cc_.emit(f64_ ? I::kIdVpsllq : I::kIdVpslld, d, a, asmjit::imm(bits));
    return;
  }
  mov(d, a);
  cc_.emit(f64_ ? I::kIdPsllq : I::kIdPslld, d, asmjit::imm(bits));
}

void VecEmitter::shr_int(const x86::Vec& d, const x86::Vec& a, int bits) const {
  if (isa_ != Isa::Scalar) {
    cc_.emit(f64_ ? I::kIdVpsrlq : I::kIdVpsrld, d, a, asmjit::imm(bits));
    return;
  }
  mov(d, a);
  cc_.emit(f64_ ? I::kIdPsrlq : I::kIdPsrld, d, asmjit::imm(bits));
}

void VecEmitter::fused(FmaKind kind, const x86::Vec& dst, const x86::Vec& a, const Operand& b_in,
                       const Operand& c_in) const {
  if (!has_fma()) {
    x86::Vec t = new_vec("p");
    mul(t, a, b_in);
    switch (kind) {
      case FmaKind::Add: add(dst, t, c_in); break;
      case FmaKind::Sub: sub(dst, t, c_in); break;
      case FmaKind::NegAdd: {
        x86::Vec c = new_vec("c");
        mov(c, c_in);
        sub(dst, c, t);
        break;
      }
    }
    return;
  }
  // Forms: 132: x1 = x1*x3 + x2; 213: x1 = x2*x1 + x3; 231: x1 = x2*x3 + x1. Only x3 may be memory.
  static constexpr InstId kIds[3][2][3] = {
      {{I::kIdVfmadd132ps, I::kIdVfmadd213ps, I::kIdVfmadd231ps},
       {I::kIdVfmadd132pd, I::kIdVfmadd213pd, I::kIdVfmadd231pd}},
      {{I::kIdVfmsub132ps, I::kIdVfmsub213ps, I::kIdVfmsub231ps},
       {I::kIdVfmsub132pd, I::kIdVfmsub213pd, I::kIdVfmsub231pd}},
      {{I::kIdVfnmadd132ps, I::kIdVfnmadd213ps, I::kIdVfnmadd231ps},
       {I::kIdVfnmadd132pd, I::kIdVfnmadd213pd, I::kIdVfnmadd231pd}}};
  const InstId* ids = kIds[int(kind)][f64_ ? 1 : 0];
  const Operand& b = b_in;
  Operand c = c_in;
  if (b.isMem() && c.isMem()) {
    x86::Vec t = new_vec("c");
    mov(t, c);
    c = t;
  }
  if (same_reg(dst, c)) {
    cc_.emit(ids[2], dst, a, b);
  } else if (same_reg(dst, a) || same_reg(dst, b)) {
    // dst is one factor; `other` is the other one (c is then a register whenever `other` is memory).
    const Operand other = same_reg(dst, a) ? b : Operand(a);
    if (other.isMem()) {
      cc_.emit(ids[0], dst, c, other);
    } else {
      cc_.emit(ids[1], dst, other, c);
    }
  } else if (!c.isMem()) {
    mov(dst, c);
    cc_.emit(ids[2], dst, a, b);
  } else {
    mov(dst, a);
    cc_.emit(ids[1], dst, b, c);
  }
}

void VecEmitter::fma(const x86::Vec& d, const x86::Vec& a, const Operand& b, const Operand& c) const {
  fused(FmaKind::Add, d, a, b, c);
}
void VecEmitter::fms(const x86::Vec& d, const x86::Vec& a, const Operand& b, const Operand& c) const {
  fused(FmaKind::Sub, d, a, b, c);
}
void VecEmitter::fnma(const x86::Vec& d, const x86::Vec& a, const Operand& b, const Operand& c) const {
  fused(FmaKind::NegAdd, d, a, b, c);
}

Mask VecEmitter::cmp(const x86::Vec& a, const Operand& b, Cmp predicate) const {
  Mask m;
  const auto imm = asmjit::imm(int(predicate));
  if (isa_ == Isa::Avx512) {
    m.k = new_k();
    cc_.emit(f64_ ? I::kIdVcmppd : I::kIdVcmpps, m.k, a, b, imm);
  } else if (isa_ == Isa::Avx2) {
    m.vec = new_vec("m");
    cc_.emit(f64_ ? I::kIdVcmppd : I::kIdVcmpps, m.vec, a, b, imm);
  } else {
    m.vec = new_vec("m");
    mov(m.vec, a);
    cc_.emit(f64_ ? I::kIdCmpsd : I::kIdCmpss, m.vec, b, imm);
  }
  return m;
}

Mask VecEmitter::bit_test(const x86::Vec& a, int bit) const {
  const x86::Mem one_bit = constant_bits(uint64_t(1) << bit);
  Mask m;
  if (isa_ == Isa::Avx512) {
    m.k = new_k();
    cc_.emit(f64_ ? I::kIdVptestmq : I::kIdVptestmd, m.k, a, one_bit);
    return m;
  }
  m.vec = new_vec("m");
  bit_and(m.vec, a, one_bit);
  if (isa_ == Isa::Avx2) {
    cc_.emit(f64_ ? I::kIdVpcmpeqq : I::kIdVpcmpeqd, m.vec, m.vec, one_bit);
  } else {
    // SSE2 has no pcmpeqq: compare dwords (the high dword is 0 == 0) and copy the low dword's answer up.
    cc_.emit(I::kIdPcmpeqd, m.vec, one_bit);
    if (f64_) cc_.emit(I::kIdPshufd, m.vec, m.vec, asmjit::imm(0xA0));
  }
  return m;
}

Mask VecEmitter::mask_binary(const MaskIds& ids, const Mask& a, const Mask& b) const {
  Mask m;
  if (isa_ == Isa::Avx512) {
    m.k = new_k();
    cc_.emit(ids.k, m.k, a.k, b.k);
    return m;
  }
  m.vec = new_vec("m");
  if (isa_ == Isa::Avx2) {
    cc_.emit(ids.vex, m.vec, a.vec, b.vec);
  } else {
    mov(m.vec, a.vec);
    cc_.emit(ids.sse, m.vec, b.vec);
  }
  return m;
}

Mask VecEmitter::mask_and(const Mask& a, const Mask& b) const {
  return mask_binary({I::kIdKandw, I::kIdVandps, I::kIdAndps}, a, b);
}
Mask VecEmitter::mask_or(const Mask& a, const Mask& b) const {
  return mask_binary({I::kIdKorw, I::kIdVorps, I::kIdOrps}, a, b);
}
Mask VecEmitter::mask_andnot(const Mask& a, const Mask& b) const {
  return mask_binary({I::kIdKandnw, I::kIdVandnps, I::kIdAndnps}, a, b);
}

void VecEmitter::select(const x86::Vec& dst, const Mask& mask, const Operand& if_true, const Operand& if_false) const {
  x86::Vec f;
  if (if_false.isMem() || isa_ == Isa::Scalar) {
    f = new_vec("f");
    mov(f, if_false);
  } else {
    f = if_false.as<x86::Vec>();
  }
  if (isa_ == Isa::Avx512) {
    cc_.k(mask.k).emit(f64_ ? I::kIdVblendmpd : I::kIdVblendmps, dst, f, if_true);
  } else if (isa_ == Isa::Avx2) {
    cc_.emit(f64_ ? I::kIdVblendvpd : I::kIdVblendvps, dst, f, if_true, mask.vec);
  } else {
    // (mask & t) | (~mask & f), without blendv (SSE4.1).
    x86::Vec t = new_vec("t");
    mov(t, mask.vec);
    cc_.emit(I::kIdAndps, t, if_true);
    x86::Vec n = new_vec("n");
    mov(n, mask.vec);
    cc_.emit(I::kIdAndnps, n, f);
    cc_.emit(I::kIdOrps, t, n);
    mov(dst, t);
  }
}

void VecEmitter::add_where(const x86::Vec& dst, const Mask& mask, const x86::Vec& a, const Operand& b) const {
  if (isa_ == Isa::Avx512) {
    x86::Vec t = new_vec("t");
    mov(t, a);
    cc_.k(mask.k).emit(f64_ ? I::kIdVaddpd : I::kIdVaddps, t, a, b);
    mov(dst, t);
    return;
  }
  x86::Vec t = new_vec("t");
  bit_and(t, mask.vec, b);
  add(dst, a, t);
}

void VecEmitter::abs(const x86::Vec& dst, const x86::Vec& a) const {
  bit_and(dst, a, constant_bits(f64_ ? 0x7fffffffffffffffull : 0x7fffffffull));
}

void VecEmitter::xor_sign(const x86::Vec& dst, const x86::Vec& a, const x86::Vec& sign) const {
  x86::Vec s = new_vec("s");
  bit_and(s, sign, constant_bits(f64_ ? 0x8000000000000000ull : 0x80000000ull));
  bit_xor(dst, a, s);
}

// min/max return their second operand when either is NaN: putting x second keeps NaN.
void VecEmitter::clamp(const x86::Vec& dst, const x86::Vec& x, double lo, double hi) const {
  x86::Vec h = load_constant(hi);
  min(h, h, x);
  x86::Vec l = load_constant(lo);
  max(dst, l, h);
}

void VecEmitter::horner(const x86::Vec& dst, const x86::Vec& x, std::span<const double> coeffs) const {
  x86::Vec acc = load_constant(coeffs.back());
  for (size_t i = coeffs.size() - 1; i-- > 0;) fma(acc, acc, x, constant(coeffs[i]));
  mov(dst, acc);
}

void VecEmitter::two_prod(const x86::Vec& hi, const x86::Vec& lo, const x86::Vec& a, const x86::Vec& b) const {
  x86::Vec h = new_vec("h");
  mul(h, a, b);
  if (has_fma()) {
    fms(lo, a, b, h);
    mov(hi, h);
    return;
  }
  // Dekker: split each factor into halves whose products are exact, then sum the partial products' errors.
  const double splitter = f64_ ? 134217729.0 : 4097.0;  // 2^27 + 1, 2^12 + 1
  auto split = [&](const x86::Vec& v, const x86::Vec& vh, const x86::Vec& vl) {
    x86::Vec c = new_vec("c");
    mul(c, v, constant(splitter));
    x86::Vec d = new_vec("d");
    sub(d, c, v);
    sub(vh, c, d);
    sub(vl, v, vh);
  };
  x86::Vec ah = new_vec("ah"), al = new_vec("al"), bh = new_vec("bh"), bl = new_vec("bl");
  split(a, ah, al);
  split(b, bh, bl);
  x86::Vec e = new_vec("e"), t = new_vec("t");
  mul(e, ah, bh);
  sub(e, e, h);
  mul(t, ah, bl);
  add(e, e, t);
  mul(t, al, bh);
  add(e, e, t);
  mul(t, al, bl);
  add(lo, e, t);
  mov(hi, h);
}

}  // namespace ember::jit::cpu
