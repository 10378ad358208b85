// Indexing with TensorIndex lists (basic and advanced) and index_put_, with expected values from PyTorch 1.13.
#include "helpers.h"

using namespace ember;
using namespace ember::indexing;
using test::error_of;
using test::make;
using test::shape;
using test::values;

namespace {
using Shape = std::vector<int64_t>;
std::vector<int64_t> strides(const Tensor& t) { return t.strides().vec(); }
Tensor range(int64_t n) { return arange(n, kFloat); }
Tensor cube() { return range(24).view({2, 3, 4}); }
Tensor longs(std::vector<int64_t> v, IntArrayRef sizes) { return make<int64_t>(std::move(v), sizes, kLong); }
Tensor longs(std::vector<int64_t> v) {
  const int64_t n = int64_t(v.size());
  return longs(std::move(v), {n});
}
Tensor mask(std::vector<double> v, IntArrayRef sizes) { return make(std::move(v), sizes, kBool); }
}  // namespace

// ---- basic indexing: views ----

TEST_CASE("integers select and negative integers count from the end") {
  Tensor x = cube();
  Tensor row = x.index({1, -1});
  CHECK(shape(row) == Shape{4});
  CHECK(row.storage_offset() == 20);
  CHECK(row.is_alias_of(x));
  CHECK_VALUES(values(row), {20, 21, 22, 23});
  CHECK(x.index({-1}).storage_offset() == 12);
}

TEST_CASE("an integer out of range names the index, the dim and its size") {
  Tensor x = cube();
  CHECK(error_of([&] { x.index({5}); }) == "[index] index 5 is out of bounds for dimension 0 with size 2");
  CHECK(error_of([&] { x.index({Slice(), -4}); }) == "[index] index -4 is out of bounds for dimension 1 with size 3");
}

TEST_CASE("slices take Python-clamped ranges with a positive step") {
  Tensor x = cube();
  Tensor s = x.index({Slice(), Slice(-2, None), Slice(None, None, 3)});
  CHECK(shape(s) == Shape{2, 2, 2});
  CHECK(strides(s) == Shape{12, 4, 3});
  CHECK(s.storage_offset() == 4);
  CHECK_VALUES(values(s), {4, 7, 8, 11, 16, 19, 20, 23});
  CHECK(shape(x.index({Slice(), Slice(-100, 100)})) == Shape{2, 3, 4});
  CHECK(shape(x.index({Slice(), Slice(5, None)})) == Shape{2, 0, 4});
  CHECK(error_of([&] { x.index({Slice(None, None, -1)}); }).find("[index] step must be greater than zero") == 0);
  CHECK(error_of([&] { x.index({Slice(None, None, 0)}); }).find("[index] step must be greater than zero") == 0);
}

TEST_CASE("None inserts a size-1 dim") {
  Tensor x = cube();
  Tensor front = x.index({None});
  CHECK(shape(front) == Shape{1, 2, 3, 4});
  CHECK(strides(front) == Shape{24, 12, 4, 1});
  CHECK(strides(x.index({Ellipsis, None})) == Shape{12, 4, 1, 1});
  Tensor mid = x.index({Slice(), None, 0});
  CHECK(shape(mid) == Shape{2, 1, 4});
  CHECK(strides(mid) == Shape{12, 12, 1});
  CHECK_VALUES(values(mid), {0, 1, 2, 3, 12, 13, 14, 15});
}

TEST_CASE("Ellipsis stands for all the dims not indexed") {
  Tensor x = cube();
  Tensor last = x.index({Ellipsis, 1});
  CHECK(shape(last) == Shape{2, 3});
  CHECK(last.storage_offset() == 1);
  CHECK_VALUES(values(last), {1, 5, 9, 13, 17, 21});
  CHECK_VALUES(values(x.index({0, "...", 2})), {2, 6, 10});
  CHECK(x.index({Ellipsis}).is_alias_of(x));
  CHECK(error_of([&] { x.index({Ellipsis, Ellipsis}); }).find("[index] an index can only have a single ellipsis") == 0);
}

TEST_CASE("libtorch's mixed example composes slices, integers, None and Ellipsis") {
  Tensor x = cube();
  Tensor y = x.index({Slice(0, None, 2), 1, None, Ellipsis});
  CHECK(shape(y) == Shape{1, 1, 4});
  CHECK(strides(y) == Shape{24, 4, 1});
  CHECK(y.storage_offset() == 4);
  CHECK_VALUES(values(y), {4, 5, 6, 7});
}

TEST_CASE("too many indices are rejected, with a hint for 0-d tensors") {
  CHECK(error_of([] { cube().index({0, 0, 0, 0}); }) == "[index] too many indices for tensor of dimension 3");
  CHECK(error_of([] { scalar_tensor(5.0).index({0}); }).find("[index] invalid index of a 0-dim tensor.") == 0);
}

TEST_CASE("bool true adds a dim of size 1 and false one of size 0") {
  Tensor x = cube();
  CHECK(shape(x.index({true})) == Shape{1, 2, 3, 4});
  CHECK(shape(x.index({false})) == Shape{0, 2, 3, 4});
  CHECK(shape(x.index({0, true})) == Shape{1, 3, 4});
  CHECK_VALUES(values(x.index({0, true, 1})), {4, 5, 6, 7});
}

TEST_CASE("0-d tensors accept None, Ellipsis and bool indices") {
  Tensor s = scalar_tensor(5.0);
  CHECK(shape(s.index({None})) == Shape{1});
  CHECK(s.index({Ellipsis}).is_alias_of(s));
  CHECK_VALUES(values(s.index({mask({1}, {})})), {5});
  CHECK(shape(s.index({mask({0}, {})})) == Shape{0});
}

TEST_CASE("a 0-d integer tensor index selects like an integer") {
  Tensor y = range(12).view({3, 4});
  Tensor row = y.index({longs({1}, {})});
  CHECK(row.is_alias_of(y));
  CHECK(row.storage_offset() == 4);
  CHECK_VALUES(values(row), {4, 5, 6, 7});
  CHECK_VALUES(values(y.index({Slice(), longs({-1}, {})})), {3, 7, 11});
}

// ---- advanced indexing: copies ----

TEST_CASE("an integer tensor gathers along a dim, negative indices wrapping") {
  Tensor t = range(10);
  Tensor g = t.index({longs({0, 2, -1})});
  CHECK_FALSE(g.is_alias_of(t));
  CHECK(g.is_contiguous());
  CHECK_VALUES(values(g), {0, 2, 9});
  Tensor grid = t[longs({1, 2, 3, 4}, {2, 2})];
  CHECK(shape(grid) == Shape{2, 2});
  CHECK_VALUES(values(grid), {1, 2, 3, 4});
  CHECK_VALUES(values(t.index({make<int32_t>({3, 1}, {2}, kInt)})), {3, 1});
}

TEST_CASE("a tensor index on one dim keeps the other dims") {
  Tensor y = range(12).view({3, 4});
  Tensor rows = y.index({longs({2, 0})});
  CHECK(shape(rows) == Shape{2, 4});
  CHECK_VALUES(values(rows), {8, 9, 10, 11, 0, 1, 2, 3});
  Tensor cols = y.index({Slice(), longs({3, 0})});
  CHECK(shape(cols) == Shape{3, 2});
  CHECK_VALUES(values(cols), {3, 0, 7, 4, 11, 8});
}

TEST_CASE("several tensor indices pick elements together and broadcast") {
  Tensor y = range(12).view({3, 4});
  CHECK_VALUES(values(y.index({longs({0, 2}), longs({1, 3})})), {1, 11});
  Tensor b = y.index({longs({0, 2}, {2, 1}), longs({1, 3})});
  CHECK(shape(b) == Shape{2, 2});
  CHECK_VALUES(values(b), {1, 3, 9, 11});
  CHECK(error_of([&] { y.index({longs({0, 1}), longs({0, 1, 2})}); }) ==
        "[index] shape mismatch: indexing tensors could not be broadcast together with shapes [2], [3]");
}

TEST_CASE("adjacent tensor indices put their dims in place, separated ones put them first") {
  Tensor x = cube();
  CHECK(shape(x.index({Slice(), longs({0, 1}), Slice(), None})) == Shape{2, 2, 4, 1});
  CHECK(shape(x.index({Slice(), longs({0, 1}), longs({0, 1})})) == Shape{2, 2});
  CHECK(shape(x.index({Ellipsis, longs({0, 1}), longs({1, 2})})) == Shape{2, 2});
  Tensor apart = x.index({longs({0, 1}), Slice(), longs({0, 1})});
  CHECK(shape(apart) == Shape{2, 3});
  CHECK_VALUES(values(apart), {0, 4, 8, 13, 17, 21});
  CHECK(shape(x.index({None, longs({0, 1}), Slice(), longs({0, 1})})) == Shape{2, 1, 3});
  CHECK_VALUES(values(x.index({Slice(), longs({0, 2}), longs({1, 3})})), {1, 11, 13, 23});
  // An integer is a basic index: it selects first, so the tensor index stays in place.
  CHECK(shape(x.index({1, Slice(), longs({0, 1})})) == Shape{3, 2});
}

TEST_CASE("a tensor index out of range names the index, the dim and its size") {
  Tensor x = range(12).view({3, 4});
  CHECK(error_of([&] { x.index({longs({0, 7})}); }) == "[index] index 7 is out of bounds for dimension 0 with size 3");
  CHECK(error_of([&] { x.index({Slice(), longs({-5})}); }) ==
        "[index] index -5 is out of bounds for dimension 1 with size 4");
  CHECK(error_of([] { zeros({0, 3}, kFloat).index({longs({0})}); }) ==
        "[index] index 0 is out of bounds for dimension 0 with size 0");
}

TEST_CASE("index tensors must be integer or bool tensors") {
  CHECK(error_of([] { range(3).index({make({0.5}, {1})}); })
            .find("[index] tensors used as indices must be long, int, byte or bool tensors, got Float") == 0);
}

TEST_CASE("a bool mask selects the elements where it is true") {
  Tensor x = cube();
  Tensor m = mask({1, 0, 1, 0, 1, 1}, {2, 3});
  Tensor picked = x.index({m});
  CHECK(shape(picked) == Shape{4, 4});
  CHECK_VALUES(values(picked), {0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 20, 21, 22, 23});
  Tensor y = range(12).view({3, 4});
  CHECK_VALUES(values(y[y.gt(6)]), {7, 8, 9, 10, 11});
  Tensor middle = x.index({Slice(), mask({1, 0, 1}, {3})});
  CHECK(shape(middle) == Shape{2, 2, 4});
  CHECK_VALUES(values(middle), {0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23});
  CHECK_VALUES(values(x.index({Slice(), 1, mask({1, 0, 0, 1}, {4})})), {4, 7, 16, 19});
  CHECK_VALUES(values(y.index({make({1, 0, 1}, {3}, kByte)})), {0, 1, 2, 3, 8, 9, 10, 11});
}

TEST_CASE("a mask consumes as many dims as it has, like its nonzero coordinates") {
  // NumPy's result; PyTorch 1.13 rejects these two with a mask-shape error.
  Tensor x = cube();
  Tensor m = mask({1, 0, 1, 0, 1, 1}, {2, 3});
  CHECK_VALUES(values(x.index({m, 0})), {0, 8, 16, 20});
  Tensor two = x.index({m, Slice(1, 3)});
  CHECK(shape(two) == Shape{4, 2});
  CHECK_VALUES(values(two), {1, 2, 9, 10, 17, 18, 21, 22});
}

TEST_CASE("a mask must have the sizes of the dims it indexes") {
  Tensor x = cube();
  CHECK(error_of([&] { x.index({mask({1, 0, 1}, {3})}); })
            .find("[index] The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3, "
                  "4] at index 0") == 0);
  CHECK(error_of([&] { x.index({Slice(), mask({1, 0}, {2})}); })
            .find("[index] The shape of the mask [2] at index 0 does not match the shape of the indexed tensor [2, 3, "
                  "4] at index 1") == 0);
  CHECK(error_of([&] { x.index({mask({1, 0, 1, 0}, {2, 2}), 0, 0}); }) ==
        "[index] too many indices for tensor of dimension 3");
}

TEST_CASE("advanced indexing reads non-contiguous inputs in their logical order") {
  Tensor yt = range(12).view({3, 4}).t();
  Tensor rows = yt.index({longs({1, 3})});
  CHECK(shape(rows) == Shape{2, 3});
  CHECK_VALUES(values(rows), {1, 5, 9, 3, 7, 11});
  CHECK_VALUES(values(yt.index({longs({1, 3}), 2})), {9, 11});
}

TEST_CASE("advanced indexing handles zero-size indices and dims") {
  CHECK(shape(zeros({3}, kFloat).index({longs({})})) == Shape{0});
  CHECK(shape(zeros({0, 3}, kFloat).index({Slice(), longs({2})})) == Shape{0, 1});
  CHECK(shape(zeros({2, 3}, kFloat).index({mask({0, 0, 0, 0, 0, 0}, {2, 3})})) == Shape{0});
}

// ---- index_put_ ----

TEST_CASE("index_put_ with basic indices copies into the view, broadcasting and converting") {
  Tensor a = zeros({2, 3}, kFloat);
  a.index_put_({0}, make({1, 2, 3}, {3}, kLong));
  CHECK_VALUES(values(a), {1, 2, 3, 0, 0, 0});
  Tensor b = zeros({2, 3}, kFloat);
  b.index_put_({Slice(), 1}, 5);
  CHECK_VALUES(values(b), {0, 5, 0, 0, 5, 0});
  Tensor c = zeros({2, 3}, kFloat);
  c.index_put_({Ellipsis, Slice(0, None, 2)}, make({1, 2}, {2, 1}));
  CHECK_VALUES(values(c), {1, 0, 1, 2, 0, 2});
  // Leading size-1 dims of the value are dropped, as in libtorch.
  Tensor d = zeros({2, 3}, kFloat);
  d.index_put_({1}, ones({1, 1, 3}, kFloat));
  CHECK_VALUES(values(d), {0, 0, 0, 1, 1, 1});
}

TEST_CASE("assigning to an index result writes through it") {
  Tensor a = zeros({2, 3}, kFloat);
  a.index({Slice(), 2}) = 4;
  a[0] = make({7, 8, 9}, {3});
  CHECK_VALUES(values(a), {7, 8, 9, 0, 0, 4});
}

TEST_CASE("index_put_ with tensor indices scatters values") {
  Tensor a = zeros({2, 3}, kFloat);
  a.index_put_({longs({1, 0})}, make({1, 2, 3, 4, 5, 6}, {2, 3}));
  CHECK_VALUES(values(a), {4, 5, 6, 1, 2, 3});
  Tensor b = zeros({2, 3}, kFloat);
  b.index_put_({longs({0, 1}), longs({2, 0})}, make({7, 8}, {2}));
  CHECK_VALUES(values(b), {0, 0, 7, 8, 0, 0});
  Tensor c = zeros({2, 3}, kFloat);
  c.index_put_({Slice(), longs({0, 2})}, make({7, 8}, {2}));
  CHECK_VALUES(values(c), {7, 0, 8, 7, 0, 8});
  Tensor d = zeros({2, 3}, kFloat);
  d.index_put_({longs({1})}, 9.0);
  CHECK_VALUES(values(d), {0, 0, 0, 9, 9, 9});
}

TEST_CASE("index_put_ with a mask fills or scatters in row-major order") {
  Tensor m = mask({1, 0, 1, 0, 1, 1}, {2, 3});
  Tensor a = zeros({2, 3}, kFloat);
  a.index_put_({m}, 7);
  CHECK_VALUES(values(a), {7, 0, 7, 0, 7, 7});
  Tensor b = zeros({2, 3}, kFloat);
  b.index_put_({m}, make({1, 2, 3, 4}, {4}));
  CHECK_VALUES(values(b), {1, 0, 2, 0, 3, 4});
  Tensor i = zeros({2, 3}, kLong);
  i.index_put_({m}, 7);
  CHECK(i.dtype() == kLong);
  CHECK_VALUES(values(i), {7, 0, 7, 0, 7, 7});
}

TEST_CASE("index_put_ with repeated indices keeps the last write") {
  Tensor a = zeros({3}, kFloat);
  a.index_put_({longs({0, 0, 2})}, make({1, 2, 3}, {3}));
  CHECK_VALUES(values(a), {2, 0, 3});
}

TEST_CASE("index_put_ writes through a non-contiguous view into its base") {
  Tensor z = zeros({3, 2}, kFloat);
  Tensor zt = z.t();
  zt.index_put_({longs({1}), longs({0, 2})}, make({4, 5}, {2}));
  CHECK_VALUES(values(zt), {0, 0, 0, 4, 0, 5});
  CHECK_VALUES(values(z), {0, 4, 0, 0, 0, 5});
}

TEST_CASE("index_put_ reads values that alias the target from a snapshot") {
  // PyTorch refuses this overlap; ember copies the values first, so rows swap cleanly.
  Tensor w = range(6).view({2, 3});
  w.index_put_({longs({1, 0})}, w);
  CHECK_VALUES(values(w), {3, 4, 5, 0, 1, 2});
}

TEST_CASE("index_put_ rejects mismatched values and indices out of range") {
  Tensor a = zeros({2, 3}, kFloat);
  CHECK(error_of([&] { a.index_put_({longs({0, 1})}, make({5, 6}, {2})); }) ==
        "[index_put_] shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [2, "
        "3]");
  CHECK(error_of([&] { a.index_put_({longs({0, 1}), longs({1, 2})}, make({5, 6}, {2}, kLong)); })
            .find("[index_put_] Index put requires the source and destination dtypes match, got Float for the "
                  "destination and Long for the source.") == 0);
  CHECK(error_of([] { zeros({3}, kFloat).index_put_({longs({3})}, 1.0); }) ==
        "[index_put_] index 3 is out of bounds for dimension 0 with size 3");
}

TEST_CASE("the index_put_ op accumulates repeated indices when asked") {
  const OpDef* put = OpRegistry::instance().find("index_put_");
  REQUIRE(put != nullptr);
  Tensor a = zeros({3}, kFloat);
  OpCall call{{a, make({1, 2, 3}, {3}), longs({0, 0, 2})}, {DimVector{0}, true}};
  dispatch(*put, call);
  CHECK_VALUES(values(a), {3, 0, 3});
  Tensor i = zeros({3}, kInt);
  OpCall int_call{{i, make({5, 6}, {2}, kInt), longs({1, 1})}, {DimVector{0}, true}};
  dispatch(*put, int_call);
  CHECK_VALUES(values(i), {0, 11, 0});
}

TEST_CASE("advanced indexing ops are registered") {
  const OpDef* index = OpRegistry::instance().find("index.Tensor");
  REQUIRE(index != nullptr);
  CHECK(index->kind == OpKind::Compute);
  const OpDef* put = OpRegistry::instance().find("index_put_");
  REQUIRE(put != nullptr);
  CHECK(put->kind == OpKind::InPlace);
}
