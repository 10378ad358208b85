// The nodes autograd creates itself: OpNode (one registry op), AccumulateGrad (a leaf), CopySlices (an in-place write into a view).
#pragma once

#include <memory>
#include <string>

#include "eager/autograd/node.h"

namespace ember::autograd {

// The backward of one registry op: runs the OpDef's formula on what the op saved.
class OpNode : public Node {
 public:
  OpNode(const OpDef& op, const OpCall& call);
  ~OpNode() override;
  std::string name() const override;
  variable_list apply(variable_list&& grads) override;
  void release_variables() override;

  const OpDef& op() const { return op_; }
  // Keeps what the formula reads: inputs (self's pre-write copy for in-place ops) and outputs.
  void save_inputs(const OpCall& call, const Tensor& original_self);
  void save_outputs(const Outputs& outputs);

 private:
  const OpDef& op_;
  SmallVector<Attr, 4> attrs_;
  SmallVector<TensorMeta, 4> forward_input_metas_;
  SmallVector<SavedVariable, 4> saved_inputs_;
  SmallVector<SavedVariable, 1> saved_outputs_;
  bool released_ = false;
};

// Adds the incoming gradient into a leaf's .grad.
class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  std::string name() const override { return "torch::autograd::AccumulateGrad"; }
  variable_list apply(variable_list&& grads) override;
  // A leaf's hooks live with the leaf, so they outlive any one graph.
  std::vector<HookEntry>& tensor_hooks() override;
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// An in-place op wrote into a view of `base`: the base's gradient is the incoming
// one with the view's region replaced by what the op's backward gives for its self.
class CopySlices : public Node {
 public:
  CopySlices(const Tensor& base, const Tensor& view, std::shared_ptr<Node> fn);
  ~CopySlices() override { release_later(std::move(fn_)); }
  std::string name() const override { return "CopySlices"; }
  variable_list apply(variable_list&& grads) override;
  void release_variables() override { fn_->release_variables(); }

 private:
  TensorMeta base_;
  TensorMeta view_;
  std::shared_ptr<Node> fn_;
};

// Something the user's code asked for that autograd cannot do, reported when backward reaches it.
class NotImplementedNode : public Node {
 public:
  explicit NotImplementedNode(std::string op) : op_(std::move(op)) {}
  std::string name() const override { return "NotImplemented"; }
  variable_list apply(variable_list&& grads) override;

 private:
  std::string op_;
};

// PyTorch's grad_fn name for an op: "mul.Tensor" -> "MulBackward0".
std::string backward_name(const OpDef& op);

// The reduction of a broadcast gradient to `sizes` (sum over the broadcast dims).
Tensor sum_to(const Tensor& grad, IntArrayRef sizes);
// A gradient reduced and cast to what `meta` describes; an error if it cannot be.
Tensor fit_gradient(const Tensor& grad, const TensorMeta& meta, const std::string& node, size_t index);

TensorMeta meta_for(const Tensor& t);

}  // namespace ember::autograd
