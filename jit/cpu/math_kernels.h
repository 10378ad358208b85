// The functions of the vectorised math library, and a harness compiling one of them into a loop over an array
// (for tests and benchmarks: generated kernels call the emitters of vec_math.h directly).
#pragma once

#include <cstdint>
#include <string_view>

#include "jit/cpu/isa.h"
#include "kernels/dtype.h"

namespace ember::jit::cpu {

enum class MathFn : uint8_t { Exp, Log, Tanh, Sigmoid, Erf, Gelu, GeluTanh, Sin, Cos, Pow };
inline constexpr int kNumMathFns = 10;

// "exp", "log", "tanh", "sigmoid", "erf", "gelu", "gelu_tanh", "sin", "cos", "pow".
std::string_view math_fn_name(MathFn fn);
inline bool is_binary(MathFn fn) { return fn == MathFn::Pow; }

// out[i] = f(in[i]) for i < n; arrays of float or double as compiled for.
using UnaryKernel = void (*)(const void* in, void* out, int64_t n);
// out[i] = f(a[i], b[i]).
using BinaryKernel = void (*)(const void* a, const void* b, void* out, int64_t n);

// A loop applying `fn` with `isa` to `dtype` (Float or Double) elements: full vectors, then one masked vector for
// the remainder (so every element goes through the same instructions). Compiled once per (fn, isa, dtype) and
// kept for the life of the process. Raises ember::Error for an ISA this CPU lacks, another dtype, or a unary
// call of a binary function (and the reverse). EMBER_LOGS=output_code prints the assembly of each new kernel.
UnaryKernel jit_unary(MathFn fn, Isa isa, ScalarType dtype);
BinaryKernel jit_binary(MathFn fn, Isa isa, ScalarType dtype);

}  // namespace ember::jit::cpu
