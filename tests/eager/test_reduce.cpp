// Specification of sum and mean: dim lists, keepdim, dtype=, integer promotion, empty and strided inputs.
#include "helpers.h"

#include <cmath>

#include "eager/meta.h"

using namespace ember;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {
// arange(24).reshape(2, 3, 4) as float.
Tensor m234() {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[size_t(i)] = i;
  return make<double>(v, {2, 3, 4});
}
}  // namespace

TEST_CASE("sum over everything gives a 0-d tensor") {
  Tensor s = m234().sum();
  CHECK(s.dim() == 0);
  CHECK(s.item<float>() == 276.0f);
  CHECK(s.dtype() == kFloat);
}

TEST_CASE("sum over one dim, negative dims, dim lists and keepdim") {
  Tensor s0 = m234().sum({0});
  CHECK(test::shape(s0) == std::vector<int64_t>{3, 4});
  CHECK(values(s0) == std::vector<double>{12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34});
  Tensor k = m234().sum({0, 2}, true);
  CHECK(test::shape(k) == std::vector<int64_t>{1, 3, 1});
  CHECK(values(k) == std::vector<double>{60, 92, 124});
  CHECK(values(m234().sum({-1})) == std::vector<double>{6, 22, 38, 54, 70, 86});
  CHECK(test::shape(m234().sum(IntArrayRef{}, false)) == std::vector<int64_t>{});
}

TEST_CASE("mean over a dim") {
  CHECK(values(m234().mean({1})) == std::vector<double>{4, 5, 6, 7, 16, 17, 18, 19});
  CHECK(m234().mean().item<double>() == 11.5);
}

TEST_CASE("sum of integers and bools gives int64; dtype= converts first") {
  Tensor i8 = make<int64_t>({1, 2, 3}, {3}, kChar);
  CHECK(i8.sum().dtype() == kLong);
  CHECK(i8.sum().item<int64_t>() == 6);
  Tensor b = make<int64_t>({1, 1, 0}, {3}, kBool);
  CHECK(b.sum().dtype() == kLong);
  CHECK(b.sum().item<int64_t>() == 2);
  Tensor d = i8.sum(kDouble);
  CHECK(d.dtype() == kDouble);
  CHECK(d.item<double>() == 6.0);
  CHECK(i8.mean(kFloat).item<float>() == 2.0f);
}

TEST_CASE("mean of integers needs a dtype, as in PyTorch") {
  const std::string msg = error_of([] { ones({3}, kLong).mean(); });
  CHECK(msg.find("could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: Long") != std::string::npos);
}

TEST_CASE("bad dims are errors naming the range") {
  CHECK(error_of([] { ones({2, 3}).sum({2}); }) == "[sum.dim_IntList] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of([] { ones({2, 3}).sum({1, -1}); }).find("dim 1 appears multiple times in the list of dims") != std::string::npos);
}

TEST_CASE("empty reductions: sum is 0 and mean is nan") {
  CHECK(zeros({0}).sum().item<float>() == 0.0f);
  CHECK(std::isnan(zeros({0}).mean().item<float>()));
  Tensor s = zeros({0, 3}).sum({0});
  CHECK(values(s) == std::vector<double>{0, 0, 0});
  CHECK(test::shape(zeros({2, 0}).sum({1})) == std::vector<int64_t>{2});
}

TEST_CASE("0-d tensors reduce over dim 0 or -1") {
  Tensor s = scalar_tensor(4.0);
  CHECK(s.sum().item<float>() == 4.0f);
  CHECK(s.sum({0}).item<float>() == 4.0f);
  CHECK(s.mean({-1}, true).dim() == 0);
}

TEST_CASE("strided inputs reduce correctly") {
  // m234 with dims 0 and 2 swapped, as a strided view: sizes [4, 3, 2], strides [1, 4, 12].
  Tensor base = m234();
  Tensor tr = detail::make_view(base, {4, 3, 2}, {1, 4, 12}, 0);
  CHECK(values(tr.sum({1})) == std::vector<double>{12, 48, 15, 51, 18, 54, 21, 57});
}

TEST_CASE("large sums are accurate and identical for any thread count") {
  const int n = get_num_threads();
  Tensor big = full({3000000}, 0.1);
  set_num_threads(1);
  const float one = big.sum().item<float>();
  Tensor rows1 = full({3000, 1000}, 0.1).sum({1});
  set_num_threads(2);
  const float two = big.sum().item<float>();
  Tensor rows2 = full({3000, 1000}, 0.1).sum({1});
  set_num_threads(n);
  CHECK(one == two);
  CHECK(equal(rows1, rows2));
  CHECK(one == doctest::Approx(300000.0).epsilon(1e-6));
  CHECK(full({1000}, 0.1, kHalf).sum().item<float>() == 100.0f);
}
