// Running the backward graph: autograd::backward and autograd::grad, with libtorch's signatures.
#pragma once

#include <optional>

#include "eager/autograd/node.h"

namespace ember::autograd {

// Accumulates d(tensors)/d(leaf) into the .grad of every leaf the tensors depend on
// (only into `inputs` when given). grad_tensors may be omitted for one-element
// tensors. retain_graph defaults to create_graph.
void backward(const variable_list& tensors, const variable_list& grad_tensors = {},
              std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
              const variable_list& inputs = {});

// Returns d(outputs)/d(inputs) weighted by grad_outputs, without touching any .grad.
variable_list grad(const variable_list& outputs, const variable_list& inputs, const variable_list& grad_outputs = {},
                   std::optional<bool> retain_graph = std::nullopt, bool create_graph = false,
                   bool allow_unused = false);

}  // namespace ember::autograd
