// Specification of the core types: dtypes and promotion, Device, Scalar, TensorOptions, storage and the allocator.
#include "helpers.h"

#include <cmath>
#include <sstream>

#include "eager/meta.h"

using namespace ember;
using ember::test::error_of;

TEST_CASE("dtypes have libtorch's constants, names and element sizes") {
  CHECK(kFloat == kFloat32);
  CHECK(kLong == kInt64);
  CHECK(kHalf == kFloat16);
  CHECK(std::string(to_string(kBFloat16)) == "BFloat16");
  CHECK(std::string(python_name(kUInt8)) == "uint8");
  CHECK(element_size(kBool) == 1);
  CHECK(element_size(kHalf) == 2);
  CHECK(element_size(kDouble) == 8);
  std::ostringstream os;
  os << kInt;
  CHECK(os.str() == "Int");
  CHECK(isFloatingType(kBFloat16));
  CHECK_FALSE(isIntegralType(kBool, false));
  CHECK(isIntegralType(kBool, true));
}

TEST_CASE("promote_types matches torch.promote_types for every pair") {
  const ScalarType all[] = {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64};
  // Rows from scripts/golden/core_values.py (PyTorch 1.13).
  const ScalarType expected[10][10] = {
      {kBool, kUInt8, kInt8, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kUInt8, kUInt8, kInt16, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt8, kInt16, kInt8, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt16, kInt16, kInt16, kInt16, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt32, kInt32, kInt32, kInt32, kInt32, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kInt64, kInt64, kInt64, kInt64, kInt64, kInt64, kFloat16, kBFloat16, kFloat32, kFloat64},
      {kFloat16, kFloat16, kFloat16, kFloat16, kFloat16, kFloat16, kFloat16, kFloat32, kFloat32, kFloat64},
      {kBFloat16, kBFloat16, kBFloat16, kBFloat16, kBFloat16, kBFloat16, kFloat32, kBFloat16, kFloat32, kFloat64},
      {kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat32, kFloat64},
      {kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64, kFloat64},
  };
  for (int a = 0; a < 10; ++a)
    for (int b = 0; b < 10; ++b) {
      CAPTURE(a);
      CAPTURE(b);
      CHECK(promote_types(all[a], all[b]) == expected[a][b]);
    }
}

TEST_CASE("can_cast refuses only to lower categories") {
  CHECK(can_cast(kInt, kFloat));
  CHECK(can_cast(kFloat, kHalf));
  CHECK_FALSE(can_cast(kFloat, kLong));
  CHECK_FALSE(can_cast(kInt, kBool));
  CHECK(can_cast(kBool, kUInt8));
}

TEST_CASE("the default dtype can be read and set, floating types only") {
  CHECK(get_default_dtype() == kFloat);
  set_default_dtype(kDouble);
  CHECK(zeros({2}).dtype() == kDouble);
  CHECK((arange(3, kInt) + 0.5).dtype() == kDouble);
  set_default_dtype(kFloat);
  CHECK(error_of([] { set_default_dtype(kInt); }).find("only floating-point types") != std::string::npos);
  CHECK(get_default_dtype() == kFloat);
}

TEST_CASE("Device parses cpu, cuda and cuda:N and rejects anything else") {
  CHECK(Device("cpu").is_cpu());
  CHECK_FALSE(Device("cpu").has_index());
  Device d("cuda:1");
  CHECK(d.is_cuda());
  CHECK(d.index() == 1);
  CHECK(d.str() == "cuda:1");
  CHECK(Device("cuda").str() == "cuda");
  CHECK(Device(kCUDA, 0) == Device("cuda:0"));
  CHECK(Device("cpu") != Device("cuda"));
  CHECK(error_of([] { Device("gpu"); }).find("Expected one of cpu, cuda") != std::string::npos);
  CHECK(error_of([] { Device("cuda:x"); }).find("Invalid device string: 'cuda:x'") != std::string::npos);
  CHECK(error_of([] { Device("cuda:-1"); }).find("Invalid device string") != std::string::npos);
  CHECK(error_of([] { Device("cuda:01"); }).find("Invalid device string") != std::string::npos);
  CHECK(error_of([] { Device("cpu:1"); }).find("CPU device index must be -1 or zero") != std::string::npos);
  std::ostringstream os;
  os << Device("cuda:0");
  CHECK(os.str() == "cuda:0");
}

TEST_CASE("a CUDA tensor without a CUDA backend is a clear error") {
  const std::string msg = error_of([] { zeros({2}, Device("cuda")); });
  CHECK(msg.find("Cannot allocate memory on cuda") != std::string::npos);
  CHECK(msg.find("Use Device(\"cpu\")") != std::string::npos);
  CHECK(error_of([] { ones({2}).to(Device("cuda:0")); }).find("cuda:0") != std::string::npos);
}

TEST_CASE("Scalar keeps its kind and converts like PyTorch") {
  CHECK(Scalar(2).isIntegral(false));
  CHECK(Scalar(2.5).isFloatingPoint());
  CHECK(Scalar(true).isBoolean());
  CHECK(Scalar(2.5f).type() == kDouble);
  CHECK(Scalar(int8_t(3)).type() == kLong);
  CHECK(Scalar(2.9).toLong() == 2);
  CHECK(Scalar(-2.9).toLong() == -2);
  CHECK(Scalar(7).toDouble() == 7.0);
  CHECK((-Scalar(3)).toLong() == -3);
}

TEST_CASE("TensorOptions resolves defaults and merges") {
  TensorOptions o;
  CHECK(o.dtype() == kFloat);
  CHECK(o.device() == Device("cpu"));
  CHECK_FALSE(o.requires_grad());
  TensorOptions p = TensorOptions(kInt).requires_grad(false);
  CHECK(p.dtype() == kInt);
  TensorOptions m = o.dtype(kDouble).merged_with(TensorOptions(kHalf));
  CHECK(m.dtype() == kHalf);
  CHECK(ember::requires_grad().requires_grad());
  CHECK(ember::dtype(kLong).dtype() == kLong);
  Tensor t = zeros({2}, ember::dtype(kDouble).requires_grad(true));
  CHECK(t.requires_grad());
  CHECK(t.dtype() == kDouble);
  CHECK(error_of([] { zeros({2}, ember::dtype(kInt).requires_grad(true)); }).find("only Tensors of floating point dtype can require gradients") != std::string::npos);
}

TEST_CASE("tensor metadata: sizes, strides, numel, element size, contiguity") {
  Tensor t = zeros({2, 3, 4});
  CHECK(test::shape(t) == std::vector<int64_t>{2, 3, 4});
  CHECK(t.strides().vec() == std::vector<int64_t>{12, 4, 1});
  CHECK(t.numel() == 24);
  CHECK(t.dim() == 3);
  CHECK(t.size(-1) == 4);
  CHECK(t.stride(0) == 12);
  CHECK(t.element_size() == 4);
  CHECK(t.nbytes() == 96);
  CHECK(t.is_contiguous());
  CHECK(t.defined());
  CHECK_FALSE(Tensor().defined());
  CHECK(error_of([&] { t.size(3); }) == "[size] Dimension out of range (expected to be in range of [-3, 2], but got 3)");
  CHECK(error_of([] { Tensor().numel(); }).find("undefined") != std::string::npos);
  Tensor s = scalar_tensor(3.5);
  CHECK(s.dim() == 0);
  CHECK(s.numel() == 1);
  CHECK(s.item<double>() == 3.5);
  Tensor e = zeros({0, 3});
  CHECK(e.numel() == 0);
  CHECK(e.is_contiguous());
}

TEST_CASE("data_ptr<T> checks the element type") {
  Tensor t = zeros({2}, kInt);
  CHECK(t.data_ptr<int32_t>() != nullptr);
  CHECK(error_of([&] { t.data_ptr<float>(); }).find("expected scalar type Float but found Int") != std::string::npos);
}

TEST_CASE("item and to_vector convert, and item needs exactly one element") {
  Tensor t = test::make<double>({1.5, -2.5}, {2});
  CHECK(t.to_vector<int32_t>() == std::vector<int32_t>{1, -2});
  CHECK(t.to_vector<float>() == std::vector<float>{1.5f, -2.5f});
  CHECK(error_of([&] { t.item<float>(); }).find("a Tensor with 2 elements cannot be converted to Scalar") != std::string::npos);
  CHECK(full({1, 1}, 7, kLong).item().toLong() == 7);
  CHECK(full({}, true).item().isBoolean());
}

TEST_CASE("negative sizes are rejected") {
  CHECK(error_of([] { zeros({2, -1}); }) == "[full] Trying to create tensor with negative dimension -1: [2, -1]");
}

TEST_CASE("views share storage and its version counter") {
  Tensor base = zeros({4});
  Tensor v = detail::make_view(base, {2}, {2}, 1);
  CHECK(v.is_alias_of(base));
  CHECK(v.storage_offset() == 1);
  const uint32_t before = base.storage()->version();
  v.fill_(5);
  CHECK(base.storage()->version() == before + 1);
  CHECK(test::values(base) == std::vector<double>{0, 5, 0, 5});
  CHECK_FALSE(v.is_contiguous());
}

TEST_CASE("from the allocator: freed blocks are reused and stats follow PyTorch's names") {
  cpu_allocator::empty_cache();
  const MemoryStats before = cpu_allocator::stats();
  {
    Tensor a = empty({1 << 20});
    CHECK(cpu_allocator::stats().allocated >= before.allocated + (4 << 20));
  }
  const MemoryStats mid = cpu_allocator::stats();
  CHECK(mid.allocated == before.allocated);
  CHECK(mid.reserved >= before.reserved + (4 << 20));  // cached, not returned
  { Tensor b = empty({1 << 20}); }
  const MemoryStats after = cpu_allocator::stats();
  CHECK(after.num_cache_hits == mid.num_cache_hits + 1);
  CHECK(after.peak_allocated >= before.allocated + (4 << 20));
  cpu_allocator::empty_cache();
  CHECK(cpu_allocator::stats().reserved == cpu_allocator::stats().allocated);
}

TEST_CASE("threads can be set and read like torch.set_num_threads") {
  const int n = get_num_threads();
  CHECK(n >= 1);
  set_num_threads(1);
  CHECK(get_num_threads() == 1);
  set_num_threads(n);
  CHECK(error_of([] { set_num_threads(0); }).find("positive number of threads") != std::string::npos);
}

TEST_CASE("Half and BFloat16 round to nearest even like PyTorch") {
  // scripts/golden/core_values.py: "half round" and "bf16 round".
  Tensor h = test::make<double>({1.0009765625 + 1.0 / 4096, 65504.0, 65520.0, 1e-8, 6e-8}, {5}).to(kHalf);
  const auto hv = test::values(h);
  CHECK(hv[0] == 1.0009765625);
  CHECK(hv[1] == 65504.0);
  CHECK(std::isinf(hv[2]));
  CHECK(hv[3] == 0.0);
  CHECK(hv[4] == doctest::Approx(5.960464477539063e-08));
  Tensor b = test::make<double>({1.00390625, 1.01171875, 3e38}, {3}).to(kBFloat16);
  const auto bv = test::values(b);
  CHECK(bv[0] == 1.0);
  CHECK(bv[1] == 1.015625);
  CHECK(bv[2] == doctest::Approx(3.00405527047391e+38));
}

TEST_CASE("float to integer conversion wraps through int64 as on x86") {
  Tensor f = test::make<double>({2.7, -2.7, 300.0, -1.0}, {4});
  CHECK(f.to(kByte).to_vector<int64_t>() == std::vector<int64_t>{2, 254, 44, 255});
  CHECK(f.to(kInt).to_vector<int64_t>() == std::vector<int64_t>{2, -2, 300, -1});
  Tensor nan = full({1}, std::nan(""));
  CHECK(nan.to(kLong).item<int64_t>() == INT64_MIN);
  CHECK(nan.to(kBool).item<bool>());
}

TEST_CASE("the registry lists every op once with a meta rule") {
  const auto& ops = OpRegistry::instance().all();
  CHECK(ops.size() > 50);
  for (const OpDef* op : ops) {
    CAPTURE(op->name);
    CHECK((op->meta != nullptr));
    CHECK((op->kind == OpKind::View || op->cpu != nullptr));
    CHECK(OpRegistry::instance().find(op->name) == op);
  }
  CHECK(OpRegistry::instance().find("add.Tensor") != nullptr);
  CHECK(OpRegistry::instance().find("no_such_op") == nullptr);
}

namespace {
// A dispatch mode that records op names and then runs them eagerly.
struct RecordingMode : DispatchMode {
  std::vector<std::string> seen;
  Outputs handle(const OpDef& op, OpCall& call) override {
    seen.emplace_back(op.name);
    DispatchModeGuard off(nullptr);
    return dispatch_eager(op, call);
  }
};
}  // namespace

TEST_CASE("a dispatch mode sees every op call before eager runs it") {
  RecordingMode mode;
  Tensor x = ones({3});
  Tensor y;
  {
    DispatchModeGuard guard(&mode);
    Tensor a = x + 1;
    Tensor s = x.sum();
    y = a * s;
  }
  CHECK(mode.seen == std::vector<std::string>{"add.Scalar", "sum.dim_IntList", "mul.Tensor"});
  CHECK(test::values(y) == std::vector<double>{6, 6, 6});
  CHECK(current_dispatch_mode() == nullptr);
}

TEST_CASE("pinned memory without CUDA is a clear error") {
  CHECK(error_of([] { empty({2}, TensorOptions().pinned_memory(true)); }).find("pinned host memory needs a CUDA device") != std::string::npos);
  CHECK(error_of([] { rand({2}, ember::pinned_memory(true)); }).find("Drop pinned_memory(true)") != std::string::npos);
  CHECK_FALSE(zeros({2}).is_pinned());
}
