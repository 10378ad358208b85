// Pointwise ops through the registry: the shared unary/binary machinery (broadcasting, PyTorch's type
// promotion and dtype rules, in-place forms), arithmetic, comparisons, basic unary math and where.
// The rest of the family (ops_pointwise_math.cpp) builds on the functions in ember::detail::pointwise here.
#include <cfloat>
#include <cmath>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace detail::pointwise {

using kernels::cpu::BinaryOp;
using kernels::cpu::PointwiseParams;
using kernels::cpu::TernaryOp;
using kernels::cpu::UnaryOp;

namespace {

// ---- dtype rules ----

// Which compute dtypes an op's kernel has, as a bit set over ScalarType.
using DtypeSet = uint16_t;
constexpr DtypeSet dtype_bit(ScalarType t) { return DtypeSet(1u << int(t)); }
constexpr DtypeSet kBoolDtypes = dtype_bit(ScalarType::Bool);
constexpr DtypeSet kIntDtypes = dtype_bit(ScalarType::Byte) | dtype_bit(ScalarType::Char) |
                                dtype_bit(ScalarType::Short) | dtype_bit(ScalarType::Int) | dtype_bit(ScalarType::Long);
constexpr DtypeSet kFloatDtypes = dtype_bit(ScalarType::Half) | dtype_bit(ScalarType::BFloat16) |
                                  dtype_bit(ScalarType::Float) | dtype_bit(ScalarType::Double);
constexpr DtypeSet kAllDtypes = kBoolDtypes | kIntDtypes | kFloatDtypes;

struct TypeRule {
  DtypeSet accepts = kAllDtypes;
  bool int_to_float = false;  // integer and bool operands compute in the default dtype (sin, div, atan2)
};

// The dtype the kernel computes in, and the dtype of the result.
struct PointwiseTypes {
  ScalarType compute, result;
};

void check_dtype(std::string_view op, DtypeSet accepts, ScalarType t) {
  if (accepts & dtype_bit(t)) return;
  const char* takes = "integer or floating point";
  const char* fix = "kInt";
  if (accepts == kFloatDtypes) takes = "floating point", fix = "kFloat";
  else if (accepts == (kIntDtypes | kBoolDtypes)) takes = "integer or bool", fix = "kLong";
  else if (accepts == kIntDtypes) takes = "integer", fix = "kLong";
  EMBER_FAIL("[{}] not implemented for '{}': the op takes {} tensors. Convert the input with .to({}) first.", op,
             to_string(t), takes, fix);
}

TypeRule binary_rule(BinaryOp op) {
  switch (op) {
    case BinaryOp::Div:
    case BinaryOp::Atan2: return {kAllDtypes, true};
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
    case BinaryOp::Pow: return {kIntDtypes | kFloatDtypes};
    case BinaryOp::BitwiseAnd:
    case BinaryOp::BitwiseOr:
    case BinaryOp::BitwiseXor: return {kIntDtypes | kBoolDtypes};
    case BinaryOp::LeftShift:
    case BinaryOp::RightShift: return {kIntDtypes};
    case BinaryOp::Lerp: return {kFloatDtypes};
    default: return {};
  }
}

TypeRule unary_rule(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg:
    case UnaryOp::Abs:
    case UnaryOp::Relu:
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round:
    case UnaryOp::Trunc:
    case UnaryOp::PowScalar:
    case UnaryOp::Clamp:
    case UnaryOp::ClampMin:
    case UnaryOp::ClampMax: return {kIntDtypes | kFloatDtypes};
    case UnaryOp::Sign:
    case UnaryOp::NanToNum:
    case UnaryOp::IsNan:
    case UnaryOp::IsInf:
    case UnaryOp::IsFinite:
    case UnaryOp::LogicalNot: return {};
    case UnaryOp::BitwiseNot: return {kIntDtypes | kBoolDtypes};
    case UnaryOp::RoundDecimals:
    case UnaryOp::Frac:
    case UnaryOp::LeakyRelu:
    case UnaryOp::Elu:
    case UnaryOp::Gelu:
    case UnaryOp::GeluTanh:
    case UnaryOp::Silu:
    case UnaryOp::Mish:
    case UnaryOp::Softplus:
    case UnaryOp::Hardsigmoid:
    case UnaryOp::Hardswish:
    case UnaryOp::LogSigmoid: return {kFloatDtypes};
    default: return {kAllDtypes, true};  // exp, sin, erfinv, ...: integers promote to the default dtype
  }
}

PointwiseTypes apply_rule(std::string_view op, TypeRule rule, ScalarType promoted, bool bool_result) {
  const ScalarType compute = rule.int_to_float && !is_floating_point(promoted) ? get_default_dtype() : promoted;
  check_dtype(op, rule.accepts, compute);
  return {compute, bool_result ? kBool : compute};
}

// ---- scalar arguments ----

kernels::cpu::ScalarArg scalar_arg(const Scalar& s) { return {s.toDouble(), s.toLong()}; }

// A parameter the kernel converts to the compute dtype (a clamp bound, a slope): PyTorch refuses values
// that overflow it (unsigned types accept negative values that wrap), and so do we.
kernels::cpu::ScalarArg checked_scalar_arg(std::string_view op, const Scalar& s, ScalarType compute) {
  const char* ctype = nullptr;
  double lo = 0, hi = 0;
  switch (compute) {
    case ScalarType::Byte: ctype = "uint8_t", lo = -255, hi = 255; break;
    case ScalarType::Char: ctype = "int8_t", lo = -128, hi = 127; break;
    case ScalarType::Short: ctype = "int16_t", lo = -32768, hi = 32767; break;
    case ScalarType::Int: ctype = "int", lo = -2147483648.0, hi = 2147483647; break;
    case ScalarType::Long: ctype = "int64_t", lo = -9223372036854775808.0, hi = 9223372036854775807.0; break;
    case ScalarType::Half:
    case ScalarType::BFloat16:
    case ScalarType::Float: ctype = "float", lo = -FLT_MAX, hi = FLT_MAX; break;
    default: return scalar_arg(s);
  }
  bool fits;
  if (s.isFloatingPoint() || is_floating_point(compute)) {
    const double d = s.toDouble();
    fits = !std::isfinite(d) ? !is_integral(compute, false) || std::isnan(d)
                             : d >= lo && (compute == ScalarType::Long ? d < hi : d <= hi);
  } else {
    const int64_t v = s.toLong();
    fits = compute == ScalarType::Long || (v >= int64_t(lo) && v <= int64_t(hi));
  }
  EMBER_CHECK(fits,
              "[{}] value cannot be converted to type {} without overflow: {} is outside the range of {}. Pass a "
              "value in range, or convert the tensor to a wider dtype first.",
              op, ctype, s.isFloatingPoint() ? fmt::format("{}", s.toDouble()) : fmt::format("{}", s.toLong()),
              to_string(compute));
  return scalar_arg(s);
}

// ---- running a kernel ----

// Runs the kernel into `out`, through a temporary when out's dtype is not the kernel's
// (an in-place op whose target has a narrower dtype than the computation).
template <typename Run>
void run_into(Tensor& out, ScalarType kernel_out_dtype, Run run) {
  if (out.dtype() == kernel_out_dtype) {
    run(strided_view(out));
    return;
  }
  Tensor tmp = make_tensor(out.sizes(), kernel_out_dtype, out.device());
  run(strided_view(tmp));
  kernels::cpu::copy(strided_view(out), strided_view(tmp));
}

// `t` in the compute dtype, copied when the output overlaps it in another layout (reading it
// while writing would see partial results).
Tensor operand_for(const Tensor& t, ScalarType compute, const Tensor& out) {
  const Tensor c = cast_to(t, compute);
  return c.is_alias_of(out) && !c.is_same(out) ? c.clone() : c;
}

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

PointwiseTypes binary_types(BinaryOp op, ScalarType promoted, const Scalar& alpha, std::string_view name) {
  if (op == BinaryOp::Sub)
    EMBER_CHECK(promoted != kBool,
                "[{}] Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.",
                name);
  if (op == BinaryOp::Add || op == BinaryOp::Sub) {
    EMBER_CHECK(!(is_integral(promoted, true) && alpha.isFloatingPoint()),
                "[{}] For integral input tensors, argument alpha must not be a floating point number.", name);
    EMBER_CHECK(promoted == kBool || !alpha.isBoolean(),
                "[{}] Boolean alpha only supported for Boolean results.", name);
  }
  return apply_rule(name, binary_rule(op), promoted, kernels::cpu::returns_bool(op));
}

ScalarType binary_scalar_promoted(const OpCall& call) {
  ResultTypeState state;
  state.add(call.input(0));
  state.add(call.scalar_attr(0));
  return state.result();
}

}  // namespace

void binary_tensor_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const Tensor& b = call.input(1);
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 1);
  const PointwiseTypes types = binary_types(op, result_type({a, b}), call.scalar_attr(0), def.name);
  out.push_back({broadcast_shape(def.name, a.sizes(), b.sizes()), {}, 0, types.result, a.device()});
}

void binary_scalar_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 2);
  const PointwiseTypes types = binary_types(op, binary_scalar_promoted(call), call.scalar_attr(1), def.name);
  out.push_back({DimVector(a.sizes()), {}, 0, types.result, a.device()});
}

namespace {

bool divides_integers(BinaryOp op) {
  return op == BinaryOp::DivTrunc || op == BinaryOp::DivFloor || op == BinaryOp::Remainder || op == BinaryOp::Fmod;
}

void check_integer_divisor(BinaryOp op, ScalarType compute, const kernels::StridedView& divisor, std::string_view name) {
  if (divides_integers(op) && is_integral(compute, false))
    EMBER_CHECK(!kernels::cpu::any_zero(divisor), "[{}] ZeroDivisionError: integer division by zero", name);
}

}  // namespace

void binary_tensor_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 1);
  const PointwiseTypes types =
      binary_types(op, result_type({call.input(0), call.input(1)}), call.scalar_attr(0), def.name);
  Tensor& out = outputs[0];
  const Tensor a = operand_for(call.input(0), types.compute, out);
  const Tensor b = operand_for(call.input(1), types.compute, out);
  const auto bv = broadcast_view(b, out.sizes());
  check_integer_divisor(op, types.compute, bv, def.name);
  const auto av = broadcast_view(a, out.sizes());
  PointwiseParams params;
  params.p[0] = scalar_arg(call.scalar_attr(0));
  run_into(out, types.result, [&](const kernels::StridedView& ov) { kernels::cpu::binary(op, ov, av, bv, params); });
}

void binary_scalar_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const BinaryOp op = resolve_div(BinaryOp(def.code), call, 2);
  const bool reverse = call.bool_attr(3);
  const PointwiseTypes types = binary_types(op, binary_scalar_promoted(call), call.scalar_attr(1), def.name);
  const Tensor a = cast_to(call.input(0), types.compute);
  Tensor& out = outputs[0];
  // The scalar, converted to the compute dtype, broadcast with zero strides.
  alignas(8) unsigned char buffer[8] = {};
  kernels::cpu::store_scalar(buffer, types.compute, scalar_arg(call.scalar_attr(0)));
  const kernels::StridedView sv{buffer, types.compute, DimVector(out.sizes()), DimVector(out.sizes().size(), 0)};
  const auto av = broadcast_view(a, out.sizes());
  check_integer_divisor(op, types.compute, reverse ? av : sv, def.name);
  PointwiseParams params;
  params.p[0] = scalar_arg(call.scalar_attr(1));
  run_into(out, types.result, [&](const kernels::StridedView& ov) {
    if (reverse) kernels::cpu::binary(op, ov, sv, av, params);
    else kernels::cpu::binary(op, ov, av, sv, params);
  });
}

namespace {

Attr mode_attr(std::optional<std::string_view> mode) {
  return mode ? Attr(std::string(*mode)) : Attr(std::monostate{});
}

Tensor call_binary(const OpDef& def, const Tensor& a, const Tensor& b, const Scalar& alpha,
                   std::optional<std::string_view> mode) {
  OpCall call{{a, b}, {alpha, mode_attr(mode)}};
  return dispatch_one(def, call);
}

Tensor call_binary(const OpDef& def, const Tensor& a, const Scalar& b, const Scalar& alpha,
                   std::optional<std::string_view> mode, bool reverse) {
  OpCall call{{a}, {b, alpha, mode_attr(mode), reverse}};
  return dispatch_one(def, call);
}

// ---- unary: call layout ----
// Inputs {self}; attrs are the op's parameters in signature order (leaky_relu {negative_slope},
// elu {alpha, scale, input_scale}, clamp {min|None, max|None}, gelu {approximate}, ...).

UnaryOp resolve_unary(const OpDef& def, const OpCall& call) {
  const UnaryOp op = UnaryOp(def.code);
  if (op != UnaryOp::Gelu || !call.has(0)) return op;
  const std::string& approximate = call.string_attr(0);
  if (approximate == "none") return UnaryOp::Gelu;
  if (approximate == "tanh") return UnaryOp::GeluTanh;
  EMBER_FAIL("[{}] approximate argument must be either none or tanh, got '{}'.", def.name, approximate);
}

PointwiseTypes unary_types(const OpDef& def, const OpCall& call) {
  const UnaryOp op = resolve_unary(def, call);
  const Tensor& a = call.input(0);
  if (op == UnaryOp::Neg)
    EMBER_CHECK(a.dtype() != kBool,
                "[{}] Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                "mask, use the `~` or `logical_not()` operator instead.",
                def.name);
  if (op == UnaryOp::Relu || op == UnaryOp::Abs)
    EMBER_CHECK(a.dtype() != kBool, "[{}] is not supported for bool tensors; convert with .to(kInt) first.", def.name);
  if (op == UnaryOp::PowScalar) {
    const Scalar& exponent = call.scalar_attr(0);
    EMBER_CHECK(!(is_integral(a.dtype(), true) && exponent.isIntegral(true) && exponent.toLong() < 0),
                "[{}] Integers to negative integer powers are not allowed. Use a floating point base, e.g. "
                "x.to(kFloat).pow({}).",
                def.name, exponent.toLong());
  }
  ScalarType promoted = a.dtype();
  if (op == UnaryOp::PowScalar || op == UnaryOp::Clamp || op == UnaryOp::ClampMin || op == UnaryOp::ClampMax) {
    // The exponent and the bounds take part in promotion, as weak scalars.
    ResultTypeState state;
    state.add(a);
    for (size_t i = 0; i < call.attrs.size(); ++i)
      if (call.has(i)) state.add(call.scalar_attr(i));
    promoted = state.result();
  }
  return apply_rule(def.name, unary_rule(op), promoted, kernels::cpu::returns_bool(op));
}

// The largest finite value of a floating dtype (nan_to_num's default for +inf).
double max_finite(ScalarType t) {
  switch (t) {
    case ScalarType::Half: return 65504.0;
    case ScalarType::BFloat16: return 3.3895313892515355e38;
    case ScalarType::Float: return FLT_MAX;
    default: return DBL_MAX;
  }
}

PointwiseParams unary_params(const OpDef& def, const OpCall& call, UnaryOp op, ScalarType compute) {
  PointwiseParams params;
  switch (op) {
    case UnaryOp::RoundDecimals:
      params.p[0] = {0.0, call.int_attr(0)};
      break;
    case UnaryOp::PowScalar:
      // Float kernels read the exponent as a double; integer ones need it in range.
      params.p[0] = is_floating_point(compute) ? scalar_arg(call.scalar_attr(0))
                                               : checked_scalar_arg(def.name, call.scalar_attr(0), compute);
      break;
    case UnaryOp::NanToNum: {
      // Defaults: 0 for NaN and the dtype's extremes for the infinities; no range check, as in PyTorch.
      const double big = max_finite(compute);
      params.p[0].f = call.has(0) ? call.double_attr(0) : 0.0;
      params.p[1].f = call.has(1) ? call.double_attr(1) : big;
      params.p[2].f = call.has(2) ? call.double_attr(2) : -big;
      break;
    }
    default:
      for (size_t i = 0; i < call.attrs.size() && i < 3; ++i)
        if (std::holds_alternative<Scalar>(call.attrs[i]))
          params.p[i] = checked_scalar_arg(def.name, call.scalar_attr(i), compute);
      break;
  }
  return params;
}

}  // namespace

void unary_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  out.push_back({DimVector(a.sizes()), {}, 0, unary_types(def, call).result, a.device()});
}

namespace {

void run_unary_op(UnaryOp op, const Tensor& in, ScalarType compute, Tensor& out, const PointwiseParams& params) {
  const Tensor a = cast_to(in, compute);
  const auto av = strided_view(a);
  run_into(out, kernels::cpu::returns_bool(op) ? kBool : compute,
           [&](const kernels::StridedView& ov) { kernels::cpu::unary(op, ov, av, params); });
}

}  // namespace

void unary_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const UnaryOp op = resolve_unary(def, call);
  const ScalarType compute = unary_types(def, call).compute;
  run_unary_op(op, call.input(0), compute, outputs[0], unary_params(def, call, op, compute));
}

// ---- clamp with scalar bounds (clamp, clamp_min, clamp_max, hardtanh) ----
// Attrs {min|None, max|None} for clamp and hardtanh, {bound} for clamp_min and clamp_max.

void clamp_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  EMBER_CHECK(call.has(0) || call.has(1),
              "[{}] torch.clamp: At least one of 'min' or 'max' must not be None. Pass a bound, or drop the clamp.",
              def.name);
  unary_meta(def, call, out);
}

// hardtanh computes as clamp does but keeps the input's dtype.
void hardtanh_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  EMBER_CHECK(a.dtype() != kBool, "[{}] Bool inputs not supported for hardtanh; convert with .to(kFloat) first.",
              def.name);
  if (a.dtype() == kByte)
    EMBER_CHECK(call.scalar_attr(0).toDouble() >= 0 && call.scalar_attr(1).toDouble() >= 0,
                "[{}] cannot do hardtanh on an unsigned type with negative limits (min_val={}, max_val={}); convert "
                "the input to a signed dtype first.",
                def.name, call.scalar_attr(0).toDouble(), call.scalar_attr(1).toDouble());
  unary_types(def, call);
  out.push_back({DimVector(a.sizes()), {}, 0, a.dtype(), a.device()});
}

void clamp_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const ScalarType compute = unary_types(def, call).compute;
  SmallVector<const Scalar*, 2> bounds;
  for (size_t i = 0; i < call.attrs.size(); ++i)
    if (call.has(i)) bounds.push_back(&call.scalar_attr(i));
  UnaryOp op = UnaryOp(def.code);
  const bool both = op == UnaryOp::Clamp && bounds.size() == 2;
  // A NaN bound gives NaN everywhere for clamp with both bounds, clamp_min and clamp_max; clamp with
  // one bound leaves x as it is (PyTorch 1.13's behaviour).
  const bool nan_fills = both || op != UnaryOp::Clamp;
  if (op == UnaryOp::Clamp && !both) op = call.has(0) ? UnaryOp::ClampMin : UnaryOp::ClampMax;
  PointwiseParams params;
  bool nan_bound = false;
  for (size_t i = 0; i < bounds.size(); ++i) {
    params.p[i] = checked_scalar_arg(def.name, *bounds[i], compute);
    nan_bound = nan_bound || std::isnan(bounds[i]->toDouble());
  }
  if (nan_fills && nan_bound && is_floating_point(compute)) {
    kernels::cpu::fill(strided_view(outputs[0]), {std::nan(""), 0});
    return;
  }
  run_unary_op(op, call.input(0), compute, outputs[0], params);
}

// ---- lerp with a scalar weight: inputs {self, end}, attrs {weight} ----

namespace {

void check_same_dtype(std::string_view op, const Tensor& self, const Tensor& other, std::string_view what) {
  EMBER_CHECK(other.dtype() == self.dtype(),
              "[{}] expected dtype {} for `{}` but got dtype {}. {} does not promote; convert it with .to(k{}) first.",
              op, to_string(self.dtype()), what, to_string(other.dtype()), op, to_string(self.dtype()));
}

}  // namespace

void lerp_scalar_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  check_dtype(def.name, kFloatDtypes, a.dtype());
  check_same_dtype(def.name, a, call.input(1), "end");
  out.push_back({broadcast_shape(def.name, a.sizes(), call.input(1).sizes()), {}, 0, a.dtype(), a.device()});
}

void lerp_scalar_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  Tensor& out = outputs[0];
  const ScalarType compute = call.input(0).dtype();
  const Tensor a = operand_for(call.input(0), compute, out);
  const Tensor b = operand_for(call.input(1), compute, out);
  PointwiseParams params;
  params.p[0] = checked_scalar_arg(def.name, call.scalar_attr(0), compute);
  kernels::cpu::binary(BinaryOp::Lerp, strided_view(out), broadcast_view(a, out.sizes()), broadcast_view(b, out.sizes()),
                       params);
}

// ---- ternary: inputs {self, a, b}, attrs {value} for addcmul and addcdiv ----

namespace {

PointwiseTypes ternary_types(const OpDef& def, const OpCall& call) {
  const TernaryOp op = TernaryOp(def.code);
  const Tensor& self = call.input(0);
  if (op == TernaryOp::Lerp) {
    check_dtype(def.name, kFloatDtypes, self.dtype());
    check_same_dtype(def.name, self, call.input(1), "end");
    check_same_dtype(def.name, self, call.input(2), "weight");
    return {self.dtype(), self.dtype()};
  }
  if (op == TernaryOp::Addcdiv)
    EMBER_CHECK(!(is_integral(call.input(1).dtype(), true) && is_integral(call.input(2).dtype(), true)),
                "[{}] Integer division with addcdiv is no longer supported, and in a future  release addcdiv will "
                "perform a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as "
                "(input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + "
                "value * tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter "
                "implementation: (input + value * tensor1 / tensor2), for all dtypes.",
                def.name);
  const TypeRule rule{op == TernaryOp::Addcdiv ? kFloatDtypes : DtypeSet(kIntDtypes | kFloatDtypes)};
  return apply_rule(def.name, rule, result_type({self, call.input(1), call.input(2)}), false);
}

}  // namespace

void ternary_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& a = call.input(0);
  DimVector shape = broadcast_shape(def.name, a.sizes(), call.input(1).sizes());
  shape = broadcast_shape(def.name, shape, call.input(2).sizes());
  out.push_back({shape, {}, 0, ternary_types(def, call).result, a.device()});
}

void ternary_kernel(const OpDef& def, const OpCall& call, Outputs& outputs) {
  const ScalarType compute = ternary_types(def, call).compute;
  Tensor& out = outputs[0];
  const Tensor a = operand_for(call.input(0), compute, out);
  const Tensor b = operand_for(call.input(1), compute, out);
  const Tensor c = operand_for(call.input(2), compute, out);
  const auto av = broadcast_view(a, out.sizes()), bv = broadcast_view(b, out.sizes()), cv = broadcast_view(c, out.sizes());
  PointwiseParams params;
  if (call.has(0)) params.p[0] = checked_scalar_arg(def.name, call.scalar_attr(0), compute);
  run_into(out, compute, [&](const kernels::StridedView& ov) {
    kernels::cpu::ternary(kernels::cpu::TernaryOp(def.code), ov, av, bv, cv, params);
  });
}

Tensor call_op(const OpDef& def, std::initializer_list<Tensor> inputs, std::initializer_list<Attr> attrs) {
  OpCall call;
  for (const Tensor& t : inputs) call.inputs.push_back(t);
  for (const Attr& attr : attrs) call.attrs.push_back(attr);
  return dispatch_one(def, call);
}

// ---- binary: backward ----
// Gradients of `self op other` (and of `self op scalar`); broadcasting is reduced by
// the engine. With alpha: add/sub compute self +- alpha * other.

GradList binary_tensor_backward(const GradContext& ctx) {
  const BinaryOp op = resolve_div(BinaryOp(ctx.op.code), ctx.call, 1);
  const Tensor& g = ctx.grad();
  const Scalar& alpha = ctx.call.scalar_attr(0);
  GradList r(2);
  switch (op) {
    case BinaryOp::Add:
    case BinaryOp::Sub: {
      if (ctx.needs(0)) r[0] = g;
      const double a = op == BinaryOp::Sub ? -alpha.to<double>() : alpha.to<double>();
      if (ctx.needs(1)) r[1] = a == 1 ? g : g * a;
      break;
    }
    case BinaryOp::Mul:
      if (ctx.needs(0)) r[0] = g * ctx.input(1);
      if (ctx.needs(1)) r[1] = g * ctx.input(0);
      break;
    case BinaryOp::Div:
      if (ctx.needs(0)) r[0] = g / ctx.input(1);
      if (ctx.needs(1)) r[1] = -g * ctx.input(0) / (ctx.input(1) * ctx.input(1));
      break;
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
      // div with a rounding mode: zero almost everywhere (PyTorch: grad * 0).
      if (ctx.needs(0)) r[0] = g * 0.0;
      if (ctx.needs(1)) r[1] = g * 0.0;
      break;
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
      if (ctx.needs(0)) r[0] = g;
      if (ctx.needs(1))
        r[1] = -g * div(ctx.input(0), ctx.input(1), op == BinaryOp::Remainder ? "floor" : "trunc");
      break;
    case BinaryOp::Pow: {
      const Tensor& self = ctx.input(0);
      const Tensor& exponent = ctx.input(1);
      if (ctx.needs(0)) r[0] = where(exponent == 0.0, 0.0, g * (exponent * self.pow(exponent - 1)));
      if (ctx.needs(1))
        r[1] = g * where(logical_and(self == 0.0, exponent >= 0.0), 0.0, ctx.output(0) * self.log());
      break;
    }
    case BinaryOp::Atan2: {
      const Tensor& self = ctx.input(0);
      const Tensor& other = ctx.input(1);
      const Tensor recip = (self * self + other * other).reciprocal();
      if (ctx.needs(0)) r[0] = g * other * recip;
      if (ctx.needs(1)) r[1] = g * -self * recip;
      break;
    }
    case BinaryOp::Maximum:
    case BinaryOp::Minimum: {
      const Tensor& self = ctx.input(0);
      const Tensor& other = ctx.input(1);
      if (ctx.op.name.substr(0, 5) == "clamp") {
        // clamp_min / clamp_max with a tensor bound: the bound takes the gradient where it clamps.
        const bool is_min = op == BinaryOp::Maximum;
        if (ctx.needs(0)) r[0] = where(is_min ? self >= other : self <= other, g, 0.0);
        if (ctx.needs(1)) r[1] = where(is_min ? self < other : self > other, g, 0.0);
        break;
      }
      // maximum / minimum: ties split the gradient evenly.
      const Tensor shared = where(self == other, g / 2.0, g);
      const bool is_max = op == BinaryOp::Maximum;
      if (ctx.needs(0)) r[0] = where(is_max ? self < other : self > other, 0.0, shared);
      if (ctx.needs(1)) r[1] = where(is_max ? self > other : self < other, 0.0, shared);
      break;
    }
    default:
      EMBER_FAIL("[{}] has no backward formula for this operation", ctx.op.name);
  }
  return r;
}

GradList binary_scalar_backward(const GradContext& ctx) {
  const BinaryOp op = resolve_div(BinaryOp(ctx.op.code), ctx.call, 2);
  const Tensor& g = ctx.grad();
  const double other = ctx.call.scalar_attr(0).to<double>();
  const double alpha = ctx.call.scalar_attr(1).to<double>();
  const bool reverse = ctx.call.bool_attr(3);  // other op self, with alpha scaling self
  GradList r(1);
  switch (op) {
    case BinaryOp::Add:
      r[0] = reverse && alpha != 1 ? g * alpha : g;
      break;
    case BinaryOp::Sub:
      r[0] = reverse ? g * -alpha : g;
      break;
    case BinaryOp::Mul:
      r[0] = g * other;
      break;
    case BinaryOp::Div:
      r[0] = reverse ? -g * other / (ctx.input(0) * ctx.input(0)) : g / other;
      break;
    case BinaryOp::DivTrunc:
    case BinaryOp::DivFloor:
      r[0] = g * 0.0;
      break;
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
      // PyTorch has no derivative for remainder(Scalar, Tensor) either.
      EMBER_CHECK(!reverse, "[{}] the derivative for '{}' with a Scalar self is not implemented.", ctx.op.name,
                  ctx.op.name);
      r[0] = g;
      break;
    case BinaryOp::Pow: {
      // pow(Scalar base, Tensor exponent): the input is the exponent.
      EMBER_CHECK(reverse, "[{}] expected the Scalar-base form of pow", ctx.op.name);
      const Tensor grad_exp = ctx.output(0) * std::log(other);
      r[0] = other == 0.0 ? g * where(ctx.input(0) >= 0.0, 0.0, grad_exp) : g * grad_exp;
      break;
    }
    default:
      EMBER_FAIL("[{}] has no backward formula for this operation", ctx.op.name);
  }
  return r;
}

// ---- unary: backward ----
// One formula for the unary family, switching on UnaryOp; each op's Derivative saves either self
// (for an in-place op, a copy taken before the write) or the result, as derivatives.yaml does.

GradList unary_backward(const GradContext& ctx) {
  const UnaryOp op = resolve_unary(ctx.op, ctx.call);
  const Tensor& g = ctx.grad();
  const bool in_place = ctx.op.kind == OpKind::InPlace;
  GradList r(1);
  if (!ctx.needs(0)) return r;
  constexpr double kLn2 = 0.69314718055994530942;
  constexpr double kLn10 = 2.30258509299404568402;
  constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
  switch (op) {
    case UnaryOp::Neg: r[0] = -g; break;
    case UnaryOp::Abs: r[0] = g * ctx.input(0).sign(); break;
    case UnaryOp::Exp: r[0] = g * ctx.output(0); break;
    case UnaryOp::Log: r[0] = g / ctx.input(0); break;
    case UnaryOp::Sqrt: r[0] = g / (ctx.output(0) * 2.0); break;
    case UnaryOp::Relu: r[0] = where(ctx.output(0) > 0.0, g, 0.0); break;
    case UnaryOp::Sigmoid: {
      const Tensor& y = ctx.output(0);
      r[0] = g * ((1.0 - y) * y);
      break;
    }
    case UnaryOp::Tanh: {
      const Tensor& y = ctx.output(0);
      r[0] = g * (1.0 - y * y);
      break;
    }
    case UnaryOp::Reciprocal: {
      const Tensor& y = ctx.output(0);
      r[0] = -g * (y * y);
      break;
    }
    case UnaryOp::Rsqrt: {
      const Tensor& y = ctx.output(0);
      r[0] = g * (y * y * y) * -0.5;
      break;
    }
    case UnaryOp::Exp2: r[0] = g * ctx.output(0) * kLn2; break;
    case UnaryOp::Expm1: r[0] = g * (ctx.output(0) + 1.0); break;
    case UnaryOp::Log2: r[0] = g / (ctx.input(0) * kLn2); break;
    case UnaryOp::Log10: r[0] = g / (ctx.input(0) * kLn10); break;
    case UnaryOp::Log1p: r[0] = g / (ctx.input(0) + 1.0); break;
    case UnaryOp::Sin: r[0] = g * ctx.input(0).cos(); break;
    case UnaryOp::Cos: r[0] = g * -ctx.input(0).sin(); break;
    case UnaryOp::Tan: {
      const Tensor& y = ctx.output(0);
      r[0] = g * (y * y + 1.0);
      break;
    }
    case UnaryOp::Asin:
    case UnaryOp::Acos: {
      const Tensor& x = ctx.input(0);
      const Tensor d = (-x * x + 1.0).rsqrt();
      r[0] = op == UnaryOp::Asin ? g * d : -g * d;
      break;
    }
    case UnaryOp::Atan: {
      const Tensor& x = ctx.input(0);
      r[0] = g / (x * x + 1.0);
      break;
    }
    case UnaryOp::Sinh: r[0] = g * ctx.input(0).cosh(); break;
    case UnaryOp::Cosh: r[0] = g * ctx.input(0).sinh(); break;
    case UnaryOp::Erf:
    case UnaryOp::Erfc: {
      const Tensor& x = ctx.input(0);
      const Tensor d = (-(x * x)).exp() * (op == UnaryOp::Erf ? kTwoOverSqrtPi : -kTwoOverSqrtPi);
      r[0] = g * d;
      break;
    }
    case UnaryOp::Erfinv: {
      const Tensor& y = ctx.output(0);
      r[0] = g * (y * y).exp() * (1.0 / kTwoOverSqrtPi);  // sqrt(pi) / 2 * exp(y^2)
      break;
    }
    case UnaryOp::Floor:
    case UnaryOp::Ceil:
    case UnaryOp::Round:
    case UnaryOp::RoundDecimals:
    case UnaryOp::Trunc:
    case UnaryOp::Sign: r[0] = zeros_like(g); break;
    case UnaryOp::Frac: r[0] = g; break;
    case UnaryOp::NanToNum: r[0] = g * ctx.input(0).isfinite(); break;
    case UnaryOp::PowScalar: {
      const Scalar& exponent = ctx.call.scalar_attr(0);
      if (exponent.toDouble() == 0.0) {
        r[0] = zeros_like(g);
      } else {
        const double e = exponent.toDouble();
        r[0] = g * (ctx.input(0).pow(e - 1.0) * e);
      }
      break;
    }
    case UnaryOp::LeakyRelu: {
      const double slope = ctx.call.scalar_attr(0).toDouble();
      // The in-place form reads the result, whose sign is the input's only for a non-negative slope.
      EMBER_CHECK(!in_place || slope >= 0.0,
                  "[{}] In-place leakyReLu backward calculation is triggered with a negative slope which is not "
                  "supported. This is caused by calling in-place forward function with a negative slope, please call "
                  "out-of-place version instead.",
                  ctx.op.name);
      const Tensor& x = in_place ? ctx.output(0) : ctx.input(0);
      r[0] = where(x > 0.0, g, g * slope);
      break;
    }
    case UnaryOp::Elu: {
      const double alpha = ctx.call.scalar_attr(0).toDouble();
      const double scale = ctx.call.scalar_attr(1).toDouble();
      const double input_scale = ctx.call.scalar_attr(2).toDouble();
      if (in_place) {
        // From the result: for x <= 0, y = alpha * scale * (exp(x * input_scale) - 1).
        EMBER_CHECK(!(alpha * scale < 0.0),
                    "[{}] In-place elu backward calculation is triggered with a negative slope which is not "
                    "supported. This is caused by calling in-place forward function with a negative slope, please "
                    "call out-of-place version instead.",
                    ctx.op.name);
        const Tensor& y = ctx.output(0);
        r[0] = where(y <= 0.0, g * input_scale * (y + alpha * scale), g * scale);
      } else {
        const Tensor& x = ctx.input(0);
        r[0] = where(x <= 0.0, g * (input_scale * alpha * scale) * (x * input_scale).exp(), g * scale);
      }
      break;
    }
    case UnaryOp::Gelu: {
      constexpr double kSqrt1_2 = 0.70710678118654752440;
      constexpr double kAlpha = kTwoOverSqrtPi * kSqrt1_2 * 0.5;  // 1 / sqrt(2 pi)
      const Tensor& x = ctx.input(0);
      const Tensor cdf = ((x * kSqrt1_2).erf() + 1.0) * 0.5;
      const Tensor pdf = (x * x * -0.5).exp() * kAlpha;
      r[0] = g * (cdf + x * pdf);
      break;
    }
    case UnaryOp::GeluTanh: {
      constexpr double kBeta = 1.41421356237309504880 * kTwoOverSqrtPi * 0.5;  // sqrt(2 / pi)
      constexpr double kKappa = 0.044715;
      const Tensor& x = ctx.input(0);
      const Tensor x_sq = x * x;
      const Tensor inner = (x + x_sq * x * kKappa) * kBeta;
      const Tensor tanh_inner = inner.tanh();
      const Tensor left_derivative = (tanh_inner + 1.0) * 0.5;
      const Tensor right_derivative =
          x * 0.5 * (1.0 - tanh_inner * tanh_inner) * ((x_sq * (3.0 * kKappa) + 1.0) * kBeta);
      r[0] = g * (left_derivative + right_derivative);
      break;
    }
    case UnaryOp::Silu: {
      const Tensor& x = ctx.input(0);
      const Tensor s = x.sigmoid();
      r[0] = g * (s * (x * (1.0 - s) + 1.0));
      break;
    }
    case UnaryOp::Mish: {
      const Tensor& x = ctx.input(0);
      const Tensor tanh_softplus = softplus(x).tanh();
      r[0] = g * (tanh_softplus + x * x.sigmoid() * (1.0 - tanh_softplus * tanh_softplus));
      break;
    }
    case UnaryOp::Softplus: {
      const double beta = ctx.call.scalar_attr(0).toDouble();
      const double threshold = ctx.call.scalar_attr(1).toDouble();
      const Tensor z = ctx.input(0) * beta;
      r[0] = where(z > threshold, g, g * z.sigmoid());
      break;
    }
    case UnaryOp::Hardsigmoid: {
      const Tensor& x = ctx.input(0);
      // PyTorch's kernel uses the float constant 1.0f / 6.0f, for every dtype.
      r[0] = where(logical_and(x > -3.0, x < 3.0), g * double(1.0f / 6.0f), 0.0);
      break;
    }
    case UnaryOp::Hardswish: {
      const Tensor& x = ctx.input(0);
      r[0] = where(x < -3.0, 0.0, where(x <= 3.0, g * (x / 3.0 + 0.5), g));
      break;
    }
    case UnaryOp::LogSigmoid: r[0] = g * (-ctx.input(0)).sigmoid(); break;
    default:
      EMBER_FAIL("[{}] has no backward formula for this operation", ctx.op.name);
  }
  return r;
}

// clamp / clamp_min / clamp_max with scalar bounds (attrs {min|None, max|None} or {bound}): the gradient
// passes where the input lies inside the closed interval.
GradList clamp_scalar_backward(const GradContext& ctx) {
  GradList r(1);
  if (!ctx.needs(0)) return r;
  const Tensor& x = ctx.input(0);
  const Tensor& g = ctx.grad();
  const UnaryOp op = UnaryOp(ctx.op.code);
  std::optional<Scalar> min, max;
  if (op == UnaryOp::ClampMin) min = ctx.call.scalar_attr(0);
  else if (op == UnaryOp::ClampMax) max = ctx.call.scalar_attr(0);
  else {
    if (ctx.call.has(0)) min = ctx.call.scalar_attr(0);
    if (ctx.call.has(1)) max = ctx.call.scalar_attr(1);
  }
  if (min && max) r[0] = where(logical_and(x >= *min, x <= *max), g, 0.0);
  else if (min) r[0] = where(x >= *min, g, 0.0);
  else r[0] = where(x <= *max, g, 0.0);
  return r;
}

// hardtanh {min_val, max_val}: the gradient passes strictly inside; the in-place form reads the result.
GradList hardtanh_backward(const GradContext& ctx) {
  GradList r(1);
  if (!ctx.needs(0)) return r;
  const Tensor& x = ctx.op.kind == OpKind::InPlace ? ctx.output(0) : ctx.input(0);
  const Scalar& min = ctx.call.scalar_attr(0);
  const Scalar& max = ctx.call.scalar_attr(1);
  r[0] = where(logical_and(x > min, x < max), ctx.grad(), 0.0);
  return r;
}

// where.self {condition, self, other}.
GradList where_backward(const GradContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& g = ctx.grad();
  GradList r(3);
  if (ctx.needs(1)) r[1] = where(cond, g, 0.0);
  if (ctx.needs(2)) r[2] = where(cond, 0.0, g);
  return r;
}

// lerp.Scalar {self, end}, attrs {weight}.
GradList lerp_scalar_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const double w = ctx.call.scalar_attr(0).toDouble();
  GradList r(2);
  if (ctx.needs(0)) r[0] = g * (1.0 - w);
  if (ctx.needs(1)) r[1] = g * w;
  return r;
}

// lerp.Tensor, addcmul, addcdiv {self, a, b} (attrs {value}), clamp.Tensor {self, min, max}.
GradList ternary_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  GradList r(3);
  switch (TernaryOp(ctx.op.code)) {
    case TernaryOp::Lerp: {
      const Tensor& weight = ctx.input(2);
      if (ctx.needs(0)) r[0] = g * (1.0 - weight);
      if (ctx.needs(1)) r[1] = g * weight;
      if (ctx.needs(2)) r[2] = g * (ctx.input(1) - ctx.input(0));
      break;
    }
    case TernaryOp::Addcmul: {
      const Scalar& value = ctx.call.scalar_attr(0);
      if (ctx.needs(0)) r[0] = g;
      if (ctx.needs(1)) r[1] = g * ctx.input(2) * value;
      if (ctx.needs(2)) r[2] = g * ctx.input(1) * value;
      break;
    }
    case TernaryOp::Addcdiv: {
      const double value = ctx.call.scalar_attr(0).toDouble();
      const Tensor& t2 = ctx.input(2);
      if (ctx.needs(0)) r[0] = g;
      if (ctx.needs(1)) r[1] = g * (value / t2);
      if (ctx.needs(2)) r[2] = -g * value * ctx.input(1) / (t2 * t2);
      break;
    }
    case TernaryOp::Clamp: {
      // PyTorch's clamp_backward_min_max: with min > max the result is max, so max takes the gradient.
      const Tensor& x = ctx.input(0);
      const Tensor& min = ctx.input(1);
      const Tensor& max = ctx.input(2);
      if (ctx.needs(0)) r[0] = where(logical_and(x >= min, x <= max), g, 0.0);
      if (ctx.needs(1)) r[1] = where(logical_and(x < min, min < max), g, 0.0);
      if (ctx.needs(2)) r[2] = where(logical_or(x > max, max < min), g, 0.0);
      break;
    }
  }
  return r;
}

}  // namespace detail::pointwise

namespace {

namespace family = detail::pointwise;

using kernels::cpu::BinaryOp;
using kernels::cpu::UnaryOp;
using detail::broadcast_view;
using detail::strided_view;

constexpr const char* kBinarySchema = "(Tensor self, Tensor other, *, Scalar alpha=1, str? rounding_mode=None) -> Tensor";
constexpr const char* kBinaryScalarSchema =
    "(Tensor self, Scalar other, *, Scalar alpha=1, str? rounding_mode=None, bool reverse=False) -> Tensor";

#define EMBER_BINARY_DEFS(name, op, tensor_grad, scalar_grad)                                                   \
  const OpDef name##_tensor{#name ".Tensor", kBinarySchema, OpKind::Compute, FusionClass::Pointwise,             \
                            family::binary_tensor_meta, family::binary_tensor_kernel, nullptr, tensor_grad,     \
                            nullptr, int32_t(op)};                                                               \
  const OpDef name##_scalar{#name ".Scalar", kBinaryScalarSchema, OpKind::Compute, FusionClass::Pointwise,       \
                            family::binary_scalar_meta, family::binary_scalar_kernel, nullptr, scalar_grad,     \
                            nullptr, int32_t(op)};                                                               \
  const OpDef name##__tensor{#name "_.Tensor", kBinarySchema, OpKind::InPlace, FusionClass::Pointwise,           \
                             family::binary_tensor_meta, family::binary_tensor_kernel, nullptr, tensor_grad,    \
                             nullptr, int32_t(op)};                                                              \
  const OpDef name##__scalar{#name "_.Scalar", kBinaryScalarSchema, OpKind::InPlace, FusionClass::Pointwise,     \
                             family::binary_scalar_meta, family::binary_scalar_kernel, nullptr, scalar_grad,    \
                             nullptr, int32_t(op)};
EMBER_BINARY_DEFS(add, BinaryOp::Add, (Derivative{family::binary_tensor_backward, kSaveNone}),
                  (Derivative{family::binary_scalar_backward, kSaveNone}))
EMBER_BINARY_DEFS(sub, BinaryOp::Sub, (Derivative{family::binary_tensor_backward, kSaveNone}),
                  (Derivative{family::binary_scalar_backward, kSaveNone}))
EMBER_BINARY_DEFS(mul, BinaryOp::Mul, (Derivative{family::binary_tensor_backward, save({0, 1})}),
                  (Derivative{family::binary_scalar_backward, kSaveNone}))
EMBER_BINARY_DEFS(div, BinaryOp::Div, (Derivative{family::binary_tensor_backward, save({0, 1})}),
                  (Derivative{family::binary_scalar_backward, save({0})}))
EMBER_BINARY_DEFS(eq, BinaryOp::Eq, kNotDifferentiable, kNotDifferentiable)
EMBER_BINARY_DEFS(ne, BinaryOp::Ne, kNotDifferentiable, kNotDifferentiable)
EMBER_BINARY_DEFS(lt, BinaryOp::Lt, kNotDifferentiable, kNotDifferentiable)
EMBER_BINARY_DEFS(le, BinaryOp::Le, kNotDifferentiable, kNotDifferentiable)
EMBER_BINARY_DEFS(gt, BinaryOp::Gt, kNotDifferentiable, kNotDifferentiable)
EMBER_BINARY_DEFS(ge, BinaryOp::Ge, kNotDifferentiable, kNotDifferentiable)
#undef EMBER_BINARY_DEFS

#define EMBER_UNARY_DEFS(name, op, grad)                                                                       \
  const OpDef name##_def{#name, "(Tensor self) -> Tensor", OpKind::Compute, FusionClass::Pointwise,             \
                         family::unary_meta, family::unary_kernel, nullptr, grad, nullptr, int32_t(op)};   \
  const OpDef name##__def{#name "_", "(Tensor(a!) self) -> Tensor(a!)", OpKind::InPlace, FusionClass::Pointwise, \
                          family::unary_meta, family::unary_kernel, nullptr, grad, nullptr, int32_t(op)};

constexpr Derivative kUnaryNone{family::unary_backward, kSaveNone, kSaveNone};
constexpr Derivative kUnarySelf{family::unary_backward, save({0}), kSaveNone};
constexpr Derivative kUnaryResult{family::unary_backward, kSaveNone, save({0})};
EMBER_UNARY_DEFS(neg, UnaryOp::Neg, kUnaryNone)
EMBER_UNARY_DEFS(abs, UnaryOp::Abs, kUnarySelf)
EMBER_UNARY_DEFS(exp, UnaryOp::Exp, kUnaryResult)
EMBER_UNARY_DEFS(log, UnaryOp::Log, kUnarySelf)
EMBER_UNARY_DEFS(sqrt, UnaryOp::Sqrt, kUnaryResult)
EMBER_UNARY_DEFS(relu, UnaryOp::Relu, kUnaryResult)
EMBER_UNARY_DEFS(sigmoid, UnaryOp::Sigmoid, kUnaryResult)
EMBER_UNARY_DEFS(tanh, UnaryOp::Tanh, kUnaryResult)
#undef EMBER_UNARY_DEFS

Tensor call_binary(const OpDef& def, const Tensor& a, const Tensor& b, const Scalar& alpha = 1,
                   std::optional<std::string_view> mode = std::nullopt) {
  return family::call_binary(def, a, b, alpha, mode);
}

Tensor call_binary(const OpDef& def, const Tensor& a, const Scalar& b, const Scalar& alpha = 1,
                   std::optional<std::string_view> mode = std::nullopt, bool reverse = false) {
  return family::call_binary(def, a, b, alpha, mode, reverse);
}

Tensor call_unary(const OpDef& def, const Tensor& a) { return family::call_op(def, {a}, {}); }

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
                      FusionClass::Pointwise, where_meta, where_kernel, nullptr,
                      {family::where_backward, save({0}), kSaveNone}};

// A C++ scalar as a 0-d tensor: a float counts as the default dtype and an integer as
// int64, which promotes exactly as a weak scalar does.
Tensor scalar_operand(const Scalar& s) {
  const ScalarType t = s.isFloatingPoint() ? get_default_dtype() : s.type();
  return scalar_tensor(s, TensorOptions(t));
}

}  // namespace

void register_pointwise_math_ops(OpRegistry& r);  // ops_pointwise_math.cpp

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
  register_pointwise_math_ops(r);
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
