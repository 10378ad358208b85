// Gradcheck cases for the registry's ops: each family file under cases/ registers its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ember.h"

namespace ember::test {

using autograd::variable_list;

struct GradCase {
  std::string name;                                   // printed when the case fails
  std::function<variable_list()> inputs;              // fresh float64 inputs for each run
  std::function<variable_list(const variable_list&)> fn;  // the forward under test
  bool gradgrad = true;                               // also run gradgradcheck
  autograd::GradcheckOptions options = {};
};

std::vector<GradCase>& grad_cases();

// Registers a family's cases at static-initialisation time.
struct GradCaseRegistrar {
  explicit GradCaseRegistrar(void (*add)(std::vector<GradCase>&)) { add(grad_cases()); }
};

// A float64 leaf that requires grad, seeded so that every run checks the same point.
inline Tensor leaf(IntArrayRef sizes, uint64_t seed = 1) {
  Generator gen(seed);
  return randn(sizes, gen, TensorOptions(kDouble)).requires_grad_();
}
// Values in [lo, hi): for functions with restricted domains (log, sqrt, acos ...).
inline Tensor leaf_in(IntArrayRef sizes, double lo, double hi, uint64_t seed = 1) {
  Generator gen(seed);
  return (rand(sizes, gen, TensorOptions(kDouble)) * (hi - lo) + lo).requires_grad_();
}
// A non-contiguous input: every other column of a leaf twice as wide (sizes must be non-empty).
inline Tensor strided(IntArrayRef sizes, uint64_t seed = 1) {
  DimVector wide(sizes);
  wide.back() *= 2;
  Tensor base = leaf(wide, seed);
  return base.slice(-1, 0, std::nullopt, 2);
}

}  // namespace ember::test
