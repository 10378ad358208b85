// Specification of the pointwise math ops: division and remainders, powers, float math, rounding, clamps,
// lerp/addcmul/addcdiv, logical and bitwise ops, special values and activations, with PyTorch's promotion
// and errors. Expected values: scripts/golden/pointwise_math.py (PyTorch 1.13).
#include "helpers.h"

#include <cmath>
#include <cstring>

#include "eager/meta.h"

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {


// Elementwise against PyTorch's values: NaN matches NaN, infinities and zeros exactly, values below
// float's normal range absolutely (denormal results differ in the last bits), others within `rel`.
void check_close(const Tensor& t, const std::vector<double>& expected, double rel = 1e-6) {
  const std::vector<double> actual = values(t);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CAPTURE(actual[i]);
    CAPTURE(expected[i]);
    if (std::isnan(expected[i])) CHECK(std::isnan(actual[i]));
    else if (std::isinf(expected[i]) || expected[i] == 0) CHECK(actual[i] == expected[i]);
    else if (std::fabs(expected[i]) < 1e-38) CHECK(std::fabs(actual[i] - expected[i]) < 1e-38);
    else CHECK(actual[i] == doctest::Approx(expected[i]).epsilon(rel));
  }
}

// Exact equality that tells -0.0 from 0.0 (and NaN matches NaN).
void check_exact(const Tensor& t, const std::vector<double>& expected) {
  const std::vector<double> actual = values(t);
  REQUIRE(actual.size() == expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    CAPTURE(i);
    CAPTURE(actual[i]);
    CAPTURE(expected[i]);
    if (std::isnan(expected[i])) CHECK(std::isnan(actual[i]));
    else CHECK((actual[i] == expected[i] && std::signbit(actual[i]) == std::signbit(expected[i])));
  }
}

Tensor f32(std::vector<double> v) { return make<double>(v, {int64_t(v.size())}); }
Tensor f64(std::vector<double> v) { return make<double>(v, {int64_t(v.size())}, kDouble); }
Tensor ints(std::vector<int64_t> v, ScalarType dtype = kLong) { return make<int64_t>(v, {int64_t(v.size())}, dtype); }
Tensor bools(std::vector<int64_t> v) { return make<int64_t>(v, {int64_t(v.size())}, kBool); }

// ember::floor etc. next to ::floor from <cmath>: name the overload.
using UnaryFn = Tensor (*)(const Tensor&);

}  // namespace

// ---- division and remainders ----

TEST_CASE("floor_divide rounds toward minus infinity for integers and floats") {
  Tensor q = floor_divide(ints({7, -7, 7, -7}), ints({2, 2, -2, -2}));
  CHECK(q.dtype() == kLong);
  check_exact(q, {3, -4, -4, 3});
  check_exact(floor_divide(f32({7.0, -7.0, 1.0, -1.0, 0.0, -0.0}), f32({2.0, 2.0, 0.0, 0.0, 3.0, 3.0})),
              {3.0, -4.0, INFINITY, -INFINITY, 0.0, -0.0});
  check_exact(f32({7.5, -7.5}).floor_divide(2), {3.0, -4.0});
  CHECK(contains(error_of([] { floor_divide(ints({1}), ints({0})); }), "ZeroDivisionError"));
  CHECK(contains(error_of([] { floor_divide(bools({1}), bools({1})); }), "not implemented for 'Bool'"));
}

TEST_CASE("remainder takes the divisor's sign and fmod the dividend's") {
  Tensor a = f32({7.5, -7.5, 7.5, -7.5, 1.0, 5.0, INFINITY, -0.0, 3.0, -5.0});
  Tensor b = f32({2.0, 2.0, -2.0, -2.0, 0.0, INFINITY, 2.0, 2.0, -3.0, INFINITY});
  check_exact(remainder(a, b), {1.5, 0.5, -0.5, -1.5, NAN, 5.0, NAN, -0.0, 0.0, INFINITY});
  check_exact(fmod(a, b), {1.5, -1.5, 1.5, -1.5, NAN, 5.0, NAN, -0.0, 0.0, -5.0});
  check_exact(remainder(ints({7, -7, 7, -7}), ints({3, 3, -3, -3})), {1, 2, -2, -1});
  check_exact(fmod(ints({7, -7, 7, -7}), ints({3, 3, -3, -3})), {1, -1, 1, -1});
  check_exact(remainder(ints({-128}, kChar), ints({-1}, kChar)), {0});
  // INT64_MIN % -1 is 0, not a trap (PyTorch 1.13 crashes with SIGFPE here).
  check_exact(fmod(full({1}, INT64_MIN, kLong), full({1}, -1, kLong)), {0});
}

TEST_CASE("remainder and fmod scalar forms promote like binary arithmetic") {
  Tensor r = remainder(ints({5, -5}), 3);
  CHECK(r.dtype() == kLong);
  check_exact(r, {2, 1});
  Tensor rf = remainder(ints({5, -5}), 1.5);
  CHECK(rf.dtype() == kFloat);
  check_exact(rf, {0.5, 1.0});
  check_exact(remainder(5, ints({3, -3})), {2, -1});
  check_exact(fmod(f32({5.0, -5.0}), 1.5), {0.5, -0.5});
  Tensor rb = remainder(bools({1, 0}), 2);
  CHECK(rb.dtype() == kLong);
  check_exact(rb, {1, 0});
  Tensor rh = remainder(make<double>({7.5, -7.5}, {2}, kHalf), 2);
  CHECK(rh.dtype() == kHalf);
  check_exact(rh, {1.5, 0.5});
  CHECK(contains(error_of([] { fmod(ints({1}), 0); }), "ZeroDivisionError"));
  CHECK(contains(error_of([] { remainder(bools({1}), bools({1})); }), "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { ints({5}).remainder_(2.5); }), "result type Float can't be cast to the desired output type Long"));
}

// ---- powers ----

TEST_CASE("pow: tensor^tensor, tensor^scalar and scalar^tensor promote as in PyTorch") {
  check_close(pow(f32({2.0, 4.0, -8.0, 0.0, -2.0, 1.0}), f32({0.5, -1.5, 1.0 / 3, -1.0, 3.0, NAN})),
              {1.4142135381698608, 0.125, NAN, INFINITY, -8.0, 1.0});
  check_close(pow(f32({4.0, 2.0, 0.0}), 2.5), {32.0, 5.656854152679443, 0.0});
  Tensor i2 = pow(ints({3, -4, 5}, kInt), 2);
  CHECK(i2.dtype() == kInt);
  check_exact(i2, {9, 16, 25});
  Tensor if25 = ints({4, 9}).pow(2.5);
  CHECK(if25.dtype() == kFloat);
  check_close(if25, {32.0, 243.0});
  Tensor b2 = pow(bools({1, 0}), 2);
  CHECK(b2.dtype() == kLong);
  check_exact(b2, {1, 0});
  Tensor s = pow(2, ints({3, 0, -1, -3}));
  CHECK(s.dtype() == kLong);
  check_exact(s, {8, 1, 0, 0});
  check_close(pow(2.5, ints({2, -1})), {6.25, 0.4000000059604645});
  check_close(pow(-2, f32({0.5, 2.0, 3.0})), {NAN, 4.0, -8.0});
  check_exact(pow(0, ints({-1, 0, 2})), {0, 1, 0});
  check_exact(pow(2, bools({1, 0})), {2, 1});
  Tensor d = pow(ints({2, 3}, kInt), f64({2.5, 0.5}));
  CHECK(d.dtype() == kDouble);
  check_close(d, {5.656854249492381, 1.7320508075688772}, 1e-15);
  check_close(pow(f64({2.0, 10.0}), f64({0.5, -2.5})), {1.4142135623730951, 0.0031622776601683794}, 1e-15);
  CHECK(contains(error_of([] { pow(bools({1}), bools({1})); }), "not implemented for 'Bool'"));
}

TEST_CASE("integer pow wraps and gives 0, 1 or -1 for negative tensor exponents") {
  check_exact(pow(ints({2, -2, 0, 1, -1, -1, 3}), ints({-1, -1, -1, -3, -3, -2, 40})),
              {0, 0, 0, 1, -1, 1, -6289078614652622815.0});
  CHECK(pow(ints({3}), ints({40})).item<int64_t>() == -6289078614652622815LL);
  check_exact(pow(ints({3}, kInt), ints({40}, kInt)), {689956897});
  check_exact(pow(ints({3, 2}, kByte), ints({5, 9}, kByte)), {243, 0});
  CHECK(contains(error_of([] { pow(ints({2}), -1); }), "Integers to negative integer powers are not allowed."));
  CHECK(contains(error_of([] { pow(ints({1}, kChar), 300); }), "value cannot be converted to type int8_t without overflow"));
  CHECK(contains(error_of([] { ints({2}).pow_(0.5); }), "can't be cast to the desired output type Long"));
}

TEST_CASE("pow with exponents 0.5, -0.5, -1, 2, 3, -2 behaves as sqrt, rsqrt, reciprocal and products") {
  check_exact(pow(f32({-0.0, -INFINITY, -4.0, 4.0}), 0.5), {-0.0, NAN, NAN, 2.0});
  check_exact(pow(f32({-0.0, -INFINITY, 0.0, 4.0}), -0.5), {-INFINITY, NAN, INFINITY, 0.5});
  check_exact(pow(f32({-0.0, -INFINITY, 0.0, 4.0}), -1), {-INFINITY, -0.0, INFINITY, 0.25});
  check_exact(pow(f32({-0.0, -INFINITY, 1e20, 1.1}), 2), {0.0, INFINITY, INFINITY, 1.2100000381469727});
  check_exact(pow(f32({1.1, -0.0, 1e13}), 3), {1.3310000896453857, -0.0, INFINITY});
  check_exact(pow(f32({1.1, -0.0, 1e20}), -2), {0.8264462351799011, INFINITY, 0.0});
  check_exact(pow(f32({NAN, 1.0}), 0), {1.0, 1.0});
}

TEST_CASE("pow on float16 and bfloat16 computes in float") {
  // float16 has no sqrt special case (pow(-0, 0.5) is +0, pow(-inf, 0.5) is inf) and rounds the exponent.
  Tensor h = pow(make<double>({-0.0, -INFINITY, 4.0}, {3}, kHalf), 0.5);
  CHECK(h.dtype() == kHalf);
  check_exact(h, {0.0, INFINITY, 2.0});
  check_exact(pow(make<double>({3.0, 7.0}, {2}, kHalf), 0.3), {1.390625, 1.79296875});
  check_exact(pow(make<double>({1.1, 2.3, 3.7}, {3}, kBFloat16), 3), {1.3359375, 12.125, 50.75});
}

// ---- float math ----

TEST_CASE("float math matches PyTorch on ordinary arguments") {
  Tensor x = f32({-2.5, -0.5, 0.0, 0.5, 1.0, 3.0});
  check_close(exp2(x), {0.1767766922712326, 0.7071067690849304, 1.0, 1.4142135381698608, 2.0, 8.0});
  check_close(expm1(x), {-0.9179149866104126, -0.39346933364868164, 0.0, 0.6487212777137756, 1.718281865119934,
                         19.08553695678711});
  check_close(sin(x), {-0.5984721183776855, -0.4794255495071411, 0.0, 0.4794255495071411, 0.8414709568023682,
                       0.14112000167369843});
  check_close(cos(x), {-0.8011435866355896, 0.8775825500488281, 1.0, 0.8775825500488281, 0.5403023362159729,
                       -0.9899924993515015});
  check_close(tan(x), {0.7470223307609558, -0.5463024973869324, 0.0, 0.5463024973869324, 1.5574077367782593,
                       -0.14254654943943024});
  check_close(atan(x), {-1.1902899742126465, -0.46364760398864746, 0.0, 0.46364760398864746, 0.7853981852531433,
                        1.249045729637146});
  check_close(sinh(x), {-6.050204753875732, -0.5210952758789062, 0.0, 0.5210952758789062, 1.175201177597046,
                        10.017874717712402});
  check_close(cosh(x), {6.132289409637451, 1.1276259422302246, 1.0, 1.1276259422302246, 1.5430805683135986,
                        10.067662239074707});
  check_close(erf(x), {-0.9995930194854736, -0.5204998850822449, 0.0, 0.5204998850822449, 0.8427007794380188,
                       0.9999778866767883});
  check_close(erfc(x), {1.9995930194854736, 1.5204999446868896, 1.0, 0.4795001149177551, 0.15729920566082,
                        2.2090496713644825e-05});
  check_close(reciprocal(x), {-0.4000000059604645, -2.0, INFINITY, 2.0, 1.0, 0.3333333432674408});
  Tensor u = f32({-1.0, -0.5, 0.0, 0.25, 0.9, 1.0});
  check_close(asin(u), {-1.5707963705062866, -0.5235987901687622, 0.0, 0.252680242061615, 1.1197694540023804,
                        1.5707963705062866});
  check_close(acos(u), {3.1415927410125732, 2.094395160675049, 1.5707963705062866, 1.3181160688400269,
                        0.4510268568992615, 0.0});
  check_close(erfinv(u), {-INFINITY, -0.4769362807273865, 0.0, 0.22531205415725708, 1.1630871295928955, INFINITY});
  Tensor p = f32({1e-10, 0.5, 1.0, 2.0, 100.0, 1e30});
  check_close(log2(p), {-33.21928024291992, -1.0, 0.0, 1.0, 6.643856048583984, 99.65784454345703});
  check_close(log10(p), {-10.0, -0.3010300099849701, 0.0, 0.3010300099849701, 2.0, 30.0});
  check_close(log1p(p), {1.000000013351432e-10, 0.40546509623527527, 0.6931471824645996, 1.0986123085021973,
                         4.6151204109191895, 69.07755279541016});
  check_close(rsqrt(p), {100000.0, 1.4142135381698608, 1.0, 0.7071067690849304, 0.10000000149011612,
                         1.0000000036274937e-15});
  check_close(atan2(f32({1.0, 1.0, -1.0, 0.0, -0.0, 0.0, -0.0, INFINITY}),
                    f32({1.0, -1.0, -1.0, 0.0, 0.0, -0.0, -0.0, INFINITY})),
              {0.7853981852531433, 2.356194496154785, -2.356194496154785, 0.0, -0.0, 3.1415927410125732,
               -3.1415927410125732, 0.7853981852531433});
}

TEST_CASE("float math on NaN, infinities and -0.0") {
  Tensor s = f32({NAN, INFINITY, -INFINITY, -0.0});
  check_exact(exp2(s), {NAN, INFINITY, 0.0, 1.0});
  check_exact(expm1(s), {NAN, INFINITY, -1.0, -0.0});
  check_exact(log2(s), {NAN, INFINITY, NAN, -INFINITY});
  check_exact(log10(s), {NAN, INFINITY, NAN, -INFINITY});
  check_exact(log1p(s), {NAN, INFINITY, NAN, -0.0});
  check_exact(sin(s), {NAN, NAN, NAN, -0.0});
  check_exact(cos(s), {NAN, NAN, NAN, 1.0});
  check_exact(tan(s), {NAN, NAN, NAN, -0.0});
  check_exact(asin(s), {NAN, NAN, NAN, -0.0});
  check_exact(acos(s), {NAN, NAN, NAN, 1.5707963705062866});
  check_exact(atan(s), {NAN, 1.5707963705062866, -1.5707963705062866, -0.0});
  check_exact(sinh(s), {NAN, INFINITY, -INFINITY, -0.0});
  check_exact(cosh(s), {NAN, INFINITY, INFINITY, 1.0});
  check_exact(erf(s), {NAN, 1.0, -1.0, -0.0});
  check_exact(erfc(s), {NAN, 0.0, 2.0, 1.0});
  check_exact(erfinv(s), {NAN, NAN, NAN, -0.0});
  check_exact(reciprocal(s), {NAN, 0.0, -0.0, -INFINITY});
  check_exact(rsqrt(s), {NAN, 0.0, NAN, -INFINITY});
  check_exact(log1p(f32({-1.0, -2.0})), {-INFINITY, NAN});
  check_exact(rsqrt(f32({0.0, -1.0})), {INFINITY, NAN});
  check_exact(expm1(f32({100.0, -100.0})), {INFINITY, -1.0});
  check_exact(sinh(f32({100.0, -100.0})), {INFINITY, -INFINITY});
  check_close(erfc(f32({10.0, -10.0, 5.0})), {1.401298464324817e-45, 2.0, 1.5374598295869735e-12});
}

TEST_CASE("trigonometry reduces huge arguments accurately") {
  check_close(sin(f32({1e30, 3e38})), {-0.791163444519043, 0.8749048709869385});
  check_close(cos(f32({1e30})), {-0.6116048097610474});
  check_close(tan(f32({1e10})), {-0.558349609375});
  check_close(sin(f64({1e300, 1e22})), {-0.8178819121159085, -0.8522008497671888}, 1e-14);
}

TEST_CASE("float math promotes integer and bool inputs to the default dtype") {
  Tensor s = sin(ints({1, 2}));
  CHECK(s.dtype() == kFloat);
  check_close(s, {0.8414709568023682, 0.9092974066734314});
  check_close(reciprocal(ints({0, 2, -4})), {INFINITY, 0.5, -0.25});
  check_close(exp2(bools({1, 0})), {2.0, 1.0});
  Tensor a = atan2(ints({1, -1}), ints({0, 0}));
  CHECK(a.dtype() == kFloat);
  check_close(a, {1.5707963705062866, -1.5707963705062866});
  for (UnaryFn fn : std::initializer_list<UnaryFn>{reciprocal, rsqrt, exp2, expm1, log2, log10, log1p, sin, cos, tan, asin, acos, atan, sinh, cosh,
                                                   erf, erfc, erfinv}) {
    CHECK(fn(ints({1}, kShort)).dtype() == kFloat);
    CHECK(fn(f64({0.5})).dtype() == kDouble);
  }
  set_default_dtype(kDouble);
  CHECK(cos(ints({0})).dtype() == kDouble);
  set_default_dtype(kFloat);
  CHECK(contains(error_of([] { ints({1, 2}).sin_(); }), "result type Float can't be cast to the desired output type Long"));
}

TEST_CASE("float64 math keeps double precision") {
  check_close(sin(f64({0.5, 2.0, -3.0})), {0.479425538604203, 0.9092974268256817, -0.1411200080598672}, 1e-15);
  check_close(erf(f64({0.5, 2.0, -3.0})), {0.5204998778130465, 0.9953222650189527, -0.9999779095030014}, 1e-15);
  check_close(log1p(f64({1e-300, 1e-10})), {1e-300, 9.999999999500001e-11}, 1e-15);
  check_close(expm1(f64({1e-300, 1e-10, 0.5})), {1e-300, 1.00000000005e-10, 0.6487212707001282}, 1e-15);
}

TEST_CASE("erfinv is accurate in float and double, out to the tails") {
  check_close(erfinv(f64({0.5, 0.999, -0.3, 1e-7})),
              {0.4769362762044699, 2.3267537655135246, -0.2724627147267543, 8.862269254527602e-08}, 1e-14);
  // Near +-1 PyTorch's Newton step on erf loses digits; ours uses erfc there and agrees to ~1e-9.
  check_close(erfinv(f64({0.9999999999, -0.9999999999999})), {4.572824958544925, -5.261483331372676}, 1e-8);
  check_close(erfinv(f32({1e-7, 0.999, 0.99999, -0.7, 0.3})),
              {8.862269140763601e-08, 2.326756238937378, 3.1232056617736816, -0.7328690886497498, 0.27246272563934326});
  check_exact(erfinv(f32({1.0, -1.0, 1.5, -0.0})), {INFINITY, -INFINITY, NAN, -0.0});
}

TEST_CASE("float16 and bfloat16 math computes in float and rounds once") {
  Tensor h = make<double>({0.5, 1.0, 2.0, -3.0}, {4}, kHalf);
  CHECK(sin(h).dtype() == kHalf);
  check_exact(sin(h), {0.4794921875, 0.84130859375, 0.9091796875, -0.14111328125});
  check_exact(exp2(h), {1.4140625, 2.0, 4.0, 0.125});
  check_exact(erf(h), {0.5205078125, 0.8427734375, 0.9951171875, -1.0});
  check_exact(log1p(h), {0.405517578125, 0.693359375, 1.0986328125, NAN});
  check_exact(rsqrt(h), {1.4140625, 1.0, 0.70703125, NAN});
  check_exact(expm1(h), {0.64892578125, 1.71875, 6.390625, -0.9501953125});
  check_exact(atan(h), {0.463623046875, 0.78515625, 1.107421875, -1.2490234375});
  Tensor b = make<double>({0.5, 1.0, 2.0, -3.0}, {4}, kBFloat16);
  CHECK(erf(b).dtype() == kBFloat16);
  check_exact(sin(b), {0.478515625, 0.83984375, 0.91015625, -0.1416015625});
  check_exact(erf(b), {0.51953125, 0.84375, 0.99609375, -1.0});
  check_exact(log1p(b), {0.40625, 0.69140625, 1.1015625, NAN});
  check_exact(expm1(b), {0.6484375, 1.71875, 6.375, -0.94921875});
  check_exact(atan2(make<double>({1.0, -2.0}, {2}, kHalf), make<double>({3.0, 0.5}, {2}, kHalf)),
              {0.32177734375, -1.326171875});
}

// ---- rounding ----

TEST_CASE("round is half to even; floor, ceil and trunc keep -0.0, NaN and infinities") {
  Tensor r = f32({0.5, 1.5, 2.5, -0.5, -2.5, 2.4999, -1.7, 1e20, NAN, INFINITY, -0.0});
  check_exact(round(r), {0.0, 2.0, 2.0, -0.0, -2.0, 2.0, -2.0, 1.0000000200408773e+20, NAN, INFINITY, -0.0});
  check_exact(floor(r), {0.0, 1.0, 2.0, -1.0, -3.0, 2.0, -2.0, 1.0000000200408773e+20, NAN, INFINITY, -0.0});
  check_exact(ceil(r), {1.0, 2.0, 3.0, -0.0, -2.0, 3.0, -1.0, 1.0000000200408773e+20, NAN, INFINITY, -0.0});
  check_exact(trunc(r), {0.0, 1.0, 2.0, -0.0, -2.0, 2.0, -1.0, 1.0000000200408773e+20, NAN, INFINITY, -0.0});
  check_exact(frac(f32({-2.5, 2.75, INFINITY, -0.0, NAN, 1e20})), {-0.5, 0.75, NAN, 0.0, NAN, 0.0});
  check_exact(round(make<double>({2.5, 3.5, -2.5, 0.5}, {4}, kBFloat16)), {2.0, 4.0, -2.0, 0.0});
}

TEST_CASE("floor, ceil, round and trunc agree with the C library bit for bit across float and double") {
  std::vector<float> fs;
  for (uint64_t bits = 0; bits < (uint64_t(1) << 32); bits += 4093) {
    float f;
    const uint32_t b = uint32_t(bits);
    std::memcpy(&f, &b, 4);
    fs.push_back(f);
  }
  for (float f : {0.5f, -0.5f, 1.5f, -2.5f, 8388607.5f, -8388607.5f, 8388608.0f, 4194303.5f, 0.49999997f}) fs.push_back(f);
  const int64_t n = int64_t(fs.size());
  Tensor t = make<float>(fs, {n}, kFloat);
  Tensor d = t.to(kDouble) * 3.0e-7;  // doubles with fractions at every magnitude
  struct Case { UnaryFn op; double (*ref)(double); };
  for (const Case& c : {Case{floor, [](double x) { return std::floor(x); }}, Case{ceil, [](double x) { return std::ceil(x); }},
                        Case{round, [](double x) { return std::nearbyint(x); }}, Case{trunc, [](double x) { return std::trunc(x); }}}) {
    for (const Tensor& in : {t, d}) {
      const std::vector<double> x = values(in), y = values(c.op(in));
      size_t mismatches = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        const double want = in.dtype() == kFloat ? double(float(c.ref(double(float(x[i]))))) : c.ref(x[i]);
        const bool same = std::isnan(want) ? std::isnan(y[i]) : (y[i] == want && std::signbit(y[i]) == std::signbit(want));
        mismatches += same ? 0 : 1;
      }
      CHECK(mismatches == 0);
    }
  }
}

TEST_CASE("rounding keeps integer dtypes and rejects bool; frac needs floats") {
  Tensor i = ints({3, -4}, kShort);
  for (UnaryFn fn : std::initializer_list<UnaryFn>{floor, ceil, trunc}) {
    CHECK(fn(i).dtype() == kShort);
    check_exact(fn(i), {3, -4});
  }
  check_exact(round(i), {3, -4});
  CHECK(contains(error_of([] { floor(bools({1})); }), "[floor] not implemented for 'Bool'"));
  CHECK(contains(error_of([] { bools({1}).floor_(); }), "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { frac(ints({1})); }), "[frac] not implemented for 'Long'"));
}

TEST_CASE("round with decimals scales, rounds half to even and scales back") {
  check_close(round(f32({1.2345, 2.675, -1.005, 1234.5, 1e38, 0.125}), 2),
              {1.2300000190734863, 2.680000066757202, -1.0, 1234.5, INFINITY, 0.11999999731779099});
  check_close(round(f32({1250.0, 1350.0, -1250.0, 3.4e38, 15.0}), -2),
              {1200.0, 1400.0, -1200.0, 3.3999999521443642e+38, 0.0});
  check_close(f64({1.2345, 2.675, -1.005, 0.125}).round(2), {1.23, 2.68, -1.0, 0.12}, 1e-15);
  check_exact(round(f32({1.5}), 40), {NAN});  // 10^40 overflows float, as in PyTorch
  check_exact(round(make<double>({1.2345, 2.675, 100.7}, {3}, kBFloat16), 1), {1.203125, 2.703125, 100.5});
  CHECK(contains(error_of([] { round(ints({1}), 1); }), "not implemented for 'Long'"));
  CHECK(contains(error_of([] { round(ints({1}), 0); }), "not implemented for 'Long'"));
}

TEST_CASE("sign gives -1, 0 or 1 in the input's dtype; NaN gives 0") {
  check_exact(sign(f32({NAN, -0.0, 0.0, -3.0, 2.0, INFINITY, -INFINITY})), {0.0, 0.0, 0.0, -1.0, 1.0, 1.0, -1.0});
  Tensor si = sign(ints({-5, 0, 7}, kChar));
  CHECK(si.dtype() == kChar);
  check_exact(si, {-1, 0, 1});
  check_exact(sign(ints({0, 7}, kByte)), {0, 1});
  Tensor sb = sign(bools({1, 0}));
  CHECK(sb.dtype() == kBool);
  check_exact(sb, {1, 0});
}

// ---- clamps ----

TEST_CASE("clamp with scalar bounds keeps NaN inputs and follows PyTorch on NaN bounds") {
  Tensor x = f32({NAN, -2.0, 0.5, 3.0});
  check_exact(clamp(x, -1, 1), {NAN, -1.0, 0.5, 1.0});
  check_exact(x.clamp(2, 1), {NAN, 1.0, 1.0, 1.0});  // min > max gives max
  check_exact(clamp(x, NAN, 1), {NAN, NAN, NAN, NAN});
  check_exact(clamp(x, std::nullopt, NAN), {NAN, -2.0, 0.5, 3.0});
  check_exact(clamp(x, NAN), {NAN, -2.0, 0.5, 3.0});
  check_exact(clamp_min(x, NAN), {NAN, NAN, NAN, NAN});
  check_exact(clamp_max(x, NAN), {NAN, NAN, NAN, NAN});
  CHECK(contains(error_of([&] { clamp(x); }), "torch.clamp: At least one of 'min' or 'max' must not be None"));
  CHECK(contains(error_of([&] { x.clamp(std::optional<Scalar>(), std::optional<Scalar>()); }),
                 "At least one of 'min' or 'max' must not be None"));
}

TEST_CASE("clamp with scalar bounds promotes integer tensors like a weak scalar") {
  Tensor f = clamp(ints({1, 5}), 0.5, 2.5);
  CHECK(f.dtype() == kFloat);
  check_exact(f, {1.0, 2.5});
  check_exact(clamp(ints({1, 5}), std::nullopt, 2.5), {1.0, 2.5});
  Tensor i8 = clamp(ints({-3, 1, 5}, kChar), -1, 3);
  CHECK(i8.dtype() == kChar);
  check_exact(i8, {-1, 1, 3});
  Tensor b = clamp(bools({1, 0}), 0, 1);
  CHECK(b.dtype() == kLong);
  check_exact(b, {1, 0});
  check_exact(clamp(ints({1, 5}, kByte), -1, 3), {3, 3});  // -1 wraps to 255 in uint8, as in PyTorch
  check_exact(clamp_max(ints({1, 5}), 3), {1, 3});
  check_exact(clamp(ints({1, 5}), scalar_tensor(2.5)), {2.5, 5.0});
  CHECK(contains(error_of([] { clamp(bools({1}), false, true); }), "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { clamp(ints({1}, kChar), std::nullopt, 300); }),
                 "value cannot be converted to type int8_t without overflow"));
  CHECK(contains(error_of([] { clamp(f32({1.0}), std::nullopt, 1e300); }),
                 "value cannot be converted to type float without overflow"));
  CHECK(contains(error_of([] { ints({1, 5}).clamp_(0.5, 2.5); }), "result type Float can't be cast to the desired output type Long"));
}

TEST_CASE("clamp with tensor bounds broadcasts, promotes and propagates NaN") {
  check_exact(clamp(f32({0.5, 0.5, NAN, 5.0, -5.0}), f32({NAN, 0.0, 0.0, 0.0, 0.0}), f32({1.0, NAN, 1.0, 1.0, 1.0})),
              {NAN, NAN, NAN, 1.0, 0.0});
  check_exact(clamp(f32({0.5}), f32({2.0}), f32({1.0})), {1.0});
  Tensor bc = clamp(f32({1.0, 2.0}), make<double>({0.0, 1.5}, {2, 1}));
  CHECK(test::shape(bc) == std::vector<int64_t>{2, 2});
  check_exact(bc, {1.0, 2.0, 1.5, 2.0});
  check_exact(clamp(f32({0.5, NAN, 0.5}), f32({NAN, 0.0, 1.0})), {NAN, NAN, 1.0});
  check_exact(clamp(f32({0.5, 3.0}), std::nullopt, f32({1.0, 1.0})), {0.5, 1.0});
  Tensor p = clamp(ints({1, 5}), f32({1.5, 1.5}));
  CHECK(p.dtype() == kFloat);
  check_exact(p, {1.5, 5.0});
  Tensor pi = clamp(ints({1, 5, -9}, kInt), ints({2, 2, 2}), ints({4, 4, 4}));
  CHECK(pi.dtype() == kLong);
  check_exact(pi, {2, 4, 2});
  check_exact(clamp_min(f32({1.0, 2.0, NAN}), f32({1.5, 1.5, 0.0})), {1.5, 2.0, NAN});
  check_exact(clamp_min(bools({1, 0}), bools({0, 1})), {1, 1});
  CHECK(contains(error_of([] { clamp(bools({1}), bools({1}), bools({1})); }), "not implemented for 'Bool'"));
  Tensor y = f32({1.0, 2.0});
  y.clamp_(f32({1.5, 1.5}), f32({1.75, 3.0}));
  check_exact(y, {1.5, 2.0});
  y.clamp_min_(f32({1.75, 0.0})).clamp_max_(1.875);
  check_exact(y, {1.75, 1.875});
}

TEST_CASE("minimum and maximum propagate NaN and promote") {
  check_exact(minimum(f32({NAN, 1.0, 2.0, -INFINITY}), f32({1.0, NAN, 3.0, 0.0})), {NAN, NAN, 2.0, -INFINITY});
  check_exact(maximum(f32({NAN, 1.0, 2.0, -INFINITY}), f32({1.0, NAN, 3.0, 0.0})), {NAN, NAN, 3.0, 0.0});
  Tensor m = ints({1, 5}).maximum(f32({2.5, 2.5}));
  CHECK(m.dtype() == kFloat);
  check_exact(m, {2.5, 5.0});
  check_exact(minimum(ints({1, -5}, kShort), ints({2}, kShort)), {1, -5});
  Tensor b = maximum(bools({1, 0}), bools({0, 0}));
  CHECK(b.dtype() == kBool);
  check_exact(b, {1, 0});
}

// ---- lerp, addcmul, addcdiv ----

TEST_CASE("lerp with scalar and tensor weights, exact at both ends") {
  check_exact(lerp(f32({1.0, 1.0, -2.0}), f32({3.0, 5.0, 5.0}), 0.25), {1.5, 2.0, -0.25});
  check_exact(lerp(f32({1.0, 1.0, -2.0}), f32({3.0, 5.0, 5.0}), 0.75), {2.5, 4.0, 3.25});
  check_exact(lerp(f32({1.0, 1.0, -2.0, 0.0}), f32({3.0, 3.0, 5.0, INFINITY}), f32({0.25, 0.75, 1.5, 0.0})),
              {1.5, 2.5, 8.5, NAN});
  Tensor bc = lerp(make<double>({1.0, 2.0}, {2, 1}), f32({3.0, 4.0}), 0.5);
  CHECK(test::shape(bc) == std::vector<int64_t>{2, 2});
  check_exact(bc, {2.0, 2.5, 2.5, 3.0});
  check_exact(lerp(f32({1.0, 2.0}), f32({3.0, 4.0}), make<double>({0.5, 0.25}, {2, 1})), {2.0, 3.0, 1.5, 2.5});
  // PyTorch's AVX2 build contracts a + w * (b - a) into an FMA; ember rounds the product: the last bit may differ.
  check_close(lerp(f64({0.1}), f64({0.7}), 0.3), {0.27999999999999997}, 1e-15);
  check_exact(lerp(make<double>({1.0, 2.0}, {2}, kBFloat16), make<double>({3.0, 7.0}, {2}, kBFloat16), 0.3),
              {1.6015625, 3.5});
  Tensor a = f32({1.0, 2.0});
  a.lerp_(f32({3.0, 4.0}), 0.5).lerp_(f32({0.0, 0.0}), f32({1.0, 0.0}));
  check_exact(a, {0.0, 3.0});
}

TEST_CASE("lerp does not promote and takes floating point tensors only") {
  CHECK(contains(error_of([] { lerp(f32({1.0}), f64({1.0}), 0.5); }), "expected dtype Float for `end` but got dtype Double"));
  CHECK(contains(error_of([] { lerp(f32({1.0}), f32({1.0}), f64({0.5})); }),
                 "expected dtype Float for `weight` but got dtype Double"));
  CHECK(contains(error_of([] { lerp(ints({1}), ints({2}), 0.5); }), "not implemented for 'Long'"));
  CHECK(contains(error_of([] { f32({1.0, 2.0}).lerp_(make<double>({3.0, 4.0}, {1, 2}), 0.5); }),
                 "doesn't match the broadcast shape [1, 2]"));
}

TEST_CASE("addcmul and addcdiv promote over the three tensors") {
  check_exact(addcmul(f32({1.0, 2.0}), f32({2.0, 3.0}), f32({3.0, -1.0}), 0.5), {4.0, 0.5});
  Tensor p = addcmul(ints({1, 2}), f32({1.5, 2.0}), ints({2, 2}), 2);
  CHECK(p.dtype() == kFloat);
  check_exact(p, {7.0, 10.0});
  Tensor i = addcmul(ints({1, 2}), ints({3, 4}), ints({5, 6}), 2);
  CHECK(i.dtype() == kLong);
  check_exact(i, {31, 50});
  check_exact(addcmul(ints({1}), ints({2}), ints({3}), 1.5), {7});  // the value truncates for integers
  check_exact(addcmul(ints({100}, kChar), ints({10}, kChar), ints({10}, kChar)), {-56});
  check_exact(addcmul(f32({1.0}), make<double>({2.0, 3.0}, {2, 1}), f32({1.0, 2.0})), {3.0, 5.0, 4.0, 7.0});
  check_exact(addcdiv(f32({1.0, 2.0, 0.0}), f32({1.0, 3.0, 0.0}), f32({2.0, 0.0, 0.0}), 0.5), {1.25, INFINITY, NAN});
  check_exact(addcdiv(ints({1, 2}), f32({1.0, 3.0}), ints({2, 4}), 0.5), {1.25, 2.375});
  Tensor s = f32({1.0, 2.0});
  s.addcmul_(f32({2.0}), f32({3.0}), 0.5).addcdiv_(f32({1.0}), f32({4.0}));
  check_exact(s, {4.25, 5.25});
}

TEST_CASE("addcdiv of integer tensors and addcmul of bools are errors, as in PyTorch") {
  CHECK(contains(error_of([] { addcdiv(f32({1.0}), ints({1}), ints({2})); }),
                 "Integer division with addcdiv is no longer supported"));
  CHECK(contains(error_of([] { addcmul(bools({1}), bools({1}), bools({1})); }), "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { addcmul(f32({1.0}), f32({2.0}), f32({2.0}), 1e300); }),
                 "value cannot be converted to type float without overflow"));
  CHECK(contains(error_of([] { ints({1, 2}).addcmul_(f32({2.0}), f32({3.0})); }),
                 "result type Float can't be cast to the desired output type Long"));
}

// ---- logical and bitwise ----

TEST_CASE("logical ops treat nonzero (and NaN) as true and give bool") {
  Tensor a = logical_and(f32({0.5, 0.0, NAN, 2.0}), ints({1, 1, 1, 0}));
  CHECK(a.dtype() == kBool);
  check_exact(a, {1, 0, 1, 0});
  check_exact(logical_or(ints({0, 0, 3}), f32({0.0, -0.0, 0.0})), {0, 0, 1});
  check_exact(logical_xor(ints({1, 0, 2}), f32({0.0, 0.0, 3.0})), {1, 0, 0});
  check_exact(logical_not(f32({0.0, -0.0, NAN, 2.0})), {1, 1, 0, 0});
  CHECK(logical_not(ints({1})).dtype() == kBool);
}

TEST_CASE("in-place logical ops keep the target's dtype") {
  Tensor f = f32({1.5, 0.0, 2.0});
  f.logical_and_(ints({1, 1, 0}));
  CHECK(f.dtype() == kFloat);
  check_exact(f, {1.0, 0.0, 0.0});
  Tensor i = ints({3, 0});
  i.logical_not_();
  check_exact(i, {0, 1});
  Tensor b = bools({1, 0});
  b.logical_or_(ints({0, 0})).logical_xor_(bools({1, 1}));
  check_exact(b, {0, 1});
}

TEST_CASE("bitwise ops work on integers and bool, with operators ~ & | ^") {
  check_exact(bitwise_and(ints({12, -1, 5}, kChar), ints({10, 7, 3}, kChar)), {8, 7, 1});
  check_exact(ints({12, -128, 5}, kChar) | ints({10, 1, 3}, kChar), {14, -127, 7});
  check_exact(ints({12, -1, 5}, kChar) ^ ints({10, 7, 3}, kChar), {6, -8, 6});
  Tensor b = bools({1, 1, 0}) & bools({1, 0, 0});
  CHECK(b.dtype() == kBool);
  check_exact(b, {1, 0, 0});
  check_exact(bools({1, 0}) ^ bools({1, 1}), {0, 1});
  Tensor mixed = bools({1, 0}) | ints({2, 4}, kChar);
  CHECK(mixed.dtype() == kChar);
  check_exact(mixed, {3, 4});
  check_exact(ints({5, 6}) & 3, {1, 2});
  check_exact(3 & ints({1, 2}), {1, 2});
  check_exact(2 | ints({1, 2}), {3, 2});
  Tensor bi = bools({1, 0}) & 1;
  CHECK(bi.dtype() == kLong);
  check_exact(bi, {1, 0});
  CHECK((bools({1, 0}) & true).dtype() == kBool);
  check_exact(ints({1, 44}, kChar) & 300, {0, 44});  // 300 wraps to 44 in int8
  check_exact(~ints({0, 5, -1}, kChar), {-1, -6, 0});
  check_exact(~ints({0, 5}, kByte), {255, 250});
  check_exact(~bools({1, 0}), {0, 1});
  Tensor x = ints({12});
  x.bitwise_and_(10).bitwise_or_(ints({1})).bitwise_xor_(3).bitwise_not_();
  check_exact(x, {-11});
}

TEST_CASE("bitwise ops reject floating point tensors") {
  CHECK(contains(error_of([] { f32({1.0}) & f32({1.0}); }),
                 "[bitwise_and.Tensor] not implemented for 'Float': the op takes integer or bool tensors"));
  CHECK(contains(error_of([] { ints({1}) & 1.5; }), "not implemented for 'Float'"));
  CHECK(contains(error_of([] { ~f32({1.0}); }), "not implemented for 'Float'"));
  CHECK(contains(error_of([] { bitwise_left_shift(f32({1.0}), 1); }), "not implemented for 'Float'"));
}

TEST_CASE("shifts: in-range amounts as in C, out-of-range amounts defined") {
  check_exact(bitwise_left_shift(ints({5, -5, 5, 1}), ints({3, 3, 62, 63})),
              {40, -40, 4611686018427387904.0, -9223372036854775808.0});
  check_exact(bitwise_right_shift(ints({INT64_MIN, 40, -40, -1}), ints({63, 3, 3, 1})),
              {-1, 5, -5, -1});
  check_exact(bitwise_left_shift(ints({3}, kChar), ints({7}, kChar)), {-128});
  check_exact(bitwise_left_shift(ints({3}, kChar), ints({9}, kChar)), {0});
  check_exact(bitwise_right_shift(ints({-100}, kChar), ints({9}, kChar)), {-1});
  check_exact(bitwise_right_shift(ints({200}, kByte), ints({9}, kByte)), {0});
  // Shifts by the bit width or more, or by negative amounts: 0 to the left, the sign fill to the right
  // (PyTorch 2.x's definition; 1.13 gave whatever the x86 instruction did).
  check_exact(bitwise_left_shift(ints({-5, -5, 1}), ints({64, 65, -1})), {0, 0, 0});
  check_exact(bitwise_right_shift(ints({-5, 5, -5}), ints({64, 100, -1})), {-1, 0, -1});
  check_exact(bitwise_left_shift(ints({1}, kInt), ints({32}, kInt)), {0});
  check_exact(bitwise_left_shift(ints({1, 2}), 3), {8, 16});
  check_exact(bitwise_left_shift(1, ints({1, 2})), {2, 4});
  check_exact(bitwise_left_shift(bools({1, 0}), 1), {2, 0});
  CHECK(contains(error_of([] { bitwise_left_shift(bools({1}), bools({1})); }), "not implemented for 'Bool'"));
  Tensor s = ints({1, 256});
  s.bitwise_left_shift_(2).bitwise_right_shift_(ints({1, 4}));
  check_exact(s, {2, 64});
}

// ---- special values ----

TEST_CASE("isnan, isinf and isfinite give bool for every dtype") {
  Tensor v = f32({NAN, INFINITY, -INFINITY, 1.0, -0.0, 3.4e38});
  CHECK(isnan(v).dtype() == kBool);
  check_exact(isnan(v), {1, 0, 0, 0, 0, 0});
  check_exact(v.isinf(), {0, 1, 1, 0, 0, 0});
  check_exact(v.isfinite(), {0, 0, 0, 1, 1, 1});
  check_exact(isinf(make<double>({INFINITY, 65504.0, NAN}, {3}, kHalf)), {1, 0, 0});
  check_exact(isfinite(ints({1, 2})), {1, 1});
  check_exact(isnan(ints({1}, kChar)), {0});
  check_exact(isinf(bools({1})), {0});
}

TEST_CASE("nan_to_num replaces NaN with 0 and infinities with the dtype's extremes by default") {
  const std::vector<double> v = {NAN, INFINITY, -INFINITY, 1.0};
  check_exact(nan_to_num(f32(v)), {0.0, 3.4028234663852886e+38, -3.4028234663852886e+38, 1.0});
  check_exact(nan_to_num(f64(v)), {0.0, 1.7976931348623157e+308, -1.7976931348623157e+308, 1.0});
  check_exact(nan_to_num(make<double>(v, {4}, kHalf)), {0.0, 65504.0, -65504.0, 1.0});
  check_exact(nan_to_num(make<double>(v, {4}, kBFloat16)), {0.0, 3.3895313892515355e+38, -3.3895313892515355e+38, 1.0});
  check_exact(nan_to_num(f32(v), 1.5, 100.0, -1e3), {1.5, 100.0, -1000.0, 1.0});
  check_exact(nan_to_num(make<double>({INFINITY}, {1}, kHalf), std::nullopt, 1e6), {INFINITY});
  Tensor i = nan_to_num(ints({1, 2}), 1.5, 100.0, -1e3);
  CHECK(i.dtype() == kLong);
  check_exact(i, {1, 2});
  Tensor t = f32({NAN, 1.0});
  t.nan_to_num_(2.0);
  check_exact(t, {2.0, 1.0});
}

// ---- activations ----

namespace {
Tensor activation_inputs() {
  return f32({NAN, -INFINITY, -100.0, -4.0, -1.0, -1e-8, -0.0, 0.5, 2.0, 100.0, INFINITY});
}
}  // namespace

TEST_CASE("piecewise-linear activations: relu6, leaky_relu, hardtanh, hardsigmoid, hardswish") {
  Tensor x = activation_inputs();
  check_exact(relu6(x), {NAN, 0.0, 0.0, 0.0, 0.0, 0.0, -0.0, 0.5, 2.0, 6.0, 6.0});
  check_close(leaky_relu(x, 0.2), {NAN, -INFINITY, -20.0, -0.800000011920929, -0.20000000298023224,
                                   -1.999999943436137e-09, -0.0, 0.5, 2.0, 100.0, INFINITY});
  check_close(leaky_relu(f32({-1.0, 1.0})), {-0.009999999776482582, 1.0});
  check_close(hardtanh(x), {NAN, -1.0, -1.0, -1.0, -1.0, -9.99999993922529e-09, -0.0, 0.5, 1.0, 1.0, 1.0});
  check_exact(hardtanh(f32({-3.0, 0.5, 3.0}), -2.0, 2.5), {-2.0, 0.5, 2.5});
  check_exact(hardtanh(f32({0.0, 5.0}), 2.0, 1.0), {1.0, 1.0});
  check_close(hardsigmoid(x), {NAN, 0.0, 0.0, 0.0, 0.3333333432674408, 0.5, 0.5, 0.5833333134651184,
                               0.8333333134651184, 1.0, 1.0});
  check_close(hardswish(x), {NAN, NAN, -0.0, -0.0, -0.3333333432674408, -4.999999969612645e-09, -0.0,
                             0.2916666567325592, 1.6666666269302368, 100.0, INFINITY});
}

TEST_CASE("exponential activations: elu, selu, celu, softplus, log_sigmoid") {
  Tensor x = activation_inputs();
  check_exact(elu(x, 0.5), {NAN, -0.5, -0.5, -0.49084219336509705, -0.31606027483940125, 0.0, 0.0, 0.5, 2.0, 100.0,
                            INFINITY});
  check_close(elu(f32({-1.0, 2.0}), 0.5, 2.0, 3.0), {-0.9502129554748535, 4.0});
  check_close(selu(x), {NAN, -1.7580993175506592, -1.7580993175506592, -1.7258986234664917, -1.1113307476043701,
                        0.0, 0.0, 0.5253505110740662, 2.1014020442962646, 105.07009887695312, INFINITY});
  check_close(celu(x, 2.0), {NAN, -2.0, -2.0, -1.7293294668197632, -0.7869386672973633, 0.0, 0.0, 0.5, 2.0, 100.0,
                             INFINITY});
  CHECK(contains(error_of([] { celu(f32({-1.0}), 0.0); }), "ZeroDivisionError: alpha cannot be 0 for CELU"));
  check_close(softplus(x), {NAN, 0.0, 3.783505853677006e-44, 0.018149929121136665, 0.3132616877555847,
                            0.6931471824645996, 0.6931471824645996, 0.9740769863128662, 2.1269280910491943, 100.0,
                            INFINITY});
  check_close(softplus(f32({-100.0, -1.0, 0.0, 1.0, 7.0, 8.0, 25.0}), 2.0, 15.0),
              {0.0, 0.06346400082111359, 0.3465735912322998, 1.0634640455245972, 7.000000476837158, 8.0, 25.0});
  check_close(softplus(f32({-1.0, 1.0}), -1.0), {-1.31326162815094, -0.3132616877555847});
  check_close(log_sigmoid(x), {NAN, -INFINITY, -100.0, -4.0181498527526855, -1.3132617473602295, -0.6931471824645996,
                               -0.6931471824645996, -0.4740769863128662, -0.12692801654338837, -3.923635700109488e-44,
                               0.0});
}

TEST_CASE("smooth activations: gelu (erf and tanh), silu, mish") {
  Tensor x = activation_inputs();
  // gelu(-4) cancels in float (1 + erf(-2.83)); PyTorch and ember round differently there.
  check_close(gelu(x), {NAN, NAN, 0.0, -0.00012671947479248047, -0.1586552858352661, -4.999999969612645e-09, 0.0,
                        0.3457311987876892, 1.9544999599456787, 100.0, INFINITY},
              1e-3);
  check_close(gelu(x, "tanh"), {NAN, NAN, -0.0, -7.021427154541016e-05, -0.15880799293518066, -4.999999969612645e-09,
                                -0.0, 0.3457140028476715, 1.9545977115631104, 100.0, INFINITY},
              1e-4);
  CHECK(contains(error_of([&] { gelu(x, "foo"); }), "approximate argument must be either none or tanh"));
  check_close(silu(x), {NAN, NAN, -0.0, -0.07194484025239944, -0.2689414322376251, -4.999999969612645e-09, -0.0,
                        0.3112296760082245, 1.7615940570831299, 100.0, INFINITY});
  check_close(mish(x), {NAN, NAN, -3.783505853677006e-42, -0.07259175181388855, -0.3034014403820038,
                        -6.000000052353016e-09, -0.0, 0.37524524331092834, 1.9439589977264404, 100.0, INFINITY});
}

TEST_CASE("activations in float64 and bfloat16") {
  Tensor d = f64({-1.0, 0.5, 2.0});
  check_close(relu6(d), {0.0, 0.5, 2.0}, 1e-15);
  check_close(leaky_relu(d), {-0.01, 0.5, 2.0}, 1e-15);
  check_close(elu(d), {-0.6321205588285577, 0.5, 2.0}, 1e-15);
  check_close(selu(d), {-1.1113307378125625, 0.5253504936777402, 2.101401974710961}, 1e-15);
  check_close(celu(d), {-0.6321205588285577, 0.5, 2.0}, 1e-15);
  check_close(gelu(d), {-0.15865525393145702, 0.34573123063700656, 1.9544997361036416}, 1e-15);
  check_close(silu(d), {-0.2689414213699951, 0.3112296656009273, 1.7615941559557646}, 1e-15);
  check_close(mish(d), {-0.30340146137410895, 0.3752452113048951, 1.9439589595339946}, 1e-15);
  check_close(softplus(d), {0.31326168751822286, 0.9740769841801067, 2.1269280110429727}, 1e-15);
  check_close(hardtanh(d), {-1.0, 0.5, 1.0}, 1e-15);
  check_close(hardsigmoid(d), {0.3333333333333333, 0.5833333333333334, 0.8333333333333334}, 1e-15);
  check_close(hardswish(d), {-0.3333333333333333, 0.2916666666666667, 1.6666666666666667}, 1e-15);
  check_close(log_sigmoid(d), {-1.3132616875182228, -0.4740769841801067, -0.1269280110429725}, 1e-15);
  // bfloat16 computes in float and rounds once (PyTorch 1.13 rounds some intermediates too).
  Tensor b = make<double>({-1.0, 0.5, 2.0}, {3}, kBFloat16);
  CHECK(gelu(b).dtype() == kBFloat16);
  check_exact(gelu(b), {-0.158203125, 0.345703125, 1.953125});
  check_exact(silu(b), {-0.26953125, 0.310546875, 1.7578125});
  check_exact(elu(b), {-0.6328125, 0.5, 2.0});
  check_exact(softplus(b), {0.3125, 0.97265625, 2.125});
  check_exact(log_sigmoid(b), {-1.3125, -0.474609375, -0.126953125});
  check_exact(hardswish(b), {-0.333984375, 0.291015625, 1.6640625});
  check_exact(mish(b), {-0.302734375, 0.375, 1.9453125});
}

TEST_CASE("activations need floating point inputs; relu6 and hardtanh also take integers") {
  for (UnaryFn fn : std::initializer_list<UnaryFn>{silu, mish, hardsigmoid, hardswish, log_sigmoid, selu})
    CHECK(contains(error_of([&] { fn(ints({1})); }), "not implemented for 'Long': the op takes floating point tensors"));
  CHECK(contains(error_of([] { leaky_relu(ints({1})); }), "[leaky_relu] not implemented for 'Long'"));
  CHECK(contains(error_of([] { gelu(ints({1})); }), "not implemented for 'Long'"));
  CHECK(contains(error_of([] { softplus(bools({1})); }), "not implemented for 'Bool'"));
  CHECK(contains(error_of([] { leaky_relu(f32({-1.0}), 1e300); }), "value cannot be converted to type float without overflow"));
  Tensor h = hardtanh(ints({-3, 0, 5}));
  CHECK(h.dtype() == kLong);
  check_exact(h, {-1, 0, 1});
  Tensor hf = hardtanh(ints({1, 5}), 0.5, 3.5);  // computes in float, keeps the input's dtype
  CHECK(hf.dtype() == kLong);
  check_exact(hf, {1, 3});
  check_exact(hardtanh(ints({1, 5}, kByte), 0, 3), {1, 3});
  check_exact(relu6(ints({-3, 3, 9}, kShort)), {0, 3, 6});
  CHECK(contains(error_of([] { hardtanh(ints({1, 5}, kByte)); }), "cannot do hardtanh on an unsigned type with negative limits"));
  CHECK(contains(error_of([] { relu6(bools({1})); }), "Bool inputs not supported for hardtanh"));
}

TEST_CASE("in-place activations write through and return their target") {
  Tensor a = f32({-1.0, 1.0});
  Tensor& r = leaky_relu_(a, 0.5);
  CHECK(&r == &a);
  check_exact(a, {-0.5, 1.0});
  Tensor e = f32({-1.0, 1.0});
  elu_(e);
  check_close(e, {-0.6321205496788025, 1.0});
  Tensor h = ints({-3, 5});
  hardtanh_(h);
  check_exact(h, {-1, 1});
  Tensor many = f32({-4.0, -1.0, 0.5, 8.0});
  relu6_(many);
  check_exact(many, {0.0, 0.0, 0.5, 6.0});
  Tensor g = f32({-1.0, 0.5, 2.0});
  gelu_(g, "tanh");
  silu_(g);
  mish_(g);
  hardsigmoid_(g);
  hardswish_(g);
  selu_(g);
  celu_(g);
  Tensor g2 = hardswish(hardsigmoid(mish(silu(gelu(f32({-1.0, 0.5, 2.0}), "tanh")))));
  CHECK(equal(g, celu(selu(g2))));
}

// ---- geometry and threads ----

TEST_CASE("math ops on transposed, strided, broadcast, 0-d and empty tensors") {
  Tensor base = arange(6, kFloat);
  Tensor t = detail::make_view(base, {3, 2}, {1, 3}, 0);  // the transpose of [[0,1,2],[3,4,5]]
  check_close(atan2(t - 2.5, f32({1.0, -1.0})), {-1.1902899742126465, 2.677945137023926, -0.9827937483787537,
                                                  2.158798933029175, -0.46364760398864746, 1.9513026475906372});
  Tensor odd = detail::make_view(base, {3}, {2}, 1);
  Tensor even = detail::make_view(base, {3}, {2}, 0);
  check_exact(pow(odd, 2), {1.0, 9.0, 25.0});
  check_exact(lerp(t, f32({10.0, 20.0}), 0.5), {5.0, 11.5, 5.5, 12.0, 6.0, 12.5});
  check_exact(addcmul(even, odd, even), {0.0, 8.0, 24.0});
  Tensor r = remainder(scalar_tensor(-7.5), scalar_tensor(2.0));
  CHECK(r.dim() == 0);
  CHECK(r.item<float>() == 0.5f);
  Tensor c = clamp(scalar_tensor(5.0), 0, 1);
  CHECK(c.dim() == 0);
  CHECK(c.item<float>() == 1.0f);
  for (const Tensor& e : {sin(zeros({0, 3})), clamp(zeros({0, 3}), 0, 1), lerp(zeros({0}), zeros({0}), 0.5),
                          bitwise_and(zeros({2, 0}, kInt), 1), isnan(zeros({0})), pow(zeros({0, 2}), 2),
                          addcmul(zeros({0}), zeros({0}), zeros({0}))})
    CHECK(e.numel() == 0);
  CHECK(test::shape(erf(zeros({0, 3}))) == std::vector<int64_t>{0, 3});
  // In place on a strided view writes only the viewed elements.
  Tensor v = arange(6, kFloat);
  detail::make_view(v, {3}, {2}, 0).clamp_(1, 3);
  check_exact(v, {1, 1, 2, 3, 3, 5});
  // The output overlapping an input in another layout reads a snapshot.
  Tensor x = f32({1, 2, 3, 4});
  detail::make_view(x, {3}, {1}, 0).addcmul_(detail::make_view(x, {3}, {1}, 1), f32({1, 1, 1}));
  check_exact(x, {3, 5, 7, 4});
}

TEST_CASE("results do not depend on the number of threads") {
  const int n = get_num_threads();
  Tensor a = arange(300001, kFloat) / 7 - 20000;
  Tensor w = arange(300001, kFloat) / 300001;
  auto run = [&] {
    return std::vector<Tensor>{erfinv(w * 2 - 1), gelu(a, "tanh"), remainder(a, 3.5), pow(a, 3), lerp(a, -a, w),
                               clamp(a, -5000, 5000), bitwise_xor(a.to(kLong), 12345), log_sigmoid(a)};
  };
  set_num_threads(1);
  const auto one = run();
  set_num_threads(2);
  const auto two = run();
  set_num_threads(n);
  for (size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(equal(one[i], two[i]));
  }
}

TEST_CASE("every pointwise math op is registered with the pointwise fusion class and no backward yet") {
  const auto& registry = OpRegistry::instance();
  for (const char* name :
       {"floor_divide.Tensor", "floor_divide_.Scalar", "remainder.Scalar", "fmod_.Tensor", "pow.Tensor", "pow.Scalar",
        "pow.Tensor_Scalar", "pow_.Scalar", "atan2.Tensor", "minimum", "maximum", "erfinv", "erfinv_", "round.decimals",
        "sign_", "clamp", "clamp_", "clamp.Tensor", "clamp_min", "clamp_max_.Tensor", "lerp.Scalar", "lerp_.Tensor",
        "addcmul", "addcdiv_", "logical_xor.Tensor", "logical_not_", "bitwise_left_shift_.Scalar", "bitwise_not",
        "isfinite", "nan_to_num_", "leaky_relu_", "elu", "gelu_", "silu", "mish_", "softplus", "hardtanh_",
        "hardsigmoid", "hardswish_", "log_sigmoid"}) {
    CAPTURE(std::string(name));
    const OpDef* def = registry.find(name);
    REQUIRE(def != nullptr);
    CHECK(def->fusion == FusionClass::Pointwise);
    CHECK(bool(def->meta));
    CHECK(bool(def->cpu));
  }
}
