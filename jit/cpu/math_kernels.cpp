// jit_unary / jit_binary: one math function compiled into an array loop, cached for the life of the process.
#include "jit/cpu/math_kernels.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "jit/cpu/vec_math.h"
#include "jit/logging.h"
#include "kernels/check.h"

namespace ember::jit::cpu {
namespace {

namespace I = x86::Inst;

struct KernelCache {
  asmjit::JitRuntime runtime;
  std::mutex mutex;
  std::map<std::tuple<MathFn, Isa, ScalarType>, void*> kernels;
};

KernelCache& cache() {
  static KernelCache* c = new KernelCache();  // never destroyed: kernels stay callable during static destruction
  return *c;
}

class ThrowOnError : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
    EMBER_FAIL("[jit.cpu] AsmJit could not generate a math kernel: {} (error {})", message, err);
  }
};

// Loads, computes and stores one vector at element index i; `mask` (if any) limits it to the tail's lanes.
struct LoopEmitter {
  const VecEmitter& e;
  MathFn fn;
  x86::Gp in0, in1, out;

  x86::Mem at(const x86::Gp& base, const x86::Gp& i) const {
    return x86::ptr(base, i, e.is_f64() ? 3u : 2u);
  }

  void load(const x86::Vec& v, const x86::Mem& m, const x86::Vec* avx2_mask, const x86::KReg* k) const {
    x86::Compiler& cc = e.cc();
    if (e.isa() == Isa::Scalar) {
      cc.emit(e.is_f64() ? I::kIdMovsd : I::kIdMovss, v, m);
    } else if (avx2_mask) {
      cc.emit(e.is_f64() ? I::kIdVmaskmovpd : I::kIdVmaskmovps, v, *avx2_mask, m);
    } else if (k) {
      cc.k(*k).z().emit(e.is_f64() ? I::kIdVmovupd : I::kIdVmovups, v, m);  // the mask counts lanes
    } else {
      cc.emit(I::kIdVmovups, v, m);
    }
  }

  void store(const x86::Mem& m, const x86::Vec& v, const x86::Vec* avx2_mask, const x86::KReg* k) const {
    x86::Compiler& cc = e.cc();
    if (e.isa() == Isa::Scalar) {
      cc.emit(e.is_f64() ? I::kIdMovsd : I::kIdMovss, m, v);
    } else if (avx2_mask) {
      cc.emit(e.is_f64() ? I::kIdVmaskmovpd : I::kIdVmaskmovps, m, *avx2_mask, v);
    } else if (k) {
      cc.k(*k).emit(e.is_f64() ? I::kIdVmovupd : I::kIdVmovups, m, v);
    } else {
      cc.emit(I::kIdVmovups, m, v);
    }
  }

  void step(const x86::Gp& i, const x86::Vec* avx2_mask = nullptr, const x86::KReg* k = nullptr) const {
    x86::Vec x = e.new_vec("x"), y = e.new_vec("y");
    load(x, at(in0, i), avx2_mask, k);
    if (is_binary(fn)) {
      x86::Vec b = e.new_vec("b");
      load(b, at(in1, i), avx2_mask, k);
      emit_pow(e, y, x, b);
    } else {
      emit_unary(e, fn, y, x);
    }
    store(at(out, i), y, avx2_mask, k);
  }

  // The last n - i < lanes elements, through lane masks (masked-off lanes are neither read nor written).
  void tail(const x86::Gp& i, const x86::Gp& rem) const {
    x86::Compiler& cc = e.cc();
    if (e.isa() == Isa::Avx512) {
      x86::KReg k = cc.newKw("tail");
      x86::Gp bits = cc.newInt32("bits"), ones = cc.newInt32("ones");
      cc.mov(ones, -1);
      cc.bzhi(bits, ones, rem.r32());
      cc.kmovw(k, bits);
      step(i, nullptr, &k);
      return;
    }
    // AVX2: lanes whose index is below rem.
    const int lanes = e.lanes();
    uint8_t iota[32] = {};
    for (int l = 0; l < lanes; ++l) {
      if (e.is_f64()) {
        const uint64_t v = uint64_t(l);
        std::memcpy(iota + 8 * l, &v, 8);
      } else {
        const uint32_t v = uint32_t(l);
        std::memcpy(iota + 4 * l, &v, 4);
      }
    }
    x86::Mem iota_mem = cc.newConst(asmjit::ConstPoolScope::kLocal, iota, 32);
    x86::Vec mask = cc.newYmm("tail");
    if (e.is_f64()) {
      cc.vmovq(mask.xmm(), rem);
      cc.vpbroadcastq(mask, mask.xmm());
      cc.vpcmpgtq(mask, mask, iota_mem);
    } else {
      cc.vmovd(mask.xmm(), rem.r32());
      cc.vpbroadcastd(mask, mask.xmm());
      cc.vpcmpgtd(mask, mask, iota_mem);
    }
    step(i, &mask);
  }
};

void* compile(MathFn fn, Isa isa, ScalarType dtype) {
  KernelCache& kc = cache();
  asmjit::CodeHolder code;
  code.init(kc.runtime.environment());
  ThrowOnError handler;
  code.setErrorHandler(&handler);
  asmjit::StringLogger logger;
  const bool logging = log_enabled(LogKind::OutputCode);
  if (logging) code.setLogger(&logger);
  x86::Compiler cc(&code);
  cc.addDiagnosticOptions(asmjit::DiagnosticOptions::kValidateAssembler);

  const bool binary = is_binary(fn);
  asmjit::FuncNode* func =
      binary ? cc.addFunc(asmjit::FuncSignatureT<void, const void*, const void*, void*, int64_t>())
             : cc.addFunc(asmjit::FuncSignatureT<void, const void*, void*, int64_t>());
  if (isa != Isa::Scalar) {
    func->frame().setAvxEnabled();
    func->frame().setAvxCleanup();
  }
  if (isa == Isa::Avx512) func->frame().setAvx512Enabled();
  x86::Gp in0 = cc.newIntPtr("in0"), in1 = cc.newIntPtr("in1"), out = cc.newIntPtr("out"), n = cc.newInt64("n");
  int arg = 0;
  func->setArg(arg++, in0);
  if (binary) func->setArg(arg++, in1);
  func->setArg(arg++, out);
  func->setArg(arg++, n);

  const VecEmitter e(cc, isa, dtype);
  const LoopEmitter loop{e, fn, in0, in1, out};
  x86::Gp i = cc.newInt64("i"), rem = cc.newInt64("rem");
  asmjit::Label body = cc.newLabel(), tail = cc.newLabel(), done = cc.newLabel();
  cc.xor_(i, i);
  cc.bind(body);
  cc.mov(rem, n);
  cc.sub(rem, i);
  cc.cmp(rem, e.lanes());
  cc.jl(tail);
  loop.step(i);
  cc.add(i, e.lanes());
  cc.jmp(body);
  cc.bind(tail);
  if (e.lanes() > 1) {
    cc.test(rem, rem);
    cc.jle(done);
    loop.tail(i, rem);
  }
  cc.bind(done);
  cc.endFunc();
  cc.finalize();

  void* fn_ptr = nullptr;
  const asmjit::Error err = kc.runtime.add(&fn_ptr, &code);
  EMBER_CHECK(err == asmjit::kErrorOk, "[jit.cpu] could not install a math kernel: {}",
              asmjit::DebugUtils::errorAsString(err));
  if (logging) {
    log_line(LogKind::OutputCode, fmt::format("math kernel {} isa={} dtype={}:\n{}", math_fn_name(fn),
                                              isa_name(isa), dtype == ScalarType::Double ? "float64" : "float32",
                                              logger.data()));
  }
  return fn_ptr;
}

void* get(MathFn fn, Isa isa, ScalarType dtype) {
  static const Isa cpu_best = detect_isa();
  EMBER_CHECK(isa_supported(isa, cpu_best), "[jit.cpu] cannot run {} code: this CPU supports up to {}",
              isa_name(isa), isa_name(cpu_best));
  EMBER_CHECK(dtype == ScalarType::Float || dtype == ScalarType::Double,
              "[jit.cpu] math kernels take float32 or float64 arrays, got dtype {}", int(dtype));
  KernelCache& kc = cache();
  std::lock_guard<std::mutex> lock(kc.mutex);
  auto [it, inserted] = kc.kernels.try_emplace({fn, isa, dtype}, nullptr);
  if (inserted) {
    try {
      it->second = compile(fn, isa, dtype);
    } catch (...) {
      kc.kernels.erase(it);
      throw;
    }
  }
  return it->second;
}

}  // namespace

UnaryKernel jit_unary(MathFn fn, Isa isa, ScalarType dtype) {
  EMBER_CHECK(!is_binary(fn), "[jit_unary] {} takes two arguments: use jit_binary", math_fn_name(fn));
  return reinterpret_cast<UnaryKernel>(get(fn, isa, dtype));
}

BinaryKernel jit_binary(MathFn fn, Isa isa, ScalarType dtype) {
  EMBER_CHECK(is_binary(fn), "[jit_binary] {} takes one argument: use jit_unary", math_fn_name(fn));
  return reinterpret_cast<BinaryKernel>(get(fn, isa, dtype));
}

}  // namespace ember::jit::cpu
