// Specification of pointwise ops: arithmetic, comparisons, unary math and where, with broadcasting,
// type promotion, in-place forms and errors. Expected values: scripts/golden/core_values.py (PyTorch 1.13).
#include "helpers.h"

#include <cmath>

#include "eager/meta.h"

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {
Tensor x23() { return make<double>({1.5, -2.0, 3.0, 0.0, 4.5, -6.25}, {2, 3}); }
Tensor y3() { return make<double>({2.0, -1.0, 0.5}, {3}); }
}  // namespace

TEST_CASE("add, sub, mul, div broadcast a [3] operand over [2, 3]") {
  CHECK(values(x23() + y3()) == std::vector<double>{3.5, -3.0, 3.5, 2.0, 3.5, -5.75});
  CHECK(values(sub(x23(), y3(), 2)) == std::vector<double>{-2.5, 0.0, 2.0, -4.0, 6.5, -7.25});
  CHECK(values(x23() * y3()) == std::vector<double>{3.0, 2.0, 1.5, 0.0, -4.5, -3.125});
  CHECK(values(x23() / y3()) == std::vector<double>{0.75, 2.0, 6.0, 0.0, -4.5, -12.5});
  CHECK(test::shape(x23() + y3()) == std::vector<int64_t>{2, 3});
}

TEST_CASE("broadcasting a column against a row gives the outer shape") {
  Tensor col = make<double>({1, 2}, {2, 1});
  Tensor row = make<double>({10, 20, 30}, {3});
  Tensor s = col + row;
  CHECK(test::shape(s) == std::vector<int64_t>{2, 3});
  CHECK(values(s) == std::vector<double>{11, 21, 31, 12, 22, 32});
}

TEST_CASE("a broadcast mismatch names both shapes and the dim") {
  const std::string msg = error_of([] { ones({2, 3}) + ones({4}); });
  CHECK(contains(msg, "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"));
  CHECK(contains(msg, "[2, 3] and [4]"));
}

TEST_CASE("integer division: true division gives floats, trunc and floor keep the dtype") {
  Tensor a = make<int64_t>({7, -7, 9, -9}, {4}, kInt);
  Tensor b = make<int64_t>({2, 2, -4, -4}, {4}, kInt);
  Tensor t = a / b;
  CHECK(t.dtype() == kFloat);
  CHECK(values(t) == std::vector<double>{3.5, -3.5, -2.25, 2.25});
  Tensor tr = div(a, b, "trunc");
  CHECK(tr.dtype() == kInt);
  CHECK(values(tr) == std::vector<double>{3, -3, -2, 2});
  CHECK(values(div(a, b, "floor")) == std::vector<double>{3, -4, -3, 2});
}

TEST_CASE("float division with rounding modes handles zero divisors like PyTorch") {
  Tensor a = make<double>({7.5, -7.5, 1.0, -1.0, 0.0}, {5});
  Tensor b = make<double>({2.0, 2.0, 0.0, 0.0, 0.0}, {5});
  const auto fl = values(div(a, b, "floor"));
  CHECK(fl[0] == 3.0);
  CHECK(fl[1] == -4.0);
  CHECK(fl[2] == INFINITY);
  CHECK(fl[3] == -INFINITY);
  CHECK(std::isnan(fl[4]));
  const auto tr = values(div(a, b, "trunc"));
  CHECK(tr[1] == -3.0);
  CHECK(tr[2] == INFINITY);
}

TEST_CASE("integer division by zero is an error, not a crash") {
  Tensor a = make<int64_t>({1, 2}, {2}, kLong);
  CHECK(contains(error_of([&] { div(a, zeros({2}, kLong), "floor"); }), "ZeroDivisionError"));
  CHECK(contains(error_of([&] { a.div(0, "trunc"); }), "ZeroDivisionError"));
  CHECK(contains(error_of([&] { div(a, a, "round"); }), "expected rounding_mode to be one of None, 'trunc', or 'floor' but found 'round'"));
  // INT64_MIN / -1 wraps instead of trapping.
  Tensor m = full({1}, INT64_MIN, kLong);
  CHECK(div(m, -1, "trunc").item<int64_t>() == INT64_MIN);
}

TEST_CASE("type promotion: C++ scalars are weak, 0-d tensors count only across categories") {
  Tensor i32 = make<int64_t>({1, 2}, {2}, kInt);
  CHECK((i32 + 2.5).dtype() == kFloat);
  CHECK(values(i32 + 2.5) == std::vector<double>{3.5, 4.5});
  CHECK((i32 + 2).dtype() == kInt);
  Tensor u8 = full({1}, 200, kByte);
  Tensor i8 = full({1}, 100, kChar);
  CHECK((u8 + i8).dtype() == kShort);
  CHECK((u8 + i8).item<int64_t>() == 300);
  Tensor bools = make<int64_t>({1, 0}, {2}, kBool);
  CHECK((bools + bools).dtype() == kBool);
  CHECK((bools + 1).dtype() == kLong);
  CHECK(values(bools + 1) == std::vector<double>{2, 1});
  CHECK((i32 + scalar_tensor(1.5, kDouble)).dtype() == kDouble);
  CHECK((ones({2}, kHalf) + scalar_tensor(1.5, kDouble)).dtype() == kHalf);
  CHECK((ones({2}, kLong) * scalar_tensor(3, kChar)).dtype() == kLong);
  CHECK((ones({1}, kHalf) + ones({1}, kBFloat16)).dtype() == kFloat);
  CHECK((full({1}, 0, kByte) - 1).item<int64_t>() == 255);
  CHECK(result_type(i32, Scalar(2.5)) == kFloat);
  CHECK(result_type(u8, i8) == kShort);
}

TEST_CASE("scalar on the left: 2 - x and 2 / x") {
  CHECK(values(2 - y3()) == std::vector<double>{0.0, 3.0, 1.5});
  CHECK(values(2 / y3()) == std::vector<double>{1.0, -2.0, 4.0});
  Tensor ints = make<int64_t>({2, 4}, {2}, kLong);
  Tensor q = 7 / ints;
  CHECK(q.dtype() == kFloat);
  CHECK(values(q) == std::vector<double>{3.5, 1.75});
  CHECK(values(rsub(y3(), 1, 2)) == std::vector<double>{-3.0, 3.0, 0.0});
}

TEST_CASE("alpha is checked against the dtype as in PyTorch") {
  CHECK(contains(error_of([] { add(ones({1}, kInt), ones({1}, kInt), 1.5); }),
                 "For integral input tensors, argument alpha must not be a floating point number."));
  CHECK(contains(error_of([] { add(ones({1}), ones({1}), true); }), "Boolean alpha only supported for Boolean results."));
  CHECK(values(add(ones({2}, kInt), ones({2}, kInt), 3)) == std::vector<double>{4, 4});
}

TEST_CASE("bool subtraction and negation are rejected with PyTorch's advice") {
  Tensor b = full({2}, true);
  CHECK(contains(error_of([&] { b - b; }), "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` operator instead."));
  CHECK(contains(error_of([&] { -b; }), "use the `~` or `logical_not()` operator instead"));
}

TEST_CASE("unary math: values, integer inputs promote to the default dtype") {
  CHECK(values(-x23()) == std::vector<double>{-1.5, 2.0, -3.0, -0.0, -4.5, 6.25});
  CHECK(std::signbit(values(-x23())[3]));
  Tensor i16 = make<int64_t>({-3, 4}, {2}, kShort);
  CHECK(i16.abs().dtype() == kShort);
  CHECK(values(i16.abs()) == std::vector<double>{3, 4});
  CHECK_VALUES(values(exp(y3())), {7.389056205749512, 0.3678794503211975, 1.6487212181091309});
  const auto lg = values(log(make<double>({1.0, 0.0, -1.0, 2.0}, {4})));
  CHECK(lg[0] == 0.0);
  CHECK(lg[1] == -INFINITY);
  CHECK(std::isnan(lg[2]));
  CHECK(lg[3] == doctest::Approx(0.6931471824645996));
  Tensor s = sqrt(make<int64_t>({4, 2}, {2}, kLong));
  CHECK(s.dtype() == kFloat);
  CHECK_VALUES(values(s), {2.0, 1.4142135381698608});
  const auto r = values(relu(make<double>({-1.0, 0.0, 2.0, NAN}, {4})));
  CHECK(r[0] == 0.0);
  CHECK(r[2] == 2.0);
  CHECK(std::isnan(r[3]));
  CHECK_VALUES(values(sigmoid(make<double>({-100.0, 0.0, 1.0, 100.0}, {4}))), {0.0, 0.5, 0.7310585975646973, 1.0});
  CHECK_VALUES(values(tanh(make<double>({-1.0, 0.0, 0.5}, {3}))), {-0.7615941762924194, 0.0, 0.46211716532707214});
}

TEST_CASE("unary ops run on every floating dtype and on 0-d and empty tensors") {
  for (ScalarType dt : {kHalf, kBFloat16, kFloat, kDouble}) {
    CAPTURE(dt);
    Tensor t = make<double>({0.5, 1.0}, {2}, dt);
    Tensor e = exp(t);
    CHECK(e.dtype() == dt);
    CHECK(values(e)[1] == doctest::Approx(2.718281828).epsilon(dt == kBFloat16 ? 1e-2 : 1e-3));
  }
  Tensor z = exp(scalar_tensor(0.0));
  CHECK(z.dim() == 0);
  CHECK(z.item<float>() == 1.0f);
  CHECK(test::shape(exp(zeros({0, 3}))) == std::vector<int64_t>{0, 3});
}

TEST_CASE("comparisons give bool tensors, with scalars on either side") {
  CHECK((x23() == 3.0).dtype() == kBool);
  CHECK(values(x23() == 3.0) == std::vector<double>{0, 0, 1, 0, 0, 0});
  CHECK(values(x23() < y3()) == std::vector<double>{1, 1, 0, 1, 0, 1});
  CHECK(values(3.0 > x23()) == values(x23() < 3.0));
  CHECK(values(0 <= x23()) == values(x23() >= 0));
  CHECK(values(x23() != x23()) == std::vector<double>{0, 0, 0, 0, 0, 0});
  CHECK(values(ones({2}, kInt) > 0.5) == std::vector<double>{1, 1});
}

TEST_CASE("where selects with broadcasting and promotes its value operands") {
  CHECK(values(where(x23() > 0, x23(), y3())) == std::vector<double>{1.5, -1.0, 3.0, 2.0, 4.5, 0.5});
  Tensor w = where(make<int64_t>({1, 0}, {2}, kBool), make<int64_t>({1, 2}, {2}, kInt), 2.5);
  CHECK(w.dtype() == kFloat);
  CHECK(values(w) == std::vector<double>{1.0, 2.5});
  CHECK(contains(error_of([] { where(ones({2}), ones({2}), ones({2})); }),
                 "expected condition to be a boolean tensor, but got a tensor with dtype Float"));
}

TEST_CASE("in-place ops write through, keep the dtype, and refuse narrowing or growing") {
  Tensor a = make<double>({1, 2, 3}, {3});
  Tensor& r = a.add_(y3(), 2);
  CHECK(&r == &a);
  CHECK(values(a) == std::vector<double>{5, 0, 4});
  a.mul_(2).sub_(1).div_(2);
  CHECK(values(a) == std::vector<double>{4.5, -0.5, 3.5});
  Tensor h = ones({2}, kHalf);
  h.add_(ones({2}, kDouble));  // computes in double, stores half
  CHECK(h.dtype() == kHalf);
  CHECK(values(h) == std::vector<double>{2, 2});
  Tensor i = ones({2}, kInt);
  CHECK(contains(error_of([&] { i.add_(1.5); }), "result type Float can't be cast to the desired output type Int"));
  CHECK(contains(error_of([&] { i.div_(2); }), "result type Float can't be cast to the desired output type Int"));
  CHECK(contains(error_of([&] { ones({3}).add_(ones({2, 3})); }), "output with shape [3] doesn't match the broadcast shape [2, 3]"));
  Tensor e = ones({2}).exp_();
  CHECK_VALUES(values(e), {2.718281828459045, 2.718281828459045});
  Tensor v = ones({4});
  v += 1;
  v *= v;
  CHECK(values(v) == std::vector<double>{4, 4, 4, 4});
}

TEST_CASE("in-place on an expanded tensor is refused; on overlapping views it reads a snapshot") {
  Tensor base = ones({1});
  Tensor expanded = detail::make_view(base, {3}, {0}, 0);
  CHECK(contains(error_of([&] { expanded.add_(1); }), "more than one element of the written-to tensor refers to a single memory location"));
  Tensor x = make<double>({1, 2, 3, 4}, {4});
  Tensor head = detail::make_view(x, {3}, {1}, 0);
  Tensor tail = detail::make_view(x, {3}, {1}, 1);
  head.add_(tail);  // x[0:3] += x[1:4], reading the values before the write
  CHECK(values(x) == std::vector<double>{3, 5, 7, 4});
}

TEST_CASE("strided and broadcast operands give the same results as contiguous ones") {
  // A [3, 2] view with strides [1, 3] of arange(6): the transpose of [[0,1,2],[3,4,5]].
  Tensor base = arange(6, kFloat);
  Tensor tr = detail::make_view(base, {3, 2}, {1, 3}, 0);
  CHECK(values(tr + 1) == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(values(tr * tr) == std::vector<double>{0, 9, 1, 16, 4, 25});
  Tensor big = arange(100000, kFloat);
  Tensor every_other = detail::make_view(big, {50000}, {2}, 1);
  const auto v = values(every_other * 2);
  CHECK(v[0] == 2);
  CHECK(v[49999] == 199998);
}

TEST_CASE("pointwise results do not depend on the number of threads") {
  const int n = get_num_threads();
  Tensor a = arange(300001, kFloat) / 7;
  set_num_threads(1);
  Tensor one = sigmoid(a) * a - a / 3;
  set_num_threads(2);
  Tensor two = sigmoid(a) * a - a / 3;
  set_num_threads(n);
  CHECK(equal(one, two));
}

TEST_CASE("integer ops on every integer dtype wrap like C") {
  for (ScalarType dt : {kByte, kChar, kShort, kInt, kLong}) {
    CAPTURE(dt);
    Tensor a = make<int64_t>({5, 6}, {2}, dt);
    CHECK(values(a * 3) == std::vector<double>{15, 18});
    CHECK(values(a - 2) == std::vector<double>{3, 4});
    CHECK((a * 3).dtype() == dt);
  }
  CHECK(full({1}, 127, kChar).add(1).item<int64_t>() == -128);
}

TEST_CASE("ops on undefined tensors are errors") {
  CHECK(contains(error_of([] { Tensor() + ones({1}); }), "undefined"));
}
