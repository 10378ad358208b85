// Gather/scatter-family ops (index_select, gather, scatter, index_add/copy/fill, take, masked_fill/select,
// nonzero, tril/triu, one_hot, index_put_ with accumulate); expected values from scripts/golden/indexing.py.
#include <cmath>

#include "helpers.h"

using namespace ember;
using test::error_of;
using test::make;
using test::shape;
using test::values;

namespace {
using Shape = std::vector<int64_t>;
const std::vector<ScalarType> kAllDtypes = {kBool, kByte, kChar, kShort, kInt, kLong, kHalf, kBFloat16, kFloat, kDouble};

Tensor grid() { return arange(12, kFloat).view({3, 4}); }
Tensor longs(std::vector<int64_t> v, IntArrayRef sizes) { return make<int64_t>(std::move(v), sizes, kLong); }
Tensor longs(std::vector<int64_t> v) {
  const int64_t n = int64_t(v.size());
  return longs(std::move(v), {n});
}
Tensor floats(std::vector<double> v, IntArrayRef sizes) { return make(std::move(v), sizes, kFloat); }
Tensor bools(std::vector<double> v, IntArrayRef sizes) { return make(std::move(v), sizes, kBool); }
Tensor row_mask() { return bools({1, 0, 1, 0}, {4}); }
bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }
}  // namespace

// ---- index_select ----

TEST_CASE("index_select picks slices along a dim in index order, repeats included") {
  CHECK_VALUES(values(grid().index_select(0, longs({2, 0, 2}))), {8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11});
  Tensor cols = grid().index_select(1, make<int32_t>({3, 1}, {2}, kInt));
  CHECK(shape(cols) == Shape{3, 2});
  CHECK_VALUES(values(cols), {3, 1, 7, 5, 11, 9});
  CHECK_VALUES(values(index_select(grid(), -1, longs({0}))), {0, 4, 8});
  Tensor one = grid().index_select(0, longs({1}, {}));
  CHECK(shape(one) == Shape{1, 4});
  CHECK_VALUES(values(one), {4, 5, 6, 7});
}

TEST_CASE("index_select reads non-contiguous inputs and indices") {
  Tensor rows = grid().t().index_select(0, longs({1, 3}));
  CHECK(shape(rows) == Shape{2, 3});
  CHECK_VALUES(values(rows), {1, 5, 9, 3, 7, 11});
  CHECK_VALUES(values(grid().index_select(1, longs({0, 1, 2, 3}).slice(0, 0, 4, 2))), {0, 2, 4, 6, 8, 10});
}

TEST_CASE("index_select on 0-d and zero-size tensors") {
  Tensor s = scalar_tensor(5.0).index_select(0, longs({0, 0}));
  CHECK(shape(s) == Shape{});
  CHECK_VALUES(values(s), {5});
  CHECK(shape(grid().index_select(1, longs({}))) == Shape{3, 0});
  CHECK(shape(zeros({0, 3}).index_select(0, longs({}))) == Shape{0, 3});
}

TEST_CASE("index_select rejects bad indices") {
  CHECK(error_of([] { grid().index_select(0, longs({5})); }) ==
        "[index_select] index 5 is out of bounds for dimension 0 with size 3");
  CHECK(error_of([] { grid().index_select(0, longs({-1})); }) ==
        "[index_select] index -1 is out of bounds for dimension 0 with size 3");
  CHECK(starts_with(error_of([] { grid().index_select(0, floats({1}, {1})); }),
                    "[index_select] Expected dtype int32 or int64 for index, got Float"));
  CHECK(starts_with(error_of([] { grid().index_select(0, longs({1}, {1, 1})); }),
                    "[index_select] Index is supposed to be a vector, got a tensor of shape [1, 1]"));
  CHECK(error_of([] { grid().index_select(2, longs({1})); }) ==
        "[index_select] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

// ---- gather ----

TEST_CASE("gather picks one element per index position along a dim") {
  Tensor g = grid().gather(1, longs({0, 0, 1, 0, 3, 2}, {3, 2}));
  CHECK(shape(g) == Shape{3, 2});
  CHECK_VALUES(values(g), {0, 0, 5, 4, 11, 10});
  CHECK_VALUES(values(gather(grid(), 0, longs({2, 1, 0, 0}, {1, 4}))), {8, 5, 2, 3});
  CHECK_VALUES(values(grid().gather(-1, longs({3, 2, 1}, {3, 1}))), {3, 6, 9});
}

TEST_CASE("gather reads transposed inputs and indices") {
  CHECK_VALUES(values(grid().t().gather(0, longs({2, 0, 1, 0, 0, 0}, {2, 3}))), {2, 4, 9, 0, 4, 8});
  Tensor index_t = longs({0, 1, 2, 3, 2, 1}, {2, 3}).t();
  CHECK_VALUES(values(grid().gather(1, index_t)), {0, 3, 5, 6, 10, 9});
}

TEST_CASE("gather treats 0-d tensors as one element and allows empty indices of any shape") {
  Tensor s = scalar_tensor(5.0);
  CHECK(shape(s.gather(0, longs({0}, {}))) == Shape{});
  CHECK_VALUES(values(s.gather(0, longs({0}, {}))), {5});
  CHECK_VALUES(values(s.gather(0, longs({0, 0}))), {5, 5});
  CHECK_VALUES(values(floats({5, 6}, {2}).gather(0, longs({1}, {}))), {6});
  CHECK(shape(grid().gather(1, zeros({5, 0}, kLong))) == Shape{5, 0});
}

TEST_CASE("gather rejects indices out of range, of the wrong dtype or shape") {
  CHECK(error_of([] { grid().gather(1, longs({5}, {1, 1})); }) ==
        "[gather] index 5 is out of bounds for dimension 1 with size 4");
  CHECK(error_of([] { grid().gather(1, longs({-1}, {1, 1})); }) ==
        "[gather] index -1 is out of bounds for dimension 1 with size 4");
  CHECK(error_of([] { zeros({3, 0}).gather(1, zeros({3, 2}, kLong)); }) ==
        "[gather] index 0 is out of bounds for dimension 1 with size 0");
  CHECK(starts_with(error_of([] { grid().gather(1, make<int32_t>({1}, {1, 1}, kInt)); }),
                    "[gather] Expected dtype int64 for index, got Int"));
  CHECK(starts_with(error_of([] { grid().gather(1, longs({1})); }),
                    "[gather] Index tensor must have the same number of dimensions as input tensor"));
  CHECK(error_of([] { grid().gather(1, zeros({4, 1}, kLong)); }) ==
        "[gather] Size does not match at dimension 0 expected index [4, 1] to be smaller than self [3, 4] apart from "
        "dimension 1");
}

// ---- scatter ----

TEST_CASE("scatter writes src at the indexed positions") {
  Tensor src = arange(1, 11, kFloat).view({2, 5});
  CHECK_VALUES(values(zeros({3, 5}).scatter(0, longs({0, 1, 2, 0}, {1, 4}), src)),
               {1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0});
  CHECK_VALUES(values(scatter(zeros({3, 5}), 1, longs({0, 1, 2, 4, 3, 2}, {2, 3}), src)),
               {1, 2, 3, 0, 0, 0, 0, 8, 7, 6, 0, 0, 0, 0, 0});
  // Only the part of src that the index covers is read.
  CHECK_VALUES(values(zeros({3, 4}).scatter(1, longs({0, 1}, {2, 1}), arange(1, 13, kFloat).view({3, 4}))),
               {1, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("scatter with duplicate indices keeps the last one in index order") {
  CHECK_VALUES(values(zeros({4}).scatter(0, longs({1, 1, 1, 3}), floats({10, 20, 30, 40}, {4}))), {0, 30, 0, 40});
}

TEST_CASE("scatter with a scalar value converts it to self's dtype") {
  CHECK_VALUES(values(zeros({2, 4}).scatter(1, longs({2, 3}, {2, 1}), 1.5)), {0, 0, 1.5, 0, 0, 0, 0, 1.5});
  Tensor ints = zeros({2, 4}, kInt).scatter(1, longs({2, 3}, {2, 1}), 2.5);
  CHECK(ints.dtype() == kInt);
  CHECK_VALUES(values(ints), {0, 0, 2, 0, 0, 0, 0, 2});
  CHECK_VALUES(values(zeros({3}, kByte).scatter(0, longs({0}), -1)), {255, 0, 0});
}

TEST_CASE("scatter reduce add and multiply combine duplicates") {
  Tensor index = longs({0, 0, 1, 2, 2, 2}, {2, 3});
  Tensor src = floats({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_VALUES(values(ones({2, 4}).scatter(1, index, src, "add")), {4, 4, 1, 1, 1, 1, 16, 1});
  CHECK_VALUES(values(ones({2, 4}).scatter(1, index, src, "multiply")), {2, 3, 1, 1, 1, 1, 120, 1});
  CHECK_VALUES(values(ones({2, 4}).scatter(1, index, 2.0, "add")), {5, 3, 1, 1, 1, 1, 7, 1});
  CHECK_VALUES(values(ones({2, 4}).scatter(1, index, 2.0, "multiply")), {4, 2, 1, 1, 1, 1, 8, 1});
  Tensor bool_src = bools({1, 0, 0}, {3});
  CHECK_VALUES(values(bools({0, 0, 1}, {3}).scatter(0, longs({0, 0, 1}), bool_src, "add")), {1, 0, 1});
  CHECK_VALUES(values(bools({1, 1, 1}, {3}).scatter(0, longs({0, 0, 1}), bool_src, "multiply")), {0, 0, 1});
}

TEST_CASE("scatter_ writes through a transposed view and scatter leaves self alone") {
  Tensor x = grid();
  Tensor xt = x.t();
  xt.scatter_(0, longs({3, 2, 1}, {1, 3}), floats({-1, -2, -3}, {1, 3}));
  CHECK_VALUES(values(x), {0, 1, 2, -1, 4, 5, -2, 7, 8, -3, 10, 11});
  Tensor y = grid();
  Tensor z = y.scatter(1, longs({0}, {1, 1}), 100.0);
  CHECK_VALUES(values(y), values(grid()));
  CHECK_VALUES(values(z), {100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  Tensor w = zeros({3});
  w.scatter_(0, longs({2}), 7.0, "add");
  w.scatter_(0, longs({2}), floats({3}, {1}), "multiply");
  CHECK_VALUES(values(w), {0, 0, 21});
}

TEST_CASE("scatter on 0-d tensors and with an empty index") {
  Tensor s = scalar_tensor(5.0).scatter(0, longs({0}, {}), scalar_tensor(7.0));
  CHECK(shape(s) == Shape{});
  CHECK_VALUES(values(s), {7});
  CHECK_VALUES(values(zeros({2, 2}).scatter(1, longs({}), ones({3}))), {0, 0, 0, 0});
}

TEST_CASE("scatter rejects bad indices, dtypes, shapes and reductions, leaving self unchanged") {
  Tensor x = zeros({3, 4});
  CHECK(error_of([&] { x.scatter_(1, longs({0, 5}, {1, 2}), ones({1, 2})); }) ==
        "[scatter] index 5 is out of bounds for dimension 1 with size 4");
  CHECK_VALUES(values(x), std::vector<double>(12, 0.0));  // index 0 came first but nothing was written
  CHECK(error_of([&] { x.scatter(1, longs({-1}, {1, 1}), ones({1, 1})); }) ==
        "[scatter] index -1 is out of bounds for dimension 1 with size 4");
  CHECK(starts_with(error_of([&] { x.scatter(1, make<int32_t>({1}, {1, 1}, kInt), ones({1, 1})); }),
                    "[scatter] Expected dtype int64 for index, got Int"));
  CHECK(starts_with(error_of([&] { x.scatter(1, longs({1}, {1, 1}), ones({1, 1}, kDouble)); }),
                    "[scatter] Expected self.dtype to be equal to src.dtype, got Float for self and Double for src"));
  CHECK(starts_with(error_of([&] { x.scatter(1, longs({1}), ones({1})); }),
                    "[scatter] Index tensor must have the same number of dimensions as self tensor"));
  CHECK(error_of([&] { x.scatter(1, zeros({4, 1}, kLong), ones({4, 1})); }) ==
        "[scatter] Expected index [4, 1] to be smaller than self [3, 4] apart from dimension 1 and to be smaller size "
        "than src [4, 1]");
  CHECK(error_of([&] { x.scatter(1, zeros({3, 2}, kLong), ones({3, 1})); }) ==
        "[scatter] Expected index [3, 2] to be smaller than self [3, 4] apart from dimension 1 and to be smaller size "
        "than src [3, 1]");
  CHECK(error_of([&] { x.scatter(1, longs({0}, {1, 1}), ones({1, 1}), "mean"); }) ==
        "[scatter] reduce argument must be either add or multiply, got 'mean'.");
  CHECK(starts_with(error_of([] { zeros({3}, kByte).scatter(0, longs({0}), 300); }),
                    "[scatter] value cannot be converted to type Byte without overflow: 300"));
}

// ---- scatter_add ----

TEST_CASE("scatter_add sums duplicates") {
  Tensor src = floats({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_VALUES(values(zeros({2, 3}).scatter_add(1, longs({0, 0, 2, 1, 1, 1}, {2, 3}), src)), {3, 0, 3, 0, 15, 0});
  CHECK_VALUES(values(zeros({3}, kHalf).scatter_add(0, longs({0, 0, 1}), make({1, 2, 3}, {3}, kHalf))), {3, 3, 0});
  CHECK_VALUES(values(zeros({3}, kBool).scatter_add(0, longs({0, 0, 1}), bools({1, 0, 0}, {3}))), {1, 0, 0});
  CHECK_VALUES(values(make({127}, {1}, kChar).scatter_add(0, longs({0}), make({1}, {1}, kChar))), {-128});
  CHECK_VALUES(values(scalar_tensor(5.0).scatter_add(0, longs({0}, {}), scalar_tensor(7.0))), {12});
  Tensor x = zeros({2});
  x.scatter_add_(0, longs({1, 1}), floats({2, 3}, {2}));
  CHECK_VALUES(values(x), {0, 5});
}

TEST_CASE("scatter_add and scatter multiply work in every dtype") {
  for (ScalarType dtype : kAllDtypes) {
    CAPTURE(to_string(dtype));
    Tensor base = longs({1, 2, 3}).to(dtype);
    Tensor src = longs({3, 1, 2, 1}).to(dtype);
    Tensor index = longs({0, 2, 0, 1});
    Tensor added = base.scatter_add(0, index, src);
    Tensor multiplied = base.scatter(0, index, src, "multiply");
    CHECK(added.dtype() == dtype);
    if (dtype == kBool) {
      CHECK_VALUES(values(added), {1, 1, 1});
      CHECK_VALUES(values(multiplied), {1, 1, 1});
    } else {
      CHECK_VALUES(values(added), {6, 3, 4});
      CHECK_VALUES(values(multiplied), {6, 2, 3});
    }
  }
}

TEST_CASE("scatter_add sums in index order whatever the thread count") {
  // Float sums whose rounding depends on the order of the terms, spread over rows that threads share out.
  const int64_t rows = 8, width = 20000, targets = 16;
  std::vector<int64_t> index_values(size_t(rows * width));
  std::vector<float> src_values(size_t(rows * width));
  std::vector<float> expected(size_t(rows * targets), 0.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < width; ++k) {
      const size_t i = size_t(r * width + k);
      index_values[i] = (k * 7 + r) % targets;
      src_values[i] = 1.0f / float(k % 97 + 1) + float(k % 5) * 1000.0f;
      expected[size_t(r * targets + index_values[i])] += src_values[i];
    }
  Tensor index = make<int64_t>(index_values, {rows, width}, kLong);
  Tensor src = make<float>(src_values, {rows, width}, kFloat);
  const int threads = get_num_threads();
  for (int n : {1, 4}) {
    set_num_threads(n);
    const std::vector<float> got = zeros({rows, targets}).scatter_add(1, index, src).to_vector<float>();
    CHECK(got == expected);
  }
  set_num_threads(threads);
}

// ---- index_add, index_copy, index_fill ----

TEST_CASE("index_add adds source slices at the indexed positions, duplicates summing") {
  CHECK_VALUES(values(grid().index_add(0, longs({0, 0, 2}), ones({3, 4}))), {2, 3, 4, 5, 4, 5, 6, 7, 9, 10, 11, 12});
  CHECK_VALUES(values(index_add(grid(), 1, longs({0, 0, 3}), ones({3, 3}), 2)),
               {4, 1, 2, 5, 8, 5, 6, 9, 12, 9, 10, 13});
  // A transposed source and an int32 index.
  CHECK_VALUES(values(grid().index_add(1, make<int32_t>({0, 0, 3}, {3}, kInt), arange(9, kFloat).view({3, 3}).t())),
               {3, 1, 2, 9, 9, 5, 6, 14, 15, 9, 10, 19});
  // An integer tensor truncates a fractional alpha to 0.
  CHECK_VALUES(values(grid().to(kLong).index_add(1, longs({0}), ones({3, 1}, kLong), 0.5)), values(grid()));
  CHECK_VALUES(values(scalar_tensor(1.0).index_add(0, longs({0, 0}), floats({2, 3}, {2}))), {6});
  Tensor x = zeros({2, 2});
  x.index_add_(0, longs({1, 1}), ones({2, 2}));
  CHECK_VALUES(values(x), {0, 0, 2, 2});
}

TEST_CASE("index_add rejects bad indices and sources") {
  CHECK(error_of([] { grid().index_add(1, longs({0, 0, 4}), ones({3, 3})); }) ==
        "[index_add] index 4 is out of bounds for dimension 1 with size 4");
  CHECK(error_of([] { grid().index_add(1, longs({0, 0, 1}), ones({3, 2})); }) ==
        "[index_add] Number of indices (3) should be equal to source.size(dim) (2), for dim: 1");
  CHECK(starts_with(error_of([] { grid().index_add(1, longs({0}), ones({3, 1}, kDouble)); }),
                    "[index_add] self (Float) and source (Double) must have the same scalar type"));
  CHECK(error_of([] { grid().index_add(1, longs({0, 0, 1}, {1, 3}), ones({3, 3})); }) ==
        "[index_add] Index is supposed to be a vector, but got dim: 2 with type: Long and size: [1, 3]");
  CHECK(error_of([] { grid().index_add(1, floats({0}, {1}), ones({3, 1})); }) ==
        "[index_add] Expected dtype int32/int64 for index but got: Float");
  CHECK(error_of([] { grid().index_add(1, longs({0, 0, 1}), ones({2, 3})); }) ==
        "[index_add] source tensor shape must match self tensor shape, excluding the specified dimension. Got "
        "self.shape = [3, 4] source.shape = [2, 3]");
}

TEST_CASE("index_copy copies source slices, the last duplicate winning") {
  CHECK_VALUES(values(grid().index_copy(0, longs({0, 0, 2}), grid().add(100))),
               {104, 105, 106, 107, 4, 5, 6, 7, 108, 109, 110, 111});
  CHECK_VALUES(values(index_copy(grid(), 1, longs({3, 1}), full({3, 2}, -1.0))),
               {0, -1, 2, -1, 4, -1, 6, -1, 8, -1, 10, -1});
  CHECK_VALUES(values(scalar_tensor(1.0).index_copy(0, longs({0}, {}), scalar_tensor(5.0))), {5});
  Tensor x = grid();
  x.t().index_copy_(0, longs({1}), floats({-7, -8, -9}, {1, 3}));
  CHECK_VALUES(values(x), {0, -7, 2, 3, 4, -8, 6, 7, 8, -9, 10, 11});
}

TEST_CASE("index_copy rejects bad indices and sources") {
  CHECK(error_of([] { grid().index_copy(1, longs({4, 1}), ones({3, 2})); }) ==
        "[index_copy] index 4 is out of bounds for dimension 1 with size 4");
  CHECK(error_of([] { grid().index_copy(1, make<int32_t>({3, 1}, {2}, kInt), ones({3, 2})); }) ==
        "[index_copy] Expected a long tensor for index, but got Int");
  CHECK(error_of([] { grid().index_copy(1, longs({3, 1}), ones({3, 3})); }) ==
        "[index_copy] Number of indices (2) should be equal to source.size(dim) (3), for dim: 1");
  CHECK(error_of([] { grid().index_copy(1, longs({3, 1}), ones({6})); }) ==
        "[index_copy] When source and destination are not scalars, their dimensionality must match. Source "
        "dimensionality (1), destination dimensionality (2)");
  CHECK(starts_with(error_of([] { grid().index_copy(1, longs({0}), ones({3, 1}, kDouble)); }),
                    "[index_copy] self and source expected to have the same dtype, but got (self) Float and (source) "
                    "Double"));
}

TEST_CASE("index_fill fills the indexed slices, negative indices counting from the end") {
  CHECK_VALUES(values(grid().index_fill(1, longs({0, 2}), -1)), {-1, 1, -1, 3, -1, 5, -1, 7, -1, 9, -1, 11});
  CHECK_VALUES(values(index_fill(grid(), 1, longs({0, -1}), -1)), {-1, 1, 2, -1, -1, 5, 6, -1, -1, 9, 10, -1});
  CHECK_VALUES(values(grid().index_fill(1, longs({2}, {}), -1)), {0, 1, -1, 3, 4, 5, -1, 7, 8, 9, -1, 11});
  CHECK_VALUES(values(grid().index_fill(0, longs({1}), scalar_tensor(-2.0))), {0, 1, 2, 3, -2, -2, -2, -2, 8, 9, 10, 11});
  CHECK_VALUES(values(grid().to(kLong).index_fill(1, longs({0}), 2.5)), {2, 1, 2, 3, 2, 5, 6, 7, 2, 9, 10, 11});
  Tensor x = grid();
  x.t().index_fill_(1, longs({0}), 9);
  CHECK_VALUES(values(x), {9, 9, 9, 9, 4, 5, 6, 7, 8, 9, 10, 11});
  x.index_fill_(0, longs({2}), scalar_tensor(0.5));
  CHECK_VALUES(values(x.index({2})), {0.5, 0.5, 0.5, 0.5});
}

TEST_CASE("index_fill rejects bad indices and values") {
  CHECK(error_of([] { grid().index_fill(1, longs({0, -5}), -1); }) ==
        "[index_fill] index -5 is out of bounds for dimension 1 with size 4");
  CHECK(starts_with(error_of([] { grid().index_fill(1, make<int32_t>({0}, {1}, kInt), -1); }),
                    "[index_fill] Expected dtype int64 for index, got Int"));
  CHECK(starts_with(error_of([] { grid().index_fill(1, longs({0}), floats({-2}, {1})); }),
                    "[index_fill] only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."));
  CHECK(starts_with(error_of([] { grid().index_fill(1, longs({0}, {1, 1}), -1); }),
                    "[index_fill] Index has to be a vector/scalar"));
}

// ---- take ----

TEST_CASE("take reads the row-major flattening, negative indices counting from the end") {
  Tensor t = grid().take(longs({0, -1, 5, 11}, {2, 2}));
  CHECK(shape(t) == Shape{2, 2});
  CHECK_VALUES(values(t), {0, 11, 5, 11});
  CHECK_VALUES(values(take(grid().t(), longs({1, 2, -1}))), {4, 8, 11});
  Tensor s = grid().take(longs({3}, {}));
  CHECK(shape(s) == Shape{});
  CHECK_VALUES(values(s), {3});
  CHECK_VALUES(values(scalar_tensor(3.0).take(longs({0, 0, -1}))), {3, 3, 3});
  CHECK(shape(zeros({0}).take(longs({}))) == Shape{0});
}

TEST_CASE("take rejects indices out of range and non-long indices") {
  CHECK(error_of([] { grid().take(longs({12})); }) ==
        "[take] out of range: tried to access index 12 on a tensor of 12 elements.");
  CHECK(error_of([] { grid().take(longs({-13})); }) ==
        "[take] out of range: tried to access index -13 on a tensor of 12 elements.");
  CHECK(starts_with(error_of([] { grid().take(make<int32_t>({1}, {1}, kInt)); }),
                    "[take] Expected a long tensor for index, but got Int"));
  CHECK(error_of([] { zeros({0}).take(longs({0})); }) == "[take] tried to take from an empty tensor");
}

// ---- masked_fill ----

TEST_CASE("masked_fill broadcasts the mask and, out of place, self") {
  CHECK_VALUES(values(grid().masked_fill(row_mask(), -1)), {-1, 1, -1, 3, -1, 5, -1, 7, -1, 9, -1, 11});
  Tensor s = masked_fill(scalar_tensor(3.0), row_mask(), 1);
  CHECK(shape(s) == Shape{4});
  CHECK_VALUES(values(s), {1, 3, 1, 3});
  Tensor x = grid();
  x.masked_fill_(row_mask().view({1, 4}), -1);
  CHECK_VALUES(values(x), {-1, 1, -1, 3, -1, 5, -1, 7, -1, 9, -1, 11});
  CHECK_VALUES(values(grid().masked_fill(make({1, 0, 1, 0}, {4}, kByte), -1)), values(x));
}

TEST_CASE("masked_fill_ writes through a transposed view") {
  Tensor x = grid();
  x.t().masked_fill_(bools({1, 0, 0}, {3}), 0);
  CHECK_VALUES(values(x), {0, 0, 0, 0, 4, 5, 6, 7, 8, 9, 10, 11});
}

TEST_CASE("masked_fill converts the value to self's dtype as PyTorch does") {
  CHECK_VALUES(values(grid().masked_fill(row_mask(), scalar_tensor(2.0))), {2, 1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11});
  CHECK_VALUES(values(grid().to(kInt).masked_fill(row_mask(), 2.5)), {2, 1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11});
  CHECK_VALUES(values(grid().to(kInt).masked_fill(row_mask(), -2.7)), {-2, 1, -2, 3, -2, 5, -2, 7, -2, 9, -2, 11});
  Tensor longs_filled = grid().to(kLong).masked_fill(row_mask(), scalar_tensor(2.5));
  CHECK(longs_filled.dtype() == kLong);
  CHECK_VALUES(values(longs_filled), {2, 1, 2, 3, 2, 5, 2, 7, 2, 9, 2, 11});
  CHECK_VALUES(values(grid().to(kByte).masked_fill(row_mask(), -1)), {255, 1, 255, 3, 255, 5, 255, 7, 255, 9, 255, 11});
  CHECK_VALUES(values(zeros({4}, kBool).masked_fill(row_mask(), 0.5)), {1, 0, 1, 0});
  const std::vector<double> inf = values(zeros({4}, kHalf).masked_fill(row_mask(), INFINITY));
  CHECK(std::isinf(inf[0]));
  CHECK(inf[1] == 0);
  const std::vector<double> nan = values(zeros({4}).masked_fill(row_mask(), NAN));
  CHECK(std::isnan(nan[2]));
  CHECK(nan[3] == 0);
}

TEST_CASE("masked_fill refuses values that overflow the dtype") {
  const auto overflow = [](ScalarType dtype, Scalar value) {
    return error_of([&] { zeros({4}, dtype).masked_fill(row_mask(), value); });
  };
  CHECK(starts_with(overflow(kByte, 300), "[masked_fill] value cannot be converted to type Byte without overflow: 300"));
  CHECK(starts_with(overflow(kByte, -256), "[masked_fill] value cannot be converted to type Byte without overflow"));
  CHECK(starts_with(overflow(kByte, -1.0), "[masked_fill] value cannot be converted to type Byte without overflow"));
  CHECK(starts_with(overflow(kChar, 1e10), "[masked_fill] value cannot be converted to type Char without overflow"));
  CHECK(starts_with(overflow(kHalf, 70000.0), "[masked_fill] value cannot be converted to type Half without overflow"));
  CHECK(starts_with(overflow(kInt, NAN), "[masked_fill] value cannot be converted to type Int without overflow"));
  CHECK(starts_with(overflow(kFloat, 1e39), "[masked_fill] value cannot be converted to type Float without overflow"));
  CHECK(overflow(kByte, -255).empty());
  CHECK(overflow(kHalf, -INFINITY).empty());
}

TEST_CASE("masked_fill rejects non-bool masks, non-scalar values and growing in place") {
  CHECK(starts_with(error_of([] { grid().masked_fill(row_mask().to(kInt), 1); }),
                    "[masked_fill] expected BoolTensor for mask, got a Int tensor"));
  CHECK(starts_with(error_of([] { grid().masked_fill(row_mask(), floats({1}, {1})); }),
                    "[masked_fill] only supports a 0-dimensional value tensor, but got tensor with 1 dimension(s)."));
  CHECK(starts_with(error_of([] { scalar_tensor(3.0).masked_fill_(row_mask(), 1); }),
                    "[masked_fill_.Scalar] output with shape [] doesn't match the broadcast shape [4]"));
  CHECK(starts_with(error_of([] { grid().masked_fill(bools({1, 0}, {2}), 1); }),
                    "[masked_fill] The size of tensor a (4) must match the size of tensor b (2) at non-singleton "
                    "dimension 1"));
}

// ---- masked_select ----

TEST_CASE("masked_select returns the selected elements of the broadcast pair in row-major order") {
  CHECK_VALUES(values(grid().masked_select(row_mask())), {0, 2, 4, 6, 8, 10});
  CHECK_VALUES(values(masked_select(grid(), bools({1, 0, 1}, {3, 1}))), {0, 1, 2, 3, 8, 9, 10, 11});
  Tensor xt = grid().t();
  CHECK_VALUES(values(xt.masked_select(xt.gt(4))), {8, 5, 9, 6, 10, 7, 11});
  CHECK_VALUES(values(scalar_tensor(3.0).masked_select(row_mask())), {3, 3});
  Tensor one = scalar_tensor(3.0).masked_select(bools({1}, {}));
  CHECK(shape(one) == Shape{1});
  CHECK(shape(zeros({0, 4}).masked_select(row_mask())) == Shape{0});
  CHECK(starts_with(error_of([] { grid().masked_select(row_mask().to(kInt)); }),
                    "[masked_select] expected BoolTensor for mask, got a Int tensor"));
}

// ---- nonzero ----

TEST_CASE("nonzero lists coordinates in row-major order, NaN counting and -0 not") {
  Tensor n = floats({0, 1, 0, 2, 0, 3}, {2, 3}).nonzero();
  CHECK(n.dtype() == kLong);
  CHECK(shape(n) == Shape{3, 2});
  CHECK_VALUES(values(n), {0, 1, 1, 0, 1, 2});
  CHECK_VALUES(values(nonzero(floats({NAN, 0.0, -0.0, 1e-30}, {4}))), {0, 3});
  CHECK_VALUES(values(bools({0, 1}, {2}).nonzero()), {1});
  CHECK_VALUES(values(grid().t().nonzero().slice(0, 0, 4)), {0, 1, 0, 2, 1, 0, 1, 1});
}

TEST_CASE("nonzero of 0-d and zero-size tensors") {
  CHECK(shape(scalar_tensor(3.0).nonzero()) == Shape{1, 0});
  CHECK(shape(scalar_tensor(0.0).nonzero()) == Shape{0, 0});
  CHECK(shape(zeros({2, 0}).nonzero()) == Shape{0, 2});
}

TEST_CASE("nonzero_numpy gives one coordinate tensor per dim") {
  std::vector<Tensor> parts = floats({0, 1, 2, 0}, {2, 2}).nonzero_numpy();
  REQUIRE(parts.size() == 2);
  CHECK_VALUES(values(parts[0]), {0, 1});
  CHECK_VALUES(values(parts[1]), {1, 0});
  std::vector<Tensor> scalar = nonzero_numpy(scalar_tensor(3.0));
  REQUIRE(scalar.size() == 1);
  CHECK(shape(scalar[0]) == Shape{1});
  CHECK_VALUES(values(scalar[0]), {0});
}

// ---- tril, triu ----

TEST_CASE("tril and triu keep a triangle relative to a diagonal offset") {
  CHECK_VALUES(values(grid().tril()), {0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0});
  CHECK_VALUES(values(grid().triu()), {0, 1, 2, 3, 0, 5, 6, 7, 0, 0, 10, 11});
  CHECK_VALUES(values(tril(grid(), 1)), {0, 1, 0, 0, 4, 5, 6, 0, 8, 9, 10, 11});
  CHECK_VALUES(values(triu(grid(), 1)), {0, 1, 2, 3, 0, 0, 6, 7, 0, 0, 0, 11});
  CHECK_VALUES(values(grid().tril(-1)), {0, 0, 0, 0, 4, 0, 0, 0, 8, 9, 0, 0});
  CHECK_VALUES(values(grid().triu(-1)), {0, 1, 2, 3, 4, 5, 6, 7, 0, 9, 10, 11});
}

TEST_CASE("tril and triu with offsets beyond the matrix keep everything or nothing") {
  CHECK_VALUES(values(grid().tril(100)), values(grid()));
  CHECK_VALUES(values(grid().triu(-100)), values(grid()));
  CHECK_VALUES(values(grid().triu(100)), std::vector<double>(12, 0.0));
  CHECK_VALUES(values(grid().tril(INT64_MIN)), std::vector<double>(12, 0.0));
  CHECK_VALUES(values(grid().triu(INT64_MAX)), std::vector<double>(12, 0.0));
}

TEST_CASE("tril and triu on tall transposed and batched inputs") {
  CHECK_VALUES(values(grid().t().tril()), {0, 0, 0, 1, 5, 0, 2, 6, 10, 3, 7, 11});
  CHECK_VALUES(values(grid().t().triu(-1)), {0, 4, 8, 1, 5, 9, 0, 6, 10, 0, 0, 11});
  Tensor b = ones({2, 2, 3}, kBool).tril();
  CHECK(b.dtype() == kBool);
  CHECK_VALUES(values(b), {1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1, 0});
  CHECK(shape(zeros({2, 0, 3}).tril()) == Shape{2, 0, 3});
}

TEST_CASE("tril_ and triu_ write in place through views") {
  Tensor x = grid();
  x.t().triu_();
  CHECK_VALUES(values(x), {0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0});
  Tensor y = grid();
  y.tril_(-2);
  CHECK_VALUES(values(y), {0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0});
}

TEST_CASE("tril and triu need at least 2 dims") {
  CHECK(starts_with(error_of([] { zeros({3}).tril(); }), "[tril] input tensor must have at least 2 dimensions, got 1"));
  CHECK(starts_with(error_of([] { scalar_tensor(1.0).triu(); }),
                    "[triu] input tensor must have at least 2 dimensions, got 0"));
}

// ---- one_hot ----

TEST_CASE("one_hot puts a 1 at each class, inferring the count from the largest value") {
  Tensor h = one_hot(longs({0, 2, 1}));
  CHECK(h.dtype() == kLong);
  CHECK(shape(h) == Shape{3, 3});
  CHECK_VALUES(values(h), {1, 0, 0, 0, 0, 1, 0, 1, 0});
  CHECK_VALUES(values(one_hot(longs({0, 2, 1}), 5)), {1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0});
  Tensor m = one_hot(longs({1, 0}, {1, 2}));
  CHECK(shape(m) == Shape{1, 2, 2});
  CHECK_VALUES(values(m), {0, 1, 1, 0});
  CHECK_VALUES(values(one_hot(longs({2}, {}))), {0, 0, 1});
  CHECK_VALUES(values(one_hot(longs({2, 0, 1}).slice(0, 0, 3, 2))), {0, 0, 1, 0, 1, 0});
  CHECK(shape(one_hot(longs({}), 3)) == Shape{0, 3});
}

TEST_CASE("one_hot rejects values outside the classes, non-long inputs and empty inference") {
  CHECK(starts_with(error_of([] { one_hot(longs({0, 2, 1}), 2); }),
                    "[one_hot] Class values must be smaller than num_classes"));
  CHECK(starts_with(error_of([] { one_hot(longs({0, -2, 1})); }), "[one_hot] Class values must be non-negative"));
  CHECK(starts_with(error_of([] { one_hot(make<int32_t>({0}, {1}, kInt)); }),
                    "[one_hot] is only applicable to index tensor, got a Int tensor"));
  CHECK(starts_with(error_of([] { one_hot(longs({})); }),
                    "[one_hot] Can not infer total number of classes from empty tensor."));
  CHECK(starts_with(error_of([] { one_hot(longs({1}), -2); }),
                    "[one_hot] num_classes must be -1 (inferred) or non-negative, got -2"));
}

// ---- index_put_ with optional index tensors ----

TEST_CASE("index_put_ with accumulate sums duplicate indices") {
  Tensor x = grid();
  x.index_put_({longs({0, 0, 2})}, ones({4}), true);
  CHECK_VALUES(values(x), {2, 3, 4, 5, 4, 5, 6, 7, 9, 10, 11, 12});
  Tensor points = grid();
  points.index_put_({longs({0, 0, 2}), longs({1, 1, 3})}, floats({1, 2, 3}, {3}), true);
  CHECK_VALUES(values(points), {0, 4, 2, 3, 4, 5, 6, 7, 8, 9, 10, 14});
  Tensor flags = zeros({3}, kBool);
  flags.index_put_({longs({0, 0})}, scalar_tensor(true, kBool), true);
  CHECK_VALUES(values(flags), {1, 0, 0});
}

TEST_CASE("index_put_ without accumulate keeps the last duplicate") {
  Tensor x = grid();
  x.index_put_(std::vector<std::optional<Tensor>>{longs({0, 0, 2}), longs({1, 1, 3})}, floats({1, 2, 3}, {3}));
  CHECK_VALUES(values(x), {0, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3});
}

TEST_CASE("index_put_ takes nullopt as a whole dim and masks as their coordinates") {
  Tensor x = grid();
  x.index_put_({std::nullopt, longs({1, 1, 3})}, floats({1, 2, 3}, {3}), true);
  CHECK_VALUES(values(x), {0, 4, 2, 6, 4, 8, 6, 10, 8, 12, 10, 14});
  Tensor y = grid();
  y.index_put_({grid().gt(5)}, scalar_tensor(1.0), true);
  CHECK_VALUES(values(y), {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12});
  Tensor z = grid();
  z.index_put_({std::nullopt}, ones({4}), true);
  CHECK_VALUES(values(z), {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  CHECK_VALUES(values(grid().index({std::nullopt, longs({3, 0})})), {3, 0, 7, 4, 11, 8});
}

TEST_CASE("index_put leaves self alone and returns the written copy") {
  Tensor x = grid();
  Tensor y = index_put(x, {longs({1})}, scalar_tensor(-1.0), true);
  CHECK_VALUES(values(x), values(grid()));
  CHECK_VALUES(values(y), {0, 1, 2, 3, 3, 4, 5, 6, 8, 9, 10, 11});
  CHECK_VALUES(values(x.index_put({longs({1})}, scalar_tensor(-1.0))), {0, 1, 2, 3, -1, -1, -1, -1, 8, 9, 10, 11});
}

TEST_CASE("index_put_ with accumulate checks dtypes and indices") {
  CHECK(starts_with(error_of([] { grid().index_put_({longs({0, 0})}, scalar_tensor(1.0, kDouble), true); }),
                    "[index_put_] Index put requires the source and destination dtypes match, got Float for the "
                    "destination and Double for the source."));
  Tensor x = grid();
  CHECK(error_of([&] { x.index_put_({longs({0, 5})}, scalar_tensor(1.0), true); }) ==
        "[index_put_] index 5 is out of bounds for dimension 0 with size 3");
  CHECK_VALUES(values(x), values(grid()));
}

// ---- every dtype ----

TEST_CASE("the indexing ops move values of every dtype unchanged") {
  for (ScalarType dtype : kAllDtypes) {
    CAPTURE(to_string(dtype));
    Tensor x = longs({0, 1, 2, 3, 1, 0}, {2, 3}).to(dtype);
    const std::vector<double> v = values(x);  // bool turns 2 and 3 into 1
    CHECK_VALUES(values(x.index_select(1, longs({2, 0}))), {v[2], v[0], v[5], v[3]});
    CHECK_VALUES(values(x.gather(1, longs({1, 1, 2, 0}, {2, 2}))), {v[1], v[1], v[5], v[3]});
    CHECK_VALUES(values(x.take(longs({-1, 2}))), {v[5], v[2]});
    CHECK_VALUES(values(x.t().contiguous().scatter(0, longs({1, 0}, {1, 2}), x)), {v[0], v[1], v[0], v[4], v[2], v[5]});
    CHECK_VALUES(values(x.masked_select(bools({1, 0, 1}, {3}))), {v[0], v[2], v[3], v[5]});
    CHECK_VALUES(values(x.tril()), {v[0], 0, 0, v[3], v[4], 0});
    CHECK_VALUES(values(x.index_copy(0, longs({1, 0}), x)), {v[3], v[4], v[5], v[0], v[1], v[2]});
    CHECK_VALUES(values(x.masked_fill(bools({1, 0, 0}, {3}), 1)), {1, v[1], v[2], 1, v[4], v[5]});
    CHECK_VALUES(values(x.index_fill(1, longs({2}), 1)), {v[0], v[1], 1, v[3], v[4], 1});
    CHECK_VALUES(values(x.nonzero()), {0, 1, 0, 2, 1, 0, 1, 1});
  }
}

// ---- the registry ----

TEST_CASE("every indexing op is registered with a meta function and a CPU kernel") {
  for (const char* name :
       {"index_select", "gather", "scatter.src", "scatter.value", "scatter_.src", "scatter_.value", "scatter_add",
        "scatter_add_", "index_add", "index_add_", "index_copy", "index_copy_", "index_fill.int_Scalar",
        "index_fill.int_Tensor", "index_fill_.int_Scalar", "index_fill_.int_Tensor", "take", "masked_fill.Scalar",
        "masked_fill.Tensor", "masked_fill_.Scalar", "masked_fill_.Tensor", "masked_select", "nonzero", "tril", "triu",
        "tril_", "triu_", "one_hot", "index.Tensor", "index_put_"}) {
    CAPTURE(name);
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE(op != nullptr);
    CHECK(bool(op->meta));
    CHECK(bool(op->cpu));
  }
}
