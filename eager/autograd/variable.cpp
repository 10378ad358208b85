// The autograd methods of Tensor: grad, grad_fn, backward, hooks, retain_grad, detach_, requires_grad_.
#include "eager/autograd/engine.h"
#include "eager/autograd/grad_mode.h"
#include "eager/autograd/node.h"
#include "kernels/check.h"

namespace ember {

using autograd::AutogradMetaImpl;
using autograd::materialize_meta;
using autograd::meta_of;

Tensor& Tensor::requires_grad_(bool requires_grad) {
  EMBER_CHECK(!requires_grad || is_floating_point(),
              "[requires_grad_] only Tensors of floating point dtype can require gradients, got {}. Convert with "
              ".to(kFloat) first.",
              to_string(dtype()));
  EMBER_CHECK(is_leaf() || requires_grad,
              "[requires_grad_] you can only change requires_grad flags of leaf variables. If you want to use a "
              "computed variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
  EMBER_CHECK(!requires_grad || !is_inference() || InferenceMode::is_enabled(),
              "[requires_grad_] Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.");
  if (!requires_grad && meta_of(*this) == nullptr) return *this;
  materialize_meta(*this).requires_grad = requires_grad;
  return *this;
}

bool Tensor::is_leaf() const { return grad_fn() == nullptr; }

const Tensor& Tensor::grad() const {
  static const Tensor undefined;
  const AutogradMetaImpl* m = meta_of(*this);
  return m == nullptr ? undefined : m->grad;
}

Tensor& Tensor::mutable_grad() const { return materialize_meta(*this).grad; }

const std::shared_ptr<autograd::Node>& Tensor::grad_fn() const { return autograd::current_grad_fn(*this); }

uint32_t Tensor::output_nr() const {
  const AutogradMetaImpl* m = meta_of(*this);
  return m == nullptr ? 0 : m->output_nr;
}

uint32_t Tensor::_version() const { return storage()->version(); }

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph,
                      const std::vector<Tensor>& inputs) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph, inputs);
}

void Tensor::retain_grad() const {
  EMBER_CHECK(requires_grad(),
              "[retain_grad] can't retain_grad on Tensor that has requires_grad=False. Call requires_grad_() on the "
              "leaves it is computed from first.");
  if (is_leaf()) return;  // leaves keep their gradient anyway
  AutogradMetaImpl& m = materialize_meta(*this);
  if (m.retains_grad) return;
  m.retains_grad = true;
  grad_fn()->retained().emplace_back(m.output_nr, impl_ptr());
}

bool Tensor::retains_grad() const {
  const AutogradMetaImpl* m = meta_of(*this);
  return m != nullptr && (is_leaf() ? false : m->retains_grad);
}

namespace detail {
unsigned register_grad_hook(const Tensor& t, std::function<Tensor(const Tensor&)> hook) {
  EMBER_CHECK(t.requires_grad(),
              "[register_hook] cannot register a hook on a tensor that doesn't require gradient. Call "
              "requires_grad_() first.");
  AutogradMetaImpl& m = materialize_meta(t);
  const unsigned id = m.next_hook_id++;
  if (t.is_leaf())
    m.leaf_hooks.push_back({id, 0, std::move(hook)});
  else
    t.grad_fn()->tensor_hooks().push_back({id, m.output_nr, std::move(hook)});
  return id;
}
}  // namespace detail

void Tensor::remove_hook(unsigned handle) const {
  AutogradMetaImpl* m = meta_of(*this);
  EMBER_CHECK(m != nullptr && handle < m->next_hook_id,
              "[remove_hook] invalid hook handle {}: this tensor never returned it from register_hook.", handle);
  auto drop = [&](std::vector<autograd::HookEntry>& hooks) {
    std::erase_if(hooks, [&](const autograd::HookEntry& h) { return h.id == handle; });
  };
  drop(m->leaf_hooks);
  if (const auto& fn = grad_fn()) drop(fn->tensor_hooks());
}

bool Tensor::is_view() const {
  const AutogradMetaImpl* m = meta_of(*this);
  return m != nullptr && m->is_view;
}

const Tensor& Tensor::_base() const {
  static const Tensor undefined;
  const AutogradMetaImpl* m = meta_of(*this);
  return m != nullptr && m->is_view ? m->base : undefined;
}

Tensor& Tensor::detach_() {
  EMBER_CHECK(!is_view(),
              "[detach_] Can't detach views in-place. Use detach() instead, which returns a new view without history.");
  if (AutogradMetaImpl* m = meta_of(*this)) {
    m->grad_fn.reset();
    m->output_nr = 0;
    m->requires_grad = false;
  }
  return *this;
}

void Tensor::set_data(const Tensor& new_data) const {
  EMBER_CHECK(new_data.defined(), "[set_data] expected a defined tensor as the new data");
  EMBER_CHECK(!requires_grad() || new_data.is_floating_point(),
              "[set_data] the tensor requires grad, so its new data must be floating point, got {}",
              to_string(new_data.dtype()));
  unsafeGetTensorImpl()->set_data(*new_data.unsafeGetTensorImpl());
}

}  // namespace ember
