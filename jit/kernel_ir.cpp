// KernelIR: builder checks, print() and the structural hash.
#include "jit/kernel_ir.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "eager/dtype.h"
#include "kernels/check.h"

namespace ember::jit {

namespace {

bool is_float(KType t) { return t != KType::Bool; }

bool output_dtype_ok(ScalarType d) {
  switch (d) {
    case ScalarType::Float: case ScalarType::Double: case ScalarType::Half: case ScalarType::BFloat16:
    case ScalarType::Bool: case ScalarType::Byte: return true;
    default: return false;
  }
}

}  // namespace

std::string_view kop_name(KOp op) {
  static constexpr std::string_view names[] = {
      "load", "const", "neg", "abs", "sqrt", "rsqrt", "reciprocal", "exp", "log", "tanh", "sigmoid", "erf",
      "gelu", "sin", "cos", "relu", "floor", "ceil", "trunc", "round", "add", "sub", "mul", "div", "max", "min",
      "pow", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "where", "cast", "rowsize", "reduce"};
  static_assert(sizeof(names) / sizeof(names[0]) == size_t(KOp::Reduce) + 1);
  return names[size_t(op)];
}

std::string_view kreduce_name(KReduce r) {
  switch (r) {
    case KReduce::Sum: return "sum";
    case KReduce::Max: return "max";
    case KReduce::Min: return "min";
  }
  return "?";
}

std::string_view ktype_name(KType type) {
  switch (type) {
    case KType::F32: return "f32";
    case KType::F64: return "f64";
    case KType::Bool: return "bool";
  }
  return "?";
}

std::string_view stride_class_name(StrideClass c) {
  switch (c) {
    case StrideClass::Contiguous: return "contiguous";
    case StrideClass::Broadcast: return "broadcast";
    case StrideClass::Strided: return "strided";
  }
  return "?";
}

bool is_unary_float(KOp op) { return op >= KOp::Neg && op <= KOp::Round; }
bool is_binary_float(KOp op) { return op >= KOp::Add && op <= KOp::Pow; }
bool is_comparison(KOp op) { return op >= KOp::Eq && op <= KOp::Ge; }

KernelIR::KernelIR(int rank) : rank_(rank) {
  EMBER_CHECK(rank >= 1 && rank <= kMaxKernelRank,
              "[KernelIR] a kernel's rank must be in 1..{}, got {} (use rank 1 with size 1 for a scalar)",
              kMaxKernelRank, rank);
}

int KernelIR::add_buffer(ScalarType dtype, bool output, std::vector<StrideClass> strides) {
  EMBER_CHECK(int(strides.size()) == rank_, "[KernelIR] buffer {} needs one stride class per dim ({}), got {}",
              buffers_.size(), rank_, strides.size());
  for (int d = 0; d + 1 < rank_; ++d) {
    EMBER_CHECK(strides[size_t(d)] != StrideClass::Contiguous,
                "[KernelIR] buffer {}: only the last dim can be contiguous, dim {} is; use strided",
                buffers_.size(), d);
  }
  if (output) {
    EMBER_CHECK(output_dtype_ok(dtype),
                "[KernelIR] outputs must be float32, float64, float16, bfloat16, bool or uint8, got {}",
                python_name(dtype));
  }
  buffers_.push_back({dtype, output, std::move(strides)});
  return int(buffers_.size()) - 1;
}

int KernelIR::add_input(ScalarType dtype, std::vector<StrideClass> strides) {
  return add_buffer(dtype, false, std::move(strides));
}
int KernelIR::add_output(ScalarType dtype, std::vector<StrideClass> strides) {
  return add_buffer(dtype, true, std::move(strides));
}

const KExpr& KernelIR::expr(int id, const char* what) const {
  EMBER_CHECK(id >= 0 && size_t(id) < exprs_.size(), "[KernelIR] {}: no expression %{} (there are {})", what, id,
              exprs_.size());
  return exprs_[size_t(id)];
}

int KernelIR::push(KExpr e) {
  e.phase = phase_;
  if (e.op == KOp::RowSize) {
    e.row = true;
  } else if (e.op == KOp::Reduce) {
    e.row = true;
    e.ready = phase_;
  } else if (e.op != KOp::Load && e.op != KOp::Constant) {
    bool any_row = false, all_row = true;
    for (int32_t a : e.args) {
      if (a < 0) continue;
      const KExpr& x = exprs_[size_t(a)];
      any_row |= x.row;
      all_row &= x.row || x.op == KOp::Constant;
      if (x.row) e.ready = std::max(e.ready, x.ready);
    }
    e.row = any_row && all_row;
    if (!e.row) e.ready = -1;
  }
  if (!e.row) {
    for (int32_t a : e.args) {
      if (a < 0) continue;
      const KExpr& x = exprs_[size_t(a)];
      EMBER_CHECK(!x.row || x.ready < phase_,
                  "[KernelIR] %{} is a row scalar computed in phase {} and cannot be read per element in the same "
                  "phase; read it after next_phase()", a, x.ready);
      EMBER_CHECK(x.row || x.op == KOp::Constant || x.phase == phase_,
                  "[KernelIR] %{} is a per-element value of phase {}, read in phase {}: each phase is its own pass "
                  "over the row, so load and compute it again in this phase", a, x.phase, phase_);
    }
  }
  exprs_.push_back(e);
  return int(exprs_.size()) - 1;
}

int KernelIR::row_size(KType type) {
  EMBER_CHECK(is_float(type), "[KernelIR] row_size is a float, asked for bool");
  return push(KExpr{KOp::RowSize, type});
}

int KernelIR::reduce(KReduce kind, int x) {
  const KExpr& a = expr(x, "reduce");
  EMBER_CHECK(is_float(a.type), "[KernelIR] {} reduces floats, got bool (cast it first)", kreduce_name(kind));
  EMBER_CHECK(!a.row, "[KernelIR] {} reduces a per-element value, %{} is a row scalar", kreduce_name(kind), x);
  EMBER_CHECK(a.op == KOp::Constant || a.phase == phase_,
              "[KernelIR] {} of %{}, a value of phase {}, in phase {}: compute it again in this phase",
              kreduce_name(kind), x, a.phase, phase_);
  KExpr e{KOp::Reduce, a.type};
  e.args[0] = x;
  e.reduce = kind;
  has_reduce_ = true;
  return push(e);
}

void KernelIR::next_phase() {
  EMBER_CHECK(phase_ + 1 < 64, "[KernelIR] a kernel has at most 64 phases");
  ++phase_;
}

int KernelIR::load(int buffer, KType type) {
  EMBER_CHECK(buffer >= 0 && size_t(buffer) < buffers_.size(), "[KernelIR] load: no buffer {}", buffer);
  const ScalarType d = buffers_[size_t(buffer)].dtype;
  EMBER_CHECK(!buffers_[size_t(buffer)].output, "[KernelIR] load: buffer {} is an output", buffer);
  if (type == KType::Bool) {
    EMBER_CHECK(d == ScalarType::Bool || d == ScalarType::Byte,
                "[KernelIR] load as bool needs a bool or uint8 buffer, buffer {} is {}; load a float and compare",
                buffer, python_name(d));
  }
  KExpr e{KOp::Load, type};
  e.buffer = buffer;
  return push(e);
}

int KernelIR::constant(double value, KType type) {
  KExpr e{KOp::Constant, type};
  e.value = type == KType::F32 ? double(float(value)) : type == KType::Bool ? double(value != 0) : value;
  return push(e);
}

int KernelIR::unary(KOp op, int x) {
  const KExpr& a = expr(x, "unary");
  if (op == KOp::Not) {
    EMBER_CHECK(a.type == KType::Bool, "[KernelIR] not takes a bool, got {}", ktype_name(a.type));
  } else {
    EMBER_CHECK(is_unary_float(op), "[KernelIR] {} is not a unary op", kop_name(op));
    EMBER_CHECK(is_float(a.type), "[KernelIR] {} takes f32 or f64, got bool (cast it first)", kop_name(op));
  }
  KExpr e{op, a.type};
  e.args[0] = x;
  return push(e);
}

int KernelIR::binary(KOp op, int a, int b) {
  const KExpr& x = expr(a, kop_name(op).data());
  const KExpr& y = expr(b, kop_name(op).data());
  KType out;
  if (op == KOp::And || op == KOp::Or) {
    EMBER_CHECK(x.type == KType::Bool && y.type == KType::Bool, "[KernelIR] {} takes two bools, got {} and {}",
                kop_name(op), ktype_name(x.type), ktype_name(y.type));
    out = KType::Bool;
  } else {
    EMBER_CHECK(is_binary_float(op) || is_comparison(op), "[KernelIR] {} is not a binary op", kop_name(op));
    EMBER_CHECK(is_float(x.type) && x.type == y.type,
                "[KernelIR] {} takes two floats of one type, got {} and {} (cast one)", kop_name(op),
                ktype_name(x.type), ktype_name(y.type));
    out = is_comparison(op) ? KType::Bool : x.type;
  }
  KExpr e{op, out};
  e.args[0] = a;
  e.args[1] = b;
  return push(e);
}

int KernelIR::where(int cond, int x, int y) {
  const KExpr& c = expr(cond, "where");
  const KExpr& a = expr(x, "where");
  const KExpr& b = expr(y, "where");
  EMBER_CHECK(c.type == KType::Bool, "[KernelIR] where's condition must be bool, got {}", ktype_name(c.type));
  EMBER_CHECK(is_float(a.type) && a.type == b.type,
              "[KernelIR] where takes two floats of one type, got {} and {}", ktype_name(a.type),
              ktype_name(b.type));
  KExpr e{KOp::Where, a.type};
  e.args[0] = cond;
  e.args[1] = x;
  e.args[2] = y;
  return push(e);
}

int KernelIR::cast(int x, KType type) {
  expr(x, "cast");
  KExpr e{KOp::Cast, type};
  e.args[0] = x;
  return push(e);
}

void KernelIR::store(int buffer, int value) {
  EMBER_CHECK(buffer >= 0 && size_t(buffer) < buffers_.size() && buffers_[size_t(buffer)].output,
              "[KernelIR] store: buffer {} is not an output", buffer);
  const KExpr& v = expr(value, "store");
  const ScalarType d = buffers_[size_t(buffer)].dtype;
  EMBER_CHECK(d != ScalarType::Byte || v.type == KType::Bool,
              "[KernelIR] a uint8 output takes bool values, got {} (float to integer stores are not supported)",
              ktype_name(v.type));
  EMBER_CHECK(v.row || buffers_[size_t(buffer)].strides.back() != StrideClass::Broadcast,
              "[KernelIR] output buffer {} is broadcast along its last dim, so it takes row scalars (reductions); "
              "%{} is a per-element value: give the buffer a real stride", buffer, value);
  stores_.push_back({buffer, value});
}

std::string KernelIR::print() const {
  std::string s = fmt::format("kernel rank={}\n", rank_);
  for (size_t b = 0; b < buffers_.size(); ++b) {
    const KBuffer& buf = buffers_[b];
    s += fmt::format("  buf{}: {} {} [", b, buf.output ? "out" : "in ", python_name(buf.dtype));
    for (size_t d = 0; d < buf.strides.size(); ++d) {
      s += fmt::format("{}{}", d ? ", " : "", stride_class_name(buf.strides[d]));
    }
    s += "]\n";
  }
  for (size_t i = 0; i < exprs_.size(); ++i) {
    const KExpr& e = exprs_[i];
    if (e.phase > 0 && (i == 0 || exprs_[i - 1].phase != e.phase)) s += fmt::format(" phase {}:\n", e.phase);
    s += fmt::format("  %{} = {}.{}", i, kop_name(e.op), ktype_name(e.type));
    if (e.op == KOp::Reduce) {
      s += fmt::format(" {} %{}", kreduce_name(e.reduce), e.args[0]);
    } else if (e.op == KOp::Load) {
      s += fmt::format(" buf{}", e.buffer);
    } else if (e.op == KOp::Constant) {
      s += fmt::format(" {}", e.value);
    } else {
      for (int k = 0; k < 3 && e.args[k] >= 0; ++k) s += fmt::format("{} %{}", k ? "," : "", e.args[k]);
    }
    s += "\n";
  }
  for (const KStore& st : stores_) s += fmt::format("  store buf{}, %{}\n", st.buffer, st.expr);
  return s;
}

uint64_t KernelIR::hash() const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t v) {
    for (int i = 0; i < 8; ++i) {
      h ^= (v >> (8 * i)) & 0xff;
      h *= 1099511628211ull;
    }
  };
  mix(uint64_t(rank_));
  mix(buffers_.size());
  for (const KBuffer& b : buffers_) {
    mix(uint64_t(b.dtype) | uint64_t(b.output) << 8);
    for (StrideClass c : b.strides) mix(uint64_t(c));
  }
  mix(exprs_.size());
  for (const KExpr& e : exprs_) {
    mix(uint64_t(e.op) | uint64_t(e.type) << 8 | uint64_t(uint32_t(e.buffer)) << 16);
    for (int32_t a : e.args) mix(uint64_t(uint32_t(a)));
    mix(std::bit_cast<uint64_t>(e.value));
    if (e.op == KOp::Reduce || e.phase > 0) mix(uint64_t(e.reduce) | uint64_t(uint32_t(e.phase)) << 8);
  }
  mix(stores_.size());
  for (const KStore& s : stores_) mix(uint64_t(uint32_t(s.buffer)) | uint64_t(uint32_t(s.expr)) << 32);
  return h;
}

bool KernelIR::same_structure(const KernelIR& o) const {
  if (rank_ != o.rank_ || buffers_.size() != o.buffers_.size() || exprs_.size() != o.exprs_.size() ||
      stores_.size() != o.stores_.size()) {
    return false;
  }
  for (size_t i = 0; i < buffers_.size(); ++i) {
    const KBuffer &a = buffers_[i], &b = o.buffers_[i];
    if (a.dtype != b.dtype || a.output != b.output || a.strides != b.strides) return false;
  }
  for (size_t i = 0; i < exprs_.size(); ++i) {
    const KExpr &a = exprs_[i], &b = o.exprs_[i];
    if (a.op != b.op || a.type != b.type || a.buffer != b.buffer || a.reduce != b.reduce || a.phase != b.phase ||
        std::bit_cast<uint64_t>(a.value) != std::bit_cast<uint64_t>(b.value) ||
        std::memcmp(a.args, b.args, sizeof a.args) != 0) {
      return false;
    }
  }
  for (size_t i = 0; i < stores_.size(); ++i) {
    if (stores_[i].buffer != o.stores_[i].buffer || stores_[i].expr != o.stores_[i].expr) return false;
  }
  return true;
}

}  // namespace ember::jit
