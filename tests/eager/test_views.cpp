// View ops: geometry, storage sharing and error messages, with expected values taken from PyTorch 1.13.
#include "helpers.h"

using namespace ember;
using test::error_of;
using test::shape;
using test::values;

namespace {
std::vector<int64_t> strides(const Tensor& t) { return t.strides().vec(); }
Tensor range(int64_t n) { return arange(n, kFloat); }
using Shape = std::vector<int64_t>;
}  // namespace

// ---- view and reshape ----

TEST_CASE("view reshapes a contiguous tensor and shares its storage") {
  Tensor base = range(6);
  Tensor v = base.view({2, 3});
  CHECK(shape(v) == Shape{2, 3});
  CHECK(strides(v) == Shape{3, 1});
  CHECK(v.is_alias_of(base));
  v.select(1, 2).fill_(-1);
  CHECK_VALUES(values(base), {0, 1, -1, 3, 4, -1});
}

TEST_CASE("view infers the one -1 dimension") {
  Tensor v = range(12).view({-1, 4});
  CHECK(shape(v) == Shape{3, 4});
  CHECK(strides(v) == Shape{4, 1});
}

TEST_CASE("view of a non-contiguous tensor works when every new dim stays inside one strided run") {
  Tensor v = range(12).view({4, 3}).t().view({3, 2, 2});
  CHECK(strides(v) == Shape{1, 6, 3});
  CHECK_VALUES(values(v), {0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11});
  Tensor sliced = range(12).view({2, 6}).slice(1, 0, 4).view({2, 2, 2});
  CHECK(strides(sliced) == Shape{6, 2, 1});
  CHECK_VALUES(values(sliced), {0, 1, 2, 3, 6, 7, 8, 9});
}

TEST_CASE("view refuses geometry that spans two strided runs, pointing to reshape") {
  Tensor x = range(6).view({2, 3});
  CHECK(error_of([&] { x.t().view({6}); }) ==
        "[view] view size is not compatible with input tensor's size and stride (at least one dimension spans across "
        "two contiguous subspaces). Use .reshape(...) instead.");
  CHECK(error_of([&] { range(12).view({4, 3}).slice(1, 0, 2).view({8}); }).find("Use .reshape(...) instead") !=
        std::string::npos);
}

TEST_CASE("view rejects shapes that do not hold the input's elements") {
  Tensor x = range(6);
  CHECK(error_of([&] { x.view({4}); }).find("[view] shape '[4]' is invalid for input of size 6") == 0);
  CHECK(error_of([&] { x.view({-1, -1}); }).find("[view] only one dimension can be inferred") == 0);
  CHECK(error_of([&] { x.view({-2, 3}); }).find("[view] invalid shape dimension -2") == 0);
  CHECK(error_of([&] { zeros({0, 3}).view({-1, 0}); }) ==
        "[view] cannot reshape tensor of 0 elements into shape [-1, 0] because the unspecified dimension size -1 can "
        "be any value and is ambiguous");
}

TEST_CASE("view handles 0-d tensors and zero-size dims") {
  Tensor s = scalar_tensor(5.0);
  Tensor v = s.view({1, 1});
  CHECK(shape(v) == Shape{1, 1});
  CHECK(strides(v) == Shape{1, 1});
  CHECK(range(1).view({}).dim() == 0);
  Tensor empty3 = zeros({2, 0, 3});
  CHECK(strides(empty3.view({3, 0, 2})) == Shape{2, 2, 1});
  CHECK(shape(empty3.view({-1})) == Shape{0});
  CHECK(strides(empty3.view({2, 0, 3})) == Shape{3, 3, 1});
}

TEST_CASE("reshape is a view when possible and a copy otherwise") {
  Tensor x = range(6).view({2, 3});
  Tensor same = x.reshape({3, 2});
  CHECK(same.is_alias_of(x));
  Tensor copied = x.t().reshape({6});
  CHECK_FALSE(copied.is_alias_of(x));
  CHECK(strides(copied) == Shape{1});
  CHECK_VALUES(values(copied), {0, 3, 1, 4, 2, 5});
  CHECK(error_of([&] { x.reshape({5}); }).find("[reshape] shape '[5]' is invalid for input of size 6") == 0);
  CHECK(shape(reshape(x, {-1})) == Shape{6});
}

// ---- dim permutations ----

TEST_CASE("transpose swaps two dims, negative dims counting from the end") {
  Tensor x = range(24).view({2, 3, 4});
  Tensor y = x.transpose(0, -1);
  CHECK(shape(y) == Shape{4, 3, 2});
  CHECK(strides(y) == Shape{1, 4, 12});
  CHECK(y.is_alias_of(x));
  CHECK_VALUES(values(y.select(0, 1)), {1, 13, 5, 17, 9, 21});
  CHECK(scalar_tensor(1.0).transpose(0, -1).dim() == 0);
  CHECK(error_of([&] { x.transpose(0, 3); }) ==
        "[transpose] Dimension out of range (expected to be in range of [-3, 2], but got 3)");
}

TEST_CASE("t transposes matrices, keeps vectors and rejects more than 2 dims") {
  Tensor m = range(6).view({2, 3}).t();
  CHECK(shape(m) == Shape{3, 2});
  CHECK(strides(m) == Shape{1, 3});
  CHECK_VALUES(values(m), {0, 3, 1, 4, 2, 5});
  Tensor v = range(3);
  CHECK(shape(v.t()) == Shape{3});
  CHECK(v.t().is_alias_of(v));
  CHECK(error_of([] { zeros({2, 3, 4}).t(); }).find("[t] t() expects a tensor with <= 2 dimensions, but self is 3D") ==
        0);
}

TEST_CASE("permute reorders dims") {
  Tensor x = range(24).view({2, 3, 4});
  Tensor y = x.permute({2, 0, -2});
  CHECK(shape(y) == Shape{4, 2, 3});
  CHECK(strides(y) == Shape{1, 12, 4});
  CHECK_VALUES(values(y.select(0, 1)), {1, 5, 9, 13, 17, 21});
  CHECK(scalar_tensor(1.0).permute({}).dim() == 0);
}

TEST_CASE("permute needs each dim exactly once") {
  Tensor x = zeros({2, 3});
  CHECK(error_of([&] { x.permute({0}); })
            .find("[permute] number of dimensions in the tensor input does not match the length of the desired "
                  "ordering of dimensions i.e. input.dim() = 2 is not equal to len(dims) = 1") == 0);
  CHECK(error_of([&] { x.permute({0, -2}); }).find("[permute] dim 0 appears multiple times") == 0);
  CHECK(error_of([&] { x.permute({0, 2}); }).find("[permute] Dimension out of range") == 0);
}

TEST_CASE("movedim moves one dim and keeps the order of the others") {
  Tensor x = range(24).view({2, 3, 4});
  Tensor front = x.movedim(2, 0);
  CHECK(shape(front) == Shape{4, 2, 3});
  CHECK(strides(front) == Shape{1, 12, 4});
  Tensor back = movedim(x, 0, -1);
  CHECK(shape(back) == Shape{3, 4, 2});
  CHECK(strides(back) == Shape{4, 1, 12});
  CHECK_VALUES(values(back.select(0, 0).select(0, 1)), {1, 13});
  CHECK(scalar_tensor(1.0).movedim(0, 0).dim() == 0);
  CHECK(error_of([&] { x.movedim(0, 3); }).find("[movedim] Dimension out of range") == 0);
}

// ---- squeeze and unsqueeze ----

TEST_CASE("squeeze drops size-1 dims: all, one, or a list") {
  Tensor x = zeros({1, 2, 1, 3});
  CHECK(shape(x.squeeze()) == Shape{2, 3});
  CHECK(strides(x.squeeze()) == Shape{3, 1});
  CHECK(shape(x.squeeze(0)) == Shape{2, 1, 3});
  CHECK(shape(x.squeeze(1)) == Shape{1, 2, 1, 3});  // not size 1: unchanged
  CHECK(shape(x.squeeze(-2)) == Shape{1, 2, 3});
  CHECK(shape(x.squeeze(IntArrayRef{0, 2})) == Shape{2, 3});
  CHECK(shape(squeeze(x, IntArrayRef{1, -1})) == Shape{1, 2, 1, 3});
  CHECK(x.squeeze().is_alias_of(x));
  CHECK(scalar_tensor(1.0).squeeze(0).dim() == 0);
  CHECK(error_of([&] { x.squeeze(4); }) ==
        "[squeeze] Dimension out of range (expected to be in range of [-4, 3], but got 4)");
}

TEST_CASE("unsqueeze inserts a size-1 dim with the stride of a contiguous layout") {
  Tensor x = range(6).view({2, 3});
  CHECK(shape(x.unsqueeze(-1)) == Shape{2, 3, 1});
  CHECK(strides(x.unsqueeze(-1)) == Shape{3, 1, 1});
  CHECK(strides(x.unsqueeze(1)) == Shape{3, 3, 1});
  CHECK(strides(x.unsqueeze(0)) == Shape{6, 3, 1});
  CHECK(strides(zeros({2, 0}).unsqueeze(1)) == Shape{1, 0, 1});
  CHECK(shape(scalar_tensor(3.0).unsqueeze(0)) == Shape{1});
  CHECK(error_of([&] { x.unsqueeze(3); }) ==
        "[unsqueeze] Dimension out of range (expected to be in range of [-3, 2], but got 3)");
}

// ---- expand and broadcasting ----

TEST_CASE("expand repeats size-1 dims with stride 0 and keeps -1 dims") {
  Tensor col = range(3).view({3, 1});
  Tensor e = col.expand({3, 4});
  CHECK(strides(e) == Shape{1, 0});
  CHECK(e.is_alias_of(col));
  CHECK_VALUES(values(e), {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2});
  Tensor lead = col.expand({2, -1, 2});
  CHECK(shape(lead) == Shape{2, 3, 2});
  CHECK(strides(lead) == Shape{0, 1, 0});
  CHECK(strides(zeros({3}).expand({1, 3})) == Shape{3, 1});
  CHECK(strides(zeros({3}).expand({2, 1, 3})) == Shape{0, 3, 1});
  CHECK(shape(zeros({1, 3}).expand({0, 3})) == Shape{0, 3});
  CHECK(strides(zeros({1, 3}).expand({0, 3})) == Shape{0, 1});
  Tensor s = scalar_tensor(3.0).expand({2, 2});
  CHECK(strides(s) == Shape{0, 0});
  CHECK_VALUES(values(s), {3, 3, 3, 3});
}

TEST_CASE("expand explains sizes it cannot produce") {
  Tensor x = zeros({2, 3});
  CHECK(error_of([&] { x.expand({3, 3}); })
            .find("[expand] The expanded size of the tensor (3) must match the existing size (2) at non-singleton "
                  "dimension 0.  Target sizes: [3, 3].  Tensor sizes: [2, 3]") == 0);
  CHECK(error_of([&] { x.expand({3}); })
            .find("[expand] the number of sizes provided (1) must be greater or equal to the number of dimensions in "
                  "the tensor (2)") == 0);
  CHECK(error_of([&] { x.expand({-1, 2, 3}); })
            .find("[expand] The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension "
                  "0") == 0);
  CHECK(error_of([&] { zeros({1, 3}).expand({-2, 3}); }).find("[expand] expected sizes to be non-negative") == 0);
}

TEST_CASE("broadcast_to, broadcast_tensors and broadcast_shapes follow broadcasting rules") {
  CHECK(strides(zeros({3, 1}).broadcast_to({2, 3, 4})) == Shape{0, 1, 0});
  CHECK(strides(broadcast_to(zeros({3, 1}), {3, 4})) == Shape{1, 0});
  auto parts = broadcast_tensors({zeros({3, 1}), zeros({4}), zeros({1, 1, 1})});
  REQUIRE(parts.size() == 3);
  for (const Tensor& p : parts) CHECK(shape(p) == Shape{1, 3, 4});
  CHECK(strides(broadcast_tensors({zeros({3, 1}), zeros({4})})[1]) == Shape{0, 1});
  CHECK(broadcast_shapes({3, 1}, {2, 1, 4}).vec() == Shape{2, 3, 4});
  CHECK(error_of([] { broadcast_tensors({zeros({2, 3}), zeros({3, 2})}); })
            .find("[broadcast_tensors] The size of tensor a (3) must match the size of tensor b (2) at non-singleton "
                  "dimension 1; shapes [2, 3] and [3, 2] cannot be broadcast together.") == 0);
  CHECK(error_of([] { broadcast_shapes({2, 3}, {3, 2}); }).find("[broadcast_shapes]") == 0);
}

// ---- narrowing: narrow, select, slice ----

TEST_CASE("narrow takes length elements from start, which may be negative") {
  Tensor b = range(12).view({3, 4});
  Tensor n = b.narrow(1, 1, 2);
  CHECK(shape(n) == Shape{3, 2});
  CHECK(n.storage_offset() == 1);
  CHECK_VALUES(values(n), {1, 2, 5, 6, 9, 10});
  Tensor tail = narrow(b, 0, -2, 2);
  CHECK(tail.storage_offset() == 4);
  CHECK_VALUES(values(tail), {4, 5, 6, 7, 8, 9, 10, 11});
  Tensor empty = b.narrow(1, 4, 0);
  CHECK(shape(empty) == Shape{3, 0});
  CHECK(empty.storage_offset() == 4);
}

TEST_CASE("narrow rejects ranges outside the dim and 0-d tensors") {
  Tensor x = zeros({2, 3});
  CHECK(error_of([&] { x.narrow(1, 2, 2); }).find("[narrow] start (2) + length (2) exceeds dimension size (3).") == 0);
  CHECK(error_of([&] { x.narrow(1, 1, -1); }).find("[narrow] start (1) + length (-1) exceeds dimension size (3).") ==
        0);
  CHECK(error_of([&] { x.narrow(1, -4, 1); })
            .find("[narrow] start out of range (expected to be in range of [-3, 3], but got -4)") == 0);
  CHECK(error_of([] { scalar_tensor(1.0).narrow(0, 0, 1); }).find("[narrow] narrow() cannot be applied to a 0-dim "
                                                                  "tensor.") == 0);
}

TEST_CASE("select removes a dim at an index, negative indices counting from the end") {
  Tensor b = range(12).view({3, 4});
  Tensor col = b.select(1, -1);
  CHECK(shape(col) == Shape{3});
  CHECK(strides(col) == Shape{4});
  CHECK(col.storage_offset() == 3);
  CHECK_VALUES(values(col), {3, 7, 11});
  Tensor row = b[2];
  CHECK(row.storage_offset() == 8);
  CHECK_VALUES(values(row), {8, 9, 10, 11});
  row.fill_(0);
  CHECK_VALUES(values(b.select(0, 2)), {0, 0, 0, 0});
  Tensor empty_col = zeros({0, 3}).select(1, 2);
  CHECK(shape(empty_col) == Shape{0});
}

TEST_CASE("select names the index, dim and size when the index is out of range") {
  Tensor x = zeros({3, 2});
  CHECK(error_of([&] { x.select(0, 5); }).find("[select] index 5 is out of range for dimension 0 with size 3") == 0);
  CHECK(error_of([&] { x.select(1, -3); }).find("[select] index -3 is out of range for dimension 1 with size 2") == 0);
  CHECK(error_of([] { scalar_tensor(1.0).select(0, 0); }).find("[select] select() cannot be applied to a 0-dim "
                                                               "tensor.") == 0);
}

TEST_CASE("slice takes every step-th element between Python-clamped bounds") {
  Tensor b = range(12).view({3, 4});
  Tensor odd = b.slice(1, 1, std::nullopt, 2);
  CHECK(shape(odd) == Shape{3, 2});
  CHECK(strides(odd) == Shape{4, 2});
  CHECK(odd.storage_offset() == 1);
  CHECK_VALUES(values(odd), {1, 3, 5, 7, 9, 11});
  CHECK(shape(b.slice(0, -100, 100)) == Shape{3, 4});
  Tensor backwards = b.slice(0, 2, 1);
  CHECK(shape(backwards) == Shape{0, 4});
  CHECK(backwards.storage_offset() == 8);
  CHECK_VALUES(values(b.slice(0, -2)), {4, 5, 6, 7, 8, 9, 10, 11});
  CHECK_VALUES(values(slice(b, 1, -3, -1)), {1, 2, 5, 6, 9, 10});
  CHECK(shape(b.slice()) == Shape{3, 4});
}

TEST_CASE("slice needs a positive step and at least one dim") {
  Tensor x = zeros({3});
  CHECK(error_of([&] { x.slice(0, std::nullopt, std::nullopt, -1); }).find("[slice] slice step must be positive") == 0);
  CHECK(error_of([&] { x.slice(0, std::nullopt, std::nullopt, 0); }).find("[slice] slice step must be positive") == 0);
  CHECK(error_of([] { scalar_tensor(1.0).slice(0); }) == "[slice] slice() cannot be applied to a 0-dim tensor.");
}

TEST_CASE("views of views compose their offsets and strides") {
  Tensor x = range(24).view({2, 3, 4});
  Tensor v = x.slice(0, 1).slice(2, 1, std::nullopt, 2).select(2, 1);
  CHECK(shape(v) == Shape{1, 3});
  CHECK(strides(v) == Shape{12, 4});
  CHECK(v.storage_offset() == 15);
  CHECK_VALUES(values(v), {15, 19, 23});
  v.fill_(-1);
  CHECK(x.select(0, 1).select(0, 2).select(0, 3).item<float>() == -1);
}

// ---- unfold, flatten, unflatten, ravel ----

TEST_CASE("unfold makes overlapping windows along a dim") {
  Tensor w = range(7).unfold(0, 3, 2);
  CHECK(shape(w) == Shape{3, 3});
  CHECK(strides(w) == Shape{2, 1});
  CHECK_VALUES(values(w), {0, 1, 2, 2, 3, 4, 4, 5, 6});
  Tensor b = range(12).view({3, 4}).unfold(1, 2, 2);
  CHECK(shape(b) == Shape{3, 2, 2});
  CHECK(strides(b) == Shape{4, 2, 1});
  CHECK(shape(zeros({3}).unfold(0, 0, 1)) == Shape{4, 0});
  CHECK(shape(scalar_tensor(1.0).unfold(0, 1, 1)) == Shape{1});
}

TEST_CASE("unfold checks window size and step") {
  Tensor x = zeros({2, 3});
  CHECK(error_of([&] { x.unfold(1, 4, 1); }) == "[unfold] maximum size for tensor at dimension 1 is 3 but size is 4");
  CHECK(error_of([&] { x.unfold(1, 2, 0); }) == "[unfold] step is 0 but must be > 0");
  CHECK(error_of([&] { x.unfold(1, -1, 1); }) == "[unfold] size is -1 but must be >= 0");
}

TEST_CASE("flatten merges a range of dims, copying only when it must") {
  Tensor x = range(24).view({2, 3, 4});
  CHECK(shape(x.flatten()) == Shape{24});
  CHECK(x.flatten().is_alias_of(x));
  CHECK(shape(x.flatten(1)) == Shape{2, 12});
  CHECK(shape(flatten(x, -2, -1)) == Shape{2, 12});
  Tensor mixed = x.transpose(0, 1).flatten(0, 1);
  CHECK(shape(mixed) == Shape{6, 4});
  CHECK_FALSE(mixed.is_alias_of(x));
  CHECK_VALUES(values(mixed.select(1, 0)), {0, 12, 4, 16, 8, 20});
  CHECK(shape(scalar_tensor(3.0).flatten()) == Shape{1});
  CHECK(x.flatten(1, 1).is_same(x));
  CHECK(error_of([&] { x.flatten(2, 1); })
            .find("[flatten] flatten() has invalid args: start_dim cannot come after end_dim") == 0);
}

TEST_CASE("unflatten splits one dim into several, inferring one -1") {
  Tensor x = range(24).view({2, 12});
  Tensor y = x.unflatten(1, {3, -1});
  CHECK(shape(y) == Shape{2, 3, 4});
  CHECK(strides(y) == Shape{12, 4, 1});
  CHECK(y.is_alias_of(x));
  CHECK(strides(unflatten(x, -1, {2, 2, 3})) == Shape{12, 6, 3, 1});
  CHECK(error_of([&] { x.unflatten(1, {5, 2}); }) ==
        "[unflatten] Provided sizes [5, 2] don't multiply up to the size of dim 1 (12) in the input tensor");
  CHECK(error_of([&] { x.unflatten(1, {}); }).find("[unflatten] sizes must be non-empty") == 0);
  CHECK(error_of([&] { x.unflatten(1, {-1, -1}); }).find("[unflatten] only one dimension can be inferred") == 0);
  CHECK(error_of([] { scalar_tensor(1.0).unflatten(0, {1}); }) ==
        "[unflatten] Dimension specified as 0 but tensor has no dimensions");
}

TEST_CASE("ravel flattens in row-major order of the logical layout") {
  Tensor r = range(6).view({2, 3}).t().ravel();
  CHECK(shape(r) == Shape{6});
  CHECK_VALUES(values(r), {0, 3, 1, 4, 2, 5});
  Tensor c = range(6).view({2, 3});
  CHECK(c.ravel().is_alias_of(c));
}

// ---- as_strided and diagonal ----

TEST_CASE("as_strided places any geometry inside the storage") {
  Tensor x = range(6);
  Tensor windows = x.as_strided({4, 3}, {1, 1});
  CHECK_VALUES(values(windows), {0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5});
  Tensor shifted = as_strided(x, {2, 2}, {1, 2}, 1);
  CHECK(shifted.storage_offset() == 1);
  CHECK_VALUES(values(shifted), {1, 3, 2, 4});
  // Without an offset the view keeps the input's.
  Tensor from_view = x.slice(0, 2).as_strided({2}, {1});
  CHECK(from_view.storage_offset() == 2);
  CHECK_VALUES(values(from_view), {2, 3});
  CHECK(shape(x.as_strided({0, 5}, {100, 100}, 1000)) == Shape{0, 5});
}

TEST_CASE("as_strided refuses views that would read past the storage") {
  Tensor x = range(6);
  CHECK(error_of([&] { x.as_strided({4, 3}, {1, 1}, 1); })
            .find("[as_strided] sizes [4, 3], strides [1, 1], storage offset 1, and itemsize 4 requiring a storage "
                  "size of 28 are out of bounds for storage of size 24") == 0);
  CHECK(error_of([&] { x.slice(0, 3).as_strided({4}, {1}); })
            .find("requiring a storage size of 28 are out of bounds for storage of size 24") != std::string::npos);
  CHECK(error_of([&] { x.as_strided({2, 2}, {int64_t(1) << 62, int64_t(1) << 62}); })
            .find("are out of bounds for storage of size 24") != std::string::npos);
  CHECK(error_of([&] { x.as_strided({2}, {-1}); }) ==
        "[as_strided] Negative strides are not supported at the moment, got strides: [-1]");
  CHECK(error_of([&] { x.as_strided({2}, {1}, -1); }).find("[as_strided] invalid storage offset -1") == 0);
  CHECK(error_of([&] { x.as_strided({2, 2}, {1}); }).find("[as_strided] mismatch in length of strides and shape") ==
        0);
  CHECK(error_of([&] { x.as_strided({2, -1}, {1, 1}); }).find("[as_strided] Trying to create tensor with negative "
                                                              "dimension -1") == 0);
}

TEST_CASE("diagonal views a diagonal, offset right (positive) or down (negative)") {
  Tensor d = range(9).view({3, 3});
  CHECK(strides(d.diagonal()) == Shape{4});
  CHECK_VALUES(values(d.diagonal()), {0, 4, 8});
  CHECK(d.diagonal(1).storage_offset() == 1);
  CHECK_VALUES(values(d.diagonal(1)), {1, 5});
  CHECK(d.diagonal(-1).storage_offset() == 3);
  CHECK_VALUES(values(d.diagonal(-1)), {3, 7});
  CHECK(shape(d.diagonal(-5)) == Shape{0});
  d.diagonal().fill_(-1);
  CHECK_VALUES(values(d), {-1, 1, 2, 3, -1, 5, 6, 7, -1});
}

TEST_CASE("diagonal of a 3-d tensor appends the diagonal as the last dim") {
  Tensor c = range(24).view({2, 3, 4});
  Tensor a = c.diagonal(0, 1, 2);
  CHECK(shape(a) == Shape{2, 3});
  CHECK(strides(a) == Shape{12, 5});
  CHECK_VALUES(values(a), {0, 5, 10, 12, 17, 22});
  Tensor b = diagonal(c, 1, -1, 0);
  CHECK(shape(b) == Shape{3, 1});
  CHECK(strides(b) == Shape{4, 13});
  CHECK(b.storage_offset() == 12);
  CHECK_VALUES(values(b), {12, 16, 20});
  CHECK(shape(zeros({2, 3, 4}).diagonal(5)) == Shape{4, 0});
  CHECK(error_of([&] { c.diagonal(0, 0, 0); }) == "[diagonal] diagonal dimensions cannot be identical 0, 0");
  CHECK(error_of([] { scalar_tensor(1.0).diagonal(); }) ==
        "[diagonal] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- split, chunk, unbind ----

TEST_CASE("split cuts a dim into pieces of split_size, the last one shorter") {
  auto parts = range(10).view({5, 2}).split(2);
  REQUIRE(parts.size() == 3);
  CHECK(shape(parts[2]) == Shape{1, 2});
  CHECK(parts[1].storage_offset() == 4);
  CHECK_VALUES(values(parts[2]), {8, 9});
  Tensor base = range(10).view({2, 5});
  auto cols = split(base, 2, 1);
  REQUIRE(cols.size() == 3);
  CHECK(shape(cols[2]) == Shape{2, 1});
  CHECK(strides(cols[0]) == Shape{5, 1});
  CHECK_VALUES(values(cols[1]), {2, 3, 7, 8});
  CHECK(cols[1].is_alias_of(base));
  CHECK(shape(zeros({0, 2}).split(2)[0]) == Shape{0, 2});
  CHECK(zeros({0, 2}).split(0).size() == 1);
}

TEST_CASE("split rejects negative and zero split sizes and 0-d tensors") {
  Tensor x = zeros({2, 3});
  CHECK(error_of([&] { x.split(0, 1); }) ==
        "[split] split_size can only be 0 if dimension size is 0, but got dimension size of 3");
  CHECK(error_of([&] { x.split(-1, 1); }) == "[split] split expects split_size be non-negative, but got split_size=-1");
  CHECK(error_of([] { scalar_tensor(1.0).split(1); }) == "[split] split expects at least a 1-dimensional tensor");
}

TEST_CASE("split_with_sizes cuts pieces of the given sizes, which must sum to the dim") {
  Tensor base = range(10).view({2, 5});
  auto parts = base.split_with_sizes({1, 4}, -1);
  REQUIRE(parts.size() == 2);
  CHECK(shape(parts[0]) == Shape{2, 1});
  CHECK(parts[1].storage_offset() == 1);
  CHECK_VALUES(values(parts[1]), {1, 2, 3, 4, 6, 7, 8, 9});
  CHECK(base.split(IntArrayRef{2, 3}, 1).size() == 2);
  CHECK(error_of([&] { base.split_with_sizes({1, 1}, 1); }) ==
        "[split_with_sizes] split_with_sizes expects split_sizes to sum exactly to 5 (input tensor's size at "
        "dimension 1), but got split_sizes=[1, 1]");
  CHECK(error_of([&] { base.split_with_sizes({6, -1}, 1); }) ==
        "[split_with_sizes] split_with_sizes expects split_sizes have only non-negative entries, but got "
        "split_sizes=[6, -1]");
}

TEST_CASE("chunk splits into at most chunks pieces of ceil(size / chunks)") {
  auto a = zeros({5, 2}).chunk(3);
  REQUIRE(a.size() == 3);
  CHECK(shape(a[0]) == Shape{2, 2});
  CHECK(shape(a[2]) == Shape{1, 2});
  CHECK(zeros({6, 2}).chunk(4).size() == 3);
  auto empty = chunk(zeros({0, 3}), 3);
  REQUIRE(empty.size() == 3);
  CHECK(shape(empty[2]) == Shape{0, 3});
  auto cols = zeros({2, 5}).chunk(2, 1);
  REQUIRE(cols.size() == 2);
  CHECK(shape(cols[1]) == Shape{2, 2});
  CHECK(error_of([] { zeros({2}).chunk(0); }) == "[chunk] chunk expects `chunks` to be greater than 0, got: 0");
  CHECK(error_of([] { scalar_tensor(1.0).chunk(1); }) == "[chunk] chunk expects at least a 1-dimensional tensor");
}

TEST_CASE("unbind returns every slice along a dim as a view") {
  Tensor base = range(6).view({2, 3});
  auto cols = base.unbind(1);
  REQUIRE(cols.size() == 3);
  CHECK(cols[2].storage_offset() == 2);
  CHECK(strides(cols[2]) == Shape{3});
  CHECK_VALUES(values(cols[1]), {1, 4});
  auto rows = unbind(base);
  REQUIRE(rows.size() == 2);
  CHECK_VALUES(values(rows[1]), {3, 4, 5});
  rows[1].fill_(0);
  CHECK_VALUES(values(base), {0, 1, 2, 0, 0, 0});
  CHECK(zeros({3, 0}).unbind(1).empty());
  CHECK(error_of([] { scalar_tensor(1.0).unbind(); }) ==
        "[unbind] Dimension specified as 0 but tensor has no dimensions");
}

TEST_CASE("views with more elements than int64 counts are refused, not wrapped") {
  const int64_t huge = int64_t(1) << 62;
  CHECK(error_of([] { zeros({1, 3}).expand({huge, 3}); })
            .find("[expand] a tensor of sizes [4611686018427387904, 3] would have more than 2^63 elements") == 0);
  CHECK(error_of([] { range(6).as_strided({huge, 4}, {0, 0}); })
            .find("[as_strided] a tensor of shape [4611686018427387904, 4] has more bytes than a 64-bit size can count") == 0);
  CHECK(error_of([] { range(6).view({huge, 4}); }).find("[view] shape '[4611686018427387904, 4]' is invalid") == 0);
}

// ---- zero-size dims and the registry ----

TEST_CASE("views of tensors with zero-size dims keep PyTorch's strides") {
  CHECK(strides(zeros({0, 3}).t()) == Shape{1, 3});
  CHECK(strides(zeros({0, 3}).unsqueeze(0)) == Shape{0, 3, 1});
  CHECK(shape(zeros({2, 0}).narrow(1, 0, 0)) == Shape{2, 0});
  CHECK(shape(zeros({2, 0, 3}).permute({2, 1, 0})) == Shape{3, 0, 2});
}

TEST_CASE("every view op is a registered View op") {
  for (const char* name : {"view", "transpose.int", "permute", "squeeze", "squeeze.dim", "squeeze.dims", "unsqueeze",
                           "expand", "select.int", "slice.Tensor", "unfold", "as_strided", "diagonal", "split.Tensor",
                           "split_with_sizes", "unbind.int"}) {
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE_MESSAGE(op != nullptr, name);
    CHECK(op->kind == OpKind::View);
    CHECK(op->fusion == FusionClass::View);
    CHECK((op->cpu == nullptr));
  }
}
