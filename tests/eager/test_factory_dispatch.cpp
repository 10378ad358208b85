// Factories and random ops as registry ops: each is one dispatch a mode (a tracer) sees, a recorded call replays
// to the same values, and the registry marks the ops that draw from a generator or whose shape depends on data.
#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "helpers.h"

using namespace ember;
using ember::test::contains;

namespace {

struct Recorded {
  const OpDef* op;
  OpCall call;
};

// Records every call (with a copy of its arguments) and runs it eagerly, uninstalled as a tracer is.
class RecordingMode : public DispatchMode {
 public:
  Outputs handle(const OpDef& op, OpCall& call) override {
    calls.push_back({&op, call});
    DispatchModeGuard untraced(nullptr);
    return dispatch_eager(op, call);
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const Recorded& r : calls) out.push_back(std::string(r.op->name));
    return out;
  }
  std::vector<Recorded> calls;
};

// The ops `fn` dispatches, in order.
std::vector<std::string> ops_of(const std::function<void()>& fn) {
  RecordingMode mode;
  DispatchModeGuard guard(&mode);
  fn();
  return mode.names();
}

using Names = std::vector<std::string>;

}  // namespace

TEST_CASE("each factory is one op with no tensor inputs") {
  CHECK(ops_of([] { empty({2, 3}); }) == Names{"empty.memory_format"});
  CHECK(ops_of([] { empty_strided({2, 3}, {1, 2}); }) == Names{"empty_strided"});
  CHECK(ops_of([] { full({2}, 1.5); }) == Names{"full"});
  CHECK(ops_of([] { zeros({2}); }) == Names{"full"});
  CHECK(ops_of([] { ones({2}, kInt); }) == Names{"full"});
  CHECK(ops_of([] { scalar_tensor(3); }) == Names{"scalar_tensor"});
  CHECK(ops_of([] { arange(5); }) == Names{"arange.start_step"});
  CHECK(ops_of([] { arange(1, 2, 0.25); }) == Names{"arange.start_step"});
  CHECK(ops_of([] { linspace(0, 1, 5); }) == Names{"linspace"});
  CHECK(ops_of([] { logspace(0, 1, 5); }) == Names{"logspace"});
  CHECK(ops_of([] { eye(3); }) == Names{"eye.m"});
  CHECK(ops_of([] { rand({2}); }) == Names{"rand.generator"});
  CHECK(ops_of([] { randn({2}, Generator(1)); }) == Names{"randn.generator"});
  CHECK(ops_of([] { randint(0, 5, {2}); }) == Names{"randint.low_generator"});
  CHECK(ops_of([] { randperm(4); }) == Names{"randperm.generator"});
  CHECK(ops_of([] { normal(0.0, 1.0, {3}); }) == Names{"normal.float_float"});

  RecordingMode mode;
  {
    DispatchModeGuard guard(&mode);
    full({2, 3}, 7, TensorOptions(kShort));
  }
  REQUIRE(mode.calls.size() == 1);
  const OpCall& call = mode.calls[0].call;
  CHECK(call.inputs.empty());
  CHECK(call.ints_attr(0) == IntArrayRef({2, 3}));
  CHECK(call.scalar_attr(1).toLong() == 7);
  CHECK(call.dtype_attr(2) == kShort);
  CHECK(call.device_attr(3) == Device(kCPU));
}

TEST_CASE("the *_like factories compose empty_like with a fill") {
  const Tensor x = ones({2, 2});
  CHECK(ops_of([&] { empty_like(x); }) == Names{"empty_like"});
  CHECK(ops_of([&] { zeros_like(x); }) == Names{"empty_like", "fill_.Scalar"});
  CHECK(ops_of([&] { full_like(x, 2); }) == Names{"empty_like", "fill_.Scalar"});
  CHECK(ops_of([&] { rand_like(x); }) == Names{"empty_like", "uniform_"});
  CHECK(ops_of([&] { randn_like(x); }) == Names{"empty_like", "normal_"});
  CHECK(ops_of([&] { randint_like(x, 3); }) == Names{"empty_like", "random_.from"});
}

TEST_CASE("random fills and samplers with tensor inputs are one op each") {
  Tensor x = zeros({4});
  CHECK(ops_of([&] { x.uniform_(); }) == Names{"uniform_"});
  CHECK(ops_of([&] { x.normal_(1, 2); }) == Names{"normal_"});
  CHECK(ops_of([&] { x.bernoulli_(0.5); }) == Names{"bernoulli_.float"});
  CHECK(ops_of([&] { x.random_(0, 3); }) == Names{"random_.from"});
  const Tensor p = full({4}, 0.5);
  CHECK(ops_of([&] { normal(p, p); }) == Names{"normal.Tensor_Tensor"});
  CHECK(ops_of([&] { normal(p, 2.0); }) == Names{"normal.Tensor_float"});
  CHECK(ops_of([&] { normal(1.0, p); }) == Names{"normal.float_Tensor"});
  CHECK(ops_of([&] { bernoulli(p); }) == Names{"bernoulli"});
  CHECK(ops_of([&] { bernoulli(p, 0.3); }) == Names{"empty.memory_format", "bernoulli_.float"});
  CHECK(ops_of([&] { multinomial(p, 2); }) == Names{"multinomial"});
  CHECK(ops_of([&] { poisson(p); }) == Names{"poisson"});
}

TEST_CASE("a recorded random call replays to the same values once the generator is reset") {
  RecordingMode mode;
  Generator g(7);
  Tensor drawn;
  {
    DispatchModeGuard guard(&mode);
    drawn = randn({20}, g);
  }
  REQUIRE(mode.calls.size() == 1);
  g.manual_seed(7);
  const Tensor replayed = dispatch_eager(*mode.calls[0].op, mode.calls[0].call)[0];
  CHECK(replayed.equal(drawn));

  // Without a generator the call carries None and draws from the default generator when it runs.
  mode.calls.clear();
  manual_seed(3);
  {
    DispatchModeGuard guard(&mode);
    drawn = empty({5}).uniform_(-1, 1);
  }
  REQUIRE(mode.calls.size() == 2);
  CHECK_FALSE(mode.calls[1].call.has(2));
  manual_seed(3);
  Tensor target = empty({5});
  OpCall call = mode.calls[1].call;
  call.inputs[0] = target;
  dispatch_eager(*mode.calls[1].op, call);
  CHECK(target.equal(drawn));
}

TEST_CASE("random ops draw from the generator exactly as many times as before") {
  // Two calls in a row continue one stream: the second rand equals the tail of one longer draw.
  manual_seed(11);
  const Tensor both = rand({6});
  manual_seed(11);
  rand({2});
  const Tensor rest = rand({4});
  CHECK(rest.equal(both.slice(0, 2)));
  // A factory that fails its checks draws nothing.
  manual_seed(11);
  CHECK(contains(test::error_of([] { rand({2}, kLong); }), "[rand] expected a floating point dtype"));
  CHECK(rand({6}).equal(both));
}

TEST_CASE("is_random marks exactly the ops that take a generator") {
  std::set<std::string> random;
  for (const OpDef* op : OpRegistry::instance().all())
    if (is_random(*op)) random.insert(std::string(op->name));
  const std::set<std::string> expected = {
      "uniform_",       "normal_",         "normal.Tensor_float",  "normal.float_Tensor", "normal.Tensor_Tensor",
      "normal.float_float", "bernoulli",   "bernoulli_.float",     "random_.from",        "rand.generator",
      "randn.generator", "randint.low_generator", "randperm.generator", "multinomial",    "poisson",
      "native_dropout", "dropout_"};
  CHECK(random == expected);
  CHECK_FALSE(is_random(*OpRegistry::instance().find("full")));
  CHECK_FALSE(is_random(*OpRegistry::instance().find("add.Tensor")));
}

TEST_CASE("data_dependent marks the ops whose output shape depends on input values") {
  std::set<std::string> flagged;
  for (const OpDef* op : OpRegistry::instance().all())
    if (op->data_dependent) flagged.insert(std::string(op->name));
  CHECK(flagged == std::set<std::string>{"nonzero", "masked_select", "one_hot.inferred_classes"});

  const Tensor labels = arange(3);
  CHECK(ops_of([&] { one_hot(labels); }) == Names{"one_hot.inferred_classes"});
  CHECK(ops_of([&] { one_hot(labels, 4); }) == Names{"one_hot"});
  // A boolean mask becomes indices through nonzero; an integer index tensor does not.
  const Tensor x = arange(4.0);
  const Tensor mask = x > 1.0;
  const Names masked = ops_of([&] { x.index({mask}); });
  CHECK(std::find(masked.begin(), masked.end(), "nonzero") != masked.end());
  const Names by_index = ops_of([&] { x.index({arange(2)}); });
  CHECK(std::find(by_index.begin(), by_index.end(), "nonzero") == by_index.end());
}

TEST_CASE("a factory takes its device from its options, through meta") {
  MetaOutputs metas;
  const OpDef& op = *OpRegistry::instance().find("full");
  OpCall call{{}, {DimVector{2}, Scalar(1.0), kFloat, Device("cuda:1")}};
  op.meta(op, call, metas);
  REQUIRE(metas.size() == 1);
  CHECK(metas[0].device == Device("cuda:1"));
  // This build has no CUDA memory: the allocation for that device fails with the allocator's message.
  CHECK(contains(test::error_of([] { empty({2}, Device("cuda")); }), "Cannot allocate memory on cuda"));
  CHECK(empty({2}).device() == Device(kCPU));
}
