// Factories and tensor literals: PyTorch 1.13's shapes, dtypes and values, and their errors.
#include <cmath>

#include "eager/tensor_data.h"
#include "helpers.h"

using namespace ember;
using ember::test::check_exact;
using ember::test::pick;

namespace {


bool contains(const std::string& message, const std::string& part) { return message.find(part) != std::string::npos; }

// Restores the default dtype when a test changes it.
struct DefaultDtypeGuard {
  ScalarType saved = get_default_dtype();
  ~DefaultDtypeGuard() { set_default_dtype(saved); }
};

}  // namespace

// ---- empty / zeros / ones / full ----

TEST_CASE("zeros, ones and empty default to float32 with the given shape") {
  const Tensor z = zeros({2, 3});
  CHECK(z.dtype() == kFloat);
  CHECK(test::shape(z) == std::vector<int64_t>{2, 3});
  check_exact(z, {0, 0, 0, 0, 0, 0});
  check_exact(ones({2}, kInt), {1, 1});
  CHECK(ones({2}, kInt).dtype() == kInt);
  CHECK(empty({0, 4}).numel() == 0);
  CHECK(empty({}).dim() == 0);
}

TEST_CASE("full infers its dtype from the fill value") {
  CHECK(full({2}, 3).dtype() == kLong);
  CHECK(full({2}, 3.5).dtype() == kFloat);
  CHECK(full({2}, true).dtype() == kBool);
  check_exact(full({2}, 3.5), {3.5, 3.5});
  check_exact(full({3}, 7, kDouble), {7, 7, 7});
  // Like torch.full, a nonzero fill makes a bool tensor true.
  check_exact(full({2}, 0.5, kBool), {1, 1});
}

TEST_CASE("full rejects values the dtype cannot hold") {
  CHECK(contains(test::error_of([] { full({1}, 300, kChar); }), "value cannot be converted to type int8 without overflow"));
  CHECK(contains(test::error_of([] { full({1}, -129, kChar); }), "without overflow"));
  CHECK(contains(test::error_of([] { full({1}, INFINITY, kInt); }), "without overflow"));
  CHECK(contains(test::error_of([] { full({1}, int64_t(1) << 40, kInt); }), "without overflow"));
  CHECK(contains(test::error_of([] { full({1}, 1e6, kHalf); }), "float16 without overflow"));
  CHECK(contains(test::error_of([] { full({1}, 1e300, kFloat); }), "without overflow"));
  CHECK(contains(test::error_of([] { full_like(ones({1}, kByte), 256); }), "without overflow"));
  // As in PyTorch: uint8 takes -1 (wrapping to 255), floats take infinities and NaN, floats truncate.
  check_exact(full({1}, -1, kByte), {255});
  check_exact(full({1}, INFINITY, kHalf), {INFINITY});
  CHECK(std::isnan(full({1}, NAN, kBFloat16).item<double>()));
  check_exact(full({1}, 2.5, kInt), {2});
  check_exact(full({1}, 70000.0, kBFloat16), {70144});
}

TEST_CASE("negative sizes are rejected with PyTorch's message") {
  CHECK(contains(test::error_of([] { empty({-1, 2}); }),
                 "[empty] Trying to create tensor with negative dimension -1: [-1, 2]"));
  CHECK(contains(test::error_of([] { zeros({2, -3}); }), "negative dimension -3: [2, -3]"));
  CHECK(contains(test::error_of([] { full({-1}, 2.0); }), "negative dimension -1"));
}

TEST_CASE("scalar_tensor is 0-d with the default dtype") {
  const Tensor s = scalar_tensor(3);
  CHECK(s.dim() == 0);
  CHECK(s.dtype() == kFloat);
  CHECK(s.item<double>() == 3.0);
  CHECK(scalar_tensor(true).dtype() == kFloat);
  CHECK(scalar_tensor(2, kLong).item<int64_t>() == 2);
}

TEST_CASE("empty_strided honours the strides") {
  const Tensor t = empty_strided({2, 3}, {1, 2});
  CHECK(t.strides() == IntArrayRef({1, 2}));
  CHECK_FALSE(t.is_contiguous());
  CHECK(t.storage()->nbytes() == 6 * sizeof(float));
  CHECK(contains(test::error_of([] { empty_strided({2, 3}, {1}); }), "mismatch in length of strides and shape"));
}

TEST_CASE("the *_like factories keep dtype and a dense layout") {
  const Tensor t = empty_strided({4, 3}, {1, 4}, kDouble);
  for (const Tensor& like : {empty_like(t), zeros_like(t), ones_like(t), full_like(t, 2)}) {
    CHECK(like.dtype() == kDouble);
    CHECK(like.strides() == IntArrayRef({1, 4}));
  }
  check_exact(full_like(t, 2), std::vector<double>(12, 2));
  CHECK(zeros_like(t, kInt).dtype() == kInt);
  // A layout with gaps gives a contiguous result.
  const Tensor gappy = empty_strided({2, 2}, {4, 2});
  CHECK(empty_like(gappy).strides() == IntArrayRef({2, 1}));
}

// ---- arange ----

TEST_CASE("arange with a float step counts ceil((end - start) / step) elements") {
  const Tensor t = arange(0, 1, 0.1);
  CHECK(t.dtype() == kFloat);
  check_exact(t, {0.0, 0.10000000149011612, 0.20000000298023224, 0.30000001192092896, 0.4000000059604645, 0.5,
                  0.6000000238418579, 0.699999988079071, 0.800000011920929, 0.8999999761581421});
  const Tensor odd = arange(-3.3, 7.1, 0.0137);
  CHECK(odd.numel() == 760);
  check_exact(pick(odd, {0, 15, 16, 17, 500, 751, 758}),
              {-3.299999952316284, -3.0944998264312744, -3.0808000564575195, -3.0671000480651855, 3.549999952316284,
               6.988699913024902, 7.08459997177124});
  const Tensor d = arange(0.1, 100.7, 0.3, kDouble);
  CHECK(d.numel() == 336);
  check_exact(pick(d, {0, 7, 8, 331, 335}), {0.1, 2.2, 2.5, 99.4, 100.60000000000001});
  check_exact(arange(1, 2.5, 0.5, kHalf), {1.0, 1.5, 2.0});
}

TEST_CASE("arange infers int64 from integer arguments and the default dtype otherwise") {
  CHECK(arange(5).dtype() == kLong);
  CHECK(arange(5.0).dtype() == kFloat);
  check_exact(arange(0, 5, 2), {0, 2, 4});
  check_exact(arange(5, -5, -3), {5, 2, -1, -4});
  check_exact(arange(10, 0, -2.5), {10, 7.5, 5, 2.5});
  DefaultDtypeGuard guard;
  set_default_dtype(kDouble);
  CHECK(arange(2.0).dtype() == kDouble);
}

TEST_CASE("integer arange truncates its arguments as PyTorch does") {
  // int64 counts from the truncated bounds; other integer types from the original ones.
  check_exact(arange(0, 5, 1.5, kLong), {0, 1, 2, 3, 4});
  check_exact(arange(-2.5, 3, 1, kLong), {-2, -1, 0, 1, 2});
  check_exact(arange(0, 5, 1.5, kInt), {0, 1, 2, 3});
  check_exact(arange(-2.5, 3, 1, kInt), {-2, -1, 0, 1, 2, 3});
}

TEST_CASE("arange rejects zero steps, inconsistent signs and non-finite bounds") {
  CHECK(contains(test::error_of([] { arange(0, 5, Scalar(0)); }), "step must be nonzero"));
  CHECK(contains(test::error_of([] { arange(0, 2.5, 0.5, kLong); }), "step must be nonzero"));
  CHECK(contains(test::error_of([] { arange(0, 5, -1); }), "upper bound and larger bound inconsistent with step sign"));
  CHECK(contains(test::error_of([] { arange(0, INFINITY); }), "unsupported range"));
  CHECK(contains(test::error_of([] { arange(0, 3, 1, kBool); }), "Bool"));
}

// ---- linspace / logspace ----

TEST_CASE("linspace float32 computes the first half from start and the second from end") {
  check_exact(linspace(-3.7, 11.3, 5),
              {-3.700000047683716, 0.04999995231628418, 3.8000001907348633, 7.550000190734863, 11.300000190734863});
  check_exact(linspace(-3.7, 11.3, 20),
              {-3.700000047683716, -2.9105262756347656, -2.1210527420043945, -1.3315789699554443,
               -0.5421051979064941, 0.24736857414245605, 1.0368421077728271, 1.8263161182403564, 2.6157896518707275,
               3.4052634239196777, 4.194736957550049, 4.984210968017578, 5.773684501647949, 6.56315803527832,
               7.352631568908691, 8.142106056213379, 8.931578636169434, 9.721053123474121, 10.510526657104492,
               11.300000190734863});
}

TEST_CASE("linspace float32 blocks of 16 follow PyTorch's vector formula") {
  check_exact(linspace(-3.7, 11.3, 33),
              {-3.700000047683716, -3.231250047683716, -2.762500047683716, -2.293750047683716, -1.8250000476837158,
               -1.3562500476837158, -0.8875000476837158, -0.4187500476837158, 0.04999995231628418, 0.5187499523162842,
               0.9874999523162842, 1.4562499523162842, 1.9249999523162842, 2.393749952316284, 2.862499952316284,
               3.331249952316284, 3.8000001907348633, 4.268750190734863, 4.737500190734863, 5.206250190734863,
               5.675000190734863, 6.143750190734863, 6.612500190734863, 7.081250190734863, 7.550000190734863,
               8.018750190734863, 8.487500190734863, 8.956250190734863, 9.425000190734863, 9.893750190734863,
               10.362500190734863, 10.831250190734863, 11.300000190734863});
  check_exact(pick(linspace(0, 1, 100), {0, 31, 32, 49, 50, 63, 64, 95, 96, 99}),
              {0.0, 0.31313133239746094, 0.3232323229312897, 0.4949495196342468, 0.505050539970398,
               0.6363636255264282, 0.6464646458625793, 0.9595959782600403, 0.9696969985961914, 1.0});
  check_exact(linspace(-1, 1, 9, kDouble), {-1.0, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 0.75, 1.0});
}

TEST_CASE("linspace on integer dtypes truncates each value") {
  check_exact(linspace(-7, 1000, 10, kLong), {-7, 104, 216, 328, 440, 551, 663, 775, 888, 1000});
  check_exact(linspace(-3.7, 11.3, 20, kLong), {-3, -2, -1, 0, 0, 0, 1, 2, 2, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10, 11});
  check_exact(linspace(0, 10, 40, kInt), {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                          5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 9, 9, 9, 10});
}

TEST_CASE("linspace float16 and bfloat16 round every step") {
  check_exact(linspace(2, 10, 4, kHalf), {2.0, 4.6640625, 7.3359375, 10.0});
  check_exact(pick(linspace(-3.7, 11.3, 40, kHalf), {0, 15, 16, 31, 32, 39}),
              {-3.69921875, 2.0703125, 2.453125, 8.21875, 8.609375, 11.296875});
  check_exact(pick(linspace(-3.7, 11.3, 40, kBFloat16), {0, 15, 16, 31, 32, 39}),
              {-3.703125, 2.078125, 2.453125, 8.25, 8.625, 11.3125});
}

TEST_CASE("linspace with 0 or 1 steps and its errors") {
  CHECK(linspace(0, 1, 0).numel() == 0);
  check_exact(linspace(0, 1, 1), {0});
  check_exact(linspace(2.7, 10, 1, kInt), {2});
  CHECK(contains(test::error_of([] { linspace(0, 1, -1); }), "number of steps must be non-negative"));
  CHECK(contains(test::error_of([] { linspace(0, 1, 3, kBool); }), "Bool"));
}

TEST_CASE("logspace matches PyTorch for floating and integer dtypes") {
  check_exact(logspace(-3.7, 2.3, 7),
              {0.00019952621369156986, 0.0019952619913965464, 0.019952621310949326, 0.19952620565891266,
               1.9952621459960938, 19.952621459960938, 199.52621459960938});
  check_exact(logspace(0, 10, 11, 2.0), {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
  check_exact(logspace(-1, 1, 5, 3.5, kDouble),
              {0.2857142857142857, 0.5345224838248488, 1.0, 1.8708286933869707, 3.5});
  check_exact(logspace(0, 3, 4, 10.0, kLong), {1, 10, 100, 1000});
  check_exact(logspace(1, 5, 6, 3.3, kInt), {3, 8, 22, 57, 150, 391});
  check_exact(logspace(-1, 2.5, 6, 10.0, kBFloat16), {0.10009765625, 0.5, 2.515625, 12.5625, 63.0, 316.0});
  check_exact(logspace(0.5, 2, 1), {3.1622776985168457});
  CHECK(contains(test::error_of([] { logspace(0, 1, -2); }), "number of steps must be non-negative, got -2"));
}

// ---- eye ----

TEST_CASE("eye builds identity matrices of any dtype") {
  check_exact(eye(3, 2), {1, 0, 0, 1, 0, 0});
  const Tensor b = eye(2, kBool);
  CHECK(b.dtype() == kBool);
  check_exact(b, {1, 0, 0, 1});
  CHECK(test::shape(eye(0)) == std::vector<int64_t>{0, 0});
  CHECK(contains(test::error_of([] { eye(-1); }), "n must be greater or equal to 0, got -1"));
  CHECK(contains(test::error_of([] { eye(2, -1); }), "m must be greater or equal to 0, got -1"));
}

// ---- from_blob ----

TEST_CASE("from_blob wraps memory without copying") {
  float data[6] = {1, 2, 3, 4, 5, 6};
  Tensor t = from_blob(data, {2, 3});
  CHECK(t.dtype() == kFloat);
  CHECK(t.data_ptr() == static_cast<void*>(data));
  check_exact(t, {1, 2, 3, 4, 5, 6});
  t.fill_(7);
  CHECK(data[5] == 7.0f);
  int64_t ints[3] = {4, 5, 6};
  check_exact(from_blob(ints, {3}, kLong), {4, 5, 6});
}

TEST_CASE("from_blob with strides reads a strided layout") {
  double data[6] = {1, 2, 3, 4, 5, 6};
  const Tensor t = from_blob(data, {3, 2}, {1, 3}, kDouble);
  check_exact(t, {1, 4, 2, 5, 3, 6});
  CHECK(t.storage()->nbytes() == 6 * sizeof(double));
  CHECK(contains(test::error_of([&] { from_blob(data, {3, 2}, {1}, kDouble); }), "mismatch in length"));
  CHECK(contains(test::error_of([] { from_blob(nullptr, {2}); }), "data is null"));
}

TEST_CASE("from_blob's deleter runs when the last view dies") {
  int deleted = 0;
  float* data = new float[4]{1, 2, 3, 4};
  {
    Tensor t = from_blob(data, {4}, [&](void* p) {
      ++deleted;
      delete[] static_cast<float*>(p);
    });
    Tensor alias = t;
    t = Tensor();
    CHECK(deleted == 0);
    CHECK(alias.to_vector<float>()[3] == 4.0f);
  }
  CHECK(deleted == 1);
}

// ---- new_* ----

TEST_CASE("new_* factories take the tensor's dtype unless told otherwise") {
  const Tensor t = ones({2}, kDouble);
  CHECK(t.new_empty({3}).dtype() == kDouble);
  check_exact(t.new_zeros({2}), {0, 0});
  check_exact(t.new_ones({2}, kInt), {1, 1});
  CHECK(t.new_ones({2}, kInt).dtype() == kInt);
  check_exact(t.new_full({2}, 2.5), {2.5, 2.5});
  CHECK(t.new_full({2}, 3).dtype() == kDouble);
}

TEST_CASE("new_tensor copies data into the tensor's dtype") {
  const Tensor t = ones({1}, kDouble);
  Tensor src = test::make<double>({1.5, 2.5}, {2});
  const Tensor c = t.new_tensor(src);
  CHECK(c.dtype() == kDouble);
  check_exact(c, {1.5, 2.5});
  src.fill_(0);
  check_exact(c, {1.5, 2.5});
  check_exact(ones({1}, kInt).new_tensor(src.fill_(3.7)), {3, 3});
}

// ---- tensor literals ----

TEST_CASE("tensor literals infer int64, the default dtype and bool") {
  const Tensor f = tensor({1.0, 2.5});
  CHECK(f.dtype() == kFloat);
  check_exact(f, {1.0, 2.5});
  const Tensor i = tensor({1, 2, 3});
  CHECK(i.dtype() == kLong);
  check_exact(i, {1, 2, 3});
  CHECK(tensor({true, false}).dtype() == kBool);
  CHECK(tensor({1.5f}).dtype() == kFloat);
  CHECK(tensor({int8_t(1)}).dtype() == kChar);
  CHECK(tensor({uint8_t(1)}).dtype() == kByte);
  CHECK(tensor({int64_t(1)}).dtype() == kLong);
  DefaultDtypeGuard guard;
  set_default_dtype(kDouble);
  CHECK(tensor({1.0, 2.0}).dtype() == kDouble);
  CHECK(tensor(2.0).dtype() == kDouble);
}

TEST_CASE("nested literals give multi-dimensional tensors") {
  const Tensor m = tensor({{1, 2}, {3, 4}, {5, 6}});
  CHECK(test::shape(m) == std::vector<int64_t>{3, 2});
  check_exact(m, {1, 2, 3, 4, 5, 6});
  const Tensor c = tensor({{{1.5}, {2.5}}, {{3.5}, {4.5}}});
  CHECK(test::shape(c) == std::vector<int64_t>{2, 2, 1});
  check_exact(c, {1.5, 2.5, 3.5, 4.5});
  CHECK(test::shape(tensor({5})) == std::vector<int64_t>{1});
  CHECK(test::shape(tensor({{}, {}})) == std::vector<int64_t>{2, 0});
}

TEST_CASE("scalar literals are 0-d") {
  const Tensor s = tensor(3.5);
  CHECK(s.dim() == 0);
  CHECK(s.dtype() == kFloat);
  CHECK(s.item<double>() == 3.5);
  CHECK(tensor(7).dtype() == kLong);
  CHECK(tensor(7).item<int64_t>() == 7);
  CHECK(tensor(false).dtype() == kBool);
}

TEST_CASE("literals from std::vector and ArrayRef") {
  const Tensor f = tensor(std::vector<float>{1.5f, 2.5f});
  CHECK(f.dtype() == kFloat);
  check_exact(f, {1.5, 2.5});
  CHECK(tensor(std::vector<int>{1, 2}).dtype() == kLong);
  CHECK(tensor(std::vector<uint8_t>{1, 2}).dtype() == kByte);
  CHECK(tensor(std::vector<double>{1, 2}).dtype() == kFloat);
  check_exact(tensor(std::vector<bool>{true, false, true}), {1, 0, 1});
  check_exact(tensor(std::vector<uint16_t>{65535, 1}), {65535, 1});
  check_exact(tensor(std::vector<uint32_t>{4000000000u}), {4000000000.0});
  check_exact(tensor(std::vector<long double>{1.5L, -2.5L}), {1.5, -2.5});
  const std::vector<int64_t> v = {4, 5, 6};
  check_exact(tensor(ArrayRef<int64_t>(v)), {4, 5, 6});
  // Vectors nest inside braced lists.
  check_exact(tensor({std::vector<int>{1, 2}, std::vector<int>{3, 4}}), {1, 2, 3, 4});
  CHECK(tensor(std::vector<float>{}).numel() == 0);
}

TEST_CASE("literal options set dtype and requires_grad") {
  const Tensor t = tensor({1.7, -2.7}, kInt);
  CHECK(t.dtype() == kInt);
  check_exact(t, {1, -2});
  check_exact(tensor({{1, 2}}, kDouble), {1, 2});
  check_exact(tensor({0.0, 0.5}, kBool), {0, 1});
  CHECK(tensor({1.0}, TensorOptions().requires_grad(true)).requires_grad());
  CHECK(tensor(std::vector<int>{1, 2}, kHalf).dtype() == kHalf);
}

TEST_CASE("ragged and mixed literals raise errors naming what differs") {
  const std::string ragged = test::error_of([] { tensor({{1, 2}, {3}}); });
  CHECK(contains(ragged, "Expected all sub-lists to have sizes [2]"));
  CHECK(contains(ragged, "element 1 has sizes [1]"));
  CHECK(contains(test::error_of([] { tensor({{1, 2}, {3, 4, 5}}); }), "sizes [3]"));
  const std::string mixed = test::error_of([] { tensor({1, 2.5}); });
  CHECK(contains(mixed, "same scalar type: Int"));
  CHECK(contains(mixed, "scalar type: Double"));
}

TEST_CASE("empty literal is a 1-D float tensor with no elements") {
  const Tensor e = tensor({});
  CHECK(test::shape(e) == std::vector<int64_t>{0});
  CHECK(e.dtype() == kFloat);
}

// ---- reading values back ----

TEST_CASE("item converts the only element") {
  CHECK(tensor(2.75).item<double>() == 2.75);
  CHECK(tensor(2.75).item<int64_t>() == 2);
  CHECK(tensor({5}).item<float>() == 5.0f);
  CHECK(tensor(true).item<bool>());
  CHECK(tensor(3).item().toLong() == 3);
  CHECK(tensor(1.5).item().isFloatingPoint());
  CHECK(contains(test::error_of([] { tensor({1, 2}).item<double>(); }), "a Tensor with 2 elements cannot be converted"));
}

TEST_CASE("to_vector returns row-major values converted to T") {
  CHECK(tensor({{1, 2}, {3, 4}}).to_vector<int64_t>() == std::vector<int64_t>{1, 2, 3, 4});
  CHECK(tensor({1.5, -2.5}).to_vector<int32_t>() == std::vector<int32_t>{1, -2});
  CHECK(tensor({0, 3}).to_vector<bool>() == std::vector<bool>{false, true});
  // A transposed layout reads in logical order.
  const Tensor t = empty_strided({2, 2}, {1, 2}).copy_(tensor({{1.0, 2.0}, {3.0, 4.0}}));
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4});
}
