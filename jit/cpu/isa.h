// The x86 vector instruction sets the CPU backend generates code for, detected from the CPU or forced by EMBER_CPU_ISA.
#pragma once

#include <cstdint>
#include <string_view>

namespace ember::jit::cpu {

// Scalar: SSE2 scalar ops on xmm, one lane (baseline x86-64, no FMA). Avx2: ymm with FMA. Avx512: zmm (F+DQ).
enum class Isa : uint8_t { Scalar, Avx2, Avx512 };

// "scalar", "avx2" or "avx512": the names EMBER_CPU_ISA accepts.
std::string_view isa_name(Isa isa);

// The widest ISA this CPU and OS support: AVX-512 F+DQ (with AVX2, FMA, BMI2) -> Avx512; AVX2+FMA -> Avx2; else Scalar.
Isa detect_isa();

// Whether code for `isa` runs on a CPU whose widest ISA is `cpu_best` (each ISA includes the narrower ones).
inline bool isa_supported(Isa isa, Isa cpu_best) { return uint8_t(isa) <= uint8_t(cpu_best); }

// The ISA named by an EMBER_CPU_ISA value: "" means `cpu_best`; an unknown name, or an ISA beyond `cpu_best`,
// raises an ember::Error that says what the CPU has and how to unset the variable.
Isa parse_isa(std::string_view name, Isa cpu_best);

// parse_isa(EMBER_CPU_ISA or "", detect_isa()).
Isa isa_from_env();

}  // namespace ember::jit::cpu
