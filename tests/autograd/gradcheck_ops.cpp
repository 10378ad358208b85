// gradcheck and gradgradcheck over every differentiable op, and a check that none is left without a case.
#include <doctest/doctest.h>

#include <set>

#include "grad_cases.h"

namespace ember::test {

std::vector<GradCase>& grad_cases() {
  static std::vector<GradCase> cases;
  return cases;
}

}  // namespace ember::test

using namespace ember;
using namespace ember::test;

namespace {

// Notes which ops ran with an input that requires grad: those are the ops a case checks.
class CoverageMode : public DispatchMode {
 public:
  Outputs handle(const OpDef& op, OpCall& call) override {
    for (const Tensor& t : call.inputs)
      if (t.requires_grad()) seen.insert(std::string(op.name));
    return dispatch_eager(op, call);
  }
  std::set<std::string> seen;
};

CoverageMode& coverage() {
  static CoverageMode mode;
  return mode;
}

// Differentiable ops whose declared derivative is not the numerical one, so finite differences cannot check
// them. normal with tensor parameters returns mean + std * noise, yet PyTorch defines the gradients of mean and
// std as zero (sampling is not differentiated; reparameterise explicitly for that). test_grad_random.cpp checks
// those zeros directly.
const std::set<std::string> kNotCheckableNumerically = {"normal.Tensor_Tensor", "normal.Tensor_float",
                                                        "normal.float_Tensor"};

}  // namespace

TEST_CASE("every differentiable op passes gradcheck and gradgradcheck") {
  REQUIRE(!grad_cases().empty());
  for (const GradCase& c : grad_cases()) {
    INFO("case: " << c.name);
    auto traced = [&c](const variable_list& in) {
      DispatchModeGuard guard(&coverage());
      return c.fn(in);
    };
    CHECK_NOTHROW(autograd::gradcheck(traced, c.inputs(), c.options));
    if (c.gradgrad) CHECK_NOTHROW(autograd::gradgradcheck(c.fn, c.inputs(), {}, c.options));
  }
}

TEST_CASE("every op declares a backward, and every differentiable op has a gradcheck case") {
  const std::set<std::string>& seen = coverage().seen;
  for (const OpDef* op : OpRegistry::instance().all()) {
    INFO("op: " << op->name);
    CHECK_MESSAGE(bool(op->backward.formula),
                  "declare a backward formula, or not_differentiable for ops whose outputs never require grad");
    if (op->differentiable() && kNotCheckableNumerically.count(std::string(op->name)) == 0)
      CHECK_MESSAGE(seen.count(std::string(op->name)) == 1,
                    "no gradcheck case runs this op with an input that requires grad; add one under "
                    "tests/autograd/cases/");
  }
}

TEST_CASE("the ops exempt from gradcheck exist and are differentiable") {
  for (const std::string& name : kNotCheckableNumerically) {
    INFO("op: " << name);
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE(op != nullptr);
    CHECK(op->differentiable());
  }
}
