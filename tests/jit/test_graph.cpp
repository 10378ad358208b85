// The graph IR's printed forms (code, table, Graphviz), lint() and the structural hash.
#include <doctest/doctest.h>

#include <sstream>

#include "helpers.h"
#include "jit/builder.h"

using namespace ember;
using namespace ember::test;
using jit::Value;

namespace {

// linear -> relu -> sort, with a multi-output node read as sort[0].
void build_mlp(GraphBuilder& b) {
  const Value x = b.input("x", {2, 3});
  const Value w = b.input("fc1_weight", {4, 3});
  const Value bias = b.input("fc1_bias", {4});
  const Value linear = b.value("linear", {x, w, bias});
  const Value relu = b.value("relu", {linear});
  jit::Node* sort = b.call("sort.stable", {relu}, {std::monostate{}, int64_t(-1), false});
  const Value add = b.value("add.Tensor", {sort->out(0), relu}, tensor_form());
  b.g.output({relu, add});
}

}  // namespace

TEST_CASE("print writes the graph as code with metas, schema attr names and tuple outputs") {
  GraphBuilder b;
  build_mlp(b);
  CHECK(b.g.print() ==
        "graph(x: f32[2, 3], fc1_weight: f32[4, 3], fc1_bias: f32[4]):\n"
        "    linear: f32[2, 4] = linear(x, fc1_weight, fc1_bias)\n"
        "    relu: f32[2, 4] = relu(linear)\n"
        "    sort: (f32[2, 4], i64[2, 4]) = sort(relu, dim=-1, descending=False)\n"
        "    add: f32[2, 4] = add.Tensor(sort[0], relu, alpha=1)\n"
        "    return (relu, add)\n");
}

TEST_CASE("print names the overload only when another op shares the base name") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value m = b.value("max", {x}, {std::monostate{}, false, std::monostate{}});
  jit::Node* md = b.call("max.dim", {x}, {int64_t(0), true});
  const Value e = b.value("exp", {x});
  b.g.output({m, md->out(1), e});
  CHECK(b.g.print() ==
        "graph(x: f32[3]):\n"
        "    max: f32[] = max(x, False)\n"
        "    max_1: (f32[1], i64[1]) = max.dim(x, dim=0, keepdim=True)\n"
        "    exp: f32[3] = exp(x)\n"
        "    return (max, max_1[1], exp)\n");
}

TEST_CASE("print writes attrs as Python values and leaves out optional attrs that are None") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.input("y", {2, 3});
  jit::Node* to = b.call("_to_copy", {x}, {kDouble});
  to->source = "model.cpp:42";
  const Value sum = b.value("sum.dim_IntList", {x}, {DimVector{1}, true, std::monostate{}});
  const Value div = b.value("div.Tensor", {x, y}, {Scalar(1), std::string("floor")});
  const Value clamp = b.value("clamp", {x}, {std::monostate{}, Scalar(0.5)});
  const Value leaky = b.value("leaky_relu", {x}, {Scalar(0.01)});
  jit::Node* drop = b.call("native_dropout", {x}, {0.25, true, Generator(7)});
  const Value cat = b.value("cat", {x, y}, {int64_t(0)});
  b.g.output({to->out(), sum, div, clamp, leaky, drop->out(0), cat});
  CHECK(b.g.print() ==
        "graph(x: f32[2, 3], y: f32[2, 3]):\n"
        "    _to_copy: f64[2, 3] = _to_copy(x, dtype=torch.float64)  # model.cpp:42\n"
        "    sum: f32[2, 1] = sum(x, dim=[1], keepdim=True)\n"
        "    div: f32[2, 3] = div.Tensor(x, y, alpha=1, rounding_mode='floor')\n"
        "    clamp: f32[2, 3] = clamp(x, max=0.5)\n"
        "    leaky_relu: f32[2, 3] = leaky_relu(x, negative_slope=0.01)\n"
        "    native_dropout: (f32[2, 3], b8[2, 3]) = native_dropout(x, p=0.25, train=True, generator=generator)\n"
        "    cat: f32[4, 3] = cat([x, y], dim=0)\n"
        "    return (_to_copy, sum, div, clamp, leaky_relu, native_dropout[0], cat)\n");
}

TEST_CASE("print writes dynamic dims and symbolic attrs with their symbols") {
  GraphBuilder b;
  b.g.symbols().push_back({"s0", 0, 0, 8});
  jit::Node* x = b.g.placeholder("x", contiguous_meta({8, 3}));
  x->output_symbols = {{0, -1}};
  jit::Node* view = b.call("view", {x->out()}, {DimVector{8, 3, 1}});
  view->symbolic_attrs.push_back({0, 0, jit::SymbolicAttr::Form::Affine, 0, 1.0, 0});
  view->output_symbols = {{0, -1, -1}};
  jit::Node* narrow = b.call("slice.Tensor", {x->out()}, {int64_t(0), int64_t(0), int64_t(7), int64_t(1)});
  narrow->symbolic_attrs.push_back({2, -1, jit::SymbolicAttr::Form::Affine, 0, 1.0, -1});
  jit::Node* mean = b.call("mul.Scalar", {x->out()}, scalar_form(0.125));
  mean->symbolic_attrs.push_back({0, -1, jit::SymbolicAttr::Form::Reciprocal, 0, 1.0, 0});
  mean->output_symbols = {{0, -1}};
  b.g.output({view->out(), narrow->out(), mean->out()});
  CHECK(b.g.meta_str(*x) == "f32[s0, 3]");
  CHECK(b.g.print() ==
        "graph(x: f32[s0, 3]):\n"
        "    view: f32[s0, 3, 1] = view(x, size=[s0, 3, 1])\n"
        "    slice: f32[7, 3] = slice(x, dim=0, start=0, end=s0 - 1, step=1)\n"
        "    mul: f32[s0, 3] = mul.Scalar(x, other=1/s0, alpha=1, reverse=False)\n"
        "    return (view, slice, mul)\n");
}

TEST_CASE("print shows the user's get_attr tensors and small folded constants") {
  GraphBuilder b;
  const Value x = b.input("x", {2});
  jit::Node* w = b.g.get_attr("weight", ones({2}));
  jit::Node* c = b.constant("_tensor_constant", test::make({1.5, -2}, {2}));
  jit::Node* i = b.constant("_tensor_constant", full({}, 3, TensorOptions(kLong)));
  const Value m = b.value("mul.Tensor", {x, w->out()}, tensor_form());
  const Value a = b.value("add.Tensor", {m, c->out()}, tensor_form());
  const Value s = b.value("sub.Tensor", {a, i->out()}, tensor_form());
  b.g.output({s});
  CHECK(b.g.print() ==
        "graph(x: f32[2]):\n"
        "    weight: f32[2] = get_attr(weight)\n"
        "    _tensor_constant: f32[2] = constant([1.5, -2.0])\n"
        "    _tensor_constant_1: i64[] = constant(3)\n"
        "    mul: f32[2] = mul.Tensor(x, weight, alpha=1)\n"
        "    add: f32[2] = add.Tensor(mul, _tensor_constant, alpha=1)\n"
        "    sub: f32[2] = sub.Tensor(add, _tensor_constant_1, alpha=1)\n"
        "    return (sub,)\n");
}

TEST_CASE("short_dtype_name covers every dtype") {
  CHECK(std::string(jit::short_dtype_name(kBool)) == "b8");
  CHECK(std::string(jit::short_dtype_name(kUInt8)) == "u8");
  CHECK(std::string(jit::short_dtype_name(kInt8)) == "i8");
  CHECK(std::string(jit::short_dtype_name(kInt16)) == "i16");
  CHECK(std::string(jit::short_dtype_name(kInt32)) == "i32");
  CHECK(std::string(jit::short_dtype_name(kInt64)) == "i64");
  CHECK(std::string(jit::short_dtype_name(kHalf)) == "f16");
  CHECK(std::string(jit::short_dtype_name(kBFloat16)) == "bf16");
  CHECK(std::string(jit::short_dtype_name(kFloat)) == "f32");
  CHECK(std::string(jit::short_dtype_name(kDouble)) == "f64");
}

TEST_CASE("operator<< writes print()") {
  GraphBuilder b;
  build_mlp(b);
  std::ostringstream os;
  os << b.g;
  CHECK(os.str() == b.g.print());
}

TEST_CASE("print_tabular has a header, a rule and one row per node with every attr") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.input("y", {3});
  const Value add = b.value("add.Tensor", {x, y}, tensor_form(2));
  b.g.output({add});
  CHECK(b.g.print_tabular() ==
        "opcode       name    target      args                                 meta\n"
        "-----------  ------  ----------  -----------------------------------  ---------\n"
        "placeholder  x       x           ()                                   f32[2, 3]\n"
        "placeholder  y       y           ()                                   f32[3]\n"
        "call_op      add     add.Tensor  (x, y, alpha=2, rounding_mode=None)  f32[2, 3]\n"
        "output       output  output      ((add,),)\n");
}

TEST_CASE("to_dot is Graphviz source with one node per graph node and one edge per input") {
  GraphBuilder b;
  build_mlp(b);
  const std::string dot = b.g.to_dot();
  CHECK(dot.rfind("digraph \"graph\" {\n", 0) == 0);
  CHECK(dot.substr(dot.size() - 2) == "}\n");
  CHECK(contains(dot, "  \"x\" [label=\"x\\nplaceholder\\nf32[2, 3]\", shape=ellipse];\n"));
  CHECK(contains(dot, "  \"sort\" [label=\"sort\\nsort\\n(f32[2, 4], i64[2, 4])\"];\n"));
  CHECK(contains(dot, "  \"x\" -> \"linear\";\n"));
  CHECK(contains(dot, "  \"sort\" -> \"add\" [label=\"0\"];\n"));
  CHECK(contains(dot, "  \"add\" -> \"output\";\n"));
  // One statement per node and per edge: 8 nodes, 9 edges.
  size_t arrows = 0, labels = 0;
  for (size_t p = dot.find("->"); p != std::string::npos; p = dot.find("->", p + 1)) ++arrows;
  for (size_t p = dot.find(" [label="); p != std::string::npos; p = dot.find(" [label=", p + 1)) ++labels;
  CHECK(arrows == 9);
  CHECK(labels == 8 + 1);  // the node statements, and the edge from the multi-output sort
}

// ---- lint ----

namespace {

void check_lint_fails(const jit::Graph& g, const std::string& message) {
  try {
    g.lint();
    FAIL("lint accepted a broken graph; expected: " << message);
  } catch (const Error& e) {
    INFO("message: " << std::string(e.what()));
    CHECK(contains(e.what(), message));
  }
}

}  // namespace

TEST_CASE("lint accepts a well-formed graph") {
  GraphBuilder b;
  build_mlp(b);
  CHECK_NOTHROW(b.g.lint());
  CHECK(b.g.size() == 8);
}

TEST_CASE("lint rejects two nodes with the same name") {
  GraphBuilder b;
  build_mlp(b);
  b.g.nodes()[4]->name = "linear";
  check_lint_fails(b.g, "node 'linear': the name is used by another node");
}

TEST_CASE("lint rejects an input defined after its use") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  jit::Node* relu = b.call("relu", {x});
  jit::Node* exp = b.call("exp", {relu->out()});
  b.g.output({exp->out()});
  relu->inputs[0] = exp->out();
  b.g.rebuild_users();
  check_lint_fails(b.g, "node 'relu': input 0 reads 'exp', which is not defined before it");
}

TEST_CASE("lint rejects a users list that misses a reader") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  jit::Node* relu = b.call("relu", {x});
  b.g.output({relu->out()});
  x.node->users.clear();
  check_lint_fails(b.g, "node 'relu' reads 'x' but is not listed once in its users");
}

TEST_CASE("lint rejects a users list naming a node that does not read it") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value y = b.input("y", {3});
  jit::Node* relu = b.call("relu", {x});
  b.g.output({relu->out()});
  y.node->users.push_back(relu);
  check_lint_fails(b.g, "node 'y' lists 'relu' as a user, but 'relu' does not read it");
}

TEST_CASE("lint rejects a graph without an output node") {
  GraphBuilder b;
  b.call("relu", {b.input("x", {3})});
  check_lint_fails(b.g, "the graph has no output node");
}

TEST_CASE("lint rejects an output node that is not last") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  b.g.output({x});
  b.call("relu", {x});
  check_lint_fails(b.g, "the output node 'output' is not the last node");
}

TEST_CASE("lint rejects two output nodes") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  b.g.output({x});
  b.call("relu", {x});
  b.g.output({x});
  check_lint_fails(b.g, "the graph has 2 output nodes; it must have exactly one");
}

TEST_CASE("lint rejects placeholders numbered out of order") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value y = b.input("y", {3});
  b.g.output({b.value("add.Tensor", {x, y}, tensor_form())});
  y.node->input_index = 5;
  check_lint_fails(b.g, "placeholder 'y' has input_index 5, expected 1");
}

TEST_CASE("lint rejects a call_op without an op") {
  GraphBuilder b;
  jit::Node* relu = b.call("relu", {b.input("x", {3})});
  b.g.output({relu->out()});
  relu->op = nullptr;
  check_lint_fails(b.g, "call_op 'relu' has no op");
}

TEST_CASE("lint rejects a call_op with too few inputs for its op") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  jit::Node* add = b.call("add.Tensor", {x, b.input("y", {3})}, tensor_form());
  b.g.output({add->out()});
  add->inputs.pop_back();
  b.g.rebuild_users();
  check_lint_fails(b.g, "call_op 'add': add.Tensor takes 2 to 2 tensor inputs, but the node has 1");
}

TEST_CASE("lint rejects a call_op with too few attrs for its op") {
  GraphBuilder b;
  jit::Node* sum = b.call("sum.dim_IntList", {b.input("x", {3})}, {DimVector{0}, false, std::monostate{}});
  b.g.output({sum->out()});
  sum->attrs.pop_back();
  check_lint_fails(b.g, "call_op 'sum': sum.dim_IntList takes 3 attrs, but the node has 2");
}

TEST_CASE("lint rejects a recorded meta that differs from the op's meta") {
  GraphBuilder b;
  jit::Node* add = b.call("add.Tensor", {b.input("x", {2, 3}), b.input("y", {3})}, tensor_form());
  b.g.output({add->out()});
  add->outputs[0].sizes = {3};
  check_lint_fails(b.g, "call_op 'add': output 0 is recorded as f32[3], but add.Tensor's meta gives f32[2, 3]");
}

TEST_CASE("lint rejects inputs the op's meta refuses") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  jit::Node* mm = b.call("mm", {x, b.input("y", {3, 4})});
  b.g.output({mm->out()});
  x.node->outputs[0] = contiguous_meta({2, 5});
  check_lint_fails(b.g, "call_op 'mm': the meta of mm rejects the recorded inputs");
}

TEST_CASE("lint rejects a symbolic attr naming a symbol that does not exist") {
  GraphBuilder b;
  jit::Node* view = b.call("view", {b.input("x", {2, 3})}, {DimVector{6}});
  b.g.output({view->out()});
  view->symbolic_attrs.push_back({0, 0, jit::SymbolicAttr::Form::Affine, 3, 1.0, 0});
  check_lint_fails(b.g, "call_op 'view': a symbolic attr refers to attr 0 and symbol 3, which do not exist");
}

// ---- structural hash ----

TEST_CASE("structural_hash is equal for graphs built the same way, whatever the names") {
  GraphBuilder a, b;
  build_mlp(a);
  build_mlp(b);
  CHECK(a.g.structural_hash() == b.g.structural_hash());
  b.g.nodes()[3]->name = "renamed";
  CHECK(a.g.structural_hash() == b.g.structural_hash());
}

TEST_CASE("structural_hash differs when an attr, an input or a symbolic attr differs") {
  auto build = [](Scalar alpha, bool swap, double coefficient) {
    auto b = std::make_unique<GraphBuilder>();
    b->g.symbols().push_back({"s0", 0, 0, 6});
    const Value x = b->input("x", {6});
    const Value y = b->input("y", {6});
    const Value add = b->value("add.Tensor", {swap ? y : x, swap ? x : y}, tensor_form(alpha));
    jit::Node* view = b->call("view", {add}, {DimVector{6, 1}});
    view->symbolic_attrs.push_back({0, 0, jit::SymbolicAttr::Form::Affine, 0, coefficient, 0});
    b->g.output({view->out()});
    return b;
  };
  const uint64_t base = build(1, false, 1)->g.structural_hash();
  CHECK(build(1, false, 1)->g.structural_hash() == base);
  CHECK(build(2, false, 1)->g.structural_hash() != base);
  CHECK(build(1.0, false, 1)->g.structural_hash() != base);  // a float alpha is another attr than an int one
  CHECK(build(1, true, 1)->g.structural_hash() != base);
  CHECK(build(1, false, 2)->g.structural_hash() != base);
}
