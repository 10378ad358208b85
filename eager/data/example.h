// Example: one (data, target) pair as a dataset returns it and as a DataLoader batches it.
#pragma once

#include "eager/tensor.h"

namespace ember::data {

// libtorch's torch::data::Example. A batch of examples collates into one Example of stacked tensors.
template <typename Data = Tensor, typename Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;

  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}

  Data data;
  Target target;
};

}  // namespace ember::data
