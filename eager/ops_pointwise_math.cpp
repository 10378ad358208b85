// The rest of the pointwise family as a table: rounding and remainder division, powers, float math, clamps,
// lerp/addcmul/addcdiv, logical and bitwise ops, special-value tests and activations, with their free
// functions, methods and operators. The metas and kernels live in ops_pointwise.cpp.
#include <cmath>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace detail::pointwise {
// Defined in ops_pointwise.cpp.
void binary_tensor_meta(const OpDef&, const OpCall&, MetaOutputs&);
void binary_tensor_kernel(const OpDef&, const OpCall&, Outputs&);
void binary_scalar_meta(const OpDef&, const OpCall&, MetaOutputs&);
void binary_scalar_kernel(const OpDef&, const OpCall&, Outputs&);
void unary_meta(const OpDef&, const OpCall&, MetaOutputs&);
void unary_kernel(const OpDef&, const OpCall&, Outputs&);
void clamp_meta(const OpDef&, const OpCall&, MetaOutputs&);
void hardtanh_meta(const OpDef&, const OpCall&, MetaOutputs&);
void clamp_kernel(const OpDef&, const OpCall&, Outputs&);
void lerp_scalar_meta(const OpDef&, const OpCall&, MetaOutputs&);
void lerp_scalar_kernel(const OpDef&, const OpCall&, Outputs&);
void ternary_meta(const OpDef&, const OpCall&, MetaOutputs&);
void ternary_kernel(const OpDef&, const OpCall&, Outputs&);
Tensor call_op(const OpDef& def, std::initializer_list<Tensor> inputs, std::initializer_list<Attr> attrs);
GradList binary_tensor_backward(const GradContext&);
GradList binary_scalar_backward(const GradContext&);
GradList unary_backward(const GradContext&);
GradList clamp_scalar_backward(const GradContext&);
GradList hardtanh_backward(const GradContext&);
GradList lerp_scalar_backward(const GradContext&);
GradList ternary_backward(const GradContext&);
}  // namespace detail::pointwise

namespace {

namespace family = detail::pointwise;
using kernels::cpu::BinaryOp;
using kernels::cpu::TernaryOp;
using kernels::cpu::UnaryOp;

constexpr const char* kBinarySchema = "(Tensor self, Tensor other, *, Scalar alpha=1, str? rounding_mode=None) -> Tensor";
constexpr const char* kBinaryScalarSchema =
    "(Tensor self, Scalar other, *, Scalar alpha=1, str? rounding_mode=None, bool reverse=False) -> Tensor";

constexpr OpDef pointwise_def(std::string_view name, std::string_view schema, OpKind kind, MetaFn meta, KernelFn kernel,
                              int32_t code, Derivative backward) {
  return OpDef{name, schema, kind, FusionClass::Pointwise, meta, kernel, nullptr, backward, nullptr, code};
}

// Backwards. Each saves what its formula reads (for an in-place op, saving self keeps a copy taken
// before the write; saving the result keeps the written tensor).
constexpr Derivative kBinaryGradOnly{family::binary_tensor_backward, kSaveNone, kSaveNone};
constexpr Derivative kBinaryBoth{family::binary_tensor_backward, save({0, 1}), kSaveNone};
constexpr Derivative kBinaryScalarNone{family::binary_scalar_backward, kSaveNone, kSaveNone};
constexpr Derivative kUnaryNone{family::unary_backward, kSaveNone, kSaveNone};
constexpr Derivative kUnarySelf{family::unary_backward, save({0}), kSaveNone};
constexpr Derivative kUnaryResult{family::unary_backward, kSaveNone, save({0})};
constexpr Derivative kClampScalar{family::clamp_scalar_backward, save({0}), kSaveNone};
// floor_divide: PyTorch 1.13 records NotImplemented (backward through it fails).
constexpr Derivative kNoFormula{no_derivative, kSaveNone, kSaveNone};

// ---- binary ops: the call layout of ops_pointwise.cpp (tensor form, scalar form with `reverse`) ----

#define EMBER_BINARY_TENSOR_DEFS(name, op, grad)                                                                \
  const OpDef name##_tensor = pointwise_def(#name ".Tensor", kBinarySchema, OpKind::Compute,                   \
                                            family::binary_tensor_meta, family::binary_tensor_kernel, int32_t(op), \
                                            grad);                                                               \
  const OpDef name##__tensor = pointwise_def(#name "_.Tensor", kBinarySchema, OpKind::InPlace,                 \
                                             family::binary_tensor_meta, family::binary_tensor_kernel, int32_t(op), \
                                             grad);
#define EMBER_BINARY_SCALAR_DEFS(name, op, grad)                                                                \
  const OpDef name##_scalar = pointwise_def(#name ".Scalar", kBinaryScalarSchema, OpKind::Compute,             \
                                            family::binary_scalar_meta, family::binary_scalar_kernel, int32_t(op), \
                                            grad);                                                               \
  const OpDef name##__scalar = pointwise_def(#name "_.Scalar", kBinaryScalarSchema, OpKind::InPlace,           \
                                             family::binary_scalar_meta, family::binary_scalar_kernel, int32_t(op), \
                                             grad);

EMBER_BINARY_TENSOR_DEFS(floor_divide, BinaryOp::DivFloor, kNoFormula)
EMBER_BINARY_SCALAR_DEFS(floor_divide, BinaryOp::DivFloor, kNoFormula)
EMBER_BINARY_TENSOR_DEFS(remainder, BinaryOp::Remainder, kBinaryBoth)
EMBER_BINARY_SCALAR_DEFS(remainder, BinaryOp::Remainder, kBinaryScalarNone)
EMBER_BINARY_TENSOR_DEFS(fmod, BinaryOp::Fmod, kBinaryBoth)
EMBER_BINARY_SCALAR_DEFS(fmod, BinaryOp::Fmod, kBinaryScalarNone)
EMBER_BINARY_TENSOR_DEFS(pow, BinaryOp::Pow, (Derivative{family::binary_tensor_backward, save({0, 1}), save({0})}))
EMBER_BINARY_TENSOR_DEFS(atan2, BinaryOp::Atan2, kBinaryBoth)
EMBER_BINARY_TENSOR_DEFS(clamp_min, BinaryOp::Maximum, kBinaryBoth)
EMBER_BINARY_TENSOR_DEFS(clamp_max, BinaryOp::Minimum, kBinaryBoth)
EMBER_BINARY_TENSOR_DEFS(logical_and, BinaryOp::LogicalAnd, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(logical_or, BinaryOp::LogicalOr, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(logical_xor, BinaryOp::LogicalXor, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(bitwise_and, BinaryOp::BitwiseAnd, kNotDifferentiable)
EMBER_BINARY_SCALAR_DEFS(bitwise_and, BinaryOp::BitwiseAnd, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(bitwise_or, BinaryOp::BitwiseOr, kNotDifferentiable)
EMBER_BINARY_SCALAR_DEFS(bitwise_or, BinaryOp::BitwiseOr, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(bitwise_xor, BinaryOp::BitwiseXor, kNotDifferentiable)
EMBER_BINARY_SCALAR_DEFS(bitwise_xor, BinaryOp::BitwiseXor, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(bitwise_left_shift, BinaryOp::LeftShift, kNotDifferentiable)
EMBER_BINARY_SCALAR_DEFS(bitwise_left_shift, BinaryOp::LeftShift, kNotDifferentiable)
EMBER_BINARY_TENSOR_DEFS(bitwise_right_shift, BinaryOp::RightShift, kNotDifferentiable)
EMBER_BINARY_SCALAR_DEFS(bitwise_right_shift, BinaryOp::RightShift, kNotDifferentiable)
#undef EMBER_BINARY_TENSOR_DEFS
#undef EMBER_BINARY_SCALAR_DEFS

// pow(Scalar base, Tensor exponent) is the scalar form reversed; the binary ops without an in-place form:
const OpDef pow_scalar_base = pointwise_def("pow.Scalar", kBinaryScalarSchema, OpKind::Compute,
                                            family::binary_scalar_meta, family::binary_scalar_kernel,
                                            int32_t(BinaryOp::Pow),
                                            {family::binary_scalar_backward, save({0}), save({0})});
const OpDef minimum_def = pointwise_def("minimum", kBinarySchema, OpKind::Compute, family::binary_tensor_meta,
                                        family::binary_tensor_kernel, int32_t(BinaryOp::Minimum), kBinaryBoth);
const OpDef maximum_def = pointwise_def("maximum", kBinarySchema, OpKind::Compute, family::binary_tensor_meta,
                                        family::binary_tensor_kernel, int32_t(BinaryOp::Maximum), kBinaryBoth);

// ---- unary ops: inputs {self}, attrs are the parameters in the schema's order ----

#define EMBER_UNARY_DEF(var, name, schema, op, grad)                                                             \
  const OpDef var = pointwise_def(name, schema, OpKind::Compute, family::unary_meta, family::unary_kernel, \
                                  int32_t(op), grad);
#define EMBER_UNARY_INPLACE_DEF(var, name, schema, op, grad)                                                     \
  const OpDef var = pointwise_def(name, schema, OpKind::InPlace, family::unary_meta, family::unary_kernel, \
                                  int32_t(op), grad);
#define EMBER_UNARY_DEFS(name, op, grad)                                                        \
  EMBER_UNARY_DEF(name##_def, #name, "(Tensor self) -> Tensor", op, grad)                       \
  EMBER_UNARY_INPLACE_DEF(name##__def, #name "_", "(Tensor(a!) self) -> Tensor(a!)", op, grad)

EMBER_UNARY_DEFS(reciprocal, UnaryOp::Reciprocal, kUnaryResult)
EMBER_UNARY_DEFS(rsqrt, UnaryOp::Rsqrt, kUnaryResult)
EMBER_UNARY_DEFS(exp2, UnaryOp::Exp2, kUnaryResult)
EMBER_UNARY_DEFS(expm1, UnaryOp::Expm1, kUnaryResult)
EMBER_UNARY_DEFS(log2, UnaryOp::Log2, kUnarySelf)
EMBER_UNARY_DEFS(log10, UnaryOp::Log10, kUnarySelf)
EMBER_UNARY_DEFS(log1p, UnaryOp::Log1p, kUnarySelf)
EMBER_UNARY_DEFS(sin, UnaryOp::Sin, kUnarySelf)
EMBER_UNARY_DEFS(cos, UnaryOp::Cos, kUnarySelf)
EMBER_UNARY_DEFS(tan, UnaryOp::Tan, kUnaryResult)
EMBER_UNARY_DEFS(asin, UnaryOp::Asin, kUnarySelf)
EMBER_UNARY_DEFS(acos, UnaryOp::Acos, kUnarySelf)
EMBER_UNARY_DEFS(atan, UnaryOp::Atan, kUnarySelf)
EMBER_UNARY_DEFS(sinh, UnaryOp::Sinh, kUnarySelf)
EMBER_UNARY_DEFS(cosh, UnaryOp::Cosh, kUnarySelf)
EMBER_UNARY_DEFS(erf, UnaryOp::Erf, kUnarySelf)
EMBER_UNARY_DEFS(erfc, UnaryOp::Erfc, kUnarySelf)
EMBER_UNARY_DEFS(erfinv, UnaryOp::Erfinv, kUnaryResult)
EMBER_UNARY_DEFS(floor, UnaryOp::Floor, kUnaryNone)
EMBER_UNARY_DEFS(ceil, UnaryOp::Ceil, kUnaryNone)
EMBER_UNARY_DEFS(round, UnaryOp::Round, kUnaryNone)
EMBER_UNARY_DEFS(trunc, UnaryOp::Trunc, kUnaryNone)
EMBER_UNARY_DEFS(frac, UnaryOp::Frac, kUnaryNone)
EMBER_UNARY_DEFS(sign, UnaryOp::Sign, kUnaryNone)
EMBER_UNARY_DEFS(bitwise_not, UnaryOp::BitwiseNot, kNotDifferentiable)
EMBER_UNARY_DEFS(logical_not, UnaryOp::LogicalNot, kNotDifferentiable)
EMBER_UNARY_DEFS(silu, UnaryOp::Silu, kUnarySelf)
EMBER_UNARY_DEFS(mish, UnaryOp::Mish, kUnarySelf)
EMBER_UNARY_DEFS(hardsigmoid, UnaryOp::Hardsigmoid, kUnarySelf)
EMBER_UNARY_DEFS(hardswish, UnaryOp::Hardswish, kUnarySelf)
EMBER_UNARY_DEF(isnan_def, "isnan", "(Tensor self) -> Tensor", UnaryOp::IsNan, kNotDifferentiable)
EMBER_UNARY_DEF(isinf_def, "isinf", "(Tensor self) -> Tensor", UnaryOp::IsInf, kNotDifferentiable)
EMBER_UNARY_DEF(isfinite_def, "isfinite", "(Tensor self) -> Tensor", UnaryOp::IsFinite, kNotDifferentiable)
EMBER_UNARY_DEF(log_sigmoid_def, "log_sigmoid", "(Tensor self) -> Tensor", UnaryOp::LogSigmoid, kUnarySelf)

constexpr const char* kRoundDecimalsSchema = "(Tensor self, *, int decimals) -> Tensor";
EMBER_UNARY_DEF(round_decimals_def, "round.decimals", kRoundDecimalsSchema, UnaryOp::RoundDecimals, kUnaryNone)
EMBER_UNARY_INPLACE_DEF(round__decimals_def, "round_.decimals", kRoundDecimalsSchema, UnaryOp::RoundDecimals, kUnaryNone)
constexpr const char* kPowScalarSchema = "(Tensor self, Scalar exponent) -> Tensor";
EMBER_UNARY_DEF(pow_tensor_scalar, "pow.Tensor_Scalar", kPowScalarSchema, UnaryOp::PowScalar, kUnarySelf)
EMBER_UNARY_INPLACE_DEF(pow__tensor_scalar, "pow_.Scalar", kPowScalarSchema, UnaryOp::PowScalar, kUnarySelf)
constexpr const char* kNanToNumSchema = "(Tensor self, float? nan=None, float? posinf=None, float? neginf=None) -> Tensor";
EMBER_UNARY_DEF(nan_to_num_def, "nan_to_num", kNanToNumSchema, UnaryOp::NanToNum, kUnarySelf)
EMBER_UNARY_INPLACE_DEF(nan_to_num__def, "nan_to_num_", kNanToNumSchema, UnaryOp::NanToNum, kUnarySelf)
constexpr const char* kLeakyReluSchema = "(Tensor self, Scalar negative_slope=0.01) -> Tensor";
EMBER_UNARY_DEF(leaky_relu_def, "leaky_relu", kLeakyReluSchema, UnaryOp::LeakyRelu, kUnarySelf)
EMBER_UNARY_INPLACE_DEF(leaky_relu__def, "leaky_relu_", kLeakyReluSchema, UnaryOp::LeakyRelu, kUnaryResult)
constexpr const char* kEluSchema = "(Tensor self, Scalar alpha=1, Scalar scale=1, Scalar input_scale=1) -> Tensor";
EMBER_UNARY_DEF(elu_def, "elu", kEluSchema, UnaryOp::Elu, kUnarySelf)
EMBER_UNARY_INPLACE_DEF(elu__def, "elu_", kEluSchema, UnaryOp::Elu, kUnaryResult)
constexpr const char* kGeluSchema = "(Tensor self, *, str approximate='none') -> Tensor";
EMBER_UNARY_DEF(gelu_def, "gelu", kGeluSchema, UnaryOp::Gelu, kUnarySelf)
EMBER_UNARY_INPLACE_DEF(gelu__def, "gelu_", kGeluSchema, UnaryOp::Gelu, kUnarySelf)
EMBER_UNARY_DEF(softplus_def, "softplus", "(Tensor self, Scalar beta=1, Scalar threshold=20) -> Tensor",
                UnaryOp::Softplus, kUnarySelf)
#undef EMBER_UNARY_DEFS
#undef EMBER_UNARY_DEF
#undef EMBER_UNARY_INPLACE_DEF

// ---- clamps with scalar bounds ----

constexpr const char* kClampSchema = "(Tensor self, Scalar? min=None, Scalar? max=None) -> Tensor";
const OpDef clamp_def = pointwise_def("clamp", kClampSchema, OpKind::Compute, family::clamp_meta, family::clamp_kernel,
                                      int32_t(UnaryOp::Clamp), kClampScalar);
const OpDef clamp__def = pointwise_def("clamp_", kClampSchema, OpKind::InPlace, family::clamp_meta,
                                       family::clamp_kernel, int32_t(UnaryOp::Clamp), kClampScalar);
const OpDef clamp_min_scalar = pointwise_def("clamp_min", "(Tensor self, Scalar min) -> Tensor", OpKind::Compute,
                                             family::clamp_meta, family::clamp_kernel, int32_t(UnaryOp::ClampMin), kClampScalar);
const OpDef clamp_min__scalar = pointwise_def("clamp_min_", "(Tensor self, Scalar min) -> Tensor", OpKind::InPlace,
                                              family::clamp_meta, family::clamp_kernel, int32_t(UnaryOp::ClampMin), kClampScalar);
const OpDef clamp_max_scalar = pointwise_def("clamp_max", "(Tensor self, Scalar max) -> Tensor", OpKind::Compute,
                                             family::clamp_meta, family::clamp_kernel, int32_t(UnaryOp::ClampMax), kClampScalar);
const OpDef clamp_max__scalar = pointwise_def("clamp_max_", "(Tensor self, Scalar max) -> Tensor", OpKind::InPlace,
                                              family::clamp_meta, family::clamp_kernel, int32_t(UnaryOp::ClampMax), kClampScalar);
constexpr const char* kHardtanhSchema = "(Tensor self, Scalar min_val=-1, Scalar max_val=1) -> Tensor";
const OpDef hardtanh_def = pointwise_def("hardtanh", kHardtanhSchema, OpKind::Compute, family::hardtanh_meta,
                                         family::clamp_kernel, int32_t(UnaryOp::Clamp),
                                         {family::hardtanh_backward, save({0}), kSaveNone});
const OpDef hardtanh__def = pointwise_def("hardtanh_", kHardtanhSchema, OpKind::InPlace, family::hardtanh_meta,
                                          family::clamp_kernel, int32_t(UnaryOp::Clamp),
                                          {family::hardtanh_backward, kSaveNone, save({0})});

// ---- lerp, addcmul, addcdiv, clamp with tensor bounds ----

constexpr const char* kLerpScalarSchema = "(Tensor self, Tensor end, Scalar weight) -> Tensor";
const OpDef lerp_scalar = pointwise_def("lerp.Scalar", kLerpScalarSchema, OpKind::Compute, family::lerp_scalar_meta,
                                        family::lerp_scalar_kernel, int32_t(BinaryOp::Lerp),
                                        {family::lerp_scalar_backward, kSaveNone, kSaveNone});
const OpDef lerp__scalar = pointwise_def("lerp_.Scalar", kLerpScalarSchema, OpKind::InPlace, family::lerp_scalar_meta,
                                         family::lerp_scalar_kernel, int32_t(BinaryOp::Lerp),
                                        {family::lerp_scalar_backward, kSaveNone, kSaveNone});

#define EMBER_TERNARY_DEFS(var, name, inplace_name, schema, op, saves)                                             \
  const OpDef var##_def = pointwise_def(name, schema, OpKind::Compute, family::ternary_meta, family::ternary_kernel, \
                                        int32_t(op), {family::ternary_backward, saves, kSaveNone});               \
  const OpDef var##__def = pointwise_def(inplace_name, schema, OpKind::InPlace, family::ternary_meta,              \
                                         family::ternary_kernel, int32_t(op), {family::ternary_backward, saves, kSaveNone});

EMBER_TERNARY_DEFS(lerp_tensor, "lerp.Tensor", "lerp_.Tensor", "(Tensor self, Tensor end, Tensor weight) -> Tensor",
                   TernaryOp::Lerp, kSaveAll)
EMBER_TERNARY_DEFS(addcmul, "addcmul", "addcmul_",
                   "(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor", TernaryOp::Addcmul, save({1, 2}))
EMBER_TERNARY_DEFS(addcdiv, "addcdiv", "addcdiv_",
                   "(Tensor self, Tensor tensor1, Tensor tensor2, *, Scalar value=1) -> Tensor", TernaryOp::Addcdiv, save({1, 2}))
EMBER_TERNARY_DEFS(clamp_tensor, "clamp.Tensor", "clamp_.Tensor", "(Tensor self, Tensor min, Tensor max) -> Tensor",
                   TernaryOp::Clamp, kSaveAll)
#undef EMBER_TERNARY_DEFS

// ---- calls ----

Tensor call_unary(const OpDef& def, const Tensor& a, std::initializer_list<Attr> attrs = {}) {
  return family::call_op(def, {a}, attrs);
}
Tensor& call_unary_(const OpDef& def, Tensor& self, std::initializer_list<Attr> attrs = {}) {
  family::call_op(def, {self}, attrs);
  return self;
}
// The binary layout of ops_pointwise.cpp with alpha 1 and no rounding mode.
Tensor call_binary(const OpDef& def, const Tensor& a, const Tensor& b) {
  return family::call_op(def, {a, b}, {Scalar(1), Attr()});
}
Tensor call_binary(const OpDef& def, const Tensor& a, const Scalar& b, bool reverse = false) {
  return family::call_op(def, {a}, {b, Scalar(1), Attr(), reverse});
}
template <typename Other>
Tensor& call_binary_(const OpDef& def, Tensor& self, const Other& b) {
  call_binary(def, self, b);
  return self;
}

Attr optional_attr(const std::optional<Scalar>& s) { return s ? Attr(*s) : Attr(); }
Attr optional_attr(std::optional<double> d) { return d ? Attr(*d) : Attr(); }

// clamp with tensor bounds: both give the ternary op, one gives maximum / minimum semantics.
Tensor clamp_tensors(const Tensor& t, const std::optional<Tensor>& min, const std::optional<Tensor>& max, bool in_place) {
  const bool has_min = min && min->defined(), has_max = max && max->defined();
  EMBER_CHECK(has_min || has_max,
              "[clamp] torch.clamp: At least one of 'min' or 'max' must not be None. Pass a bound, or drop the clamp.");
  if (has_min && has_max) return family::call_op(in_place ? clamp_tensor__def : clamp_tensor_def, {t, *min, *max}, {});
  if (has_min) return call_binary(in_place ? clamp_min__tensor : clamp_min_tensor, t, *min);
  return call_binary(in_place ? clamp_max__tensor : clamp_max_tensor, t, *max);
}

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

Scalar celu_input_scale(const Scalar& alpha) {
  EMBER_CHECK(alpha.toDouble() != 0.0,
              "[celu] ZeroDivisionError: alpha cannot be 0 for CELU (it divides the input). Pass a nonzero alpha.");
  return 1.0 / alpha.toDouble();
}

}  // namespace

void register_pointwise_math_ops(OpRegistry& r) {
  for (const OpDef* d :
       // Registration order numbers grad_fn names (RemainderBackward0 is remainder.Scalar, as in PyTorch's
       // derivatives.yaml): the Scalar overloads of remainder, fmod, clamp_min and clamp_max come first.
       {&floor_divide_tensor, &floor_divide__tensor, &floor_divide_scalar, &floor_divide__scalar, &remainder_scalar,
        &remainder__scalar, &remainder_tensor, &remainder__tensor, &fmod_scalar, &fmod__scalar, &fmod_tensor,
        &fmod__tensor, &clamp_min_scalar, &clamp_min__scalar, &clamp_max_scalar, &clamp_max__scalar, &pow_tensor,
        &pow__tensor, &pow_scalar_base, &pow_tensor_scalar, &pow__tensor_scalar,
        &atan2_tensor, &atan2__tensor, &minimum_def, &maximum_def, &clamp_min_tensor, &clamp_min__tensor,
        &clamp_max_tensor, &clamp_max__tensor, &logical_and_tensor, &logical_and__tensor, &logical_or_tensor,
        &logical_or__tensor, &logical_xor_tensor, &logical_xor__tensor, &bitwise_and_tensor, &bitwise_and__tensor,
        &bitwise_and_scalar, &bitwise_and__scalar, &bitwise_or_tensor, &bitwise_or__tensor, &bitwise_or_scalar,
        &bitwise_or__scalar, &bitwise_xor_tensor, &bitwise_xor__tensor, &bitwise_xor_scalar, &bitwise_xor__scalar,
        &bitwise_left_shift_tensor, &bitwise_left_shift__tensor, &bitwise_left_shift_scalar,
        &bitwise_left_shift__scalar, &bitwise_right_shift_tensor, &bitwise_right_shift__tensor,
        &bitwise_right_shift_scalar, &bitwise_right_shift__scalar, &reciprocal_def, &reciprocal__def, &rsqrt_def,
        &rsqrt__def, &exp2_def, &exp2__def, &expm1_def, &expm1__def, &log2_def, &log2__def, &log10_def, &log10__def,
        &log1p_def, &log1p__def, &sin_def, &sin__def, &cos_def, &cos__def, &tan_def, &tan__def, &asin_def, &asin__def,
        &acos_def, &acos__def, &atan_def, &atan__def, &sinh_def, &sinh__def, &cosh_def, &cosh__def, &erf_def,
        &erf__def, &erfc_def, &erfc__def, &erfinv_def, &erfinv__def, &floor_def, &floor__def, &ceil_def, &ceil__def,
        &round_def, &round__def, &round_decimals_def, &round__decimals_def, &trunc_def, &trunc__def, &frac_def,
        &frac__def, &sign_def, &sign__def, &bitwise_not_def, &bitwise_not__def, &logical_not_def, &logical_not__def,
        &isnan_def, &isinf_def, &isfinite_def, &nan_to_num_def, &nan_to_num__def, &clamp_def, &clamp__def,
        &clamp_tensor_def,
        &clamp_tensor__def, &lerp_scalar, &lerp__scalar, &lerp_tensor_def, &lerp_tensor__def, &addcmul_def,
        &addcmul__def, &addcdiv_def, &addcdiv__def, &leaky_relu_def, &leaky_relu__def, &elu_def, &elu__def,
        &gelu_def, &gelu__def, &silu_def, &silu__def, &mish_def, &mish__def, &softplus_def, &hardtanh_def,
        &hardtanh__def, &hardsigmoid_def, &hardsigmoid__def, &hardswish_def, &hardswish__def, &log_sigmoid_def})
    r.add(d);
}

// ---- free functions ----

Tensor floor_divide(const Tensor& a, const Tensor& b) { return call_binary(floor_divide_tensor, a, b); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return call_binary(floor_divide_scalar, a, b); }
Tensor remainder(const Tensor& a, const Tensor& b) { return call_binary(remainder_tensor, a, b); }
Tensor remainder(const Tensor& a, const Scalar& b) { return call_binary(remainder_scalar, a, b); }
Tensor remainder(const Scalar& a, const Tensor& b) { return call_binary(remainder_scalar, b, a, /*reverse=*/true); }
Tensor fmod(const Tensor& a, const Tensor& b) { return call_binary(fmod_tensor, a, b); }
Tensor fmod(const Tensor& a, const Scalar& b) { return call_binary(fmod_scalar, a, b); }
Tensor pow(const Tensor& base, const Tensor& exponent) { return call_binary(pow_tensor, base, exponent); }
Tensor pow(const Tensor& base, const Scalar& exponent) { return call_unary(pow_tensor_scalar, base, {exponent}); }
Tensor pow(const Scalar& base, const Tensor& exponent) {
  return call_binary(pow_scalar_base, exponent, base, /*reverse=*/true);
}
Tensor atan2(const Tensor& a, const Tensor& b) { return call_binary(atan2_tensor, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return call_binary(minimum_def, a, b); }
Tensor maximum(const Tensor& a, const Tensor& b) { return call_binary(maximum_def, a, b); }

Tensor reciprocal(const Tensor& t) { return call_unary(reciprocal_def, t); }
Tensor rsqrt(const Tensor& t) { return call_unary(rsqrt_def, t); }
Tensor exp2(const Tensor& t) { return call_unary(exp2_def, t); }
Tensor expm1(const Tensor& t) { return call_unary(expm1_def, t); }
Tensor log2(const Tensor& t) { return call_unary(log2_def, t); }
Tensor log10(const Tensor& t) { return call_unary(log10_def, t); }
Tensor log1p(const Tensor& t) { return call_unary(log1p_def, t); }
Tensor sin(const Tensor& t) { return call_unary(sin_def, t); }
Tensor cos(const Tensor& t) { return call_unary(cos_def, t); }
Tensor tan(const Tensor& t) { return call_unary(tan_def, t); }
Tensor asin(const Tensor& t) { return call_unary(asin_def, t); }
Tensor acos(const Tensor& t) { return call_unary(acos_def, t); }
Tensor atan(const Tensor& t) { return call_unary(atan_def, t); }
Tensor sinh(const Tensor& t) { return call_unary(sinh_def, t); }
Tensor cosh(const Tensor& t) { return call_unary(cosh_def, t); }
Tensor erf(const Tensor& t) { return call_unary(erf_def, t); }
Tensor erfc(const Tensor& t) { return call_unary(erfc_def, t); }
Tensor erfinv(const Tensor& t) { return call_unary(erfinv_def, t); }
Tensor floor(const Tensor& t) { return call_unary(floor_def, t); }
Tensor ceil(const Tensor& t) { return call_unary(ceil_def, t); }
Tensor round(const Tensor& t) { return call_unary(round_def, t); }
Tensor round(const Tensor& t, int64_t decimals) { return call_unary(round_decimals_def, t, {decimals}); }
Tensor trunc(const Tensor& t) { return call_unary(trunc_def, t); }
Tensor frac(const Tensor& t) { return call_unary(frac_def, t); }
Tensor sign(const Tensor& t) { return call_unary(sign_def, t); }

Tensor clamp(const Tensor& t, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return call_unary(clamp_def, t, {optional_attr(min), optional_attr(max)});
}
Tensor clamp(const Tensor& t, const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  return clamp_tensors(t, min, max, /*in_place=*/false);
}
Tensor clamp_min(const Tensor& t, const Scalar& min) { return call_unary(clamp_min_scalar, t, {min}); }
Tensor clamp_min(const Tensor& t, const Tensor& min) { return call_binary(clamp_min_tensor, t, min); }
Tensor clamp_max(const Tensor& t, const Scalar& max) { return call_unary(clamp_max_scalar, t, {max}); }
Tensor clamp_max(const Tensor& t, const Tensor& max) { return call_binary(clamp_max_tensor, t, max); }

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  return family::call_op(lerp_scalar, {start, end}, {weight});
}
Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  return family::call_op(lerp_tensor_def, {start, end, weight}, {});
}
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) {
  return family::call_op(addcmul_def, {self, tensor1, tensor2}, {value});
}
Tensor addcdiv(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) {
  return family::call_op(addcdiv_def, {self, tensor1, tensor2}, {value});
}

Tensor logical_and(const Tensor& a, const Tensor& b) { return call_binary(logical_and_tensor, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return call_binary(logical_or_tensor, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return call_binary(logical_xor_tensor, a, b); }
Tensor logical_not(const Tensor& t) { return call_unary(logical_not_def, t); }
Tensor bitwise_and(const Tensor& a, const Tensor& b) { return call_binary(bitwise_and_tensor, a, b); }
Tensor bitwise_and(const Tensor& a, const Scalar& b) { return call_binary(bitwise_and_scalar, a, b); }
Tensor bitwise_and(const Scalar& a, const Tensor& b) { return call_binary(bitwise_and_scalar, b, a, /*reverse=*/true); }
Tensor bitwise_or(const Tensor& a, const Tensor& b) { return call_binary(bitwise_or_tensor, a, b); }
Tensor bitwise_or(const Tensor& a, const Scalar& b) { return call_binary(bitwise_or_scalar, a, b); }
Tensor bitwise_or(const Scalar& a, const Tensor& b) { return call_binary(bitwise_or_scalar, b, a, /*reverse=*/true); }
Tensor bitwise_xor(const Tensor& a, const Tensor& b) { return call_binary(bitwise_xor_tensor, a, b); }
Tensor bitwise_xor(const Tensor& a, const Scalar& b) { return call_binary(bitwise_xor_scalar, a, b); }
Tensor bitwise_xor(const Scalar& a, const Tensor& b) { return call_binary(bitwise_xor_scalar, b, a, /*reverse=*/true); }
Tensor bitwise_not(const Tensor& t) { return call_unary(bitwise_not_def, t); }
Tensor bitwise_left_shift(const Tensor& a, const Tensor& b) { return call_binary(bitwise_left_shift_tensor, a, b); }
Tensor bitwise_left_shift(const Tensor& a, const Scalar& b) { return call_binary(bitwise_left_shift_scalar, a, b); }
Tensor bitwise_left_shift(const Scalar& a, const Tensor& b) {
  return call_binary(bitwise_left_shift_scalar, b, a, /*reverse=*/true);
}
Tensor bitwise_right_shift(const Tensor& a, const Tensor& b) { return call_binary(bitwise_right_shift_tensor, a, b); }
Tensor bitwise_right_shift(const Tensor& a, const Scalar& b) { return call_binary(bitwise_right_shift_scalar, a, b); }
Tensor bitwise_right_shift(const Scalar& a, const Tensor& b) {
  return call_binary(bitwise_right_shift_scalar, b, a, /*reverse=*/true);
}

Tensor isnan(const Tensor& t) { return call_unary(isnan_def, t); }
Tensor isinf(const Tensor& t) { return call_unary(isinf_def, t); }
Tensor isfinite(const Tensor& t) { return call_unary(isfinite_def, t); }
Tensor nan_to_num(const Tensor& t, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  return call_unary(nan_to_num_def, t, {optional_attr(nan), optional_attr(posinf), optional_attr(neginf)});
}

// ---- activations ----

Tensor relu6(const Tensor& t) { return hardtanh(t, 0, 6); }
Tensor& relu6_(Tensor& t) { return hardtanh_(t, 0, 6); }
Tensor leaky_relu(const Tensor& t, const Scalar& negative_slope) { return call_unary(leaky_relu_def, t, {negative_slope}); }
Tensor& leaky_relu_(Tensor& t, const Scalar& negative_slope) { return call_unary_(leaky_relu__def, t, {negative_slope}); }
Tensor elu(const Tensor& t, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return call_unary(elu_def, t, {alpha, scale, input_scale});
}
Tensor& elu_(Tensor& t, const Scalar& alpha, const Scalar& scale, const Scalar& input_scale) {
  return call_unary_(elu__def, t, {alpha, scale, input_scale});
}
Tensor selu(const Tensor& t) { return elu(t, kSeluAlpha, kSeluScale, 1); }
Tensor& selu_(Tensor& t) { return elu_(t, kSeluAlpha, kSeluScale, 1); }
Tensor celu(const Tensor& t, const Scalar& alpha) { return elu(t, alpha, 1, celu_input_scale(alpha)); }
Tensor& celu_(Tensor& t, const Scalar& alpha) { return elu_(t, alpha, 1, celu_input_scale(alpha)); }
Tensor gelu(const Tensor& t, std::string_view approximate) {
  return call_unary(gelu_def, t, {std::string(approximate)});
}
Tensor& gelu_(Tensor& t, std::string_view approximate) { return call_unary_(gelu__def, t, {std::string(approximate)}); }
Tensor silu(const Tensor& t) { return call_unary(silu_def, t); }
Tensor& silu_(Tensor& t) { return call_unary_(silu__def, t); }
Tensor mish(const Tensor& t) { return call_unary(mish_def, t); }
Tensor& mish_(Tensor& t) { return call_unary_(mish__def, t); }
Tensor softplus(const Tensor& t, const Scalar& beta, const Scalar& threshold) {
  return call_unary(softplus_def, t, {beta, threshold});
}
Tensor hardtanh(const Tensor& t, const Scalar& min_val, const Scalar& max_val) {
  return call_unary(hardtanh_def, t, {min_val, max_val});
}
Tensor& hardtanh_(Tensor& t, const Scalar& min_val, const Scalar& max_val) {
  return call_unary_(hardtanh__def, t, {min_val, max_val});
}
Tensor hardsigmoid(const Tensor& t) { return call_unary(hardsigmoid_def, t); }
Tensor& hardsigmoid_(Tensor& t) { return call_unary_(hardsigmoid__def, t); }
Tensor hardswish(const Tensor& t) { return call_unary(hardswish_def, t); }
Tensor& hardswish_(Tensor& t) { return call_unary_(hardswish__def, t); }
Tensor log_sigmoid(const Tensor& t) { return call_unary(log_sigmoid_def, t); }

// ---- methods ----

Tensor Tensor::floor_divide(const Tensor& o) const { return ember::floor_divide(*this, o); }
Tensor Tensor::floor_divide(const Scalar& o) const { return ember::floor_divide(*this, o); }
Tensor& Tensor::floor_divide_(const Tensor& o) { return call_binary_(floor_divide__tensor, *this, o); }
Tensor& Tensor::floor_divide_(const Scalar& o) { return call_binary_(floor_divide__scalar, *this, o); }
Tensor Tensor::remainder(const Tensor& o) const { return ember::remainder(*this, o); }
Tensor Tensor::remainder(const Scalar& o) const { return ember::remainder(*this, o); }
Tensor& Tensor::remainder_(const Tensor& o) { return call_binary_(remainder__tensor, *this, o); }
Tensor& Tensor::remainder_(const Scalar& o) { return call_binary_(remainder__scalar, *this, o); }
Tensor Tensor::fmod(const Tensor& o) const { return ember::fmod(*this, o); }
Tensor Tensor::fmod(const Scalar& o) const { return ember::fmod(*this, o); }
Tensor& Tensor::fmod_(const Tensor& o) { return call_binary_(fmod__tensor, *this, o); }
Tensor& Tensor::fmod_(const Scalar& o) { return call_binary_(fmod__scalar, *this, o); }
Tensor Tensor::pow(const Tensor& exponent) const { return ember::pow(*this, exponent); }
Tensor Tensor::pow(const Scalar& exponent) const { return ember::pow(*this, exponent); }
Tensor& Tensor::pow_(const Tensor& exponent) { return call_binary_(pow__tensor, *this, exponent); }
Tensor& Tensor::pow_(const Scalar& exponent) { return call_unary_(pow__tensor_scalar, *this, {exponent}); }
Tensor Tensor::atan2(const Tensor& o) const { return ember::atan2(*this, o); }
Tensor& Tensor::atan2_(const Tensor& o) { return call_binary_(atan2__tensor, *this, o); }
Tensor Tensor::minimum(const Tensor& o) const { return ember::minimum(*this, o); }
Tensor Tensor::maximum(const Tensor& o) const { return ember::maximum(*this, o); }

#define EMBER_UNARY_METHODS(name)                                    \
  Tensor Tensor::name() const { return ember::name(*this); }         \
  Tensor& Tensor::name##_() { return call_unary_(name##__def, *this); }
EMBER_UNARY_METHODS(reciprocal)
EMBER_UNARY_METHODS(rsqrt)
EMBER_UNARY_METHODS(exp2)
EMBER_UNARY_METHODS(expm1)
EMBER_UNARY_METHODS(log2)
EMBER_UNARY_METHODS(log10)
EMBER_UNARY_METHODS(log1p)
EMBER_UNARY_METHODS(sin)
EMBER_UNARY_METHODS(cos)
EMBER_UNARY_METHODS(tan)
EMBER_UNARY_METHODS(asin)
EMBER_UNARY_METHODS(acos)
EMBER_UNARY_METHODS(atan)
EMBER_UNARY_METHODS(sinh)
EMBER_UNARY_METHODS(cosh)
EMBER_UNARY_METHODS(erf)
EMBER_UNARY_METHODS(erfc)
EMBER_UNARY_METHODS(erfinv)
EMBER_UNARY_METHODS(floor)
EMBER_UNARY_METHODS(ceil)
EMBER_UNARY_METHODS(round)
EMBER_UNARY_METHODS(trunc)
EMBER_UNARY_METHODS(frac)
EMBER_UNARY_METHODS(sign)
EMBER_UNARY_METHODS(bitwise_not)
EMBER_UNARY_METHODS(logical_not)
#undef EMBER_UNARY_METHODS
Tensor Tensor::round(int64_t decimals) const { return ember::round(*this, decimals); }
Tensor& Tensor::round_(int64_t decimals) { return call_unary_(round__decimals_def, *this, {decimals}); }

Tensor Tensor::clamp(const std::optional<Scalar>& min, const std::optional<Scalar>& max) const {
  return ember::clamp(*this, min, max);
}
Tensor Tensor::clamp(const std::optional<Tensor>& min, const std::optional<Tensor>& max) const {
  return ember::clamp(*this, min, max);
}
Tensor& Tensor::clamp_(const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  return call_unary_(clamp__def, *this, {optional_attr(min), optional_attr(max)});
}
Tensor& Tensor::clamp_(const std::optional<Tensor>& min, const std::optional<Tensor>& max) {
  clamp_tensors(*this, min, max, /*in_place=*/true);
  return *this;
}
Tensor Tensor::clamp_min(const Scalar& min) const { return ember::clamp_min(*this, min); }
Tensor Tensor::clamp_min(const Tensor& min) const { return ember::clamp_min(*this, min); }
Tensor& Tensor::clamp_min_(const Scalar& min) { return call_unary_(clamp_min__scalar, *this, {min}); }
Tensor& Tensor::clamp_min_(const Tensor& min) { return call_binary_(clamp_min__tensor, *this, min); }
Tensor Tensor::clamp_max(const Scalar& max) const { return ember::clamp_max(*this, max); }
Tensor Tensor::clamp_max(const Tensor& max) const { return ember::clamp_max(*this, max); }
Tensor& Tensor::clamp_max_(const Scalar& max) { return call_unary_(clamp_max__scalar, *this, {max}); }
Tensor& Tensor::clamp_max_(const Tensor& max) { return call_binary_(clamp_max__tensor, *this, max); }

Tensor Tensor::lerp(const Tensor& end, const Scalar& weight) const { return ember::lerp(*this, end, weight); }
Tensor Tensor::lerp(const Tensor& end, const Tensor& weight) const { return ember::lerp(*this, end, weight); }
Tensor& Tensor::lerp_(const Tensor& end, const Scalar& weight) {
  family::call_op(lerp__scalar, {*this, end}, {weight});
  return *this;
}
Tensor& Tensor::lerp_(const Tensor& end, const Tensor& weight) {
  family::call_op(lerp_tensor__def, {*this, end, weight}, {});
  return *this;
}
Tensor Tensor::addcmul(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) const {
  return ember::addcmul(*this, tensor1, tensor2, value);
}
Tensor& Tensor::addcmul_(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) {
  family::call_op(addcmul__def, {*this, tensor1, tensor2}, {value});
  return *this;
}
Tensor Tensor::addcdiv(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) const {
  return ember::addcdiv(*this, tensor1, tensor2, value);
}
Tensor& Tensor::addcdiv_(const Tensor& tensor1, const Tensor& tensor2, const Scalar& value) {
  family::call_op(addcdiv__def, {*this, tensor1, tensor2}, {value});
  return *this;
}

Tensor Tensor::logical_and(const Tensor& o) const { return ember::logical_and(*this, o); }
Tensor Tensor::logical_or(const Tensor& o) const { return ember::logical_or(*this, o); }
Tensor Tensor::logical_xor(const Tensor& o) const { return ember::logical_xor(*this, o); }
Tensor& Tensor::logical_and_(const Tensor& o) { return call_binary_(logical_and__tensor, *this, o); }
Tensor& Tensor::logical_or_(const Tensor& o) { return call_binary_(logical_or__tensor, *this, o); }
Tensor& Tensor::logical_xor_(const Tensor& o) { return call_binary_(logical_xor__tensor, *this, o); }

#define EMBER_BITWISE_METHODS(name)                                                          \
  Tensor Tensor::name(const Tensor& o) const { return ember::name(*this, o); }               \
  Tensor Tensor::name(const Scalar& o) const { return ember::name(*this, o); }               \
  Tensor& Tensor::name##_(const Tensor& o) { return call_binary_(name##__tensor, *this, o); }        \
  Tensor& Tensor::name##_(const Scalar& o) { return call_binary_(name##__scalar, *this, o); }
EMBER_BITWISE_METHODS(bitwise_and)
EMBER_BITWISE_METHODS(bitwise_or)
EMBER_BITWISE_METHODS(bitwise_xor)
EMBER_BITWISE_METHODS(bitwise_left_shift)
EMBER_BITWISE_METHODS(bitwise_right_shift)
#undef EMBER_BITWISE_METHODS

Tensor Tensor::isnan() const { return ember::isnan(*this); }
Tensor Tensor::isinf() const { return ember::isinf(*this); }
Tensor Tensor::isfinite() const { return ember::isfinite(*this); }
Tensor Tensor::nan_to_num(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) const {
  return ember::nan_to_num(*this, nan, posinf, neginf);
}
Tensor& Tensor::nan_to_num_(std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
  return call_unary_(nan_to_num__def, *this, {optional_attr(nan), optional_attr(posinf), optional_attr(neginf)});
}

// ---- operators ----

Tensor operator~(const Tensor& t) { return bitwise_not(t); }
Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator&(const Tensor& a, const Scalar& b) { return bitwise_and(a, b); }
Tensor operator&(const Scalar& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator|(const Tensor& a, const Scalar& b) { return bitwise_or(a, b); }
Tensor operator|(const Scalar& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }
Tensor operator^(const Tensor& a, const Scalar& b) { return bitwise_xor(a, b); }
Tensor operator^(const Scalar& a, const Tensor& b) { return bitwise_xor(a, b); }

}  // namespace ember
