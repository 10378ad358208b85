// Graph passes: each one's node counts, and the graph computing the same values before and after.
#include <doctest/doctest.h>

#include "helpers.h"
#include "jit/builder.h"
#include "jit/passes.h"

using namespace ember;
using namespace ember::test;
using jit::Value;

namespace {

Tensor random_input(IntArrayRef sizes, uint64_t seed, ScalarType dtype = kFloat) {
  Generator gen(seed);
  return randn(sizes, gen, TensorOptions(kFloat)).to(dtype);
}

std::vector<Tensor> random_inputs(const jit::Graph& g, uint64_t seed = 1) {
  std::vector<Tensor> inputs;
  for (const jit::Node* p : g.placeholders()) inputs.push_back(random_input(p->meta().sizes, seed++, p->meta().dtype));
  return inputs;
}

// Runs `pass` on the graph and checks that interpreting it gives the values (and leaves the
// inputs as) interpreting it before did. Returns what the pass returned.
// The user's get_attr tensors (which a graph may update) are put back as they were between runs.
template <class Pass>
int64_t run_checked(jit::Graph& g, Pass&& pass, ArrayRef<int64_t> symbol_values = {}) {
  g.lint();
  const std::vector<Tensor> inputs = random_inputs(g);
  std::vector<Tensor> attrs, attrs_at_start;
  for (const auto& n : g.nodes())
    if (n->opcode == jit::Opcode::GetAttr && !n->folded) {
      attrs.push_back(n->constant);
      attrs_at_start.push_back(n->constant.clone());
    }
  std::vector<Tensor> before_inputs = clones(inputs);
  const std::vector<Tensor> before = clones(jit::interpret(g, before_inputs, symbol_values));
  const std::vector<Tensor> attrs_before = clones(attrs);
  for (size_t i = 0; i < attrs.size(); ++i) attrs[i].copy_(attrs_at_start[i]);

  const int64_t changed = pass(g);
  INFO("after the pass:\n" << g.print());
  g.lint();
  std::vector<Tensor> after_inputs = clones(inputs);
  const std::vector<Tensor> after = jit::interpret(g, after_inputs, symbol_values);
  check_same(before, after);
  check_same(before_inputs, after_inputs);
  check_same(attrs_before, attrs);
  return changed;
}

int64_t count_op(const jit::Graph& g, std::string_view name) {
  return std::count_if(g.nodes().begin(), g.nodes().end(),
                       [&](const auto& n) { return n->op != nullptr && n->op->name == name; });
}

int64_t count_inplace(const jit::Graph& g) {
  return std::count_if(g.nodes().begin(), g.nodes().end(), [](const auto& n) { return n->is_inplace(); });
}

// Ops only these tests register: a constant with no tensor input and a random one.
void iota_meta(const OpDef&, const OpCall& call, MetaOutputs& out) { out.push_back({{call.int_attr(0)}, {}, 0, kFloat, kCPU}); }
void iota_kernel(const OpDef&, const OpCall&, Outputs& outputs) {
  float* p = outputs[0].data_ptr<float>();
  for (int64_t i = 0; i < outputs[0].numel(); ++i) p[i] = float(i);
}
void rand_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  outputs[0].copy_(rand({outputs[0].numel()}, std::get<Generator>(call.attrs[1])));
}
const OpDef iota_def{.name = "jit_test_iota", .schema = "(int n) -> Tensor", .fusion = FusionClass::Opaque,
                     .meta = iota_meta, .cpu = iota_kernel, .backward = kNotDifferentiable};
const OpDef rand_def{.name = "jit_test_rand", .schema = "(int n, *, Generator? generator=None) -> Tensor",
                     .fusion = FusionClass::Opaque, .meta = iota_meta, .cpu = rand_kernel, .backward = kNotDifferentiable};

void register_test_ops() {
  static const bool registered = [] {
    OpRegistry::instance().add(&iota_def);
    OpRegistry::instance().add(&rand_def);
    return true;
  }();
  (void)registered;
}

}  // namespace

// ============================== dead code ==============================

TEST_CASE("dead code elimination removes unused pure ops, chains included") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value relu = b.value("relu", {x});
  b.value("exp", {relu});
  b.value("transpose.int", {x}, {int64_t(0), int64_t(1)});
  const Value neg = b.value("neg", {x});
  b.g.output({neg});
  CHECK(run_checked(b.g, jit::eliminate_dead_code) == 3);
  CHECK(b.g.call_count() == 1);
  CHECK(count_op(b.g, "neg") == 1);
}

TEST_CASE("dead code elimination keeps in-place and random ops nobody reads") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.value("clone", {x});
  b.call("add_.Scalar", {y}, scalar_form(1));
  b.call("native_dropout", {x}, {0.5, true, Generator(3)});
  b.call("add_.Scalar", {x}, scalar_form(2));
  b.g.output({b.value("neg", {x})});
  CHECK(jit::eliminate_dead_code(b.g) == 0);
  CHECK(b.g.call_count() == 5);
}

TEST_CASE("dead code elimination removes folded constants nobody reads, not the user's get_attr") {
  GraphBuilder b;
  const Value x = b.input("x", {2});
  b.constant("_tensor_constant", ones({2}));
  b.g.get_attr("weight", ones({2}));
  b.g.output({x});
  CHECK(jit::eliminate_dead_code(b.g) == 1);
  CHECK(b.g.size() == 3);
  CHECK(b.g.nodes()[1]->name == "weight");
}

// ============================== CSE ==============================

TEST_CASE("CSE merges duplicate pure ops and views") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value r1 = b.value("relu", {x});
  const Value r2 = b.value("relu", {x});
  const Value t1 = b.value("transpose.int", {r1}, {int64_t(0), int64_t(1)});
  const Value t2 = b.value("transpose.int", {r2}, {int64_t(0), int64_t(1)});
  const Value add = b.value("add.Tensor", {t1, t2}, tensor_form());
  b.g.output({add});
  CHECK(run_checked(b.g, jit::eliminate_common_subexpressions) == 2);
  CHECK(count_op(b.g, "relu") == 1);
  CHECK(count_op(b.g, "transpose.int") == 1);
  const jit::Node* a = b.g.nodes()[3].get();
  CHECK(a->inputs[0] == a->inputs[1]);
}

TEST_CASE("CSE keeps ops whose attrs differ, 0.0 and -0.0 included") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value s0 = b.value("sum.dim_IntList", {x}, {DimVector{0}, false, std::monostate{}});
  const Value s1 = b.value("sum.dim_IntList", {x}, {DimVector{1}, false, std::monostate{}});
  const Value m1 = b.value("mul.Scalar", {x}, scalar_form(0.0));
  const Value m2 = b.value("mul.Scalar", {x}, scalar_form(-0.0));
  const Value m3 = b.value("mul.Scalar", {x}, scalar_form(0.0));
  b.g.output({s0, s1, m1, m2, m3});
  CHECK(run_checked(b.g, jit::eliminate_common_subexpressions) == 1);
  CHECK(count_op(b.g, "sum.dim_IntList") == 2);
  CHECK(count_op(b.g, "mul.Scalar") == 2);
}

TEST_CASE("CSE never merges random ops") {
  GraphBuilder b;
  const Value x = b.input("x", {4, 4});
  const Generator gen(5);
  jit::Node* d1 = b.call("native_dropout", {x}, {0.5, true, gen});
  jit::Node* d2 = b.call("native_dropout", {x}, {0.5, true, gen});
  b.g.output({d1->out(0), d2->out(0)});
  CHECK(jit::eliminate_common_subexpressions(b.g) == 0);
  CHECK(count_op(b.g, "native_dropout") == 2);
}

TEST_CASE("CSE does not merge a computation across a write to its input") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.value("clone", {x});
  const Value r1 = b.value("relu", {y});
  const Value view = b.value("select.int", {y}, {int64_t(0), int64_t(1)});
  b.call("mul_.Scalar", {view}, scalar_form(-1));
  const Value r2 = b.value("relu", {y});
  const Value r3 = b.value("relu", {y});
  b.g.output({r1, r2, r3});
  CHECK(run_checked(b.g, jit::eliminate_common_subexpressions) == 1);  // r3 into r2 only
  CHECK(count_op(b.g, "relu") == 2);
}

TEST_CASE("CSE does not merge computations whose result is written later") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value c1 = b.value("clone", {x});
  const Value c2 = b.value("clone", {x});
  b.call("add_.Scalar", {c2}, scalar_form(1));
  b.g.output({c1, c2});
  CHECK(run_checked(b.g, jit::eliminate_common_subexpressions) == 0);
  CHECK(count_op(b.g, "clone") == 2);
}

// ============================== constant folding ==============================

TEST_CASE("constant folding turns a chain of constants into one get_attr") {
  register_test_ops();
  GraphBuilder b;
  const Value x = b.input("x", {4});
  const Value iota = b.value("jit_test_iota", {}, {int64_t(4)});
  const Value c = b.constant("_tensor_constant", test::make({1, 2, 3, 4}, {4}))->out();
  const Value e = b.value("mul.Tensor", {iota, c}, tensor_form());
  const Value s = b.value("add.Scalar", {e}, scalar_form(0.5));
  const Value add = b.value("add.Tensor", {x, s}, tensor_form());
  b.g.output({add});
  CHECK(run_checked(b.g, jit::fold_constants) == 3);
  CHECK(b.g.call_count() == 1);
  CHECK(b.g.size() == 4);
  const jit::Node* folded = b.g.nodes()[1].get();
  CHECK(folded->opcode == jit::Opcode::GetAttr);
  CHECK(folded->folded);
  check_exact(folded->constant, {0.5, 2.5, 6.5, 12.5});
  CHECK(b.g.print() ==
        "graph(x: f32[4]):\n"
        "    _tensor_constant: f32[4] = constant([0.5, 2.5, 6.5, 12.5])\n"
        "    add_1: f32[4] = add.Tensor(x, _tensor_constant, alpha=1)\n"
        "    return (add_1,)\n");
}

TEST_CASE("constant folding leaves the user's get_attr tensors, random ops and symbolic sizes alone") {
  register_test_ops();
  GraphBuilder b;
  b.g.symbols().push_back({"s0", 0, 0, 4});
  jit::Node* x = b.g.placeholder("x", contiguous_meta({4}));
  x->output_symbols = {{0}};
  const Value w = b.g.get_attr("weight", ones({4}))->out();
  const Value relu = b.value("relu", {w});
  const Value r = b.value("jit_test_rand", {}, {int64_t(4), Generator(1)});
  const Value noisy = b.value("exp", {r});
  jit::Node* sized = b.call("jit_test_iota", {}, {int64_t(4)});
  sized->symbolic_attrs.push_back({0, -1, jit::SymbolicAttr::Form::Affine, 0, 1.0, 0});
  sized->output_symbols = {{0}};
  b.g.output({b.value("add.Tensor", {x->out(), relu}, tensor_form()), noisy, sized->out()});
  CHECK(jit::fold_constants(b.g) == 0);
  CHECK(b.g.call_count() == 5);
}

TEST_CASE("constant folding keeps results above 1 MiB computed at run time") {
  GraphBuilder b;
  const Value x = b.input("x", {512, 1024});
  const Value c = b.constant("_tensor_constant", full({}, 2.0))->out();
  const Value e = b.value("expand", {c}, {DimVector{512, 1024}, false});
  const Value big = b.value("clone", {e});
  b.g.output({b.value("mul.Tensor", {x, big}, tensor_form())});
  CHECK(jit::fold_constants(b.g) == 1);  // the expand (a view) folds, the 2 MiB clone does not
  CHECK(count_op(b.g, "clone") == 1);
  CHECK(count_op(b.g, "expand") == 0);
}

// ============================== algebraic simplification ==============================

TEST_CASE("simplification removes x*1, x+0, x-0 and x/1 in their Scalar forms") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value m = b.value("mul.Scalar", {x}, scalar_form(1));
  const Value a = b.value("add.Scalar", {m}, scalar_form(0));
  const Value s = b.value("sub.Scalar", {a}, scalar_form(0.0));
  const Value d = b.value("div.Scalar", {s}, scalar_form(1.0));
  b.g.output({b.value("relu", {d})});
  CHECK(run_checked(b.g, jit::simplify_algebra) == 4);
  CHECK(b.g.call_count() == 1);
  CHECK(b.g.output_node()->inputs[0].node->inputs[0] == x);
}

TEST_CASE("simplification removes multiplications by ones and additions of zeros in folded constants") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value one = b.constant("_tensor_constant", ones({3}))->out();
  const Value zero = b.constant("_tensor_constant", zeros({2, 3}))->out();
  const Value m = b.value("mul.Tensor", {one, x}, tensor_form());
  const Value a = b.value("add.Tensor", {m, zero}, tensor_form(3));
  const Value s = b.value("sub.Tensor", {a, zero}, tensor_form());
  const Value d = b.value("div.Tensor", {s, one}, tensor_form());
  b.g.output({b.value("exp", {d})});
  CHECK(run_checked(b.g, jit::simplify_algebra) == 4);
  CHECK(b.g.call_count() == 1);
}

TEST_CASE("simplification keeps x*1 when promotion or broadcasting changes the meta") {
  GraphBuilder b;
  const Value i = b.input("i", {3}, kLong);
  const Value x = b.input("x", {3});
  const Value ones23 = b.constant("_tensor_constant", ones({2, 3}))->out();
  const Value promoted = b.value("mul.Scalar", {i}, scalar_form(1.0));    // int64 * 1.0 is float32
  const Value wider = b.value("mul.Tensor", {x, ones23}, tensor_form());  // [3] * [2, 3] is [2, 3]
  const Value half = b.constant("_tensor_constant", ones({3}, TensorOptions(kDouble)))->out();
  const Value doubled = b.value("mul.Tensor", {x, half}, tensor_form());  // float32 * float64 is float64
  b.g.output({b.value("exp", {promoted}), b.value("exp", {wider}), b.value("exp", {doubled})});
  CHECK(jit::simplify_algebra(b.g) == 0);
}

TEST_CASE("simplification keeps x/1 with a rounding mode and x+0 with an infinite alpha") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value zero = b.constant("_tensor_constant", zeros({3}))->out();
  const Value floor = b.value("div.Scalar", {x}, {Scalar(1), Scalar(1), std::string("floor"), false});
  const Value inf = b.value("add.Tensor", {x, zero}, tensor_form(INFINITY));
  const Value reversed = b.value("sub.Scalar", {x}, {Scalar(0), Scalar(1), std::monostate{}, true});  // 0 - x
  b.g.output({b.value("exp", {floor}), b.value("exp", {inf}), b.value("exp", {reversed})});
  CHECK(jit::simplify_algebra(b.g) == 0);
}

TEST_CASE("simplification never makes a graph output alias an input") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value m = b.value("mul.Scalar", {x}, scalar_form(1));
  const Value t = b.value("transpose.int", {m}, {int64_t(0), int64_t(1)});
  const Value w = b.g.get_attr("weight", ones({2, 3}))->out();
  const Value a = b.value("add.Scalar", {w}, scalar_form(0));
  b.g.output({t, a});
  CHECK(jit::simplify_algebra(b.g) == 0);
  // Away from the outputs the same product does go.
  GraphBuilder c;
  const Value y = c.input("y", {2, 3});
  const Value n = c.value("mul.Scalar", {y}, scalar_form(1));
  c.g.output({c.value("relu", {n})});
  CHECK(run_checked(c.g, jit::simplify_algebra) == 1);
}

TEST_CASE("simplification keeps x*1 when x or the product is written in place") {
  GraphBuilder b;
  const Value x = b.input("x", {3});
  const Value y = b.value("clone", {x});
  const Value m = b.value("mul.Scalar", {y}, scalar_form(1));
  b.call("add_.Scalar", {m}, scalar_form(1));
  b.g.output({b.value("relu", {y}), b.value("relu", {m})});
  CHECK(run_checked(b.g, jit::simplify_algebra) == 0);
}

TEST_CASE("simplification removes double negation and transposing back") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3, 4});
  const Value n = b.value("neg", {b.value("neg", {x})});
  const Value t1 = b.value("transpose.int", {n}, {int64_t(0), int64_t(2)});
  const Value t2 = b.value("transpose.int", {t1}, {int64_t(-1), int64_t(0)});
  const Value t3 = b.value("transpose.int", {t2}, {int64_t(0), int64_t(1)});  // a different pair: stays
  b.g.output({b.value("relu", {t3})});
  // simplify: the outer neg and the second transpose; dead code: the inner neg and the first transpose.
  CHECK(run_checked(b.g, [](jit::Graph& g) { return jit::simplify_algebra(g) + jit::eliminate_dead_code(g); }) == 2 + 2);
  CHECK(count_op(b.g, "neg") == 0);
  CHECK(count_op(b.g, "transpose.int") == 1);
}

TEST_CASE("simplification folds a view of a view into one view and drops views to the same shape") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3, 4});
  const Value e = b.value("exp", {x});
  const Value v1 = b.value("view", {e}, {DimVector{6, 4}});
  const Value v2 = b.value("view", {v1}, {DimVector{4, 6}});
  const Value v3 = b.value("view", {v2}, {DimVector{4, -1}});
  b.g.output({b.value("relu", {v3})});
  // simplify: the second view reads exp directly, the third is the second; dead code: the first view.
  CHECK(run_checked(b.g, [](jit::Graph& g) { return jit::simplify_algebra(g) + jit::eliminate_dead_code(g); }) == 2 + 1);
  CHECK(count_op(b.g, "view") == 1);
  const jit::Node* view = b.g.nodes()[2].get();
  CHECK(view->inputs[0] == e);
  CHECK(std::get<DimVector>(view->attrs[0]) == DimVector{4, 6});
}

// ============================== functionalization ==============================

namespace {

// The graph has no in-place op left but the copy_ write-backs into graph inputs near the end:
// only other write-backs and views (of the written inputs, for the results) follow them.
void check_functional(const jit::Graph& g) {
  bool tail = true;
  for (auto it = g.nodes().rbegin() + 1; it != g.nodes().rend(); ++it) {
    const jit::Node& n = **it;
    const bool writeback = n.op != nullptr && n.op->name == "copy_" &&
                           (n.inputs[0].node->opcode == jit::Opcode::Placeholder ||
                            n.inputs[0].node->opcode == jit::Opcode::GetAttr);
    if (n.is_inplace()) CHECK_MESSAGE((tail && writeback), "in-place node left: " << n.name);
    tail = tail && (writeback || n.is_view());
  }
}

}  // namespace

TEST_CASE("functionalization turns in-place ops on intermediates into their out-of-place twins") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.value("mul.Scalar", {x}, scalar_form(2));
  b.call("add_.Scalar", {y}, scalar_form(1));
  const Value r = b.value("relu", {y});
  b.call("relu_", {r});
  b.call("mul_.Tensor", {y, x}, tensor_form());
  b.g.output({y, r});
  CHECK(run_checked(b.g, jit::functionalize) == 3);
  CHECK(count_inplace(b.g) == 0);
  CHECK(b.g.print() ==
        "graph(x: f32[2, 3]):\n"
        "    mul: f32[2, 3] = mul.Scalar(x, other=2, alpha=1, reverse=False)\n"
        "    add: f32[2, 3] = add.Scalar(mul, other=1, alpha=1, reverse=False)\n"
        "    relu: f32[2, 3] = relu(add)\n"
        "    relu_1: f32[2, 3] = relu(relu)\n"
        "    mul_1: f32[2, 3] = mul.Tensor(add, x, alpha=1)\n"
        "    return (mul_1, relu_1)\n");
}

TEST_CASE("functionalization writes a mutated input back with copy_, as eager mutates it") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value w = b.input("w", {3});
  b.call("mul_.Scalar", {x}, scalar_form(2));
  b.call("sub_.Tensor", {w, b.value("sum.dim_IntList", {x}, {DimVector{0}, false, std::monostate{}})}, tensor_form());
  const Value out = b.value("add.Scalar", {x}, scalar_form(1));
  b.g.output({out, x});
  const std::vector<Tensor> inputs = random_inputs(b.g);

  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
  CHECK(count_op(b.g, "copy_") == 2);

  std::vector<Tensor> compiled = clones(inputs);
  const std::vector<Tensor> results = jit::interpret(b.g, compiled);
  Tensor ex = inputs[0].clone(), ew = inputs[1].clone();
  ex.mul_(2);
  ew.sub_(ex.sum(IntArrayRef{0}));
  check_same({results[0], compiled[0], compiled[1]}, {ex + 1, ex, ew});
  // The result returned as x is x itself, as in eager.
  CHECK(results[1].is_same(compiled[0]));
}

TEST_CASE("functionalization of a write through a view of an intermediate") {
  GraphBuilder b;
  const Value x = b.input("x", {3, 4});
  const Value y = b.value("clone", {x});
  const Value row = b.value("select.int", {y}, {int64_t(0), int64_t(1)});
  b.call("mul_.Scalar", {row}, scalar_form(10));
  const Value col = b.value("slice.Tensor", {y}, {int64_t(1), int64_t(1), int64_t(3), int64_t(1)});
  b.call("fill_.Scalar", {col}, {Scalar(7)});
  b.g.output({y, b.value("exp", {row})});
  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
  CHECK(count_inplace(b.g) == 0);
  CHECK(count_op(b.g, "as_strided_scatter") == 2);
}

TEST_CASE("functionalization of a write through a view of an input updates the input") {
  GraphBuilder b;
  const Value x = b.input("x", {3, 4});
  const Value t = b.value("transpose.int", {x}, {int64_t(0), int64_t(1)});
  const Value col = b.value("select.int", {t}, {int64_t(0), int64_t(2)});
  b.call("add_.Scalar", {col}, scalar_form(100));
  b.g.output({b.value("neg", {x}), t});
  const std::vector<Tensor> inputs = random_inputs(b.g);
  CHECK(run_checked(b.g, jit::functionalize) == 1);
  check_functional(b.g);

  std::vector<Tensor> compiled = clones(inputs);
  const std::vector<Tensor> results = jit::interpret(b.g, compiled);
  Tensor ex = inputs[0].clone();
  ex.t().select(0, 2).add_(100);
  check_same({compiled[0], results[0], results[1]}, {ex, -ex, ex.t()});
  CHECK(results[1].is_alias_of(compiled[0]));  // the returned view still views x
}

TEST_CASE("functionalization regenerates every other view of a written base") {
  GraphBuilder b;
  const Value x = b.input("x", {3, 4});
  const Value y = b.value("exp", {x});
  const Value t = b.value("transpose.int", {y}, {int64_t(0), int64_t(1)});
  const Value row = b.value("select.int", {y}, {int64_t(0), int64_t(0)});
  const Value flat = b.value("view", {y}, {DimVector{12}});
  b.call("mul_.Scalar", {t}, scalar_form(-1));  // writes all of y through t
  const Value r1 = b.value("relu", {row});      // row and flat read y's new values
  b.call("add_.Scalar", {flat}, scalar_form(1));
  const Value r2 = b.value("relu", {row});
  b.g.output({r1, r2, flat, t});
  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
}

TEST_CASE("functionalization of an in-place op followed by a view") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value y = b.value("clone", {x});
  b.call("relu_", {y});
  const Value v = b.value("view", {y}, {DimVector{6}});
  b.call("copy_", {v, b.value("neg", {v})}, {false});
  b.g.output({v, y});
  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
  // The results alias each other as in eager: v is a view of y.
  const std::vector<Tensor> results = jit::interpret(b.g, {random_input({2, 3}, 1)});
  CHECK(results[0].is_alias_of(results[1]));
}

TEST_CASE("functionalization of copy_ broadcasts and converts the source") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  const Value src = b.input("src", {3}, kDouble);
  const Value y = b.value("clone", {x});
  b.call("copy_", {y, src}, {false});
  b.call("add_.Tensor", {x, y}, tensor_form(2));
  b.g.output({y});
  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
  CHECK(b.g.print() ==
        "graph(x: f32[2, 3], src: f64[3]):\n"
        "    clone: f32[2, 3] = clone(x)\n"
        "    expand: f64[2, 3] = expand(src, size=[2, 3], implicit=False)\n"
        "    _to_copy: f32[2, 3] = _to_copy(expand, dtype=torch.float32)\n"
        "    add: f32[2, 3] = add.Tensor(x, _to_copy, alpha=2)\n"
        "    copy_: f32[2, 3] = copy_(x, add, non_blocking=False)\n"
        "    return (_to_copy,)\n");
}

TEST_CASE("functionalization keeps the target's dtype when the out-of-place op promotes") {
  GraphBuilder b;
  const Value i = b.input("i", {3}, kInt);
  const Value x = b.input("x", {3}, kDouble);
  const Value y = b.value("clone", {x});
  b.call("mul_.Tensor", {i, b.value("clone", {i})}, tensor_form());
  b.call("lt_.Scalar", {y}, scalar_form(0.0));  // a comparison written into a float64 tensor
  b.g.output({y, i});
  CHECK(run_checked(b.g, jit::functionalize) == 2);
  check_functional(b.g);
  CHECK(count_op(b.g, "_to_copy") == 1);
}

TEST_CASE("functionalization of a random in-place op keeps the draw") {
  GraphBuilder b;
  const Value x = b.input("x", {4, 4});
  const Value y = b.value("clone", {x});
  Generator gen(11);
  b.call("dropout_", {y}, {0.5, true, gen});
  b.g.output({y});
  const std::vector<Tensor> inputs = random_inputs(b.g);
  const std::vector<Tensor> before = jit::interpret(b.g, clones(inputs));
  CHECK(jit::functionalize(b.g) == 1);
  check_functional(b.g);
  CHECK(count_op(b.g, "native_dropout") == 1);
  gen.manual_seed(11);  // the node holds this generator: reseeded, it draws the same mask
  const std::vector<Tensor> after = jit::interpret(b.g, clones(inputs));
  check_same(before, after);
  CHECK(values(before[0]) != values(inputs[0]));  // some elements were dropped
  CHECK(jit::eliminate_dead_code(b.g) == 0);
}

TEST_CASE("functionalization raises for an in-place op without an out-of-place twin") {
  GraphBuilder b;
  const Value x = b.input("x", {4});
  const Value idx = b.input("idx", {2}, kLong);
  const Value y = b.value("clone", {x});
  b.call("index_put_", {y, b.input("v", {2}), idx}, {DimVector{0}, false});
  b.g.output({y});
  try {
    jit::functionalize(b.g);
    FAIL("functionalize accepted index_put_");
  } catch (const Error& e) {
    CHECK(contains(e.what(), "in-place op 'index_put_' (node 'index_put_') has no out-of-place twin"));
    CHECK(contains(e.what(), "'index_put'"));
  }
}

TEST_CASE("functionalization raises for a write through a view whose elements overlap") {
  GraphBuilder b;
  const Value x = b.input("x", {7});
  const Value windows = b.value("unfold", {b.value("clone", {x})}, {int64_t(0), int64_t(3), int64_t(2)});
  b.call("mul_.Scalar", {windows}, scalar_form(2));
  b.g.output({windows});
  CHECK_THROWS_WITH_AS(jit::functionalize(b.g),
                       doctest::Contains("node 'unfold' writes through a view whose elements overlap in memory (sizes "
                                         "[3, 3], strides [2, 1])"),
                       Error);
}

TEST_CASE("functionalization raises for a write through a view of a base that is not contiguous") {
  GraphBuilder b;
  TensorMeta transposed = contiguous_meta({3, 2});
  transposed.strides = {1, 3};
  const Value x = b.g.placeholder("x", transposed)->out();
  const Value window = b.value("as_strided", {x}, {DimVector{2}, DimVector{1}, int64_t(0)});
  b.call("add_.Scalar", {window}, scalar_form(1));
  b.g.output({x});
  CHECK_THROWS_WITH_AS(jit::functionalize(b.g),
                       doctest::Contains("node 'as_strided' writes through a view of 'x', which is not a contiguous "
                                         "tensor at offset 0"),
                       Error);
}

TEST_CASE("functionalization twice changes nothing the second time") {
  GraphBuilder b;
  const Value x = b.input("x", {2, 3});
  b.call("add_.Scalar", {b.value("select.int", {x}, {int64_t(1), int64_t(0)})}, scalar_form(1));
  b.g.output({x, b.value("transpose.int", {x}, {int64_t(0), int64_t(1)})});
  CHECK(jit::functionalize(b.g) == 1);
  const std::string once = b.g.print();
  CHECK(run_checked(b.g, jit::functionalize) == 0);
  CHECK(b.g.print() == once);
}

TEST_CASE("functionalization of a write through a view with a dynamic size") {
  GraphBuilder b;
  b.g.symbols().push_back({"s0", 0, 1, 4});
  jit::Node* x = b.g.placeholder("x", contiguous_meta({3, 4}));
  x->output_symbols = {{-1, 0}};
  jit::Node* y = b.call("clone", {x->out()});
  y->output_symbols = {{-1, 0}};
  const Value row = b.value("select.int", {y->out()}, {int64_t(0), int64_t(1)});  // offset s0, stride 1
  b.call("mul_.Scalar", {row}, scalar_form(3));
  b.g.output({y->out()});
  CHECK(jit::functionalize(b.g) == 1);
  CHECK(contains(b.g.print(), "as_strided_scatter(clone, mul, size=[s0], stride=[1], storage_offset=s0)"));
  b.g.lint();
  for (int64_t n : {4, 7}) {
    const Tensor input = random_input({3, n}, 2);
    const std::vector<Tensor> results = jit::interpret(b.g, {input}, {n});
    Tensor expected = input.clone();
    expected.select(0, 1).mul_(3);
    check_same(results, {expected});
  }
}

// ============================== all together ==============================

TEST_CASE("the default passes leave a functional, linted graph with the same values") {
  register_test_ops();
  GraphBuilder b;
  const Value x = b.input("x", {2, 4});
  const Value w = b.g.get_attr("weight", random_input({4}, 9))->out();
  const Value iota = b.value("jit_test_iota", {}, {int64_t(4)});
  const Value scale = b.value("mul.Scalar", {iota}, scalar_form(0));   // folds to zeros
  const Value h = b.value("mul.Tensor", {x, w}, tensor_form());
  const Value h2 = b.value("mul.Tensor", {x, w}, tensor_form());       // CSE
  const Value s = b.value("add.Tensor", {h, scale}, tensor_form());    // + 0 after folding
  b.call("relu_", {s});
  b.value("exp", {h2});                                                // dead
  const Value v = b.value("view", {b.value("view", {s}, {DimVector{8}})}, {DimVector{4, 2}});
  b.call("add_.Scalar", {w}, scalar_form(1));                          // a parameter update
  b.g.output({v, h2});
  const int64_t changed = run_checked(b.g, jit::run_default_passes);
  CHECK(changed > 0);
  check_functional(b.g);
  CHECK(b.g.print() ==
        "graph(x: f32[2, 4]):\n"
        "    weight: f32[4] = get_attr(weight)\n"
        "    mul_1: f32[2, 4] = mul.Tensor(x, weight, alpha=1)\n"
        "    relu: f32[2, 4] = relu(mul_1)\n"
        "    view_1: f32[4, 2] = view(relu, size=[4, 2])\n"
        "    add_1: f32[4] = add.Scalar(weight, other=1, alpha=1, reverse=False)\n"
        "    copy_: f32[4] = copy_(weight, add_1, non_blocking=False)\n"
        "    return (view_1, mul_1)\n");
}
