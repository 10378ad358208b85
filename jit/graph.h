// The JIT's graph IR: FX-like ordered nodes (placeholder, get_attr, call_op, output) with tensor meta.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

#include "eager/op_registry.h"

namespace ember::jit {

enum class Opcode : uint8_t {
  Placeholder,  // a tensor argument of the compiled function (or a value from an earlier segment)
  GetAttr,      // a tensor the function reached by closure (parameter, buffer, constant), held by identity
  CallOp,       // one registry op
  Output,       // the results, in order
};
const char* opcode_name(Opcode opcode);

struct Node;

// Output `index` of `node`. Ops with several outputs (sort, unbind, split) are one node.
struct Value {
  Node* node = nullptr;
  uint32_t index = 0;
  friend bool operator==(const Value& a, const Value& b) { return a.node == b.node && a.index == b.index; }
};

// A size that varies between calls (a dynamic dim): one symbol per dynamic input dim,
// named s0, s1, ... and bound at run time from the input's size.
struct Symbol {
  std::string name;   // "s0"
  int input = 0;      // index of the placeholder (in Graph::placeholders()) whose size it is
  int dim = 0;
  int64_t hint = 0;   // the size seen when tracing
};

// An attr (or one element of a DimVector attr) recomputed from a symbol at run time:
// Affine: coefficient * s + offset (view sizes, reshape(B * T, C), x.size(0) - 1);
// Reciprocal: coefficient / s (a mean written as x.sum() * (1.0 / x.size(0))).
struct SymbolicAttr {
  enum class Form : uint8_t { Affine, Reciprocal };
  uint32_t attr = 0;
  int32_t element = -1;  // index into a DimVector attr; -1 for an int64/double/Scalar attr
  Form form = Form::Affine;
  int symbol = 0;
  double coefficient = 1;
  int64_t offset = 0;
};

struct Node {
  Opcode opcode = Opcode::CallOp;
  std::string name;                    // unique in the graph, readable: x, linear, relu_1
  const OpDef* op = nullptr;           // CallOp
  std::vector<Value> inputs;           // CallOp: tensor inputs in OpCall order; Output: the results
  SmallVector<Attr, 4> attrs;          // CallOp: attributes in OpCall order
  std::vector<SymbolicAttr> symbolic_attrs;
  std::vector<TensorMeta> outputs;     // meta of each output (one for placeholder/get_attr)
  // Per output, per dim: the symbol that dim equals, or -1 when static (empty: all static).
  std::vector<std::vector<int>> output_symbols;
  std::vector<Node*> users;            // CallOp/Output nodes reading any output, once each
  Tensor constant;                     // GetAttr: the tensor itself
  bool folded = false;                 // GetAttr: a value computed at compile time (not the user's tensor)
  int input_index = -1;                // Placeholder: position in the graph's input list
  std::string source;                  // the user's source location, where known ("model.cpp:42")
  bool grad_enabled = true;            // CallOp: grad mode when traced (the function may switch it inside)
  bool requires_grad = false;          // Placeholder/GetAttr: the traced tensor required grad

  bool is_view() const { return op != nullptr && op->kind == OpKind::View; }
  bool is_inplace() const { return op != nullptr && op->kind == OpKind::InPlace; }
  Value out(uint32_t i = 0) { return Value{this, i}; }
  const TensorMeta& meta(uint32_t i = 0) const { return outputs[i]; }
};

class Graph {
 public:
  Graph() = default;
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;
  Graph(Graph&&) = default;
  Graph& operator=(Graph&&) = default;
  // A deep copy: same nodes, names, attrs and symbols (get_attr tensors are shared, not copied).
  Graph clone() const;

  // Builders append at the end (or before `insert_point()` when one is set). Names are made
  // unique by suffixing _1, _2, ... as FX does.
  Node* placeholder(const std::string& name, const TensorMeta& meta);
  Node* get_attr(const std::string& name, const Tensor& tensor);
  Node* call(const OpDef& op, std::vector<Value> inputs, SmallVector<Attr, 4> attrs, std::vector<TensorMeta> outputs);
  Node* output(std::vector<Value> results);

  // New nodes go before `node` until reset with nullptr (passes that rewrite in place).
  void set_insert_point(Node* node) { insert_point_ = node; }
  Node* insert_point() const { return insert_point_; }

  // Every use of `from` now reads `to`.
  void replace_all_uses(Value from, Value to);
  // Removes a node nobody uses (fails otherwise).
  void erase(Node* node);
  // Recomputes users from inputs (after a pass edits inputs directly).
  void rebuild_users();

  const std::vector<std::unique_ptr<Node>>& nodes() const { return nodes_; }
  std::vector<Node*> placeholders() const;
  Node* output_node() const;  // nullptr before output()
  size_t size() const { return nodes_.size(); }
  int64_t call_count() const;  // CallOp nodes

  std::vector<Symbol>& symbols() { return symbols_; }
  const std::vector<Symbol>& symbols() const { return symbols_; }

  // Readable code with shapes and dtypes:
  //   graph(x: f32[32, 784], fc1_weight: f32[256, 784]):
  //       linear: f32[32, 256] = linear(x, fc1_weight, fc1_bias)
  //       return (linear,)
  std::string print() const;
  // One row per node: opcode, name, target, args, meta (FX's print_tabular).
  std::string print_tabular() const;
  // Graphviz source.
  std::string to_dot() const;
  // Checks invariants (unique names, inputs defined before use, users consistent, one output
  // node last, op arity); raises an ember::Error naming the first broken one.
  void lint() const;
  // A structural hash: ops, wiring, attrs and meta (not names).
  uint64_t structural_hash() const;

  // The printed form of a meta, with symbols where dims are dynamic: f32[s0, 256].
  std::string meta_str(const Node& node, uint32_t output = 0) const;

 private:
  Node* append(std::unique_ptr<Node> node);
  std::string unique_name(const std::string& base);

  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Symbol> symbols_;
  std::vector<std::string> used_names_;
  Node* insert_point_ = nullptr;
};

std::ostream& operator<<(std::ostream& os, const Graph& graph);

// Short dtype names used in printed graphs: f32, f64, i64, b8, ...
const char* short_dtype_name(ScalarType dtype);
// The base name for a node calling `op`: "add.Tensor" -> "add".
std::string op_base_name(const OpDef& op);

// Runs the graph with eager ops (the "eager" backend and the reference for every other one):
// inputs in placeholder order, symbol values in symbols() order; returns the output node's values.
std::vector<Tensor> interpret(const Graph& graph, ArrayRef<Tensor> inputs, ArrayRef<int64_t> symbol_values = {});

// The attrs of `node` with its symbolic attrs evaluated at `symbol_values`.
SmallVector<Attr, 4> evaluate_attrs(const Node& node, ArrayRef<int64_t> symbol_values);

}  // namespace ember::jit
