// pow(a, b) = exp(b log|a|) with std::pow's special cases. b log|a| needs more bits than the result has:
// float32 works in float64, float64 carries log|a| and the product as double-double.
#include <limits>

#include "jit/cpu/vec_math.h"

namespace ember::jit::cpu {
namespace {

using x86::Vec;
namespace I = x86::Inst;

// exp(b * log(aa)) for aa = |a| >= 0, in e's own precision (double-double intermediate when `precise`).
void pow_core(const VecEmitter& e, const Vec& dst, const Vec& aa, const Vec& b, bool precise) {
  Vec lh = e.new_vec("lh"), yh = e.new_vec("yh");
  if (!precise) {
    detail::emit_log_core(e, lh, nullptr, aa);
    e.mul(yh, b, lh);
    detail::emit_exp_core(e, dst, yh, nullptr);
    return;
  }
  Vec ll = e.new_vec("ll"), yl = e.new_vec("yl"), ay = e.new_vec("ay");
  detail::emit_log_core(e, lh, &ll, aa);
  e.two_prod(yh, yl, b, lh);
  e.fma(yl, b, ll, yl);
  // Where b log|a| is huge, infinite or NaN, the low part means nothing (and may be NaN): drop it.
  e.abs(ay, yh);
  e.select(yl, e.cmp(ay, e.constant(4096.0), Cmp::Lt), yl, e.constant(0.0));
  detail::emit_exp_core(e, dst, yh, &yl);
}

// float32 lanes converted to float64 (two halves on AVX2/AVX-512), pow_core there, and back.
void pow_core_via_f64(const VecEmitter& e, const Vec& dst, const Vec& aa, const Vec& b) {
  const VecEmitter d = e.with_dtype(ScalarType::Double);
  x86::Compiler& cc = e.cc();
  if (e.isa() == Isa::Scalar) {
    Vec a64 = d.new_vec("a64"), b64 = d.new_vec("b64"), r64 = d.new_vec("r64");
    cc.emit(I::kIdCvtss2sd, a64, aa);
    cc.emit(I::kIdCvtss2sd, b64, b);
    pow_core(d, r64, a64, b64, false);
    Vec r = e.new_vec("r");
    cc.emit(I::kIdXorps, r, r);  // cvtsd2ss merges into the destination: break the dependency
    cc.emit(I::kIdCvtsd2ss, r, r64);
    e.mov(dst, r);
    return;
  }
  const bool avx512 = e.isa() == Isa::Avx512;
  // Narrow halves: xmm (AVX2) or ymm (AVX-512) views of the float32 registers.
  auto narrow = [&](const Vec& v) -> Vec { return avx512 ? Vec(v.ymm()) : Vec(v.xmm()); };
  const asmjit::InstId extract = avx512 ? I::kIdVextractf64x4 : I::kIdVextractf128;
  const asmjit::InstId insert = avx512 ? I::kIdVinsertf64x4 : I::kIdVinsertf128;
  Vec halves[2];
  for (int half = 0; half < 2; ++half) {
    Vec a64 = d.new_vec("a64"), b64 = d.new_vec("b64"), r64 = d.new_vec("r64");
    if (half == 0) {
      cc.emit(I::kIdVcvtps2pd, a64, narrow(aa));
      cc.emit(I::kIdVcvtps2pd, b64, narrow(b));
    } else {
      Vec ah = e.new_vec("ah"), bh = e.new_vec("bh");
      cc.emit(extract, narrow(ah), aa, asmjit::imm(1));
      cc.emit(extract, narrow(bh), b, asmjit::imm(1));
      cc.emit(I::kIdVcvtps2pd, a64, narrow(ah));
      cc.emit(I::kIdVcvtps2pd, b64, narrow(bh));
    }
    pow_core(d, r64, a64, b64, false);
    halves[half] = e.new_vec("r32");
    cc.emit(I::kIdVcvtpd2ps, narrow(halves[half]), r64);
  }
  cc.emit(insert, dst, halves[0], narrow(halves[1]), asmjit::imm(1));
}

}  // namespace

void emit_pow(const VecEmitter& e, const Vec& dst, const Vec& a, const Vec& b) {
  const bool f64 = e.is_f64();
  const double inf = std::numeric_limits<double>::infinity();
  const double two_m = f64 ? 0x1p52 : 0x1p23;  // every float at least this large is an even integer
  Vec aa = e.new_vec("aa"), ab = e.new_vec("ab"), r = e.new_vec("r");
  e.abs(aa, a);
  e.abs(ab, b);
  if (f64) {
    pow_core(e, r, aa, b, true);
  } else {
    pow_core_via_f64(e, r, aa, b);
  }
  // Integer tests on |b|: v is an integer when v >= 2^m or (v + 2^m) - 2^m == v; b is odd when |b| is an
  // integer and |b| / 2 is not. Infinite b counts as an even integer, as in C.
  auto is_integer = [&](const Vec& v) {
    Vec rounded = e.new_vec("rounded");
    e.add(rounded, v, e.constant(two_m));
    e.sub(rounded, rounded, e.constant(two_m));
    return e.mask_or(e.cmp(rounded, v, Cmp::Eq), e.cmp(v, e.constant(two_m), Cmp::Nlt));
  };
  Vec half_b = e.new_vec("half_b");
  e.mul(half_b, ab, e.constant(0.5));
  const Mask b_integer = is_integer(ab);
  const Mask b_odd = e.mask_andnot(is_integer(half_b), b_integer);
  // A finite negative base to a non-integer power: NaN.
  const Mask negative_finite = e.mask_and(e.cmp(a, e.constant(0.0), Cmp::Lt), e.cmp(aa, e.constant(inf), Cmp::Lt));
  e.select(r, e.mask_andnot(b_integer, negative_finite), e.constant(std::numeric_limits<double>::quiet_NaN()), r);
  // A negative base (-0 and -inf included) to an odd power: negative.
  Vec flipped = e.new_vec("flipped");
  e.xor_sign(flipped, r, a);
  e.select(r, b_odd, flipped, r);
  // pow(a, +-0) = 1 and pow(1, b) = 1 even for NaN; pow(-1, +-inf) = 1.
  Mask one = e.mask_or(e.cmp(b, e.constant(0.0), Cmp::Eq), e.cmp(a, e.constant(1.0), Cmp::Eq));
  one = e.mask_or(one, e.mask_and(e.cmp(aa, e.constant(1.0), Cmp::Eq), e.cmp(ab, e.constant(inf), Cmp::Eq)));
  e.select(dst, one, e.constant(1.0), r);
}

}  // namespace ember::jit::cpu
