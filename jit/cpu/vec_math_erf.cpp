// erf and the two GELUs. erf(x) = x P(x^2) near 0; beyond, erfc(z) = exp(-z^2) t R(t) with t = 2 / (2 + z), which
// keeps erfc's relative accuracy down to underflow (gelu's left tail needs it). Coefficients: scripts/fit_vec_math.py.
#include <span>

#include "jit/cpu/vec_math.h"

namespace ember::jit::cpu {
namespace {

using x86::Vec;

// erf(x) / x ~ P(x^2) for |x| < 0.9 (float32, fit error 1.2e-8) or < 1 (float64, 7.1e-18).
constexpr double kErfSmallPoly_f32[] = {
    1.1283791553183534021,  -0.37612532440411341545, 0.11282229915221328392,
    -0.026781955318820782303, 0.0050162261286761735215, -0.00061112809593594232039,
};
constexpr double kErfSmallPoly_f64[] = {
    1.1283791670955125668,      -0.37612638903183546574,     0.11283791670945251401,
    -0.026866170643275974764,   0.0052239776074218068235,    -0.00085483259896308259590,
    0.00012055295318870268594,  -0.000014924744637831040488, 1.6447517423278148245e-6,
    -1.6209174357205345419e-7,  1.3722971015972958656e-8,    -7.8011814567138498144e-10,
};
// erfc(z) exp(z^2) / t ~ R(t), t = 2 / (2 + z), z from the cutoff to 10.5 (float32, 3.6e-9) or 28 (float64, 8.6e-18).
constexpr double kErfcPoly_f32[] = {
    0.28208398794924844619, 0.28239305460973645006,  0.24331069425408083196,
    0.19958519868412499671, -0.010500091196727167978, 0.23458967761805086783,
    -0.42232707041798241532, 0.23373908453755212759, -0.042722284809850228853,
};
constexpr double kErfcPoly_f64[] = {
    0.28209479177527442979,  0.28209479163453033750,   0.24683294916974839636,  0.17630906772230060111,
    0.083750255912016115940, -0.0044541213333624835753, -0.056267783843883814990, -0.057301439074316747283,
    0.020385388370187999446, -0.069846344737521191546,  0.52101049416817987545,  -1.4456172008160048824,
    3.3573650010342660913,   -6.3077342780833659256,    8.2113458907113432441,   -6.6463362380224577898,
    2.5112366150760675316,   0.71803135484629519509,    -1.3439574371224871388,  0.63268663593353117453,
    -0.11163317477772670658,
};
constexpr double kInvSqrt2 = 0.70710678118654752440;

double small_cutoff(const VecEmitter& e) { return e.is_f64() ? 1.0 : 0.9; }
// erfc underflows to 0 past these.
double z_max(const VecEmitter& e) { return e.is_f64() ? 28.0 : 10.5; }

struct ErfParts {
  Mask small;  // z below the cutoff: use poly
  Vec poly;    // P(z^2), erf(u) = u * poly
  Vec erfc;    // erfc(z)
};

// z >= 0 (clamped to z_max), z^2 = z2h + z2l exactly.
ErfParts erf_parts(const VecEmitter& e, const Vec& z, const Vec& z2h, const Vec& z2l) {
  const bool f64 = e.is_f64();
  ErfParts out{e.cmp(z, e.constant(small_cutoff(e)), Cmp::Lt), e.new_vec("poly"), e.new_vec("erfc")};
  e.horner(out.poly, z2h,
           f64 ? std::span<const double>(kErfSmallPoly_f64) : std::span<const double>(kErfSmallPoly_f32));
  Vec t = e.new_vec("t"), r = e.new_vec("r"), nh = e.new_vec("nh"), nl = e.new_vec("nl"), ex = e.new_vec("ex");
  Vec two = e.load_constant(2.0);
  e.add(t, z, two);
  e.div(t, two, t);
  e.horner(r, t, f64 ? std::span<const double>(kErfcPoly_f64) : std::span<const double>(kErfcPoly_f32));
  e.mul(r, r, t);
  const x86::Mem sign = e.constant_bits(f64 ? 0x8000000000000000ull : 0x80000000ull);
  e.bit_xor(nh, z2h, sign);
  e.bit_xor(nl, z2l, sign);
  detail::emit_exp_core(e, ex, nh, &nl);  // exp(-z^2) with z^2's rounding error folded in
  e.mul(out.erfc, ex, r);
  return out;
}

}  // namespace

void emit_erf(const VecEmitter& e, const Vec& dst, const Vec& x) {
  Vec z = e.new_vec("z"), z2h = e.new_vec("z2h"), z2l = e.new_vec("z2l");
  e.abs(z, x);
  e.clamp(z, z, 0.0, z_max(e));
  e.two_prod(z2h, z2l, z, z);
  ErfParts parts = erf_parts(e, z, z2h, z2l);
  Vec small = e.new_vec("small"), large = e.new_vec("large");
  e.mul(small, x, parts.poly);  // odd: keeps -0
  Vec one = e.load_constant(1.0);
  e.sub(large, one, parts.erfc);
  e.xor_sign(large, large, x);
  e.select(dst, parts.small, small, large);
}

void emit_gelu(const VecEmitter& e, const Vec& dst, const Vec& x) {
  // w = 1 + erf(u), u = x / sqrt(2): 1 + u P(u^2) near 0, erfc(|u|) for u < 0, 2 - erfc(u) for u > 0.
  // u^2 = x^2 / 2 exactly from x's two_prod, so the tail's exp(-u^2) does not inherit u's rounding.
  const double x_max = z_max(e) * 1.4142135623730950488;
  Vec xc = e.new_vec("xc"), u = e.new_vec("u"), z = e.new_vec("z"), z2h = e.new_vec("z2h"), z2l = e.new_vec("z2l");
  e.clamp(xc, x, -x_max, x_max);
  e.mul(u, xc, e.constant(kInvSqrt2));
  e.abs(z, u);
  e.two_prod(z2h, z2l, xc, xc);
  e.mul(z2h, z2h, e.constant(0.5));
  e.mul(z2l, z2l, e.constant(0.5));
  ErfParts parts = erf_parts(e, z, z2h, z2l);
  Vec near = e.new_vec("near"), w = e.new_vec("w"), two_minus = e.new_vec("two_minus");
  e.fma(near, u, parts.poly, e.constant(1.0));
  Vec two = e.load_constant(2.0);
  e.sub(two_minus, two, parts.erfc);
  e.select(w, e.cmp(x, e.constant(0.0), Cmp::Lt), parts.erfc, two_minus);
  e.select(w, parts.small, near, w);
  Vec half_x = e.new_vec("half_x");
  e.mul(half_x, x, e.constant(0.5));
  e.mul(dst, half_x, w);
}

void emit_gelu_tanh(const VecEmitter& e, const Vec& dst, const Vec& x) {
  // 0.5 x (1 + tanh(y)) = x sigmoid(2y), y = sqrt(2/pi) (x + 0.044715 x^3): no cancellation for x < 0.
  constexpr double kTwoSqrt2OverPi = 1.5957691216057307117;
  Vec x2 = e.new_vec("x2"), v = e.new_vec("v"), sig = e.new_vec("sig");
  e.mul(x2, x, x);
  e.fma(v, x2, e.constant(kTwoSqrt2OverPi * 0.044715), e.constant(kTwoSqrt2OverPi));
  e.mul(v, v, x);
  detail::emit_sigmoid_core(e, sig, v);
  e.mul(dst, x, sig);
}

}  // namespace ember::jit::cpu
