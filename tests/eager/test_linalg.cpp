// Specification of matrix products: mm, bmm, mv, dot, add* forms, matmul's rules, outer, tensordot and einsum.
// Expected values from PyTorch 1.13.
#include "helpers.h"

#include <cmath>

using namespace ember;
using ember::test::contains;
using ember::test::error_of;
using ember::test::make;
using ember::test::values;

namespace {
Tensor range(int64_t n, IntArrayRef sizes, ScalarType dtype = kFloat) { return arange(n, dtype).reshape(sizes); }
}  // namespace

TEST_CASE("mm multiplies matrices of every numeric dtype") {
  CHECK(values(mm(range(6, {2, 3}), range(6, {3, 2}))) == std::vector<double>{10, 13, 28, 40});
  for (ScalarType dt : {kDouble, kHalf, kBFloat16, kInt, kLong, kByte, kShort}) {
    CAPTURE(dt);
    Tensor c = mm(make<int64_t>({1, 2, 3, 4}, {2, 2}, dt), make<int64_t>({5, 6, 7, 8}, {2, 2}, dt));
    CHECK(c.dtype() == dt);
    CHECK(values(c) == std::vector<double>{19, 22, 43, 50});
  }
}

TEST_CASE("mm reads transposed and strided operands without changing results") {
  Tensor a = range(6, {3, 2}).t();  // [2, 3], column-major
  Tensor b = range(6, {2, 3}).t();  // [3, 2]
  CHECK(values(mm(a, b)) == values(mm(a.contiguous(), b.contiguous())));
  Tensor every_other = range(12, {3, 4}).index({indexing::Slice(), indexing::Slice(0, indexing::None, 2)});  // [3, 2]
  CHECK(values(mm(range(6, {2, 3}), every_other)) == values(mm(range(6, {2, 3}), every_other.contiguous())));
  Tensor out_t = mm(range(4, {2, 2}), range(4, {2, 2}));
  CHECK(values(out_t) == std::vector<double>{2, 3, 6, 11});
}

TEST_CASE("mm errors name the shapes and dtypes") {
  CHECK(contains(error_of([] { mm(ones({2, 3}), ones({4, 5})); }), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"));
  CHECK(contains(error_of([] { mm(ones({3}), ones({3, 5})); }), "self must be a matrix"));
  CHECK(contains(error_of([] { mm(ones({2, 3}), ones({3, 2}, kDouble)); }), "expected scalar type Float but found Double"));
  CHECK(contains(error_of([] { mm(ones({2, 3}, kInt), ones({3, 2})); }), "expected scalar type Int but found Float"));
  CHECK(contains(error_of([] { mm(ones({2, 2}, kBool), ones({2, 2}, kBool)); }), "not implemented for 'Bool'"));
}

TEST_CASE("mm with empty inner or outer dims") {
  CHECK(values(mm(ones({2, 0}), ones({0, 3}))) == std::vector<double>(6, 0.0));
  CHECK(test::shape(mm(ones({0, 2}), ones({2, 3}))) == std::vector<int64_t>{0, 3});
}

TEST_CASE("bmm multiplies batches and checks batch sizes") {
  Tensor c = bmm(ones({2, 2, 3}), ones({2, 3, 4}));
  CHECK(test::shape(c) == std::vector<int64_t>{2, 2, 4});
  CHECK(values(c) == std::vector<double>(16, 3.0));
  CHECK(contains(error_of([] { bmm(ones({2, 2, 3}), ones({3, 3, 5})); }),
                 "Expected size for first two dimensions of batch2 tensor to be: [2, 3] but got: [3, 3]."));
  CHECK(contains(error_of([] { bmm(ones({2, 3}), ones({2, 3, 5})); }), "batch1 must be a 3D tensor"));
}

TEST_CASE("mv and dot") {
  CHECK(values(mv(range(6, {2, 3}), arange(3, kFloat))) == std::vector<double>{5, 14});
  Tensor d = dot(arange(3), arange(3));
  CHECK(d.dim() == 0);
  CHECK(d.dtype() == kLong);
  CHECK(d.item<int64_t>() == 5);
  CHECK(contains(error_of([] { mv(ones({2, 3}), ones({4})); }), "size mismatch, got 2, 2x3,4"));
  CHECK(contains(error_of([] { dot(ones({3}), ones({4})); }),
                 "inconsistent tensor size, expected tensor [3] and src [4] to have the same number of elements, but got 3 and 4 elements respectively"));
  CHECK(contains(error_of([] { dot(ones({3, 1}), ones({3})); }), "1D tensors expected, but got 2D and 1D tensors"));
  CHECK(contains(error_of([] { dot(ones({3}), ones({3}, kDouble)); }), "expected both vectors to have same dtype, but found Float and Double"));
}

TEST_CASE("addmm, addmv and baddbmm scale and add, and beta == 0 ignores NaN in the input") {
  CHECK(values(addmm(ones({2}), ones({2, 0}), ones({0, 2}), 2, 3)) == std::vector<double>{2, 2, 2, 2});
  CHECK(values(addmm(ones({2, 2}), ones({2, 3}), ones({3, 2}), 0.5, 2)) == std::vector<double>(4, 6.5));
  CHECK(values(baddbmm(ones({2, 2, 2}), ones({2, 2, 3}), ones({2, 3, 2}), 0.5, 2)) == std::vector<double>(8, 6.5));
  CHECK(values(addmv(ones({2}), ones({2, 3}), ones({3}), 2, 0.5)) == std::vector<double>{3.5, 3.5});
  Tensor nan = full({2, 2}, NAN);
  CHECK(values(addmm(nan, ones({2, 1}), ones({1, 2}), 0, 1)) == std::vector<double>(4, 1.0));
  CHECK(contains(error_of([] { addmm(ones({3}), ones({2, 3}), ones({3, 4})); }),
                 "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"));
}

TEST_CASE("matmul follows PyTorch's rules for 1-D, 2-D and batched operands") {
  CHECK(values(matmul(range(6, {2, 3}), arange(3, kFloat))) == std::vector<double>{5, 14});
  CHECK(matmul(arange(3, kFloat), arange(3, kFloat)).dim() == 0);
  Tensor vm = matmul(arange(2, kFloat), range(6, {2, 3}));
  CHECK(test::shape(vm) == std::vector<int64_t>{3});
  CHECK(values(vm) == std::vector<double>{3, 4, 5});
  Tensor folded = matmul(range(24, {2, 3, 4}), range(20, {4, 5}));
  CHECK(test::shape(folded) == std::vector<int64_t>{2, 3, 5});
  CHECK(folded.sum().item<float>() == 13860.0f);
  Tensor vb = matmul(arange(4, kFloat), range(24, {2, 4, 3}));
  CHECK(test::shape(vb) == std::vector<int64_t>{2, 3});
  CHECK(values(vb) == std::vector<double>{42, 48, 54, 114, 120, 126});
  Tensor bc = matmul(ones({2, 1, 2, 3}), ones({4, 3, 5}));
  CHECK(test::shape(bc) == std::vector<int64_t>{2, 4, 2, 5});
  CHECK(values(bc.sum()) == std::vector<double>{240});
  CHECK(contains(error_of([] { matmul(ones({}), ones({3})); }), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"));
  CHECK(contains(error_of([] { matmul(ones({2, 3}), ones({4, 5})); }), "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"));
  CHECK(contains(error_of([] { matmul(ones({2, 2, 3}), ones({3, 3, 5})); }),
                 "The size of tensor a (2) must match the size of tensor b (3) at non-singleton dimension 0"));
}

TEST_CASE("outer of an int and a float vector promotes") {
  Tensor o = outer(arange(3), arange(2, kFloat));
  CHECK(o.dtype() == kFloat);
  CHECK(values(o) == std::vector<double>{0, 0, 0, 1, 0, 2});
}

TEST_CASE("tensordot contracts dim lists or the last/first n dims") {
  Tensor t = tensordot(range(24, {2, 3, 4}), range(12, {4, 3}), {1, 2}, {1, 0});
  CHECK(values(t) == std::vector<double>{440, 1232});
  CHECK(values(tensordot(range(6, {2, 3}), range(6, {3, 2}), 1)) == std::vector<double>{10, 13, 28, 40});
  CHECK(contains(error_of([] { tensordot(ones({2, 3}), ones({4, 2}), {1}, {0}); }), "contracted dimensions need to match"));
}

TEST_CASE("einsum: products, diagonals, traces, ellipsis and implicit output") {
  CHECK(values(einsum("ij,jk->ik", {range(6, {2, 3}), range(6, {3, 2})})) == std::vector<double>{10, 13, 28, 40});
  CHECK(values(einsum("ii->i", {range(9, {3, 3})})) == std::vector<double>{0, 4, 8});
  CHECK(einsum("ii", {range(9, {3, 3})}).item<float>() == 12.0f);
  CHECK(test::shape(einsum("...ij->...ji", {range(6, {1, 2, 3})})) == std::vector<int64_t>{1, 3, 2});
  CHECK(test::shape(einsum("bij,bjk->bik", {ones({2, 2, 3}), ones({2, 3, 4})})) == std::vector<int64_t>{2, 2, 4});
  CHECK(values(einsum("ij->", {range(6, {2, 3})})) == std::vector<double>{15});
  CHECK(values(einsum("i,j->ij", {arange(2, kFloat), arange(3, kFloat)})) == std::vector<double>{0, 0, 0, 0, 1, 2});
  // Implicit output: labels seen once, in alphabetical order ("ji" gives the transpose).
  CHECK(values(einsum("ji", {range(6, {2, 3})})) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(values(einsum("ij,ij->i", {range(6, {2, 3}), range(6, {2, 3})})) == std::vector<double>{5, 50});
}

TEST_CASE("einsum errors explain the equation problem") {
  CHECK(contains(error_of([] { einsum("ij,jk->ik", {ones({2, 3}), ones({4, 2})}); }),
                 "subscript j has size 4 for operand 1 which does not broadcast with previously seen size 3"));
  CHECK(contains(error_of([] { einsum("ij->k", {ones({2, 3})}); }), "output subscript k does not appear in the equation for any input operand"));
  CHECK(contains(error_of([] { einsum("ij", {ones({2, 3, 4})}); }),
                 "the number of subscripts in the equation (2) does not match the number of dimensions (3) for operand 0 and no ellipsis was given"));
  CHECK(contains(error_of([] { einsum("ij,jk", {ones({2, 3})}); }), "2 terms and 1 operands"));
}
