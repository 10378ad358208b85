// The autograd graph: Node (a grad_fn), Edge, SavedVariable and the per-tensor autograd state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "eager/op_registry.h"
#include "eager/tensor.h"

namespace ember::autograd {

class Node;
using variable_list = std::vector<Tensor>;
using tensor_list = std::vector<Tensor>;

// Where a gradient goes: input `input_nr` of `function`. An edge without a function
// leads nowhere (the input did not require grad).
struct Edge {
  std::shared_ptr<Node> function;
  uint32_t input_nr = 0;
  bool is_valid() const { return function != nullptr; }
};

// A tensor hook: sees the gradient; an undefined result leaves it unchanged.
using GradHook = std::function<Tensor(const Tensor&)>;

struct HookEntry {
  unsigned id = 0;
  uint32_t input_nr = 0;  // which gradient of the node it watches
  GradHook fn;
};

// One step of the backward graph. `apply` takes one gradient per forward output
// ("inputs" of the node) and returns one per forward input, in next_edges order.
class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // PyTorch's name for the node, e.g. "MulBackward0".
  virtual std::string name() const = 0;
  virtual variable_list apply(variable_list&& grads) = 0;
  variable_list operator()(variable_list&& grads) { return apply(std::move(grads)); }
  // Frees what the node saved once a backward without retain_graph has run it.
  virtual void release_variables() {}

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  const Edge& next_edge(size_t i) const { return next_edges_[i]; }
  size_t num_outputs() const { return next_edges_.size(); }
  size_t num_inputs() const { return input_metas_.size(); }
  // Order of creation; the engine runs later nodes first.
  uint64_t sequence_nr() const { return sequence_nr_; }
  // Shape/dtype/device of gradient `i`, used to check and reduce what flows in.
  const TensorMeta& input_meta(size_t i) const { return input_metas_[i]; }
  uint32_t add_input_meta(const Tensor& t);
  void set_next_edges(std::vector<Edge> edges) { next_edges_ = std::move(edges); }
  void add_next_edge(Edge edge) { next_edges_.push_back(std::move(edge)); }

  // Hooks on this node's incoming gradients (Tensor::register_hook on a non-leaf).
  virtual std::vector<HookEntry>& tensor_hooks() { return tensor_hooks_; }
  // retain_grad(): where gradient `input_nr` is stored once all hooks ran.
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>>& retained() { return retained_; }

 protected:
  std::vector<Edge> next_edges_;
  SmallVector<TensorMeta, 2> input_metas_;
  std::vector<HookEntry> tensor_hooks_;
  std::vector<std::pair<uint32_t, std::weak_ptr<TensorImpl>>> retained_;
  uint64_t sequence_nr_;
};

// A tensor kept for backward, with the version it had when saved. A saved output is
// stored without its grad_fn (the node owns it, and the reverse link would be a
// cycle); unpack() reattaches it to the node that saved it.
class SavedVariable {
 public:
  SavedVariable() = default;
  SavedVariable(const Tensor& t, bool is_output);
  // `saved_for` is the node asking; it becomes the grad_fn of an unpacked output.
  Tensor unpack(const Node& saved_for) const;
  void reset() { data_ = Tensor(); was_released_ = true; }
  // The version the tensor must still have at unpack (for an input that an in-place op
  // wrote through another name, the version before that write).
  void set_expected_version(uint32_t version) { saved_version_ = version; }
  bool defined() const { return data_.defined(); }
  // Lets go of the saved tensor's history without recursion (see release_later).
  void release_history();

 private:
  Tensor data_;
  uint32_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool was_released_ = false;
  std::weak_ptr<Node> grad_fn_;  // for inputs: who produced it, named in the version error
};

enum class CreationMeta : uint8_t { Default, NoGradMode, InferenceMode, MultipleOutputs };

// Graphs can be chains of 100,000s of nodes (long loops, RNNs); destroying one must not
// recurse once per node. Destructors hand the nodes they keep alive to a per-thread
// queue instead, and the outermost destructor releases them one by one.
void release_later(std::shared_ptr<Node> node);
// The grad_fn of a tensor this node is the last owner of, handed to release_later.
void release_history_of(Tensor& t);

// The autograd state of one tensor.
struct AutogradMetaImpl : AutogradMeta {
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  std::weak_ptr<Node> grad_accumulator;  // leaves: the AccumulateGrad node, owned by the graphs using it
  uint32_t output_nr = 0;
  bool retains_grad = false;
  std::vector<HookEntry> leaf_hooks;  // register_hook on a leaf
  unsigned next_hook_id = 0;
  // Differentiable views: the base whose storage this tensor views, and the storage
  // version when grad_fn was last set; a different version means an in-place op
  // touched the storage since, and grad_fn is rebuilt from the base.
  Tensor base;
  uint32_t attr_version = 0;
  CreationMeta creation_meta = CreationMeta::Default;
  std::string view_op;  // the node name that made the view, for error messages

  bool base_requires_grad(const TensorImpl& self) const override;
};

// The impl's autograd state, created on first use.
AutogradMetaImpl& materialize_meta(const Tensor& t);
// nullptr when the tensor never had autograd state.
AutogradMetaImpl* meta_of(const Tensor& t);

// A view's grad_fn after an in-place op changed its storage: as_strided of its base.
void rebuild_view_grad_fn(const Tensor& view, AutogradMetaImpl& m);
// The tensor's grad_fn, rebuilt first for a view whose storage an in-place op changed.
const std::shared_ptr<Node>& current_grad_fn(const Tensor& t);
// The edge a gradient of `t` flows into: its grad_fn, or the AccumulateGrad node of a
// leaf that requires grad, or an invalid edge.
Edge gradient_edge(const Tensor& t);
// The leaf's AccumulateGrad node, created on first use.
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);
// Makes `t` the `output_nr`-th output of `fn` (requires_grad, no longer a leaf).
void set_history(const Tensor& t, const std::shared_ptr<Node>& fn, uint32_t output_nr);

// "[CPUFloatType [2, 3]]": how PyTorch names a tensor in autograd errors.
std::string describe(const Tensor& t);

}  // namespace ember::autograd
