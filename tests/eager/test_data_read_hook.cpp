// Host reads of tensor data (item, to_vector, data_ptr, printing, is_nonzero, bool) reported to the dispatch mode
// with the caller's source line; is_nonzero and bool(tensor) with PyTorch's semantics and errors.
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>
#include <vector>

#include "helpers.h"

using namespace ember;
using ember::test::contains;

namespace {

struct Read {
  std::string what;
  uint32_t line;
  std::string file;
  const TensorImpl* tensor;
};

// Runs every op eagerly (uninstalled while it runs, as a tracer is) and records the ops and the data reads.
class RecordingMode : public DispatchMode {
 public:
  Outputs handle(const OpDef& op, OpCall& call) override {
    ops.push_back(std::string(op.name));
    DispatchModeGuard untraced(nullptr);
    return dispatch_eager(op, call);
  }
  void on_data_read(const Tensor& t, std::string_view what, const std::source_location& where) override {
    reads.push_back({std::string(what), where.line(), where.file_name(), t.unsafeGetTensorImpl()});
  }
  std::vector<std::string> ops;
  std::vector<Read> reads;
};

bool in_this_file(const Read& r) { return contains(r.file, "test_data_read_hook.cpp"); }

// The one read recorded, checked against the API name, the line and the tensor.
void check_one_read(const RecordingMode& mode, const std::string& what, uint32_t line, const Tensor& t) {
  REQUIRE(mode.reads.size() == 1);
  const Read& r = mode.reads[0];
  CHECK(r.what == what);
  CHECK(r.line == line);
  CHECK(in_this_file(r));
  CHECK(r.tensor == t.unsafeGetTensorImpl());
}

}  // namespace

TEST_CASE("item() reports the tensor and the caller's line before reading") {
  const Tensor x = full({}, 2.5);
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const double v = x.item<double>(); const uint32_t line = __LINE__;
  CHECK(v == 2.5);
  check_one_read(mode, "item()", line, x);

  mode.reads.clear();
  const Scalar s = x.item(); const uint32_t scalar_line = __LINE__;
  CHECK(s.toDouble() == 2.5);
  check_one_read(mode, "item()", scalar_line, x);
}

TEST_CASE("to_vector() reports one read and records none of its conversions as ops") {
  const Tensor x = arange(6, kInt).reshape({2, 3}).t();  // non-contiguous, converted to double below
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const std::vector<double> v = x.to_vector<double>(); const uint32_t line = __LINE__;
  CHECK(v == std::vector<double>{0, 3, 1, 4, 2, 5});
  check_one_read(mode, "to_vector()", line, x);
  CHECK(mode.ops.empty());
}

TEST_CASE("data_ptr, data_ptr<T> and mutable_data_ptr<T> report a read") {
  const Tensor x = full({3}, 1.0, kDouble);
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const double* typed = x.data_ptr<double>(); const uint32_t typed_line = __LINE__;
  CHECK(typed[1] == 1.0);
  check_one_read(mode, "data_ptr()", typed_line, x);

  mode.reads.clear();
  const void* raw = x.data_ptr(); const uint32_t raw_line = __LINE__;
  CHECK(raw == typed);
  check_one_read(mode, "data_ptr()", raw_line, x);

  mode.reads.clear();
  double* writable = x.mutable_data_ptr<double>(); const uint32_t mutable_line = __LINE__;
  CHECK(writable == typed);
  check_one_read(mode, "data_ptr()", mutable_line, x);
}

TEST_CASE("printing with << and toString() reports a read as \"print\"") {
  const Tensor x = full({2}, 0.5);
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  std::ostringstream os;
  os << x; const uint32_t line = __LINE__;
  CHECK(os.str() == "tensor([0.5000, 0.5000])");
  check_one_read(mode, "print", line, x);

  mode.reads.clear();
  const std::string text = x.toString(); const uint32_t to_string_line = __LINE__;
  CHECK(text == "tensor([0.5000, 0.5000])");
  check_one_read(mode, "print", to_string_line, x);
  CHECK(mode.ops.empty());
}

TEST_CASE("printing an undefined tensor reads nothing") {
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  std::ostringstream os;
  os << Tensor();
  CHECK(os.str() == "[ Tensor (undefined) ]");
  CHECK(mode.reads.empty());
}

TEST_CASE("is_nonzero() reports its line; bool(tensor) reports without one") {
  const Tensor x = full({}, 3);
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const bool nonzero = x.is_nonzero(); const uint32_t line = __LINE__;
  CHECK(nonzero);
  check_one_read(mode, "is_nonzero()", line, x);

  // A conversion function takes no arguments, so no source line reaches the mode.
  mode.reads.clear();
  const bool converted = static_cast<bool>(x);
  CHECK(converted);
  REQUIRE(mode.reads.size() == 1);
  CHECK(mode.reads[0].what == "bool()");
  CHECK(mode.reads[0].line == 0);
  CHECK(mode.reads[0].tensor == x.unsafeGetTensorImpl());

  mode.reads.clear();
  int taken = 0;
  if (x) ++taken;
  CHECK(taken == 1);
  REQUIRE(mode.reads.size() == 1);
  CHECK(mode.reads[0].what == "bool()");
}

TEST_CASE("reads inside ops and factories are not reported") {
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const Tensor a = arange(4.0);
  const Tensor b = (a * 2).sum();
  const Tensor m = a.index({a > 1.0});  // boolean mask: nonzero reads the mask inside its op
  CHECK(mode.reads.empty());
  CHECK(b.item<double>() == 12.0);
  CHECK(mode.reads.size() == 1);
  CHECK(m.numel() == 2);
}

TEST_CASE("nothing is reported when no mode is installed") {
  RecordingMode mode;
  const Tensor x = full({}, 1.0);
  {
    DispatchModeGuard guard(&mode);
    DispatchModeGuard uninstalled(nullptr);
    CHECK(x.item<double>() == 1.0);
    CHECK(x.to_vector<float>() == std::vector<float>{1.0f});
    CHECK(x.data_ptr() != nullptr);
    CHECK(x.is_nonzero());
    CHECK(bool(x));
    CHECK(x.toString() == "tensor(1.)");
  }
  CHECK(mode.reads.empty());
  CHECK(current_dispatch_mode() == nullptr);
}

TEST_CASE("a read that fails its checks is not reported") {
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  const Tensor two = full({2}, 1.0);
  CHECK(contains(test::error_of([&] { two.item<double>(); }), "a Tensor with 2 elements cannot be converted"));
  CHECK(contains(test::error_of([&] { two.data_ptr<int64_t>(); }), "expected scalar type Long but found Float"));
  CHECK(contains(test::error_of([&] { two.is_nonzero(); }), "more than one value is ambiguous"));
  CHECK(mode.reads.empty());
}

// ---- is_nonzero and bool(tensor) ----

TEST_CASE("is_nonzero is the truth value of a one-element tensor of any dtype and shape") {
  CHECK_FALSE(full({}, 0.0).is_nonzero());
  CHECK(full({}, -0.5).is_nonzero());
  CHECK(full({}, NAN).is_nonzero());  // NaN != 0, as in PyTorch
  CHECK_FALSE(full({}, -0.0).is_nonzero());
  CHECK_FALSE(full({1}, 0, kLong).is_nonzero());
  CHECK(full({1, 1}, 3, kInt).is_nonzero());
  CHECK(full({}, true).is_nonzero());
  CHECK_FALSE(full({1}, false).is_nonzero());
  CHECK(full({}, 0.25, kHalf).is_nonzero());
  CHECK_FALSE(full({}, 0, kByte).is_nonzero());
}

TEST_CASE("bool(tensor) is is_nonzero") {
  CHECK(bool(full({}, 2.0)));
  CHECK_FALSE(bool(full({1}, 0.0)));
  CHECK(!full({}, 0, kLong));
  CHECK((full({}, 1.0) && full({}, true)));
  // Only an explicit conversion: a tensor never turns into a bool (or a number) silently.
  static_assert(!std::is_convertible_v<Tensor, bool>);
  static_assert(std::is_constructible_v<bool, Tensor>);
}

TEST_CASE("is_nonzero and bool raise PyTorch's errors for zero or several elements") {
  const std::string many = test::error_of([] { ones({2}).is_nonzero(); });
  CHECK(contains(many, "[is_nonzero] Boolean value of Tensor with more than one value is ambiguous"));
  const std::string none = test::error_of([] { empty({0}).is_nonzero(); });
  CHECK(contains(none, "[is_nonzero] Boolean value of Tensor with no values is ambiguous"));
  CHECK(contains(test::error_of([] { (void)bool(ones({2, 2})); }),
                 "[bool] Boolean value of Tensor with more than one value is ambiguous"));
  CHECK(contains(test::error_of([] { (void)bool(empty({3, 0})); }),
                 "[bool] Boolean value of Tensor with no values is ambiguous"));
  CHECK(contains(test::error_of([] { (void)bool(Tensor()); }), "This tensor is undefined"));
}
