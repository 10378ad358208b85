// Dispatch from MathFn to its emitter, and the functions' names.
#include "jit/cpu/vec_math.h"

#include "kernels/check.h"

namespace ember::jit::cpu {

std::string_view math_fn_name(MathFn fn) {
  switch (fn) {
    case MathFn::Exp: return "exp";
    case MathFn::Log: return "log";
    case MathFn::Tanh: return "tanh";
    case MathFn::Sigmoid: return "sigmoid";
    case MathFn::Erf: return "erf";
    case MathFn::Gelu: return "gelu";
    case MathFn::GeluTanh: return "gelu_tanh";
    case MathFn::Sin: return "sin";
    case MathFn::Cos: return "cos";
    case MathFn::Pow: return "pow";
  }
  return "unknown";
}

void emit_unary(const VecEmitter& e, MathFn fn, const x86::Vec& dst, const x86::Vec& x) {
  switch (fn) {
    case MathFn::Exp: return emit_exp(e, dst, x);
    case MathFn::Log: return emit_log(e, dst, x);
    case MathFn::Tanh: return emit_tanh(e, dst, x);
    case MathFn::Sigmoid: return emit_sigmoid(e, dst, x);
    case MathFn::Erf: return emit_erf(e, dst, x);
    case MathFn::Gelu: return emit_gelu(e, dst, x);
    case MathFn::GeluTanh: return emit_gelu_tanh(e, dst, x);
    case MathFn::Sin: return emit_sin(e, dst, x);
    case MathFn::Cos: return emit_cos(e, dst, x);
    case MathFn::Pow: break;
  }
  EMBER_FAIL("[jit.cpu] {} takes two arguments: use emit_pow", math_fn_name(fn));
}

}  // namespace ember::jit::cpu
