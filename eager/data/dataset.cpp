// TensorDataset and TensorListDataset: examples are slices along the first dim of the given tensors.
#include "eager/data/dataset.h"

#include "kernels/check.h"

namespace ember::data {

namespace {

// Every tensor is defined, has a first dim, and all first dims agree; returns that length.
size_t check_same_length(const char* name, const std::vector<Tensor>& tensors) {
  EMBER_CHECK(!tensors.empty(), "[{}] expected at least one tensor, got none", name);
  int64_t length = -1;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    EMBER_CHECK(t.defined(), "[{}] tensor {} is undefined; pass defined tensors", name, i);
    EMBER_CHECK(t.dim() >= 1, "[{}] tensor {} is a 0-dim tensor; examples are taken along the first dim, "
                "so each tensor needs at least one dim", name, i);
    if (length < 0) length = t.size(0);
    EMBER_CHECK(t.size(0) == length, "[{}] size mismatch between tensors: tensor 0 has {} examples (size(0)) "
                "but tensor {} has {}", name, length, i, t.size(0));
  }
  return size_t(length);
}

void check_index(const char* name, size_t index, size_t size) {
  EMBER_CHECK(index < size, "[{}] index {} is out of range for a dataset of {} examples", name, index, size);
}

}  // namespace

TensorDataset::TensorDataset(Tensor data, Tensor target) : data_(std::move(data)), target_(std::move(target)) {
  if (target_.defined()) {
    check_same_length("TensorDataset", {data_, target_});
  } else {
    check_same_length("TensorDataset", {data_});
  }
}

Example<> TensorDataset::get(size_t index) {
  check_index("TensorDataset", index, size_t(data_.size(0)));
  return {data_[int64_t(index)], target_.defined() ? target_[int64_t(index)] : Tensor()};
}

std::optional<size_t> TensorDataset::size() const { return size_t(data_.size(0)); }

TensorListDataset::TensorListDataset(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {
  check_same_length("TensorListDataset", tensors_);
}

std::vector<Tensor> TensorListDataset::get(size_t index) {
  check_index("TensorListDataset", index, size_t(tensors_[0].size(0)));
  std::vector<Tensor> example;
  example.reserve(tensors_.size());
  for (const Tensor& t : tensors_) example.push_back(t[int64_t(index)]);
  return example;
}

std::optional<size_t> TensorListDataset::size() const { return size_t(tensors_[0].size(0)); }

}  // namespace ember::data
