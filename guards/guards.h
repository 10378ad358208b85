// Guards: the checks that decide whether a compiled entry may serve a call, each printable and explaining its failure.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "eager/tensor.h"

namespace ember::jit {

// A call's arguments, flattened in order: every Tensor (elements of std::vector<Tensor>
// arguments included), every arithmetic/bool argument, and the length of each vector argument.
struct FlatArgs {
  SmallVector<const Tensor*, 8> tensors;
  SmallVector<Scalar, 4> scalars;
  SmallVector<int64_t, 2> list_lengths;
  std::vector<std::string> tensor_names;  // filled only when a trace needs them
  std::vector<std::string> scalar_names;
  std::vector<std::string> list_names;
};

// Everything checked about one tensor: an argument (`arg` >= 0) or a lifted tensor held by identity.
struct TensorGuard {
  std::string name;
  int arg = -1;
  Tensor lifted;
  bool defined = true;        // an undefined argument (Tensor()) must stay undefined
  ScalarType dtype = ScalarType::Float;
  Device device;
  bool requires_grad = false;
  DimVector sizes;            // traced sizes; a dynamic dim's entry is its hint
  DimVector strides;          // checked only when check_strides
  std::vector<int> symbols;   // per dim: symbol id when dynamic, -1 when static
  bool check_strides = true;  // static entries: exact strides; dynamic ones: contiguity
  bool contiguous = true;

  const Tensor& tensor(const FlatArgs& args) const { return arg >= 0 ? *args.tensors[size_t(arg)] : lifted; }
};

// The state outside the arguments that changes what ops compute.
struct GlobalState {
  bool grad_enabled = true;
  ScalarType default_dtype = ScalarType::Float;
  static GlobalState current();
};

// A value read from outside the arguments (a module's training flags), compared with what it was when traced.
struct ValueGuard {
  std::string name;
  std::function<int64_t()> read;
  // The failure in words, given the traced and the current value.
  std::function<std::string(int64_t expected, int64_t actual)> explain;
  int64_t expected = 0;
};

// 0: separate storages, 1: one storage, 2: the same tensor (undefined tensors relate as 0).
uint8_t relation(const Tensor& a, const Tensor& b);

class GuardSet {
 public:
  std::vector<TensorGuard> tensors;
  std::vector<std::string> scalar_names;
  std::vector<Scalar> scalars;           // by value (dynamic scalars are not supported: they specialise)
  std::vector<std::string> list_names;
  std::vector<int64_t> list_lengths;
  // How each pair (i < j) of tensor arguments related when traced: 0 separate storages, 1 one storage
  // (views of one tensor), 2 the very same tensor. Empty when all were separate.
  std::vector<uint8_t> relations;
  std::vector<ValueGuard> values;
  GlobalState globals;
  // For each symbol: the (tensor guard index, dim) that defines it.
  std::vector<std::pair<int, int>> symbol_sources;

  // Whether every guard passes: the flat, branch-light path run on every call.
  bool check(const FlatArgs& args) const;
  // The first failing guard in words, e.g. "tensor 'x' size mismatch at dim 0: expected 32, actual 64";
  // nullopt when all pass.
  std::optional<std::string> first_failure(const FlatArgs& args) const;
  std::vector<std::string> all_failures(const FlatArgs& args) const;
  // One line per guard, e.g. "tensor 'x': float32 cpu sizes [s0, 784] strides contiguous requires_grad=False".
  std::vector<std::string> describe() const;
  // For a failure at a size: the (argument index, dim) whose size differed, if that was the cause.
  std::optional<std::pair<int, int>> size_failure(const FlatArgs& args) const;
  size_t count() const;

 private:
  void failures(const FlatArgs& args, std::vector<std::string>& out, bool stop_at_first,
                std::optional<std::pair<int, int>>* size_cause) const;
};

}  // namespace ember::jit
