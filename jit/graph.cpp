// Graph construction, editing and the eager interpreter (the "eager" backend).
#include "jit/graph.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <unordered_map>

#include "kernels/check.h"

namespace ember::jit {

const char* opcode_name(Opcode opcode) {
  switch (opcode) {
    case Opcode::Placeholder: return "placeholder";
    case Opcode::GetAttr: return "get_attr";
    case Opcode::CallOp: return "call_op";
    case Opcode::Output: return "output";
  }
  return "?";
}

std::string op_base_name(const OpDef& op) {
  const std::string_view name = op.name;
  return std::string(name.substr(0, name.find('.')));
}

std::string Graph::unique_name(const std::string& base) {
  std::string name;
  for (char c : base) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "_" + name;
  const std::string stem = name;
  for (int k = 1; std::find(used_names_.begin(), used_names_.end(), name) != used_names_.end(); ++k)
    name = stem + "_" + std::to_string(k);
  used_names_.push_back(name);
  return name;
}

Node* Graph::append(std::unique_ptr<Node> node) {
  Node* raw = node.get();
  for (const Value& v : raw->inputs) {
    EMBER_CHECK(v.node != nullptr, "[jit::Graph] node '{}' reads an undefined value", raw->name);
    if (std::find(v.node->users.begin(), v.node->users.end(), raw) == v.node->users.end()) v.node->users.push_back(raw);
  }
  if (insert_point_ != nullptr) {
    auto it = std::find_if(nodes_.begin(), nodes_.end(), [&](const auto& n) { return n.get() == insert_point_; });
    nodes_.insert(it, std::move(node));
  } else {
    nodes_.push_back(std::move(node));
  }
  return raw;
}

Node* Graph::placeholder(const std::string& name, const TensorMeta& meta) {
  auto node = std::make_unique<Node>();
  node->opcode = Opcode::Placeholder;
  node->name = unique_name(name);
  node->outputs = {meta};
  node->input_index = int(placeholders().size());
  return append(std::move(node));
}

Node* Graph::get_attr(const std::string& name, const Tensor& tensor) {
  auto node = std::make_unique<Node>();
  node->opcode = Opcode::GetAttr;
  node->name = unique_name(name);
  node->outputs = {TensorMeta{DimVector(tensor.sizes()), DimVector(tensor.strides()), tensor.storage_offset(),
                              tensor.dtype(), tensor.device()}};
  node->constant = tensor;
  return append(std::move(node));
}

Node* Graph::call(const OpDef& op, std::vector<Value> inputs, SmallVector<Attr, 4> attrs,
                  std::vector<TensorMeta> outputs) {
  auto node = std::make_unique<Node>();
  node->opcode = Opcode::CallOp;
  node->name = unique_name(op_base_name(op));
  node->op = &op;
  node->inputs = std::move(inputs);
  node->attrs = std::move(attrs);
  node->outputs = std::move(outputs);
  return append(std::move(node));
}

Node* Graph::output(std::vector<Value> results) {
  EMBER_CHECK(output_node() == nullptr, "[jit::Graph] the graph already has an output node");
  auto node = std::make_unique<Node>();
  node->opcode = Opcode::Output;
  node->name = unique_name("output");
  node->inputs = std::move(results);
  Node* saved = insert_point_;
  insert_point_ = nullptr;
  Node* raw = append(std::move(node));
  insert_point_ = saved;
  return raw;
}

std::vector<Node*> Graph::placeholders() const {
  std::vector<Node*> result;
  for (const auto& n : nodes_)
    if (n->opcode == Opcode::Placeholder) result.push_back(n.get());
  return result;
}

Node* Graph::output_node() const {
  return !nodes_.empty() && nodes_.back()->opcode == Opcode::Output ? nodes_.back().get() : nullptr;
}

int64_t Graph::call_count() const {
  return std::count_if(nodes_.begin(), nodes_.end(), [](const auto& n) { return n->opcode == Opcode::CallOp; });
}

void Graph::replace_all_uses(Value from, Value to) {
  if (from == to) return;
  std::vector<Node*> users = from.node->users;
  for (Node* user : users) {
    bool still_uses_from = false;
    for (Value& v : user->inputs) {
      if (v == from) v = to;
      else if (v.node == from.node) still_uses_from = true;
    }
    if (!still_uses_from) std::erase(from.node->users, user);
    if (std::find(to.node->users.begin(), to.node->users.end(), user) == to.node->users.end()) to.node->users.push_back(user);
  }
}

void Graph::erase(Node* node) {
  EMBER_CHECK(node->users.empty(), "[jit::Graph] cannot erase '{}': it still has {} user(s)", node->name,
              node->users.size());
  for (const Value& v : node->inputs) std::erase(v.node->users, node);
  if (insert_point_ == node) insert_point_ = nullptr;
  std::erase(used_names_, node->name);
  std::erase_if(nodes_, [&](const auto& n) { return n.get() == node; });
}

Graph Graph::clone() const {
  Graph copy;
  copy.symbols_ = symbols_;
  copy.used_names_ = used_names_;
  std::unordered_map<const Node*, Node*> mapped;
  for (const auto& n : nodes_) {
    auto node = std::make_unique<Node>(*n);
    node->users.clear();
    for (Value& v : node->inputs) v.node = mapped.at(v.node);
    mapped[n.get()] = node.get();
    copy.nodes_.push_back(std::move(node));
  }
  copy.rebuild_users();
  return copy;
}

void Graph::rebuild_users() {
  for (const auto& n : nodes_) n->users.clear();
  for (const auto& n : nodes_)
    for (const Value& v : n->inputs)
      if (std::find(v.node->users.begin(), v.node->users.end(), n.get()) == v.node->users.end())
        v.node->users.push_back(n.get());
}

namespace {

uint64_t mix(uint64_t h, uint64_t v) { return (h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2))) * 0x100000001b3ULL; }

uint64_t hash_attr(const Attr& a) {
  uint64_t h = a.index();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, int64_t>) h = mix(h, uint64_t(v));
        else if constexpr (std::is_same_v<T, double>) h = mix(h, std::hash<double>{}(v));
        else if constexpr (std::is_same_v<T, Scalar>) h = mix(mix(h, uint64_t(v.kind())), std::hash<double>{}(v.toDouble()));
        else if constexpr (std::is_same_v<T, DimVector>) for (int64_t x : v) h = mix(h, uint64_t(x));
        else if constexpr (std::is_same_v<T, ScalarType>) h = mix(h, uint64_t(v));
        else if constexpr (std::is_same_v<T, std::string>) h = mix(h, std::hash<std::string>{}(v));
        else if constexpr (std::is_same_v<T, Generator>) h = mix(h, 0x6e6);
        else if constexpr (std::is_same_v<T, Device>) h = mix(mix(h, uint64_t(v.type())), uint64_t(int64_t(v.index()) + 1));
      },
      a);
  return h;
}

}  // namespace

uint64_t Graph::structural_hash() const {
  std::vector<const Node*> order;
  std::unordered_map<const Node*, uint64_t> index;
  for (const auto& n : nodes_) {
    index.emplace(n.get(), order.size());
    order.push_back(n.get());
  }
  auto position = [&](const Node* n) { return index.at(n); };
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const Node* n : order) {
    h = mix(h, uint64_t(n->opcode));
    if (n->op != nullptr) h = mix(h, std::hash<std::string_view>{}(n->op->name));
    for (const Value& v : n->inputs) h = mix(mix(h, position(v.node)), v.index);
    for (const Attr& a : n->attrs) h = mix(h, hash_attr(a));
    for (const TensorMeta& m : n->outputs) {
      h = mix(h, uint64_t(m.dtype));
      for (int64_t s : m.sizes) h = mix(h, uint64_t(s));
    }
    for (const SymbolicAttr& s : n->symbolic_attrs) {
      h = mix(mix(mix(mix(h, s.attr), uint64_t(s.element + 1)), uint64_t(s.symbol)), uint64_t(s.form));
      h = mix(mix(h, std::hash<double>{}(s.coefficient)), uint64_t(s.offset));
    }
    for (const auto& per_output : n->output_symbols)
      for (int s : per_output) h = mix(h, uint64_t(s + 1));
    if (n->opcode == Opcode::GetAttr) h = mix(h, uint64_t(reinterpret_cast<uintptr_t>(n->constant.unsafeGetTensorImpl())));
  }
  return h;
}

SmallVector<Attr, 4> evaluate_attrs(const Node& node, ArrayRef<int64_t> symbol_values) {
  SmallVector<Attr, 4> attrs = node.attrs;
  for (const SymbolicAttr& s : node.symbolic_attrs) {
    const double sym = double(symbol_values[size_t(s.symbol)]);
    const double value = s.form == SymbolicAttr::Form::Affine ? s.coefficient * sym + double(s.offset) : s.coefficient / sym;
    Attr& a = attrs[s.attr];
    if (auto* dims = std::get_if<DimVector>(&a)) (*dims)[size_t(s.element)] = int64_t(std::llround(value));
    else if (std::holds_alternative<int64_t>(a)) a = int64_t(std::llround(value));
    else if (std::holds_alternative<double>(a)) a = value;
    else if (auto* sc = std::get_if<Scalar>(&a)) a = sc->isFloatingPoint() ? Scalar(value) : Scalar(int64_t(std::llround(value)));
  }
  return attrs;
}

std::vector<Tensor> interpret(const Graph& graph, ArrayRef<Tensor> inputs, ArrayRef<int64_t> symbol_values) {
  // Values live in a per-node slot; a slot is released after its last user runs.
  std::vector<const Node*> order;
  order.reserve(graph.size());
  for (const auto& n : graph.nodes()) order.push_back(n.get());
  std::unordered_map<const Node*, size_t> index;
  for (size_t i = 0; i < order.size(); ++i) index.emplace(order[i], i);
  std::vector<std::vector<Tensor>> slots(order.size());
  auto slot_of = [&](const Node* n) -> std::vector<Tensor>& { return slots[index.at(n)]; };
  std::vector<Tensor> results;
  for (size_t i = 0; i < order.size(); ++i) {
    const Node& node = *order[i];
    switch (node.opcode) {
      case Opcode::Placeholder:
        EMBER_CHECK(size_t(node.input_index) < inputs.size(),
                    "[jit::interpret] the graph expects input '{}' at position {}, but only {} inputs were given",
                    node.name, node.input_index, inputs.size());
        slots[i] = {inputs[size_t(node.input_index)]};
        break;
      case Opcode::GetAttr: slots[i] = {node.constant}; break;
      case Opcode::CallOp: {
        OpCall call;
        for (const Value& v : node.inputs) call.inputs.push_back(slot_of(v.node)[v.index]);
        call.attrs = node.symbolic_attrs.empty() ? node.attrs : evaluate_attrs(node, symbol_values);
        Outputs out = dispatch(*node.op, call);
        slots[i].assign(out.begin(), out.end());
        break;
      }
      case Opcode::Output:
        for (const Value& v : node.inputs) results.push_back(slot_of(v.node)[v.index]);
        break;
    }
  }
  return results;
}

}  // namespace ember::jit
