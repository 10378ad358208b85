// CPU feature detection (through AsmJit's cpuid reader, which also checks the OS saves the wide registers) and EMBER_CPU_ISA.
#include "jit/cpu/isa.h"

#include <asmjit/core.h>

#include <cstdlib>

#include "kernels/check.h"

namespace ember::jit::cpu {

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::Scalar: return "scalar";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

Isa detect_isa() {
  const asmjit::CpuFeatures::X86& f = asmjit::CpuInfo::host().features().x86();
  const bool avx2 = f.hasAVX2() && f.hasFMA();
  if (avx2 && f.hasAVX512_F() && f.hasAVX512_DQ() && f.hasBMI2()) return Isa::Avx512;
  if (avx2) return Isa::Avx2;
  return Isa::Scalar;
}

namespace {

std::string supported_list(Isa cpu_best) {
  std::string out;
  for (Isa isa : {Isa::Avx512, Isa::Avx2, Isa::Scalar}) {
    if (!isa_supported(isa, cpu_best)) continue;
    if (!out.empty()) out += ", ";
    out += isa_name(isa);
  }
  return out;
}

}  // namespace

Isa parse_isa(std::string_view name, Isa cpu_best) {
  if (name.empty()) return cpu_best;
  for (Isa isa : {Isa::Scalar, Isa::Avx2, Isa::Avx512}) {
    if (name != isa_name(isa)) continue;
    EMBER_CHECK(isa_supported(isa, cpu_best),
                "[EMBER_CPU_ISA] '{}' is not supported by this CPU, which has {}; set EMBER_CPU_ISA to one of "
                "those, or unset it (unset EMBER_CPU_ISA) to use the best one",
                name, supported_list(cpu_best));
    return isa;
  }
  EMBER_FAIL("[EMBER_CPU_ISA] unknown ISA '{}': expected avx512, avx2 or scalar (this CPU has {}); "
             "or unset it (unset EMBER_CPU_ISA) to use the best one",
             name, supported_list(cpu_best));
}

Isa isa_from_env() {
  const char* env = std::getenv("EMBER_CPU_ISA");
  return parse_isa(env ? std::string_view(env) : std::string_view(), detect_isa());
}

}  // namespace ember::jit::cpu
