// Specification of the reductions beyond sum/mean (prod, max/min, amax/amin, argmax/argmin, var/std, norm,
// logsumexp, all/any) and the ops along a dim (cumsum/cumprod, sort/argsort, topk, softmax/log_softmax).
// Expected values come from scripts/golden/reductions.py (PyTorch 1.13).
#include "helpers.h"

#include <cmath>
#include <limits>

#include "eager/meta.h"

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {

constexpr double NAN_ = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

// "" when `t` has the dtype, shape and values (NaN matches NaN; others within `rel`), else what differs.
std::string mismatch(const Tensor& t, ScalarType dtype, std::vector<int64_t> shape, std::vector<double> expected,
                     double rel = 1e-6) {
  if (t.dtype() != dtype) return std::string("dtype ") + to_string(t.dtype()) + ", expected " + to_string(dtype);
  if (test::shape(t) != shape) return "shape " + detail::shape_str(t.sizes()) + ", expected " + detail::shape_str(shape);
  const std::vector<double> got = values(t);
  for (size_t i = 0; i < got.size(); ++i) {
    const double a = got[i], e = expected[i];
    const bool ok = std::isnan(e) ? std::isnan(a) : (a == e || std::fabs(a - e) <= rel * std::fabs(e) + 1e-12);
    if (!ok) return "element " + std::to_string(i) + " is " + std::to_string(a) + ", expected " + std::to_string(e);
  }
  return "";
}

// The 3x4 matrix with ties and negatives used throughout.
Tensor x34() { return make<double>({3, -1, 4, 1, 5, 9, -2, 6, 5, 3, 5, -8}, {3, 4}); }

// (i * 7 % 11) - 5 over 2x3x4.
Tensor base234() {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[size_t(i)] = double((i * 7) % 11 - 5);
  return make<double>(v, {2, 3, 4});
}

// base234 with dims 0 and 2 swapped, as a strided view: sizes [4, 3, 2], strides [1, 4, 12].
Tensor transposed() { return detail::make_view(base234(), {4, 3, 2}, {1, 4, 12}, 0); }


}  // namespace

// ---- prod ----

TEST_CASE("prod over everything, over one dim, keepdim and negative dims") {
  CHECK(mismatch(x34().prod(), kFloat, {}, {-3888000}) == "");
  CHECK(mismatch(x34().prod(1), kFloat, {3}, {-12, -540, -600}) == "");
  CHECK(mismatch(x34().prod(-2, true), kFloat, {1, 4}, {75, -27, -40, -48}) == "");
}

TEST_CASE("prod of integers and bools gives int64 and wraps; dtype= converts first") {
  CHECK(mismatch(make<int64_t>({2, 3, 4}, {3}, kChar).prod(), kLong, {}, {24}) == "");
  CHECK(mismatch(make<int64_t>({1, 0}, {2}, kBool).prod(), kLong, {}, {0}) == "");
  CHECK(make<int64_t>({int64_t(1) << 40, int64_t(1) << 40}, {2}, kLong).prod().item<int64_t>() == 0);
  CHECK(mismatch(make<int64_t>({200, 2}, {2}, kByte).prod(kByte), kByte, {}, {144}) == "");
}

TEST_CASE("prod of nothing is 1") {
  CHECK(mismatch(zeros({0}).prod(), kFloat, {}, {1}) == "");
  CHECK(mismatch(zeros({0, 3}).prod(0), kFloat, {3}, {1, 1, 1}) == "");
}

TEST_CASE("mean with an integer dtype= raises, as in PyTorch") {
  CHECK(contains(error_of([] { ones({2}).mean(kLong); }),
                 "[mean] could not infer output dtype. Optional dtype must be either a floating point or complex dtype. "
                 "Got: Long"));
}

// ---- max / min ----

TEST_CASE("max and min over all elements give 0-d tensors of the input dtype") {
  CHECK(mismatch(x34().max(), kFloat, {}, {9}) == "");
  CHECK(mismatch(x34().min(), kFloat, {}, {-8}) == "");
  CHECK(mismatch(make<int64_t>({-1, -128}, {2}, kChar).max(), kChar, {}, {-1}) == "");
  CHECK(mismatch(make<int64_t>({1, 0}, {2}, kBool).max(), kBool, {}, {1}) == "");
}

TEST_CASE("max and min along a dim return values and the first index of ties") {
  auto [values0, indices0] = x34().max(0);
  CHECK(mismatch(values0, kFloat, {4}, {5, 9, 5, 6}) == "");
  CHECK(mismatch(indices0, kLong, {4}, {1, 1, 2, 1}) == "");
  auto [values1, indices1] = min(x34(), 1);
  CHECK(mismatch(values1, kFloat, {3}, {-1, -2, -8}) == "");
  CHECK(mismatch(indices1, kLong, {3}, {1, 2, 3}) == "");
  auto [kept, kept_indices] = x34().max(-1, true);
  CHECK(mismatch(kept, kFloat, {3, 1}, {4, 9, 5}) == "");
  CHECK(mismatch(kept_indices, kLong, {3, 1}, {2, 1, 0}) == "");
  auto [u8, u8_indices] = make<int64_t>({3, 200}, {1, 2}, kByte).max(1);
  CHECK(mismatch(u8, kByte, {1}, {200}) == "");
  CHECK(mismatch(u8_indices, kLong, {1}, {1}) == "");
}

TEST_CASE("NaN propagates through max and min and its first index is reported") {
  auto [v, i] = make<double>({1, NAN_, 3, NAN_}, {4}).max(0);
  CHECK(std::isnan(v.item<double>()));
  CHECK(i.item<int64_t>() == 1);
  CHECK(std::isnan(make<double>({1, NAN_, 3}, {3}).min().item<double>()));
  CHECK(make<double>({1, NAN_, 3, NAN_}, {4}).argmax().item<int64_t>() == 1);
  CHECK(make<double>({1, NAN_, -3}, {3}).argmin().item<int64_t>() == 1);
}

TEST_CASE("max of 0-d tensors works along dim 0 or -1") {
  auto [v, i] = scalar_tensor(3.0).max(-1);
  CHECK(mismatch(v, kFloat, {}, {3}) == "");
  CHECK(mismatch(i, kLong, {}, {0}) == "");
}

TEST_CASE("max of nothing raises; along a non-empty dim of an empty tensor it is empty") {
  CHECK(error_of([] { zeros({0}).max(); }) ==
        "[max] Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the "
        "'dim' argument.");
  CHECK(error_of([] { zeros({0, 3}).max(0); }) == "[max.dim] Expected reduction dim 0 to have non-zero size.");
  CHECK(contains(error_of([] { zeros({0}).min(); }), "Expected reduction dim to be specified"));
  auto [v, i] = zeros({2, 0}).max(0);
  CHECK(mismatch(v, kFloat, {0}, {}) == "");
  CHECK(mismatch(i, kLong, {0}, {}) == "");
  CHECK(error_of([] { x34().max(2); }) ==
        "[max.dim] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

// ---- amax / amin ----

TEST_CASE("amax and amin reduce over dim lists with keepdim; no dims means all") {
  CHECK(mismatch(base234().amax({0, 2}), kFloat, {3}, {5, 4, 3}) == "");
  CHECK(mismatch(base234().amin({-1}, true), kFloat, {2, 3, 1}, {-5, -3, -5, -2, -4, -5}) == "");
  CHECK(mismatch(base234().amax(), kFloat, {}, {5}) == "");
  CHECK(std::isnan(make<double>({1, NAN_}, {2}).amax().item<double>()));
  CHECK(mismatch(make<int64_t>({1, 250}, {2}, kByte).amax(), kByte, {}, {250}) == "");
}

TEST_CASE("amax and amin of an empty reduction raise") {
  CHECK(contains(error_of([] { zeros({0, 3}).amax(); }), "[amax] Expected reduction dim to be specified"));
  CHECK(error_of([] { zeros({0, 3}).amin({0}); }) == "[amin] Expected reduction dim 0 to have non-zero size.");
  CHECK(mismatch(zeros({0, 3}).amax({1}), kFloat, {0}, {}) == "");
  CHECK(contains(error_of([] { x34().amax({0, 0}); }), "dim 0 appears multiple times in the list of dims"));
}

// ---- argmax / argmin ----

TEST_CASE("argmax and argmin without a dim index the flattened tensor") {
  CHECK(mismatch(x34().argmax(), kLong, {}, {5}) == "");
  CHECK(mismatch(x34().argmin(), kLong, {}, {11}) == "");
  CHECK(mismatch(x34().argmax(std::nullopt, true), kLong, {1, 1}, {5}) == "");
}

TEST_CASE("argmax and argmin along a dim give the first index of ties") {
  CHECK(mismatch(x34().argmax(0), kLong, {4}, {1, 1, 2, 1}) == "");
  CHECK(mismatch(x34().argmin(1), kLong, {3}, {1, 2, 3}) == "");
  CHECK(mismatch(argmax(x34(), 1, true), kLong, {3, 1}, {2, 1, 0}) == "");
}

TEST_CASE("argmax of bools or of nothing raises") {
  CHECK(contains(error_of([] { ones({2}, kBool).argmax(); }), "[argmax] is not implemented for Bool tensors"));
  CHECK(contains(error_of([] { zeros({0}).argmin(); }), "[argmin] Expected reduction dim to be specified"));
  CHECK(error_of([] { zeros({2}).argmax(2); }) ==
        "[argmax] Dimension out of range (expected to be in range of [-1, 0], but got 2)");
}

// ---- var / std ----

TEST_CASE("var and std default to the unbiased estimate") {
  CHECK(mismatch(x34().var(), kFloat, {}, {20.090909957885742}) == "");
  CHECK(mismatch(x34().std(), kFloat, {}, {4.482288360595703}) == "");
  CHECK(mismatch(x34().var({1}), kFloat, {3}, {4.916666507720947, 21.66666603088379, 38.91666793823242}) == "");
  CHECK(mismatch(x34().var({1}, false), kFloat, {3}, {3.6875, 16.25, 29.1875}) == "");
  CHECK(mismatch(x34().std({0, 1}, false), kFloat, {}, {4.291464328765869}) == "");
}

TEST_CASE("var divides by count - correction") {
  CHECK(mismatch(var(x34(), {1}, int64_t{0}), kFloat, {3}, {3.6875, 16.25, 29.1875}) == "");
  CHECK(mismatch(x34().var({1}, int64_t{2}), kFloat, {3}, {7.375, 32.5, 58.375}) == "");
  // Nothing left to divide by: inf, or nan when every value is the same.
  CHECK(mismatch(var(make<double>({1, 2}, {2}), {}, int64_t{2}), kFloat, {}, {INF}) == "");
  CHECK(mismatch(var(make<double>({1, 1}, {2}), {}, int64_t{2}), kFloat, {}, {NAN_}) == "");
}

TEST_CASE("var_mean and std_mean return both") {
  auto [v, m] = var_mean(x34(), {1});
  CHECK(mismatch(v, kFloat, {3}, {4.916666507720947, 21.66666603088379, 38.91666793823242}) == "");
  CHECK(mismatch(m, kFloat, {3}, {1.75, 4.5, 1.25}) == "");
  auto [s, m0] = std_mean(x34(), {0}, false, true);
  CHECK(mismatch(s, kFloat, {1, 4}, {0.9428090453147888, 4.109609127044678, 3.0912060737609863, 5.792715549468994}) ==
        "");
  CHECK(mismatch(m0, kFloat, {1, 4}, {4.333333492279053, 3.6666667461395264, 2.3333332538604736, -0.3333333432674408}) ==
        "");
}

TEST_CASE("var of nothing is nan and var of integers raises") {
  CHECK(std::isnan(zeros({0}).var().item<double>()));
  auto [v, m] = var_mean(zeros({0}));
  CHECK(std::isnan(v.item<double>()));
  CHECK(std::isnan(m.item<double>()));
  CHECK(contains(error_of([] { ones({2}, kLong).var(); }),
                 "std and var only support floating point and complex dtypes; got Long"));
  CHECK(contains(error_of([] { ones({2}, kBool).std(); }), "std and var only support floating point"));
}

TEST_CASE("var and std keep float16 and bfloat16") {
  CHECK(mismatch(make<double>({1, 2, 4}, {3}, kHalf).var(), kHalf, {}, {2.333984375}) == "");
  CHECK(mismatch(make<double>({1, 2, 4}, {3}, kBFloat16).std(), kBFloat16, {}, {1.53125}) == "");
}

// ---- norm ----

TEST_CASE("norm for p = 2, 1, inf, -inf, 0 and other p") {
  Tensor v = make<double>({3, -5, 4}, {3});
  CHECK(mismatch(v.norm(), kFloat, {}, {7.071067810058594}) == "");
  CHECK(mismatch(v.norm(1), kFloat, {}, {12}) == "");
  CHECK(mismatch(v.norm(INF), kFloat, {}, {5}) == "");
  CHECK(mismatch(v.norm(-INF), kFloat, {}, {3}) == "");
  CHECK(mismatch(v.norm(3), kFloat, {}, {6.000000476837158}) == "");
  CHECK(mismatch(v.norm(0.5), kFloat, {}, {35.618438720703125}) == "");
  CHECK(mismatch(v.norm(-1), kFloat, {}, {1.2765957117080688}) == "");
  CHECK(mismatch(make<double>({3, 0, 4}, {3}).norm(0), kFloat, {}, {2}) == "");
  CHECK(mismatch(make<double>({3, 0, 4}, {3}).norm(-1), kFloat, {}, {0}) == "");
  CHECK(mismatch(make<double>({NAN_, 0}, {2}).norm(0), kFloat, {}, {1}) == "");  // NaN is nonzero
}

TEST_CASE("norm over dims with keepdim, and the Frobenius norm") {
  CHECK(mismatch(x34().norm(2, {1}), kFloat, {3}, {5.196152210235596, 12.083045959472656, 11.090536117553711}) == "");
  CHECK(mismatch(norm(x34(), 1, {1}, true), kFloat, {3, 1}, {9, 22, 21}) == "");
  CHECK(mismatch(norm(x34(), "fro", {0}, true), kFloat, {1, 4},
                 {7.681145668029785, 9.539392471313477, 6.7082037925720215, 10.049875259399414}) == "");
  CHECK(mismatch(norm(base234(), "fro"), kFloat, {}, {15.779733657836914}) == "");
}

TEST_CASE("norm dtype= computes in that dtype") {
  CHECK(mismatch(x34().norm(2, {1}, false, kDouble), kDouble, {3},
                 {5.196152422706632, 12.083045973594572, 11.090536506409418}, 1e-15) == "");
  CHECK(mismatch(make<double>({3, 4}, {2}, kHalf).norm(), kHalf, {}, {5}) == "");
}

TEST_CASE("norm of nothing is 0 for every p") {
  for (double p : {2.0, 1.0, 0.0, -1.0, INF, -INF, 0.5}) {
    CAPTURE(p);
    CHECK(mismatch(zeros({0, 3}).norm(p, {0}), kFloat, {3}, {0, 0, 0}) == "");
  }
}

TEST_CASE("norm errors: integer input or dtype, unknown or unsupported string p") {
  CHECK(contains(error_of([] { ones({2}, kLong).norm(); }),
                 "[norm] input dtype should be either floating point or complex. Got Long instead."));
  CHECK(contains(error_of([] { x34().norm(2, {1}, false, kLong); }),
                 "the desired output dtype should be either floating point or complex. Got Long instead."));
  CHECK(error_of([] { norm(x34(), "abc"); }) == "[norm] only valid string values are 'fro' and 'nuc', found abc");
  CHECK(contains(error_of([] { norm(base234(), "fro", {0, 1, 2}); }), "Expected at most 2 dimensions"));
  CHECK(contains(error_of([] { norm(x34(), std::string("nuc")); }), "nuclear norm (p='nuc') is not supported yet"));
}

// ---- logsumexp ----

TEST_CASE("logsumexp is stable for large inputs and handles infinities") {
  CHECK(mismatch(make<double>({1000, 1001}, {2}).logsumexp({0}), kFloat, {}, {1001.313232421875}) == "");
  CHECK(mismatch(make<double>({-INF, -INF, 1, 2}, {2, 2}).logsumexp({1}), kFloat, {2}, {-INF, 2.3132617473602295}) ==
        "");
  CHECK(mismatch(make<double>({INF, 1}, {2}).logsumexp({0}), kFloat, {}, {INF}) == "");
  CHECK(mismatch(make<double>({INF, -INF}, {2}).logsumexp({0}), kFloat, {}, {INF}) == "");
  CHECK(mismatch(make<double>({1, NAN_}, {2}).logsumexp({0}), kFloat, {}, {NAN_}) == "");
}

TEST_CASE("logsumexp over dim lists with keepdim; integers give the default dtype") {
  CHECK(mismatch(x34().logsumexp({0, 1}, true), kFloat, {1, 1}, {9.110491752624512}) == "");
  CHECK(mismatch(x34().logsumexp({1}), kFloat, {3}, {4.353753566741943, 9.065899848937988, 5.75862455368042}) == "");
  CHECK(mismatch(make<int64_t>({1, 2}, {2}, kLong).logsumexp({0}), kFloat, {}, {2.3132617473602295}) == "");
  CHECK(mismatch(make<double>({1, 2}, {2}, kBFloat16).logsumexp({0}), kBFloat16, {}, {2.3125}) == "");
}

TEST_CASE("logsumexp of nothing is -inf") {
  CHECK(mismatch(zeros({0, 3}).logsumexp({0}), kFloat, {3}, {-INF, -INF, -INF}) == "");
}

// ---- all / any ----

TEST_CASE("all and any give bools for any input dtype") {
  CHECK(mismatch(make<double>({1, NAN_}, {2}).all(), kBool, {}, {1}) == "");
  CHECK(mismatch(make<int64_t>({1, 2}, {2}, kChar).all(), kBool, {}, {1}) == "");
  CHECK(mismatch(x34().all(1), kBool, {3}, {1, 1, 1}) == "");
  CHECK(mismatch(make<int64_t>({0, 2, 0, 0}, {2, 2}, kLong).any(1, true), kBool, {2, 1}, {1, 0}) == "");
  CHECK(mismatch(make<double>({0, 0.5}, {2}, kHalf).any(), kBool, {}, {1}) == "");
}

TEST_CASE("all and any keep uint8 for uint8 inputs") {
  CHECK(mismatch(make<int64_t>({1, 2}, {2}, kByte).all(), kByte, {}, {1}) == "");
  CHECK(mismatch(make<int64_t>({1, 0, 0, 0}, {2, 2}, kByte).any(1), kByte, {2}, {1, 0}) == "");
}

TEST_CASE("all of nothing is true and any of nothing is false") {
  CHECK(mismatch(zeros({0}).all(), kBool, {}, {1}) == "");
  CHECK(mismatch(zeros({0}).any(), kBool, {}, {0}) == "");
  CHECK(mismatch(zeros({0, 3}).all(0), kBool, {3}, {1, 1, 1}) == "");
  CHECK(error_of([] { zeros({2}).any(1); }) ==
        "[any.dim] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- cumsum / cumprod ----

TEST_CASE("cumsum and cumprod along a dim, negative dims included") {
  CHECK(mismatch(x34().cumsum(1), kFloat, {3, 4}, {3, 2, 6, 7, 5, 14, 12, 18, 5, 8, 13, 5}) == "");
  CHECK(mismatch(x34().cumprod(0), kFloat, {3, 4}, {3, -1, 4, 1, 15, -9, -8, 6, 75, -27, -40, -48}) == "");
  CHECK(mismatch(cumsum(x34(), -2), kFloat, {3, 4}, {3, -1, 4, 1, 8, 8, 2, 7, 13, 11, 7, -1}) == "");
}

TEST_CASE("cumsum of integers and bools gives int64; dtype= converts first and wraps") {
  CHECK(mismatch(make<int64_t>({100, 100}, {2}, kChar).cumsum(0), kLong, {2}, {100, 200}) == "");
  CHECK(mismatch(make<int64_t>({100, 100}, {2}, kChar).cumsum(0, kChar), kChar, {2}, {100, -56}) == "");
  CHECK(mismatch(make<int64_t>({1, 1}, {2}, kBool).cumsum(0), kLong, {2}, {1, 2}) == "");
  CHECK(mismatch(make<int64_t>({20, 20}, {2}, kByte).cumprod(0), kLong, {2}, {20, 400}) == "");
  CHECK(mismatch(make<int64_t>({1, 2}, {2}, kLong).cumsum(0, kFloat), kFloat, {2}, {1, 3}) == "");
  CHECK(mismatch(make<double>({2, 3}, {2}, kBFloat16).cumsum(0), kBFloat16, {2}, {2, 5}) == "");
}

TEST_CASE("cumsum carries NaN forward; 0-d and empty inputs") {
  CHECK(mismatch(make<double>({1, NAN_, 2}, {3}).cumsum(0), kFloat, {3}, {1, NAN_, NAN_}) == "");
  CHECK(mismatch(scalar_tensor(3.0).cumsum(-1), kFloat, {}, {3}) == "");
  CHECK(mismatch(zeros({0, 2}).cumprod(0), kFloat, {0, 2}, {}) == "");
}

TEST_CASE("cumsum into bool or along a missing dim raises") {
  CHECK(contains(error_of([] { ones({2}).cumsum(0, kBool); }), "[cumsum] is not implemented for Bool results"));
  CHECK(error_of([] { zeros({2}).cumsum(1); }) ==
        "[cumsum] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- sort / argsort ----

TEST_CASE("sort ascending puts NaN last and returns the original indices") {
  auto [v, i] = make<double>({3, NAN_, 1, -INF, INF}, {5}).sort();
  CHECK(mismatch(v, kFloat, {5}, {-INF, 1, 3, INF, NAN_}) == "");
  CHECK(mismatch(i, kLong, {5}, {3, 2, 0, 4, 1}) == "");
}

TEST_CASE("sort descending puts NaN first") {
  auto [v, i] = sort(make<double>({3, NAN_, 1, NAN_}, {4}), -1, true);
  CHECK(mismatch(v, kFloat, {4}, {NAN_, NAN_, 3, 1}) == "");
  CHECK(mismatch(i, kLong, {4}, {1, 3, 0, 2}) == "");
}

TEST_CASE("stable sort keeps equal values in their original order") {
  Tensor t = make<int64_t>({1, 0, 1, 0, 1}, {5}, kLong);
  auto [v, i] = sort(t, true, 0, false);
  CHECK(mismatch(v, kLong, {5}, {0, 0, 1, 1, 1}) == "");
  CHECK(mismatch(i, kLong, {5}, {1, 3, 0, 2, 4}) == "");
  auto [vd, id] = t.sort(std::optional<bool>(true), 0, true);
  CHECK(mismatch(vd, kLong, {5}, {1, 1, 1, 0, 0}) == "");
  CHECK(mismatch(id, kLong, {5}, {0, 2, 4, 1, 3}) == "");
  CHECK(mismatch(argsort(make<int64_t>({1, 0, 1}, {3}, kLong), true, -1, true), kLong, {3}, {0, 2, 1}) == "");
}

TEST_CASE("sort and argsort along either dim of a matrix") {
  auto [v0, i0] = x34().sort(0);
  CHECK(mismatch(v0, kFloat, {3, 4}, {3, -1, -2, -8, 5, 3, 4, 1, 5, 9, 5, 6}) == "");
  CHECK(mismatch(i0, kLong, {3, 4}, {0, 0, 1, 2, 1, 2, 0, 0, 2, 1, 2, 1}) == "");
  auto [v1, i1] = x34().sort(1, true);
  CHECK(mismatch(v1, kFloat, {3, 4}, {4, 3, 1, -1, 9, 6, 5, -2, 5, 5, 3, -8}) == "");
  CHECK(mismatch(i1, kLong, {3, 4}, {2, 0, 3, 1, 1, 3, 0, 2, 0, 2, 1, 3}) == "");
  CHECK(mismatch(x34().argsort(1), kLong, {3, 4}, {1, 3, 0, 2, 2, 0, 3, 1, 3, 1, 0, 2}) == "");
}

TEST_CASE("sort of bools, float16, 0-d and empty tensors") {
  auto [b, bi] = make<int64_t>({1, 0, 1}, {3}, kBool).sort();
  CHECK(mismatch(b, kBool, {3}, {0, 1, 1}) == "");
  CHECK(mismatch(bi, kLong, {3}, {1, 0, 2}) == "");
  auto [h, hi] = make<double>({2, -1, 0.5}, {3}, kHalf).sort();
  CHECK(mismatch(h, kHalf, {3}, {-1, 0.5, 2}) == "");
  CHECK(mismatch(hi, kLong, {3}, {1, 2, 0}) == "");
  auto [s, si] = scalar_tensor(3.0).sort();
  CHECK(mismatch(s, kFloat, {}, {3}) == "");
  CHECK(mismatch(si, kLong, {}, {0}) == "");
  auto [e, ei] = zeros({0, 3}).sort(0);
  CHECK(mismatch(e, kFloat, {0, 3}, {}) == "");
  CHECK(mismatch(ei, kLong, {0, 3}, {}) == "");
  CHECK(error_of([] { zeros({3}).sort(1); }) ==
        "[sort.stable] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- topk ----

TEST_CASE("topk returns the k largest, best first, with NaN as the largest") {
  auto [v, i] = make<double>({1, 5, 3, NAN_}, {4}).topk(2);
  CHECK(mismatch(v, kFloat, {2}, {NAN_, 5}) == "");
  CHECK(mismatch(i, kLong, {2}, {3, 1}) == "");
  auto [s, si] = make<double>({1, NAN_, 0}, {3}).topk(3, -1, false);
  CHECK(mismatch(s, kFloat, {3}, {0, 1, NAN_}) == "");
  CHECK(mismatch(si, kLong, {3}, {2, 0, 1}) == "");
}

TEST_CASE("topk along a dim, largest or smallest") {
  auto [v, i] = x34().topk(2, 0);
  CHECK(mismatch(v, kFloat, {2, 4}, {5, 9, 5, 6, 5, 3, 4, 1}) == "");
  CHECK(mismatch(i, kLong, {2, 4}, {1, 1, 2, 1, 2, 2, 0, 0}) == "");
  auto [s, si] = topk(x34(), 1, -1, false);
  CHECK(mismatch(s, kFloat, {3, 1}, {-1, -2, -8}) == "");
  CHECK(mismatch(si, kLong, {3, 1}, {1, 2, 3}) == "");
}

TEST_CASE("topk with k = 0 is empty, of a 0-d tensor is 0-d") {
  auto [v, i] = make<double>({1, 5}, {2}).topk(0);
  CHECK(mismatch(v, kFloat, {0}, {}) == "");
  CHECK(mismatch(i, kLong, {0}, {}) == "");
  auto [s, si] = scalar_tensor(1.0).topk(1);
  CHECK(mismatch(s, kFloat, {}, {1}) == "");
  CHECK(mismatch(si, kLong, {}, {0}) == "");
}

TEST_CASE("topk with k out of range or of bools raises") {
  CHECK(error_of([] { make<double>({1, 5}, {2}).topk(3); }) ==
        "[topk] selected index k out of range: k is 3 but dim 0 has size 2. Pass k between 0 and 2.");
  CHECK(contains(error_of([] { make<double>({1, 5}, {2}).topk(-1); }), "selected index k out of range"));
  CHECK(contains(error_of([] { zeros({0, 3}).topk(1, 0); }), "selected index k out of range"));
  CHECK(contains(error_of([] { ones({2}, kBool).topk(1); }), "[topk] is not implemented for Bool tensors"));
}

// ---- softmax / log_softmax ----

TEST_CASE("softmax and log_softmax along the last dim") {
  CHECK(mismatch(x34().softmax(1), kFloat, {3, 4},
                 {0.25826898217201233, 0.004730361048132181, 0.7020478248596191, 0.03495290130376816,
                  0.01714755780994892, 0.9362249374389648, 1.5636547686881386e-05, 0.04661189392209053,
                  0.46831002831459045, 0.06337887048721313, 0.46831002831459045, 1.0585349627945106e-06},
                 1e-5) == "");
  CHECK(mismatch(x34().log_softmax(1), kFloat, {3, 4},
                 {-1.3537538051605225, -5.353753566741943, -0.3537537455558777, -3.3537538051605225, -4.06589937210083,
                  -0.06589953601360321, -11.065899848937988, -3.065899610519409, -0.7586247324943542,
                  -2.758624792098999, -0.7586247324943542, -13.758625030517578},
                 1e-5) == "");
}

TEST_CASE("softmax and log_softmax along an outer dim") {
  CHECK(mismatch(softmax(x34(), 0), kFloat, {3, 4},
                 {0.06337893009185791, 4.528562203631736e-05, 0.2687622606754303, 0.006692845374345779,
                  0.46831050515174866, 0.9974822402000427, 0.0006661950028501451, 0.9933063387870789,
                  0.46831050515174866, 0.0024725112598389387, 0.7305715680122375, 8.259627293227823e-07},
                 1e-5) == "");
  CHECK(mismatch(log_softmax(x34(), -2), kFloat, {3, 4},
                 {-2.7586238384246826, -10.002520561218262, -1.3139281272888184, -5.006716251373291,
                  -0.7586237788200378, -0.002520957263186574, -7.313928127288818, -0.006716177798807621,
                  -0.7586237788200378, -6.00252103805542, -0.31392812728881836, -14.006715774536133},
                 1e-5) == "");
}

TEST_CASE("softmax is finite for large inputs and exact for -inf entries") {
  CHECK(mismatch(make<double>({1000, 1001}, {2}).softmax(0), kFloat, {2}, {0.2689414322376251, 0.7310585975646973},
                 1e-6) == "");
  CHECK(mismatch(make<double>({1000, 1001}, {2}).log_softmax(0), kFloat, {2}, {-1.31326162815094, -0.31326165795326233},
                 1e-6) == "");
  CHECK(mismatch(make<double>({-INF, 1}, {2}).softmax(0), kFloat, {2}, {0, 1}) == "");
  CHECK(mismatch(make<double>({-INF, -INF}, {2}).softmax(0), kFloat, {2}, {NAN_, NAN_}) == "");
  CHECK(mismatch(make<double>({-INF, 0}, {2}).log_softmax(0), kFloat, {2}, {-INF, 0}) == "");
  CHECK(mismatch(scalar_tensor(3.0).softmax(0), kFloat, {}, {1}) == "");
}

TEST_CASE("softmax of integers needs a floating dtype=") {
  CHECK(contains(error_of([] { make<int64_t>({1, 2}, {2}, kLong).softmax(0); }),
                 "[softmax.int] expected a floating point input or dtype, but got Long"));
  CHECK(mismatch(make<int64_t>({1, 2}, {2}, kLong).softmax(0, kFloat), kFloat, {2},
                 {0.2689414322376251, 0.7310585975646973}) == "");
  CHECK(mismatch(make<double>({1, 2}, {2}, kBFloat16).softmax(0), kBFloat16, {2}, {0.26953125, 0.73046875}) == "");
}

TEST_CASE("softmax's decomposition into primitive ops matches the kernel") {
  const OpDef* def = OpRegistry::instance().find("log_softmax.int");
  REQUIRE(def != nullptr);
  REQUIRE(bool(def->decomposition));
  OpCall call{{x34()}, {int64_t{0}, Attr()}};
  CHECK(mismatch(def->decomposition(*def, call)[0], kFloat, {3, 4}, values(x34().log_softmax(0)), 1e-5) == "");
  const OpDef* sm = OpRegistry::instance().find("softmax.int");
  CHECK(mismatch(sm->decomposition(*sm, call)[0], kFloat, {3, 4}, values(x34().softmax(0)), 1e-5) == "");
}

// ---- across the family ----

TEST_CASE("strided inputs reduce, scan, sort and normalise correctly") {
  Tensor tr = transposed();
  REQUIRE(!tr.is_contiguous());
  CHECK(mismatch(tr.amax({1}), kFloat, {4, 2}, {1, 3, 3, 4, 4, 5, 5, 2}) == "");
  CHECK(mismatch(tr.argmax(0), kLong, {3, 2}, {3, 2, 2, 1, 1, 0}) == "");
  CHECK(mismatch(tr.var({2}), kFloat, {4, 3}, {24.5, 8, 24.5, 8, 24.5, 8, 24.5, 8, 8, 8, 8, 24.5}) == "");
  CHECK(mismatch(tr.norm(1, {0, 2}), kFloat, {3}, {24, 19, 24}) == "");
  CHECK(mismatch(tr.prod(0), kFloat, {3, 2}, {100, -20, 0, 0, -60, 30}) == "");
  CHECK(mismatch(tr.logsumexp({0, 1}), kFloat, {2}, {5.4586873054504395, 5.489645481109619}) == "");
  CHECK(mismatch(tr.all(0), kBool, {3, 2}, {1, 1, 0, 0, 1, 1}) == "");
  auto [mv, mi] = tr.min(2);
  CHECK(mismatch(mv, kFloat, {4, 3}, {-5, -3, -4, -2, -3, -1, -2, 0, -5, 1, -4, -5}) == "");
  CHECK(mismatch(mi, kLong, {4, 3}, {0, 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0}) == "");
  CHECK(mismatch(tr.cumsum(1), kFloat, {4, 3, 2}, {-5, 2, -4, -1, -8, 2, 2, -2, -1, 2, 2, 1,
                                                   -2, 5, 2, 5, 1, 0, 5, 1, 5, -3, 0, -1}) == "");
  auto [sv, si] = tr.sort(0, true);
  CHECK(mismatch(sv, kFloat, {4, 3, 2}, {5, 5, 4, 4, 3, 3, 2, 2, 1, 0, -1, 2, -2, 1, 0, -3, -4, -1,
                                         -5, -2, -3, -4, -5, -5}) == "");
  CHECK(mismatch(si, kLong, {4, 3, 2}, {3, 2, 2, 1, 1, 0, 1, 0, 0, 2, 2, 3, 2, 3, 3, 0, 0, 1, 0, 1, 1, 3, 3, 2}) == "");
  auto [tv, ti] = tr.topk(2, 0);
  CHECK(mismatch(tv, kFloat, {2, 3, 2}, {5, 5, 4, 4, 3, 3, 2, 2, 1, 0, -1, 2}) == "");
  CHECK(mismatch(ti, kLong, {2, 3, 2}, {3, 2, 2, 1, 1, 0, 1, 0, 0, 2, 2, 3}) == "");
  CHECK(mismatch(tr.softmax(0), kFloat, {4, 3, 2},
                 {4.320740117691457e-05, 0.04657285660505295, 0.04657285660505295, 0.0008943851571530104,
                  0.0008943851571530104, 0.7212246060371399, 0.047382667660713196, 0.000853011675644666,
                  0.000853011675644666, 0.9808124303817749, 0.9808124303817749, 0.013209689408540726,
                  0.0008678438607603312, 0.9354408383369446, 0.9354408383369446, 0.017964206635951996,
                  0.017964206635951996, 0.0002419438969809562, 0.9517063498497009, 0.01713319681584835,
                  0.01713319681584835, 0.00032902590464800596, 0.00032902590464800596, 0.2653236985206604},
                 1e-5) == "");
}

TEST_CASE("reducing an outer dim agrees with a direct computation") {
  // [700, 1500] reduced over dim 0 walks rows in order with blocks of outputs inner.
  const int64_t rows = 700, cols = 1500;
  std::vector<double> v(size_t(rows * cols));
  for (size_t i = 0; i < v.size(); ++i) v[i] = double(int64_t(i * 7919) % 1009) - 500.0;
  Tensor t = make<double>(v, {rows, cols}, kDouble);
  std::vector<double> sums(size_t(cols), 0.0), maxes(size_t(cols), -INF);
  std::vector<int64_t> argmaxes(size_t(cols), 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const double value = v[size_t(r * cols + c)];
      sums[size_t(c)] += value;
      if (value > maxes[size_t(c)]) maxes[size_t(c)] = value, argmaxes[size_t(c)] = r;
    }
  CHECK(values(t.sum({0})) == sums);
  CHECK(values(t.amax({0})) == maxes);
  CHECK(t.argmax(0).to_vector<int64_t>() == argmaxes);
}

TEST_CASE("full reductions over many chunks keep the first index and NaN") {
  Tensor flat = zeros({200000});
  CHECK(flat.argmax().item<int64_t>() == 0);
  CHECK(flat.argmin().item<int64_t>() == 0);
  flat.data_ptr<float>()[150000] = 1.0f;
  flat.data_ptr<float>()[190000] = 1.0f;
  CHECK(flat.argmax().item<int64_t>() == 150000);
  flat.data_ptr<float>()[170000] = std::numeric_limits<float>::quiet_NaN();
  flat.data_ptr<float>()[180000] = std::numeric_limits<float>::quiet_NaN();
  CHECK(flat.argmax().item<int64_t>() == 170000);
  CHECK(flat.argmin().item<int64_t>() == 170000);
  CHECK(std::isnan(flat.amax().item<float>()));
  CHECK(std::isnan(flat.logsumexp({0}).item<float>()));
}

TEST_CASE("0-d inputs reduce over dim 0 or -1 for every op") {
  Tensor s = scalar_tensor(-3.0);
  CHECK(mismatch(s.prod(0, true), kFloat, {}, {-3}) == "");
  CHECK(mismatch(s.amax({-1}), kFloat, {}, {-3}) == "");
  CHECK(mismatch(s.argmax(0, true), kLong, {}, {0}) == "");
  CHECK(mismatch(s.var({0}), kFloat, {}, {NAN_}) == "");
  CHECK(mismatch(s.norm(2, {0}), kFloat, {}, {3}) == "");
  CHECK(mismatch(s.logsumexp({0}), kFloat, {}, {-3}) == "");
  CHECK(mismatch(s.all(0), kBool, {}, {1}) == "");
  CHECK(mismatch(scalar_tensor(int64_t{0}).any(-1, true), kBool, {}, {0}) == "");
}

TEST_CASE("results are identical for any thread count") {
  const int original = get_num_threads();
  std::vector<double> v(300007);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(double(i) * 0.37) * 3.0;
  Tensor flat = make<double>(v, {int64_t(v.size())});
  Tensor matrix = detail::make_view(flat, {600, 500}, {500, 1}, 0);
  Tensor columns = detail::make_view(flat, {500, 600}, {1, 500}, 0);
  auto run = [&] {
    std::vector<Tensor> r;
    for (const Tensor& t : {flat, matrix, columns}) {
      r.push_back(t.sum());
      r.push_back(t.var());
      r.push_back(t.norm(3));
      r.push_back(t.logsumexp({0}));
      r.push_back(t.argmax());
      r.push_back(t.amin());
      r.push_back(std::get<1>(var_mean(t)));
      r.push_back((t * 1e-6 + 1.0).prod());
      r.push_back(t.softmax(0));
      r.push_back(t.cumsum(0));
      r.push_back(t.argsort(0));
      r.push_back(std::get<1>(t.topk(5, 0)));
      if (t.dim() == 2) {
        r.push_back(t.var({0}));
        r.push_back(t.std({1}));
        r.push_back(t.argmin(1));
        r.push_back(t.norm(2, {0}));
        r.push_back(std::get<0>(t.max(0)));
      }
    }
    return r;
  };
  set_num_threads(1);
  const std::vector<Tensor> one = run();
  set_num_threads(3);
  const std::vector<Tensor> three = run();
  set_num_threads(original);
  REQUIRE(one.size() == three.size());
  for (size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(equal(one[i], three[i]));
  }
}

TEST_CASE("every op is in the registry with its fusion class") {
  for (const char* name : {"prod.dim_int", "max", "min", "max.dim", "min.dim", "amax", "amin", "argmax", "argmin",
                           "var.correction", "std.correction", "var_mean.correction", "std_mean.correction",
                           "norm.ScalarOpt_dim_dtype", "logsumexp", "all.dim", "any.dim", "softmax.int",
                           "log_softmax.int"}) {
    CAPTURE(name);
    const OpDef* def = OpRegistry::instance().find(name);
    REQUIRE(def != nullptr);
    CHECK(def->fusion == FusionClass::Reduction);
  }
  for (const char* name : {"cumsum", "cumprod", "sort.stable", "topk"}) {
    CAPTURE(name);
    const OpDef* def = OpRegistry::instance().find(name);
    REQUIRE(def != nullptr);
    CHECK(def->fusion == FusionClass::Opaque);
  }
}
