// The optimizer base: parameter groups, zero_grad, step's grad-mode handling and the state_dict layout.
#include "eager/optim/optimizer.h"

#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "eager/autograd/grad_mode.h"
#include "kernels/check.h"

namespace ember::optim {

using ordered_json = nlohmann::ordered_json;

// ---- detail ----

std::string detail::python_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string text = fmt::format("{}", value);
  // Python writes integral floats with ".0" ("2.0"), fmt without.
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

void detail::throw_wrong_options(const char* optimizer) {
  EMBER_FAIL("[{}] a parameter group holds options of another optimizer; give each group {}Options", optimizer,
             optimizer);
}

// ---- OptimizerParamGroup ----

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) {
    params_ = other.params_;
    options_ = other.options_ ? other.options_->clone() : nullptr;
  }
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  EMBER_CHECK(options_ != nullptr,
              "[OptimizerParamGroup] this group has no options yet; add it to an optimizer (which gives it a copy "
              "of the defaults) or pass options to its constructor");
  return *options_;
}

const OptimizerOptions& OptimizerParamGroup::options() const {
  return const_cast<OptimizerParamGroup*>(this)->options();
}

// ---- Optimizer ----

Optimizer::Optimizer(std::vector<OptimizerParamGroup> param_groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  EMBER_CHECK(defaults_ != nullptr, "[Optimizer] the default options are null; pass an options object");
  defaults_->validate();
  EMBER_CHECK(!param_groups.empty(), "optimizer got an empty parameter list");
  for (const OptimizerParamGroup& group : param_groups) add_param_group(group);
}

Optimizer::Optimizer(std::vector<Tensor> parameters, std::unique_ptr<OptimizerOptions> defaults)
    : Optimizer(std::vector<OptimizerParamGroup>{OptimizerParamGroup(std::move(parameters))}, std::move(defaults)) {
  EMBER_CHECK(!param_groups_.front().params().empty(), "optimizer got an empty parameter list");
}

void Optimizer::add_param_group(const OptimizerParamGroup& param_group) {
  OptimizerParamGroup group(param_group.params(),
                            param_group.has_options() ? param_group.options().clone() : defaults_->clone());
  group.options().validate();
  std::unordered_set<const TensorImpl*> seen;
  for (const OptimizerParamGroup& other : param_groups_)
    for (const Tensor& p : other.params()) seen.insert(p.unsafeGetTensorImpl());
  std::unordered_set<const TensorImpl*> in_group;
  for (const Tensor& p : group.params()) {
    EMBER_CHECK(p.defined(), "[Optimizer] a parameter is an undefined tensor; pass defined tensors");
    EMBER_CHECK(p.is_leaf() || p.retains_grad(),
                "can't optimize a non-leaf Tensor (pass leaves, e.g. x.detach().requires_grad_())");
    EMBER_CHECK(in_group.insert(p.unsafeGetTensorImpl()).second && !seen.count(p.unsafeGetTensorImpl()),
                "some parameters appear in more than one parameter group");
  }
  param_groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (OptimizerParamGroup& group : param_groups_) {
    for (Tensor& p : group.params()) {
      Tensor& grad = p.mutable_grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        grad = Tensor();
      } else {
        if (grad.grad_fn() != nullptr) grad.detach_();
        else grad.requires_grad_(false);
        grad.zero_();
      }
    }
  }
}

Tensor Optimizer::step(LossClosure closure) {
  Tensor loss;
  if (closure) {
    AutoGradMode enable_grad(true);
    loss = closure();
  }
  NoGradGuard no_grad;
  for (OptimizerParamGroup& group : param_groups_) step_group(group);
  return loss;
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const OptimizerParamGroup& group : param_groups_)
    out.insert(out.end(), group.params().begin(), group.params().end());
  return out;
}

size_t Optimizer::size() const {
  size_t n = 0;
  for (const OptimizerParamGroup& group : param_groups_) n += group.params().size();
  return n;
}

// ---- state_dict ----

namespace {

ordered_json to_json(const OptionValue& value) {
  if (const double* d = std::get_if<double>(&value)) return *d;
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  return std::get<std::vector<double>>(value);
}

// The JSON value as the option type that `current` has; an error naming the option otherwise.
OptionValue from_json(const ordered_json& j, const OptionValue& current, const std::string& key, size_t group) {
  auto fail = [&](const char* expected) {
    EMBER_FAIL("[Optimizer::load_state_dict] param_groups[{}]['{}'] should be {}, got {}", group, key, expected,
               j.dump());
  };
  if (std::holds_alternative<double>(current)) {
    if (!j.is_number()) fail("a number");
    return j.get<double>();
  }
  if (std::holds_alternative<bool>(current)) {
    if (!j.is_boolean()) fail("true or false");
    return j.get<bool>();
  }
  if (!j.is_array()) fail("a list of numbers");
  std::vector<double> out;
  for (const ordered_json& item : j) {
    if (!item.is_number()) fail("a list of numbers");
    out.push_back(item.get<double>());
  }
  return out;
}

}  // namespace

TensorState Optimizer::state_dict() const {
  TensorState out;
  ordered_json groups = ordered_json::array();
  int64_t index = 0;
  for (const OptimizerParamGroup& group : param_groups_) {
    ordered_json g = ordered_json::object();
    for (const auto& [key, value] : group.options().values()) g[key] = to_json(value);
    ordered_json params = ordered_json::array();
    for (const Tensor& p : group.params()) {
      if (auto it = state_.find(p.unsafeGetTensorImpl()); it != state_.end())
        for (const auto& item : it->second) out.tensors.insert(fmt::format("state.{}.{}", index, item.key()), item.value());
      params.push_back(index++);
    }
    g["params"] = std::move(params);
    groups.push_back(std::move(g));
  }
  out.metadata["param_groups"] = groups.dump();
  return out;
}

void Optimizer::load_state_dict(const TensorState& state_dict) {
  const std::string where = name() + "::load_state_dict";
  auto it = state_dict.metadata.find("param_groups");
  EMBER_CHECK(it != state_dict.metadata.end(),
              "[{}] the state dict has no metadata 'param_groups'; pass what Optimizer::state_dict() returned", where);
  ordered_json groups;
  try {
    groups = ordered_json::parse(it->second);
  } catch (const nlohmann::json::exception& e) {
    EMBER_FAIL("[{}] metadata 'param_groups' is not valid JSON ({})", where, e.what());
  }
  EMBER_CHECK(groups.is_array(), "[{}] metadata 'param_groups' should be a JSON list of groups, got {}", where,
              groups.type_name());
  EMBER_CHECK(groups.size() == param_groups_.size(),
              "loaded state dict has a different number of parameter groups ({} in the state dict, {} in the "
              "optimizer)",
              groups.size(), param_groups_.size());

  // Everything is checked before anything changes, so a failed load leaves the optimizer as it was.
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  std::unordered_map<int64_t, Tensor> param_of_index;  // saved index -> this optimizer's parameter
  for (size_t g = 0; g < groups.size(); ++g) {
    const ordered_json& saved = groups[g];
    OptimizerParamGroup& group = param_groups_[g];
    EMBER_CHECK(saved.is_object() && saved.contains("params") && saved["params"].is_array(),
                "[{}] param_groups[{}] should be an object with a 'params' list", where, g);
    const ordered_json& params = saved["params"];
    EMBER_CHECK(params.size() == group.params().size(),
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group "
                "(group {}: {} parameters in the state dict, {} in the optimizer)",
                g, params.size(), group.params().size());
    for (size_t i = 0; i < params.size(); ++i) {
      EMBER_CHECK(params[i].is_number_integer(), "[{}] param_groups[{}]['params'] should hold integers, got {}",
                  where, g, params[i].dump());
      EMBER_CHECK(param_of_index.emplace(params[i].get<int64_t>(), group.params()[i]).second,
                  "[{}] parameter index {} appears twice in param_groups", where, params[i].get<int64_t>());
    }
    std::unique_ptr<OptimizerOptions> options = group.options().clone();
    // Keys of other optimizers or PyTorch-only flags (foreach, maximize, initial_lr) are ignored.
    for (const auto& [key, current] : options->values())
      if (saved.contains(key)) options->set_value(key, from_json(saved[key], current, key, g));
    options->validate();
    new_options.push_back(std::move(options));
  }

  std::unordered_map<const TensorImpl*, OptimizerParamState> new_state;
  for (const auto& item : state_dict.tensors) {
    const std::string& key = item.key();
    const size_t dot = key.find('.', 6);
    int64_t index = -1;
    const bool well_formed = key.rfind("state.", 0) == 0 && dot != std::string::npos && dot + 1 < key.size() &&
                             std::from_chars(key.data() + 6, key.data() + dot, index).ptr == key.data() + dot;
    EMBER_CHECK(well_formed, "[{}] unexpected tensor '{}': expected names like 'state.<param index>.<name>'", where,
                key);
    auto param = param_of_index.find(index);
    EMBER_CHECK(param != param_of_index.end(), "[{}] tensor '{}' names parameter {}, which no parameter group lists",
                where, key, index);
    const std::string state_name = key.substr(dot + 1);
    const Tensor& p = param->second;
    Tensor value = item.value().detach();
    EMBER_CHECK(value.defined(), "[{}] tensor '{}' is undefined", where, key);
    if (state_name != "step") {
      EMBER_CHECK(value.sizes().vec() == p.sizes().vec(),
                  "[{}] state '{}' has shape {} but parameter {} has shape {}; the state dict belongs to other "
                  "parameters",
                  where, key, value.sizes().vec(), index, p.sizes().vec());
      // As PyTorch: floating state follows the parameter's dtype and device; step keeps its own.
      value = p.is_floating_point() && value.is_floating_point() ? value.to(p.device(), p.dtype()) : value.to(p.device());
    }
    new_state[p.unsafeGetTensorImpl()].insert(state_name, value.clone());
  }

  for (size_t g = 0; g < param_groups_.size(); ++g) param_groups_[g].set_options(std::move(new_options[g]));
  state_ = std::move(new_state);
}

}  // namespace ember::optim

namespace ember::optim::detail {

double option_double(const OptionValue& value, const std::string& name, const char* options) {
  const double* d = std::get_if<double>(&value);
  EMBER_CHECK(d != nullptr, "[{}] option '{}' is a number; pass a double", options, name);
  return *d;
}

bool option_bool(const OptionValue& value, const std::string& name, const char* options) {
  const bool* b = std::get_if<bool>(&value);
  EMBER_CHECK(b != nullptr, "[{}] option '{}' is a flag; pass true or false", options, name);
  return *b;
}

betas_t option_betas(const OptionValue& value, const std::string& name, const char* options) {
  const auto* v = std::get_if<std::vector<double>>(&value);
  EMBER_CHECK(v != nullptr && v->size() == 2, "[{}] option '{}' is a pair of numbers; pass two doubles", options, name);
  return {(*v)[0], (*v)[1]};
}

void throw_unknown_option(const std::string& name, const char* options) {
  EMBER_FAIL("[{}] has no option '{}'", options, name);
}

}  // namespace ember::optim::detail
