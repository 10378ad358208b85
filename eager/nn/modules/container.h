// Containers with libtorch's names and PyTorch's behaviour: Sequential (over AnyModule), ModuleList,
// ModuleDict, ParameterList and ParameterDict; plus Functional, a module around a function.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eager/nn/module.h"

namespace ember::nn {

// Any module whose forward takes one Tensor and returns a Tensor, type-erased. Calls go through
// Module::call, so the module's hooks run.
class AnyModule {
 public:
  AnyModule() = default;
  template <typename M, std::enable_if_t<std::is_base_of_v<Module, M>, int> = 0>
  AnyModule(std::shared_ptr<M> module) {  // NOLINT: implicit, as libtorch's AnyModule
    EMBER_CHECK(module != nullptr, "[AnyModule] the module is empty (nullptr); construct it first");
    static_assert(std::is_convertible_v<decltype(Module::call(*module, std::declval<const Tensor&>())), Tensor>,
                  "Sequential and AnyModule hold modules whose forward takes one Tensor and returns a Tensor");
    M* raw = module.get();  // kept alive by module_
    forward_ = [raw](const Tensor& x) -> Tensor { return Module::call(*raw, x); };
    module_ = std::move(module);
  }
  template <typename Holder, typename = typename Holder::ContainedType>
  AnyModule(const Holder& holder) : AnyModule(holder.ptr()) {}  // NOLINT

  Tensor forward(const Tensor& input) const {
    EMBER_CHECK(module_ != nullptr, "[AnyModule] calling forward on an empty AnyModule");
    return forward_(input);
  }
  const std::shared_ptr<Module>& ptr() const { return module_; }
  // The module as its implementation type; an error if it is another type.
  template <typename T>
  std::shared_ptr<T> ptr() const {
    auto typed = std::dynamic_pointer_cast<T>(module_);
    EMBER_CHECK(typed != nullptr, "[AnyModule] the module is a {}, not the type asked for",
                module_ ? module_->name() : std::string("empty module"));
    return typed;
  }
  bool is_empty() const { return module_ == nullptr; }

 private:
  std::shared_ptr<Module> module_;
  std::function<Tensor(const Tensor&)> forward_;
};

// A name and a module, for constructing containers from lists: Sequential({{"conv", Conv2d(...)}, ...}).
struct NamedAnyModule {
  NamedAnyModule(std::string name, AnyModule module) : name(std::move(name)), module(std::move(module)) {}
  std::string name;
  AnyModule module;
};

// A name and any module (no forward needed), for ModuleDict.
struct NamedModule {
  template <typename M, std::enable_if_t<std::is_base_of_v<Module, M>, int> = 0>
  NamedModule(std::string name, std::shared_ptr<M> module) : name(std::move(name)), module(std::move(module)) {}
  template <typename Holder, typename = typename Holder::ContainedType>
  NamedModule(std::string name, const Holder& holder) : NamedModule(std::move(name), holder.ptr()) {}
  std::string name;
  std::shared_ptr<Module> module;
};

// ---- Functional ----
// Wraps a function of one Tensor as a module (libtorch's torch::nn::Functional), e.g. Functional(relu).
class FunctionalImpl : public Module {
 public:
  explicit FunctionalImpl(std::function<Tensor(Tensor)> function);
  Tensor forward(Tensor input);

 private:
  std::function<Tensor(Tensor)> function_;
};
EMBER_MODULE(Functional);

// ---- Sequential ----
// Chains modules: forward(x) feeds x through each in order. Children are named "0", "1", ... unless
// pushed with a name.
class SequentialImpl : public Module {
 public:
  SequentialImpl() : Module("Sequential") {}
  template <typename... Modules,
            std::enable_if_t<(sizeof...(Modules) > 0) && (std::is_convertible_v<Modules, AnyModule> && ...), int> = 0>
  explicit SequentialImpl(Modules&&... modules) : Module("Sequential") {
    (push_back(AnyModule(std::forward<Modules>(modules))), ...);
  }
  explicit SequentialImpl(std::initializer_list<NamedAnyModule> named_modules);

  void push_back(AnyModule module);
  void push_back(std::string name, AnyModule module);
  // Appends the modules of `other` (shared, not copied), named by position.
  void extend(const SequentialImpl& other);
  Tensor forward(const Tensor& input);

  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  // The i-th module (0-based; an error past the end).
  std::shared_ptr<Module> operator[](size_t index) const;
  template <typename T>
  std::shared_ptr<T> ptr(size_t index) const {
    return checked(index).template ptr<T>();
  }
  template <typename T>
  T& at(size_t index) const {
    return *ptr<T>(index);
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  const AnyModule& checked(size_t index) const;
  std::vector<AnyModule> modules_;
};

class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  using Impl = SequentialImpl;
  Sequential() : ModuleHolder<SequentialImpl>() {}
  Sequential(std::initializer_list<NamedAnyModule> named_modules)  // NOLINT
      : ModuleHolder<SequentialImpl>(std::make_shared<SequentialImpl>(named_modules)) {}
  std::shared_ptr<Module> operator[](size_t index) const { return (*get())[index]; }
};

// ---- ModuleList ----
// Holds modules in a list, registered as "0", "1", ...; it has no forward.
class ModuleListImpl : public Module {
 public:
  ModuleListImpl() : Module("ModuleList") {}
  template <typename... Modules, std::enable_if_t<(sizeof...(Modules) > 0), int> = 0>
  explicit ModuleListImpl(Modules&&... modules) : Module("ModuleList") {
    (push_back(std::forward<Modules>(modules)), ...);
  }

  void push_back(std::shared_ptr<Module> module);
  template <typename Holder, typename = typename Holder::ContainedType>
  void push_back(const Holder& holder) {
    push_back(std::shared_ptr<Module>(holder.ptr()));
  }
  // Inserts before position `index` (index == size() appends); later modules are renamed.
  void insert(size_t index, std::shared_ptr<Module> module);
  template <typename Holder, typename = typename Holder::ContainedType>
  void insert(size_t index, const Holder& holder) {
    insert(index, std::shared_ptr<Module>(holder.ptr()));
  }
  void extend(const ModuleListImpl& other);
  void extend(const std::vector<std::shared_ptr<Module>>& modules);

  size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  std::shared_ptr<Module> operator[](size_t index) const;
  template <typename T>
  std::shared_ptr<T> ptr(size_t index) const {
    auto typed = std::dynamic_pointer_cast<T>((*this)[index]);
    EMBER_CHECK(typed != nullptr, "[ModuleList] module {} is a {}, not the type asked for", index,
                (*this)[index]->name());
    return typed;
  }
  template <typename T>
  T& at(size_t index) const {
    return *ptr<T>(index);
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

 private:
  void rename_children();
  std::vector<std::shared_ptr<Module>> modules_;
};
class ModuleList : public ModuleHolder<ModuleListImpl> {
 public:
  using ModuleHolder<ModuleListImpl>::ModuleHolder;
  using Impl = ModuleListImpl;
  std::shared_ptr<Module> operator[](size_t index) const { return (*get())[index]; }
};

// ---- ModuleDict ----
// Modules by name, in insertion order; inserting an existing key replaces the module in place.
class ModuleDictImpl : public Module {
 public:
  ModuleDictImpl() : Module("ModuleDict") {}
  explicit ModuleDictImpl(std::initializer_list<NamedModule> modules);
  explicit ModuleDictImpl(const OrderedDict<std::string, std::shared_ptr<Module>>& modules);

  void insert(const std::string& key, std::shared_ptr<Module> module);
  template <typename Holder, typename = typename Holder::ContainedType>
  void insert(const std::string& key, const Holder& holder) {
    insert(key, std::shared_ptr<Module>(holder.ptr()));
  }
  // Inserts each (key, module) in order.
  void update(const OrderedDict<std::string, std::shared_ptr<Module>>& modules);
  // Removes `key` and returns its module (an error if absent).
  std::shared_ptr<Module> pop(const std::string& key);
  void clear();

  size_t size() const { return named_children().size(); }
  bool is_empty() const { return size() == 0; }
  bool contains(const std::string& key) const { return named_children().contains(key); }
  std::vector<std::string> keys() const { return named_children().keys(); }
  std::vector<std::shared_ptr<Module>> values() const { return children(); }
  OrderedDict<std::string, std::shared_ptr<Module>> items() const { return named_children(); }
  std::shared_ptr<Module> operator[](const std::string& key) const;
  template <typename T>
  std::shared_ptr<T> ptr(const std::string& key) const {
    auto typed = std::dynamic_pointer_cast<T>((*this)[key]);
    EMBER_CHECK(typed != nullptr, "[ModuleDict] module '{}' is a {}, not the type asked for", key,
                (*this)[key]->name());
    return typed;
  }
  template <typename T>
  T& at(const std::string& key) const {
    return *ptr<T>(key);
  }
};

class ModuleDict : public ModuleHolder<ModuleDictImpl> {
 public:
  using ModuleHolder<ModuleDictImpl>::ModuleHolder;
  using Impl = ModuleDictImpl;
  ModuleDict() : ModuleHolder<ModuleDictImpl>() {}
  ModuleDict(std::initializer_list<NamedModule> modules)  // NOLINT
      : ModuleHolder<ModuleDictImpl>(std::make_shared<ModuleDictImpl>(modules)) {}
  std::shared_ptr<Module> operator[](const std::string& key) const { return (*get())[key]; }
};

// ---- ParameterList ----
// Parameters in a list, registered as "0", "1", ... (each made to require grad, as nn.Parameter does).
class ParameterListImpl : public Module {
 public:
  ParameterListImpl() : Module("ParameterList") {}
  template <typename... Tensors, std::enable_if_t<(sizeof...(Tensors) > 0) &&
                                                      (std::is_convertible_v<Tensors, Tensor> && ...), int> = 0>
  explicit ParameterListImpl(Tensors&&... params) : Module("ParameterList") {
    (append(Tensor(std::forward<Tensors>(params))), ...);
  }
  void append(Tensor param);
  void extend(const std::vector<Tensor>& params);
  size_t size() const { return params_.size(); }
  bool is_empty() const { return params_.empty(); }
  Tensor& operator[](size_t index);
  const Tensor& operator[](size_t index) const;
  auto begin() const { return params_.begin(); }
  auto end() const { return params_.end(); }
  // One line per parameter: "  (0): Parameter containing: [torch.float32 of size 3x4]".
  std::string extra_repr() const override;

 private:
  std::vector<Tensor> params_;
};
EMBER_MODULE(ParameterList);

// ---- ParameterDict ----
// Parameters by key, in insertion order. Inserting an existing key swaps the new data into the registered
// parameter (the Module base has no way to unregister a parameter), which is why there is no pop.
class ParameterDictImpl : public Module {
 public:
  ParameterDictImpl() : Module("ParameterDict") {}
  explicit ParameterDictImpl(const OrderedDict<std::string, Tensor>& params);
  void insert(const std::string& key, Tensor param);
  void update(const OrderedDict<std::string, Tensor>& params);
  size_t size() const { return named_parameters(false).size(); }
  bool is_empty() const { return size() == 0; }
  bool contains(const std::string& key) const { return named_parameters(false).contains(key); }
  std::vector<std::string> keys() const { return named_parameters(false).keys(); }
  std::vector<Tensor> values() const { return parameters(false); }
  OrderedDict<std::string, Tensor> items() const { return named_parameters(false); }
  Tensor operator[](const std::string& key) const;
  Tensor get(const std::string& key) const { return (*this)[key]; }
  // Removes and returns the parameter under `key`.
  Tensor pop(const std::string& key);
  void clear();
  // One line per parameter: "  (a): Parameter containing: [torch.FloatTensor of size 3]".
  std::string extra_repr() const override;
};
EMBER_MODULE(ParameterDict);

}  // namespace ember::nn
