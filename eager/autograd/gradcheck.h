// gradcheck / gradgradcheck: analytical gradients against central finite differences, in float64.
#pragma once

#include <functional>

#include "eager/autograd/node.h"

namespace ember::autograd {

struct GradcheckOptions {
  double eps = 1e-6;   // finite-difference step
  double atol = 1e-5;  // |analytical - numerical| <= atol + rtol * |numerical|
  double rtol = 1e-3;
};

using DifferentiableFn = std::function<variable_list(const variable_list&)>;

// Checks the Jacobian of fn at `inputs` for every floating output and every input
// that requires grad (float64 inputs only). Returns true, or throws an ember::Error
// that prints both Jacobians, as torch.autograd.gradcheck does.
bool gradcheck(const DifferentiableFn& fn, const variable_list& inputs, const GradcheckOptions& options = {});

// gradcheck of the map (inputs, grad_outputs) -> vector-Jacobian product, i.e. of the
// backward formulas themselves. grad_outputs default to seeded random values.
bool gradgradcheck(const DifferentiableFn& fn, const variable_list& inputs, const variable_list& grad_outputs = {},
                   const GradcheckOptions& options = {});

}  // namespace ember::autograd
