// TensorState: named tensors plus string metadata — what module and optimizer state_dicts
// produce and what the safetensors files store.
#pragma once

#include <map>
#include <string>

#include "eager/nn/ordered_dict.h"
#include "eager/tensor.h"

namespace ember {

struct TensorState {
  OrderedDict<std::string, Tensor> tensors{"tensor"};
  std::map<std::string, std::string> metadata;  // non-tensor values, e.g. JSON text
};

}  // namespace ember
