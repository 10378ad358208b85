// Custom autograd functions with libtorch's API: autograd::Function<T>, AutogradContext, IValue.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "eager/autograd/grad_mode.h"
#include "eager/autograd/node.h"

namespace ember::autograd {

// A value kept in ctx->saved_data: none, bool, int, double, string, tensor or int list.
class IValue {
 public:
  IValue() = default;
  IValue(bool v) : value_(v) {}                                   // NOLINT
  template <typename I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  IValue(I v) : value_(int64_t(v)) {}                             // NOLINT
  IValue(double v) : value_(v) {}                                 // NOLINT
  IValue(std::string v) : value_(std::move(v)) {}                 // NOLINT
  IValue(const char* v) : value_(std::string(v)) {}               // NOLINT
  IValue(Tensor v) : value_(std::move(v)) {}                      // NOLINT
  IValue(std::vector<int64_t> v) : value_(std::move(v)) {}        // NOLINT

  bool isNone() const { return std::holds_alternative<std::monostate>(value_); }
  bool isTensor() const { return std::holds_alternative<Tensor>(value_); }
  bool toBool() const { return get<bool>("bool"); }
  int64_t toInt() const { return get<int64_t>("int"); }
  double toDouble() const;
  const std::string& toStringRef() const { return get<std::string>("string"); }
  const Tensor& toTensor() const { return get<Tensor>("Tensor"); }
  const std::vector<int64_t>& toIntVector() const { return get<std::vector<int64_t>>("int list"); }

 private:
  template <typename T>
  const T& get(const char* wanted) const {
    if (const T* v = std::get_if<T>(&value_)) return *v;
    fail(wanted);
  }
  [[noreturn]] void fail(const char* wanted) const;
  std::variant<std::monostate, bool, int64_t, double, std::string, Tensor, std::vector<int64_t>> value_;
};

// What forward and backward of a custom function share.
class AutogradContext {
 public:
  // Non-tensor state for backward.
  std::unordered_map<std::string, IValue> saved_data;

  // Tensors for backward (inputs or outputs); read them with get_saved_variables().
  void save_for_backward(variable_list to_save) { to_save_ = std::move(to_save); }
  // Inputs forward modified in place.
  void mark_dirty(const variable_list& inputs);
  // Outputs that are not differentiable (indices, masks): they never require grad.
  void mark_non_differentiable(const variable_list& outputs);
  // false: backward receives undefined tensors for unused outputs instead of zeros.
  void set_materialize_grads(bool value) { materialize_grads_ = value; }
  variable_list get_saved_variables() const;
  // Whether tensor input `index` (counting tensor inputs only) needs a gradient.
  bool needs_input_grad(size_t index) const;

 private:
  template <class T>
  friend class CppNode;
  friend void wrap_outputs(AutogradContext& ctx, const variable_list& inputs, variable_list& outputs,
                           const std::shared_ptr<Node>& node);

  variable_list to_save_;
  std::vector<SavedVariable> saved_;
  std::unordered_set<const TensorImpl*> dirty_;
  std::unordered_set<const TensorImpl*> non_differentiable_;
  bool materialize_grads_ = true;
  bool released_ = false;
  std::weak_ptr<Node> node_;
};

// After forward: connects the outputs to `node` (nullptr when nothing records),
// handling dirty, non-differentiable and returned-input outputs, and saves ctx's tensors.
void wrap_outputs(AutogradContext& ctx, const variable_list& inputs, variable_list& outputs,
                  const std::shared_ptr<Node>& node);

namespace detail {
// The backward of a custom function, without the template: gradients for the tensor inputs.
variable_list custom_backward_results(const std::string& name, const std::vector<bool>& is_tensor_arg,
                                      variable_list&& grads);
// Zeros for the floating outputs' missing gradients (set_materialize_grads(true), the default).
void materialize_grads(const Node& node, variable_list& grads);
std::string demangle(const char* mangled);
}  // namespace detail

// The node of a custom function T.
template <class T>
class CppNode : public Node {
 public:
  std::string name() const override { return "CppNode<" + detail::demangle(typeid(T).name()) + ">"; }
  variable_list apply(variable_list&& grads) override {
    if (ctx_.materialize_grads_) detail::materialize_grads(*this, grads);
    variable_list results = T::backward(&ctx_, std::move(grads));
    return detail::custom_backward_results(name(), is_tensor_arg_, std::move(results));
  }
  void release_variables() override {
    for (SavedVariable& s : ctx_.saved_) s.reset();
    ctx_.released_ = true;
  }

  AutogradContext ctx_;
  std::vector<bool> is_tensor_arg_;  // per forward argument: is it a tensor
};

// Base of a user's custom function: T defines
//   static variable_list (or Tensor) forward(AutogradContext* ctx, Args...);
//   static variable_list backward(AutogradContext* ctx, variable_list grad_outputs);
// and calls it with T::apply(args...). backward returns one entry per forward argument
// (undefined for non-tensor arguments).
template <class T>
struct Function {
  template <typename... Args>
  static auto apply(Args&&... args);
};

namespace detail {
template <typename A>
void collect_tensors(const A& arg, variable_list& tensors, std::vector<bool>& is_tensor) {
  using D = std::decay_t<A>;
  if constexpr (std::is_same_v<D, Tensor>) {
    tensors.push_back(arg);
    is_tensor.push_back(true);
  } else if constexpr (std::is_same_v<D, variable_list>) {
    for (const Tensor& t : arg) {
      tensors.push_back(t);
      is_tensor.push_back(true);
    }
  } else {
    is_tensor.push_back(false);
  }
}
}  // namespace detail

template <class T>
template <typename... Args>
auto Function<T>::apply(Args&&... args) {
  auto node = std::make_shared<CppNode<T>>();
  variable_list inputs;
  (detail::collect_tensors(args, inputs, node->is_tensor_arg_), ...);
  bool recording = GradMode::is_enabled();
  if (recording) {
    recording = false;
    for (const Tensor& t : inputs) recording = recording || (t.defined() && t.requires_grad());
  }
  using Result = decltype(T::forward(&node->ctx_, std::forward<Args>(args)...));
  Result result = [&] {
    AutoGradMode no_grad(false);
    return T::forward(&node->ctx_, std::forward<Args>(args)...);
  }();
  variable_list outputs;
  if constexpr (std::is_same_v<Result, Tensor>)
    outputs.push_back(result);
  else
    outputs = result;
  wrap_outputs(node->ctx_, inputs, outputs, recording ? std::shared_ptr<Node>(node) : nullptr);
  if constexpr (std::is_same_v<Result, Tensor>)
    return outputs[0];
  else
    return outputs;
}

}  // namespace ember::autograd
