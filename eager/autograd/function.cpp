// Custom functions: connecting forward's outputs to their CppNode, and checking what backward returns.
#include "eager/autograd/function.h"

#include <cxxabi.h>

#include <cstdlib>

#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::autograd {

double IValue::toDouble() const {
  if (const int64_t* i = std::get_if<int64_t>(&value_)) return double(*i);
  return get<double>("double");
}

void IValue::fail(const char* wanted) const {
  static const char* const kinds[] = {"None", "bool", "int", "double", "string", "Tensor", "int list"};
  EMBER_FAIL("[IValue] expected {} but the saved value is {}", wanted, kinds[value_.index()]);
}

void AutogradContext::mark_dirty(const variable_list& inputs) {
  for (const Tensor& t : inputs) dirty_.insert(t.unsafeGetTensorImpl());
}

void AutogradContext::mark_non_differentiable(const variable_list& outputs) {
  for (const Tensor& t : outputs) non_differentiable_.insert(t.unsafeGetTensorImpl());
}

variable_list AutogradContext::get_saved_variables() const {
  EMBER_CHECK(!released_,
              "Trying to backward through the graph a second time (or directly access saved tensors after they have "
              "already been freed). Specify retain_graph=true if you need to backward through the graph a second "
              "time or if you need to access saved tensors after calling backward.");
  std::shared_ptr<Node> node = node_.lock();
  if (!node) return to_save_;
  variable_list out;
  for (const SavedVariable& s : saved_) out.push_back(s.unpack(*node));
  return out;
}

bool AutogradContext::needs_input_grad(size_t index) const {
  std::shared_ptr<Node> node = node_.lock();
  return node && index < node->num_outputs() && node->next_edge(index).is_valid();
}

void wrap_outputs(AutogradContext& ctx, const variable_list& inputs, variable_list& outputs,
                  const std::shared_ptr<Node>& node) {
  if (!node) return;  // nothing records: outputs stay as forward made them
  std::unordered_set<const TensorImpl*> input_impls;
  for (const Tensor& t : inputs) {
    if (t.defined()) input_impls.insert(t.unsafeGetTensorImpl());
    node->add_next_edge(t.defined() && t.requires_grad() ? gradient_edge(t) : Edge{});
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    Tensor& out = outputs[i];
    EMBER_CHECK(out.defined(), "[Function] forward returned an undefined tensor as output {}; return defined tensors.",
                i);
    const TensorImpl* impl = out.unsafeGetTensorImpl();
    const bool is_input = input_impls.count(impl) > 0;
    const bool dirty = ctx.dirty_.count(impl) > 0;
    const bool differentiable = out.is_floating_point() && ctx.non_differentiable_.count(impl) == 0;
    if (!differentiable) {
      if (is_input && !dirty) out = out.detach();
    } else if (dirty) {
      EMBER_CHECK(!(out.is_leaf() && out.requires_grad()),
                  "[Function] a leaf Variable that requires grad has been used in an in-place operation (output {} "
                  "was marked dirty). Clone the leaf first.",
                  i);
      EMBER_CHECK(!out.is_view(),
                  "[Function] output {} is a view marked dirty; custom functions that write into views in place are "
                  "not supported. Pass a clone of the view instead.",
                  i);
      set_history(out, node, uint32_t(i));
    } else {
      if (is_input) {
        // An input returned unchanged: a new alias of it carries the function's history.
        auto alias = std::make_shared<TensorImpl>(out.storage(), out.dtype(), DimVector(out.sizes()),
                                                  DimVector(out.strides()), out.storage_offset());
        out = Tensor(std::move(alias));
      }
      set_history(out, node, uint32_t(i));
    }
    node->add_input_meta(out);
  }
  std::unordered_set<const TensorImpl*> output_impls;
  for (const Tensor& t : outputs) output_impls.insert(t.unsafeGetTensorImpl());
  for (const Tensor& t : ctx.to_save_)
    ctx.saved_.emplace_back(t, t.defined() && output_impls.count(t.unsafeGetTensorImpl()) > 0);
  ctx.to_save_.clear();
  ctx.node_ = node;
}

namespace detail {

variable_list custom_backward_results(const std::string& name, const std::vector<bool>& is_tensor_arg,
                                      variable_list&& grads) {
  const size_t expected = is_tensor_arg.size();
  for (size_t i = expected; i < grads.size(); ++i)
    EMBER_CHECK(!grads[i].defined(),
                "function {} backward returned an incorrect number of gradients (expected {}, got {})", name, expected,
                grads.size());
  if (grads.size() > expected) grads.resize(expected);
  EMBER_CHECK(grads.size() == expected,
              "function {} backward returned an incorrect number of gradients (expected {}, got {}); return one per "
              "forward argument, undefined for non-tensor arguments.",
              name, expected, grads.size());
  variable_list results;
  for (size_t i = 0; i < expected; ++i) {
    if (is_tensor_arg[i])
      results.push_back(std::move(grads[i]));
    else
      EMBER_CHECK(!grads[i].defined(),
                  "function {} backward returned a gradient different than an undefined tensor at position {}, but "
                  "the corresponding forward input was not a Variable",
                  name, i);
  }
  return results;
}

void materialize_grads(const Node& node, variable_list& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    const TensorMeta& m = node.input_meta(i);
    if (!grads[i].defined() && is_floating_point(m.dtype))
      grads[i] = zeros(m.sizes, TensorOptions(m.dtype).device(m.device));
  }
}

std::string demangle(const char* mangled) {
  int status = 0;
  char* name = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string result = status == 0 && name ? name : mangled;
  std::free(name);
  return result;
}

}  // namespace detail
}  // namespace ember::autograd
