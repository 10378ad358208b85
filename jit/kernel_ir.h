// KernelIR: a fused kernel as backends compile it: an iteration space of rank R, buffers with a storage
// dtype and a stride class per dim, an SSA expression DAG over float32 / float64 / bool lanes, and stores.
// A kernel may also reduce over its last dim (a "row") in phases: each phase is one pass over the row that
// evaluates its per-element expressions, stores per-element values and accumulates reductions (sum, max, min);
// a reduction's result is a row scalar that later phases read like any value (softmax: max, then sum of exp,
// then the normalised store). A kernel that never calls next_phase() is one pointwise pass.
// Sizes and strides are runtime arguments (KernelArgs), so one compiled kernel serves every size; the structure
// (and hash()) records only what code generation depends on: ops, types, constants, dtypes, rank, stride classes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/dtype.h"

namespace ember::jit {

// Compute types of expression values. Bool is a per-lane mask.
enum class KType : uint8_t { F32, F64, Bool };

// How a buffer's stride along one dim is known at compile time: Contiguous (stride 1; only on the last dim),
// Broadcast (stride 0) or Strided (any other stride, read from KernelArgs).
enum class StrideClass : uint8_t { Contiguous, Broadcast, Strided };

enum class KOp : uint8_t {
  // leaves
  Load, Constant,
  // unary float -> float
  Neg, Abs, Sqrt, Rsqrt, Reciprocal, Exp, Log, Tanh, Sigmoid, Erf, Gelu, Sin, Cos, Relu, Floor, Ceil, Trunc,
  Round,  // half to even
  // binary float, float -> float (max/min propagate NaN as PyTorch does)
  Add, Sub, Mul, Div, Max, Min, Pow,
  // float, float -> Bool (ne is true when either side is NaN, the others false)
  Eq, Ne, Lt, Le, Gt, Ge,
  // Bool logic
  And, Or, Not,
  // where(Bool, x, y), x and y of one float type
  Where,
  // between F32, F64 and Bool (float -> Bool is x != 0, NaN -> true; Bool -> float is 0 or 1)
  Cast,
  // row scalars: the row's length as a float; a reduction of a per-element value over the row (KExpr::reduce)
  RowSize, Reduce,
};

// Reductions over a row. Sums accumulate in the value's type; max and min propagate NaN as PyTorch does; an empty
// row gives 0, -inf and +inf.
enum class KReduce : uint8_t { Sum, Max, Min };
std::string_view kreduce_name(KReduce r);

std::string_view kop_name(KOp op);
std::string_view ktype_name(KType type);
std::string_view stride_class_name(StrideClass c);
bool is_unary_float(KOp op);
bool is_binary_float(KOp op);
bool is_comparison(KOp op);

struct KExpr {
  KOp op;
  KType type;
  int32_t args[3] = {-1, -1, -1};  // operand expression ids (earlier in SSA order)
  int32_t buffer = -1;             // Load
  double value = 0;                // Constant (rounded to `type` when F32)
  KReduce reduce = KReduce::Sum;   // Reduce
  int32_t phase = 0;               // the phase it was built in
  // Row scalars (RowSize, Reduce, and ops whose operands are row scalars or constants) are the same for every
  // element of a row; `ready` is the phase after which one can be read (-1: before the first pass).
  bool row = false;
  int32_t ready = -1;
};

struct KBuffer {
  ScalarType dtype;
  bool output;
  std::vector<StrideClass> strides;  // one per dim
};

struct KStore {
  int32_t buffer;
  int32_t expr;
};

inline constexpr int kMaxKernelRank = 8;

// Built in SSA order: every builder method checks its operands and types and returns the new expression's id.
// Errors (wrong types, unknown ids, unsupported dtypes) raise ember::Error.
class KernelIR {
 public:
  explicit KernelIR(int rank);

  int rank() const { return rank_; }
  const std::vector<KBuffer>& buffers() const { return buffers_; }
  const std::vector<KExpr>& exprs() const { return exprs_; }
  const std::vector<KStore>& stores() const { return stores_; }
  int phases() const { return phase_ + 1; }
  bool has_reductions() const { return phase_ > 0 || has_reduce_; }

  // Buffers, numbered in the order added (inputs and outputs share one numbering).
  // Storage dtypes: float32/64, float16, bfloat16, bool, uint8, int8, int16, int32, int64. Outputs: float32/64,
  // float16, bfloat16, bool or uint8. An output whose last dim is Broadcast takes row scalars only (one element
  // per row: the result of a reduction, with keepdim or not); other outputs take per-element values.
  int add_input(ScalarType dtype, std::vector<StrideClass> strides);
  int add_output(ScalarType dtype, std::vector<StrideClass> strides);

  // Load converts from the storage dtype: to F32/F64 from any dtype; to Bool from bool/uint8 (nonzero -> true).
  int load(int buffer, KType type);
  int constant(double value, KType type);
  int unary(KOp op, int x);             // unary float ops, and Not
  int binary(KOp op, int a, int b);     // arithmetic, comparisons, And, Or
  int where(int cond, int x, int y);
  int cast(int x, KType type);
  // Converts to the buffer's dtype: floats to float storage round to nearest even; Bool to float storage is 0/1;
  // floats to bool storage are x != 0; uint8 outputs take Bool values only.
  // A per-element value is stored in its phase's pass; a row scalar stored to a per-element output is written to
  // every element of the row in the last pass, and to a row output once per row after the last pass.
  void store(int buffer, int expr);

  // Reductions and phases. Per-element operands of an expression must come from the current phase (constants
  // from any); row scalars must be ready (their reductions finished in an earlier phase).
  int row_size(KType type);
  int reduce(KReduce kind, int x);  // x: a per-element float of the current phase
  void next_phase();

  // One line per buffer, expression and store.
  std::string print() const;
  // Structural: equal for kernels that compile to the same code.
  uint64_t hash() const;
  // Equal structure (what hash() covers, compared exactly).
  bool same_structure(const KernelIR& other) const;

 private:
  int add_buffer(ScalarType dtype, bool output, std::vector<StrideClass> strides);
  int push(KExpr e);
  void check_operand(int id, const char* what) const;
  const KExpr& expr(int id, const char* what) const;

  int rank_;
  std::vector<KBuffer> buffers_;
  std::vector<KExpr> exprs_;
  std::vector<KStore> stores_;
  int32_t phase_ = 0;
  bool has_reduce_ = false;
};

// The runtime argument block of one kernel call. Strides are in elements; `strides[b][d]` for buffer b, dim d.
// The outer index is the row-major flattening of dims 0..rank-2 (one row per outer index); a call covers the
// rows [begin, end) (end < 0: to the last row), which is how work is split over threads.
struct KernelArgs {
  std::vector<void*> data;
  std::vector<int64_t> sizes;
  std::vector<std::vector<int64_t>> strides;
  int64_t begin = 0;
  int64_t end = -1;
};

}  // namespace ember::jit
