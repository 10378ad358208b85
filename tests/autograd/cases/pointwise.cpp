// Gradcheck cases: the pointwise family beyond add/sub/mul/div (unary math, activations, powers, remainders,
// clamps, lerp/addcmul/addcdiv, where), each with a plain, a strided and a 0-d input where it makes sense,
// broadcasting for the ops that broadcast, and the in-place forms applied to a non-leaf.
#include "grad_cases.h"

namespace ember::test {
namespace {

using L = variable_list;
using Unary = std::function<Tensor(const Tensor&)>;
using UnaryInPlace = std::function<void(Tensor&)>;

// A non-contiguous input with values in [lo, hi): every other column of a wider leaf.
Tensor strided_in(IntArrayRef sizes, double lo, double hi, uint64_t seed = 1) {
  DimVector wide(sizes);
  wide.back() *= 2;
  return leaf_in(wide, lo, hi, seed).slice(-1, 0, std::nullopt, 2);
}

// f on a 2x3 input, a strided 2x2 input and a 0-d input; f_ (when given) on a non-leaf copy of the first.
// Inputs are drawn from [lo, hi) (randn when lo == hi).
void unary(std::vector<GradCase>& cases, const std::string& name, Unary f, UnaryInPlace f_, double lo = 0,
           double hi = 0, bool gradgrad = true) {
  const bool ranged = lo != hi;
  cases.push_back({name,
                   [=] {
                     if (ranged) return L{leaf_in({2, 3}, lo, hi), strided_in({2, 2}, lo, hi, 2), leaf_in({}, lo, hi, 3)};
                     return L{leaf({2, 3}), strided({2, 2}, 2), leaf({}, 3)};
                   },
                   [=](const L& x) {
                     L out{f(x[0]), f(x[1]), f(x[2])};
                     if (f_) {
                       Tensor y = x[0] * 1.0;
                       f_(y);
                       out.push_back(y);
                     }
                     return out;
                   },
                   gradgrad});
}

void add_unary_cases(std::vector<GradCase>& cases) {
  unary(cases, "neg", [](const Tensor& x) { return x.neg(); }, [](Tensor& y) { y.neg_(); });
  unary(cases, "abs", [](const Tensor& x) { return x.abs(); }, [](Tensor& y) { y.abs_(); });
  unary(cases, "exp", [](const Tensor& x) { return x.exp(); }, [](Tensor& y) { y.exp_(); });
  unary(cases, "log", [](const Tensor& x) { return x.log(); }, [](Tensor& y) { y.log_(); }, 0.5, 2.0);
  unary(cases, "sqrt", [](const Tensor& x) { return x.sqrt(); }, [](Tensor& y) { y.sqrt_(); }, 0.5, 2.0);
  unary(cases, "relu", [](const Tensor& x) { return x.relu(); }, [](Tensor& y) { y.relu_(); });
  unary(cases, "sigmoid", [](const Tensor& x) { return x.sigmoid(); }, [](Tensor& y) { y.sigmoid_(); });
  unary(cases, "tanh", [](const Tensor& x) { return x.tanh(); }, [](Tensor& y) { y.tanh_(); });
  unary(cases, "reciprocal", [](const Tensor& x) { return x.reciprocal(); }, [](Tensor& y) { y.reciprocal_(); }, 0.5,
        2.0);
  unary(cases, "rsqrt", [](const Tensor& x) { return x.rsqrt(); }, [](Tensor& y) { y.rsqrt_(); }, 0.5, 2.0);
  unary(cases, "exp2", [](const Tensor& x) { return x.exp2(); }, [](Tensor& y) { y.exp2_(); });
  unary(cases, "expm1", [](const Tensor& x) { return x.expm1(); }, [](Tensor& y) { y.expm1_(); });
  unary(cases, "log2", [](const Tensor& x) { return x.log2(); }, [](Tensor& y) { y.log2_(); }, 0.5, 2.0);
  unary(cases, "log10", [](const Tensor& x) { return x.log10(); }, [](Tensor& y) { y.log10_(); }, 0.5, 2.0);
  unary(cases, "log1p", [](const Tensor& x) { return x.log1p(); }, [](Tensor& y) { y.log1p_(); }, -0.5, 2.0);
  unary(cases, "sin", [](const Tensor& x) { return x.sin(); }, [](Tensor& y) { y.sin_(); });
  unary(cases, "cos", [](const Tensor& x) { return x.cos(); }, [](Tensor& y) { y.cos_(); });
  unary(cases, "tan", [](const Tensor& x) { return x.tan(); }, [](Tensor& y) { y.tan_(); }, -1.2, 1.2);
  unary(cases, "asin", [](const Tensor& x) { return x.asin(); }, [](Tensor& y) { y.asin_(); }, -0.8, 0.8);
  unary(cases, "acos", [](const Tensor& x) { return x.acos(); }, [](Tensor& y) { y.acos_(); }, -0.8, 0.8);
  unary(cases, "atan", [](const Tensor& x) { return x.atan(); }, [](Tensor& y) { y.atan_(); });
  unary(cases, "sinh", [](const Tensor& x) { return x.sinh(); }, [](Tensor& y) { y.sinh_(); });
  unary(cases, "cosh", [](const Tensor& x) { return x.cosh(); }, [](Tensor& y) { y.cosh_(); });
  unary(cases, "erf", [](const Tensor& x) { return x.erf(); }, [](Tensor& y) { y.erf_(); });
  unary(cases, "erfc", [](const Tensor& x) { return x.erfc(); }, [](Tensor& y) { y.erfc_(); });
  unary(cases, "erfinv", [](const Tensor& x) { return x.erfinv(); }, [](Tensor& y) { y.erfinv_(); }, -0.8, 0.8);
  // Zero derivatives (away from the jumps, which random inputs do not hit).
  unary(cases, "floor", [](const Tensor& x) { return x.floor(); }, [](Tensor& y) { y.floor_(); });
  unary(cases, "ceil", [](const Tensor& x) { return x.ceil(); }, [](Tensor& y) { y.ceil_(); });
  unary(cases, "round", [](const Tensor& x) { return x.round(); }, [](Tensor& y) { y.round_(); });
  unary(cases, "round decimals", [](const Tensor& x) { return x.round(2); }, [](Tensor& y) { y.round_(2); });
  unary(cases, "trunc", [](const Tensor& x) { return x.trunc(); }, [](Tensor& y) { y.trunc_(); });
  unary(cases, "sign", [](const Tensor& x) { return x.sign(); }, [](Tensor& y) { y.sign_(); });
  unary(cases, "frac", [](const Tensor& x) { return x.frac(); }, [](Tensor& y) { y.frac_(); });
  unary(cases, "nan_to_num", [](const Tensor& x) { return x.nan_to_num(0.5); }, [](Tensor& y) { y.nan_to_num_(); });
  // Powers with a scalar exponent: integer, fractional, negative, zero.
  unary(cases, "pow scalar exponent", [](const Tensor& x) { return x.pow(3); }, [](Tensor& y) { y.pow_(2.0); });
  unary(cases, "pow fractional exponent", [](const Tensor& x) { return x.pow(-1.5) + x.pow(0.0); },
        [](Tensor& y) { y.pow_(2.5); }, 0.5, 2.0);
  // Activations.
  unary(cases, "leaky_relu", [](const Tensor& x) { return leaky_relu(x, 0.2); }, [](Tensor& y) { leaky_relu_(y, 0.3); });
  unary(cases, "elu", [](const Tensor& x) { return elu(x, 1.3, 1.1, 0.9); }, [](Tensor& y) { elu_(y, 0.7, 1.2, 1.5); });
  unary(cases, "selu celu", [](const Tensor& x) { return selu(x) + celu(x, 0.5); }, [](Tensor& y) { celu_(y, 2.0); });
  unary(cases, "gelu", [](const Tensor& x) { return gelu(x); }, [](Tensor& y) { gelu_(y); });
  unary(cases, "gelu tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, [](Tensor& y) { gelu_(y, "tanh"); });
  unary(cases, "silu", [](const Tensor& x) { return silu(x); }, [](Tensor& y) { silu_(y); });
  unary(cases, "mish", [](const Tensor& x) { return mish(x); }, [](Tensor& y) { mish_(y); });
  unary(cases, "softplus", [](const Tensor& x) { return softplus(x) + softplus(x, 2.0, 1.0); }, nullptr);
  unary(cases, "hardsigmoid", [](const Tensor& x) { return hardsigmoid(x); }, [](Tensor& y) { hardsigmoid_(y); }, -4.0,
        4.0);
  unary(cases, "hardswish", [](const Tensor& x) { return hardswish(x); }, [](Tensor& y) { hardswish_(y); }, -4.0, 4.0);
  unary(cases, "log_sigmoid", [](const Tensor& x) { return log_sigmoid(x); }, nullptr);
  // Clamps with scalar bounds (both, min only, max only) and hardtanh.
  unary(cases, "clamp scalar",
        [](const Tensor& x) { return x.clamp(-0.5, 0.7) + x.clamp(-0.3, std::nullopt) + x.clamp(std::nullopt, 0.2); },
        [](Tensor& y) { y.clamp_(-0.4, 0.6); });
  unary(cases, "clamp_min scalar", [](const Tensor& x) { return x.clamp_min(0.1); }, [](Tensor& y) { y.clamp_min_(-0.2); });
  unary(cases, "clamp_max scalar", [](const Tensor& x) { return x.clamp_max(0.1); }, [](Tensor& y) { y.clamp_max_(-0.2); });
  unary(cases, "hardtanh", [](const Tensor& x) { return hardtanh(x, -0.5, 0.8) + relu6(x * 4.0); },
        [](Tensor& y) { hardtanh_(y, -0.6, 0.4); });
}

void add_binary_cases(std::vector<GradCase>& cases) {
  cases.push_back({"remainder", [] { return L{leaf({2, 3}), leaf_in({3}, 0.5, 2.0, 2), strided({2, 2}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.remainder_(x[1]).remainder_(0.7);
                     return L{remainder(x[0], x[1]), remainder(x[2], -1.3), x[0].remainder(-x[1]), y};
                   }});
  // div with a rounding mode: zero gradients (away from the jumps).
  cases.push_back({"div rounding modes", [] { return L{leaf({2, 3}), leaf_in({3}, 0.5, 2.0, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.div_(x[1], "floor").div_(0.7, "trunc");
                     return L{div(x[0], x[1], "floor"), div(x[0], x[1], "trunc"), div(x[0], 0.3, "floor"), y};
                   }});
  cases.push_back({"fmod", [] { return L{leaf({2, 3}), leaf_in({3}, 0.5, 2.0, 2), strided({2, 2}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.fmod_(x[1]).fmod_(0.7);
                     return L{fmod(x[0], x[1]), fmod(x[2], -1.3), x[0].fmod(-x[1]), y};
                   }});
  cases.push_back({"pow tensor exponent", [] { return L{leaf_in({2, 3}, 0.5, 2.0), leaf({3}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.pow_(x[1]);
                     return L{pow(x[0], x[1]), pow(x[0], x[2]), pow(2.5, x[1]), pow(0.5, x[2]), y};
                   }});
  cases.push_back({"atan2", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.atan2_(x[2]);
                     return L{atan2(x[0], x[1]), atan2(x[2], x[0]), y};
                   }});
  cases.push_back({"minimum maximum", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) { return L{minimum(x[0], x[1]), maximum(x[0], x[1]), maximum(x[2], x[0])}; }});
  cases.push_back({"clamp_min clamp_max tensor", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.clamp_min_(x[1]).clamp_max_(x[2]);
                     return L{clamp_min(x[0], x[1]), clamp_max(x[2], x[1]), y};
                   }});
  // Some elements have min > max (the result is max there).
  cases.push_back({"clamp tensor", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.clamp_(x[1] - 0.3, x[2]);
                     return L{clamp(x[0], std::optional<Tensor>(x[1] - 0.5), std::optional<Tensor>(x[2])),
                              clamp(x[2], std::optional<Tensor>(x[1]), std::nullopt), y};
                   }});
}

void add_ternary_cases(std::vector<GradCase>& cases) {
  cases.push_back({"lerp", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.lerp_(x[1], 0.3).lerp_(x[2], x[1]);
                     return L{lerp(x[0], x[1], 0.7), lerp(x[0], x[2], x[1]), lerp(x[1], x[0], x[2]), y};
                   }});
  cases.push_back({"addcmul addcdiv", [] { return L{leaf({2, 3}), leaf({3}, 2), leaf_in({2, 1}, 0.5, 2.0, 3)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.addcmul_(x[1], x[2], 0.5).addcdiv_(x[1], x[2], -1.5);
                     return L{addcmul(x[0], x[1], x[2], 2.0), addcdiv(x[0], x[1], x[2], 0.5), addcdiv(x[1], x[0], x[2]),
                              y};
                   }});
  cases.push_back({"where", [] { return L{leaf({2, 3}), leaf({3}, 2), strided({2, 3}, 3)}; },
                   [](const L& x) {
                     return L{where(x[0] > 0.0, x[0], x[1]), where(x[2] > 0.0, x[1], x[2]), where(x[0] > 0, x[0], 1.5)};
                   }});
}

void add_cases(std::vector<GradCase>& cases) {
  add_unary_cases(cases);
  add_binary_cases(cases);
  add_ternary_cases(cases);
}

const GradCaseRegistrar registrar(add_cases);

}  // namespace
}  // namespace ember::test
