// The pointwise fusion planner, the lowering of registry ops to KernelIR expressions, and the "cpu" backend.
//
// Numerics: each op computes in its promoted dtype as eager does (float16/bfloat16 in float32). A fused kernel keeps
// float16/bfloat16 intermediates in float32 and rounds once, when it stores a result, where eager rounds every op's
// result; such results agree with eager to the 16-bit format's precision rather than bit for bit.
#include "jit/fusion.h"

#include <fmt/format.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "jit/cpu/cpu_kernel.h"
#include "jit/logging.h"
#include "jit/op_info.h"
#include "jit/passes.h"
#include "kernels/check.h"

namespace ember::jit {
namespace {

// The compute type that holds values of `dtype`; nullopt for integers and other types kernels do not compute in.
std::optional<KType> ktype_of(ScalarType dtype) {
  switch (dtype) {
    case ScalarType::Float:
    case ScalarType::Half:
    case ScalarType::BFloat16: return KType::F32;
    case ScalarType::Double: return KType::F64;
    case ScalarType::Bool: return KType::Bool;
    default: return std::nullopt;
  }
}

const TensorMeta& meta_of(const Value& v) { return v.node->meta(v.index); }

// Input `i` of the node being lowered, converted to `type`.
using Operand = std::function<int(size_t i, KType type)>;

const Scalar* scalar_attr(const Node& node, size_t i) {
  return i < node.attrs.size() ? std::get_if<Scalar>(&node.attrs[i]) : nullptr;
}
bool attr_is_none(const Node& node, size_t i) {
  return i >= node.attrs.size() || std::holds_alternative<std::monostate>(node.attrs[i]);
}

// A scalar as eager's kernels see it in compute type `t`: rounded to float for F32.
double scalar_in(const Scalar& s, KType t) {
  return t == KType::F32 ? double(float(s.toDouble())) : s.toDouble();
}

// The dtype a comparison computes in: PyTorch's promotion over its operands.
std::optional<KType> comparison_type(const Node& node, bool scalar_form) {
  ember::detail::ResultTypeState state;
  state.add(fake_tensor(meta_of(node.inputs[0])));
  if (scalar_form) {
    const Scalar* other = scalar_attr(node, 0);
    if (other == nullptr) return std::nullopt;
    state.add(*other);
  } else {
    state.add(fake_tensor(meta_of(node.inputs[1])));
  }
  const ScalarType dtype = state.result();
  if (!is_floating_point(dtype)) return std::nullopt;
  return ktype_of(dtype);
}

const std::unordered_map<std::string_view, KOp>& unary_ops() {
  static const std::unordered_map<std::string_view, KOp> ops = {
      {"neg", KOp::Neg},         {"abs", KOp::Abs},     {"sqrt", KOp::Sqrt},   {"rsqrt", KOp::Rsqrt},
      {"reciprocal", KOp::Reciprocal}, {"exp", KOp::Exp}, {"log", KOp::Log}, {"tanh", KOp::Tanh},
      {"sigmoid", KOp::Sigmoid}, {"erf", KOp::Erf},     {"sin", KOp::Sin},     {"cos", KOp::Cos},
      {"relu", KOp::Relu},       {"floor", KOp::Floor}, {"ceil", KOp::Ceil},   {"trunc", KOp::Trunc},
      {"round", KOp::Round}};
  return ops;
}

// Binary ops with the registry's binary layout: tensor form {alpha, rounding_mode}, scalar form {other, alpha,
// rounding_mode, reverse}.
const std::unordered_map<std::string_view, KOp>& binary_ops() {
  static const std::unordered_map<std::string_view, KOp> ops = {
      {"add", KOp::Add},           {"sub", KOp::Sub},           {"mul", KOp::Mul}, {"div", KOp::Div},
      {"maximum", KOp::Max},       {"minimum", KOp::Min},       {"clamp_min.Tensor", KOp::Max},
      {"clamp_max.Tensor", KOp::Min}, {"eq", KOp::Eq}, {"ne", KOp::Ne}, {"lt", KOp::Lt}, {"le", KOp::Le},
      {"gt", KOp::Gt},             {"ge", KOp::Ge},             {"logical_and", KOp::And}, {"logical_or", KOp::Or}};
  return ops;
}

// The expressions computing `node`'s result (in the KType of its output dtype); nullopt when the kernels cannot
// compute it. Builder errors (a type the IR rejects) propagate as ember::Error.
std::optional<int> emit_node(KernelIR& ir, const Node& node, const Operand& operand) {
  const std::string_view name = node.op->name;
  const std::optional<KType> out = ktype_of(node.meta().dtype);
  if (!out) return std::nullopt;
  const KType t = *out;
  const bool is_float = t != KType::Bool;
  auto c = [&](double v) { return ir.constant(v, t); };

  if (auto it = unary_ops().find(name); it != unary_ops().end()) {
    if (!is_float) return std::nullopt;
    return ir.unary(it->second, operand(0, t));
  }

  // Binary ops: "add.Tensor" / "add.Scalar", or a plain name ("maximum").
  const size_t dot = name.find('.');
  const std::string_view base = dot == std::string_view::npos ? name : name.substr(0, dot);
  const std::string_view overload = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  auto binary = binary_ops().find(name);
  if (binary == binary_ops().end() && (overload == "Tensor" || overload == "Scalar")) binary = binary_ops().find(base);
  if (binary != binary_ops().end()) {
    const KOp op = binary->second;
    const bool scalar_form = overload == "Scalar";
    if (op == KOp::And || op == KOp::Or) {
      if (scalar_form || t != KType::Bool) return std::nullopt;
      return ir.binary(op, operand(0, KType::Bool), operand(1, KType::Bool));
    }
    KType compute = t;
    if (is_comparison(op)) {
      if (t != KType::Bool) return std::nullopt;
      const std::optional<KType> ct = comparison_type(node, scalar_form);
      if (!ct) return std::nullopt;
      compute = *ct;
    } else if (!is_float) {
      return std::nullopt;
    }
    const bool has_alpha = op == KOp::Add || op == KOp::Sub || op == KOp::Mul || op == KOp::Div || is_comparison(op);
    const size_t alpha_at = scalar_form ? 1 : 0;
    if (has_alpha && !attr_is_none(node, alpha_at + 1)) return std::nullopt;  // a rounding mode
    int lhs, rhs;
    if (scalar_form) {
      const Scalar* other = scalar_attr(node, 0);
      if (other == nullptr || node.attrs.size() < 4 || !std::holds_alternative<bool>(node.attrs[3])) return std::nullopt;
      const int x = operand(0, compute), s = ir.constant(scalar_in(*other, compute), compute);
      const bool reverse = std::get<bool>(node.attrs[3]);
      lhs = reverse ? s : x;
      rhs = reverse ? x : s;
    } else {
      lhs = operand(0, compute);
      rhs = operand(1, compute);
    }
    if (op == KOp::Add || op == KOp::Sub) {
      const Scalar* alpha = scalar_attr(node, alpha_at);
      if (alpha == nullptr) return std::nullopt;
      if (scalar_in(*alpha, compute) != 1) rhs = ir.binary(KOp::Mul, ir.constant(scalar_in(*alpha, compute), compute), rhs);
    }
    return ir.binary(op, lhs, rhs);
  }

  if (name == "logical_not") {
    if (t != KType::Bool) return std::nullopt;
    return ir.unary(KOp::Not, operand(0, KType::Bool));
  }
  if (name == "where.self") {
    if (!is_float) return std::nullopt;
    return ir.where(operand(0, KType::Bool), operand(1, t), operand(2, t));
  }
  if (name == "clone") return operand(0, t);
  if (name == "_to_copy") {
    // Casts to float16/bfloat16 stay eager: a fused kernel would not round the value it passes on.
    const ScalarType target = node.meta().dtype;
    if (target != ScalarType::Float && target != ScalarType::Double && target != ScalarType::Bool) return std::nullopt;
    return operand(0, t);
  }
  if (!is_float) return std::nullopt;

  // Activations, written as eager's kernels compute them.
  if (name == "gelu") {
    const std::string* approximate = node.attrs.empty() ? nullptr : std::get_if<std::string>(&node.attrs[0]);
    const int x = operand(0, t);
    if (approximate == nullptr || *approximate == "none") return ir.unary(KOp::Gelu, x);
    if (*approximate != "tanh") return std::nullopt;
    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x * x * x)))
    const double sqrt_2_over_pi = 0.7978845608028654;
    const int cube = ir.binary(KOp::Mul, ir.binary(KOp::Mul, ir.binary(KOp::Mul, c(0.044715), x), x), x);
    const int inner = ir.binary(KOp::Mul, c(sqrt_2_over_pi), ir.binary(KOp::Add, x, cube));
    return ir.binary(KOp::Mul, ir.binary(KOp::Mul, c(0.5), x), ir.binary(KOp::Add, c(1), ir.unary(KOp::Tanh, inner)));
  }
  if (name == "silu") {
    const int x = operand(0, t);
    return ir.binary(KOp::Div, x, ir.binary(KOp::Add, c(1), ir.unary(KOp::Exp, ir.unary(KOp::Neg, x))));
  }
  if (name == "leaky_relu") {
    const Scalar* slope = scalar_attr(node, 0);
    if (slope == nullptr) return std::nullopt;
    const int x = operand(0, t);
    const int factor = ir.where(ir.binary(KOp::Gt, x, c(0)), c(1), c(scalar_in(*slope, t)));
    return ir.binary(KOp::Mul, x, factor);
  }
  if (name == "elu") {
    const Scalar *alpha = scalar_attr(node, 0), *scale = scalar_attr(node, 1), *input_scale = scalar_attr(node, 2);
    if (alpha == nullptr || scale == nullptr || input_scale == nullptr) return std::nullopt;
    const double a = scalar_in(*alpha, t), s = scalar_in(*scale, t);
    const double negative_coef = t == KType::F32 ? double(float(a) * float(s)) : a * s;
    const int x = operand(0, t);
    const int negative = ir.binary(
        KOp::Mul,
        ir.binary(KOp::Sub, ir.unary(KOp::Exp, ir.binary(KOp::Mul, x, c(scalar_in(*input_scale, t)))), c(1)),
        c(negative_coef));
    return ir.where(ir.binary(KOp::Le, x, c(0)), negative, ir.binary(KOp::Mul, x, c(s)));
  }
  // Clamps with scalar bounds: x < lo ? lo : x, then hi < y ? hi : y (a NaN x stays NaN).
  std::optional<double> lo, hi;
  if (name == "clamp" || name == "hardtanh") {
    for (size_t i = 0; i < 2; ++i) {
      if (attr_is_none(node, i)) continue;
      const Scalar* bound = scalar_attr(node, i);
      if (bound == nullptr) return std::nullopt;
      (i == 0 ? lo : hi) = scalar_in(*bound, t);
    }
  } else if (name == "clamp_min" || name == "clamp_max") {
    const Scalar* bound = scalar_attr(node, 0);
    if (bound == nullptr) return std::nullopt;
    (name == "clamp_min" ? lo : hi) = scalar_in(*bound, t);
  } else {
    return std::nullopt;
  }
  int y = operand(0, t);
  if (lo) y = ir.where(ir.binary(KOp::Lt, y, c(*lo)), c(*lo), y);
  if (hi) y = ir.where(ir.binary(KOp::Lt, c(*hi), y), c(*hi), y);
  return y;
}

// `kernel_strides` of an input: its strides over the kernel's `shape` (right-aligned), 0 where it broadcasts and
// where the kernel's size is 1.
std::vector<int64_t> kernel_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef shape) {
  const size_t rank = shape.size(), offset = rank - sizes.size();
  std::vector<int64_t> out(rank, 0);
  for (size_t d = offset; d < rank; ++d)
    if (shape[d] != 1 && sizes[d - offset] != 1) out[d] = strides[d - offset];
  return out;
}

StrideClass class_of(int64_t stride, size_t d, size_t rank) {
  if (stride == 0) return StrideClass::Broadcast;
  return stride == 1 && d + 1 == rank ? StrideClass::Contiguous : StrideClass::Strided;
}

// The kernel shape: the traced output sizes, with a leading 1 for a 0-d result.
DimVector kernel_shape(IntArrayRef sizes) {
  DimVector shape(sizes);
  if (shape.empty()) shape.push_back(1);
  return shape;
}

std::vector<StrideClass> output_classes(int rank) {
  std::vector<StrideClass> c(size_t(rank), StrideClass::Strided);
  c.back() = StrideClass::Contiguous;
  return c;
}

enum class RowOp { Softmax, LogSoftmax, Sum, Mean, AMax, LayerNorm };

// native_layer_norm over the last dim: inputs {x, weight?, bias?} as its mask attr says, weight and bias of the
// row's length and x's dtype; outputs (y, mean, rstd).
bool layer_norm_rows(const Node& node) {
  if (node.attrs.size() < 3 || !std::holds_alternative<DimVector>(node.attrs[0]) ||
      !std::holds_alternative<double>(node.attrs[1]) || !std::holds_alternative<int64_t>(node.attrs[2])) {
    return false;
  }
  const int64_t mask = std::get<int64_t>(node.attrs[2]);
  const TensorMeta& x = meta_of(node.inputs[0]);
  if (std::get<DimVector>(node.attrs[0]).size() != 1 || mask < 0 || mask > 3) return false;
  if (node.inputs.size() != size_t(1 + (mask & 1) + (mask >> 1)) || node.outputs.size() != 3) return false;
  for (size_t i = 1; i < node.inputs.size(); ++i) {
    const TensorMeta& p = meta_of(node.inputs[i]);
    if (p.dtype != x.dtype || !p.device.is_cpu() || p.sizes.size() != 1 || p.sizes[0] != x.sizes.back()) return false;
  }
  for (size_t k = 0; k < 3; ++k)
    if (node.meta(k).dtype != x.dtype || !is_contiguous_meta(node.meta(k))) return false;
  return true;
}

// The row reduction `node` computes, or nullopt (see is_row_reduction).
std::optional<RowOp> row_op(const Node& node) {
  if (node.opcode != Opcode::CallOp || node.op == nullptr || node.op->kind != OpKind::Compute) return std::nullopt;
  if (!node.symbolic_attrs.empty() || node.inputs.empty()) return std::nullopt;
  const std::string_view name = node.op->name;
  std::optional<RowOp> op;
  if (name == "native_layer_norm") op = RowOp::LayerNorm;
  else if (node.outputs.size() != 1 || node.inputs.size() != 1) return std::nullopt;
  if (name == "softmax.int") op = RowOp::Softmax;
  else if (name == "log_softmax.int") op = RowOp::LogSoftmax;
  else if (name == "sum.dim_IntList") op = RowOp::Sum;
  else if (name == "mean.dim") op = RowOp::Mean;
  else if (name == "amax") op = RowOp::AMax;
  if (!op) return std::nullopt;
  const TensorMeta& in = meta_of(node.inputs[0]);
  const TensorMeta& out = node.meta();
  const int64_t rank = int64_t(in.sizes.size());
  if (rank < 1 || rank > kMaxKernelRank || !in.device.is_cpu() || !out.device.is_cpu()) return std::nullopt;
  if (in.dtype != ScalarType::Float && in.dtype != ScalarType::Double) return std::nullopt;
  if (out.dtype != in.dtype || !is_contiguous_meta(out)) return std::nullopt;
  if (*op == RowOp::LayerNorm) return layer_norm_rows(node) ? op : std::nullopt;
  auto last_dim = [&](int64_t d) { return d == -1 || d == rank - 1; };
  if (*op == RowOp::Softmax || *op == RowOp::LogSoftmax) {
    if (node.attrs.empty() || !std::holds_alternative<int64_t>(node.attrs[0])) return std::nullopt;
    if (!last_dim(std::get<int64_t>(node.attrs[0]))) return std::nullopt;
    if (node.attrs.size() > 1 && !attr_is_none(node, 1)) {
      const ScalarType* dtype = std::get_if<ScalarType>(&node.attrs[1]);
      if (dtype == nullptr || *dtype != in.dtype) return std::nullopt;
    }
    return op;
  }
  // reductions: {dim: int[], keepdim: bool, dtype?}
  if (node.attrs.size() < 2 || !std::holds_alternative<DimVector>(node.attrs[0]) ||
      !std::holds_alternative<bool>(node.attrs[1])) {
    return std::nullopt;
  }
  const DimVector& dims = std::get<DimVector>(node.attrs[0]);
  if (dims.size() != 1 || !last_dim(dims[0])) return std::nullopt;
  if (node.attrs.size() > 2 && !attr_is_none(node, 2)) {
    const ScalarType* dtype = std::get_if<ScalarType>(&node.attrs[2]);
    if (dtype == nullptr || *dtype != in.dtype) return std::nullopt;
  }
  return op;
}

bool row_keepdim(const Node& node) {
  return node.attrs.size() > 1 && std::holds_alternative<bool>(node.attrs[1]) && std::get<bool>(node.attrs[1]);
}

// The kernel of a row group: softmax as max, then sum(exp(x - max)), then exp(x - max) / sum (log_softmax:
// x - max - log(sum)); sum, mean and amax in one pass to an output with a broadcast last dim; layer_norm as mean,
// then the biased variance of x - mean, then (x - mean) * rstd * w + b, in float64 as eager's kernel computes it.
KernelIR lower_row(const FusionGroup& group, const std::vector<std::vector<StrideClass>>& input_classes) {
  const Node& node = *group.nodes.front();
  const RowOp op = *row_op(node);
  const ScalarType dtype = meta_of(group.inputs[0]).dtype;
  const KType t = dtype == ScalarType::Double ? KType::F64 : KType::F32;
  KernelIR ir(group.rank);
  const int bx = ir.add_input(dtype, input_classes[0]);
  std::vector<StrideClass> oc = output_classes(group.rank);
  const bool per_element = op == RowOp::Softmax || op == RowOp::LogSoftmax || op == RowOp::LayerNorm;
  if (!per_element) oc.back() = StrideClass::Broadcast;
  if (op == RowOp::LayerNorm) {
    const int64_t mask = std::get<int64_t>(node.attrs[2]);
    const double eps = std::get<double>(node.attrs[1]);
    const KType f = KType::F64;
    int bw = -1, bb = -1;
    if (mask & 1) bw = ir.add_input(dtype, input_classes[1]);
    if (mask & 2) bb = ir.add_input(dtype, input_classes[(mask & 1) ? 2 : 1]);
    const int by = ir.add_output(dtype, oc);
    std::vector<StrideClass> stat = oc;
    stat.back() = StrideClass::Broadcast;
    const int bmean = ir.add_output(dtype, stat), brstd = ir.add_output(dtype, stat);
    const int mean = ir.binary(KOp::Div, ir.reduce(KReduce::Sum, ir.load(bx, f)), ir.row_size(f));
    ir.next_phase();
    const int c = ir.binary(KOp::Sub, ir.load(bx, f), mean);
    const int var = ir.binary(KOp::Div, ir.reduce(KReduce::Sum, ir.binary(KOp::Mul, c, c)), ir.row_size(f));
    const int rstd = ir.binary(KOp::Div, ir.constant(1, f),
                               ir.unary(KOp::Sqrt, ir.binary(KOp::Add, var, ir.constant(eps, f))));
    ir.next_phase();
    int y = ir.binary(KOp::Mul, ir.binary(KOp::Sub, ir.load(bx, f), mean), rstd);
    if (bw >= 0) y = ir.binary(KOp::Mul, y, ir.load(bw, f));
    if (bb >= 0) y = ir.binary(KOp::Add, y, ir.load(bb, f));
    ir.store(by, y);
    ir.store(bmean, mean);
    ir.store(brstd, rstd);
    return ir;
  }
  const int bo = ir.add_output(node.meta().dtype, oc);
  switch (op) {
    case RowOp::Softmax: case RowOp::LogSoftmax: {
      const int m = ir.reduce(KReduce::Max, ir.load(bx, t));
      ir.next_phase();
      const int s = ir.reduce(KReduce::Sum, ir.unary(KOp::Exp, ir.binary(KOp::Sub, ir.load(bx, t), m)));
      ir.next_phase();
      const int xm = ir.binary(KOp::Sub, ir.load(bx, t), m);
      ir.store(bo, op == RowOp::LogSoftmax ? ir.binary(KOp::Sub, xm, ir.unary(KOp::Log, s))
                                           : ir.binary(KOp::Div, ir.unary(KOp::Exp, xm), s));
      break;
    }
    case RowOp::Sum: ir.store(bo, ir.reduce(KReduce::Sum, ir.load(bx, t))); break;
    case RowOp::Mean:
      ir.store(bo, ir.binary(KOp::Div, ir.reduce(KReduce::Sum, ir.load(bx, t)), ir.row_size(t)));
      break;
    case RowOp::AMax: ir.store(bo, ir.reduce(KReduce::Max, ir.load(bx, t))); break;
    case RowOp::LayerNorm: break;
  }
  return ir;
}

}  // namespace

bool is_row_reduction(const Node& node) { return row_op(node).has_value(); }

int64_t FusionPlan::eager_count() const {
  int64_t n = 0;
  for (const Step& s : steps) n += s.group < 0;
  return n;
}

std::string FusionPlan::str() const {
  std::string s;
  for (const Step& step : steps) {
    if (step.group < 0) {
      s += fmt::format("eager: {}\n", step.node->name);
      continue;
    }
    const FusionGroup& g = groups[size_t(step.group)];
    std::vector<std::string> nodes, inputs, outputs;
    for (const Node* n : g.nodes) nodes.push_back(n->name);
    for (const Value& v : g.inputs) inputs.push_back(v.node->name);
    for (const Value& v : g.outputs) outputs.push_back(v.node->name);
    s += fmt::format("kernel {}: {} (inputs {}; outputs {})\n", step.group, fmt::join(nodes, ", "),
                     fmt::join(inputs, ", "), fmt::join(outputs, ", "));
  }
  return s;
}

bool is_fusible(const Node& node) {
  if (node.opcode != Opcode::CallOp || node.op == nullptr || node.op->kind != OpKind::Compute) return false;
  if (node.op->fusion != FusionClass::Pointwise || has_side_effects(*node.op) || draws_random(*node.op)) return false;
  if (!node.symbolic_attrs.empty() || node.outputs.size() != 1 || !is_contiguous_meta(node.meta())) return false;
  if (!node.meta().device.is_cpu() || node.meta().sizes.size() > size_t(kMaxKernelRank)) return false;
  for (const Value& v : node.inputs)
    if (!meta_of(v).device.is_cpu() || meta_of(v).sizes.size() > node.meta().sizes.size()) return false;
  // Lower it into a scratch kernel: whatever the lowering accepts, the planner may fuse.
  try {
    KernelIR ir(std::max<int>(1, int(node.meta().sizes.size())));
    std::vector<int> buffers;
    for (const Value& v : node.inputs)
      buffers.push_back(ir.add_input(meta_of(v).dtype, std::vector<StrideClass>(size_t(ir.rank()), StrideClass::Strided)));
    const Operand operand = [&](size_t i, KType type) {
      const ScalarType dtype = meta_of(node.inputs[i]).dtype;
      if (type == KType::Bool && dtype != ScalarType::Bool && dtype != ScalarType::Byte)
        return ir.cast(ir.load(buffers[i], dtype == ScalarType::Double ? KType::F64 : KType::F32), KType::Bool);
      return ir.load(buffers[i], type);
    };
    return emit_node(ir, node, operand).has_value();
  } catch (const Error&) {
    return false;
  }
}

FusionPlan plan_fusion(const Graph& graph) {
  FusionPlan plan;
  std::unordered_map<const Node*, int> group_of;
  int open = -1;
  auto close = [&] {
    if (open < 0) return;
    FusionGroup& g = plan.groups[size_t(open)];
    for (const Node* n : g.nodes) {
      for (const Value& v : n->inputs) {
        auto it = group_of.find(v.node);
        const bool member = it != group_of.end() && it->second == open;
        if (!member && std::find(g.inputs.begin(), g.inputs.end(), v) == g.inputs.end()) g.inputs.push_back(v);
      }
      for (const Node* user : n->users) {
        auto it = group_of.find(user);
        if (it == group_of.end() || it->second != open) {
          g.outputs.push_back(Value{const_cast<Node*>(n), 0});
          break;
        }
      }
    }
    if (g.outputs.empty()) {
      plan.groups.pop_back();  // nothing reads it
    } else {
      plan.steps.push_back({open, nullptr});
    }
    open = -1;
  };
  for (const auto& owned : graph.nodes()) {
    const Node& node = *owned;
    if (node.opcode == Opcode::Output) close();
    if (node.opcode != Opcode::CallOp) continue;
    if (is_row_reduction(node)) {
      close();
      FusionGroup g;
      g.nodes.push_back(&node);
      g.inputs.assign(node.inputs.begin(), node.inputs.end());
      for (size_t k = 0; k < node.outputs.size(); ++k)
        g.outputs.push_back(Value{const_cast<Node*>(&node), uint32_t(k)});
      g.rank = int(meta_of(node.inputs[0]).sizes.size());
      g.row = true;
      group_of[&node] = int(plan.groups.size());
      plan.steps.push_back({int(plan.groups.size()), nullptr});
      plan.groups.push_back(std::move(g));
      continue;
    }
    if (is_fusible(node)) {
      if (open >= 0) {
        const Node& first = *plan.groups[size_t(open)].nodes.front();
        const bool same_shape = first.meta().sizes == node.meta().sizes && first.output_symbols == node.output_symbols;
        if (!same_shape) close();
      }
      if (open < 0) {
        open = int(plan.groups.size());
        plan.groups.emplace_back();
        plan.groups.back().rank = std::max<int>(1, int(node.meta().sizes.size()));
      }
      plan.groups[size_t(open)].nodes.push_back(&node);
      group_of[&node] = open;
      continue;
    }
    // Other nodes run where they stand: the open group runs first when they read it or write memory.
    bool ordered = node.is_inplace() || has_side_effects(*node.op);
    for (const Value& v : node.inputs) {
      auto it = group_of.find(v.node);
      ordered = ordered || (it != group_of.end() && it->second == open);
    }
    if (ordered) close();
    plan.steps.push_back({-1, &node});
  }
  close();
  return plan;
}

KernelIR lower_group(const FusionGroup& group, const std::vector<std::vector<StrideClass>>& input_classes) {
  if (group.row) return lower_row(group, input_classes);
  KernelIR ir(group.rank);
  std::vector<int> buffers;
  for (size_t i = 0; i < group.inputs.size(); ++i) buffers.push_back(ir.add_input(meta_of(group.inputs[i]).dtype, input_classes[i]));
  std::vector<int> out_buffers;
  for (const Value& v : group.outputs) out_buffers.push_back(ir.add_output(meta_of(v).dtype, output_classes(group.rank)));
  std::unordered_map<const Node*, std::pair<int, KType>> computed;
  std::map<std::pair<int, KType>, int> loads;
  auto load = [&](int buffer, KType type) {
    auto [it, added] = loads.try_emplace({buffer, type}, -1);
    if (!added) return it->second;
    const ScalarType dtype = ir.buffers()[size_t(buffer)].dtype;
    if (type == KType::Bool && dtype != ScalarType::Bool && dtype != ScalarType::Byte)
      it->second = ir.cast(ir.load(buffer, dtype == ScalarType::Double ? KType::F64 : KType::F32), KType::Bool);
    else
      it->second = ir.load(buffer, type);
    return it->second;
  };
  for (const Node* node : group.nodes) {
    const Operand operand = [&](size_t i, KType type) {
      const Value& v = node->inputs[i];
      if (auto it = computed.find(v.node); it != computed.end())
        return it->second.second == type ? it->second.first : ir.cast(it->second.first, type);
      const size_t k = size_t(std::find(group.inputs.begin(), group.inputs.end(), v) - group.inputs.begin());
      return load(buffers[k], type);
    };
    const std::optional<int> e = emit_node(ir, *node, operand);
    EMBER_CHECK(e.has_value(), "[compile] the cpu backend planned '{}' into a kernel but cannot lower it", node->name);
    computed[node] = {*e, *ktype_of(node->meta().dtype)};
  }
  for (size_t k = 0; k < group.outputs.size(); ++k) ir.store(out_buffers[k], computed.at(group.outputs[k].node).first);
  return ir;
}

namespace {

// One fusion group ready to run: its kernel for the traced layouts, and an all-strided variant for others.
class GroupKernel {
 public:
  GroupKernel(const FusionGroup& group, cpu::Isa isa) : group_(group), isa_(isa) {
    const DimVector shape =
        kernel_shape(group.row ? meta_of(group.inputs[0]).sizes : group.outputs.front().node->meta().sizes);
    for (const Value& v : group.inputs) {
      const TensorMeta& m = meta_of(v);
      const DimVector strides = m.strides.empty() ? ember::detail::contiguous_strides(m.sizes) : m.strides;
      const std::vector<int64_t> s = kernel_strides(m.sizes, strides, shape);
      std::vector<StrideClass> c;
      for (size_t d = 0; d < s.size(); ++d) c.push_back(class_of(s[d], d, s.size()));
      classes_.push_back(std::move(c));
    }
    kernel_ = cpu::compile_kernel(lower_group(group, classes_), isa_);
  }

  // Outputs for `inputs` (the group's inputs, in order).
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) {
    const int rank = group_.rank;
    DimVector shape(size_t(rank), 1);
    for (const Tensor& t : inputs) {
      const size_t offset = size_t(rank) - size_t(t.dim());
      EMBER_CHECK(t.dim() <= rank, "[compile] a fused kernel of rank {} got an input of rank {}", rank, t.dim());
      for (size_t d = offset; d < size_t(rank); ++d) {
        const int64_t s = t.sizes()[d - offset];
        if (s == 1) continue;
        EMBER_CHECK(shape[d] == 1 || shape[d] == s,
                    "[compile] a fused kernel's inputs do not broadcast: size {} against {} at dim {}", s, shape[d], d);
        shape[d] = s;
      }
    }
    const size_t out_rank = group_.outputs.front().node->meta().sizes.size();
    // A row reduction's output: the row's dim kept as 1 or dropped.
    const std::optional<RowOp> row = group_.row ? row_op(*group_.nodes.front()) : std::nullopt;
    const bool reduces = row && *row != RowOp::Softmax && *row != RowOp::LogSoftmax && *row != RowOp::LayerNorm;
    const bool stats = row && *row == RowOp::LayerNorm;  // outputs 1 and 2 hold one element per row
    DimVector out_shape(shape);
    if (reduces || stats) {
      out_shape.back() = 1;
      if (reduces && !row_keepdim(*group_.nodes.front())) out_shape.pop_back();
    }
    const IntArrayRef out_sizes = reduces ? IntArrayRef(out_shape) : IntArrayRef(shape).slice(size_t(rank) - out_rank);
    auto per_row = [&](size_t k) { return reduces || (stats && k > 0); };
    std::vector<Tensor> outputs;
    for (size_t k = 0; k < group_.outputs.size(); ++k)
      outputs.push_back(ember::empty(per_row(k) ? IntArrayRef(out_shape) : out_sizes,
                                     TensorOptions(meta_of(group_.outputs[k]).dtype)));
    const int64_t rows = ember::detail::product(IntArrayRef(shape).slice(0, size_t(rank) - 1));
    if ((reduces || stats) && rows > 0 && shape.back() == 0) {
      EMBER_CHECK(*row != RowOp::AMax,
                  "[amax] Expected reduction dim {} to have non-zero size; the input's last dim is empty", rank - 1);
    } else if (ember::detail::product(shape) == 0) {
      return outputs;
    }

    KernelArgs args;
    args.sizes.assign(shape.begin(), shape.end());
    bool matches = true;
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<int64_t> s = kernel_strides(inputs[i].sizes(), inputs[i].strides(), shape);
      for (size_t d = 0; d < s.size(); ++d) {
        const StrideClass c = classes_[i][d];
        if (shape[d] <= 1) s[d] = c == StrideClass::Contiguous ? 1 : 0;
        else if (c == StrideClass::Contiguous ? s[d] != 1 : c == StrideClass::Broadcast ? s[d] != 0 : false) matches = false;
      }
      args.data.push_back(inputs[i].data_ptr());
      args.strides.push_back(std::move(s));
    }
    const DimVector contiguous = ember::detail::contiguous_strides(shape);
    const std::vector<int64_t> out_strides(contiguous.begin(), contiguous.end());
    DimVector keep(shape);
    keep.back() = 1;
    const DimVector c = ember::detail::contiguous_strides(keep);
    std::vector<int64_t> row_strides(c.begin(), c.end());  // one element per row
    row_strides.back() = 0;
    for (size_t k = 0; k < outputs.size(); ++k) {
      args.data.push_back(outputs[k].data_ptr());
      args.strides.push_back(per_row(k) ? row_strides : out_strides);
    }
    (matches ? kernel_ : strided_kernel()).run(args);
    return outputs;
  }

 private:
  const cpu::CpuKernel& strided_kernel() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!strided_.valid()) {
      std::vector<std::vector<StrideClass>> all(classes_.size(),
                                                std::vector<StrideClass>(size_t(group_.rank), StrideClass::Strided));
      strided_ = cpu::compile_kernel(lower_group(group_, all), isa_);
    }
    return strided_;
  }

  FusionGroup group_;
  cpu::Isa isa_;
  std::vector<std::vector<StrideClass>> classes_;
  cpu::CpuKernel kernel_;
  std::mutex mutex_;
  cpu::CpuKernel strided_;
};

// The graph as a register machine (as the eager backend runs it) whose instructions are eager nodes or kernels.
class CpuGraph final : public CompiledGraph {
 public:
  CpuGraph(const Graph& graph, FusionPlan plan) : plan_(std::move(plan)) {
    const cpu::Isa isa = cpu::isa_from_env();
    for (const FusionGroup& g : plan_.groups) kernels_.push_back(std::make_unique<GroupKernel>(g, isa));
    std::unordered_map<const Node*, int> first_register;
    for (const auto& owned : graph.nodes()) {
      const Node& node = *owned;
      if (node.opcode == Opcode::Placeholder) placeholders_.emplace_back(node.input_index, registers_);
      if (node.opcode == Opcode::GetAttr) constants_.emplace_back(registers_, node.constant);
      if (node.opcode == Opcode::Output) {
        for (const Value& v : node.inputs) {
          outputs_.push_back(first_register.at(v.node) + int(v.index));
          fresh_.push_back(v.node->opcode == Opcode::GetAttr && v.node->folded);
        }
        continue;
      }
      first_register[&node] = registers_;
      registers_ += int(node.outputs.size());
    }
    auto reg = [&](const Value& v) { return first_register.at(v.node) + int(v.index); };
    for (const FusionPlan::Step& step : plan_.steps) {
      Instruction ins;
      ins.node = step.node;
      ins.group = step.group;
      if (step.node != nullptr) {
        for (const Value& v : step.node->inputs) ins.inputs.push_back(reg(v));
        for (size_t k = 0; k < step.node->outputs.size(); ++k) ins.outputs.push_back(reg(Value{const_cast<Node*>(step.node), uint32_t(k)}));
      } else {
        const FusionGroup& g = plan_.groups[size_t(step.group)];
        for (const Value& v : g.inputs) ins.inputs.push_back(reg(v));
        for (const Value& v : g.outputs) ins.outputs.push_back(reg(v));
      }
      code_.push_back(std::move(ins));
    }
    plan_releases(code_, outputs_, registers_);
  }

  std::vector<Tensor> run(ArrayRef<Tensor> inputs, ArrayRef<int64_t> symbol_values) override {
    std::vector<Tensor> regs(static_cast<size_t>(registers_));
    for (const auto& [index, reg] : placeholders_) regs[size_t(reg)] = inputs[size_t(index)];
    for (const auto& [reg, tensor] : constants_) regs[size_t(reg)] = tensor;
    std::vector<Tensor> operands;
    for (const Instruction& ins : code_) {
      if (ins.group >= 0) {
        operands.clear();
        for (int r : ins.inputs) operands.push_back(regs[size_t(r)]);
        std::vector<Tensor> out = kernels_[size_t(ins.group)]->run(operands);
        for (size_t k = 0; k < out.size(); ++k) regs[size_t(ins.outputs[k])] = std::move(out[k]);
      } else {
        OpCall call;
        for (int r : ins.inputs) call.inputs.push_back(regs[size_t(r)]);
        Outputs out = run_node(*ins.node, call, symbol_values);
        for (size_t k = 0; k < ins.outputs.size(); ++k) regs[size_t(ins.outputs[k])] = std::move(out[k]);
      }
      for (int r : ins.release) regs[size_t(r)] = Tensor();
    }
    std::vector<Tensor> results;
    results.reserve(outputs_.size());
    for (size_t k = 0; k < outputs_.size(); ++k)
      results.push_back(fresh_[k] ? regs[size_t(outputs_[k])].clone() : regs[size_t(outputs_[k])]);
    return results;
  }

 private:
  struct Instruction {
    const Node* node = nullptr;  // an eager node, or
    int group = -1;              // a kernel
    SmallVector<int, 4> inputs;
    SmallVector<int, 2> outputs;
    SmallVector<int, 2> release;
  };
  FusionPlan plan_;
  std::vector<std::unique_ptr<GroupKernel>> kernels_;
  std::vector<Instruction> code_;
  std::vector<std::pair<int, int>> placeholders_;
  std::vector<std::pair<int, Tensor>> constants_;
  std::vector<int> outputs_;
  std::vector<bool> fresh_;
  int registers_ = 0;
};

}  // namespace

std::unique_ptr<CompiledGraph> compile_cpu(Graph& graph) {
  // Fused kernels record no autograd: graphs autograd will differentiate replay as traced.
  if (GradMode::is_enabled() && graph_needs_grad(graph)) return make_eager_graph(graph);
  Graph original = graph.clone();
  try {
    run_default_passes(graph);
  } catch (const Error& e) {
    log_line(LogKind::PerfHints, std::string("graph passes skipped: ") + e.what());
    graph = std::move(original);
  }
  FusionPlan plan = plan_fusion(graph);
  if (log_enabled(LogKind::OutputCode))
    log_line(LogKind::OutputCode, fmt::format("cpu backend: {} kernels, {} eager nodes\n{}", plan.kernel_count(),
                                              plan.eager_count(), plan.str()));
  return std::make_unique<CpuGraph>(graph, std::move(plan));
}

}  // namespace ember::jit
