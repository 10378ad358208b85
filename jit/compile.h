// ember::compile: trace a function into guarded, cached graphs (torch.compile's names and behaviour).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jit/logging.h"
#include "jit/program.h"

namespace ember {

struct CompileOptions {
  std::string backend = "eager";  // "eager" (graphs as traced), "eager_optimized" (after the passes)
  bool fullgraph = false;         // any graph break raises an ember::Error instead
  // true: every dim is dynamic from the first compile; false: never; unset: a dim becomes
  // dynamic after a recompile caused by its size, or when marked with mark_dynamic.
  std::optional<bool> dynamic;
  std::string name;                     // for logs and messages; default "fn"
  std::vector<std::string> arg_names;   // names of the arguments, for guards and graphs; default arg0, arg1, ...
  std::optional<int> recompile_limit;   // default jit::config().recompile_limit
  bool error_on_recompile = false;      // a recompile raises an ember::Error instead
};

// Marks dim `dim` of `t` dynamic (or static) for the compiles that see this tensor.
void mark_dynamic(const Tensor& t, int64_t dim);
void mark_static(const Tensor& t, int64_t dim);

namespace jit {

struct Config {
  int recompile_limit = 8;
};
Config& config();

// Per compiled function counters.
struct CompileStats {
  int64_t calls = 0;
  int64_t cache_hits = 0;
  int64_t cache_misses = 0;
  int64_t recompiles = 0;
  int64_t eager_fallbacks = 0;   // calls past the recompile limit, run eagerly
  int64_t user_code_runs = 0;    // calls of entries with a data-dependent break, which rerun the function
  int64_t entries = 0;
  int64_t graph_breaks = 0;      // over all entries
  double compile_ms = 0;         // tracing + passes + backend, over all compiles
  double guard_ms = 0;           // time spent evaluating guards
  std::vector<std::string> recompile_reasons;
  std::string str() const;
};

struct Entry;

// Clears every compiled function's entries and statistics (torch._dynamo.reset()).
void reset();

namespace detail {

// A non-owning reference to a callable, for the per-call path.
template <typename Sig> class FunctionRef;
template <typename R, typename... A>
class FunctionRef<R(A...)> {
 public:
  template <typename F>
  FunctionRef(F& f) : object_(&f), call_([](void* o, A... a) -> R { return (*static_cast<F*>(o))(std::forward<A>(a)...); }) {}  // NOLINT
  R operator()(A... a) const { return call_(object_, std::forward<A>(a)...); }

 private:
  void* object_;
  R (*call_)(void*, A...);
};

// Runs the user function on (possibly substituted) tensors; returns its flat results.
using UserCall = FunctionRef<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Where a flat argument came from, for names.
struct ArgLayout {
  enum class Kind : uint8_t { Tensor, TensorList, Scalar };
  std::vector<std::pair<Kind, int64_t>> args;  // kind and, for lists, length
};

// The cache and the call path shared by every CompiledFunction.
class CompiledCore {
 public:
  explicit CompiledCore(CompileOptions options);
  ~CompiledCore();
  CompiledCore(const CompiledCore&) = delete;
  CompiledCore& operator=(const CompiledCore&) = delete;

  std::vector<Tensor> call(const FlatArgs& args, const ArgLayout& layout, UserCall user);
  const CompileStats& stats() const { return stats_; }
  const CompileOptions& options() const { return options_; }
  const std::vector<std::unique_ptr<Entry>>& entries() const { return entries_; }
  void reset();
  void set_lifted_names(std::unordered_map<const TensorImpl*, std::string> names) { lifted_names_ = std::move(names); }
  // Registry ops to treat as graph breaks (tests use this to stand in for untraceable ops).
  void set_opaque_ops(std::vector<const OpDef*> ops) { opaque_ops_ = std::move(ops); }
  // A value outside the arguments that every entry is guarded on (compile(module): training flags).
  void add_value_guard(ValueGuard guard) { value_guards_.push_back(std::move(guard)); }

 private:
  std::vector<Tensor> compile_and_run(const FlatArgs& args, const ArgLayout& layout, UserCall user);

  CompileOptions options_;
  std::vector<std::unique_ptr<Entry>> entries_;
  CompileStats stats_;
  std::vector<std::pair<int, int>> automatic_dynamic_;  // (flat tensor argument, dim) seen changing size
  bool limit_warned_ = false;
  std::unordered_map<const TensorImpl*, std::string> lifted_names_;
  std::vector<const OpDef*> opaque_ops_;
  std::vector<ValueGuard> value_guards_;
};

template <typename T>
inline constexpr bool is_scalar_arg = std::is_arithmetic_v<std::decay_t<T>>;
template <typename T>
inline constexpr bool is_supported_arg = std::is_same_v<std::decay_t<T>, Tensor> ||
                                         std::is_same_v<std::decay_t<T>, std::vector<Tensor>> || is_scalar_arg<T>;

template <typename T>
void flatten_arg(FlatArgs& flat, ArgLayout& layout, const T& arg) {
  if constexpr (std::is_same_v<T, Tensor>) {
    flat.tensors.push_back(&arg);
    layout.args.emplace_back(ArgLayout::Kind::Tensor, 1);
  } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
    for (const Tensor& t : arg) flat.tensors.push_back(&t);
    flat.list_lengths.push_back(int64_t(arg.size()));
    layout.args.emplace_back(ArgLayout::Kind::TensorList, int64_t(arg.size()));
  } else {
    flat.scalars.push_back(Scalar(arg));
    layout.args.emplace_back(ArgLayout::Kind::Scalar, 1);
  }
}

// The argument as the user function receives it, with tensors taken from `tensors` in order.
template <typename T>
auto substitute_arg(const T& arg, const std::vector<Tensor>& tensors, size_t& next) {
  if constexpr (std::is_same_v<T, Tensor>) {
    return tensors[next++];
  } else if constexpr (std::is_same_v<T, std::vector<Tensor>>) {
    std::vector<Tensor> list(tensors.begin() + std::ptrdiff_t(next), tensors.begin() + std::ptrdiff_t(next + arg.size()));
    next += arg.size();
    return list;
  } else {
    return arg;
  }
}

template <typename R>
inline constexpr bool is_supported_result = false;
template <> inline constexpr bool is_supported_result<Tensor> = true;
template <> inline constexpr bool is_supported_result<std::vector<Tensor>> = true;
template <typename... T>
inline constexpr bool is_supported_result<std::tuple<T...>> = (std::is_same_v<T, Tensor> && ...);
template <typename A, typename B>
inline constexpr bool is_supported_result<std::pair<A, B>> = std::is_same_v<A, Tensor> && std::is_same_v<B, Tensor>;

template <typename R>
std::vector<Tensor> flatten_result(R&& result) {
  using D = std::decay_t<R>;
  if constexpr (std::is_same_v<D, Tensor>) {
    return {std::forward<R>(result)};
  } else if constexpr (std::is_same_v<D, std::vector<Tensor>>) {
    return std::vector<Tensor>(result.begin(), result.end());
  } else {
    return std::apply([](auto&&... t) { return std::vector<Tensor>{t...}; }, result);
  }
}

template <typename R>
R unflatten_result(std::vector<Tensor>&& flat) {
  if constexpr (std::is_same_v<R, Tensor>) {
    return std::move(flat[0]);
  } else if constexpr (std::is_same_v<R, std::vector<Tensor>>) {
    return std::move(flat);
  } else {
    return [&]<size_t... I>(std::index_sequence<I...>) { return R{std::move(flat[I])...}; }
    (std::make_index_sequence<std::tuple_size_v<R>>{});
  }
}

// Calls f with the arguments, tensors replaced by `tensors` in order; returns the flat results.
template <typename F, typename... A>
std::vector<Tensor> invoke_substituted(F& f, const std::vector<Tensor>& tensors, const A&... args) {
  size_t next = 0;
  // Braced initialisation evaluates left to right, so tensors are taken in argument order.
  std::tuple<decltype(substitute_arg(args, tensors, next))...> call_args{substitute_arg(args, tensors, next)...};
  return flatten_result(std::apply(f, call_args));
}

std::vector<Tensor> opaque_dispatch(const std::string& name, const std::shared_ptr<OpaqueFn>& fn,
                                    std::vector<Tensor> inputs, const std::string& source);
std::string source_location_str(const std::source_location& where);

}  // namespace detail

// A compiled function: same call signature as the function it wraps.
template <typename F>
class CompiledFunction {
 public:
  CompiledFunction(F fn, CompileOptions options)
      : fn_(std::make_shared<F>(std::move(fn))), core_(std::make_shared<detail::CompiledCore>(std::move(options))) {}

  template <typename... A>
  auto operator()(A&&... args) {
    static_assert((detail::is_supported_arg<A> && ...),
                  "ember::compile: a compiled function's arguments must be ember::Tensor, std::vector<ember::Tensor>, "
                  "arithmetic scalars or bool; capture anything else in the function object instead.");
    using R = std::decay_t<std::invoke_result_t<F&, A&...>>;
    static_assert(detail::is_supported_result<R>,
                  "ember::compile: a compiled function must return ember::Tensor, std::vector<ember::Tensor>, or a "
                  "std::tuple/std::pair of ember::Tensor.");
    FlatArgs flat;
    detail::ArgLayout layout;
    (detail::flatten_arg(flat, layout, static_cast<const std::decay_t<A>&>(args)), ...);
    auto user = [&](const std::vector<Tensor>& tensors) {
      return detail::invoke_substituted(*fn_, tensors, static_cast<const std::decay_t<A>&>(args)...);
    };
    return detail::unflatten_result<R>(core_->call(flat, layout, detail::UserCall(user)));
  }

  const CompileStats& stats() const { return core_->stats(); }
  // Drops this function's entries and statistics.
  void reset() { core_->reset(); }
  detail::CompiledCore& core() const { return *core_; }

 private:
  std::shared_ptr<F> fn_;
  std::shared_ptr<detail::CompiledCore> core_;
};

// What explain() found: graphs, breaks, guards, compile time.
struct ExplainOutput {
  int64_t graph_count = 0;
  int64_t graph_break_count = 0;
  int64_t op_count = 0;
  std::vector<std::string> break_reasons;  // "reason (at file:line)"
  std::vector<int64_t> ops_per_graph;
  std::vector<std::string> graphs;         // printed
  std::vector<std::string> guards;
  double compile_time_ms = 0;
  bool reruns_user_code = false;
  std::string str() const;
};
std::ostream& operator<<(std::ostream& os, const ExplainOutput& e);

ExplainOutput explain_core(detail::CompiledCore& core, const FlatArgs& args, const detail::ArgLayout& layout,
                           detail::UserCall user);

// Traces `fn` on these arguments (running it once) and reports what compile would do.
template <typename F, typename... A>
ExplainOutput explain(F fn, A&&... args) {
  CompileOptions options;
  options.name = "explain";
  detail::CompiledCore core(std::move(options));
  FlatArgs flat;
  detail::ArgLayout layout;
  (detail::flatten_arg(flat, layout, static_cast<const std::decay_t<A>&>(args)), ...);
  auto user = [&](const std::vector<Tensor>& tensors) {
    return detail::invoke_substituted(fn, tensors, static_cast<const std::decay_t<A>&>(args)...);
  };
  return explain_core(core, flat, layout, detail::UserCall(user));
}

// Wraps a callable the compiler must not trace into: each call is a graph break that runs it eagerly
// (on every call of the compiled function, without rerunning the rest of the user code).
// It takes Tensors and returns a Tensor or std::vector<Tensor>.
template <typename F>
class Opaque {
 public:
  Opaque(F fn, std::string name, std::string source)
      : fn_(std::make_shared<F>(std::move(fn))), name_(std::move(name)), source_(std::move(source)) {}

  template <typename... T>
  auto operator()(const T&... tensors) const {
    static_assert((std::is_same_v<T, Tensor> && ...), "jit::opaque: the wrapped function takes ember::Tensor arguments.");
    using R = std::decay_t<std::invoke_result_t<F&, const T&...>>;
    static_assert(std::is_same_v<R, Tensor> || std::is_same_v<R, std::vector<Tensor>>,
                  "jit::opaque: the wrapped function returns ember::Tensor or std::vector<ember::Tensor>.");
    std::shared_ptr<F> fn = fn_;
    auto erased = std::make_shared<OpaqueFn>([fn](const std::vector<Tensor>& in) -> std::vector<Tensor> {
      return [&]<size_t... I>(std::index_sequence<I...>) {
        return detail::flatten_result((*fn)(in[I]...));
      }(std::make_index_sequence<sizeof...(T)>{});
    });
    std::vector<Tensor> out = detail::opaque_dispatch(name_, erased, std::vector<Tensor>{tensors...}, source_);
    if constexpr (std::is_same_v<R, Tensor>) return out[0];
    else return out;
  }

 private:
  std::shared_ptr<F> fn_;
  std::string name_;
  std::string source_;
};

template <typename F>
Opaque<F> opaque(F fn, std::string name = "opaque", std::source_location where = std::source_location::current()) {
  return Opaque<F>(std::move(fn), std::move(name), detail::source_location_str(where));
}

}  // namespace jit

// An nn module handle (ModuleHolder or shared_ptr to a Module).
template <typename M>
concept ModuleHandle = requires(const std::decay_t<M>& m) {
  m->named_parameters();
  m->named_buffers();
};

// Compiles a function (lambda, function pointer, functor). Same call signature as `fn`.
template <typename F>
  requires(!ModuleHandle<F>)
jit::CompiledFunction<std::decay_t<F>> compile(F&& fn, CompileOptions options = {}) {
  return jit::CompiledFunction<std::decay_t<F>>(std::forward<F>(fn), std::move(options));
}

// Compiles a module's forward: ember::compile(model) with model an nn ModuleHolder (or a shared_ptr
// to a module). Parameters and buffers are lifted by identity and named after their state_dict keys.
template <ModuleHandle M>
auto compile(M module, CompileOptions options = {}) {
  if (options.name.empty()) options.name = "forward";
  auto forward = [module](auto&&... args) { return module->forward(args...); };
  auto compiled = jit::CompiledFunction<decltype(forward)>(forward, std::move(options));
  std::unordered_map<const TensorImpl*, std::string> names;
  for (const auto& item : module->named_parameters()) names[item.value().unsafeGetTensorImpl()] = item.key();
  for (const auto& item : module->named_buffers()) names[item.value().unsafeGetTensorImpl()] = item.key();
  compiled.core().set_lifted_names(std::move(names));
  // train() / eval() change what layers compute (dropout, batch norm): every entry is guarded on them.
  auto modules = std::make_shared<std::vector<std::pair<std::string, std::shared_ptr<const void>>>>();
  auto flags = std::make_shared<std::vector<std::function<bool()>>>();
  for (const auto& item : module->named_modules()) {
    std::shared_ptr<const std::decay_t<decltype(*item.value())>> m = item.value();
    modules->emplace_back(item.key().empty() ? "(root)" : item.key(), m);
    flags->push_back([m] { return m->is_training(); });
  }
  jit::ValueGuard training;
  training.name = "module training flags";
  training.read = [flags] {
    int64_t bits = 0;
    for (size_t i = 0; i < flags->size() && i < 63; ++i) bits |= int64_t((*flags)[i]()) << i;
    return bits;
  };
  training.explain = [modules](int64_t expected, int64_t actual) {
    for (size_t i = 0; i < modules->size() && i < 63; ++i)
      if (((expected ^ actual) >> i) & 1)
        return "module '" + (*modules)[i].first + "' training mismatch: expected " +
               ((expected >> i) & 1 ? "train()" : "eval()") + ", actual " + ((actual >> i) & 1 ? "train()" : "eval()");
    return std::string("module training flags mismatch");
  };
  compiled.core().add_value_guard(std::move(training));
  return compiled;
}

}  // namespace ember
