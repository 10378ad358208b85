// exp, expm1 (for tanh), log, tanh and sigmoid: Cody-Waite reduction by ln2 and an exponent/mantissa split.
// Polynomial coefficients come from scripts/fit_vec_math.py.
#include <bit>
#include <limits>
#include <span>

#include "jit/cpu/vec_math.h"

namespace ember::jit::cpu {
namespace {

using x86::Vec;

// expm1(r) ~ r + r^2 * P(r) on |r| <= 0.35; fit errors 1.4e-8 and 2.9e-19.
constexpr double kExpPoly_f32[] = {
    0.49999998042500064794, 0.16666538731344321126, 0.041667221238039921111, 0.0083671740650921511554,
    0.0013882382449506868491,
};
constexpr double kExpPoly_f64[] = {
    0.50000000000000000095,     0.16666666666666677514,    0.041666666666666492599,  0.0083333333333207484227,
    0.0013888888888968340347,   0.00019841269888655144585, 0.000024801587164742821938, 2.7557241400651900672e-6,
    2.7557405982083431100e-7,   2.5110097948109109198e-8,  2.0875294283731880563e-9,
};
// log1p(f) = 2s + s z Q(z), s = f / (2 + f), z = s^2 <= 0.0295; fit errors 8.2e-10 and 1.3e-18.
constexpr double kLogPoly_f32[] = {0.66666777107240967849, 0.39977442527162680384, 0.29874617234592928490};
constexpr double kLogPoly_f64[] = {
    0.66666666666667354559, 0.39999999999406961164, 0.28571428744266722394, 0.22222198364787150744,
    0.18183575918806006778, 0.15313735451780322351, 0.14799279297811654899,
};
// ln2 = hi + lo, hi short enough that n * hi is exact for every exponent n.
constexpr double kLn2_f32[] = {0x1.62e4000000000p-1, 0x1.7f7d1c0000000p-20};
constexpr double kLn2_f64[] = {0x1.62e42fefa3800p-1, 0x1.ef35793c76730p-45};
constexpr double kLog2e = 1.44269504088896340736;

std::span<const double> exp_poly(const VecEmitter& e) {
  return e.is_f64() ? std::span<const double>(kExpPoly_f64) : std::span<const double>(kExpPoly_f32);
}
const double* ln2(const VecEmitter& e) { return e.is_f64() ? kLn2_f64 : kLn2_f32; }
// Adding 1.5 * 2^mantissa_bits rounds to an integer n and leaves magic_bits + n in the lane's integer bits.
double round_magic(const VecEmitter& e) { return e.is_f64() ? 0x1.8p52 : 0x1.8p23; }
uint64_t sign_bit(const VecEmitter& e) { return e.is_f64() ? 0x8000000000000000ull : 0x80000000ull; }

// t = round_magic + n with n = round(x / ln2); r = x - n ln2 (Cody-Waite); q = expm1(r).
struct Reduced {
  Vec t, n, q;
};
Reduced reduce_and_expm1(const VecEmitter& e, const Vec& x, const Vec* lo) {
  Reduced out{e.new_vec("t"), e.new_vec("n"), e.new_vec("q")};
  e.fma(out.t, x, e.constant(kLog2e), e.constant(round_magic(e)));
  e.sub(out.n, out.t, e.constant(round_magic(e)));
  Vec r = e.new_vec("r");
  e.fnma(r, out.n, e.constant(ln2(e)[0]), x);
  e.fnma(r, out.n, e.constant(ln2(e)[1]), r);
  if (lo) e.add(r, r, *lo);
  Vec p = e.new_vec("p"), r2 = e.new_vec("r2");
  e.horner(p, r, exp_poly(e));
  e.mul(r2, r, r);
  e.fma(out.q, r2, p, r);
  return out;
}

}  // namespace

namespace detail {

void emit_exp_core(const VecEmitter& e, const Vec& dst, const Vec& x, const Vec* lo) {
  // Beyond these, exp is inf or rounds to 0 anyway; inside, n fits the two-step scaling below.
  Vec xc = e.new_vec("xc");
  e.clamp(xc, x, e.is_f64() ? -746.0 : -105.0, e.is_f64() ? 710.0 : 89.0);
  Reduced red = reduce_and_expm1(e, xc, lo);
  Vec y = e.new_vec("y");
  e.add(y, red.q, e.constant(1.0));
  if (e.isa() == Isa::Avx512) {  // y * 2^n with correct overflow and gradual underflow
    e.cc().emit(e.is_f64() ? x86::Inst::kIdVscalefpd : x86::Inst::kIdVscalefps, dst, y, red.n);
    return;
  }
  // 2^n = 2^h * 2^(n-h), h = floor(n/2), each factor a normal number for every n the clamp allows. With
  // u = magic_bits + n, u >> 1 = magic_bits/2 + h; the magic parts shift out of the exponent field.
  const Vec& u = red.t;
  const x86::Mem bias = e.constant_bits(uint64_t(e.exponent_bias()));
  Vec h = e.new_vec("h"), s1 = e.new_vec("s1"), s2 = e.new_vec("s2");
  e.shr_int(h, u, 1);
  e.add_int(s1, h, bias);
  e.shl_int(s1, s1, e.mantissa_bits());
  e.sub_int(s2, u, h);
  e.add_int(s2, s2, bias);
  e.shl_int(s2, s2, e.mantissa_bits());
  e.mul(y, y, s1);
  e.mul(dst, y, s2);
}

void emit_expm1_small(const VecEmitter& e, const Vec& dst, const Vec& x) {
  Reduced red = reduce_and_expm1(e, x, nullptr);
  // expm1(x) = 2^n q + (2^n - 1)
  Vec s = e.new_vec("s"), s1 = e.new_vec("s1");
  e.add_int(s, red.t, e.constant_bits(uint64_t(e.exponent_bias())));
  e.shl_int(s, s, e.mantissa_bits());
  e.sub(s1, s, e.constant(1.0));
  e.fma(dst, s, red.q, s1);
}

void emit_log_core(const VecEmitter& e, const Vec& hi, const Vec* lo, const Vec& x) {
  const bool f64 = e.is_f64();
  const int mbits = e.mantissa_bits();
  const double two_m = f64 ? 0x1p52 : 0x1p23;
  // Subnormals: scale into the normal range first.
  Mask tiny = e.cmp(x, e.constant(f64 ? 0x1p-1022 : 0x1p-126), Cmp::Lt);
  Vec xs = e.new_vec("xs");
  e.mul(xs, x, e.constant(two_m));
  e.select(xs, tiny, xs, x);
  // x = 2^k m with m in [sqrt(1/2), sqrt(2)): offset the bits so the exponent field rounds at sqrt(2).
  const uint64_t sqrt_half = f64 ? std::bit_cast<uint64_t>(0.70710678118654752440)
                                 : std::bit_cast<uint32_t>(0.70710678118654752440f);
  const uint64_t one = f64 ? 0x3ff0000000000000ull : 0x3f800000ull;
  Vec y = e.new_vec("y"), k = e.new_vec("k"), m = e.new_vec("m");
  e.add_int(y, xs, e.constant_bits(one - sqrt_half));
  e.shr_int(k, y, mbits);  // biased exponent, < 2^mbits: or-ing 2^mbits's bits converts it to float exactly
  e.bit_or(k, k, e.constant(two_m));
  e.sub(k, k, e.constant(two_m + e.exponent_bias()));
  e.add_where(k, tiny, k, e.constant(-double(mbits)));
  e.bit_and(m, y, e.constant_bits((uint64_t(1) << mbits) - 1));
  e.add_int(m, m, e.constant_bits(sqrt_half));
  // log(m) = log1p(f) = 2s + s z Q(z)
  Vec f = e.new_vec("f"), d = e.new_vec("d"), s = e.new_vec("s"), z = e.new_vec("z"), tail = e.new_vec("tail");
  e.sub(f, m, e.constant(1.0));
  e.add(d, f, e.constant(2.0));
  e.div(s, f, d);
  e.mul(z, s, s);
  e.horner(tail, z, f64 ? std::span<const double>(kLogPoly_f64) : std::span<const double>(kLogPoly_f32));
  e.mul(tail, tail, z);
  e.mul(tail, tail, s);
  const double* l2 = ln2(e);
  Vec r = e.new_vec("r");
  if (!lo) {
    // k ln2_hi + (2s + (tail + k ln2_lo)); k ln2_hi is exact.
    e.fma(tail, k, e.constant(l2[1]), tail);
    e.fma(tail, s, e.constant(2.0), tail);
    e.fma(r, k, e.constant(l2[0]), tail);
  } else {
    // Extra bits for pow: s's rounding error s_lo = (f - s d - s d_lo) / d, d_lo = (2 - d) + f the error of d.
    Vec dl = e.new_vec("dl"), rs = e.new_vec("rs"), ph = e.new_vec("ph"), pl = e.new_vec("pl");
    Vec two = e.load_constant(2.0);
    e.sub(dl, two, d);
    e.add(dl, dl, f);
    e.two_prod(ph, pl, s, d);
    e.sub(rs, f, ph);
    e.sub(rs, rs, pl);
    e.fnma(rs, s, dl, rs);
    e.div(rs, rs, d);  // s_lo
    // A + B with A = k ln2_hi, B = 2s (both exact), error by Knuth's two-sum.
    Vec a = e.new_vec("a"), b = e.new_vec("b"), sum = e.new_vec("sum"), bb = e.new_vec("bb"), err = e.new_vec("err");
    e.mul(a, k, e.constant(l2[0]));
    e.add(b, s, s);
    e.add(sum, a, b);
    e.sub(bb, sum, a);
    e.sub(err, sum, bb);
    e.sub(err, a, err);
    e.sub(bb, b, bb);
    e.add(err, err, bb);
    // low = 2 s_lo + tail + k ln2_lo + err; then hi, lo = fast_two_sum(sum, low)
    e.fma(tail, rs, e.constant(2.0), tail);
    e.fma(tail, k, e.constant(l2[1]), tail);
    e.add(tail, tail, err);
    e.add(r, sum, tail);
    Vec c = e.new_vec("c");
    e.sub(c, r, sum);
    e.sub(*lo, tail, c);
  }
  // log(+inf) = inf, log(+-0) = -inf, log(x < 0) = NaN, NaN stays (x + NaN returns x's NaN when x is one).
  const double inf = std::numeric_limits<double>::infinity();
  e.select(r, e.cmp(x, e.constant(inf), Cmp::Eq), e.constant(inf), r);
  e.select(r, e.cmp(x, e.constant(0.0), Cmp::Eq), e.constant(-inf), r);
  Vec zero = e.load_constant(0.0), nan = e.new_vec("nan");
  e.add(nan, x, e.constant(std::numeric_limits<double>::quiet_NaN()));
  e.select(hi, e.cmp(zero, x, Cmp::Nle), nan, r);  // !(0 <= x): negative or NaN
}

void emit_sigmoid_core(const VecEmitter& e, const Vec& dst, const Vec& x) {
  // With ex = exp(-|x|) <= 1: 1 / (1 + ex) for x >= 0, ex / (1 + ex) for x < 0; neither overflows.
  Vec nax = e.new_vec("nax"), ex = e.new_vec("ex"), den = e.new_vec("den"), num = e.new_vec("num");
  e.bit_or(nax, x, e.constant_bits(sign_bit(e)));
  emit_exp_core(e, ex, nax, nullptr);
  e.add(den, ex, e.constant(1.0));
  e.select(num, e.cmp(x, e.constant(0.0), Cmp::Lt), ex, e.constant(1.0));
  e.div(dst, num, den);
}

}  // namespace detail

void emit_exp(const VecEmitter& e, const Vec& dst, const Vec& x) { detail::emit_exp_core(e, dst, x, nullptr); }

void emit_log(const VecEmitter& e, const Vec& dst, const Vec& x) { detail::emit_log_core(e, dst, nullptr, x); }

void emit_tanh(const VecEmitter& e, const Vec& dst, const Vec& x) {
  // tanh|x| = em / (em + 2), em = expm1(2|x|): relative accuracy at 0, no cancellation. Past the clamp tanh
  // rounds to 1.
  Vec ax = e.new_vec("ax"), em = e.new_vec("em"), den = e.new_vec("den");
  e.abs(ax, x);
  Vec limit = e.load_constant(e.is_f64() ? 19.1 : 9.1);
  e.min(ax, limit, ax);  // keeps NaN
  e.add(ax, ax, ax);
  detail::emit_expm1_small(e, em, ax);
  e.add(den, em, e.constant(2.0));
  e.div(em, em, den);
  e.xor_sign(dst, em, x);
}

void emit_sigmoid(const VecEmitter& e, const Vec& dst, const Vec& x) { detail::emit_sigmoid_core(e, dst, x); }

}  // namespace ember::jit::cpu
