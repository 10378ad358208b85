// Pointwise ops through the registry: binary arithmetic and comparisons (tensor and scalar forms,
// in-place variants), unary math, and where — with broadcasting and PyTorch's type promotion.
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

using kernels::cpu::BinaryOp;
using kernels::cpu::UnaryOp;
using detail::broadcast_view;
using detail::strided_view;


// ---- binary: call layout ----
// Tensor form: inputs {self, other}, attrs {alpha: Scalar, rounding_mode: string|None}.
// Scalar form: inputs {self}, attrs {other: Scalar, alpha: Scalar, rounding_mode: string|None, reverse: bool}
// (reverse computes other op self, as in 2 - x).

BinaryOp resolve_div(BinaryOp op, const OpCall& call, size_t mode_attr) {
  if (op != BinaryOp::Div || !call.has(mode_attr)) return op;
  const std::string& mode = call.string_attr(mode_attr);
  if (mode == "trunc") return BinaryOp::DivTrunc;
  if (mode == "floor") return BinaryOp::DivFloor;
  EMBER_FAIL("[div] expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{}'", mode);
}

// The dtype the kernel computes in, and the dtype of the result.
struct BinaryTypes {
  ScalarType compute, result;
};

BinaryTypes binary_types(BinaryOp op, ScalarType promoted) {
  if (kernels::cpu::is_comparison(op)) return {promoted, kBool};
  if (op == BinaryOp::Div && !is_floating_point(promoted)) return {get_default_dtype(), get_default_dtype()};
  return {promoted, promoted};
}

void check_binary(BinaryOp op, ScalarType promoted, const Scalar& alpha, bool has_alpha, std::string_view name) {
  if (op == BinaryOp::Sub)
    EMBER_CHECK(promoted != kBool,
                "[{}] Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.",
                name);
  if (has_alpha && (op == BinaryOp::Add || op == BinaryOp::Sub)) {
    EMBER_CHECK(!(is_integral(promoted, true) && alpha.isFloatingPoint()),
                "[{}] For integral input tensors, argument alpha must not be a floating point number.", name);
    EMBER_CHECK(promoted == kBool || !alpha.isBoolean(),
                "[{}] Boolean alpha only supported for Boolean results.", name);
  }
  if ((op == BinaryOp::DivTrunc || op == BinaryOp::DivFloor) && promoted == kBool)
    EMBER_FAIL("[{}] rounding division is not supported for bool tensors; convert them with .to(kInt) first.", name);
}

void binary_tensor_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 1);
  const ScalarType promoted = detail::result_type({a, b});
  check_binary(op, promoted, call.scalar_attr(0), true, def.name);
  out.push_back({detail::broadcast_shape(def.name, a.sizes(), b.sizes()), {}, 0, binary_types(op, promoted).result,
                 a.device()});
}

void binary_scalar_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 2);
  detail::ResultTypeState state;
  state.add(a);
  state.add(call.scalar_attr(0));
  const ScalarType promoted = state.result();
  check_binary(op, promoted, call.scalar_attr(1), true, def.name);
  out.push_back({DimVector(a.sizes()), {}, 0, binary_types(op, promoted).result, a.device()});
}

// Runs the kernel into `out`, through a temporary when out's dtype is not the kernel's
// (an in-place op whose target has a narrower dtype than the computation).
template <typename Run>
void run_into(Tensor& out, ScalarType kernel_out_dtype, Run run) {
  if (out.dtype() == kernel_out_dtype) {
    run(strided_view(out));
    return;
  }
  Tensor tmp = detail::make_tensor(out.sizes(), kernel_out_dtype, out.device());
  run(strided_view(tmp));
  kernels::cpu::copy(strided_view(out), strided_view(tmp));
}

void check_integer_divisor(BinaryOp op, ScalarType compute, const kernels::StridedView& divisor, std::string_view name) {
  if ((op == BinaryOp::DivTrunc || op == BinaryOp::DivFloor) && is_integral(compute, false))
    EMBER_CHECK(!kernels::cpu::any_zero(divisor), "[{}] ZeroDivisionError: integer division by zero", name);
}

kernels::cpu::ScalarArg scalar_arg(const Scalar& s) { return {s.toDouble(), s.toLong()}; }

void binary_tensor_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 1);
  const ScalarType promoted = detail::result_type({call.input(0), call.input(1)});
  const BinaryTypes types = binary_types(op, promoted);
  const Tensor a = detail::cast_to(call.input(0), types.compute);
  const Tensor b = detail::cast_to(call.input(1), types.compute);
  Tensor& out = outputs[0];
  // Reading an input that the output overlaps in another layout would see partial writes.
  const bool overlap_a = a.is_alias_of(out) && !a.is_same(out);
  const bool overlap_b = b.is_alias_of(out) && !b.is_same(out);
  const Tensor aa = overlap_a ? a.clone() : a, bb = overlap_b ? b.clone() : b;
  const auto bv = broadcast_view(bb, out.sizes());
  check_integer_divisor(op, types.compute, bv, def.name);
  const auto av = broadcast_view(aa, out.sizes());
  run_into(out, kernels::cpu::is_comparison(op) ? kBool : types.compute,
           [&](const kernels::StridedView& ov) { kernels::cpu::binary(op, ov, av, bv, scalar_arg(call.scalar_attr(0))); });
}

void binary_scalar_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 2);
  const Scalar& other = call.scalar_attr(0);
  const bool reverse = call.bool_attr(3);
  detail::ResultTypeState state;
  state.add(call.input(0));
  state.add(other);
  const BinaryTypes types = binary_types(op, state.result());
  const Tensor a = detail::cast_to(call.input(0), types.compute);
  Tensor& out = outputs[0];
  // The scalar, converted to the compute dtype, broadcast with zero strides.
  alignas(8) unsigned char buffer[8] = {};
  kernels::cpu::store_scalar(buffer, types.compute, scalar_arg(other));
  const kernels::StridedView sv{buffer, types.compute, DimVector(out.sizes()), DimVector(out.sizes().size(), 0)};
  const auto av = broadcast_view(a, out.sizes());
  check_integer_divisor(op, types.compute, reverse ? av : sv, def.name);
  run_into(out, kernels::cpu::is_comparison(op) ? kBool : types.compute, [&](const kernels::StridedView& ov) {
    if (reverse) kernels::cpu::binary(op, ov, sv, av, scalar_arg(call.scalar_attr(1)));
    else kernels::cpu::binary(op, ov, av, sv, scalar_arg(call.scalar_attr(1)));
  });
}

constexpr const char* kBinarySchema = "(Tensor self, Tensor other, *, Scalar alpha=1, str? rounding_mode=None) -> Tensor";
constexpr const char* kBinaryScalarSchema =
    "(Tensor self, Scalar other, *, Scalar alpha=1, str? rounding_mode=None, bool reverse=False) -> Tensor";

#define EMBER_BINARY_DEFS(name, op)                                                                             \
  const OpDef name##_tensor{#name ".Tensor", kBinarySchema, OpKind::Compute, FusionClass::Pointwise,             \
                            binary_tensor_meta, binary_tensor_kernel, nullptr, nullptr, nullptr, int32_t(op)};   \
  const OpDef name##_scalar{#name ".Scalar", kBinaryScalarSchema, OpKind::Compute, FusionClass::Pointwise,       \
                            binary_scalar_meta, binary_scalar_kernel, nullptr, nullptr, nullptr, int32_t(op)};   \
  const OpDef name##__tensor{#name "_.Tensor", kBinarySchema, OpKind::InPlace, FusionClass::Pointwise,           \
                             binary_tensor_meta, binary_tensor_kernel, nullptr, nullptr, nullptr, int32_t(op)};  \
  const OpDef name##__scalar{#name "_.Scalar", kBinaryScalarSchema, OpKind::InPlace, FusionClass::Pointwise,     \
                             binary_scalar_meta, binary_scalar_kernel, nullptr, nullptr, nullptr, int32_t(op)};

EMBER_BINARY_DEFS(add, BinaryOp::Add)
EMBER_BINARY_DEFS(sub, BinaryOp::Sub)
EMBER_BINARY_DEFS(mul, BinaryOp::Mul)
EMBER_BINARY_DEFS(div, BinaryOp::Div)
EMBER_BINARY_DEFS(eq, BinaryOp::Eq)
EMBER_BINARY_DEFS(ne, BinaryOp::Ne)
EMBER_BINARY_DEFS(lt, BinaryOp::Lt)
EMBER_BINARY_DEFS(le, BinaryOp::Le)
EMBER_BINARY_DEFS(gt, BinaryOp::Gt)
EMBER_BINARY_DEFS(ge, BinaryOp::Ge)
#undef EMBER_BINARY_DEFS

Attr mode_attr(std::optional<std::string_view> mode) {
  return mode ? Attr(std::string(*mode)) : Attr(std::monostate{});
}

Tensor call_binary(const OpDef& def, const Tensor& a, const Tensor& b, const Scalar& alpha = 1,
                   std::optional<std::string_view> mode = std::nullopt) {
  OpCall call{{a, b}, {alpha, mode_attr(mode)}};
  return dispatch_one(def, call);
}

Tensor call_binary(const OpDef& def, const Tensor& a, const Scalar& b, const Scalar& alpha = 1,
                   std::optional<std::string_view> mode = std::nullopt, bool reverse = false) {
  OpCall call{{a}, {b, alpha, mode_attr(mode), reverse}};
  return dispatch_one(def, call);
}

// ---- unary ----

bool promotes_to_float(UnaryOp op) {
  return op == UnaryOp::Exp || op == UnaryOp::Log || op == UnaryOp::Sqrt || op == UnaryOp::Sigmoid ||
         op == UnaryOp::Tanh;
}

void unary_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const UnaryOp op = UnaryOp(def.code);
  if (op == UnaryOp::Neg)
    EMBER_CHECK(a.dtype() != kBool,
                "[{}] Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead.",
                def.name);
  if (op == UnaryOp::Relu || op == UnaryOp::Abs)
    EMBER_CHECK(a.dtype() != kBool, "[{}] is not supported for bool tensors; convert with .to(kInt) first.", def.name);
  const ScalarType dtype = promotes_to_float(op) && !is_floating_point(a.dtype()) ? get_default_dtype() : a.dtype();
  out.push_back({DimVector(a.sizes()), {}, 0, dtype, a.device()});
}

void unary_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const UnaryOp op = UnaryOp(def.code);
  const Tensor& in = call.input(0);
  const ScalarType compute = promotes_to_float(op) && !is_floating_point(in.dtype()) ? get_default_dtype() : in.dtype();
  const Tensor a = detail::cast_to(in, compute);
  Tensor& out = outputs[0];
  const auto av = strided_view(a);
  run_into(out, compute, [&](const kernels::StridedView& ov) { kernels::cpu::unary(op, ov, av); });
}

#define EMBER_UNARY_DEFS(name, op)                                                                             \
  const OpDef name##_def{#name, "(Tensor self) -> Tensor", OpKind::Compute, FusionClass::Pointwise, unary_meta, \
                         unary_kernel, nullptr, nullptr, nullptr, int32_t(op)};                                \
  const OpDef name##__def{#name "_", "(Tensor(a!) self) -> Tensor(a!)", OpKind::InPlace, FusionClass::Pointwise, \
                          unary_meta, unary_kernel, nullptr, nullptr, nullptr, int32_t(op)};

EMBER_UNARY_DEFS(neg, UnaryOp::Neg)
EMBER_UNARY_DEFS(abs, UnaryOp::Abs)
EMBER_UNARY_DEFS(exp, UnaryOp::Exp)
EMBER_UNARY_DEFS(log, UnaryOp::Log)
EMBER_UNARY_DEFS(sqrt, UnaryOp::Sqrt)
EMBER_UNARY_DEFS(relu, UnaryOp::Relu)
EMBER_UNARY_DEFS(sigmoid, UnaryOp::Sigmoid)
EMBER_UNARY_DEFS(tanh, UnaryOp::Tanh)
#undef EMBER_UNARY_DEFS

Tensor call_unary(const OpDef& def, const Tensor& a) {
  OpCall call{{a}, {}};
  return dispatch_one(def, call);
}

// ---- where ----

void where_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& cond = call.input(0);
  EMBER_CHECK(cond.dtype() == kBool,
              "[where] expected condition to be a boolean tensor, but got a tensor with dtype {}. Compare it first, "
              "e.g. where(x > 0, a, b).",
              to_string(cond.dtype()));
  DimVector shape = detail::broadcast_shape(def.name, cond.sizes(), call.input(1).sizes());
  shape = detail::broadcast_shape(def.name, shape, call.input(2).sizes());
  out.push_back({shape, {}, 0, detail::result_type({call.input(1), call.input(2)}), cond.device()});
}

void where_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const Tensor a = detail::cast_to(call.input(1), out.dtype());
  const Tensor b = detail::cast_to(call.input(2), out.dtype());
  kernels::cpu::where(strided_view(out), broadcast_view(call.input(0), out.sizes()), broadcast_view(a, out.sizes()),
                      broadcast_view(b, out.sizes()));
}

const OpDef where_def{"where.self", "(Tensor condition, Tensor self, Tensor other) -> Tensor", OpKind::Compute,
                      FusionClass::Pointwise, where_meta, where_kernel};

// A C++ scalar as a 0-d tensor: a float counts as the default dtype and an integer as
// int64, which promotes exactly as a weak scalar does.
Tensor scalar_operand(const Scalar& s) {
  const ScalarType t = s.isFloatingPoint() ? get_default_dtype() : s.type();
  return scalar_tensor(s, TensorOptions(t));
}

}  // namespace

void register_pointwise_ops(OpRegistry& r) {
  for (const OpDef* d : {&add_tensor, &add_scalar, &add__tensor, &add__scalar, &sub_tensor, &sub_scalar, &sub__tensor,
                         &sub__scalar, &mul_tensor, &mul_scalar, &mul__tensor, &mul__scalar, &div_tensor, &div_scalar,
                         &div__tensor, &div__scalar, &eq_tensor, &eq_scalar, &eq__tensor, &eq__scalar, &ne_tensor,
                         &ne_scalar, &ne__tensor, &ne__scalar, &lt_tensor, &lt_scalar, &lt__tensor, &lt__scalar,
                         &le_tensor, &le_scalar, &le__tensor, &le__scalar, &gt_tensor, &gt_scalar, &gt__tensor,
                         &gt__scalar, &ge_tensor, &ge_scalar, &ge__tensor, &ge__scalar, &neg_def, &neg__def, &abs_def,
                         &abs__def, &exp_def, &exp__def, &log_def, &log__def, &sqrt_def, &sqrt__def, &relu_def,
                         &relu__def, &sigmoid_def, &sigmoid__def, &tanh_def, &tanh__def, &where_def})
    r.add(d);
}

// ---- free functions ----

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) { return call_binary(add_tensor, a, b, alpha); }
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) { return call_binary(add_scalar, a, b, alpha); }
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) { return call_binary(sub_tensor, a, b, alpha); }
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) { return call_binary(sub_scalar, a, b, alpha); }
Tensor rsub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  // b - alpha * a: the reversed scalar form computes other - alpha * self.
  return call_binary(sub_scalar, a, b, alpha, std::nullopt, /*reverse=*/true);
}
Tensor mul(const Tensor& a, const Tensor& b) { return call_binary(mul_tensor, a, b); }
Tensor mul(const Tensor& a, const Scalar& b) { return call_binary(mul_scalar, a, b); }
Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> mode) {
  return call_binary(div_tensor, a, b, 1, mode);
}
Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> mode) {
  return call_binary(div_scalar, a, b, 1, mode);
}
Tensor div(const Scalar& a, const Tensor& b, std::optional<std::string_view> mode) {
  return call_binary(div_scalar, b, a, 1, mode, /*reverse=*/true);
}
Tensor eq(const Tensor& a, const Tensor& b) { return call_binary(eq_tensor, a, b); }
Tensor eq(const Tensor& a, const Scalar& b) { return call_binary(eq_scalar, a, b); }
Tensor ne(const Tensor& a, const Tensor& b) { return call_binary(ne_tensor, a, b); }
Tensor ne(const Tensor& a, const Scalar& b) { return call_binary(ne_scalar, a, b); }
Tensor lt(const Tensor& a, const Tensor& b) { return call_binary(lt_tensor, a, b); }
Tensor lt(const Tensor& a, const Scalar& b) { return call_binary(lt_scalar, a, b); }
Tensor le(const Tensor& a, const Tensor& b) { return call_binary(le_tensor, a, b); }
Tensor le(const Tensor& a, const Scalar& b) { return call_binary(le_scalar, a, b); }
Tensor gt(const Tensor& a, const Tensor& b) { return call_binary(gt_tensor, a, b); }
Tensor gt(const Tensor& a, const Scalar& b) { return call_binary(gt_scalar, a, b); }
Tensor ge(const Tensor& a, const Tensor& b) { return call_binary(ge_tensor, a, b); }
Tensor ge(const Tensor& a, const Scalar& b) { return call_binary(ge_scalar, a, b); }

Tensor neg(const Tensor& t) { return call_unary(neg_def, t); }
Tensor abs(const Tensor& t) { return call_unary(abs_def, t); }
Tensor exp(const Tensor& t) { return call_unary(exp_def, t); }
Tensor log(const Tensor& t) { return call_unary(log_def, t); }
Tensor sqrt(const Tensor& t) { return call_unary(sqrt_def, t); }
Tensor relu(const Tensor& t) { return call_unary(relu_def, t); }
Tensor sigmoid(const Tensor& t) { return call_unary(sigmoid_def, t); }
Tensor tanh(const Tensor& t) { return call_unary(tanh_def, t); }

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  OpCall call{{condition, a, b}, {}};
  return dispatch_one(where_def, call);
}
Tensor where(const Tensor& condition, const Scalar& a, const Tensor& b) { return where(condition, scalar_operand(a), b); }
Tensor where(const Tensor& condition, const Tensor& a, const Scalar& b) { return where(condition, a, scalar_operand(b)); }
Tensor where(const Tensor& condition, const Scalar& a, const Scalar& b) {
  return where(condition, scalar_operand(a), scalar_operand(b));
}

ScalarType result_type(const Tensor& a, const Tensor& b) { return detail::result_type({a, b}); }
ScalarType result_type(const Tensor& a, const Scalar& b) { return detail::result_type({a}, {b}); }

// ---- methods ----

Tensor Tensor::add(const Tensor& o, const Scalar& alpha) const { return ember::add(*this, o, alpha); }
Tensor Tensor::add(const Scalar& o, const Scalar& alpha) const { return ember::add(*this, o, alpha); }
Tensor Tensor::sub(const Tensor& o, const Scalar& alpha) const { return ember::sub(*this, o, alpha); }
Tensor Tensor::sub(const Scalar& o, const Scalar& alpha) const { return ember::sub(*this, o, alpha); }
Tensor Tensor::mul(const Tensor& o) const { return ember::mul(*this, o); }
Tensor Tensor::mul(const Scalar& o) const { return ember::mul(*this, o); }
Tensor Tensor::div(const Tensor& o, std::optional<std::string_view> m) const { return ember::div(*this, o, m); }
Tensor Tensor::div(const Scalar& o, std::optional<std::string_view> m) const { return ember::div(*this, o, m); }
Tensor& Tensor::add_(const Tensor& o, const Scalar& alpha) { call_binary(add__tensor, *this, o, alpha); return *this; }
Tensor& Tensor::add_(const Scalar& o, const Scalar& alpha) { call_binary(add__scalar, *this, o, alpha); return *this; }
Tensor& Tensor::sub_(const Tensor& o, const Scalar& alpha) { call_binary(sub__tensor, *this, o, alpha); return *this; }
Tensor& Tensor::sub_(const Scalar& o, const Scalar& alpha) { call_binary(sub__scalar, *this, o, alpha); return *this; }
Tensor& Tensor::mul_(const Tensor& o) { call_binary(mul__tensor, *this, o); return *this; }
Tensor& Tensor::mul_(const Scalar& o) { call_binary(mul__scalar, *this, o); return *this; }
Tensor& Tensor::div_(const Tensor& o, std::optional<std::string_view> m) {
  call_binary(div__tensor, *this, o, 1, m);
  return *this;
}
Tensor& Tensor::div_(const Scalar& o, std::optional<std::string_view> m) {
  call_binary(div__scalar, *this, o, 1, m);
  return *this;
}
Tensor Tensor::neg() const { return ember::neg(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor Tensor::exp() const { return ember::exp(*this); }
Tensor Tensor::log() const { return ember::log(*this); }
Tensor Tensor::sqrt() const { return ember::sqrt(*this); }
Tensor Tensor::relu() const { return ember::relu(*this); }
Tensor Tensor::sigmoid() const { return ember::sigmoid(*this); }
Tensor Tensor::tanh() const { return ember::tanh(*this); }
Tensor& Tensor::neg_() { call_unary(neg__def, *this); return *this; }
Tensor& Tensor::abs_() { call_unary(abs__def, *this); return *this; }
Tensor& Tensor::exp_() { call_unary(exp__def, *this); return *this; }
Tensor& Tensor::log_() { call_unary(log__def, *this); return *this; }
Tensor& Tensor::sqrt_() { call_unary(sqrt__def, *this); return *this; }
Tensor& Tensor::relu_() { call_unary(relu__def, *this); return *this; }
Tensor& Tensor::sigmoid_() { call_unary(sigmoid__def, *this); return *this; }
Tensor& Tensor::tanh_() { call_unary(tanh__def, *this); return *this; }
Tensor Tensor::eq(const Tensor& o) const { return ember::eq(*this, o); }
Tensor Tensor::eq(const Scalar& o) const { return ember::eq(*this, o); }
Tensor Tensor::ne(const Tensor& o) const { return ember::ne(*this, o); }
Tensor Tensor::ne(const Scalar& o) const { return ember::ne(*this, o); }
Tensor Tensor::lt(const Tensor& o) const { return ember::lt(*this, o); }
Tensor Tensor::lt(const Scalar& o) const { return ember::lt(*this, o); }
Tensor Tensor::le(const Tensor& o) const { return ember::le(*this, o); }
Tensor Tensor::le(const Scalar& o) const { return ember::le(*this, o); }
Tensor Tensor::gt(const Tensor& o) const { return ember::gt(*this, o); }
Tensor Tensor::gt(const Scalar& o) const { return ember::gt(*this, o); }
Tensor Tensor::ge(const Tensor& o) const { return ember::ge(*this, o); }
Tensor Tensor::ge(const Scalar& o) const { return ember::ge(*this, o); }

// ---- operators ----

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator+(const Tensor& a, const Scalar& b) { return add(a, b); }
Tensor operator+(const Scalar& a, const Tensor& b) { return add(b, a); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator-(const Tensor& a, const Scalar& b) { return sub(a, b); }
Tensor operator-(const Scalar& a, const Tensor& b) { return rsub(b, a); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator*(const Tensor& a, const Scalar& b) { return mul(a, b); }
Tensor operator*(const Scalar& a, const Tensor& b) { return mul(b, a); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator/(const Tensor& a, const Scalar& b) { return div(a, b); }
Tensor operator/(const Scalar& a, const Tensor& b) { return div(a, b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator==(const Tensor& a, const Scalar& b) { return eq(a, b); }
Tensor operator==(const Scalar& a, const Tensor& b) { return eq(b, a); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator!=(const Tensor& a, const Scalar& b) { return ne(a, b); }
Tensor operator!=(const Scalar& a, const Tensor& b) { return ne(b, a); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<(const Tensor& a, const Scalar& b) { return lt(a, b); }
Tensor operator<(const Scalar& a, const Tensor& b) { return gt(b, a); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator<=(const Tensor& a, const Scalar& b) { return le(a, b); }
Tensor operator<=(const Scalar& a, const Tensor& b) { return ge(b, a); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>(const Tensor& a, const Scalar& b) { return gt(a, b); }
Tensor operator>(const Scalar& a, const Tensor& b) { return lt(b, a); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator>=(const Tensor& a, const Scalar& b) { return ge(a, b); }
Tensor operator>=(const Scalar& a, const Tensor& b) { return le(b, a); }

}  // namespace ember
