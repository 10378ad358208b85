// default_collate: how a DataLoader turns the examples of one batch into a batch (stacking tensors).
#pragma once

#include <type_traits>
#include <vector>

#include "eager/data/example.h"
#include "eager/ops.h"

namespace ember::data {

namespace detail {
// stack(), except that a batch of undefined tensors (targets of a data-only dataset) stays undefined.
Tensor stack_examples(const std::vector<Tensor>& tensors);
}  // namespace detail

// PyTorch's default_collate for the example types ember datasets return: Examples of tensors become
// Example{stack(datas), stack(targets)}, Tensors are stacked, a std::vector<Tensor> is stacked position by
// position; any other example type is batched as the std::vector of examples itself.
struct DefaultCollate {
  template <typename ExampleT>
  auto operator()(std::vector<ExampleT> examples) const {
    if constexpr (std::is_same_v<ExampleT, Example<Tensor, Tensor>>) {
      std::vector<Tensor> data, target;
      data.reserve(examples.size());
      target.reserve(examples.size());
      for (ExampleT& example : examples) {
        data.push_back(std::move(example.data));
        target.push_back(std::move(example.target));
      }
      return Example<Tensor, Tensor>(detail::stack_examples(data), detail::stack_examples(target));
    } else if constexpr (std::is_same_v<ExampleT, Tensor>) {
      return detail::stack_examples(examples);
    } else if constexpr (std::is_same_v<ExampleT, std::vector<Tensor>>) {
      std::vector<Tensor> batch;
      const size_t width = examples.empty() ? 0 : examples.front().size();
      for (size_t position = 0; position < width; ++position) {
        std::vector<Tensor> column;
        column.reserve(examples.size());
        for (std::vector<Tensor>& example : examples) column.push_back(std::move(example.at(position)));
        batch.push_back(detail::stack_examples(column));
      }
      return batch;
    } else {
      return examples;
    }
  }
};

inline constexpr DefaultCollate default_collate{};

}  // namespace ember::data
