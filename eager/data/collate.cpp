// default_collate's stacking rule.
#include "eager/data/collate.h"

#include <algorithm>

namespace ember::data::detail {

Tensor stack_examples(const std::vector<Tensor>& tensors) {
  if (!tensors.empty() && std::all_of(tensors.begin(), tensors.end(), [](const Tensor& t) { return !t.defined(); })) {
    return Tensor();
  }
  return stack(tensors);
}

}  // namespace ember::data::detail
