// Specification of copies: copy_ (broadcasting, across dtypes, overlapping), clone, contiguous, to, fill_,
// detach, assignment through views, equal and allclose.
#include "helpers.h"

#include <cmath>

#include "eager/meta.h"

using namespace ember;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

TEST_CASE("copy_ broadcasts the source and converts its dtype") {
  Tensor dst = zeros({2, 3});
  dst.copy_(make<int64_t>({1, 2, 3}, {3}, kLong));
  CHECK(values(dst) == std::vector<double>{1, 2, 3, 1, 2, 3});
  CHECK(dst.dtype() == kFloat);
  Tensor ints = zeros({2}, kInt);
  ints.copy_(make<double>({2.9, -2.9}, {2}));
  CHECK(values(ints) == std::vector<double>{2, -2});
  CHECK(error_of([&] { ints.copy_(ones({3})); }).find("The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0") != std::string::npos);
  CHECK(error_of([&] { ints.copy_(ones({2, 2})); }).find("output with shape [2] doesn't match the broadcast shape [2, 2]") != std::string::npos);
}

TEST_CASE("copy_ into a strided view writes only the viewed elements") {
  Tensor base = zeros({6});
  Tensor odd = detail::make_view(base, {3}, {2}, 1);
  odd.copy_(make<double>({1, 2, 3}, {3}));
  CHECK(values(base) == std::vector<double>{0, 1, 0, 2, 0, 3});
}

TEST_CASE("copy_ between overlapping views of one storage reads the source first") {
  Tensor x = make<double>({1, 2, 3, 4, 5}, {5});
  Tensor dst = detail::make_view(x, {4}, {1}, 1);
  Tensor src = detail::make_view(x, {4}, {1}, 0);
  dst.copy_(src);
  CHECK(values(x) == std::vector<double>{1, 1, 2, 3, 4});
}

TEST_CASE("clone makes an independent contiguous copy") {
  Tensor base = arange(6, kFloat);
  Tensor tr = detail::make_view(base, {3, 2}, {1, 3}, 0);
  Tensor c = tr.clone();
  CHECK(c.is_contiguous());
  CHECK_FALSE(c.is_alias_of(base));
  CHECK(values(c) == std::vector<double>{0, 3, 1, 4, 2, 5});
  base.fill_(9);
  CHECK(values(c) == std::vector<double>{0, 3, 1, 4, 2, 5});
}

TEST_CASE("contiguous returns the same tensor when already contiguous, else a copy") {
  Tensor a = ones({2, 2});
  CHECK(a.contiguous().is_same(a));
  Tensor tr = detail::make_view(a, {2, 2}, {1, 2}, 0);
  CHECK_FALSE(tr.contiguous().is_alias_of(a));
  CHECK(tr.contiguous().is_contiguous());
}

TEST_CASE("to(dtype) converts, and returns self when nothing changes unless copy=true") {
  Tensor a = make<double>({1.5, -1.5}, {2});
  CHECK(a.to(kFloat).is_same(a));
  CHECK_FALSE(a.to(kFloat, false, true).is_alias_of(a));
  Tensor d = a.to(kDouble);
  CHECK(d.dtype() == kDouble);
  CHECK(values(d) == std::vector<double>{1.5, -1.5});
  CHECK(values(a.to(kLong)) == std::vector<double>{1, -1});
  CHECK(values(a.to(kBool)) == std::vector<double>{1, 1});
  CHECK(a.to(TensorOptions(kHalf)).dtype() == kHalf);
  CHECK(a.to(ones({1}, kInt)).dtype() == kInt);
  CHECK(a.to(Device("cpu")).is_same(a));
  CHECK(a.type_as(ones({1}, kDouble)).dtype() == kDouble);
}

TEST_CASE("conversions between every pair of dtypes keep small integers") {
  const ScalarType all[] = {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};
  for (ScalarType from : all)
    for (ScalarType to : all) {
      CAPTURE(from);
      CAPTURE(to);
      Tensor src = make<int64_t>({0, 1, 1}, {3}, from);
      CHECK(values(src.to(to)) == std::vector<double>{0, 1, 1});
    }
}

TEST_CASE("fill_ and zero_ set every element, through views too") {
  Tensor a = zeros({2, 3}, kInt);
  a.fill_(7);
  CHECK(values(a) == std::vector<double>{7, 7, 7, 7, 7, 7});
  a.zero_();
  CHECK(values(a) == std::vector<double>{0, 0, 0, 0, 0, 0});
  a.fill_(scalar_tensor(3, kLong));
  CHECK(values(a) == std::vector<double>{3, 3, 3, 3, 3, 3});
  CHECK(error_of([&] { a.fill_(ones({2})); }).find("only supports 0-dimension value tensor but got tensor with 1 dimensions") != std::string::npos);
}

TEST_CASE("assigning to a temporary view writes through it, as in libtorch") {
  Tensor base = zeros({4});
  detail::make_view(base, {2}, {1}, 2) = 5;
  CHECK(values(base) == std::vector<double>{0, 0, 5, 5});
  detail::make_view(base, {2}, {1}, 0) = make<double>({1, 2}, {2});
  CHECK(values(base) == std::vector<double>{1, 2, 5, 5});
  Tensor handle = base;
  handle = ones({1});  // an lvalue handle rebinds instead
  CHECK(values(base) == std::vector<double>{1, 2, 5, 5});
}

TEST_CASE("detach shares storage and drops requires_grad") {
  Tensor a = ones({2}).requires_grad_();
  Tensor d = a.detach();
  CHECK(d.is_alias_of(a));
  CHECK_FALSE(d.requires_grad());
  CHECK(a.requires_grad());
}

TEST_CASE("equal compares sizes and values; allclose uses rtol and atol") {
  Tensor a = make<double>({1, 2, 3}, {3});
  CHECK(equal(a, a.clone()));
  CHECK_FALSE(equal(a, make<double>({1, 2, 4}, {3})));
  CHECK_FALSE(equal(a, make<double>({1, 2, 3}, {1, 3})));
  CHECK(allclose(a, a + 1e-6));
  CHECK_FALSE(allclose(a, a + 1e-3));
  CHECK(allclose(a, a + 1e-3, 1e-5, 1e-2));
  Tensor n = make<double>({NAN, 1}, {2});
  CHECK_FALSE(allclose(n, n));
  CHECK(allclose(n, n, 1e-5, 1e-8, true));
  Tensor inf = make<double>({INFINITY}, {1});
  CHECK(allclose(inf, inf));
  CHECK_FALSE(allclose(inf, -inf));
  CHECK(error_of([&] { allclose(a, a.to(kDouble)); }).find("Float did not match Double") != std::string::npos);
}
