// sin and cos: |x| = k pi/2 + r by Cody-Waite in three (FMA) or four parts, then sin or cos of r by quadrant.
// Coefficients and splits: scripts/fit_vec_math.py.
#include <span>

#include "jit/cpu/vec_math.h"

namespace ember::jit::cpu {
namespace {

using x86::Vec;

// sin(r) = r + r v S(v), cos(r) = 1 - v/2 + v^2 C(v), v = r^2, |r| <= 0.9. Fit errors: sin 1.1e-8 and 2.3e-17,
// cos 4.8e-10 and 5.2e-19 (float32, float64).
constexpr double kSinPoly_f32[] = {-0.16666640222713626268, 0.0083313479871698447111, -0.00019416891184367774627};
constexpr double kCosPoly_f32[] = {0.041666618297995624273, -0.0013886152039144155645, 0.000024316269837744635697};
constexpr double kSinPoly_f64[] = {
    -0.16666666666666489748,  0.0083333333332908509162,  -0.00019841269807300786606,
    2.7557306734146034706e-6, -2.5049785742997664985e-8, 1.5846355639706146861e-10,
};
constexpr double kCosPoly_f64[] = {
    0.041666666666666276411,   -0.0013888888888825612461, 0.000024801587263089609378,
    -2.7557307676946545213e-7, 2.0874924700579942504e-9,  -1.1323062350604545259e-11,
};
// pi/2 in parts. With FMA k*part needs no exactness (one rounding of a small difference); without, the leading
// parts are short so k*part is exact for k < 2^14 (float32) or 2^22 (float64).
constexpr double kHalfPiFma_f32[] = {0x1.921fb40000000p+0, 0x1.4442d00000000p-24, 0x1.84698a0000000p-48};
constexpr double kHalfPiFma_f64[] = {0x1.921fb54442d18p+0, 0x1.1a62633145c06p-54, 0x1.c1cd129024e09p-107};
constexpr double kHalfPi_f32[] = {0x1.9200000000000p+0, 0x1.fb00000000000p-12, 0x1.5100000000000p-22,
                                  0x1.0b46120000000p-34};
constexpr double kHalfPi_f64[] = {0x1.921fb54400000p+0, 0x1.0b4611a400000p-34, 0x1.13198a2c00000p-65,
                                  0x1.01b839a25204ap-96};
constexpr double kTwoOverPi = 0.63661977236758134308;

std::span<const double> half_pi_parts(const VecEmitter& e) {
  if (e.has_fma()) return e.is_f64() ? std::span<const double>(kHalfPiFma_f64) : std::span<const double>(kHalfPiFma_f32);
  return e.is_f64() ? std::span<const double>(kHalfPi_f64) : std::span<const double>(kHalfPi_f32);
}

void emit_sin_cos(const VecEmitter& e, const Vec& dst, const Vec& x, bool cosine) {
  const bool f64 = e.is_f64();
  const double magic = f64 ? 0x1.8p52 : 0x1.8p23;
  Vec ax = e.new_vec("ax"), t = e.new_vec("t"), k = e.new_vec("k"), r = e.new_vec("r");
  e.abs(ax, x);
  // t's integer bits end in k = round(|x| * 2/pi) (exact while k < 2^22 or 2^51).
  e.fma(t, ax, e.constant(kTwoOverPi), e.constant(magic));
  e.sub(k, t, e.constant(magic));
  e.mov(r, ax);
  for (double part : half_pi_parts(e)) e.fnma(r, k, e.constant(part), r);
  // |r| <= pi/4, or a little more where 2/pi's rounding makes k off by one (|x| > 1e5). Past the range where k
  // is exact, r is meaningless: the clamp still keeps the result within [-1, 1].
  e.clamp(r, r, -0.9, 0.9);
  // Quadrant q = k (+1 for cos): bit 0 picks the cos polynomial, bit 1 negates.
  Vec q = t;
  if (cosine) {
    q = e.new_vec("q");
    e.add_int(q, t, e.constant_bits(1));
  }
  Vec v = e.new_vec("v"), s = e.new_vec("s"), c = e.new_vec("c"), w = e.new_vec("w");
  e.mul(v, r, r);
  e.horner(s, v, f64 ? std::span<const double>(kSinPoly_f64) : std::span<const double>(kSinPoly_f32));
  e.mul(w, r, v);
  e.fma(s, w, s, r);
  e.horner(c, v, f64 ? std::span<const double>(kCosPoly_f64) : std::span<const double>(kCosPoly_f32));
  e.mul(w, v, v);
  Vec one_minus = e.new_vec("one_minus");
  e.fnma(one_minus, v, e.constant(0.5), e.constant(1.0));
  e.fma(c, w, c, one_minus);
  Vec res = e.new_vec("res"), sign = e.new_vec("sign");
  e.select(res, e.bit_test(q, 0), c, s);
  e.shl_int(sign, q, f64 ? 62 : 30);
  e.xor_sign(res, res, sign);
  if (cosine) {
    e.mov(dst, res);
  } else {
    e.xor_sign(dst, res, x);  // sin is odd (also gives sin(-0) = -0)
  }
}

}  // namespace

void emit_sin(const VecEmitter& e, const Vec& dst, const Vec& x) { emit_sin_cos(e, dst, x, false); }
void emit_cos(const VecEmitter& e, const Vec& dst, const Vec& x) { emit_sin_cos(e, dst, x, true); }

}  // namespace ember::jit::cpu
