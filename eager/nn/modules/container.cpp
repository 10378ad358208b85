// Containers: Sequential, ModuleList, ModuleDict, ParameterList, ParameterDict and Functional.
#include "eager/nn/modules/container.h"

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "kernels/check.h"

namespace ember::nn {

// ---- Functional ----

FunctionalImpl::FunctionalImpl(std::function<Tensor(Tensor)> function)
    : Module("Functional"), function_(std::move(function)) {
  EMBER_CHECK(function_ != nullptr, "[Functional] the function is empty; pass a callable");
}

Tensor FunctionalImpl::forward(Tensor input) { return function_(std::move(input)); }

// ---- Sequential ----

SequentialImpl::SequentialImpl(std::initializer_list<NamedAnyModule> named_modules) : Module("Sequential") {
  for (const auto& item : named_modules) push_back(item.name, item.module);
}

void SequentialImpl::push_back(AnyModule module) { push_back(std::to_string(modules_.size()), std::move(module)); }

void SequentialImpl::push_back(std::string name, AnyModule module) {
  EMBER_CHECK(!module.is_empty(), "[Sequential] cannot add an empty module; construct it first");
  register_module(std::move(name), module.ptr());
  modules_.push_back(std::move(module));
}

void SequentialImpl::extend(const SequentialImpl& other) {
  EMBER_CHECK(&other != this, "[Sequential] extend with itself is not supported; copy the modules first");
  for (const AnyModule& m : other.modules_) push_back(m);
}

Tensor SequentialImpl::forward(const Tensor& input) {
  Tensor x = input;
  for (const AnyModule& m : modules_) x = m.forward(x);
  return x;
}

const AnyModule& SequentialImpl::checked(size_t index) const {
  EMBER_CHECK(index < modules_.size(), "[Sequential] index {} is out of range for a Sequential of {} modules", index,
              modules_.size());
  return modules_[index];
}

std::shared_ptr<Module> SequentialImpl::operator[](size_t index) const { return checked(index).ptr(); }

// ---- ModuleList ----

void ModuleListImpl::push_back(std::shared_ptr<Module> module) {
  EMBER_CHECK(module != nullptr, "[ModuleList] cannot add an empty module (nullptr); construct it first");
  register_module(std::to_string(modules_.size()), module);
  modules_.push_back(std::move(module));
}

void ModuleListImpl::insert(size_t index, std::shared_ptr<Module> module) {
  EMBER_CHECK(module != nullptr, "[ModuleList] cannot insert an empty module (nullptr); construct it first");
  EMBER_CHECK(index <= modules_.size(), "[ModuleList] insert index {} is out of range for a ModuleList of {} modules",
              index, modules_.size());
  modules_.insert(modules_.begin() + std::ptrdiff_t(index), std::move(module));
  rename_children();
}

void ModuleListImpl::rename_children() {
  for (const auto& key : named_children().keys()) unregister_module(key);
  for (size_t i = 0; i < modules_.size(); ++i) register_module(std::to_string(i), modules_[i]);
}

void ModuleListImpl::extend(const ModuleListImpl& other) {
  EMBER_CHECK(&other != this, "[ModuleList] extend with itself is not supported; copy the modules first");
  extend(other.modules_);
}

void ModuleListImpl::extend(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
}

std::shared_ptr<Module> ModuleListImpl::operator[](size_t index) const {
  EMBER_CHECK(index < modules_.size(), "[ModuleList] index {} is out of range for a ModuleList of {} modules", index,
              modules_.size());
  return modules_[index];
}

// ---- ModuleDict ----

ModuleDictImpl::ModuleDictImpl(std::initializer_list<NamedModule> modules) : Module("ModuleDict") {
  for (const auto& m : modules) insert(m.name, m.module);
}

ModuleDictImpl::ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules)
    : Module("ModuleDict") {
  update(modules);
}

void ModuleDictImpl::insert(const std::string& key, std::shared_ptr<Module> module) {
  EMBER_CHECK(module != nullptr, "[ModuleDict] cannot insert an empty module (nullptr) as '{}'", key);
  if (contains(key))
    replace_module(key, std::move(module));
  else
    register_module(key, std::move(module));
}

void ModuleDictImpl::update(const OrderedDict<std::string, std::shared_ptr<Module>>& modules) {
  for (const auto& item : modules) insert(item.key(), item.value());
}

std::shared_ptr<Module> ModuleDictImpl::pop(const std::string& key) {
  std::shared_ptr<Module> module = (*this)[key];
  unregister_module(key);
  return module;
}

void ModuleDictImpl::clear() {
  for (const auto& key : keys()) unregister_module(key);
}

std::shared_ptr<Module> ModuleDictImpl::operator[](const std::string& key) const {
  const auto children = named_children();
  const auto* found = children.find(key);
  EMBER_CHECK(found != nullptr, "[ModuleDict] no module named '{}'; the keys are {}", key,
              fmt::join(children.keys(), ", "));
  return *found;
}

// ---- ParameterList and ParameterDict ----

namespace {
std::string size_text(const Tensor& t) {
  std::string out;
  for (int64_t s : t.sizes()) out += (out.empty() ? "" : "x") + std::to_string(s);
  return out;
}

// torch.typename of a CPU tensor: "torch.FloatTensor".
std::string tensor_type_name(ScalarType dtype) {
  switch (dtype) {
    case kFloat: return "torch.FloatTensor";
    case kDouble: return "torch.DoubleTensor";
    case kHalf: return "torch.HalfTensor";
    case kBFloat16: return "torch.BFloat16Tensor";
    case kLong: return "torch.LongTensor";
    case kInt: return "torch.IntTensor";
    case kShort: return "torch.ShortTensor";
    case kChar: return "torch.CharTensor";
    case kByte: return "torch.ByteTensor";
    case kBool: return "torch.BoolTensor";
    default: return std::string("torch.") + to_string(dtype);
  }
}

std::string parameter_line(const std::string& key, const std::string& type, const Tensor& t) {
  return fmt::format("  ({}): Parameter containing: [{} of size {}]", key, type, size_text(t));
}
}  // namespace

void ParameterListImpl::append(Tensor param) {
  EMBER_CHECK(param.defined(), "[ParameterList] cannot append an undefined tensor");
  params_.push_back(register_parameter(std::to_string(params_.size()), std::move(param)));
}

void ParameterListImpl::extend(const std::vector<Tensor>& params) {
  for (const Tensor& p : params) append(p);
}

Tensor& ParameterListImpl::operator[](size_t index) {
  EMBER_CHECK(index < params_.size(), "[ParameterList] index {} is out of range for a ParameterList of {} parameters",
              index, params_.size());
  return params_[index];
}

const Tensor& ParameterListImpl::operator[](size_t index) const {
  return const_cast<ParameterListImpl&>(*this)[index];
}

std::string ParameterListImpl::extra_repr() const {
  std::string out;
  for (size_t i = 0; i < params_.size(); ++i)
    out += (i ? "\n" : "") +
           parameter_line(std::to_string(i), std::string("torch.") + python_name(params_[i].scalar_type()), params_[i]);
  return out;
}

ParameterDictImpl::ParameterDictImpl(const OrderedDict<std::string, Tensor>& params) : Module("ParameterDict") {
  update(params);
}

void ParameterDictImpl::insert(const std::string& key, Tensor param) {
  EMBER_CHECK(param.defined(), "[ParameterDict] cannot insert an undefined tensor as '{}'", key);
  if (contains(key)) {
    NoGradGuard no_grad;
    Tensor existing = (*this)[key];
    existing.set_data(param.detach());
    return;
  }
  register_parameter(key, std::move(param));
}

Tensor ParameterDictImpl::pop(const std::string& key) {
  Tensor param = (*this)[key];
  unregister_parameter(key);
  return param;
}

void ParameterDictImpl::clear() {
  for (const std::string& key : keys()) unregister_parameter(key);
}

void ParameterDictImpl::update(const OrderedDict<std::string, Tensor>& params) {
  for (const auto& item : params) insert(item.key(), item.value());
}

Tensor ParameterDictImpl::operator[](const std::string& key) const {
  const auto params = named_parameters(false);
  const Tensor* found = params.find(key);
  EMBER_CHECK(found != nullptr, "[ParameterDict] no parameter named '{}'; the keys are {}", key,
              fmt::join(params.keys(), ", "));
  return *found;
}

std::string ParameterDictImpl::extra_repr() const {
  std::string out;
  for (const auto& item : named_parameters(false))
    out += (out.empty() ? "" : "\n") + parameter_line(item.key(), tensor_type_name(item.value().scalar_type()),
                                                      item.value());
  return out;
}

}  // namespace ember::nn
