// as_strided_scatter: values, the row-major window of a strided self, and errors.
#include <doctest/doctest.h>

#include "helpers.h"

using namespace ember;
using namespace ember::test;

// Expected values from PyTorch 1.13 (scripts/golden/view_scatter.py).
TEST_CASE("as_strided_scatter replaces a row and a column out of place") {
  const Tensor self = zeros({2, 3});
  const Tensor src = make({1, 2, 3}, {3});
  const Tensor row = as_strided_scatter(self, src, {3}, {1}, 3);
  check_exact(row, {0, 0, 0, 1, 2, 3});
  const Tensor column = as_strided_scatter(self, make({4, 5}, {2}), {2}, {3}, 1);
  check_exact(column, {0, 4, 0, 0, 5, 0});
  check_exact(self, {0, 0, 0, 0, 0, 0});  // self is not written
  CHECK(shape(row) == std::vector<int64_t>{2, 3});
}

TEST_CASE("as_strided_scatter with no offset starts at self's first element") {
  const Tensor out = as_strided_scatter(ones({4}), make({7, 8}, {2}), {2}, {2});
  check_exact(out, {7, 1, 8, 1});
}

TEST_CASE("as_strided_scatter refuses a non-contiguous self, whose clone's layout decides PyTorch's answer") {
  const Tensor self = arange(6, TensorOptions(kFloat)).view({2, 3}).t();
  CHECK_THROWS_WITH_AS(as_strided_scatter(self, make({-1, -2, -3}, {3}), {3}, {2}, 0),
                       "[as_strided_scatter] expected a contiguous self, but got strides [1, 3] for shape [3, 2]; the "
                       "window would address the storage of self's clone, whose layout PyTorch and ember choose "
                       "differently. Call .contiguous() on self first.",
                       Error);
}

TEST_CASE("as_strided_scatter equals a write through the same view") {
  const Tensor x = pattern({3, 4});
  Tensor eager = x.clone();
  eager.t().select(0, 2).mul_(10);
  const Tensor functional = as_strided_scatter(x, x.t().select(0, 2) * 10, {3}, {4}, 2);
  check_exact(functional, values(eager));
}

TEST_CASE("as_strided_scatter converts src to self's dtype") {
  const Tensor out = as_strided_scatter(zeros({3}, TensorOptions(kLong)), make({2.75}, {1}, kDouble), {1}, {1}, 1);
  CHECK(out.dtype() == kLong);
  check_exact(out, {0, 2, 0});
}

TEST_CASE("as_strided_scatter rejects a window outside self and a src of another shape") {
  CHECK_THROWS_WITH_AS(as_strided_scatter(zeros({2, 3}), zeros({3}), {3}, {1}, 4),
                       doctest::Contains("reaches element 6, outside self of shape [2, 3]"), Error);
  CHECK_THROWS_WITH_AS(as_strided_scatter(zeros({2, 3}), zeros({2}), {3}, {1}, 0),
                       doctest::Contains("expected src to have a size equal to the window of self"), Error);
  CHECK_THROWS_WITH_AS(as_strided_scatter(zeros({2, 3}), zeros({3}), {3}, {1, 1}, 0),
                       doctest::Contains("mismatch in length of strides and shape"), Error);
  CHECK_THROWS_WITH_AS(as_strided_scatter(zeros({2, 3}), zeros({3}), {3}, {-1}, 2),
                       doctest::Contains("Negative strides are not supported"), Error);
}
