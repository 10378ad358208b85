// What dispatch does for autograd: checks before an in-place write, the node after an op, view tracking.
#include "eager/autograd/record.h"

#include "eager/autograd/functions.h"
#include "eager/autograd/grad_mode.h"
#include "kernels/check.h"

namespace ember::autograd::detail {

namespace {

const Tensor& base_of(const Tensor& t) {
  const AutogradMetaImpl* m = meta_of(t);
  return m != nullptr && m->is_view ? m->base : t;
}

void mark_view(const Tensor& view, const Tensor& input, CreationMeta creation) {
  AutogradMetaImpl& m = materialize_meta(view);
  m.is_view = true;
  m.base = base_of(input);
  m.creation_meta = creation;
  m.attr_version = view.storage()->version();
}

// The rules PyTorch applies before an in-place op on a view that records history, in
// PyTorch's order: how the view was made first, then whether its base is a leaf.
void check_view_write(const OpDef& op, const AutogradMetaImpl& m) {
  switch (m.creation_meta) {
    case CreationMeta::MultipleOutputs:
      EMBER_FAIL(
          "[{}] Output {} of {} is a view and is being modified inplace. This view is the output of a function that "
          "returns multiple views. Such functions do not allow the output views to be modified inplace. You should "
          "replace the inplace operation by an out-of-place one.",
          op.name, m.output_nr, m.view_op);
    case CreationMeta::NoGradMode:
      EMBER_CHECK(!m.base.requires_grad(),
                  "[{}] A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
                  "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code "
                  "by moving both the view and the inplace either both inside the no_grad block (if you don't want "
                  "the inplace to be tracked) or both outside (if you want the inplace to be tracked).",
                  op.name);
      break;
    case CreationMeta::InferenceMode:
    case CreationMeta::Default:
      break;
  }
  EMBER_CHECK(!(m.base.requires_grad() && m.base.is_leaf()),
              "[{}] a view of a leaf Variable that requires grad is being used in an in-place operation. Write into "
              "a clone, or do the write under NoGradGuard.",
              op.name);
}

}  // namespace

Tensor before_inplace(const OpDef& op, const OpCall& call, bool recording) {
  const Tensor& self = call.inputs[0];
  EMBER_CHECK(!self.is_inference() || InferenceMode::is_enabled(),
              "[{}] Inplace update to inference tensor outside InferenceMode is not allowed. You can make a clone to "
              "get a normal tensor before doing inplace update.",
              op.name);
  if (!recording) return {};
  EMBER_CHECK(!(self.requires_grad() && self.is_leaf()),
              "[{}] a leaf Variable that requires grad is being used in an in-place operation. Do the update under "
              "NoGradGuard, or write into a clone.",
              op.name);
  if (const AutogradMetaImpl* m = meta_of(self); m != nullptr && m->is_view) check_view_write(op, *m);
  if (op.differentiable() && (op.backward.saves_inputs & 1)) return self.clone();
  return {};
}

void record(const OpDef& op, const OpCall& call, Outputs& outputs, const Tensor& original_self) {
  if (op.backward.formula == &not_differentiable) return;
  bool any_floating = false;
  for (const Tensor& out : outputs) any_floating = any_floating || out.is_floating_point();
  if (!any_floating) return;

  std::shared_ptr<Node> node;
  OpNode* op_node = nullptr;
  if (op.backward.formula == nullptr || op.backward.formula == &no_derivative) {
    node = std::make_shared<NotImplementedNode>(std::string(op.name));
  } else {
    auto made = std::make_shared<OpNode>(op, call);
    op_node = made.get();
    node = std::move(made);
  }
  for (const Tensor& in : call.inputs) node->add_next_edge(in.requires_grad() ? gradient_edge(in) : Edge{});
  for (const Tensor& out : outputs) node->add_input_meta(out);

  switch (op.kind) {
    case OpKind::View: {
      const CreationMeta creation = outputs.size() > 1 ? CreationMeta::MultipleOutputs : CreationMeta::Default;
      for (size_t i = 0; i < outputs.size(); ++i) {
        mark_view(outputs[i], call.inputs[0], creation);
        set_history(outputs[i], node, uint32_t(i));
        meta_of(outputs[i])->view_op = node->name();
      }
      break;
    }
    case OpKind::InPlace: {
      const Tensor& self = outputs[0];
      AutogradMetaImpl* m = meta_of(self);
      if (m != nullptr && m->is_view) {
        // The write lands in the base: the base's history goes through CopySlices, and
        // the view's grad_fn is rebuilt from the base the next time it is asked for.
        auto copy_slices = std::make_shared<CopySlices>(m->base, self, node);
        set_history(m->base, copy_slices, 0);
        rebuild_view_grad_fn(self, *m);
      } else {
        set_history(self, node, 0);
      }
      break;
    }
    case OpKind::Compute:
      for (size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i].is_floating_point()) set_history(outputs[i], node, uint32_t(i));
      break;
  }
  if (op_node != nullptr) {
    op_node->save_inputs(call, original_self);
    op_node->save_outputs(outputs);
  }
}

void track_view(const OpDef& op, const OpCall& call, Outputs& outputs) {
  if (op.backward.formula == &not_differentiable || InferenceMode::is_enabled()) return;
  if (!call.inputs[0].is_floating_point()) return;
  const CreationMeta creation = !GradMode::is_enabled()   ? CreationMeta::NoGradMode
                                : outputs.size() > 1 ? CreationMeta::MultipleOutputs
                                                     : CreationMeta::Default;
  for (size_t i = 0; i < outputs.size(); ++i) {
    mark_view(outputs[i], call.inputs[0], creation);
    if (creation == CreationMeta::MultipleOutputs) {
      AutogradMetaImpl* m = meta_of(outputs[i]);
      m->output_nr = uint32_t(i);
      m->view_op = backward_name(op);
    }
  }
}

}  // namespace ember::autograd::detail
