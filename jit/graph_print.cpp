// Printing (code, table, Graphviz) and lint() for the graph IR.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <ostream>
#include <unordered_map>
#include <unordered_set>

#include "eager/meta.h"
#include "jit/graph.h"
#include "jit/op_info.h"
#include "kernels/check.h"

namespace ember::jit {

const char* short_dtype_name(ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Bool: return "b8";
    case ScalarType::Byte: return "u8";
    case ScalarType::Char: return "i8";
    case ScalarType::Short: return "i16";
    case ScalarType::Int: return "i32";
    case ScalarType::Long: return "i64";
    case ScalarType::Half: return "f16";
    case ScalarType::BFloat16: return "bf16";
    case ScalarType::Float: return "f32";
    case ScalarType::Double: return "f64";
  }
  return "?";
}

namespace {

// Python's repr of a float: 1.0, 0.01, 1e-05, inf, nan.
std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string python_string(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string scalar_str(const Scalar& s) {
  if (s.isBoolean()) return s.toBool() ? "True" : "False";
  if (s.isIntegral(false)) return std::to_string(s.toLong());
  return python_float(s.toDouble());
}

// coefficient * s + offset, or coefficient / s, as a user would write it: s0, 4*s0, s0 - 1, 0.5/s0.
std::string symbolic_str(const SymbolicAttr& s, const std::vector<Symbol>& symbols) {
  const std::string sym = size_t(s.symbol) < symbols.size() ? symbols[size_t(s.symbol)].name : fmt::format("s{}", s.symbol);
  auto number = [](double c) { return c == std::floor(c) && std::abs(c) < 1e15 ? std::to_string(int64_t(c)) : python_float(c); };
  if (s.form == SymbolicAttr::Form::Reciprocal) return number(s.coefficient) + "/" + sym;
  std::string out = s.coefficient == 1 ? sym : s.coefficient == -1 ? "-" + sym : number(s.coefficient) + "*" + sym;
  if (s.offset > 0) out += fmt::format(" + {}", s.offset);
  else if (s.offset < 0) out += fmt::format(" - {}", -s.offset);
  return out;
}

// Attr `index` of `node`, with its symbolic parts written as expressions.
std::string attr_str(const Node& node, size_t index, const std::vector<Symbol>& symbols) {
  const Attr& a = node.attrs[index];
  std::vector<const SymbolicAttr*> parts;
  for (const SymbolicAttr& s : node.symbolic_attrs)
    if (s.attr == index) parts.push_back(&s);
  auto symbolic_element = [&](int32_t element) -> const SymbolicAttr* {
    for (const SymbolicAttr* s : parts)
      if (s->element == element) return s;
    return nullptr;
  };
  if (const SymbolicAttr* whole = symbolic_element(-1)) return symbolic_str(*whole, symbols);
  return std::visit(
      [&](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "None";
        else if constexpr (std::is_same_v<T, bool>) return v ? "True" : "False";
        else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>) return python_float(v);
        else if constexpr (std::is_same_v<T, Scalar>) return scalar_str(v);
        else if constexpr (std::is_same_v<T, DimVector>) {
          std::string out = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out += ", ";
            const SymbolicAttr* s = symbolic_element(int32_t(i));
            out += s != nullptr ? symbolic_str(*s, symbols) : std::to_string(v[i]);
          }
          return out + "]";
        } else if constexpr (std::is_same_v<T, ScalarType>) return std::string("torch.") + python_name(v);
        else if constexpr (std::is_same_v<T, std::string>) return python_string(v);
        else return "generator";
      },
      a);
}

// A value as an argument: its node's name, with [i] when the node returns a tuple or list.
std::string value_str(const Value& v) {
  const Node& n = *v.node;
  const bool sequence = n.outputs.size() != 1 || (n.op != nullptr && returns_sequence(*n.op));
  return sequence ? fmt::format("{}[{}]", n.name, v.index) : n.name;
}

// The tensor inputs as arguments; a Tensor[] parameter's inputs are grouped in brackets.
std::vector<std::string> input_args(const Node& node) {
  std::vector<std::string> args;
  std::vector<std::string> names;
  for (const Value& v : node.inputs) names.push_back(value_str(v));
  const std::vector<SchemaParam>& params = schema_params(*node.op);
  int before = 0, after = 0;
  bool seen_list = false;
  for (const SchemaParam& p : params) {
    if (!p.tensor) continue;
    if (p.list) seen_list = true;
    else (seen_list ? after : before) += 1;
  }
  const int in_list = int(names.size()) - before - after;
  if (!seen_list || in_list < 0) return names;
  for (int i = 0; i < before; ++i) args.push_back(names[size_t(i)]);
  std::string list = "[";
  for (int i = 0; i < in_list; ++i) list += (i > 0 ? ", " : "") + names[size_t(before + i)];
  args.push_back(list + "]");
  for (size_t i = size_t(before + in_list); i < names.size(); ++i) args.push_back(names[i]);
  return args;
}

// Inputs, then attrs as name=value (names from the schema). With `all_attrs` false, optional
// attrs holding None are left out, as a user would write the call.
std::string call_args(const Node& node, const std::vector<Symbol>& symbols, bool all_attrs) {
  std::vector<std::string> args = input_args(node);
  const std::vector<SchemaParam>& params = schema_params(*node.op);
  std::vector<const SchemaParam*> attr_params;
  for (const SchemaParam& p : params)
    if (!p.tensor) attr_params.push_back(&p);
  for (size_t i = 0; i < node.attrs.size(); ++i) {
    const bool none = std::holds_alternative<std::monostate>(node.attrs[i]);
    const bool symbolic = std::any_of(node.symbolic_attrs.begin(), node.symbolic_attrs.end(),
                                      [&](const SymbolicAttr& s) { return s.attr == i; });
    if (i < attr_params.size()) {
      if (none && !symbolic && !all_attrs && attr_params[i]->optional) continue;
      args.push_back(attr_params[i]->name + "=" + attr_str(node, i, symbols));
    } else if (std::holds_alternative<Generator>(node.attrs[i])) {
      args.push_back("generator=generator");  // a Generator the schema does not list (dropout)
    } else if (!none || all_attrs) {
      args.push_back(attr_str(node, i, symbols));
    }
  }
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) out += (i > 0 ? ", " : "") + args[i];
  return out;
}

// The op as the code names it: the base name when no other registered op shares it, else the
// overload-qualified name (add.Tensor next to add.Scalar).
class OpNamer {
 public:
  OpNamer() {
    for (const OpDef* op : OpRegistry::instance().all()) ++count_[op_base_name(*op)];
  }
  std::string operator()(const OpDef& op) const {
    const std::string base = op_base_name(op);
    auto it = count_.find(base);
    return it != count_.end() && it->second > 1 ? std::string(op.name) : base;
  }

 private:
  std::unordered_map<std::string, int> count_;
};

// Up to eight values of a small compile-time constant, flattened: [1.0, 2.0].
std::string constant_values(const Tensor& t) {
  if (!t.defined() || t.numel() > 8 || !t.is_cpu()) return "";
  const std::vector<double> v = t.to_vector<double>();
  std::string out = t.dim() == 0 ? "" : "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ", ";
    if (t.dtype() == kBool) out += v[i] != 0 ? "True" : "False";
    else if (t.is_floating_point()) out += python_float(v[i]);
    else out += std::to_string(int64_t(v[i]));
  }
  return t.dim() == 0 ? out : out + "]";
}

std::string node_meta_str(const Graph& g, const Node& n) {
  const bool sequence = n.outputs.size() != 1 || (n.op != nullptr && returns_sequence(*n.op));
  if (!sequence) return g.meta_str(n, 0);
  std::string out = "(";
  for (uint32_t i = 0; i < n.outputs.size(); ++i) out += (i > 0 ? ", " : "") + g.meta_str(n, i);
  return out + (n.outputs.size() == 1 ? ",)" : ")");
}

std::string results_str(const Node& output) {
  std::string out = "(";
  for (size_t i = 0; i < output.inputs.size(); ++i) out += (i > 0 ? ", " : "") + value_str(output.inputs[i]);
  return out + (output.inputs.size() == 1 ? ",)" : ")");
}

}  // namespace

std::string Graph::meta_str(const Node& node, uint32_t output) const {
  if (output >= node.outputs.size()) return "?";
  const TensorMeta& m = node.outputs[output];
  const std::vector<int>* syms = output < node.output_symbols.size() ? &node.output_symbols[output] : nullptr;
  std::string out = std::string(short_dtype_name(m.dtype)) + "[";
  for (size_t d = 0; d < m.sizes.size(); ++d) {
    if (d > 0) out += ", ";
    const int s = syms != nullptr && d < syms->size() ? (*syms)[d] : -1;
    if (s >= 0) out += size_t(s) < symbols_.size() ? symbols_[size_t(s)].name : fmt::format("s{}", s);
    else out += std::to_string(m.sizes[d]);
  }
  out += "]";
  if (!m.device.is_cpu()) out += "@" + m.device.str();
  return out;
}

std::string Graph::print() const {
  const OpNamer op_name;
  std::string out = "graph(";
  bool first = true;
  for (const auto& n : nodes_) {
    if (n->opcode != Opcode::Placeholder) continue;
    out += (first ? "" : ", ") + n->name + ": " + meta_str(*n);
    first = false;
  }
  out += "):\n";
  for (const auto& n : nodes_) {
    std::string line;
    switch (n->opcode) {
      case Opcode::Placeholder: continue;
      case Opcode::GetAttr:
        line = n->folded ? fmt::format("{}: {} = constant({})", n->name, meta_str(*n), constant_values(n->constant))
                         : fmt::format("{}: {} = get_attr({})", n->name, meta_str(*n), n->name);
        break;
      case Opcode::CallOp:
        line = fmt::format("{}: {} = {}({})", n->name, node_meta_str(*this, *n),
                           n->op != nullptr ? op_name(*n->op) : "<no op>",
                           n->op != nullptr ? call_args(*n, symbols_, false) : "");
        break;
      case Opcode::Output: line = "return " + results_str(*n); break;
    }
    if (!n->source.empty()) line += "  # " + n->source;
    out += "    " + line + "\n";
  }
  return out;
}

std::string Graph::print_tabular() const {
  std::vector<std::array<std::string, 5>> rows{{"opcode", "name", "target", "args", "meta"}};
  for (const auto& n : nodes_) {
    std::array<std::string, 5> row{opcode_name(n->opcode), n->name, "", "()", ""};
    switch (n->opcode) {
      case Opcode::Placeholder: row[2] = n->name; row[4] = meta_str(*n); break;
      case Opcode::GetAttr:
        row[2] = n->folded ? "constant" : n->name;
        row[4] = meta_str(*n);
        break;
      case Opcode::CallOp:
        row[2] = n->op != nullptr ? std::string(n->op->name) : "<no op>";
        row[3] = "(" + (n->op != nullptr ? call_args(*n, symbols_, true) : "") + ")";
        row[4] = node_meta_str(*this, *n);
        break;
      case Opcode::Output:
        row[2] = "output";
        row[3] = "(" + results_str(*n) + ",)";
        break;
    }
    rows.push_back(std::move(row));
  }
  std::array<size_t, 5> width{};
  for (const auto& row : rows)
    for (size_t c = 0; c < 5; ++c) width[c] = std::max(width[c], row[c].size());
  auto line = [&](const std::array<std::string, 5>& row) {
    std::string s;
    for (size_t c = 0; c < 5; ++c) {
      s += row[c];
      if (c + 1 < 5) s += std::string(width[c] - row[c].size() + 2, ' ');
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  std::string out = line(rows[0]);
  std::array<std::string, 5> rule;
  for (size_t c = 0; c < 5; ++c) rule[c] = std::string(width[c], '-');
  out += line(rule);
  for (size_t r = 1; r < rows.size(); ++r) out += line(rows[r]);
  return out;
}

std::string Graph::to_dot() const {
  auto escape = [](const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  };
  const OpNamer op_name;
  std::string out = "digraph \"graph\" {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n";
  for (const auto& n : nodes_) {
    std::string label = n->name;
    std::string style;
    switch (n->opcode) {
      case Opcode::Placeholder:
        label += "\\nplaceholder\\n" + escape(meta_str(*n));
        style = ", shape=ellipse";
        break;
      case Opcode::GetAttr:
        label += std::string(n->folded ? "\\nconstant\\n" : "\\nget_attr\\n") + escape(meta_str(*n));
        style = ", shape=ellipse, style=dashed";
        break;
      case Opcode::CallOp:
        label += "\\n" + escape(n->op != nullptr ? op_name(*n->op) : "<no op>") + "\\n" + escape(node_meta_str(*this, *n));
        break;
      case Opcode::Output: style = ", shape=doubleoctagon"; break;
    }
    out += fmt::format("  \"{}\" [label=\"{}\"{}];\n", escape(n->name), label, style);
  }
  for (const auto& n : nodes_) {
    for (size_t i = 0; i < n->inputs.size(); ++i) {
      const Value& v = n->inputs[i];
      const bool sequence = v.node->outputs.size() != 1;
      out += fmt::format("  \"{}\" -> \"{}\"{};\n", escape(v.node->name), escape(n->name),
                         sequence ? fmt::format(" [label=\"{}\"]", v.index) : "");
    }
  }
  return out + "}\n";
}

void Graph::lint() const {
  const auto outputs = std::count_if(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->opcode == Opcode::Output; });
  EMBER_CHECK(outputs > 0, "[jit::Graph::lint] the graph has no output node; finish it with output()");
  EMBER_CHECK(outputs == 1, "[jit::Graph::lint] the graph has {} output nodes; it must have exactly one", outputs);
  std::unordered_map<const Node*, size_t> position;
  std::unordered_set<std::string> names;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node* n = nodes_[i].get();
    EMBER_CHECK(!n->name.empty(), "[jit::Graph::lint] node {} has an empty name; every node needs a unique name", i);
    EMBER_CHECK(names.insert(n->name).second,
                "[jit::Graph::lint] node '{}': the name is used by another node; names must be unique", n->name);
    position.emplace(n, i);
  }

  int placeholders = 0;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const Node& n = *nodes_[i];
    const char* what = opcode_name(n.opcode);
    // Inputs: defined earlier in the graph, and listing this node among their users.
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const Value& v = n.inputs[k];
      EMBER_CHECK(v.node != nullptr, "[jit::Graph::lint] node '{}': input {} reads no node", n.name, k);
      auto it = position.find(v.node);
      EMBER_CHECK(it != position.end(), "[jit::Graph::lint] node '{}': input {} reads a node that is not in the graph",
                  n.name, k);
      EMBER_CHECK(it->second < i,
                  "[jit::Graph::lint] node '{}': input {} reads '{}', which is not defined before it; nodes must "
                  "come after their inputs",
                  n.name, k, v.node->name);
      EMBER_CHECK(v.node->opcode != Opcode::Output,
                  "[jit::Graph::lint] node '{}': input {} reads the output node '{}'", n.name, k, v.node->name);
      EMBER_CHECK(v.index < v.node->outputs.size(),
                  "[jit::Graph::lint] node '{}': input {} reads output {} of '{}', which has {} output(s)", n.name, k,
                  v.index, v.node->name, v.node->outputs.size());
      EMBER_CHECK(std::count(v.node->users.begin(), v.node->users.end(), &n) == 1,
                  "[jit::Graph::lint] node '{}' reads '{}' but is not listed once in its users", n.name, v.node->name);
    }
    // Users: each one in the graph and reading this node.
    for (const Node* u : n.users) {
      EMBER_CHECK(position.count(u) == 1, "[jit::Graph::lint] node '{}' lists a user that is not in the graph", n.name);
      EMBER_CHECK(std::any_of(u->inputs.begin(), u->inputs.end(), [&](const Value& v) { return v.node == &n; }),
                  "[jit::Graph::lint] node '{}' lists '{}' as a user, but '{}' does not read it", n.name, u->name,
                  u->name);
      EMBER_CHECK(std::count(n.users.begin(), n.users.end(), u) == 1,
                  "[jit::Graph::lint] node '{}' lists user '{}' more than once", n.name, u->name);
    }
    switch (n.opcode) {
      case Opcode::Placeholder:
        EMBER_CHECK(n.inputs.empty() && n.outputs.size() == 1,
                    "[jit::Graph::lint] {} '{}' must have no inputs and one output meta", what, n.name);
        EMBER_CHECK(n.input_index == placeholders,
                    "[jit::Graph::lint] placeholder '{}' has input_index {}, expected {}: placeholders are numbered "
                    "0, 1, ... in graph order",
                    n.name, n.input_index, placeholders);
        ++placeholders;
        break;
      case Opcode::GetAttr:
        EMBER_CHECK(n.inputs.empty() && n.outputs.size() == 1,
                    "[jit::Graph::lint] {} '{}' must have no inputs and one output meta", what, n.name);
        EMBER_CHECK(n.constant.defined(), "[jit::Graph::lint] get_attr '{}' holds no tensor", n.name);
        break;
      case Opcode::Output:
        EMBER_CHECK(i + 1 == nodes_.size(),
                    "[jit::Graph::lint] the output node '{}' is not the last node; nothing may follow it", n.name);
        break;
      case Opcode::CallOp: {
        EMBER_CHECK(n.op != nullptr, "[jit::Graph::lint] call_op '{}' has no op", n.name);
        const OpDef& op = *n.op;
        EMBER_CHECK(!n.outputs.empty() || returns_sequence(op),
                    "[jit::Graph::lint] call_op '{}' ({}) records no output meta", n.name, op.name);
        const TensorArity arity = tensor_arity(op);
        const int count = int(n.inputs.size());
        EMBER_CHECK(count >= arity.min && (arity.max < 0 || count <= arity.max),
                    "[jit::Graph::lint] call_op '{}': {} takes {} to {} tensor inputs, but the node has {}", n.name,
                    op.name, arity.min, arity.max < 0 ? std::string("any number of") : std::to_string(arity.max),
                    count);
        const size_t schema_attrs = attr_names(op).size();
        EMBER_CHECK(n.attrs.size() >= schema_attrs,
                    "[jit::Graph::lint] call_op '{}': {} takes {} attrs, but the node has {}", n.name, op.name,
                    schema_attrs, n.attrs.size());
        for (const SymbolicAttr& s : n.symbolic_attrs) {
          EMBER_CHECK(s.attr < n.attrs.size() && size_t(s.symbol) < symbols_.size() && s.symbol >= 0,
                      "[jit::Graph::lint] call_op '{}': a symbolic attr refers to attr {} and symbol {}, which do not "
                      "exist",
                      n.name, s.attr, s.symbol);
        }
        // The op's meta, run on fake tensors of the recorded input metas, must accept them and
        // give the recorded outputs. Opaque ops may size their outputs from input values
        // (nonzero), so only their arity is checked.
        if (op.fusion == FusionClass::Opaque || op.meta == nullptr) break;
        std::vector<TensorMeta> input_metas;
        for (const Value& v : n.inputs) input_metas.push_back(v.node->outputs[v.index]);
        std::vector<int64_t> hints;
        for (const Symbol& s : symbols_) hints.push_back(s.hint);
        MetaOutputs expected;
        try {
          expected = infer_metas(op, input_metas, n.symbolic_attrs.empty() ? n.attrs : evaluate_attrs(n, hints));
        } catch (const Error& e) {
          EMBER_FAIL("[jit::Graph::lint] call_op '{}': the meta of {} rejects the recorded inputs: {}", n.name,
                     op.name, e.what());
        }
        EMBER_CHECK(expected.size() == n.outputs.size(),
                    "[jit::Graph::lint] call_op '{}': {} gives {} output(s), but the node records {}", n.name, op.name,
                    expected.size(), n.outputs.size());
        // An in-place op's result is its target: the target's dtype, whatever the meta computes in.
        if (op.kind == OpKind::InPlace) expected[0].dtype = input_metas[0].dtype;
        for (size_t k = 0; k < expected.size(); ++k) {
          const TensorMeta& got = n.outputs[k];
          EMBER_CHECK(IntArrayRef(got.sizes) == IntArrayRef(expected[k].sizes) && got.dtype == expected[k].dtype,
                      "[jit::Graph::lint] call_op '{}': output {} is recorded as {}{}, but {}'s meta gives {}{}",
                      n.name, k, short_dtype_name(got.dtype), detail::shape_str(got.sizes), op.name,
                      short_dtype_name(expected[k].dtype), detail::shape_str(expected[k].sizes));
        }
        break;
      }
    }
    for (const auto& per_output : n.output_symbols)
      for (int s : per_output)
        EMBER_CHECK(s < int(symbols_.size()), "[jit::Graph::lint] node '{}' has a dim equal to symbol {}, which does not exist",
                    n.name, s);
  }
}

std::ostream& operator<<(std::ostream& os, const Graph& graph) { return os << graph.print(); }

}  // namespace ember::jit
