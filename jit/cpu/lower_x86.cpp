// KernelIR -> x86 (AsmJit): one row function per kernel, vectorised along the last dim when its buffers allow,
// plus the runtime side: argument checks, row/chunk splitting over the thread pool, and the kernel cache.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <vector>

#include "eager/dtype.h"
#include "jit/cpu/cpu_kernel.h"
#include "jit/cpu/vec_math.h"
#include "jit/logging.h"
#include "kernels/check.h"
#include "kernels/cpu/parallel.h"

namespace ember::jit::cpu {

// Runs `n` elements of one row: ptrs[b] points at the row's first element of buffer b; inner_strides[b] is the
// byte stride of buffer b along the last dim (read only by the strided loop).
using RowFn = void (*)(char* const* ptrs, const int64_t* inner_strides, int64_t n);

namespace detail {
struct CompiledKernel {
  KernelIR ir;
  Isa isa;
  bool vectorized;
  RowFn fn;
  std::vector<int64_t> elem_size;
};
}  // namespace detail

namespace {

namespace I = x86::Inst;
using asmjit::Operand;

int64_t elem_size(ScalarType d) {
  switch (d) {
    case ScalarType::Bool: case ScalarType::Byte: case ScalarType::Char: return 1;
    case ScalarType::Short: case ScalarType::Half: case ScalarType::BFloat16: return 2;
    case ScalarType::Int: case ScalarType::Float: return 4;
    case ScalarType::Long: case ScalarType::Double: return 8;
  }
  return 1;
}

// The type a dtype is read into before conversion to the load's type, and stored from.
KType natural_type(ScalarType d) {
  switch (d) {
    case ScalarType::Double: case ScalarType::Long: return KType::F64;
    default: return KType::F32;
  }
}
KType store_type(ScalarType d) {
  switch (d) {
    case ScalarType::Double: return KType::F64;
    case ScalarType::Bool: case ScalarType::Byte: return KType::Bool;
    default: return KType::F32;
  }
}

float half_to_float(uint32_t h) { return Half::to_float(uint16_t(h)); }
uint32_t float_to_half(float f) { return Half::from_float(f); }

class ThrowOnError : public asmjit::ErrorHandler {
 public:
  void handleError(asmjit::Error err, const char* message, asmjit::BaseEmitter*) override {
    EMBER_FAIL("[jit.cpu] AsmJit could not generate a kernel: {} (error {})", message, err);
  }
};

// A value: a vector (F32/F64) or a mask (Bool) whose lanes are 32-bit (narrow) or 64-bit (wide) on SSE/AVX2.
struct Val {
  KType type = KType::F32;
  x86::Vec v;
  Mask m;
  bool wide = false;
};

class Lowering {
 public:
  Lowering(x86::Compiler& cc, Isa isa, const KernelIR& ir, bool wide)
      : cc_(cc), isa_(isa), ir_(ir), e32_(cc, isa, ScalarType::Float), e64_(cc, isa, ScalarType::Double),
        wide_(wide), lanes_(wide ? e64_.lanes() : e32_.lanes()) {}

  int lanes() const { return lanes_; }
  std::vector<x86::Gp> ptr;

  x86::Gp n;  // the row's length (not modified by the passes)

  // The per-element expressions, reductions and stores of one phase, for `lanes_` elements (vector) or one
  // element (lane 0). Row scalars were computed before the pass (begin_phase/end_phase) and are read from vals_.
  void body(int phase, bool vector) {
    const std::vector<KExpr>& xs = ir_.exprs();
    for (size_t i = 0; i < xs.size(); ++i) {
      const KExpr& x = xs[i];
      if (x.row) continue;
      if (x.op == KOp::Constant ? (needed_[i] >> phase & 1) != 0 : x.phase == phase) vals_[i] = emit(x, vector);
    }
    for (size_t i = 0; i < xs.size(); ++i) {
      const KExpr& x = xs[i];
      if (x.op != KOp::Reduce || x.phase != phase) continue;
      const x86::Vec& acc = vector ? acc_[i].vec : acc_[i].tail;
      combine(x.reduce, em(x.type), acc, acc, vals_[size_t(x.args[0])].v);
    }
    for (const KStore& s : ir_.stores()) {
      if (store_phase(s) == phase) store(s.buffer, vals_[size_t(s.expr)], vector);
    }
  }

  // The pass of phase `phase`: which constants it reads, and its accumulators set to their identities.
  void begin_phase(int phase) {
    const std::vector<KExpr>& xs = ir_.exprs();
    if (phase == 0) {
      vals_.assign(xs.size(), Val{});
      acc_.assign(xs.size(), Acc{});
      needed_.assign(xs.size(), 0);
      for (size_t i = 0; i < xs.size(); ++i) {
        const KExpr& x = xs[i];
        if (x.op == KOp::Constant && ir_.phases() == 1) needed_[i] = 1;
        if (x.row && x.op != KOp::Reduce) continue;
        for (int32_t a : x.args) {
          if (a >= 0 && xs[size_t(a)].op == KOp::Constant) needed_[size_t(a)] |= uint64_t(1) << x.phase;
        }
      }
      for (const KStore& s : ir_.stores()) {
        if (xs[size_t(s.expr)].op == KOp::Constant) needed_[size_t(s.expr)] |= uint64_t(1) << (ir_.phases() - 1);
      }
      row_values(-1);
    }
    for (size_t i = 0; i < xs.size(); ++i) {
      const KExpr& x = xs[i];
      if (x.op != KOp::Reduce || x.phase != phase) continue;
      const double init = x.reduce == KReduce::Sum ? 0.0
                          : x.reduce == KReduce::Max ? -std::numeric_limits<double>::infinity()
                                                     : std::numeric_limits<double>::infinity();
      acc_[i].vec = em(x.type).load_constant(init);
      acc_[i].tail = em(x.type).load_constant(init);
    }
  }

  // After the pass: each reduction is its vector accumulator reduced across lanes, then combined with the
  // element-wise accumulator, broadcast to every lane; then the row scalars that become ready.
  void end_phase(int phase, bool vectorized) {
    const std::vector<KExpr>& xs = ir_.exprs();
    for (size_t i = 0; i < xs.size(); ++i) {
      const KExpr& x = xs[i];
      if (x.op != KOp::Reduce || x.phase != phase) continue;
      const VecEmitter& e = em(x.type);
      Val r;
      r.type = x.type;
      r.v = e.new_vec("red");
      if (vectorized) {
        horizontal(x.reduce, e, r.v, acc_[i].vec);
        combine(x.reduce, e, r.v, r.v, acc_[i].tail);
      } else {
        e.mov(r.v, acc_[i].tail);
      }
      broadcast_lane0(r);
      vals_[i] = r;
    }
    row_values(phase);
  }

  // Row scalars stored to row outputs (one element per row), after the last pass.
  void row_stores() {
    for (const KStore& s : ir_.stores()) {
      if (store_phase(s) == kAfterRow) store(s.buffer, vals_[size_t(s.expr)], false);
    }
  }

 private:
  static constexpr int kAfterRow = 1 << 20;
  struct Acc {
    x86::Vec vec, tail;
  };

  const VecEmitter& em(KType t) const { return t == KType::F64 ? e64_ : e32_; }

  // The phase whose pass writes a store (kAfterRow: once per row, after the passes).
  int store_phase(const KStore& s) const {
    const KExpr& x = ir_.exprs()[size_t(s.expr)];
    if (x.row) {
      return ir_.buffers()[size_t(s.buffer)].strides.back() == StrideClass::Broadcast ? kAfterRow
                                                                                      : ir_.phases() - 1;
    }
    return x.op == KOp::Constant ? ir_.phases() - 1 : x.phase;
  }

  // Row scalars (other than reductions) that become ready after phase `ready`, in SSA order, as full vectors.
  void row_values(int ready) {
    const std::vector<KExpr>& xs = ir_.exprs();
    for (size_t i = 0; i < xs.size(); ++i) {
      const KExpr& x = xs[i];
      if (!x.row || x.op == KOp::Reduce || x.ready != ready) continue;
      for (int32_t a : x.args) {
        if (a >= 0 && xs[size_t(a)].op == KOp::Constant) vals_[size_t(a)] = emit(xs[size_t(a)], true);
      }
      if (x.op == KOp::RowSize) {
        Val r;
        r.type = x.type;
        r.v = em(x.type).new_vec("rowsize");
        const x86::Vec v = r.v.xmm();
        if (sse()) {
          cc_.emit(I::kIdXorps, v, v);
          cc_.emit(x.type == KType::F64 ? I::kIdCvtsi2sd : I::kIdCvtsi2ss, v, n);
        } else {
          cc_.vxorps(v, v, v);
          cc_.emit(x.type == KType::F64 ? I::kIdVcvtsi2sd : I::kIdVcvtsi2ss, v, v, n);
        }
        broadcast_lane0(r);
        vals_[i] = r;
      } else {
        vals_[i] = emit(x, true);
      }
    }
  }

  void broadcast_lane0(const Val& r) {
    if (sse()) return;
    if (r.type == KType::F64) cc_.emit(I::kIdVbroadcastsd, view(r.v, e64_.vector_bytes()), r.v.xmm());
    else cc_.emit(I::kIdVbroadcastss, view(r.v, e32_.vector_bytes()), r.v.xmm());
  }

  // dst = reduce(a, b); max and min return NaN when either is NaN.
  void combine(KReduce kind, const VecEmitter& e, const x86::Vec& dst, const x86::Vec& a, const x86::Vec& b) {
    if (kind == KReduce::Sum) {
      e.add(dst, a, b);
      return;
    }
    x86::Vec m = e.new_vec("m"), r = e.new_vec("r");
    if (kind == KReduce::Max) e.max(m, a, b);  // NaN b -> b
    else e.min(m, a, b);
    const Mask nan = e.cmp(a, a, Cmp::Unord);
    e.select(r, nan, a, m);
    e.mov(dst, r);
  }

  // dst lane 0 = the reduction of acc's lanes (the kernel's vector width for this type).
  void horizontal(KReduce kind, const VecEmitter& e, const x86::Vec& dst, const x86::Vec& acc) {
    int bytes = lanes_ * e.lane_bytes();
    e.mov(dst, acc);
    while (bytes > e.lane_bytes()) {
      x86::Vec t = e.new_vec("hi");
      if (bytes == 64) cc_.emit(I::kIdVextractf64x4, t.ymm(), dst.zmm(), asmjit::imm(1));
      else if (bytes == 32) cc_.emit(I::kIdVextractf128, t.xmm(), dst.ymm(), asmjit::imm(1));
      else if (bytes == 16) cc_.emit(I::kIdVmovhlps, t.xmm(), dst.xmm(), dst.xmm());
      else cc_.emit(I::kIdVmovshdup, t.xmm(), dst.xmm());
      combine(kind, e, dst, dst, t);
      bytes /= 2;
    }
  }
  bool sse() const { return isa_ == Isa::Scalar; }

  x86::Vec view(const x86::Vec& v, int bytes) const {
    if (bytes <= 16) return v.xmm();
    if (bytes == 32) return v.ymm();
    return v.zmm();
  }
  int f32_bytes() const { return lanes_ * 4; }
  x86::Mem at(int b, int bytes) const { return x86::ptr(ptr[size_t(b)], 0, uint32_t(bytes)); }

  // ---- masks ----
  Mask mask_to(const Val& x, bool wide) {
    if (isa_ == Isa::Avx512 || x.wide == wide) return x.m;
    Mask r;
    r.vec = e32_.new_vec("m");
    if (isa_ == Isa::Avx2) {
      if (wide) {
        cc_.emit(I::kIdVpmovsxdq, r.vec.ymm(), x.m.vec.xmm());
      } else {
        static const uint32_t idx[8] = {0, 2, 4, 6, 0, 2, 4, 6};
        x86::Mem m = cc_.newConst(asmjit::ConstPoolScope::kLocal, idx, 32);
        x86::Vec iv = cc_.newYmm("idx");
        cc_.emit(I::kIdVmovdqu, iv, m);
        cc_.emit(I::kIdVpermd, r.vec.ymm(), iv, x.m.vec.ymm());
      }
    } else if (wide) {
      cc_.emit(I::kIdPshufd, r.vec, x.m.vec, asmjit::imm(0x00));
    } else {
      cc_.emit(I::kIdMovaps, r.vec, x.m.vec);
    }
    return r;
  }
  Val bool_from_gp(const x86::Gp& all_ones_or_zero) {  // gp: 0 or -1
    Val r;
    r.type = KType::Bool;
    if (isa_ == Isa::Avx512) {
      r.m.k = cc_.newKw("k");
      cc_.emit(I::kIdKmovw, r.m.k, all_ones_or_zero.r32());
    } else {
      r.m.vec = e32_.new_vec("m");
      if (sse()) cc_.emit(I::kIdMovd, r.m.vec.xmm(), all_ones_or_zero.r32());
      else cc_.emit(I::kIdVmovd, r.m.vec.xmm(), all_ones_or_zero.r32());
    }
    return r;
  }

  // ---- casts ----
  Val cast(const Val& x, KType to) {
    if (x.type == to) return x;
    Val r;
    r.type = to;
    if (to == KType::Bool) {
      const VecEmitter& e = em(x.type);
      x86::Vec z = e.load_constant(0.0);
      r.m = e.cmp(x.v, z, Cmp::Neq);
      r.wide = x.type == KType::F64;
      return r;
    }
    const VecEmitter& e = em(to);
    r.v = e.new_vec("c");
    if (x.type == KType::Bool) {
      e.select(r.v, mask_to(x, to == KType::F64), e.constant(1.0), e.constant(0.0));
      return r;
    }
    if (to == KType::F64) {  // F32 -> F64
      if (sse()) cc_.emit(I::kIdCvtss2sd, r.v, x.v);
      else if (isa_ == Isa::Avx2) cc_.emit(I::kIdVcvtps2pd, r.v.ymm(), x.v.xmm());
      else cc_.emit(I::kIdVcvtps2pd, r.v.zmm(), x.v.ymm());
    } else {
      if (sse()) cc_.emit(I::kIdCvtsd2ss, r.v, x.v);
      else if (isa_ == Isa::Avx2) cc_.emit(I::kIdVcvtpd2ps, r.v.xmm(), x.v.ymm());
      else cc_.emit(I::kIdVcvtpd2ps, r.v.ymm(), x.v.zmm());
    }
    return r;
  }

  // ---- loads ----
  Val load(const KExpr& x, bool vector) {
    const int b = x.buffer;
    const KBuffer& buf = ir_.buffers()[size_t(b)];
    const bool broadcast = buf.strides.back() == StrideClass::Broadcast;
    if (x.type == KType::Bool) {
      if (vector && !broadcast) return load_bool_vector(b);
      x86::Gp g = cc_.newInt32("g");
      cc_.movzx(g, x86::byte_ptr(ptr[size_t(b)]));
      cc_.neg(g);
      cc_.sbb(g, g);  // nonzero -> -1
      Val r = bool_from_gp(g);
      if (vector && isa_ == Isa::Avx2) cc_.emit(I::kIdVbroadcastss, r.m.vec.ymm(), r.m.vec.xmm());
      return r;
    }
    Val r;
    r.type = natural_type(buf.dtype);
    r.v = e32_.new_vec("ld");
    if (vector && !broadcast) {
      load_vector(b, buf.dtype, r.v);
      return cast(r, x.type);
    }
    load_single(b, buf.dtype, r.v);
    r = cast(r, x.type);
    if (vector) {  // broadcast lane 0
      if (r.type == KType::F64) cc_.emit(I::kIdVbroadcastsd, view(r.v, e64_.vector_bytes()), r.v.xmm());
      else cc_.emit(I::kIdVbroadcastss, view(r.v, e32_.vector_bytes()), r.v.xmm());
    }
    return r;
  }

  void load_vector(int b, ScalarType d, const x86::Vec& v) {
    const x86::Vec f = view(v, f32_bytes());
    switch (d) {
      case ScalarType::Float: cc_.emit(I::kIdVmovups, f, at(b, lanes_ * 4)); break;
      case ScalarType::Double: cc_.emit(I::kIdVmovupd, view(v, lanes_ * 8), at(b, lanes_ * 8)); break;
      case ScalarType::Half: cc_.emit(I::kIdVcvtph2ps, f, at(b, lanes_ * 2)); break;
      case ScalarType::BFloat16:
        cc_.emit(I::kIdVpmovzxwd, f, at(b, lanes_ * 2));
        cc_.emit(I::kIdVpslld, f, f, asmjit::imm(16));
        break;
      case ScalarType::Bool: case ScalarType::Byte:
        cc_.emit(I::kIdVpmovzxbd, f, at(b, lanes_));
        cc_.emit(I::kIdVcvtdq2ps, f, f);
        break;
      case ScalarType::Char:
        cc_.emit(I::kIdVpmovsxbd, f, at(b, lanes_));
        cc_.emit(I::kIdVcvtdq2ps, f, f);
        break;
      case ScalarType::Short:
        cc_.emit(I::kIdVpmovsxwd, f, at(b, lanes_ * 2));
        cc_.emit(I::kIdVcvtdq2ps, f, f);
        break;
      case ScalarType::Int:
        cc_.emit(I::kIdVcvtdq2ps, f, at(b, lanes_ * 4));
        break;
      case ScalarType::Long: EMBER_FAIL("[jit.cpu] int64 buffers take the element-wise loop");
    }
  }

  void load_single(int b, ScalarType d, const x86::Vec& v) {
    const x86::Gp p = ptr[size_t(b)];
    const x86::Vec x = v.xmm();
    auto int_to_float = [&](const x86::Gp& g, bool f64) {
      if (sse()) {
        cc_.emit(I::kIdXorps, x, x);
        if (f64) cc_.emit(I::kIdCvtsi2sd, x, g);
        else cc_.emit(I::kIdCvtsi2ss, x, g);
      } else {
        cc_.vxorps(x, x, x);
        if (f64) cc_.emit(I::kIdVcvtsi2sd, x, x, g);
        else cc_.emit(I::kIdVcvtsi2ss, x, x, g);
      }
    };
    x86::Gp g = cc_.newInt32("g");
    switch (d) {
      case ScalarType::Float:
        if (sse()) cc_.emit(I::kIdMovss, x, x86::dword_ptr(p));
        else cc_.emit(I::kIdVmovss, x, x86::dword_ptr(p));
        break;
      case ScalarType::Double:
        if (sse()) cc_.emit(I::kIdMovsd, x, x86::qword_ptr(p));
        else cc_.emit(I::kIdVmovsd, x, x86::qword_ptr(p));
        break;
      case ScalarType::Half:
        cc_.movzx(g, x86::word_ptr(p));
        if (sse()) {
          asmjit::InvokeNode* call;
          cc_.invoke(&call, asmjit::imm((void*)&half_to_float), asmjit::FuncSignatureT<float, uint32_t>());
          call->setArg(0, g);
          call->setRet(0, x);
        } else {
          cc_.emit(I::kIdVmovd, x, g);
          cc_.emit(I::kIdVcvtph2ps, x, x);
        }
        break;
      case ScalarType::BFloat16:
        cc_.movzx(g, x86::word_ptr(p));
        cc_.shl(g, 16);
        if (sse()) cc_.emit(I::kIdMovd, x, g);
        else cc_.emit(I::kIdVmovd, x, g);
        break;
      case ScalarType::Bool: case ScalarType::Byte:
        cc_.movzx(g, x86::byte_ptr(p));
        int_to_float(g, false);
        break;
      case ScalarType::Char:
        cc_.movsx(g, x86::byte_ptr(p));
        int_to_float(g, false);
        break;
      case ScalarType::Short:
        cc_.movsx(g, x86::word_ptr(p));
        int_to_float(g, false);
        break;
      case ScalarType::Int:
        cc_.mov(g, x86::dword_ptr(p));
        int_to_float(g, false);
        break;
      case ScalarType::Long: {
        x86::Gp q = cc_.newInt64("q");
        cc_.mov(q, x86::qword_ptr(p));
        int_to_float(q, true);
        break;
      }
    }
  }

  Val load_bool_vector(int b) {
    Val r;
    r.type = KType::Bool;
    x86::Vec t = e32_.new_vec("t");
    const x86::Vec f = view(t, f32_bytes());
    cc_.emit(I::kIdVpmovzxbd, f, at(b, lanes_));
    if (isa_ == Isa::Avx512) {
      r.m.k = cc_.newKw("k");
      cc_.emit(I::kIdVptestmd, r.m.k, t, t);
    } else {
      r.m.vec = e32_.new_vec("m");
      cc_.emit(I::kIdVpxor, r.m.vec.ymm(), r.m.vec.ymm(), r.m.vec.ymm());
      cc_.emit(I::kIdVpcmpeqd, r.m.vec.ymm(), t.ymm(), r.m.vec.ymm());
      cc_.emit(I::kIdVpxor, r.m.vec.ymm(), r.m.vec.ymm(), e32_.constant_bits(0xffffffffu));
    }
    return r;
  }

  // ---- stores ----
  void store(int b, const Val& value, bool vector) {
    const ScalarType d = ir_.buffers()[size_t(b)].dtype;
    const Val v = cast(value, store_type(d));
    const x86::Gp p = ptr[size_t(b)];
    switch (d) {
      case ScalarType::Float:
        if (vector) cc_.emit(I::kIdVmovups, at(b, lanes_ * 4), view(v.v, f32_bytes()));
        else if (sse()) cc_.emit(I::kIdMovss, x86::dword_ptr(p), v.v.xmm());
        else cc_.emit(I::kIdVmovss, x86::dword_ptr(p), v.v.xmm());
        return;
      case ScalarType::Double:
        if (vector) cc_.emit(I::kIdVmovupd, at(b, lanes_ * 8), view(v.v, lanes_ * 8));
        else if (sse()) cc_.emit(I::kIdMovsd, x86::qword_ptr(p), v.v.xmm());
        else cc_.emit(I::kIdVmovsd, x86::qword_ptr(p), v.v.xmm());
        return;
      case ScalarType::Half:
        if (vector) {
          cc_.emit(I::kIdVcvtps2ph, at(b, lanes_ * 2), view(v.v, f32_bytes()), asmjit::imm(0));
        } else {
          x86::Gp g = cc_.newInt32("g");
          if (sse()) {
            asmjit::InvokeNode* call;
            cc_.invoke(&call, asmjit::imm((void*)&float_to_half), asmjit::FuncSignatureT<uint32_t, float>());
            call->setArg(0, v.v.xmm());
            call->setRet(0, g);
          } else {
            x86::Vec t = cc_.newXmm("h");
            cc_.emit(I::kIdVcvtps2ph, t, v.v.xmm(), asmjit::imm(0));
            cc_.emit(I::kIdVmovd, g, t);
          }
          cc_.mov(x86::word_ptr(p), g.r16());
        }
        return;
      case ScalarType::BFloat16:
        if (vector) store_bf16_vector(b, v.v);
        else store_bf16_single(p, v.v);
        return;
      case ScalarType::Bool: case ScalarType::Byte: {
        const Mask m = mask_to(v, false);
        if (vector) {
          store_bool_vector(b, m);
          return;
        }
        x86::Gp g = cc_.newInt32("g");
        if (isa_ == Isa::Avx512) cc_.emit(I::kIdKmovw, g, m.k);
        else if (sse()) cc_.emit(I::kIdMovd, g, m.vec.xmm());
        else cc_.emit(I::kIdVmovd, g, m.vec.xmm());
        cc_.and_(g, 1);
        cc_.mov(x86::byte_ptr(p), g.r8());
        return;
      }
      default: EMBER_FAIL("[jit.cpu] cannot store to a {} buffer", python_name(d));
    }
  }

  // Round to nearest even on the float's bits; NaN -> 0x7fc0 (quiet, positive), as PyTorch's conversion.
  void store_bf16_single(const x86::Gp& p, const x86::Vec& v) {
    x86::Gp x = cc_.newInt32("x"), t = cc_.newInt32("t"), a = cc_.newInt32("a"), nan = cc_.newInt32("nan");
    if (sse()) cc_.emit(I::kIdMovd, x, v.xmm());
    else cc_.emit(I::kIdVmovd, x, v.xmm());
    cc_.mov(t, x);
    cc_.shr(t, 16);
    cc_.and_(t, 1);
    cc_.add(t, 0x7fff);
    cc_.add(t, x);
    cc_.shr(t, 16);
    cc_.mov(a, x);
    cc_.and_(a, 0x7fffffff);
    cc_.mov(nan, 0x7fc0);
    cc_.cmp(a, 0x7f800000);
    cc_.cmova(t, nan);
    cc_.mov(x86::word_ptr(p), t.r16());
  }

  void store_bf16_vector(int b, const x86::Vec& v) {
    const VecEmitter& e = e32_;
    x86::Vec t = e.new_vec("t");
    e.shr_int(t, v, 16);
    e.bit_and(t, t, e.constant_bits(1));
    e.add_int(t, t, e.constant_bits(0x7fff));
    e.add_int(t, t, v);
    e.shr_int(t, t, 16);
    const Mask nan = e.cmp(v, v, Cmp::Unord);
    e.select(t, nan, e.constant_bits(0x7fc0), t);
    if (isa_ == Isa::Avx512) {
      cc_.emit(I::kIdVpmovdw, at(b, lanes_ * 2), view(t, f32_bytes()));
    } else if (f32_bytes() == 32) {
      cc_.emit(I::kIdVpackusdw, t.ymm(), t.ymm(), t.ymm());
      cc_.emit(I::kIdVpermq, t.ymm(), t.ymm(), asmjit::imm(0x08));
      cc_.emit(I::kIdVmovdqu, at(b, 16), t.xmm());
    } else {
      cc_.emit(I::kIdVpackusdw, t.xmm(), t.xmm(), t.xmm());
      cc_.emit(I::kIdVmovq, at(b, 8), t.xmm());
    }
  }

  void store_bool_vector(int b, const Mask& m) {
    const VecEmitter& e = e32_;
    x86::Vec t = e.new_vec("t");
    if (isa_ == Isa::Avx512) {
      x86::Vec z = e.load_constant(0.0);
      e.select(t, m, e.constant_bits(1), z);
      cc_.emit(I::kIdVpmovdb, at(b, lanes_), view(t, f32_bytes()));
      return;
    }
    e.bit_and(t, m.vec, e.constant_bits(1));
    if (f32_bytes() == 32) {
      cc_.emit(I::kIdVpackusdw, t.ymm(), t.ymm(), t.ymm());
      cc_.emit(I::kIdVpermq, t.ymm(), t.ymm(), asmjit::imm(0x08));
      cc_.emit(I::kIdVpackuswb, t.xmm(), t.xmm(), t.xmm());
      cc_.emit(I::kIdVmovq, at(b, 8), t.xmm());
    } else {
      cc_.emit(I::kIdVpackusdw, t.xmm(), t.xmm(), t.xmm());
      cc_.emit(I::kIdVpackuswb, t.xmm(), t.xmm(), t.xmm());
      cc_.emit(I::kIdVmovd, at(b, 4), t.xmm());
    }
  }

  // ---- ops ----
  Val val(int id) const { return vals_[size_t(id)]; }

  // copysign(r, s) for float vectors.
  void copysign(const VecEmitter& e, const x86::Vec& dst, const x86::Vec& r, const x86::Vec& s) {
    const uint64_t sign = e.is_f64() ? 0x8000000000000000ull : 0x80000000ull;
    x86::Vec a = e.new_vec("a"), b = e.new_vec("b");
    e.bit_and(a, s, e.constant_bits(sign));
    e.abs(b, r);
    e.bit_or(dst, a, b);
  }

  // Floor/Ceil/Trunc/Round without SSE4.1 (the same code for every ISA, so results match across ISAs):
  // |x| < 2^p rounds to nearest even through (|x| + 2^p) - 2^p; larger values (and NaN) are integral already.
  void rounding(KOp op, const VecEmitter& e, const x86::Vec& dst, const x86::Vec& x) {
    const double big = e.is_f64() ? 4503599627370496.0 : 8388608.0;
    x86::Vec a = e.new_vec("a"), r = e.new_vec("r");
    e.abs(a, x);
    const Mask small = e.cmp(a, e.constant(big), Cmp::Lt);
    e.add(r, a, e.constant(big));
    e.sub(r, r, e.constant(big));
    e.select(r, small, r, a);  // round_half_even(|x|)
    x86::Vec one = e.load_constant(1.0), z = e.load_constant(0.0), adj = e.new_vec("adj");
    if (op == KOp::Trunc) {
      const Mask over = e.cmp(a, r, Cmp::Lt);  // r > |x|
      e.select(adj, over, one, z);
      e.sub(r, r, adj);
    } else if (op == KOp::Floor || op == KOp::Ceil) {
      copysign(e, r, r, x);
      // floor: r > x -> r - 1; ceil: r < x -> r + 1
      const Mask m = op == KOp::Floor ? e.cmp(x, r, Cmp::Lt) : e.cmp(r, x, Cmp::Lt);
      e.select(adj, m, one, z);
      if (op == KOp::Floor) e.sub(r, r, adj);
      else e.add(r, r, adj);
    }
    copysign(e, dst, r, x);
  }

  Val emit(const KExpr& x, bool vector) {
    if (x.op == KOp::Load) return load(x, vector);
    Val r;
    r.type = x.type;
    if (x.op == KOp::Constant) {
      if (x.type == KType::Bool) {
        if (isa_ == Isa::Avx512) {
          x86::Gp g = cc_.newInt32("g");
          cc_.mov(g, x.value != 0 ? -1 : 0);
          return bool_from_gp(g);
        }
        r.m.vec = e32_.new_vec("m");
        e32_.mov(r.m.vec, e32_.constant_bits(x.value != 0 ? 0xffffffffu : 0));
        return r;
      }
      r.v = em(x.type).load_constant(x.value);
      return r;
    }
    if (x.op == KOp::Cast) return cast(val(x.args[0]), x.type);
    if (x.op == KOp::Not) {
      const Val a = val(x.args[0]);
      r.wide = a.wide;
      if (isa_ == Isa::Avx512) {
        r.m.k = cc_.newKw("k");
        cc_.emit(I::kIdKnotw, r.m.k, a.m.k);
      } else {
        r.m.vec = e32_.new_vec("m");
        e32_.bit_xor(r.m.vec, a.m.vec, e32_.constant_bits(0xffffffffu));
      }
      return r;
    }
    if (x.op == KOp::And || x.op == KOp::Or) {
      const Val a = val(x.args[0]), b = val(x.args[1]);
      r.wide = a.wide;
      const Mask mb = mask_to(b, a.wide);
      r.m = x.op == KOp::And ? e32_.mask_and(a.m, mb) : e32_.mask_or(a.m, mb);
      return r;
    }
    if (x.op == KOp::Where) {
      const Val c = val(x.args[0]), a = val(x.args[1]), b = val(x.args[2]);
      const VecEmitter& e = em(x.type);
      r.v = e.new_vec("w");
      e.select(r.v, mask_to(c, x.type == KType::F64), a.v, b.v);
      return r;
    }
    if (is_comparison(x.op)) {
      const Val a = val(x.args[0]), b = val(x.args[1]);
      const VecEmitter& e = em(a.type);
      r.wide = a.type == KType::F64;
      switch (x.op) {
        case KOp::Eq: r.m = e.cmp(a.v, b.v, Cmp::Eq); break;
        case KOp::Ne: r.m = e.cmp(a.v, b.v, Cmp::Neq); break;
        case KOp::Lt: r.m = e.cmp(a.v, b.v, Cmp::Lt); break;
        case KOp::Le: r.m = e.cmp(a.v, b.v, Cmp::Le); break;
        case KOp::Gt: r.m = e.cmp(b.v, a.v, Cmp::Lt); break;
        default: r.m = e.cmp(b.v, a.v, Cmp::Le); break;
      }
      return r;
    }
    const VecEmitter& e = em(x.type);
    r.v = e.new_vec(kop_name(x.op).data());
    if (is_binary_float(x.op)) {
      const Val a = val(x.args[0]), b = val(x.args[1]);
      switch (x.op) {
        case KOp::Add: e.add(r.v, a.v, b.v); break;
        case KOp::Sub: e.sub(r.v, a.v, b.v); break;
        case KOp::Mul: e.mul(r.v, a.v, b.v); break;
        case KOp::Div: e.div(r.v, a.v, b.v); break;
        case KOp::Max: case KOp::Min: {
          // x86 returns the second operand when either is NaN: that covers b; a NaN a is put back.
          if (x.op == KOp::Max) e.max(r.v, a.v, b.v);
          else e.min(r.v, a.v, b.v);
          const Mask nan = e.cmp(a.v, a.v, Cmp::Unord);
          e.select(r.v, nan, a.v, r.v);
          break;
        }
        default: emit_pow(e, r.v, a.v, b.v); break;
      }
      return r;
    }
    const x86::Vec a = val(x.args[0]).v;
    switch (x.op) {
      case KOp::Neg: e.bit_xor(r.v, a, e.constant_bits(e.is_f64() ? 0x8000000000000000ull : 0x80000000ull)); break;
      case KOp::Abs: e.abs(r.v, a); break;
      case KOp::Sqrt: case KOp::Rsqrt: {
        x86::Vec s = e.new_vec("s");
        if (sse()) {
          if (e.is_f64()) cc_.emit(I::kIdSqrtsd, s, a);
          else cc_.emit(I::kIdSqrtss, s, a);
        } else {
          cc_.emit(e.is_f64() ? I::kIdVsqrtpd : I::kIdVsqrtps, s, a);
        }
        if (x.op == KOp::Sqrt) {
          e.mov(r.v, s);
        } else {
          x86::Vec one = e.load_constant(1.0);
          e.div(r.v, one, s);
        }
        break;
      }
      case KOp::Reciprocal: {
        x86::Vec one = e.load_constant(1.0);
        e.div(r.v, one, a);
        break;
      }
      case KOp::Exp: emit_exp(e, r.v, a); break;
      case KOp::Log: emit_log(e, r.v, a); break;
      case KOp::Tanh: emit_tanh(e, r.v, a); break;
      case KOp::Sigmoid: emit_sigmoid(e, r.v, a); break;
      case KOp::Erf: emit_erf(e, r.v, a); break;
      case KOp::Gelu: emit_gelu(e, r.v, a); break;
      case KOp::Sin: emit_sin(e, r.v, a); break;
      case KOp::Cos: emit_cos(e, r.v, a); break;
      case KOp::Relu: {
        x86::Vec z = e.load_constant(0.0);
        e.max(r.v, z, a);  // NaN -> a
        break;
      }
      case KOp::Floor: case KOp::Ceil: case KOp::Trunc: case KOp::Round: rounding(x.op, e, r.v, a); break;
      default: EMBER_FAIL("[jit.cpu] no lowering for {}", kop_name(x.op));
    }
    return r;
  }

  x86::Compiler& cc_;
  Isa isa_;
  const KernelIR& ir_;
  VecEmitter e32_, e64_;
  bool wide_;
  int lanes_;
  std::vector<Val> vals_;
  std::vector<Acc> acc_;
  std::vector<uint64_t> needed_;  // per constant: a bit for each phase whose pass reads it per element
};

bool can_vectorize(const KernelIR& ir, Isa isa) {
  if (isa == Isa::Scalar) return false;
  for (const KBuffer& b : ir.buffers()) {
    if (b.strides.back() == StrideClass::Strided || b.dtype == ScalarType::Long) return false;
  }
  return true;
}

struct Cache {
  asmjit::JitRuntime runtime;
  std::mutex mutex;
  std::map<std::pair<uint64_t, Isa>, std::vector<std::shared_ptr<const detail::CompiledKernel>>> kernels;
  std::atomic<int64_t> compiled{0};
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: kernels stay callable during static destruction
  return *c;
}

std::shared_ptr<const detail::CompiledKernel> compile(const KernelIR& ir, Isa isa) {
  Cache& kc = cache();
  asmjit::CodeHolder code;
  code.init(kc.runtime.environment());
  ThrowOnError handler;
  code.setErrorHandler(&handler);
  asmjit::StringLogger logger;
  const bool logging = log_enabled(LogKind::OutputCode);
  if (logging) code.setLogger(&logger);
  x86::Compiler cc(&code);
  cc.addDiagnosticOptions(asmjit::DiagnosticOptions::kValidateAssembler);

  asmjit::FuncNode* func =
      cc.addFunc(asmjit::FuncSignatureT<void, char* const*, const int64_t*, int64_t>());
  if (isa != Isa::Scalar) {
    func->frame().setAvxEnabled();
    func->frame().setAvxCleanup();
  }
  if (isa == Isa::Avx512) func->frame().setAvx512Enabled();
  x86::Gp ptrs = cc.newIntPtr("ptrs"), strides = cc.newIntPtr("strides"), n = cc.newInt64("n");
  func->setArg(0, ptrs);
  func->setArg(1, strides);
  func->setArg(2, n);

  bool wide = false;
  for (const KExpr& e : ir.exprs()) wide |= e.type == KType::F64;
  for (const KBuffer& b : ir.buffers()) wide |= b.dtype == ScalarType::Double || b.dtype == ScalarType::Long;
  const bool vectorized = can_vectorize(ir, isa);
  Lowering low(cc, isa, ir, wide);
  const size_t nb = ir.buffers().size();
  std::vector<int64_t> esize(nb);
  for (size_t b = 0; b < nb; ++b) {
    esize[b] = elem_size(ir.buffers()[b].dtype);
    low.ptr.push_back(cc.newIntPtr("p"));
    cc.mov(low.ptr[b], x86::qword_ptr(ptrs, int32_t(8 * b)));
  }
  low.n = n;
  x86::Gp cnt = cc.newInt64("cnt");
  auto advance = [&](int64_t count) {
    for (size_t b = 0; b < nb; ++b) {
      if (ir.buffers()[b].strides.back() == StrideClass::Contiguous) cc.add(low.ptr[b], int32_t(count * esize[b]));
    }
  };
  auto reload = [&] {
    for (size_t b = 0; b < nb; ++b) cc.mov(low.ptr[b], x86::qword_ptr(ptrs, int32_t(8 * b)));
  };
  for (int phase = 0; phase < ir.phases(); ++phase) {
    if (phase > 0) reload();
    low.begin_phase(phase);
    cc.mov(cnt, n);
    asmjit::Label vloop = cc.newLabel(), tail = cc.newLabel(), done = cc.newLabel();
    if (vectorized) {
      cc.bind(vloop);
      cc.cmp(cnt, low.lanes());
      cc.jl(tail);
      low.body(phase, true);
      advance(low.lanes());
      cc.sub(cnt, low.lanes());
      cc.jmp(vloop);
      cc.bind(tail);
      cc.test(cnt, cnt);
      cc.jle(done);
      low.body(phase, false);
      advance(1);
      cc.dec(cnt);
      cc.jmp(tail);
    } else {
      cc.bind(tail);
      cc.test(cnt, cnt);
      cc.jle(done);
      low.body(phase, false);
      for (size_t b = 0; b < nb; ++b) {
        switch (ir.buffers()[b].strides.back()) {
          case StrideClass::Contiguous: cc.add(low.ptr[b], int32_t(esize[b])); break;
          case StrideClass::Strided: cc.add(low.ptr[b], x86::qword_ptr(strides, int32_t(8 * b))); break;
          case StrideClass::Broadcast: break;
        }
      }
      cc.dec(cnt);
      cc.jmp(tail);
    }
    cc.bind(done);
    low.end_phase(phase, vectorized);
  }
  reload();
  low.row_stores();
  cc.endFunc();
  cc.finalize();

  void* fn = nullptr;
  const asmjit::Error err = kc.runtime.add(&fn, &code);
  EMBER_CHECK(err == asmjit::kErrorOk, "[jit.cpu] could not install a kernel: {}",
              asmjit::DebugUtils::errorAsString(err));
  kc.compiled.fetch_add(1);
  if (logging) {
    log_line(LogKind::OutputCode, fmt::format("cpu kernel isa={} {}:\n{}{}", isa_name(isa),
                                              vectorized ? "vectorized" : "element-wise", ir.print(),
                                              logger.data()));
  }
  return std::make_shared<const detail::CompiledKernel>(
      detail::CompiledKernel{ir, isa, vectorized, reinterpret_cast<RowFn>(fn), std::move(esize)});
}

}  // namespace

CpuKernel compile_kernel(const KernelIR& ir, Isa isa) {
  static const Isa cpu_best = detect_isa();
  EMBER_CHECK(isa_supported(isa, cpu_best), "[jit.cpu] cannot run {} code: this CPU supports up to {}",
              isa_name(isa), isa_name(cpu_best));
  EMBER_CHECK(!ir.stores().empty(), "[jit.cpu] the kernel stores nothing");
  for (const KStore& s : ir.stores()) {
    const KExpr& x = ir.exprs()[size_t(s.expr)];
    EMBER_CHECK(!x.row || ir.buffers()[size_t(s.buffer)].strides.back() == StrideClass::Broadcast ||
                    x.ready < ir.phases() - 1,
                "[jit.cpu] row scalar %{} is stored to every element of buffer {} but is only ready after the last "
                "phase; add a phase (next_phase()) for the store", s.expr, s.buffer);
  }
  Cache& kc = cache();
  std::lock_guard<std::mutex> lock(kc.mutex);
  auto& bucket = kc.kernels[{ir.hash(), isa}];
  CpuKernel k;
  for (const auto& c : bucket) {
    if (c->ir.same_structure(ir)) {
      k.impl_ = c;
      return k;
    }
  }
  k.impl_ = compile(ir, isa);
  bucket.push_back(k.impl_);
  return k;
}

int64_t compiled_kernel_count() { return cache().compiled.load(); }

Isa CpuKernel::isa() const { return impl_->isa; }
bool CpuKernel::vectorized() const { return impl_->vectorized; }
const KernelIR& CpuKernel::ir() const { return impl_->ir; }

void CpuKernel::run(const KernelArgs& args, int threads) const {
  EMBER_CHECK(impl_ != nullptr, "[CpuKernel::run] the kernel is empty: get one from compile_kernel");
  const KernelIR& ir = impl_->ir;
  const int rank = ir.rank();
  const size_t nb = ir.buffers().size();
  EMBER_CHECK(args.data.size() == nb && args.strides.size() == nb,
              "[CpuKernel::run] the kernel has {} buffers, got {} data pointers and {} stride lists", nb,
              args.data.size(), args.strides.size());
  EMBER_CHECK(int(args.sizes.size()) == rank, "[CpuKernel::run] the kernel has rank {}, got {} sizes", rank,
              args.sizes.size());
  int64_t rows = 1;
  for (int d = 0; d < rank; ++d) {
    EMBER_CHECK(args.sizes[size_t(d)] >= 0, "[CpuKernel::run] size {} of dim {} is negative",
                args.sizes[size_t(d)], d);
    if (d + 1 < rank) rows *= args.sizes[size_t(d)];
  }
  for (size_t b = 0; b < nb; ++b) {
    EMBER_CHECK(int(args.strides[b].size()) == rank, "[CpuKernel::run] buffer {} has {} strides, expected {}", b,
                args.strides[b].size(), rank);
    for (int d = 0; d < rank; ++d) {
      const int64_t s = args.strides[b][size_t(d)], size = args.sizes[size_t(d)];
      const StrideClass c = ir.buffers()[b].strides[size_t(d)];
      EMBER_CHECK(size <= 1 || (c == StrideClass::Contiguous ? s == 1 : c == StrideClass::Broadcast ? s == 0 : true),
                  "[CpuKernel::run] buffer {} dim {} was compiled as {} but has stride {}: recompile with the "
                  "stride class of these arguments", b, d, stride_class_name(c), s);
    }
  }
  const int64_t inner = args.sizes.back();
  const int64_t begin = std::max<int64_t>(0, args.begin), end = args.end < 0 ? rows : std::min(rows, args.end);
  const bool whole_rows = ir.has_reductions();  // a row's reductions run in one call (and in one order)
  if ((inner == 0 && !whole_rows) || begin >= end) return;

  // Work items: (row, chunk of the row). Chunks are multiples of every vector width.
  constexpr int64_t kChunk = 1 << 14;
  const int64_t chunk = whole_rows ? std::max<int64_t>(inner, 1) : std::min(inner, kChunk);
  const int64_t per_row = whole_rows ? 1 : (inner + chunk - 1) / chunk;
  const int64_t items = (end - begin) * per_row;
  const int nthreads = threads > 0 ? threads : kernels::cpu::get_num_threads();
  const int64_t grain = std::max<int64_t>(std::max<int64_t>(1, (1 << 15) / chunk), (items + nthreads - 1) / nthreads);

  std::vector<int64_t> inner_bytes(nb);
  for (size_t b = 0; b < nb; ++b) inner_bytes[b] = args.strides[b].back() * impl_->elem_size[b];
  const RowFn fn = impl_->fn;
  auto work = [&](int64_t lo, int64_t hi) {
    std::vector<char*> ptrs(nb);
    std::vector<int64_t> idx(size_t(rank), 0);
    for (int64_t item = lo; item < hi; ++item) {
      const int64_t row = begin + item / per_row, c = item % per_row;
      const int64_t start = c * chunk, count = std::min(chunk, inner - start);
      int64_t rem = row;
      for (int d = rank - 2; d >= 0; --d) {
        idx[size_t(d)] = rem % args.sizes[size_t(d)];
        rem /= args.sizes[size_t(d)];
      }
      for (size_t b = 0; b < nb; ++b) {
        int64_t off = start * args.strides[b].back();
        for (int d = 0; d + 1 < rank; ++d) off += idx[size_t(d)] * args.strides[b][size_t(d)];
        ptrs[b] = static_cast<char*>(args.data[b]) + off * impl_->elem_size[b];
      }
      fn(ptrs.data(), inner_bytes.data(), count);
    }
  };
  if (nthreads == 1 || items < 2 * grain) {
    work(0, items);
  } else {
    kernels::cpu::parallel_for(items, grain, work);
  }
}

}  // namespace ember::jit::cpu
