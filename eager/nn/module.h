// nn::Module with libtorch's interface (parameters, buffers, submodules, train/eval, to, state_dict),
// PyTorch's repr, forward/backward hooks, and ModuleHolder / EMBER_MODULE like TORCH_MODULE.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/io/state.h"
#include "eager/nn/ordered_dict.h"
#include "eager/tensor.h"

namespace ember::nn {

class Module;

// Hooks, as in PyTorch's Python API. They see the Tensor arguments and results of
// forward (tensors inside vectors, pairs and tuples too, in order) and may return
// replacements (std::nullopt keeps them).
using ForwardPreHook = std::function<std::optional<std::vector<Tensor>>(Module&, const std::vector<Tensor>& inputs)>;
using ForwardHook = std::function<std::optional<std::vector<Tensor>>(Module&, const std::vector<Tensor>& inputs,
                                                                     const std::vector<Tensor>& outputs)>;
// Called when the gradients with respect to the module's inputs are computed;
// grad_input entries are undefined for inputs that do not require grad.
using BackwardHook = std::function<std::optional<std::vector<Tensor>>(
    Module&, const std::vector<Tensor>& grad_input, const std::vector<Tensor>& grad_output)>;

// Returned by the register_*_hook functions; remove() unregisters the hook.
class RemovableHandle {
 public:
  RemovableHandle() = default;
  explicit RemovableHandle(std::function<void()> remove) : remove_(std::move(remove)) {}
  void remove() {
    if (remove_) remove_();
    remove_ = nullptr;
  }

 private:
  std::function<void()> remove_;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  // `name` is what printing shows, e.g. "Linear".
  explicit Module(std::string name);
  Module();
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  const std::string& name() const { return name_; }

  // ---- parameters, buffers, submodules ----
  std::vector<Tensor> parameters(bool recurse = true) const;
  // Dotted names in registration order, parents before children ("0.weight").
  OrderedDict<std::string, Tensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  OrderedDict<std::string, Tensor> named_buffers(bool recurse = true) const;
  std::vector<std::shared_ptr<Module>> children() const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_children() const;
  // Pre-order; the root is named "" (or name_prefix).
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  OrderedDict<std::string, std::shared_ptr<Module>> named_modules(const std::string& name_prefix = "",
                                                                  bool include_self = true) const;

  Tensor& register_parameter(std::string name, Tensor tensor, bool requires_grad = true);
  // A buffer may be undefined (e.g. running stats that are off); it is then skipped.
  Tensor& register_buffer(std::string name, Tensor tensor);
  template <typename M>
  std::shared_ptr<M> register_module(std::string name, std::shared_ptr<M> module);
  template <typename Holder, typename = typename Holder::ContainedType>
  auto register_module(std::string name, const Holder& holder) {
    return register_module(std::move(name), holder.ptr());
  }
  template <typename M>
  std::shared_ptr<M> replace_module(const std::string& name, std::shared_ptr<M> module);
  void unregister_module(const std::string& name);
  // Removes a parameter (ParameterDict::pop); an error if there is none by that name.
  void unregister_parameter(const std::string& name);

  // ---- modes and conversion ----
  virtual void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return is_training_; }
  // fn on every module, pre-order, this one first.
  void apply(const std::function<void(Module&)>& fn);
  void apply(const std::function<void(const std::string&, Module&)>& fn, const std::string& name_prefix = "");
  // Converts parameters and buffers in place (floating ones only for a dtype), keeping
  // their identity, as libtorch does.
  virtual void to(Device device, bool non_blocking = false);
  virtual void to(ScalarType dtype, bool non_blocking = false);
  virtual void to(Device device, ScalarType dtype, bool non_blocking = false);
  // set_to_none = true drops the gradients (PyTorch 2's default); false zeroes them.
  virtual void zero_grad(bool set_to_none = true);

  // ---- state ----
  // Parameters and buffers by dotted name (PyTorch's state_dict order).
  TensorState state_dict() const;
  // Copies `state` into the parameters and buffers. strict: every key must match both
  // ways; shapes must always match.
  void load_state_dict(const TensorState& state, bool strict = true);

  // ---- printing ----
  // One line describing this module's own configuration, as PyTorch's extra_repr
  // ("in_features=3, out_features=4, bias=True"); empty by default.
  virtual std::string extra_repr() const { return ""; }
  // PyTorch's repr: the name, extra_repr, and the children indented.
  virtual void pretty_print(std::ostream& stream, int indent = 0) const;

  // ---- hooks ----
  RemovableHandle register_forward_pre_hook(ForwardPreHook hook);
  RemovableHandle register_forward_hook(ForwardHook hook);
  RemovableHandle register_full_backward_hook(BackwardHook hook);

  // Runs module.forward(args...) with this module's hooks: what ModuleHolder::operator() does.
  template <typename Impl, typename... Args>
  static auto call(Impl& module, Args&&... args);

 protected:
  // The children for pretty_print; containers override to print their own layout.
  virtual void pretty_print_children(std::ostream& stream, int indent) const;

 private:
  bool has_hooks() const {
    return !forward_pre_hooks_.empty() || !forward_hooks_.empty() || !backward_hooks_.empty();
  }
  std::vector<Tensor> run_pre_hooks(const std::vector<Tensor>& inputs);
  std::optional<std::vector<Tensor>> run_forward_hooks(const std::vector<Tensor>& inputs,
                                                       const std::vector<Tensor>& outputs);
  // Full backward hooks: identity steps around the inputs and the outputs that
  // capture grad_output and hand grad_input to the hooks.
 public:
  struct BackwardHookState;

 private:
  std::shared_ptr<BackwardHookState> wrap_backward_inputs(std::vector<Tensor>& inputs);
  void wrap_backward_outputs(const std::shared_ptr<BackwardHookState>& state, std::vector<Tensor>& outputs);

  std::string name_;
  OrderedDict<std::string, Tensor> parameters_{"parameter"};
  OrderedDict<std::string, Tensor> buffers_{"buffer"};
  OrderedDict<std::string, std::shared_ptr<Module>> children_{"submodule"};
  bool is_training_ = true;
  unsigned next_hook_id_ = 0;
  std::vector<std::pair<unsigned, ForwardPreHook>> forward_pre_hooks_;
  std::vector<std::pair<unsigned, ForwardHook>> forward_hooks_;
  std::vector<std::pair<unsigned, BackwardHook>> backward_hooks_;
};

std::ostream& operator<<(std::ostream& stream, const Module& module);

// ---- tensors inside forward's arguments and results ----
namespace detail {
template <typename T>
struct is_tuple_like : std::false_type {};
template <typename... T>
struct is_tuple_like<std::tuple<T...>> : std::true_type {};
template <typename A, typename B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};

// Calls f(Tensor&) on every tensor in value, in order.
template <typename T, typename F>
void for_each_tensor(T& value, F&& f) {
  using D = std::remove_cv_t<std::remove_reference_t<T>>;
  if constexpr (std::is_same_v<D, Tensor>) {
    f(value);
  } else if constexpr (std::is_same_v<D, std::vector<Tensor>>) {
    for (Tensor& t : value) f(t);
  } else if constexpr (is_tuple_like<D>::value) {
    std::apply([&](auto&... parts) { (for_each_tensor(parts, f), ...); }, value);
  }
}
}  // namespace detail

template <typename Impl, typename... Args>
auto Module::call(Impl& module, Args&&... args) {
  Module& base = module;
  if (!base.has_hooks()) return module.forward(std::forward<Args>(args)...);
  auto arguments = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...);
  std::vector<Tensor> inputs;
  detail::for_each_tensor(arguments, [&](Tensor& t) { inputs.push_back(t); });
  inputs = base.run_pre_hooks(inputs);
  auto state = base.wrap_backward_inputs(inputs);
  size_t next = 0;
  detail::for_each_tensor(arguments, [&](Tensor& t) { t = inputs[next++]; });
  auto result = std::apply([&](auto&... a) { return module.forward(a...); }, arguments);
  std::vector<Tensor> outputs;
  detail::for_each_tensor(result, [&](Tensor& t) { outputs.push_back(t); });
  bool changed = false;
  if (auto replaced = base.run_forward_hooks(inputs, outputs)) {
    outputs = std::move(*replaced);
    changed = true;
  }
  if (state) {
    base.wrap_backward_outputs(state, outputs);
    changed = true;
  }
  if (changed) {
    next = 0;
    detail::for_each_tensor(result, [&](Tensor& t) { t = outputs.at(next++); });
  }
  return result;
}

template <typename M>
std::shared_ptr<M> Module::register_module(std::string name, std::shared_ptr<M> module) {
  EMBER_CHECK(module != nullptr, "[register_module] submodule '{}' is empty (nullptr); construct it first", name);
  EMBER_CHECK(!name.empty() && name.find('.') == std::string::npos,
              "[register_module] submodule name must be non-empty and contain no '.', got '{}'", name);
  children_.insert(std::move(name), module);
  return module;
}

template <typename M>
std::shared_ptr<M> Module::replace_module(const std::string& name, std::shared_ptr<M> module) {
  EMBER_CHECK(children_.contains(name), "[replace_module] no submodule named '{}' to replace", name);
  children_[name] = module;
  return module;
}

// A shared handle to a module implementation, as libtorch's ModuleHolder:
// `Linear fc(3, 4); fc(x); fc->weight;`.
template <typename Contained>
class ModuleHolder {
 public:
  using ContainedType = Contained;

  // Default-constructs the module when it can be; otherwise the holder is empty.
  ModuleHolder() {
    if constexpr (std::is_default_constructible_v<Contained>) impl_ = std::make_shared<Contained>();
  }
  ModuleHolder(std::nullptr_t) {}  // NOLINT: an empty holder, to be assigned later
  template <typename Head, typename... Tail,
            typename = std::enable_if_t<!(std::is_same_v<std::decay_t<Head>, std::nullptr_t> ||
                                          std::is_same_v<std::decay_t<Head>, std::shared_ptr<Contained>> ||
                                          std::is_base_of_v<ModuleHolder, std::decay_t<Head>>)>>
  explicit ModuleHolder(Head&& head, Tail&&... tail)
      : impl_(std::make_shared<Contained>(std::forward<Head>(head), std::forward<Tail>(tail)...)) {}
  ModuleHolder(std::shared_ptr<Contained> module) : impl_(std::move(module)) {}  // NOLINT

  Contained* operator->() const { return get(); }
  Contained& operator*() const { return *get(); }
  Contained* get() const {
    EMBER_CHECK(impl_ != nullptr, "[ModuleHolder] accessing an empty module holder; construct the module first");
    return impl_.get();
  }
  const std::shared_ptr<Contained>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }

  template <typename... Args>
  auto operator()(Args&&... args) const {
    return Module::call(*get(), std::forward<Args>(args)...);
  }

 private:
  std::shared_ptr<Contained> impl_;
};

template <typename Contained>
std::ostream& operator<<(std::ostream& stream, const ModuleHolder<Contained>& holder) {
  return stream << *holder;
}

}  // namespace ember::nn

// Declares `Name` as a ModuleHolder of `Name##Impl`, as TORCH_MODULE does.
#define EMBER_MODULE(Name)                                      \
  class Name : public ::ember::nn::ModuleHolder<Name##Impl> {   \
   public:                                                      \
    using ::ember::nn::ModuleHolder<Name##Impl>::ModuleHolder;  \
    using Impl = Name##Impl;                                    \
  }
