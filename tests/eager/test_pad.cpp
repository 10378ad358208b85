// Specification of F.pad (constant, reflect, replicate, circular) and constant_pad_nd: values against
// PyTorch 1.13 (scripts/golden/conv.py), negative pads, dtypes, non-contiguous inputs and errors.
#include "helpers.h"

#include <limits>
#include <vector>

using namespace ember;
using ember::test::contains;
using ember::test::pattern;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {



Tensor range(int64_t n, IntArrayRef sizes) { return arange(n, kFloat).reshape(sizes); }

// pad constant: [1, 2, 4, 7] float32
const std::vector<double> kConstant = {
    1.5, -0.75, 1.0, 0.0, -1.0, 1.5, 1.5, 1.5, 0.75, -0.25, -1.25, 0.5, 1.5, 1.5, 1.5, -0.5, 1.25, 0.25, -0.75,
    1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.0, 0.0, -1.0, 0.75, 1.5, 1.5, 1.5, -0.25, -1.25, 0.5,
    -0.5, 1.5, 1.5, 1.5, 1.25, 0.25, -0.75, 1.0, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.5};
// pad constant crop: [1, 2, 2, 4] float32
const std::vector<double> kConstantCrop = {
    -0.25, -1.25, 0.5, 0.0, 1.25, 0.25, -0.75, 0.0, -1.25, 0.5, -0.5, 0.0, 0.25, -0.75, 1.0, 0.0};
// pad reflect 2d: [1, 2, 6, 7] float32
const std::vector<double> kReflect2d = {
    -1.25, -0.25, 0.75, -0.25, -1.25, 0.5, -1.25, 0.0, 1.0, -0.75, 1.0, 0.0, -1.0, 0.0, -1.25, -0.25, 0.75,
    -0.25, -1.25, 0.5, -1.25, 0.25, 1.25, -0.5, 1.25, 0.25, -0.75, 0.25, -1.25, -0.25, 0.75, -0.25, -1.25, 0.5,
    -1.25, 0.0, 1.0, -0.75, 1.0, 0.0, -1.0, 0.0, 0.5, -1.25, -0.25, -1.25, 0.5, -0.5, 0.5, -1.0, 0.0, 1.0, 0.0,
    -1.0, 0.75, -1.0, 0.5, -1.25, -0.25, -1.25, 0.5, -0.5, 0.5, -0.75, 0.25, 1.25, 0.25, -0.75, 1.0, -0.75,
    0.5, -1.25, -0.25, -1.25, 0.5, -0.5, 0.5, -1.0, 0.0, 1.0, 0.0, -1.0, 0.75, -1.0};
// pad replicate 2d: [1, 2, 6, 7] float32
const std::vector<double> kReplicate2d = {
    -0.75, -0.75, -0.75, 1.0, 0.0, -1.0, -1.0, -0.75, -0.75, -0.75, 1.0, 0.0, -1.0, -1.0, 0.75, 0.75, 0.75,
    -0.25, -1.25, 0.5, 0.5, -0.5, -0.5, -0.5, 1.25, 0.25, -0.75, -0.75, -0.5, -0.5, -0.5, 1.25, 0.25, -0.75,
    -0.75, -0.5, -0.5, -0.5, 1.25, 0.25, -0.75, -0.75, 1.0, 1.0, 1.0, 0.0, -1.0, 0.75, 0.75, 1.0, 1.0, 1.0,
    0.0, -1.0, 0.75, 0.75, -0.25, -0.25, -0.25, -1.25, 0.5, -0.5, -0.5, 1.25, 1.25, 1.25, 0.25, -0.75, 1.0,
    1.0, 1.25, 1.25, 1.25, 0.25, -0.75, 1.0, 1.0, 1.25, 1.25, 1.25, 0.25, -0.75, 1.0, 1.0};
// pad circular 2d: [1, 2, 6, 7] float32
const std::vector<double> kCircular2d = {
    0.25, -0.75, -0.5, 1.25, 0.25, -0.75, -0.5, 0.0, -1.0, -0.75, 1.0, 0.0, -1.0, -0.75, -1.25, 0.5, 0.75,
    -0.25, -1.25, 0.5, 0.75, 0.25, -0.75, -0.5, 1.25, 0.25, -0.75, -0.5, 0.0, -1.0, -0.75, 1.0, 0.0, -1.0,
    -0.75, -1.25, 0.5, 0.75, -0.25, -1.25, 0.5, 0.75, -0.75, 1.0, 1.25, 0.25, -0.75, 1.0, 1.25, -1.0, 0.75,
    1.0, 0.0, -1.0, 0.75, 1.0, 0.5, -0.5, -0.25, -1.25, 0.5, -0.5, -0.25, -0.75, 1.0, 1.25, 0.25, -0.75, 1.0,
    1.25, -1.0, 0.75, 1.0, 0.0, -1.0, 0.75, 1.0, 0.5, -0.5, -0.25, -1.25, 0.5, -0.5, -0.25};
// pad reflect 3d: [1, 3, 3, 5] float32
const std::vector<double> kReflect3d = {
    0.5, -1.25, 0.5, -0.5, 0.5, 0.75, -1.0, 0.75, -0.25, 0.75, 0.5, -1.25, 0.5, -0.5, 0.5, 0.0, 1.0, 0.0, -1.0,
    0.0, 0.25, 1.25, 0.25, -0.75, 0.25, 0.0, 1.0, 0.0, -1.0, 0.0, 0.5, -1.25, 0.5, -0.5, 0.5, 0.75, -1.0, 0.75,
    -0.25, 0.75, 0.5, -1.25, 0.5, -0.5, 0.5};
// pad replicate 3d: [1, 1, 4, 3, 4] float32
const std::vector<double> kReplicate3d = {
    -1.0, -1.0, 0.75, -0.25, -1.25, -1.25, 0.5, -0.5, -1.25, -1.25, 0.5, -0.5, -1.0, -1.0, 0.75, -0.25, -1.25,
    -1.25, 0.5, -0.5, -1.25, -1.25, 0.5, -0.5, 1.25, 1.25, 0.25, -0.75, 1.0, 1.0, 0.0, -1.0, 1.0, 1.0, 0.0,
    -1.0, 1.25, 1.25, 0.25, -0.75, 1.0, 1.0, 0.0, -1.0, 1.0, 1.0, 0.0, -1.0};

}  // namespace

TEST_CASE("constant padding lists (before, after) pairs from the last dim and fills with the value") {
  Tensor y = pad(pattern({1, 2, 3, 4}, 2), {1, 2, 0, 1}, "constant", 1.5);
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 4, 7});
  CHECK(values(y) == kConstant);
  CHECK(values(pad(ones({2}), {1, 1})) == std::vector<double>{0, 1, 1, 0});
  CHECK(values(constant_pad_nd(ones({2}), {0, 2}, 3)) == std::vector<double>{1, 1, 3, 3});
  CHECK(values(pad(ones({2, 2}), {})) == std::vector<double>{1, 1, 1, 1});
}

TEST_CASE("negative constant pads crop") {
  Tensor y = pad(pattern({1, 2, 3, 4}, 2), {-1, 1, -1, 0});
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 2, 4});
  CHECK(values(y) == kConstantCrop);
  CHECK(test::shape(pad(range(6, {1, 2, 3}), {-1, -2})) == std::vector<int64_t>{1, 2, 0});
  CHECK(test::shape(pad(range(6, {1, 2, 3}), {0, 0, -2, 0})) == std::vector<int64_t>{1, 0, 3});
}

TEST_CASE("an emptied dim is allowed when padding only crops, as in PyTorch") {
  CHECK(test::shape(pad(ones({1, 2, 3}), {-3, 0})) == std::vector<int64_t>{1, 2, 0});
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {-3, 0, 1, 0}); }),
                 "The input size 3, plus negative padding -3 and 0 resulted in a negative output size"));
  // Mode pads refuse an output only when every padded dim is empty (circular: when a size is negative).
  CHECK(test::shape(pad(ones({1, 2, 3}), {1, 1, -2, 0}, "replicate")) == std::vector<int64_t>{1, 0, 5});
  CHECK(test::shape(pad(ones({1, 2, 3}), {1, 1, -2, 0}, "reflect")) == std::vector<int64_t>{1, 0, 5});
  CHECK(test::shape(pad(ones({1, 1, 4}), {0, -4}, "circular")) == std::vector<int64_t>{1, 1, 0});
}

TEST_CASE("constant padding keeps the dtype and converts the value to it") {
  Tensor y = pad(arange(6, kLong).reshape({2, 3}), {1, 1}, "constant", 2.5);
  CHECK(y.dtype() == kLong);
  CHECK(values(y) == std::vector<double>{2, 0, 1, 2, 2, 2, 3, 4, 5, 2});
  Tensor b = pad(ones({2}, kBool), {1, 0}, "constant", 2);
  CHECK(b.dtype() == kBool);
  CHECK(values(b) == std::vector<double>{1, 1, 1});
}

TEST_CASE("reflect padding mirrors about the edge element, negative pads crop") {
  CHECK(values(pad(range(5, {1, 5}), {3, 4}, "reflect")) ==
        std::vector<double>{3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0});
  CHECK(values(pad(range(5, {1, 5}), {-2, 4}, "reflect")) == std::vector<double>{2, 3, 4, 3, 2, 1, 0});
  Tensor y = pad(pattern({1, 2, 3, 4}, 2), {2, 1, 1, 2}, "reflect");
  CHECK(test::shape(y) == std::vector<int64_t>{1, 2, 6, 7});
  CHECK(values(y) == kReflect2d);
  Tensor y3 = pad(pattern({1, 2, 2, 3}, 1), {1, 1, 1, 0, 0, 1}, "reflect");
  CHECK(test::shape(y3) == std::vector<int64_t>{1, 3, 3, 5});
  CHECK(values(y3) == kReflect3d);
}

TEST_CASE("replicate padding repeats the edge element") {
  Tensor y = pad(pattern({1, 2, 3, 4}, 2), {2, 1, 1, 2}, "replicate");
  CHECK(values(y) == kReplicate2d);
  CHECK(values(pad(range(5, {1, 5}), {-2, -1}, "replicate")) == std::vector<double>{2, 3});
  Tensor y3 = pad(pattern({1, 1, 2, 2, 3}, 1), {1, 0, 0, 1, 1, 1}, "replicate");
  CHECK(test::shape(y3) == std::vector<int64_t>{1, 1, 4, 3, 4});
  CHECK(values(y3) == kReplicate3d);
}

TEST_CASE("circular padding wraps around the input left after cropping") {
  Tensor y = pad(pattern({1, 2, 3, 4}, 2), {2, 1, 1, 2}, "circular");
  CHECK(values(y) == kCircular2d);
  CHECK(values(pad(range(5, {1, 1, 5}), {3, -1}, "circular")) == std::vector<double>{1, 2, 3, 0, 1, 2, 3});
  CHECK(values(pad(range(5, {1, 1, 5}), {-2, 3}, "circular")) == std::vector<double>{2, 3, 4, 2, 3, 4});
}

TEST_CASE("mode padding of unbatched, empty-batch, non-contiguous and integer inputs") {
  Tensor x = pattern({1, 2, 3, 4}, 2);
  CHECK(values(pad(x[0], {2, 1, 1, 2}, "reflect")) == kReflect2d);
  CHECK(test::shape(pad(zeros({0, 2, 3}), {1, 1}, "reflect")) == std::vector<int64_t>{0, 2, 5});
  Tensor transposed = x.transpose(2, 3).contiguous().transpose(2, 3);
  CHECK(values(pad(transposed, {2, 1, 1, 2}, "replicate")) == kReplicate2d);
  CHECK(values(pad(transposed, {1, 2, 0, 1}, "constant", 1.5)) == kConstant);
  // The mode pads are pure copies, so every dtype works (PyTorch 1.13 refuses integers).
  Tensor y = pad(arange(5, kLong).reshape({1, 5}), {3, 4}, "reflect");
  CHECK(y.dtype() == kLong);
  CHECK(values(y) == std::vector<double>{3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0});
}

TEST_CASE("padding errors") {
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {1}); }), "Padding length must be divisible by 2"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {1, 1, 1, 1, 1, 1, 1, 1}); }), "Padding length too large"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {-2, -2}); }),
                 "The input size 3, plus negative padding -2 and -2 resulted in a negative output size, which is "
                 "invalid. Check dimension 2 of your input."));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {3, 3}, "reflect"); }),
                 "Padding size should be less than the corresponding input dimension, but got: padding (3, 3) at "
                 "dimension 2 of input [1, 2, 3]"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {2, 2}, "reflect", 1.0); }),
                 "Padding mode \"reflect\" doesn't take in value argument"));
  CHECK(contains(error_of([] { pad(ones({3}), {1, 1}, "replicate"); }),
                 "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {1, 1, 1, 1, 1, 1}, "replicate"); }),
                 "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {1, 1}, "foo"); }), "Unrecognised padding mode foo"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {4, 1}, "circular"); }),
                 "Padding value causes wrapping around more than once"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {-3, 0}, "replicate"); }),
                 "input (W: 3) is too small. Calculated output W: 0"));
  CHECK(contains(error_of([] { pad(ones({1, 2, 3}), {-3, 0, -2, 0}, "replicate"); }),
                 "input (H: 2, W: 3) is too small. Calculated output H: 0 W: 0"));
  CHECK(contains(error_of([] { pad(ones({2, 0, 3}), {1, 1}, "replicate"); }),
                 "Expected 2D or 3D (batch mode) tensor with possibly 0 batch size and other non-zero dimensions for "
                 "input, but got: [2, 0, 3]"));
}

TEST_CASE("padding ops are registered") {
  test::check_registered({"constant_pad_nd", "reflection_pad1d", "reflection_pad2d", "reflection_pad3d",
                           "replication_pad1d", "replication_pad2d", "replication_pad3d", "_pad_circular"}, FusionClass::Extern);
}

TEST_CASE("pads that would overflow int64 fail cleanly") {
  const int64_t lowest = std::numeric_limits<int64_t>::min(), highest = std::numeric_limits<int64_t>::max();
  CHECK(contains(error_of([&] { pad(ones({1, 2, 3}), {lowest, 0}); }), "out of range"));
  CHECK(contains(error_of([&] { pad(ones({1, 2, 3}), {lowest, 0}, "circular"); }), "out of range"));
  CHECK(contains(error_of([&] { pad(ones({1, 2, 3}), {highest, 1}); }), "overflows int64"));
  CHECK(contains(error_of([&] { pad(ones({1, 2, 3}), {highest, 1}, "replicate"); }), "overflows int64"));
}
