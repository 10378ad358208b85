// Dynamic dims by two traces: every attribute that differs between them must be an affine function of one size.
#include "jit/dynamic.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include <fmt/format.h>

namespace ember::jit {
namespace {

bool is_prime(int64_t n) {
  if (n < 2) return false;
  for (int64_t d = 2; d * d <= n; ++d)
    if (n % d == 0) return false;
  return true;
}

// An int attr value traced as r (sizes at hints) and f (sizes at sentinels), explained by symbol k.
std::optional<SymbolicAttr> fit_int(int64_t r, int64_t f, const SymbolPlan& plan) {
  std::optional<SymbolicAttr> found;
  for (size_t k = 0; k < plan.hints.size(); ++k) {
    const int64_t R = plan.hints[k], S = plan.sentinels[k];
    if ((f - r) % (S - R) != 0) continue;
    const int64_t c = (f - r) / (S - R);
    const int64_t b = r - c * R;
    // A size-like use: a multiple of the size, shifted by less than it (B, 8 * B, B - 1).
    if (c == 0 || std::abs(b) >= R) continue;
    if (found) return std::nullopt;  // two sizes explain it: ambiguous, so the entry stays static
    SymbolicAttr s;
    s.form = SymbolicAttr::Form::Affine;
    s.symbol = int(k);
    s.coefficient = double(c);
    s.offset = b;
    found = s;
  }
  return found;
}

std::optional<SymbolicAttr> fit_double(double r, double f, const SymbolPlan& plan) {
  auto close = [](double a, double b) { return std::abs(a - b) <= 1e-12 * std::max(std::abs(a), std::abs(b)); };
  std::optional<SymbolicAttr> found;
  for (size_t k = 0; k < plan.hints.size(); ++k) {
    const double R = double(plan.hints[k]), S = double(plan.sentinels[k]);
    SymbolicAttr s;
    s.symbol = int(k);
    if (close(f, r / R * S)) {
      s.form = SymbolicAttr::Form::Affine;
      s.coefficient = r / R;
    } else if (close(f * S, r * R)) {
      s.form = SymbolicAttr::Form::Reciprocal;
      s.coefficient = r * R;
    } else {
      continue;
    }
    if (found) return std::nullopt;  // ambiguous
    found = s;
  }
  return found;
}

std::string attr_str(const Attr& a) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, bool>) return fmt::format("{}", v);
        else if constexpr (std::is_same_v<T, DimVector>) return fmt::format("[{}]", fmt::join(v, ", "));
        else if constexpr (std::is_same_v<T, Scalar>) return v.isFloatingPoint() ? fmt::format("{}", v.toDouble()) : fmt::format("{}", v.toLong());
        else return "?";
      },
      a);
}

bool attr_equal(const Attr& a, const Attr& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        const T& w = std::get<T>(b);
        if constexpr (std::is_same_v<T, std::monostate> || std::is_same_v<T, Generator>) return true;
        else if constexpr (std::is_same_v<T, Scalar>) return v.kind() == w.kind() && v.equal(w);
        else if constexpr (std::is_same_v<T, double>) return v == w || (v != v && w != w);
        else return v == w;
      },
      a);
}

}  // namespace

SymbolPlan plan_symbols(const FlatArgs& args, const std::vector<std::vector<bool>>& dynamic_dims) {
  SymbolPlan plan;
  plan.dim_symbols.resize(args.tensors.size());
  std::vector<int64_t> taken;
  for (const Tensor* t : args.tensors)
    if (t->defined())
      for (int64_t s : t->sizes()) taken.push_back(s);
  auto unused_prime = [&](int64_t from) {
    int64_t p = from;
    while (!is_prime(p) || std::find(taken.begin(), taken.end(), p) != taken.end()) ++p;
    taken.push_back(p);
    return p;
  };
  for (size_t i = 0; i < args.tensors.size(); ++i) {
    const Tensor& t = *args.tensors[i];
    if (!t.defined()) continue;
    plan.dim_symbols[i].assign(size_t(t.dim()), -1);
    for (int64_t d = 0; d < t.dim(); ++d) {
      if (i >= dynamic_dims.size() || size_t(d) >= dynamic_dims[i].size() || !dynamic_dims[i][size_t(d)]) continue;
      const int64_t size = t.size(d);
      if (size < 2) continue;  // 0 and 1 stay specialised
      auto same = std::find(plan.hints.begin(), plan.hints.end(), size);
      if (same != plan.hints.end()) {
        plan.dim_symbols[i][size_t(d)] = int(same - plan.hints.begin());
        continue;
      }
      plan.dim_symbols[i][size_t(d)] = int(plan.hints.size());
      plan.sources.emplace_back(int(i), int(d));
      plan.hints.push_back(size);
    }
  }
  // Distinct sentinel - hint differences keep one size's change from looking like another's.
  std::vector<int64_t> differences;
  for (int64_t hint : plan.hints) {
    int64_t s = unused_prime(std::max<int64_t>(97, 2 * hint + 1));
    while (std::find(differences.begin(), differences.end(), s - hint) != differences.end()) s = unused_prime(s + 1);
    differences.push_back(s - hint);
    plan.sentinels.push_back(s);
  }
  for (size_t k = 0; k < plan.hints.size(); ++k) plan.small_sentinels.push_back(unused_prime(2));
  return plan;
}

std::optional<std::string> fit_symbols(Program& real, const Program& fake, const SymbolPlan& plan) {
  if (real.segments.size() != 1 || fake.segments.size() != 1 || !real.breaks.empty())
    return std::string("the function has graph breaks");
  if (real.output_slots.size() != fake.output_slots.size() || real.lifted.size() != fake.lifted.size())
    return std::string("the trace at other sizes returned different results");
  Graph& graph = real.segments[0].graph;
  const Graph& other = fake.segments[0].graph;
  if (graph.size() != other.size()) return fmt::format("the trace at other sizes recorded {} nodes instead of {}: the function's control flow depends on the sizes", other.size(), graph.size());
  std::unordered_map<const Node*, size_t> index_real, index_fake;
  for (size_t i = 0; i < graph.size(); ++i) {
    index_real[graph.nodes()[i].get()] = i;
    index_fake[other.nodes()[i].get()] = i;
  }
  for (size_t i = 0; i < graph.size(); ++i) {
    Node& a = *graph.nodes()[i];
    const Node& b = *other.nodes()[i];
    const std::string where = a.opcode == Opcode::CallOp ? fmt::format("'{}' ({})", a.name, a.op->name) : fmt::format("'{}'", a.name);
    if (a.opcode != b.opcode || a.op != b.op || a.inputs.size() != b.inputs.size() || a.attrs.size() != b.attrs.size() ||
        a.outputs.size() != b.outputs.size())
      return fmt::format("the trace at other sizes differs at node {}: the function's control flow depends on the sizes", where);
    for (size_t k = 0; k < a.inputs.size(); ++k)
      if (index_real.at(a.inputs[k].node) != index_fake.at(b.inputs[k].node) || a.inputs[k].index != b.inputs[k].index)
        return fmt::format("the trace at other sizes wires node {} differently", where);
    if (a.opcode == Opcode::GetAttr && !a.constant.is_same(b.constant))
      return fmt::format("the trace at other sizes lifted a different tensor at {}", where);
    for (size_t k = 0; k < a.attrs.size(); ++k) {
      const Attr& ra = a.attrs[k];
      const Attr& fa = b.attrs[k];
      if (ra.index() != fa.index()) return fmt::format("attribute {} of {} changes type with the sizes", k, where);
      auto unexplained = [&]() {
        return fmt::format("attribute {} of {} changes with the sizes in a way ember cannot express (traced {} and {})", k,
                           where, attr_str(ra), attr_str(fa));
      };
      auto add = [&](std::optional<SymbolicAttr> s, int32_t element) {
        if (!s) return false;
        s->attr = uint32_t(k);
        s->element = element;
        a.symbolic_attrs.push_back(*s);
        return true;
      };
      if (const auto* rv = std::get_if<DimVector>(&ra)) {
        const auto& fv = std::get<DimVector>(fa);
        if (rv->size() != fv.size()) return unexplained();
        for (size_t e = 0; e < rv->size(); ++e)
          if ((*rv)[e] != fv[e] && !add(fit_int((*rv)[e], fv[e], plan), int32_t(e))) return unexplained();
      } else if (const auto* ri = std::get_if<int64_t>(&ra)) {
        const int64_t fi = std::get<int64_t>(fa);
        if (*ri != fi && !add(fit_int(*ri, fi, plan), -1)) return unexplained();
      } else if (const auto* rd = std::get_if<double>(&ra)) {
        const double fd = std::get<double>(fa);
        if (*rd != fd && !add(fit_double(*rd, fd, plan), -1)) return unexplained();
      } else if (const auto* rs = std::get_if<Scalar>(&ra)) {
        const Scalar& fs = std::get<Scalar>(fa);
        if (!rs->equal(fs) || rs->kind() != fs.kind()) {
          if (rs->kind() != fs.kind()) return unexplained();
          const bool ok = rs->isFloatingPoint() ? add(fit_double(rs->toDouble(), fs.toDouble(), plan), -1)
                                                : add(fit_int(rs->toLong(), fs.toLong(), plan), -1);
          if (!ok) return unexplained();
        }
      } else if (ra.index() != fa.index() || [&] {
                   // monostate, bool, dtype, string, generator: must be equal
                   if (const auto* rb = std::get_if<bool>(&ra)) return *rb != std::get<bool>(fa);
                   if (const auto* rt = std::get_if<ScalarType>(&ra)) return *rt != std::get<ScalarType>(fa);
                   if (const auto* rstr = std::get_if<std::string>(&ra)) return *rstr != std::get<std::string>(fa);
                   return false;
                 }()) {
        return unexplained();
      }
    }
    // Output dims that are a symbol themselves print as that symbol.
    a.output_symbols.assign(a.outputs.size(), {});
    bool any = false;
    for (size_t o = 0; o < a.outputs.size(); ++o) {
      const DimVector& rs = a.outputs[o].sizes;
      const DimVector& fs = b.outputs[o].sizes;
      if (rs.size() != fs.size()) return fmt::format("the rank of {} changes with the sizes", where);
      a.output_symbols[o].assign(rs.size(), -1);
      for (size_t d = 0; d < rs.size(); ++d) {
        if (rs[d] == fs[d]) continue;
        for (size_t k = 0; k < plan.hints.size(); ++k)
          if (plan.hints[k] == rs[d] && plan.sentinels[k] == fs[d]) a.output_symbols[o][d] = int(k);
        any = true;
      }
    }
    if (!any) a.output_symbols.clear();
  }
  // The symbols as the graph names them.
  std::vector<Node*> placeholders = graph.placeholders();
  const std::vector<int>& inputs = real.segments[0].inputs;
  for (size_t k = 0; k < plan.sources.size(); ++k) {
    Symbol symbol;
    symbol.name = "s" + std::to_string(k);
    symbol.dim = plan.sources[k].second;
    symbol.hint = plan.hints[k];
    const int slot = real.arg_slots[size_t(plan.sources[k].first)];
    auto it = std::find(inputs.begin(), inputs.end(), slot);
    symbol.input = it == inputs.end() ? -1 : int(it - inputs.begin());
    graph.symbols().push_back(symbol);
  }
  real.symbol_sources = plan.sources;
  return std::nullopt;
}

std::optional<std::string> verify_symbols(const Program& real, const Program& small, const SymbolPlan& plan) {
  if (small.segments.size() != 1 || !small.breaks.empty() || small.output_slots.size() != real.output_slots.size())
    return std::string("the trace at small sizes took another path: the function's control flow depends on the sizes");
  const Graph& graph = real.segments[0].graph;
  const Graph& other = small.segments[0].graph;
  if (graph.size() != other.size())
    return std::string("the trace at small sizes recorded other ops: the function's control flow depends on the sizes");
  for (size_t i = 0; i < graph.size(); ++i) {
    const Node& a = *graph.nodes()[i];
    const Node& b = *other.nodes()[i];
    if (a.opcode != b.opcode || a.op != b.op || a.attrs.size() != b.attrs.size())
      return fmt::format("the trace at small sizes differs at node '{}': the function's control flow depends on the sizes",
                         a.name);
    // Every attribute must be what the fit predicts at the small sizes: the fixed ones unchanged.
    const SmallVector<Attr, 4> predicted = evaluate_attrs(a, plan.small_sentinels);
    for (size_t k = 0; k < a.attrs.size(); ++k) {
      const bool symbolic = std::any_of(a.symbolic_attrs.begin(), a.symbolic_attrs.end(),
                                        [&](const SymbolicAttr& s) { return s.attr == k; });
      if (!symbolic && !attr_equal(a.attrs[k], b.attrs[k]))
        return fmt::format("attribute {} of '{}' ({}) changes at small sizes (traced {}, then {}): the function's "
                           "control flow depends on the sizes", k, a.name, a.op->name, attr_str(a.attrs[k]),
                           attr_str(b.attrs[k]));
    }
    for (const SymbolicAttr& s : a.symbolic_attrs) {
      const Attr& want = predicted[s.attr];
      const Attr& got = b.attrs[s.attr];
      bool same = want.index() == got.index();
      if (same) {
        if (const auto* dv = std::get_if<DimVector>(&want)) same = *dv == std::get<DimVector>(got);
        else if (const auto* iv = std::get_if<int64_t>(&want)) same = *iv == std::get<int64_t>(got);
        else if (const auto* fv = std::get_if<double>(&want)) same = std::abs(*fv - std::get<double>(got)) <= 1e-12 * std::abs(*fv);
        else if (const auto* sv = std::get_if<Scalar>(&want))
          same = std::abs(sv->toDouble() - std::get<Scalar>(got).toDouble()) <= 1e-12 * std::abs(sv->toDouble());
      }
      if (!same)
        return fmt::format("attribute {} of '{}' ({}) does not follow the sizes as an affine function (traced {}, "
                           "predicted {} at small sizes)", s.attr, a.name, a.op->name, attr_str(got), attr_str(want));
    }
  }
  return std::nullopt;
}

}  // namespace ember::jit
