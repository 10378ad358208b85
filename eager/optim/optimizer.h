// The optimizer base classes as libtorch has them: options, parameter groups, per-parameter state and step().
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "eager/io/state.h"
#include "eager/nn/ordered_dict.h"
#include "eager/tensor.h"

// Declares a hyperparameter with libtorch's accessors: `name(value)` sets it and returns the options
// (so setters chain), `name()` reads it.
#define EMBER_OPTIM_ARG(T, name)                     \
 public:                                             \
  auto& name(const T& new_##name) {                  \
    name##_ = new_##name;                            \
    return *this;                                    \
  }                                                  \
  const T& name() const noexcept { return name##_; } \
                                                     \
 private:                                            \
  T name##_

namespace ember::optim {

// A hyperparameter as a state_dict stores it: a number, a flag, or a tuple of numbers (Adam's betas).
using OptionValue = std::variant<double, bool, std::vector<double>>;
using OptionValues = std::vector<std::pair<std::string, OptionValue>>;
// Adam's (beta1, beta2), named as libtorch names it.
using betas_t = std::tuple<double, double>;

class OptimizerOptions {
 public:
  virtual ~OptimizerOptions() = default;
  virtual std::unique_ptr<OptimizerOptions> clone() const = 0;
  virtual double get_lr() const = 0;
  virtual void set_lr(double lr) = 0;
  // The hyperparameters by their PyTorch names, in PyTorch's order ({"lr", 0.1}, {"momentum", 0.9}, ...).
  virtual OptionValues values() const = 0;
  // Sets the hyperparameter `name` (one of values()' names); an error for other names or types.
  virtual void set_value(const std::string& name, const OptionValue& value) = 0;
  // Throws PyTorch's ValueError message when a value is out of range (negative lr, ...).
  virtual void validate() const = 0;
};

// A list of parameters optimized with one set of options (PyTorch's param_groups entry).
class OptimizerParamGroup {
 public:
  explicit OptimizerParamGroup(std::vector<Tensor> params) : params_(std::move(params)) {}
  OptimizerParamGroup(std::vector<Tensor> params, std::unique_ptr<OptimizerOptions> options)
      : params_(std::move(params)), options_(std::move(options)) {}
  OptimizerParamGroup(const OptimizerParamGroup& other);
  OptimizerParamGroup& operator=(const OptimizerParamGroup& other);
  OptimizerParamGroup(OptimizerParamGroup&&) = default;
  OptimizerParamGroup& operator=(OptimizerParamGroup&&) = default;

  bool has_options() const { return options_ != nullptr; }
  OptimizerOptions& options();
  const OptimizerOptions& options() const;
  void set_options(std::unique_ptr<OptimizerOptions> options) { options_ = std::move(options); }
  std::vector<Tensor>& params() { return params_; }
  const std::vector<Tensor>& params() const { return params_; }

 private:
  std::vector<Tensor> params_;
  std::unique_ptr<OptimizerOptions> options_;
};

// A parameter's state by name ("step", "exp_avg", "momentum_buffer", ...), as optimizer.state[p] in PyTorch.
class OptimizerParamState : public OrderedDict<std::string, Tensor> {
 public:
  OptimizerParamState() : OrderedDict("optimizer state") {}
};

// Re-evaluates the model and returns the loss; step() runs it with grad mode on.
using LossClosure = std::function<Tensor()>;

class Optimizer {
 public:
  Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults);
  Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient, under NoGradGuard. Returns the closure's
  // loss (undefined without a closure).
  Tensor step(LossClosure closure = nullptr);
  // Adds a group; a group without options gets a copy of the defaults.
  void add_param_group(const OptimizerParamGroup& param_group);
  // Resets gradients: to undefined (set_to_none) or to zeros in place.
  void zero_grad(bool set_to_none = true);

  std::vector<OptimizerParamGroup>& param_groups() { return param_groups_; }
  const std::vector<OptimizerParamGroup>& param_groups() const { return param_groups_; }
  OptimizerOptions& defaults() { return *defaults_; }
  const OptimizerOptions& defaults() const { return *defaults_; }
  // Per-parameter state keyed by the parameter's TensorImpl (a parameter has none before its first step).
  std::unordered_map<const TensorImpl*, OptimizerParamState>& state() { return state_; }
  const std::unordered_map<const TensorImpl*, OptimizerParamState>& state() const { return state_; }
  // All parameters of all groups, in order (the indices state_dict uses).
  std::vector<Tensor> parameters() const;
  size_t size() const;

  // State tensors named "state.<param index>.<name>" and metadata["param_groups"]: the groups'
  // hyperparameters and parameter indices as JSON (PyTorch's state_dict layout, flattened).
  // The tensors are the optimizer's own (not copies), as in PyTorch.
  TensorState state_dict() const;
  // Restores hyperparameters and state (copied) from state_dict(); checks that the groups, their
  // sizes and the state shapes match this optimizer.
  void load_state_dict(const TensorState& state_dict);

 protected:
  // The update of one group, given the group and its parameters' state (run under NoGradGuard).
  virtual void step_group(OptimizerParamGroup& group) = 0;
  // A short name used in error messages ("SGD").
  virtual std::string name() const = 0;
  OptimizerParamState& param_state(const Tensor& param) { return state_[param.unsafeGetTensorImpl()]; }

 private:
  std::vector<OptimizerParamGroup> param_groups_;
  std::unique_ptr<OptimizerOptions> defaults_;
  std::unordered_map<const TensorImpl*, OptimizerParamState> state_;
};

namespace detail {
// A double as Python's repr writes it ("2.0", "-0.1", "inf"), for PyTorch's error messages.
std::string python_float(double value);
[[noreturn]] void throw_wrong_options(const char* optimizer);
// The value of option `name` as a number / flag / betas pair (an error naming `options` otherwise).
double option_double(const OptionValue& value, const std::string& name, const char* options);
bool option_bool(const OptionValue& value, const std::string& name, const char* options);
betas_t option_betas(const OptionValue& value, const std::string& name, const char* options);
[[noreturn]] void throw_unknown_option(const std::string& name, const char* options);
// The options of type `Options` of a group (an error naming the optimizer for other option types).
template <typename Options>
const Options& options_as(const OptimizerParamGroup& group, const char* optimizer) {
  const auto* options = dynamic_cast<const Options*>(&group.options());
  if (options == nullptr) throw_wrong_options(optimizer);
  return *options;
}
}  // namespace detail

}  // namespace ember::optim
