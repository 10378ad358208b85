// Saving and loading tensors, state dicts and checkpoints in the safetensors format.
//
// Files are what Python's `safetensors.torch.save_file` writes (byte for byte for the same tensors
// and at most one metadata entry) and what `safetensors.torch.load_file` reads. Saves are atomic: a
// temporary file in the target's directory is written, flushed to disk and renamed over the target,
// so a failed save leaves the previous file as it was. Loads validate the whole header against the
// file size before reading any data and throw ember::Error naming the file and the problem.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "eager/io/state.h"

namespace ember {

// The name under which save(const Tensor&, path) stores its tensor.
inline constexpr const char* kSavedTensorKey = "tensor";

// Writes the tensors (any dtype, layout or view; saved contiguous) and the string metadata.
void save(const TensorState& state, const std::string& path);
void save(const OrderedDict<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
void save(const std::map<std::string, Tensor>& tensors, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
// One tensor, stored under kSavedTensorKey.
void save(const Tensor& tensor, const std::string& path);

// Reads every tensor (owned CPU tensors) in the order their data lies in the file, as
// `safetensors.torch.load_file` does, and the "__metadata__" entries.
TensorState load(const std::string& path);
// The tensor stored under kSavedTensorKey, or the file's only tensor.
Tensor load_tensor(const std::string& path);
// libtorch's spelling: torch::load(tensor, path).
void load(Tensor& tensor, const std::string& path);

// The same format in memory (safetensors.torch.save / load).
std::string save_to_bytes(const TensorState& state);
TensorState load_from_bytes(std::string_view bytes);

// Everything needed to resume training, stored in one safetensors file: tensors are named
// "model.<name>" and "optimizer.<name>"; "__metadata__" holds "epoch", "scalars.<name>" (the shortest
// decimal that reads back to the same double, "inf", "nan") and the two states' metadata as
// "model.<key>" and "optimizer.<key>".
struct Checkpoint {
  TensorState model;
  TensorState optimizer;
  int64_t epoch = 0;
  std::map<std::string, double> scalars;  // e.g. {"loss", 0.25}, {"best_accuracy", 0.9}
};

void save_checkpoint(const Checkpoint& checkpoint, const std::string& path);
Checkpoint load_checkpoint(const std::string& path);

}  // namespace ember
