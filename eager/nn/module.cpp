// Module: registration, traversal, modes, conversion, state dicts, PyTorch's repr and the hooks.
#include "eager/nn/module.h"

#include <algorithm>
#include <ostream>
#include <sstream>
#include <unordered_set>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/autograd/node.h"
#include "eager/meta.h"
#include "kernels/check.h"

namespace ember::nn {

Module::Module(std::string name) : name_(std::move(name)) {}
Module::Module() : name_("Module") {}

// ---- registration and traversal ----

Tensor& Module::register_parameter(std::string name, Tensor tensor, bool requires_grad) {
  EMBER_CHECK(!name.empty() && name.find('.') == std::string::npos,
              "[register_parameter] parameter name must be non-empty and contain no '.', got '{}'", name);
  if (tensor.defined() && requires_grad) tensor.requires_grad_(true);
  return parameters_.insert(std::move(name), std::move(tensor));
}

Tensor& Module::register_buffer(std::string name, Tensor tensor) {
  EMBER_CHECK(!name.empty() && name.find('.') == std::string::npos,
              "[register_buffer] buffer name must be non-empty and contain no '.', got '{}'", name);
  return buffers_.insert(std::move(name), std::move(tensor));
}

void Module::unregister_module(const std::string& name) {
  EMBER_CHECK(children_.contains(name), "[unregister_module] no submodule named '{}'", name);
  children_.erase(name);
}

void Module::unregister_parameter(const std::string& name) {
  EMBER_CHECK(parameters_.contains(name), "[unregister_parameter] no parameter named '{}'", name);
  parameters_.erase(name);
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_modules(const std::string& name_prefix,
                                                                         bool include_self) const {
  OrderedDict<std::string, std::shared_ptr<Module>> result{"module"};
  std::unordered_set<const Module*> seen;
  std::function<void(const Module&, const std::string&, std::shared_ptr<Module>)> visit =
      [&](const Module& m, const std::string& prefix, std::shared_ptr<Module> self) {
        if (!seen.insert(&m).second) return;
        if (self) result.insert(prefix, std::move(self));
        for (const auto& child : m.children_) {
          const std::string name = prefix.empty() ? child.key() : prefix + "." + child.key();
          visit(*child.value(), name, child.value());
        }
      };
  std::shared_ptr<Module> self;
  if (include_self) {
    self = std::const_pointer_cast<Module>(weak_from_this().lock());
    EMBER_CHECK(self != nullptr,
                "[named_modules] include_self needs the module to be owned by a std::shared_ptr (create it with "
                "std::make_shared or a ModuleHolder)");
  }
  visit(*this, name_prefix, self);
  return result;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  return named_modules("", include_self).values();
}

OrderedDict<std::string, std::shared_ptr<Module>> Module::named_children() const {
  OrderedDict<std::string, std::shared_ptr<Module>> result{"submodule"};
  for (const auto& c : children_) result.insert(c.key(), c.value());
  return result;
}

std::vector<std::shared_ptr<Module>> Module::children() const { return children_.values(); }

namespace {

// Tensors of every module (pre-order), each tensor once, by dotted name.
template <typename Select>
OrderedDict<std::string, Tensor> collect(const Module& root, bool recurse, Select select) {
  OrderedDict<std::string, Tensor> result{"tensor"};
  std::unordered_set<const TensorImpl*> seen;
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m, const std::string& prefix) {
    for (const auto& item : select(m)) {
      if (!item.value().defined() || !seen.insert(item.value().unsafeGetTensorImpl()).second) continue;
      result.insert(prefix + item.key(), item.value());
    }
    if (!recurse) return;
    for (const auto& child : m.named_children()) visit(*child.value(), prefix + child.key() + ".");
  };
  visit(root, "");
  return result;
}

}  // namespace

OrderedDict<std::string, Tensor> Module::named_parameters(bool recurse) const {
  return collect(*this, recurse, [](const Module& m) -> const OrderedDict<std::string, Tensor>& {
    return m.parameters_;
  });
}

std::vector<Tensor> Module::parameters(bool recurse) const { return named_parameters(recurse).values(); }

OrderedDict<std::string, Tensor> Module::named_buffers(bool recurse) const {
  return collect(*this, recurse, [](const Module& m) -> const OrderedDict<std::string, Tensor>& { return m.buffers_; });
}

std::vector<Tensor> Module::buffers(bool recurse) const { return named_buffers(recurse).values(); }

// ---- modes and conversion ----

void Module::train(bool on) {
  is_training_ = on;
  for (auto& child : children_) child.value()->train(on);
}

void Module::apply(const std::function<void(Module&)>& fn) {
  fn(*this);
  for (auto& child : children_) child.value()->apply(fn);
}

void Module::apply(const std::function<void(const std::string&, Module&)>& fn, const std::string& name_prefix) {
  fn(name_prefix, *this);
  for (auto& child : children_)
    child.value()->apply(fn, name_prefix.empty() ? child.key() : name_prefix + "." + child.key());
}

namespace {
void convert_all(Module& root, const std::function<std::optional<Tensor>(const Tensor&)>& convert) {
  NoGradGuard no_grad;
  root.apply([&](Module& m) {
    for (Tensor& t : m.parameters(false)) {
      if (auto converted = convert(t)) t.set_data(*converted);
      if (t.grad().defined())
        if (auto g = convert(t.grad())) t.grad().set_data(*g);
    }
    for (Tensor& t : m.buffers(false))
      if (auto converted = convert(t)) t.set_data(*converted);
  });
}
}  // namespace

void Module::to(Device device, bool non_blocking) {
  convert_all(*this, [&](const Tensor& t) -> std::optional<Tensor> { return t.to(device, non_blocking); });
}

void Module::to(ScalarType dtype, bool non_blocking) {
  EMBER_CHECK(is_floating_point(dtype), "[Module::to] nn.Module.to only accepts floating point dtypes, but got {}",
              to_string(dtype));
  convert_all(*this, [&](const Tensor& t) -> std::optional<Tensor> {
    if (!t.is_floating_point()) return std::nullopt;
    return t.to(dtype, non_blocking);
  });
}

void Module::to(Device device, ScalarType dtype, bool non_blocking) {
  to(device, non_blocking);
  to(dtype, non_blocking);
}

void Module::zero_grad(bool set_to_none) {
  for (Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.mutable_grad() = Tensor();
    } else {
      Tensor& g = p.mutable_grad();
      if (g.grad_fn() != nullptr)
        g = g.detach();
      else
        g.requires_grad_(false);
      g.zero_();
    }
  }
}

// ---- state ----

TensorState Module::state_dict() const {
  TensorState state;
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m, const std::string& prefix) {
    for (const auto& p : m.parameters_)
      if (p.value().defined()) state.tensors.insert(prefix + p.key(), p.value().detach());
    for (const auto& b : m.buffers_)
      if (b.value().defined()) state.tensors.insert(prefix + b.key(), b.value().detach());
    for (const auto& c : m.children_) visit(*c.value(), prefix + c.key() + ".");
  };
  visit(*this, "");
  return state;
}

namespace {
std::string quoted_list(const std::vector<std::string>& keys) {
  std::string out;
  for (const auto& k : keys) out += (out.empty() ? "\"" : ", \"") + k + "\"";
  return out;
}
}  // namespace

void Module::load_state_dict(const TensorState& state, bool strict) {
  const TensorState own = state_dict();
  std::vector<std::string> missing, unexpected, errors;
  for (const auto& item : own.tensors) {
    const Tensor* source = state.tensors.find(item.key());
    if (source == nullptr) {
      missing.push_back(item.key());
      continue;
    }
    if (source->sizes() != item.value().sizes())
      errors.push_back(fmt::format(
          "size mismatch for {}: copying a param with shape {} from checkpoint, the shape in current model is {}.",
          item.key(), ember::detail::shape_str(source->sizes()), ember::detail::shape_str(item.value().sizes())));
  }
  for (const auto& item : state.tensors)
    if (!own.tensors.contains(item.key())) unexpected.push_back(item.key());
  std::string message;
  if (strict && !unexpected.empty())
    message += fmt::format("\n\tUnexpected key(s) in state_dict: {}. ", quoted_list(unexpected));
  if (strict && !missing.empty()) message += fmt::format("\n\tMissing key(s) in state_dict: {}. ", quoted_list(missing));
  for (const auto& e : errors) message += "\n\t" + e;
  EMBER_CHECK(message.empty(), "Error(s) in loading state_dict for {}:{}", name_, message);
  // Nothing is written until every check passed, so a failed load changes nothing.
  NoGradGuard no_grad;
  for (const auto& item : own.tensors)
    if (const Tensor* source = state.tensors.find(item.key())) Tensor(item.value()).copy_(*source);
}

// ---- printing ----

namespace {
std::string add_indent(const std::string& text, int spaces) {
  std::string out;
  const std::string pad(size_t(spaces), ' ');
  for (size_t i = 0; i < text.size(); ++i) {
    out += text[i];
    if (text[i] == '\n' && i + 1 < text.size()) out += pad;
  }
  return out;
}

std::string repr(const Module& m) {
  std::ostringstream os;
  m.pretty_print(os);
  return os.str();
}
}  // namespace

void Module::pretty_print(std::ostream& stream, int indent) const {
  (void)indent;
  std::vector<std::string> extra_lines;
  const std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream lines(extra);
    for (std::string line; std::getline(lines, line);) extra_lines.push_back(line);
  }
  std::ostringstream children;
  pretty_print_children(children, 0);
  const std::string child_text = children.str();
  stream << name_ << "(";
  if (extra_lines.size() == 1 && child_text.empty()) {
    stream << extra_lines[0];
  } else if (!extra_lines.empty() || !child_text.empty()) {
    stream << "\n";
    for (const auto& line : extra_lines) stream << "  " << line << "\n";
    stream << child_text;
  }
  stream << ")";
}

void Module::pretty_print_children(std::ostream& stream, int) const {
  for (const auto& child : children_)
    stream << "  (" << child.key() << "): " << add_indent(repr(*child.value()), 2) << "\n";
}

std::ostream& operator<<(std::ostream& stream, const Module& module) {
  module.pretty_print(stream);
  return stream;
}

// ---- hooks ----

RemovableHandle Module::register_forward_pre_hook(ForwardPreHook hook) {
  const unsigned id = next_hook_id_++;
  forward_pre_hooks_.emplace_back(id, std::move(hook));
  return RemovableHandle([this, id] { std::erase_if(forward_pre_hooks_, [&](auto& h) { return h.first == id; }); });
}

RemovableHandle Module::register_forward_hook(ForwardHook hook) {
  const unsigned id = next_hook_id_++;
  forward_hooks_.emplace_back(id, std::move(hook));
  return RemovableHandle([this, id] { std::erase_if(forward_hooks_, [&](auto& h) { return h.first == id; }); });
}

RemovableHandle Module::register_full_backward_hook(BackwardHook hook) {
  const unsigned id = next_hook_id_++;
  backward_hooks_.emplace_back(id, std::move(hook));
  return RemovableHandle([this, id] { std::erase_if(backward_hooks_, [&](auto& h) { return h.first == id; }); });
}

std::vector<Tensor> Module::run_pre_hooks(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> current = inputs;
  const auto hooks = forward_pre_hooks_;  // a hook may remove itself
  for (const auto& [id, hook] : hooks) {
    if (auto replaced = hook(*this, current)) {
      EMBER_CHECK(replaced->size() == current.size(),
                  "[{}] a forward pre-hook returned {} inputs for {}; return one per tensor input", name_,
                  replaced->size(), current.size());
      current = std::move(*replaced);
    }
  }
  return current;
}

std::optional<std::vector<Tensor>> Module::run_forward_hooks(const std::vector<Tensor>& inputs,
                                                             const std::vector<Tensor>& outputs) {
  std::optional<std::vector<Tensor>> current;
  const auto hooks = forward_hooks_;
  for (const auto& [id, hook] : hooks) {
    if (auto replaced = hook(*this, inputs, current ? *current : outputs)) {
      EMBER_CHECK(replaced->size() == outputs.size(),
                  "[{}] a forward hook returned {} outputs for {}; return one per tensor output", name_,
                  replaced->size(), outputs.size());
      current = std::move(replaced);
    }
  }
  return current;
}

namespace {

// An identity step in the backward graph that lets the module's hooks see (and change) gradients.
class BackwardHookNode : public autograd::Node {
 public:
  explicit BackwardHookNode(std::function<autograd::variable_list(autograd::variable_list&&)> fn)
      : fn_(std::move(fn)) {}
  std::string name() const override { return "BackwardHookFunctionBackward"; }
  autograd::variable_list apply(autograd::variable_list&& grads) override { return fn_(std::move(grads)); }

 private:
  std::function<autograd::variable_list(autograd::variable_list&&)> fn_;
};

// Routes the tensors that require grad through `fn` in backward; returns aliases that carry it.
void route_through(std::vector<Tensor>& tensors,
                   std::function<autograd::variable_list(autograd::variable_list&&)> fn) {
  auto node = std::make_shared<BackwardHookNode>(std::move(fn));
  for (const Tensor& t : tensors)
    node->add_next_edge(t.defined() && t.requires_grad() ? autograd::gradient_edge(t) : autograd::Edge{});
  for (size_t i = 0; i < tensors.size(); ++i) {
    Tensor& t = tensors[i];
    if (t.defined() && t.requires_grad()) {
      auto alias = std::make_shared<TensorImpl>(t.storage(), t.dtype(), DimVector(t.sizes()), DimVector(t.strides()),
                                                t.storage_offset());
      t = Tensor(std::move(alias));
      autograd::set_history(t, node, uint32_t(i));
    }
    EMBER_CHECK(t.defined(), "[Module] hooks need defined tensors; forward produced an undefined one");
    node->add_input_meta(t);
  }
}

}  // namespace

struct Module::BackwardHookState {
  std::vector<Tensor> grad_outputs;
  size_t num_inputs = 0;
  bool inputs_routed = false;
};

std::shared_ptr<Module::BackwardHookState> Module::wrap_backward_inputs(std::vector<Tensor>& inputs) {
  if (backward_hooks_.empty() || !GradMode::is_enabled()) return nullptr;
  auto state = std::make_shared<BackwardHookState>();
  state->num_inputs = inputs.size();
  bool any = false;
  for (const Tensor& t : inputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return state;
  state->inputs_routed = true;
  route_through(inputs, [this, state](autograd::variable_list&& grad_input) {
    autograd::variable_list grads = std::move(grad_input);
    const auto hooks = backward_hooks_;
    for (const auto& [id, hook] : hooks) {
      if (auto replaced = hook(*this, grads, state->grad_outputs)) {
        EMBER_CHECK(replaced->size() == grads.size(),
                    "[{}] a backward hook returned {} gradients for {} inputs", name_, replaced->size(), grads.size());
        grads = std::move(*replaced);
      }
    }
    return grads;
  });
  return state;
}

void Module::wrap_backward_outputs(const std::shared_ptr<BackwardHookState>& state, std::vector<Tensor>& outputs) {
  bool any = false;
  for (const Tensor& t : outputs) any = any || (t.defined() && t.requires_grad());
  if (!any) return;
  route_through(outputs, [this, state](autograd::variable_list&& grad_output) {
    state->grad_outputs = grad_output;
    if (!state->inputs_routed) {
      // No input requires grad: the hooks run now, with undefined grad_input (PyTorch passes None).
      const std::vector<Tensor> grad_input(state->num_inputs);
      const auto hooks = backward_hooks_;
      for (const auto& [id, hook] : hooks) (void)hook(*this, grad_input, state->grad_outputs);
    }
    return std::move(grad_output);
  });
}

}  // namespace ember::nn
