// Joins and reordering copies: cat/concat, stack, flip, roll and repeat, with values and messages as in PyTorch 1.13.
#include <cmath>

#include "eager/meta.h"
#include "helpers.h"

using namespace ember;
using test::error_of;
using test::make;
using test::shape;
using test::values;

namespace {

// A contiguous tensor seen with new sizes (the view ops are not used here on purpose).
Tensor shaped(const Tensor& t, IntArrayRef sizes) {
  return detail::make_view(t, sizes, detail::contiguous_strides(sizes), t.storage_offset());
}

// [[0, 1, 2], [3, 4, 5]] transposed: shape [3, 2], strides [1, 3].
Tensor transposed_2x3(ScalarType dtype = kFloat) {
  return detail::make_view(arange(6, dtype), {3, 2}, {1, 3}, 0);
}

}  // namespace

// ---- cat ----

TEST_CASE("cat: joins along the given dim, negative dims counting from the end") {
  const Tensor a = make({1, 2, 3, 4}, {2, 2});
  const Tensor b = make({5, 6, 7, 8, 9, 10}, {2, 3});
  const Tensor along_1 = cat({a, b}, 1);
  CHECK(shape(along_1) == std::vector<int64_t>{2, 5});
  CHECK_VALUES(values(along_1), {1, 2, 5, 6, 7, 3, 4, 8, 9, 10});
  CHECK(cat({a, b}, -1).equal(along_1));
  const Tensor along_0 = cat({a, a, a});
  CHECK(shape(along_0) == std::vector<int64_t>{6, 2});
  CHECK_VALUES(values(along_0), {1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4});
  CHECK(along_0.dtype() == kFloat);
}

TEST_CASE("cat: a single input gives a fresh copy") {
  const Tensor a = make({1, 2, 3}, {3});
  const Tensor c = cat({a});
  CHECK_FALSE(c.is_alias_of(a));
  CHECK_VALUES(values(c), {1, 2, 3});
}

TEST_CASE("cat: promotes the inputs' dtypes like PyTorch") {
  const Tensor mixed = cat({make<int64_t>({1, 2}, {2}, kLong), make({1.5}, {1}), make<bool>({true}, {1}, kBool)});
  CHECK(mixed.dtype() == kFloat);
  CHECK_VALUES(values(mixed), {1, 2, 1.5, 1});
  const Tensor small = cat({make<int64_t>({1, 2}, {2}, kByte), make<int64_t>({-1}, {1}, kChar)});
  CHECK(small.dtype() == kShort);
  CHECK_VALUES(values(small), {1, 2, -1});
  CHECK(cat({make<int64_t>({1, 2}, {2}, kInt), make({3.5}, {1}, kHalf)}).dtype() == kHalf);
  CHECK(cat({make({1, 2}, {2}, kBFloat16), make({3.5}, {1}, kHalf)}).dtype() == kFloat);
  CHECK(cat({make<bool>({true}, {1}, kBool), make<bool>({false}, {1}, kBool)}).dtype() == kBool);
}

TEST_CASE("cat: skips 1-d tensors of shape [0], which still take part in promotion") {
  const Tensor row = make<int64_t>({1, 2}, {1, 2}, kLong);
  const Tensor joined = cat({empty({0}, kDouble), row});
  CHECK(shape(joined) == std::vector<int64_t>{1, 2});
  CHECK(joined.dtype() == kDouble);
  CHECK_VALUES(values(joined), {1, 2});
  CHECK(shape(cat({row, empty({0}), row}, 1)) == std::vector<int64_t>{1, 4});
  // The dim is checked against the first tensor that is not skipped.
  CHECK(error_of([&] { cat({empty({0}), empty({2, 3})}, 5); }) ==
        "[cat] Dimension out of range (expected to be in range of [-2, 1], but got 5)");
}

TEST_CASE("cat: inputs that are all skipped give an empty 1-d result without checking dim") {
  const Tensor c = cat({empty({0}), empty({0}, kInt)}, 5);
  CHECK(shape(c) == std::vector<int64_t>{0});
  CHECK(c.dtype() == kFloat);
  CHECK(cat({empty({0}, kInt), empty({0}, kByte)}).dtype() == kInt);
}

TEST_CASE("cat: zero-size inputs of the right rank join like any other") {
  const Tensor a = make({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor wider = cat({a, empty({2, 0})}, 1);
  CHECK(shape(wider) == std::vector<int64_t>{2, 3});
  CHECK_VALUES(values(wider), {1, 2, 3, 4, 5, 6});
  CHECK(shape(cat({empty({0, 3}), empty({0, 3})})) == std::vector<int64_t>{0, 3});
  CHECK(shape(cat({a, empty({0, 3})})) == std::vector<int64_t>{2, 3});
}

TEST_CASE("cat: reads non-contiguous inputs in logical order") {
  const Tensor c = cat({transposed_2x3(), make({9, 9, 9}, {3, 1})}, 1);
  CHECK(shape(c) == std::vector<int64_t>{3, 3});
  CHECK_VALUES(values(c), {0, 3, 9, 1, 4, 9, 2, 5, 9});
  const Tensor reversed = detail::make_view(arange(4.), {4}, {-1}, 3);
  CHECK_VALUES(values(cat({reversed, reversed})), {3, 2, 1, 0, 3, 2, 1, 0});
}

TEST_CASE("cat: concat is another name for cat") {
  const Tensor a = make({1, 2}, {1, 2});
  CHECK(concat({a, a}, 0).equal(cat({a, a}, 0)));
  CHECK(shape(concat({a, a}, 1)) == std::vector<int64_t>{1, 4});
}

TEST_CASE("cat: errors name the problem and the tensor") {
  CHECK(error_of([] { cat(std::vector<Tensor>{}); }) == "[cat] expected a non-empty list of Tensors");
  CHECK(error_of([] { cat({make({1}, {1}), scalar_tensor(2.)}); }) ==
        "[cat] zero-dimensional tensor (at position 1) cannot be concatenated. Use stack to join 0-d tensors, or "
        "unsqueeze them to 1-d first.");
  CHECK(error_of([] { cat({empty({2, 3}), empty({2, 4})}); }) ==
        "[cat] Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 1 "
        "in the list.");
  // Skipped tensors keep their place in the count.
  CHECK(error_of([] { cat({empty({0}), empty({2, 3}), empty({2, 4})}); }) ==
        "[cat] Sizes of tensors must match except in dimension 0. Expected size 3 but got size 4 for tensor number 2 "
        "in the list.");
  CHECK(error_of([] { cat({empty({2, 3}), empty({3})}, 1); }) ==
        "[cat] Tensors must have same number of dimensions: got 2 and 1. Reshape tensor number 1 (of shape [3]) to 2 "
        "dims.");
  CHECK(error_of([] { cat({empty({2, 3})}, -3); }) ==
        "[cat] Dimension out of range (expected to be in range of [-2, 1], but got -3)");
}

// ---- stack ----

TEST_CASE("stack: inserts a new dim at the given position") {
  const Tensor a = make<int64_t>({1, 2}, {2}, kLong);
  const Tensor b = make<int64_t>({3, 4}, {2}, kLong);
  const Tensor rows = stack({a, b});
  CHECK(shape(rows) == std::vector<int64_t>{2, 2});
  CHECK_VALUES(values(rows), {1, 2, 3, 4});
  const Tensor columns = stack({a, b}, 1);
  CHECK_VALUES(values(columns), {1, 3, 2, 4});
  CHECK(stack({a, b}, -1).equal(columns));
  CHECK(columns.dtype() == kLong);
}

TEST_CASE("stack: 0-d tensors stack into a vector") {
  const Tensor v = stack({scalar_tensor(1, kLong), scalar_tensor(2.5)});
  CHECK(shape(v) == std::vector<int64_t>{2});
  CHECK(v.dtype() == kFloat);
  CHECK_VALUES(values(v), {1, 2.5});
}

TEST_CASE("stack: promotes the inputs' dtypes") {
  const Tensor s = stack({make<int64_t>({1, 2}, {2}, kLong), make<bool>({true, false}, {2}, kBool),
                          make({1.5, 2}, {2}, kDouble)},
                         1);
  CHECK(s.dtype() == kDouble);
  CHECK(shape(s) == std::vector<int64_t>{2, 3});
  CHECK_VALUES(values(s), {1, 1, 1.5, 2, 0, 2});
  CHECK(stack({make<bool>({true}, {1}, kBool), make<int64_t>({2}, {1}, kByte)}).dtype() == kByte);
}

TEST_CASE("stack: zero-size inputs give a zero-size result") {
  CHECK(shape(stack({empty({0}), empty({0})}, 1)) == std::vector<int64_t>{0, 2});
}

TEST_CASE("stack: reads non-contiguous inputs in logical order") {
  const Tensor s = stack({transposed_2x3(), ones({3, 2}, kFloat)}, 1);
  CHECK(shape(s) == std::vector<int64_t>{3, 2, 2});
  CHECK_VALUES(values(s), {0, 3, 1, 1, 1, 4, 1, 1, 2, 5, 1, 1});
}

TEST_CASE("stack: errors name the mismatching entries") {
  CHECK(error_of([] { stack(std::vector<Tensor>{}); }) == "[stack] expects a non-empty TensorList");
  CHECK(error_of([] { stack({empty({2, 3}), empty({2, 3}), empty({2, 4})}); }) ==
        "[stack] expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 2");
  CHECK(error_of([] { stack({scalar_tensor(1.), empty({1})}); }) ==
        "[stack] expects each tensor to be equal size, but got [] at entry 0 and [1] at entry 1");
  CHECK(error_of([] { stack({empty({2}), empty({2})}, 2); }) ==
        "[stack] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of([] { stack({scalar_tensor(1.), scalar_tensor(2.)}, 1); }) ==
        "[stack] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- flip ----

TEST_CASE("flip: reverses the listed dims") {
  const Tensor m = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, kLong);
  CHECK_VALUES(values(flip(m, {0})), {4, 5, 6, 1, 2, 3});
  CHECK_VALUES(values(m.flip({-1})), {3, 2, 1, 6, 5, 4});
  CHECK_VALUES(values(m.flip({0, 1})), {6, 5, 4, 3, 2, 1});
  CHECK(m.flip({0}).dtype() == kLong);
  const Tensor cube = shaped(arange(24), {2, 3, 4});
  CHECK_VALUES(values(cube.flip({0, 2})), {15, 14, 13, 12, 19, 18, 17, 16, 23, 22, 21, 20,
                                           3,  2,  1,  0,  7,  6,  5,  4,  11, 10, 9,  8});
}

TEST_CASE("flip: no dims, 0-d and zero-size tensors give a copy") {
  const Tensor m = make({1, 2, 3, 4}, {2, 2});
  const Tensor same = m.flip({});
  CHECK_FALSE(same.is_alias_of(m));
  CHECK_VALUES(values(same), {1, 2, 3, 4});
  CHECK(scalar_tensor(5, kLong).flip({0}).item<int64_t>() == 5);
  CHECK(scalar_tensor(5, kLong).flip({-1}).item<int64_t>() == 5);
  CHECK(shape(empty({0, 3}).flip({0, 1})) == std::vector<int64_t>{0, 3});
}

TEST_CASE("flip: reads non-contiguous inputs in logical order") {
  CHECK_VALUES(values(transposed_2x3().flip({0})), {2, 5, 1, 4, 0, 3});
  CHECK_VALUES(values(transposed_2x3().flip({0, 1})), {5, 2, 4, 1, 3, 0});
  const Tensor every_other = detail::make_view(arange(6), {3}, {2}, 0);
  CHECK_VALUES(values(every_other.flip({0})), {4, 2, 0});
  const Tensor bools = make<bool>({true, false, false}, {3}, kBool);
  CHECK_VALUES(values(bools.flip({0})), {0, 0, 1});
}

TEST_CASE("flip: a repeated or out-of-range dim raises") {
  const Tensor m = empty({2, 2});
  CHECK(error_of([&] { m.flip({0, 0}); }) == "[flip] dim 0 appears multiple times in the list of dims");
  CHECK(error_of([&] { m.flip({0, -2}); }) == "[flip] dim 0 appears multiple times in the list of dims");
  CHECK(error_of([&] { m.flip({2}); }) ==
        "[flip] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of([] { scalar_tensor(1.).flip({1}); }) ==
        "[flip] Dimension out of range (expected to be in range of [-1, 0], but got 1)");
}

// ---- roll ----

TEST_CASE("roll: without dims rolls the flattened tensor and keeps the shape") {
  const Tensor m = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, kLong);
  const Tensor r = roll(m, {1});
  CHECK(shape(r) == std::vector<int64_t>{2, 3});
  CHECK_VALUES(values(r), {6, 1, 2, 3, 4, 5});
  CHECK_VALUES(values(m.roll({-1})), {2, 3, 4, 5, 6, 1});
  CHECK(scalar_tensor(3, kLong).roll({1}).item<int64_t>() == 3);
}

TEST_CASE("roll: along dims, with shifts taken modulo the size") {
  const Tensor m = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, kLong);
  CHECK_VALUES(values(m.roll({7}, {1})), {3, 1, 2, 6, 4, 5});
  CHECK_VALUES(values(m.roll({-4}, {0})), {1, 2, 3, 4, 5, 6});
  CHECK_VALUES(values(m.roll({1}, {-1})), {3, 1, 2, 6, 4, 5});
  CHECK_VALUES(values(m.roll({1, 1}, {0, 1})), {6, 4, 5, 3, 1, 2});
  CHECK_VALUES(values(m.roll({INT64_MAX}, {1})), {3, 1, 2, 6, 4, 5});
  // -2^63 is 1 modulo 3 (PyTorch overflows computing size - shift here and rolls by 2).
  CHECK_VALUES(values(m.roll({INT64_MIN}, {1})), {3, 1, 2, 6, 4, 5});
  const Tensor cube = shaped(arange(24), {2, 3, 4});
  CHECK_VALUES(values(cube.roll({1, 2, -1}, {0, 1, 2})), {17, 18, 19, 16, 21, 22, 23, 20, 13, 14, 15, 12,
                                                          5,  6,  7,  4,  9,  10, 11, 8,  1,  2,  3,  0});
}

TEST_CASE("roll: shifts along a repeated dim add up") {
  const Tensor m = make<int64_t>({1, 2, 3, 4, 5, 6}, {2, 3}, kLong);
  CHECK_VALUES(values(m.roll({1, 1}, {1, 1})), {2, 3, 1, 5, 6, 4});
  CHECK_VALUES(values(m.roll({1, 2, 3}, {0, 1, 0})), {2, 3, 1, 5, 6, 4});
}

TEST_CASE("roll: reads non-contiguous inputs in logical order") {
  CHECK_VALUES(values(transposed_2x3().roll({1})), {5, 0, 3, 1, 4, 2});
  CHECK_VALUES(values(transposed_2x3().roll({1, -1}, {0, 1})), {5, 2, 3, 0, 4, 1});
  const Tensor t43 = detail::make_view(arange(12), {4, 3}, {1, 4}, 0);
  CHECK_VALUES(values(t43.roll({1})), {11, 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7});
  CHECK_VALUES(values(t43.roll({1}, {0})), {3, 7, 11, 0, 4, 8, 1, 5, 9, 2, 6, 10});
}

TEST_CASE("roll: an empty tensor rolls to an empty copy without checking dims") {
  CHECK(shape(empty({0, 3}).roll({1}, {0})) == std::vector<int64_t>{0, 3});
  CHECK(shape(empty({0, 3}).roll({1})) == std::vector<int64_t>{0, 3});
  CHECK(shape(empty({2, 0}).roll({1}, {5})) == std::vector<int64_t>{2, 0});
}

TEST_CASE("roll: errors for missing shifts, unaligned dims and bad dims") {
  const Tensor m = empty({2, 3});
  CHECK(error_of([&] { m.roll({}, {}); }) == "[roll] `shifts` required");
  CHECK(error_of([&] { m.roll({}, {0}); }) == "[roll] `shifts` required");
  CHECK(error_of([&] { m.roll({1, 1}); }) ==
        "[roll] shifts and dimensions must align. shifts: 2, dims:0. Give one shift per dim, or a single shift and no "
        "dims to roll the flattened tensor.");
  CHECK(error_of([&] { m.roll({1}, {0, 0}); }) ==
        "[roll] shifts and dimensions must align. shifts: 1, dims:2. Give one shift per dim, or a single shift and no "
        "dims to roll the flattened tensor.");
  CHECK(error_of([&] { m.roll({1}, {2}); }) ==
        "[roll] Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK(error_of([] { scalar_tensor(3.).roll({1}, {0}); }) ==
        "[roll] Dimension specified as 0 but tensor has no dimensions");
  CHECK(error_of([] { scalar_tensor(3.).roll({1}, {-1}); }) ==
        "[roll] Dimension specified as -1 but tensor has no dimensions");
}

// ---- repeat ----

TEST_CASE("repeat: tiles each dim, adding leading dims for extra repeats") {
  const Tensor v = make<int64_t>({1, 2}, {2}, kLong);
  const Tensor tiled = v.repeat({2, 2});
  CHECK(shape(tiled) == std::vector<int64_t>{2, 4});
  CHECK_VALUES(values(tiled), {1, 2, 1, 2, 1, 2, 1, 2});
  CHECK_VALUES(values(repeat(v, {2})), {1, 2, 1, 2});
  const Tensor m = make<int64_t>({1, 2, 3, 4}, {2, 2}, kLong);
  const Tensor three_d = m.repeat({1, 2, 3});
  CHECK(shape(three_d) == std::vector<int64_t>{1, 4, 6});
  CHECK_VALUES(values(three_d), {1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4, 1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4});
  CHECK(three_d.dtype() == kLong);
}

TEST_CASE("repeat: 0-d tensors and zero repeats") {
  const Tensor s = scalar_tensor(1.5);
  CHECK(shape(s.repeat({})) == std::vector<int64_t>{});
  CHECK(s.repeat({}).item<double>() == 1.5);
  CHECK_VALUES(values(s.repeat({3})), {1.5, 1.5, 1.5});
  CHECK(shape(scalar_tensor(3, kLong).repeat({2, 1})) == std::vector<int64_t>{2, 1});
  CHECK(shape(make({1, 2}, {2}).repeat({0, 2})) == std::vector<int64_t>{0, 4});
  CHECK(shape(empty({0, 2}).repeat({2, 2})) == std::vector<int64_t>{0, 4});
  CHECK(shape(empty({0}).repeat({-1})) == std::vector<int64_t>{0});
}

TEST_CASE("repeat: reads non-contiguous inputs in logical order") {
  CHECK_VALUES(values(transposed_2x3().repeat({1, 2})), {0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5});
  const Tensor r = transposed_2x3().repeat({2, 1, 1});
  CHECK(shape(r) == std::vector<int64_t>{2, 3, 2});
  CHECK_VALUES(values(r), {0, 3, 1, 4, 2, 5, 0, 3, 1, 4, 2, 5});
  const Tensor expanded = detail::make_view(make({7, 8}, {2}), {2, 2}, {0, 1}, 0);
  CHECK_VALUES(values(expanded.repeat({1, 2})), {7, 8, 7, 8, 7, 8, 7, 8});
}

TEST_CASE("repeat: fewer repeats than dims, negative or overflowing sizes raise") {
  const Tensor m = make({1, 2}, {1, 2});
  CHECK(error_of([&] { m.repeat({2}); }) ==
        "[repeat] Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor: got 1 "
        "repeats for a tensor of shape [1, 2]. Give one repeat count per dim (1 keeps a dim as it is).");
  CHECK(error_of([] { make({1, 2}, {2}).repeat({-1, 2}); }) ==
        "[repeat] Trying to create tensor with negative dimension -1: [-1, 4]");
  CHECK(error_of([] { make({1, 2}, {2}).repeat({2, -1}); }) ==
        "[repeat] Trying to create tensor with negative dimension -2: [2, -2]");
  CHECK(error_of([] { make({1, 2}, {2}).repeat({1, int64_t(1) << 62}); }) ==
        "[repeat] repeating dim 1 of size 2 4611686018427387904 times overflows int64; use smaller repeats.");
  CHECK(error_of([] { make({1, 2}, {2}).repeat({int64_t(1) << 62, 2}); }) ==
        "[repeat] a tensor of shape [4611686018427387904, 4] has more bytes than a 64-bit size can count; use "
        "smaller sizes.");
}
