// Graph passes: functionalization, algebraic simplification, constant folding, CSE and DCE.
#include "jit/passes.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "jit/op_info.h"
#include "kernels/check.h"

namespace ember::jit {
namespace {

// Results larger than this stay computed at run time: a fill is cheaper than a large constant kept alive.
constexpr int64_t kFoldLimitBytes = int64_t(1) << 20;

struct ValueHash {
  size_t operator()(const Value& v) const { return std::hash<const void*>{}(v.node) * 31 + v.index; }
};
using ValueSet = std::unordered_set<Value, ValueHash>;

const OpDef& registry_op(std::string_view name) {
  const OpDef* op = OpRegistry::instance().find(name);
  EMBER_CHECK(op != nullptr, "[jit passes] the registry has no op '{}'", name);
  return *op;
}

std::vector<int64_t> symbol_hints(const Graph& g) {
  std::vector<int64_t> hints;
  for (const Symbol& s : g.symbols()) hints.push_back(s.hint);
  return hints;
}

const TensorMeta& meta_of(Value v) { return v.node->outputs[v.index]; }

// Per dim: the symbol the dim equals, or -1 (an empty vector when every dim is static).
std::vector<int> symbols_of(Value v) {
  if (v.index < v.node->output_symbols.size()) return v.node->output_symbols[v.index];
  return {};
}

bool same_symbols(Value a, Value b) {
  std::vector<int> sa = symbols_of(a), sb = symbols_of(b);
  const size_t rank = std::max(sa.size(), sb.size());
  sa.resize(rank, -1);
  sb.resize(rank, -1);
  return sa == sb;
}

bool has_dynamic_dims(const Node& n) {
  for (const auto& per_output : n.output_symbols)
    for (int s : per_output)
      if (s >= 0) return true;
  return false;
}

// Side effects of this call: the op's own, or a Generator passed to it.
bool node_has_side_effects(const Node& n) {
  if (has_side_effects(*n.op)) return true;
  return std::any_of(n.attrs.begin(), n.attrs.end(), [](const Attr& a) { return std::holds_alternative<Generator>(a); });
}

// The value whose storage `v` lives in: views and in-place results read through to input 0.
Value alias_root(Value v) {
  while (v.node->opcode == Opcode::CallOp && (v.node->is_view() || v.node->is_inplace()) && !v.node->inputs.empty())
    v = v.node->inputs[0];
  return v;
}

bool is_graph_input(const Node* n) { return n->opcode == Opcode::Placeholder || n->opcode == Opcode::GetAttr; }

// Roots of every value something writes into: in-place targets, and every input of a compute op
// that writes through a Tensor(a!) argument (we do not know which one it is).
ValueSet mutated_roots(const Graph& g) {
  ValueSet roots;
  for (const auto& n : g.nodes()) {
    if (n->opcode != Opcode::CallOp || n->inputs.empty()) continue;
    if (n->is_inplace()) roots.insert(alias_root(n->inputs[0]));
    else if (n->op->schema.find('!') != std::string_view::npos)
      for (const Value& v : n->inputs) roots.insert(alias_root(v));
  }
  return roots;
}

// Every value a graph output shares storage with through views and in-place results.
ValueSet output_aliases(const Graph& g) {
  ValueSet aliases;
  const Node* out = g.output_node();
  if (out == nullptr) return aliases;
  for (Value v : out->inputs) {
    aliases.insert(v);
    while (v.node->opcode == Opcode::CallOp && (v.node->is_view() || v.node->is_inplace()) && !v.node->inputs.empty()) {
      v = v.node->inputs[0];
      aliases.insert(v);
    }
  }
  return aliases;
}

// Geometry equality where strides of size-1 dims do not matter.
bool same_geometry(const TensorMeta& a, const TensorMeta& b) {
  if (IntArrayRef(a.sizes) != IntArrayRef(b.sizes) || a.dtype != b.dtype || a.device != b.device) return false;
  const DimVector sa = a.strides.empty() ? detail::contiguous_strides(a.sizes) : a.strides;
  const DimVector sb = b.strides.empty() ? detail::contiguous_strides(b.sizes) : b.strides;
  if (detail::product(a.sizes) == 0) return true;
  for (size_t d = 0; d < a.sizes.size(); ++d)
    if (a.sizes[d] != 1 && sa[d] != sb[d]) return false;
  return a.storage_offset == b.storage_offset;
}

// Appends (at the graph's insert point) a call of `op` whose output metas come from the op's
// meta on the inputs' metas, with symbolic attrs evaluated at the symbols' hints.
Node* emit(Graph& g, const OpDef& op, std::vector<Value> inputs, SmallVector<Attr, 4> attrs,
           std::vector<SymbolicAttr> symbolic = {}) {
  std::vector<TensorMeta> metas;
  for (const Value& v : inputs) metas.push_back(meta_of(v));
  Node probe;
  probe.attrs = attrs;
  probe.symbolic_attrs = symbolic;
  const MetaOutputs out = infer_metas(op, metas, symbolic.empty() ? attrs : evaluate_attrs(probe, symbol_hints(g)));
  Node* n = g.call(op, std::move(inputs), std::move(attrs), std::vector<TensorMeta>(out.begin(), out.end()));
  n->symbolic_attrs = std::move(symbolic);
  return n;
}

void set_symbols(Node* n, const std::vector<int>& symbols) {
  n->output_symbols.clear();
  if (std::any_of(symbols.begin(), symbols.end(), [](int s) { return s >= 0; }))
    n->output_symbols.assign(n->outputs.size(), symbols);
}

// Symbolic attrs that make DimVector attr `attr` equal a value's dynamic dims.
std::vector<SymbolicAttr> sizes_from_symbols(uint32_t attr, const std::vector<int>& symbols) {
  std::vector<SymbolicAttr> result;
  for (size_t d = 0; d < symbols.size(); ++d)
    if (symbols[d] >= 0) result.push_back({attr, int32_t(d), SymbolicAttr::Form::Affine, symbols[d], 1.0, 0});
  return result;
}

bool same_attr(const Attr& a, const Attr& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) -> bool {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, std::monostate>) return true;
        else if constexpr (std::is_same_v<T, double>) return std::memcmp(&x, &y, sizeof(double)) == 0;
        else if constexpr (std::is_same_v<T, Scalar>) {
          if (x.kind() != y.kind()) return false;
          if (x.isFloatingPoint()) {
            const double dx = x.toDouble(), dy = y.toDouble();
            return std::memcmp(&dx, &dy, sizeof(double)) == 0;  // -0.0 and 0.0 differ as multipliers
          }
          return x.toLong() == y.toLong();
        } else if constexpr (std::is_same_v<T, DimVector>) return IntArrayRef(x) == IntArrayRef(y);
        else if constexpr (std::is_same_v<T, Generator>) return false;
        else return x == y;
      },
      a);
}

bool same_symbolic(const SymbolicAttr& a, const SymbolicAttr& b) {
  return a.attr == b.attr && a.element == b.element && a.form == b.form && a.symbol == b.symbol &&
         a.coefficient == b.coefficient && a.offset == b.offset;
}

// ============================== functionalization ==============================

// Graph inputs (placeholders and get_attr tensors) are assumed not to alias each other: the
// guards check it, so each input is its own storage root here.
class Functionalizer {
 public:
  explicit Functionalizer(Graph& g) : g_(g), hints_(symbol_hints(g)) {}

  int64_t run() {
    std::vector<Node*> order;
    for (const auto& n : g_.nodes()) order.push_back(n.get());
    const std::unordered_set<Node*> writebacks = trailing_writebacks(order);
    for (Node* n : order) {
      switch (n->opcode) {
        case Opcode::Placeholder:
        case Opcode::GetAttr: add_root(n->out(0), /*input=*/!n->folded); break;
        case Opcode::CallOp:
          g_.set_insert_point(n);
          if (writebacks.count(n) != 0) visit_writeback(n);
          else if (n->is_inplace()) visit_inplace(n);
          else visit_pure(n);
          break;
        case Opcode::Output: visit_output(n); break;
      }
    }
    g_.set_insert_point(nullptr);
    g_.rebuild_users();
    for (auto it = rewritten_.rbegin(); it != rewritten_.rend(); ++it) g_.erase(*it);
    return rewrites_;
  }

 private:
  struct AliasInfo {
    Value root;
    std::vector<std::pair<Node*, uint32_t>> chain;  // the view ops from the root, and which output of each
  };
  struct RootState {
    Value latest;           // the value holding the root's current contents
    int generation = 0;     // bumped by every write
    bool written_back = false;  // latest is the graph input itself, after its copy_
  };
  struct ViewState {
    Value current;
    int generation = 0;
    bool aliases_root = true;  // current is a view of the root's latest value (not a write's fresh result)
  };

  // copy_ nodes at the end (among the views the results read) that write straight into a graph
  // input: what an earlier functionalization left. They stay as they are, so that running the
  // pass twice changes nothing.
  static std::unordered_set<Node*> trailing_writebacks(const std::vector<Node*>& order) {
    std::unordered_set<Node*> result;
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      if (n->opcode == Opcode::Output || n->is_view()) continue;
      if (n->opcode != Opcode::CallOp || n->op->name != "copy_" || !is_graph_input(n->inputs[0].node)) break;
      result.insert(n);
    }
    return result;
  }

  void add_root(Value v, bool input) {
    alias_[v] = AliasInfo{v, {}};
    roots_[v] = RootState{v, 0, false};
    if (input) input_roots_.push_back(v);  // writes to it must reach the caller's tensor
  }

  // The current contents of the original value `v`: views of a base written since they were
  // taken are taken again from the base's new value.
  // With `as_view`, the result is a view of the root's latest value even where a write left
  // the view's new contents in a fresh tensor (results keep aliasing their base, as in eager).
  Value read(Value v, bool as_view = false) {
    const AliasInfo& a = alias_.at(v);
    const RootState& r = roots_.at(a.root);
    if (a.chain.empty()) return r.latest;
    ViewState& s = views_[v];
    if (s.generation == r.generation && s.current.node != nullptr && (s.aliases_root || !as_view)) return s.current;
    Value current = r.latest;
    for (const auto& [view, index] : a.chain) current = replay(view, current)->out(index);
    s = {current, r.generation};
    return current;
  }

  Node* replay(const Node* view, Value input) {
    Node* n = emit(g_, *view->op, {input}, view->attrs, view->symbolic_attrs);
    n->output_symbols = view->output_symbols;
    n->source = view->source;
    return n;
  }

  std::vector<Value> read_inputs(Node* n) {
    std::vector<Value> resolved;
    for (const Value& v : n->inputs) resolved.push_back(read(v));
    return resolved;
  }

  void visit_pure(Node* n) {
    const std::vector<Value> original = n->inputs;
    n->inputs = read_inputs(n);
    if (n->is_view()) {
      // A view now reading a new value of its base has new strides: recompute its metas.
      if (n->inputs != original) {
        std::vector<TensorMeta> metas{meta_of(n->inputs[0])};
        const MetaOutputs out =
            infer_metas(*n->op, metas, n->symbolic_attrs.empty() ? n->attrs : evaluate_attrs(*n, hints_));
        n->outputs.assign(out.begin(), out.end());
      }
      const AliasInfo base = alias_.at(original[0]);
      const int generation = roots_.at(base.root).generation;
      for (uint32_t i = 0; i < n->outputs.size(); ++i) {
        AliasInfo info = base;
        info.chain.emplace_back(n, i);
        alias_[n->out(i)] = std::move(info);
        views_[n->out(i)] = {n->out(i), generation};
      }
      return;
    }
    // Compute ops (those writing through a Tensor(a!) argument too: they write into the value
    // they are given, which is the root's current value, so the final write-back carries it).
    for (uint32_t i = 0; i < n->outputs.size(); ++i) add_root(n->out(i), false);
  }

  void visit_writeback(Node* n) {
    n->inputs[1] = read(n->inputs[1]);
    RootState& r = roots_.at(alias_.at(n->inputs[0]).root);
    r.latest = n->out(0);
    ++r.generation;
    r.written_back = true;
    alias_[n->out(0)] = AliasInfo{alias_.at(n->inputs[0]).root, {}};
  }

  static const OpDef* find_twin(const OpDef& op, std::string& twin_name) {
    if (op.name == "dropout_") twin_name = "native_dropout";  // output 0 is the result
    else {
      const std::string_view name = op.name;
      const size_t dot = name.find('.');
      std::string base(name.substr(0, dot));
      if (!base.empty() && base.back() == '_') base.pop_back();
      twin_name = base + std::string(dot == std::string_view::npos ? "" : name.substr(dot));
    }
    return OpRegistry::instance().find(twin_name);
  }

  void visit_inplace(Node* n) {
    const Value target = n->inputs[0];
    const TensorMeta target_meta = meta_of(target);
    const std::vector<int> target_symbols = symbols_of(target);
    const std::vector<Value> resolved = read_inputs(n);
    Value fresh;
    if (n->op->name == "copy_") {
      fresh = converted_copy(resolved[1], target_meta, target_symbols);
    } else if (n->op->name == "fill_.Scalar") {
      fresh = filled(std::get<Scalar>(n->attrs[0]), target_meta, target_symbols);
    } else {
      std::string twin_name;
      const OpDef* twin = find_twin(*n->op, twin_name);
      EMBER_CHECK(twin != nullptr,
                  "[functionalize] in-place op '{}' (node '{}') has no out-of-place twin: the registry has no '{}'. "
                  "Register the out-of-place op, or write the code without the in-place call.",
                  n->op->name, n->name, twin_name);
      Node* f = emit(g_, *twin, resolved, n->attrs, n->symbolic_attrs);
      set_symbols(f, target_symbols);
      f->source = n->source;
      fresh = f->out(0);
      EMBER_CHECK(IntArrayRef(meta_of(fresh).sizes) == IntArrayRef(target_meta.sizes),
                  "[functionalize] '{}' gives shape {}, but the in-place '{}' wrote shape {}", twin->name,
                  detail::shape_str(meta_of(fresh).sizes), n->op->name, detail::shape_str(target_meta.sizes));
      // In-place results keep the target's dtype (x.mul_(2.5) on float32 stays float32).
      if (meta_of(fresh).dtype != target_meta.dtype) fresh = cast(fresh, target_meta.dtype, target_symbols);
    }
    write(target, fresh);
    alias_[n->out(0)] = alias_.at(target);
    if (!alias_.at(target).chain.empty()) views_[n->out(0)] = views_.at(target);
    rewritten_.push_back(n);
    ++rewrites_;
  }

  Value cast(Value v, ScalarType dtype, const std::vector<int>& symbols) {
    Node* n = emit(g_, registry_op("_to_copy"), {v}, {dtype});
    set_symbols(n, symbols);
    return n->out(0);
  }

  // copy_(target, src): src expanded to the target's shape and converted to its dtype, always a
  // fresh tensor (the target's new contents must not alias src).
  Value converted_copy(Value src, const TensorMeta& target, const std::vector<int>& symbols) {
    if (IntArrayRef(meta_of(src).sizes) != IntArrayRef(target.sizes) || !same_symbols_as(src, symbols)) {
      Node* e = emit(g_, registry_op("expand"), {src}, {DimVector(target.sizes), false}, sizes_from_symbols(0, symbols));
      set_symbols(e, symbols);
      src = e->out(0);
    }
    return cast(src, target.dtype, symbols);
  }

  static bool same_symbols_as(Value v, std::vector<int> symbols) {
    std::vector<int> s = symbols_of(v);
    const size_t rank = std::max(s.size(), symbols.size());
    s.resize(rank, -1);
    symbols.resize(rank, -1);
    return s == symbols;
  }

  // fill_(target, value): a one-element constant expanded to the target's shape and cloned.
  Value filled(const Scalar& value, const TensorMeta& target, const std::vector<int>& symbols) {
    Tensor constant;
    {
      DispatchModeGuard eager(nullptr);
      NoGradGuard no_grad;
      constant = full({}, value, TensorOptions(target.dtype)).to(target.device);
    }
    Node* c = g_.get_attr("_tensor_constant", constant);
    c->folded = true;
    Node* e = emit(g_, registry_op("expand"), {c->out(0)}, {DimVector(target.sizes), false}, sizes_from_symbols(0, symbols));
    set_symbols(e, symbols);
    Node* copy = emit(g_, registry_op("clone"), {e->out(0)}, {});
    set_symbols(copy, symbols);
    return copy->out(0);
  }

  // Records that `target` (an original value) now holds `fresh`.
  void write(Value target, Value fresh) {
    const AliasInfo& a = alias_.at(target);
    RootState& r = roots_.at(a.root);
    if (a.chain.empty()) {
      r.latest = fresh;
      ++r.generation;
      r.written_back = false;
      return;
    }
    // A write through a view: the base's new value is the old one with the view's window replaced.
    Node* scatter = scatter_into_root(a, r.latest, fresh);
    set_symbols(scatter, symbols_of(a.root));
    r.latest = scatter->out(0);
    ++r.generation;
    r.written_back = false;
    views_[target] = {fresh, r.generation, false};
  }

  struct Geometry {
    DimVector sizes, strides;
    int64_t offset = 0;
  };

  // The window a view chain selects, in the row-major layout of its root, with the symbols at `values`.
  Geometry window(const AliasInfo& a, const std::vector<int64_t>& values) const {
    TensorMeta m = meta_of(a.root);
    const std::vector<int> root_symbols = symbols_of(a.root);
    for (size_t d = 0; d < root_symbols.size(); ++d)
      if (root_symbols[d] >= 0) m.sizes[d] = values[size_t(root_symbols[d])];
    m.strides = {};
    m.storage_offset = 0;
    for (const auto& [view, index] : a.chain) {
      const MetaOutputs out =
          infer_metas(*view->op, {m}, view->symbolic_attrs.empty() ? view->attrs : evaluate_attrs(*view, values));
      m = out[index];
      if (m.strides.empty()) m.strides = detail::contiguous_strides(m.sizes);
    }
    return {m.sizes, m.strides, m.storage_offset};
  }

  // Whether some element may be reached twice (sufficient test: each stride, in increasing
  // order, must step over everything the smaller ones reach).
  static bool may_overlap(const Geometry& w) {
    std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size)
    for (size_t d = 0; d < w.sizes.size(); ++d) {
      if (w.sizes[d] == 0) return false;
      if (w.sizes[d] > 1) dims.emplace_back(w.strides[d], w.sizes[d]);
    }
    std::sort(dims.begin(), dims.end());
    int64_t reach = 0;
    for (const auto& [stride, size] : dims) {
      if (stride <= reach) return true;
      reach += stride * (size - 1);
    }
    return false;
  }

  Node* scatter_into_root(const AliasInfo& a, Value base, Value src) {
    const TensorMeta& root_meta = meta_of(a.root);
    // as_strided_scatter windows a contiguous base (row-major order = storage order).
    EMBER_CHECK(is_contiguous_meta(root_meta) && root_meta.storage_offset == 0,
                "[functionalize] node '{}' writes through a view of '{}', which is not a contiguous tensor at offset "
                "0; a write through it cannot be functionalized. Call .contiguous() on the base first.",
                a.chain.back().first->name, a.root.node->name);
    // Symbols that the window may depend on.
    std::vector<int> involved;
    for (int s : symbols_of(a.root))
      if (s >= 0) involved.push_back(s);
    for (const auto& [view, index] : a.chain)
      for (const SymbolicAttr& s : view->symbolic_attrs) involved.push_back(s.symbol);
    std::sort(involved.begin(), involved.end());
    involved.erase(std::unique(involved.begin(), involved.end()), involved.end());

    const Geometry at_hints = window(a, hints_);
    EMBER_CHECK(!may_overlap(at_hints),
                "[functionalize] node '{}' writes through a view whose elements overlap in memory (sizes {}, strides "
                "{}); the result of such a write depends on the order of the writes and cannot be functionalized. "
                "Clone the view before writing to it.",
                a.chain.back().first->name, detail::shape_str(at_hints.sizes), detail::shape_str(at_hints.strides));
    std::vector<SymbolicAttr> symbolic;
    if (!involved.empty()) symbolic = fit_window(a, at_hints, involved);
    return emit(g_, registry_op("as_strided_scatter"), {base, src},
                {at_hints.sizes, at_hints.strides, at_hints.offset}, std::move(symbolic));
  }

  // Each size, stride and the offset of the window as coefficient * symbol + offset, found by
  // evaluating the window at the hints and at two larger values of each symbol.
  std::vector<SymbolicAttr> fit_window(const AliasInfo& a, const Geometry& at_hints, const std::vector<int>& involved) {
    auto flatten = [](const Geometry& w) {
      std::vector<int64_t> e(w.sizes.begin(), w.sizes.end());
      e.insert(e.end(), w.strides.begin(), w.strides.end());
      e.push_back(w.offset);
      return e;
    };
    const std::vector<int64_t> base = flatten(at_hints);
    std::vector<std::pair<int, int64_t>> depends(base.size(), {-1, 0});
    for (int s : involved) {
      std::vector<int64_t> values = hints_;
      values[size_t(s)] += 1;
      std::vector<int64_t> one, two;
      try {
        one = flatten(window(a, values));
        values[size_t(s)] += 1;
        two = flatten(window(a, values));
      } catch (const Error&) {
        one.clear();
      }
      EMBER_CHECK(one.size() == base.size() && two.size() == base.size(),
                  "[functionalize] the write through view '{}' selects a window whose rank depends on symbol {}; it "
                  "cannot be functionalized with dynamic sizes. Mark the dimension static.",
                  a.chain.back().first->name, g_.symbols()[size_t(s)].name);
      for (size_t j = 0; j < base.size(); ++j) {
        const int64_t step = one[j] - base[j];
        EMBER_CHECK(two[j] - one[j] == step && (step == 0 || depends[j].first < 0),
                    "[functionalize] the write through view '{}' selects a window that is not affine in one symbol; "
                    "it cannot be functionalized with dynamic sizes. Mark the dimension static.",
                    a.chain.back().first->name);
        if (step != 0) depends[j] = {s, step};
      }
    }
    std::vector<SymbolicAttr> symbolic;
    const size_t rank = at_hints.sizes.size();
    for (size_t j = 0; j < base.size(); ++j) {
      const auto [s, step] = depends[j];
      if (s < 0) continue;
      SymbolicAttr attr;
      attr.attr = j < rank ? 0 : j < 2 * rank ? 1 : 2;
      attr.element = j < 2 * rank ? int32_t(j % rank) : -1;
      attr.symbol = s;
      attr.coefficient = double(step);
      attr.offset = base[j] - step * hints_[size_t(s)];
      symbolic.push_back(attr);
    }
    return symbolic;
  }

  void visit_output(Node* out) {
    // The in-place nodes only the output still reads stay until the end; the others go now,
    // so that their names are free again.
    g_.rebuild_users();
    std::erase_if(rewritten_, [&](Node* n) {
      if (!n->users.empty()) return false;
      g_.erase(n);
      return true;
    });
    // Writes to graph inputs land in the inputs themselves, last, so that the graph changes
    // them exactly as eager did; the results then read (views of) the written inputs.
    g_.set_insert_point(out);
    for (const Value& root : input_roots_) {
      RootState& r = roots_.at(root);
      if (r.generation == 0 || r.written_back) continue;
      Node* copy = emit(g_, registry_op("copy_"), {root, r.latest}, {false});
      set_symbols(copy, symbols_of(root));
      r.latest = copy->out(0);
      ++r.generation;
      r.written_back = true;
    }
    for (Value& v : out->inputs) v = read(v, /*as_view=*/true);
  }

  Graph& g_;
  std::vector<int64_t> hints_;
  std::unordered_map<Value, AliasInfo, ValueHash> alias_;
  std::unordered_map<Value, RootState, ValueHash> roots_;
  std::unordered_map<Value, ViewState, ValueHash> views_;
  std::vector<Value> input_roots_;
  std::vector<Node*> rewritten_;
  int64_t rewrites_ = 0;
};

// ============================== simplification ==============================

bool is_constant_filled_with(Value v, double value) {
  const Node* n = v.node;
  if (n->opcode != Opcode::GetAttr || !n->folded || !n->constant.defined() || !n->constant.is_cpu()) return false;
  DispatchModeGuard eager(nullptr);
  const std::vector<double> values = n->constant.to_vector<double>();
  return std::all_of(values.begin(), values.end(), [&](double x) { return x == value; });
}

bool attr_is_scalar(const Node& n, size_t i, double value) {
  if (i >= n.attrs.size() || !std::holds_alternative<Scalar>(n.attrs[i])) return false;
  for (const SymbolicAttr& s : n.symbolic_attrs)
    if (s.attr == i) return false;
  return std::get<Scalar>(n.attrs[i]).toDouble() == value;
}

bool attr_is_finite_scalar(const Node& n, size_t i) {
  return i < n.attrs.size() && std::holds_alternative<Scalar>(n.attrs[i]) &&
         std::isfinite(std::get<Scalar>(n.attrs[i]).toDouble());
}

bool attr_is(const Node& n, size_t i, bool value) {
  return i < n.attrs.size() && std::holds_alternative<bool>(n.attrs[i]) && std::get<bool>(n.attrs[i]) == value;
}

bool attr_is_none(const Node& n, size_t i) {
  return i >= n.attrs.size() || std::holds_alternative<std::monostate>(n.attrs[i]);
}

bool is_op(const Node* n, std::string_view name) {
  return n->opcode == Opcode::CallOp && n->op != nullptr && n->op->name == name;
}

// view-like ops: a view to a new shape of the same elements.
bool is_reshape_view(const Node* n) {
  if (n->opcode != Opcode::CallOp || n->op == nullptr || n->op->kind != OpKind::View) return false;
  const std::string_view name = n->op->name;
  return name == "view" || name == "reshape" || name == "_unsafe_view" || name == "_reshape_alias";
}

// The operand that x*1, x+0, x-0, x/1 (either form) and 1*x, 0+x equal, if `n` is one of them.
std::optional<Value> identity_operand(const Node& n) {
  const std::string_view name = n.op->name;
  const auto& in = n.inputs;
  if (name == "mul.Tensor") {
    if (is_constant_filled_with(in[1], 1)) return in[0];
    if (is_constant_filled_with(in[0], 1)) return in[1];
  } else if (name == "div.Tensor") {
    if (attr_is_none(n, 1) && is_constant_filled_with(in[1], 1)) return in[0];
  } else if (name == "add.Tensor") {
    // x + alpha * 0 is x only for a finite alpha (inf * 0 is nan).
    if (attr_is_finite_scalar(n, 0) && is_constant_filled_with(in[1], 0)) return in[0];
    if (attr_is_scalar(n, 0, 1) && is_constant_filled_with(in[0], 0)) return in[1];
  } else if (name == "sub.Tensor") {
    if (attr_is_finite_scalar(n, 0) && is_constant_filled_with(in[1], 0)) return in[0];
  } else if (name == "mul.Scalar") {
    if (attr_is_scalar(n, 0, 1)) return in[0];
  } else if (name == "div.Scalar") {
    if (attr_is_scalar(n, 0, 1) && attr_is(n, 3, false) && attr_is_none(n, 2)) return in[0];
  } else if (name == "add.Scalar" || name == "sub.Scalar") {
    if (attr_is_scalar(n, 0, 0) && attr_is(n, 3, false) && attr_is_finite_scalar(n, 1)) return in[0];
  }
  return std::nullopt;
}

std::optional<Value> double_negation(const Node& n) {
  if (n.op->name != "neg" || !is_op(n.inputs[0].node, "neg")) return std::nullopt;
  return n.inputs[0].node->inputs[0];
}

std::optional<Value> double_transpose(const Node& n) {
  if (n.op->name != "transpose.int" || !is_op(n.inputs[0].node, "transpose.int")) return std::nullopt;
  const Node& inner = *n.inputs[0].node;
  if (!n.symbolic_attrs.empty() || !inner.symbolic_attrs.empty()) return std::nullopt;
  const Value x = inner.inputs[0];
  const int64_t rank = int64_t(meta_of(x).sizes.size());
  auto wrap = [&](int64_t d) { return rank == 0 ? 0 : d < 0 ? d + rank : d; };
  const int64_t a = wrap(std::get<int64_t>(n.attrs[0])), b = wrap(std::get<int64_t>(n.attrs[1]));
  const int64_t c = wrap(std::get<int64_t>(inner.attrs[0])), d = wrap(std::get<int64_t>(inner.attrs[1]));
  if ((a == c && b == d) || (a == d && b == c)) return x;
  return std::nullopt;
}

std::optional<Value> view_to_own_shape(const Node& n) {
  if (!is_reshape_view(&n)) return std::nullopt;
  const Value x = n.inputs[0];
  if (IntArrayRef(meta_of(x).sizes) != IntArrayRef(n.meta().sizes) || !same_symbols(x, Value{const_cast<Node*>(&n), 0}))
    return std::nullopt;
  return x;
}

class Simplifier {
 public:
  explicit Simplifier(Graph& g) : g_(g), mutated_(mutated_roots(g)), outputs_(output_aliases(g)) {}

  int64_t run() {
    std::vector<Node*> order;
    for (const auto& n : g_.nodes()) order.push_back(n.get());
    std::unordered_set<Node*> erased;
    int64_t changed = 0;
    for (Node* n : order) {
      if (erased.count(n) != 0 || n->opcode != Opcode::CallOp || n->outputs.size() != 1) continue;
      std::optional<Value> x = identity_operand(*n);
      if (!x) x = double_negation(*n);
      if (!x) x = double_transpose(*n);
      if (!x) x = view_to_own_shape(*n);
      if (x && replaceable(*n, *x)) {
        g_.replace_all_uses(n->out(0), *x);
        if (n->users.empty() && !node_has_side_effects(*n)) {
          g_.erase(n);
          erased.insert(n);
        }
        outputs_ = output_aliases(g_);
        ++changed;
      } else if (fuse_view_of_view(n)) {
        ++changed;
      }
    }
    return changed;
  }

 private:
  // Whether every use of `n` may read `x` instead.
  bool replaceable(const Node& n, Value x) const {
    const Value result{const_cast<Node*>(&n), 0};
    const TensorMeta& nm = n.meta();
    const TensorMeta& xm = meta_of(x);
    if (IntArrayRef(nm.sizes) != IntArrayRef(xm.sizes) || nm.dtype != xm.dtype || nm.device != xm.device ||
        !same_symbols(result, x))
      return false;
    if (n.is_view()) {
      // Another name for the same elements, but a result the caller receives keeps its own identity:
      // it must not become an input tensor itself.
      const Node* out = g_.output_node();
      const bool x_is_input = x.node->opcode == Opcode::Placeholder || x.node->opcode == Opcode::GetAttr;
      if (x_is_input && out != nullptr && std::find(out->inputs.begin(), out->inputs.end(), result) != out->inputs.end())
        return false;
      return same_geometry(nm, xm);
    }
    // A computed result is a fresh contiguous tensor: x must be laid out the same, nobody may
    // write into either, and a result the caller receives must not become one of its inputs.
    if (!is_contiguous_meta(xm)) return false;
    const Value root = alias_root(x);
    if (mutated_.count(result) != 0 || mutated_.count(root) != 0) return false;
    if (is_graph_input(root.node) && outputs_.count(result) != 0) return false;
    return true;
  }

  // view(view(x, a), b) -> view(x, b), when the op accepts x's layout directly.
  bool fuse_view_of_view(Node* n) {
    if (!is_reshape_view(n) || !is_reshape_view(n->inputs[0].node)) return false;
    Node* inner = n->inputs[0].node;
    const Value x = inner->inputs[0];
    MetaOutputs out;
    try {
      out = infer_metas(*n->op, {meta_of(x)}, n->symbolic_attrs.empty() ? n->attrs : evaluate_attrs(*n, symbol_hints(g_)));
    } catch (const Error&) {
      return false;
    }
    if (out.size() != 1 || !same_geometry(out[0], n->meta())) return false;
    n->inputs[0] = x;
    std::erase(inner->users, n);
    if (std::find(x.node->users.begin(), x.node->users.end(), n) == x.node->users.end()) x.node->users.push_back(n);
    return true;
  }

  Graph& g_;
  ValueSet mutated_;
  ValueSet outputs_;
};

// ============================== CSE ==============================

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))) * 0x100000001b3ULL; }

struct CseEntry {
  Node* node;
  std::vector<int> versions;  // the write count of each input's root when the node ran
};

}  // namespace

int64_t functionalize(Graph& graph) { return Functionalizer(graph).run(); }

int64_t simplify_algebra(Graph& graph) { return Simplifier(graph).run(); }

int64_t eliminate_dead_code(Graph& graph) {
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  int64_t removed = 0;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node* n = *it;
    if (!n->users.empty()) continue;
    const bool dead_call = n->opcode == Opcode::CallOp && !node_has_side_effects(*n);
    const bool dead_constant = n->opcode == Opcode::GetAttr && n->folded;
    if (dead_call || dead_constant) {
      graph.erase(n);
      ++removed;
    }
  }
  return removed;
}

int64_t eliminate_common_subexpressions(Graph& graph) {
  const ValueSet mutated = mutated_roots(graph);
  std::unordered_map<Value, int, ValueHash> writes;  // per root: how many writes so far
  std::unordered_map<uint64_t, std::vector<CseEntry>> seen;
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  int64_t merged = 0;
  for (Node* n : order) {
    if (n->opcode != Opcode::CallOp) continue;
    if (node_has_side_effects(*n)) {
      if (n->is_inplace()) ++writes[alias_root(n->inputs[0])];
      else if (n->op->schema.find('!') != std::string_view::npos)
        for (const Value& v : n->inputs) ++writes[alias_root(v)];
      continue;
    }
    // Views name the same elements whenever they are taken; a computation reads values, so it
    // matches only one that saw the same writes to its inputs, and never one whose result is written.
    const bool view = n->is_view();
    std::vector<int> versions;
    if (!view) {
      bool written = false;
      for (uint32_t i = 0; i < n->outputs.size(); ++i) written = written || mutated.count(n->out(i)) != 0;
      if (written) continue;
      for (const Value& v : n->inputs) {
        auto it = writes.find(alias_root(v));
        versions.push_back(it == writes.end() ? 0 : it->second);
      }
    }
    uint64_t h = std::hash<const void*>{}(n->op);
    for (const Value& v : n->inputs) h = mix(mix(h, std::hash<const void*>{}(v.node)), v.index);
    h = mix(h, n->attrs.size());
    for (int v : versions) h = mix(h, uint64_t(v));
    std::vector<CseEntry>& bucket = seen[h];
    auto same = [&](const CseEntry& e) {
      const Node& m = *e.node;
      if (m.op != n->op || m.inputs != n->inputs || m.attrs.size() != n->attrs.size() || m.grad_enabled != n->grad_enabled ||
          m.symbolic_attrs.size() != n->symbolic_attrs.size() || e.versions != versions)
        return false;
      for (size_t i = 0; i < m.attrs.size(); ++i)
        if (!same_attr(m.attrs[i], n->attrs[i])) return false;
      for (size_t i = 0; i < m.symbolic_attrs.size(); ++i)
        if (!same_symbolic(m.symbolic_attrs[i], n->symbolic_attrs[i])) return false;
      return true;
    };
    auto match = std::find_if(bucket.begin(), bucket.end(), same);
    if (match == bucket.end()) {
      bucket.push_back({n, std::move(versions)});
      continue;
    }
    for (uint32_t i = 0; i < n->outputs.size(); ++i) graph.replace_all_uses(n->out(i), match->node->out(i));
    graph.erase(n);
    ++merged;
  }
  return merged;
}

int64_t fold_constants(Graph& graph) {
  std::vector<Node*> order;
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  int64_t folded = 0;
  for (Node* n : order) {
    if (n->opcode != Opcode::CallOp || node_has_side_effects(*n) || is_uninitialised(*n->op)) continue;
    if (!n->symbolic_attrs.empty() || has_dynamic_dims(*n)) continue;
    const bool constant_inputs = std::all_of(n->inputs.begin(), n->inputs.end(), [](const Value& v) {
      return v.node->opcode == Opcode::GetAttr && v.node->folded;
    });
    if (!constant_inputs) continue;
    if (!n->is_view()) {
      int64_t bytes = 0;
      for (const TensorMeta& m : n->outputs) bytes += detail::product(m.sizes) * element_size(m.dtype);
      if (bytes > kFoldLimitBytes) continue;
    }
    Outputs results;
    try {
      DispatchModeGuard eager(nullptr);
      NoGradGuard no_grad;
      OpCall call;
      for (const Value& v : n->inputs) call.inputs.push_back(v.node->constant);
      call.attrs = n->attrs;
      results = dispatch(*n->op, call);
    } catch (const Error&) {
      continue;  // the op fails on these values (integer division by zero ...): let it fail at run time
    }
    graph.set_insert_point(n);
    for (uint32_t i = 0; i < n->outputs.size(); ++i) {
      Node* c = graph.get_attr("_tensor_constant", results[i]);
      c->folded = true;
      c->source = n->source;
      graph.replace_all_uses(n->out(i), c->out(0));
    }
    graph.set_insert_point(nullptr);
    std::vector<Node*> inputs;
    for (const Value& v : n->inputs)
      if (std::find(inputs.begin(), inputs.end(), v.node) == inputs.end()) inputs.push_back(v.node);
    graph.erase(n);
    for (Node* input : inputs)
      if (input->users.empty()) graph.erase(input);  // a folded constant only this node read
    ++folded;
  }
  return folded;
}

int64_t run_default_passes(Graph& graph) {
  int64_t changed = functionalize(graph);
  for (int round = 0; round < 16; ++round) {
    const int64_t n = simplify_algebra(graph) + fold_constants(graph) + eliminate_common_subexpressions(graph) +
                      eliminate_dead_code(graph);
    changed += n;
    if (n == 0) break;
  }
  graph.lint();
  return changed;
}

}  // namespace ember::jit
