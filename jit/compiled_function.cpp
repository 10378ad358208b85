// The compile cache: guards select an entry, a miss traces a new one, recompiles are logged and limited.
#include <algorithm>
#include <chrono>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "eager/meta.h"
#include "jit/compile.h"
#include "jit/dynamic.h"
#include "jit/entry.h"
#include "tracer/tracer.h"
#include "kernels/check.h"

namespace ember {

void mark_dynamic(const Tensor& t, int64_t dim) {
  const int64_t d = detail::wrap_dim("mark_dynamic", dim, std::max<int64_t>(t.dim(), 1));
  EMBER_CHECK(d < 64, "[mark_dynamic] dims beyond 63 cannot be marked, got {}", d);
  t.unsafeGetTensorImpl()->jit_dynamic_dims |= uint64_t(1) << d;
  t.unsafeGetTensorImpl()->jit_static_dims &= ~(uint64_t(1) << d);
}

void mark_static(const Tensor& t, int64_t dim) {
  const int64_t d = detail::wrap_dim("mark_static", dim, std::max<int64_t>(t.dim(), 1));
  EMBER_CHECK(d < 64, "[mark_static] dims beyond 63 cannot be marked, got {}", d);
  t.unsafeGetTensorImpl()->jit_static_dims |= uint64_t(1) << d;
  t.unsafeGetTensorImpl()->jit_dynamic_dims &= ~(uint64_t(1) << d);
}

namespace jit {

Config& config() {
  static Config c;
  return c;
}

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

struct CoreList {
  std::mutex mutex;
  std::vector<detail::CompiledCore*> cores;
};
CoreList& live_cores() {
  static CoreList list;
  return list;
}

// Names of the flat arguments: the given names (or arg0, arg1, ...), list elements as name[i].
void name_arguments(const detail::ArgLayout& layout, const std::vector<std::string>& given, FlatArgs& args) {
  args.tensor_names.clear();
  args.scalar_names.clear();
  args.list_names.clear();
  for (size_t a = 0; a < layout.args.size(); ++a) {
    const std::string name = a < given.size() ? given[a] : "arg" + std::to_string(a);
    const auto [kind, count] = layout.args[a];
    if (kind == detail::ArgLayout::Kind::Tensor) args.tensor_names.push_back(name);
    else if (kind == detail::ArgLayout::Kind::Scalar) args.scalar_names.push_back(name);
    else {
      args.list_names.push_back(name);
      for (int64_t i = 0; i < count; ++i) args.tensor_names.push_back(name + "[" + std::to_string(i) + "]");
    }
  }
}

std::vector<Tensor> arg_tensors(const FlatArgs& args) {
  std::vector<Tensor> out;
  out.reserve(args.tensors.size());
  for (const Tensor* t : args.tensors) out.push_back(*t);
  return out;
}

// What a tensor looks like now, as a guard that it keeps looking like that.
TensorGuard guard_for(const Tensor& t, std::string name) {
  TensorGuard tg;
  tg.name = std::move(name);
  tg.defined = t.defined();
  if (!t.defined()) return tg;
  tg.dtype = t.dtype();
  tg.device = t.device();
  tg.requires_grad = t.requires_grad();
  tg.sizes = DimVector(t.sizes());
  tg.strides = DimVector(t.strides());
  tg.contiguous = t.is_contiguous();
  tg.symbols.assign(tg.sizes.size(), -1);
  return tg;
}

GuardSet build_guards(const FlatArgs& args, const Program& program, const std::vector<ValueGuard>& value_guards) {
  GuardSet g;
  g.globals = GlobalState::current();
  g.scalar_names = args.scalar_names;
  g.scalars.assign(args.scalars.begin(), args.scalars.end());
  g.list_names = args.list_names;
  g.list_lengths.assign(args.list_lengths.begin(), args.list_lengths.end());
  for (size_t i = 0; i < args.tensors.size(); ++i) {
    TensorGuard tg = guard_for(*args.tensors[i], i < args.tensor_names.size() ? args.tensor_names[i] : "arg" + std::to_string(i));
    tg.arg = int(i);
    g.tensors.push_back(std::move(tg));
  }
  for (size_t k = 0; k < program.lifted.size(); ++k) {
    TensorGuard tg = guard_for(program.lifted[k].second, program.lifted_names[k]);
    tg.lifted = program.lifted[k].second;
    g.tensors.push_back(std::move(tg));
  }
  bool any_related = false;
  for (size_t i = 0; i < args.tensors.size(); ++i)
    for (size_t j = i + 1; j < args.tensors.size(); ++j) {
      g.relations.push_back(relation(*args.tensors[i], *args.tensors[j]));
      any_related = any_related || g.relations.back() != 0;
    }
  if (!any_related) g.relations.clear();
  for (ValueGuard v : value_guards) {
    v.expected = v.read();
    g.values.push_back(std::move(v));
  }
  return g;
}

// Which dims of which arguments to trace as dynamic.
std::vector<std::vector<bool>> choose_dynamic_dims(const FlatArgs& args, const CompileOptions& options,
                                                   const std::vector<std::pair<int, int>>& automatic) {
  std::vector<std::vector<bool>> dims(args.tensors.size());
  if (options.dynamic == false) return dims;
  for (size_t i = 0; i < args.tensors.size(); ++i) {
    const Tensor& t = *args.tensors[i];
    if (!t.defined()) continue;
    dims[i].assign(size_t(t.dim()), false);
    const TensorImpl& impl = *t.unsafeGetTensorImpl();
    for (int64_t d = 0; d < t.dim(); ++d) {
      bool dynamic = options.dynamic == true || (d < 64 && ((impl.jit_dynamic_dims >> d) & 1)) ||
                     std::find(automatic.begin(), automatic.end(), std::make_pair(int(i), int(d))) != automatic.end();
      if (d < 64 && ((impl.jit_static_dims >> d) & 1)) dynamic = false;
      // Dynamic entries guard contiguity rather than exact strides, so only contiguous inputs qualify.
      if (!t.is_contiguous()) dynamic = false;
      dims[i][size_t(d)] = dynamic;
    }
  }
  return dims;
}

}  // namespace

namespace detail {

std::string source_location_str(const std::source_location& where) { return source_str(where); }

std::vector<Tensor> opaque_dispatch(const std::string& name, const std::shared_ptr<OpaqueFn>& fn,
                                    std::vector<Tensor> inputs, const std::string& source) {
  if (Tracer* tracer = Tracer::active()) return tracer->opaque_call(name, fn, inputs, source);
  return (*fn)(inputs);
}

CompiledCore::CompiledCore(CompileOptions options) : options_(std::move(options)) {
  if (options_.name.empty()) options_.name = "fn";
  EMBER_CHECK(find_backend(options_.backend) != nullptr, "[compile] unknown backend '{}'; available: {}.",
              options_.backend, fmt::join(backend_names(), ", "));
  std::lock_guard<std::mutex> lock(live_cores().mutex);
  live_cores().cores.push_back(this);
}

CompiledCore::~CompiledCore() {
  std::lock_guard<std::mutex> lock(live_cores().mutex);
  std::erase(live_cores().cores, this);
}

void CompiledCore::reset() {
  entries_.clear();
  stats_ = CompileStats{};
  automatic_dynamic_.clear();
  limit_warned_ = false;
}

std::vector<Tensor> CompiledCore::call(const FlatArgs& args, const ArgLayout& layout, UserCall user) {
  // Called while another function is being traced: inline into that trace.
  if (Tracer::active() != nullptr) return user(arg_tensors(args));
  ++stats_.calls;
  const auto t0 = Clock::now();
  Entry* hit = nullptr;
  // The newest entry first, as torch.compile's cache does.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if ((*it)->guards.check(args)) {
      hit = it->get();
      break;
    }
  stats_.guard_ms += ms_since(t0);
  if (hit != nullptr) {
    ++stats_.cache_hits;
    ++hit->hits;
    if (hit->program.needs_user_code) {
      ++stats_.user_code_runs;
      return user(arg_tensors(args));
    }
    return hit->program.run(args);
  }
  ++stats_.cache_misses;
  if (entries_.empty()) return compile_and_run(args, layout, user);

  FlatArgs named = args;
  name_arguments(layout, options_.arg_names, named);
  // The reason given is the first failure of the nearest entry (fewest failing guards; the newest on ties).
  std::string reason = "no guard failed (internal)";
  size_t fewest = SIZE_MAX;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    const std::vector<std::string> failures = (*it)->guards.all_failures(named);
    if (!failures.empty() && failures.size() < fewest) {
      fewest = failures.size();
      reason = failures.front();
    }
  }
  const int limit = options_.recompile_limit.value_or(config().recompile_limit);
  if (int(entries_.size()) >= limit) {
    ++stats_.eager_fallbacks;
    if (!limit_warned_) {
      limit_warned_ = true;
      warn_line(fmt::format("'{}' hit the recompile limit ({}); calls that match none of its {} entries now run "
                            "eagerly, the entries keep serving. Last failure: {}. To compile more variants, mark the "
                            "changing dims dynamic (ember::mark_dynamic(t, dim), or compile with dynamic=true), or "
                            "raise the limit (CompileOptions::recompile_limit, jit::config().recompile_limit).",
                            options_.name, limit, entries_.size(), reason));
    }
    return user(arg_tensors(args));
  }
  EMBER_CHECK(!options_.error_on_recompile,
              "[compile] '{}' would recompile (error_on_recompile=True): {}. Make the inputs match an existing entry, "
              "or allow recompiles.",
              options_.name, reason);
  log_line(LogKind::Recompiles, fmt::format("recompiling '{}' (entry {}): {}", options_.name, entries_.size() + 1, reason));
  if (log_enabled(LogKind::RecompilesVerbose)) {
    std::string text = fmt::format("recompiling '{}' (entry {}); every entry's failing guards:", options_.name,
                                   entries_.size() + 1);
    for (size_t e = 0; e < entries_.size(); ++e)
      for (const std::string& f : entries_[e]->guards.all_failures(named)) text += fmt::format("\n  entry {}: {}", e + 1, f);
    log_line(LogKind::RecompilesVerbose, text);
  }
  ++stats_.recompiles;
  stats_.recompile_reasons.push_back(reason);
  // A dim whose size changed becomes dynamic for the next compile (unless dynamic=false).
  if (!options_.dynamic.has_value()) {
    for (const auto& e : entries_)
      if (auto cause = e->guards.size_failure(named);
          cause && std::find(automatic_dynamic_.begin(), automatic_dynamic_.end(), *cause) == automatic_dynamic_.end())
        automatic_dynamic_.push_back(*cause);
  }
  return compile_and_run(args, layout, user);
}

std::vector<Tensor> CompiledCore::compile_and_run(const FlatArgs& args_in, const ArgLayout& layout, UserCall user) {
  const auto t0 = Clock::now();
  FlatArgs args = args_in;
  name_arguments(layout, options_.arg_names, args);
  TraceSettings settings;
  settings.fullgraph = options_.fullgraph;
  settings.function_name = options_.name;
  settings.tensor_names = args.tensor_names;
  settings.lifted_names = lifted_names_;
  settings.opaque_ops = opaque_ops_;

  auto entry = std::make_unique<Entry>();
  std::vector<Tensor> results;
  {
    Tracer tracer(args, settings);
    {
      DispatchModeGuard mode(&tracer);
      results = user(arg_tensors(args));
    }
    entry->program = tracer.finish(results);
  }
  Program& program = entry->program;
  entry->guards = build_guards(args, program, value_guards_);

  // Dynamic dims: trace again through meta rules only, with other sizes, and fit the attributes.
  const std::vector<std::vector<bool>> dynamic_dims = choose_dynamic_dims(args, options_, automatic_dynamic_);
  const SymbolPlan plan = plan_symbols(args, dynamic_dims);
  if (!plan.sources.empty()) {
    std::optional<std::string> why;
    if (program.needs_user_code || !program.breaks.empty() || program.segments.size() != 1) {
      why = "the function has graph breaks";
    } else {
      // Two traces through meta rules only: at large sizes to fit the attributes, at small ones to check the fit.
      auto fake_trace = [&](const std::vector<int64_t>& sentinels) {
        std::vector<Tensor> fakes = arg_tensors(args);
        for (size_t i = 0; i < fakes.size(); ++i) {
          if (!fakes[i].defined() || std::all_of(plan.dim_symbols[i].begin(), plan.dim_symbols[i].end(), [](int s) { return s < 0; }))
            continue;
          DimVector sizes(fakes[i].sizes());
          for (size_t d = 0; d < sizes.size(); ++d)
            if (plan.dim_symbols[i][d] >= 0) sizes[d] = sentinels[size_t(plan.dim_symbols[i][d])];
          Tensor fake = ember::detail::make_tensor(sizes, fakes[i].dtype(), fakes[i].device());
          if (fakes[i].requires_grad()) fake.requires_grad_(true);
          fakes[i] = fake;
        }
        FlatArgs fake_args = args;
        for (size_t i = 0; i < fakes.size(); ++i) fake_args.tensors[i] = &fakes[i];
        TraceSettings fake_settings = settings;
        fake_settings.fake = true;
        fake_settings.fullgraph = false;
        Tracer tracer(fake_args, fake_settings);
        std::vector<Tensor> fake_results;
        {
          DispatchModeGuard mode(&tracer);
          fake_results = user(fakes);
        }
        return tracer.finish(fake_results);
      };
      try {
        why = fit_symbols(program, fake_trace(plan.sentinels), plan);
        if (!why) why = verify_symbols(program, fake_trace(plan.small_sentinels), plan);
      } catch (const FakeTraceAbort& abort) {
        why = abort.reason;
      } catch (const Error& error) {
        why = fmt::format("tracing at other sizes failed: {}", error.what());
      }
    }
    if (why) {
      // Keep the entry static; say why once in the logs.
      for (Segment& segment : program.segments)
        for (const auto& node : segment.graph.nodes()) {
          node->symbolic_attrs.clear();
          node->output_symbols.clear();
        }
      for (Segment& segment : program.segments) segment.graph.symbols().clear();
      program.symbol_sources.clear();
      entry->dynamic_note = fmt::format("dims stay static: {}", *why);
      log_line(LogKind::PerfHints, fmt::format("'{}' entry {}: {}", options_.name, entries_.size() + 1, entry->dynamic_note));
    } else {
      for (size_t k = 0; k < plan.sources.size(); ++k) entry->guards.symbol_sources.emplace_back(plan.sources[k]);
      for (size_t i = 0; i < plan.dim_symbols.size(); ++i) {
        TensorGuard& g = entry->guards.tensors[i];
        bool any = false;
        for (size_t d = 0; d < plan.dim_symbols[i].size(); ++d)
          if (plan.dim_symbols[i][d] >= 0) {
            g.symbols[d] = plan.dim_symbols[i][d];
            any = true;
          }
        if (any) g.check_strides = false;
      }
    }
  }

  // Hand each segment to the backend.
  const Backend& backend = *find_backend(options_.backend);
  for (Segment& segment : program.segments) segment.compiled = backend(segment.graph);

  entry->compile_ms = ms_since(t0);
  stats_.compile_ms += entry->compile_ms;
  stats_.graph_breaks += int64_t(program.breaks.size());
  const size_t number = entries_.size() + 1;
  if (log_enabled(LogKind::Guards)) {
    std::string text = fmt::format("guards of '{}' entry {}:", options_.name, number);
    for (const std::string& line : entry->guards.describe()) text += "\n  " + line;
    log_line(LogKind::Guards, text);
  }
  if (log_enabled(LogKind::GraphCode))
    for (size_t k = 0; k < program.segments.size(); ++k)
      log_line(LogKind::GraphCode, fmt::format("graph {} of '{}' entry {}:\n{}", k + 1, options_.name, number,
                                               program.segments[k].graph.print()));
  entries_.push_back(std::move(entry));
  stats_.entries = int64_t(entries_.size());
  return results;
}

}  // namespace detail

void reset() {
  std::lock_guard<std::mutex> lock(live_cores().mutex);
  for (detail::CompiledCore* core : live_cores().cores) core->reset();
}

std::string CompileStats::str() const {
  std::string s = fmt::format(
      "calls: {}, cache hits: {}, cache misses: {}, recompiles: {}, eager fallbacks: {}, user code reruns: {}, "
      "entries: {}, graph breaks: {}, compile time: {:.3f} ms, guard time: {:.3f} ms",
      calls, cache_hits, cache_misses, recompiles, eager_fallbacks, user_code_runs, entries, graph_breaks, compile_ms,
      guard_ms);
  for (size_t i = 0; i < recompile_reasons.size(); ++i) s += fmt::format("\n  recompile {}: {}", i + 1, recompile_reasons[i]);
  return s;
}

ExplainOutput explain_core(detail::CompiledCore& core, const FlatArgs& args, const detail::ArgLayout& layout,
                           detail::UserCall user) {
  core.call(args, layout, user);
  ExplainOutput out;
  const Entry& entry = *core.entries().back();
  const Program& program = entry.program;
  out.graph_count = int64_t(program.segments.size());
  out.graph_break_count = int64_t(program.breaks.size());
  for (const GraphBreak& b : program.breaks)
    out.break_reasons.push_back(b.source.empty() ? b.reason : fmt::format("{} (at {})", b.reason, b.source));
  for (const Segment& s : program.segments) {
    out.ops_per_graph.push_back(s.graph.call_count());
    out.op_count += s.graph.call_count();
    out.graphs.push_back(s.graph.print());
  }
  out.guards = entry.guards.describe();
  out.compile_time_ms = entry.compile_ms;
  out.reruns_user_code = program.needs_user_code;
  return out;
}

std::string ExplainOutput::str() const {
  std::string s = fmt::format("Graph count: {}\nGraph break count: {}\nOp count: {}\n", graph_count, graph_break_count,
                              op_count);
  if (!break_reasons.empty()) {
    s += "Break reasons:\n";
    for (size_t i = 0; i < break_reasons.size(); ++i) s += fmt::format("  {}. {}\n", i + 1, break_reasons[i]);
  }
  s += "Ops per graph:\n";
  for (size_t i = 0; i < ops_per_graph.size(); ++i) s += fmt::format("  graph {}: {} ops\n", i + 1, ops_per_graph[i]);
  if (reruns_user_code)
    s += "The function reads tensor data on the host, so every call runs its code again (the graphs run eagerly).\n";
  s += "Guards:\n";
  for (const std::string& g : guards) s += "  " + g + "\n";
  s += fmt::format("Compile time: {:.3f} ms\n", compile_time_ms);
  for (size_t i = 0; i < graphs.size(); ++i) {
    s += fmt::format("Graph {}:\n{}", i + 1, graphs[i]);
    if (!graphs[i].empty() && graphs[i].back() != '\n') s += '\n';
  }
  return s;
}

std::ostream& operator<<(std::ostream& os, const ExplainOutput& e) { return os << e.str(); }

}  // namespace jit
}  // namespace ember
