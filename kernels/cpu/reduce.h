// CPU reduction kernels over StridedViews: reductions to fewer dims, scans, softmax, sort and topk.
#pragma once

#include <cstdint>

#include "kernels/strided.h"

namespace ember::kernels::cpu {

// ---- reductions ----
// Every reduction kernel takes outputs with the input's sizes and zero strides on the
// reduced dims. Results are identical for any thread count.

enum class ReduceOp : uint8_t {
  Sum,        // accumulated in double (floating) or int64 (integer, wrapping); `scale` multiplies the result
  Prod,       // as Sum
  Max, Min,   // NaN propagates; in and out have the same dtype
  All, Any,   // any input dtype; out is Bool or Byte
  Norm,       // p-norm of a floating input (p = 0, 1, 2, +-inf or any other); 0 when nothing is reduced
  LogSumExp,  // floating input; -inf rows give -inf
  Var, Std,   // floating input; divides by max(0, count - correction)
};

struct ReduceArgs {
  double scale = 1.0;       // Sum, Prod
  double p = 2.0;           // Norm
  double correction = 1.0;  // Var, Std
};

void reduce(ReduceOp op, const StridedView& out, const StridedView& in, const ReduceArgs& args = {});

// Max or Min with the index of the first extreme element (a NaN counts as the extreme), as its
// row-major position within the reduced dims. `values.data` may be null (argmax); indices are Long.
void reduce_with_indices(ReduceOp op, const StridedView& values, const StridedView& indices, const StridedView& in);

// Variance (or standard deviation when `take_sqrt`) and mean in one pass over a floating input.
void var_mean(const StridedView& var, const StridedView& mean, const StridedView& in, double correction,
              bool take_sqrt);

// Kept for existing callers: reduce(ReduceOp::Sum, ...).
void sum(const StridedView& out, const StridedView& in, double scale = 1.0);

// ---- along one dim (each slice along `dim` is independent; slices run in parallel) ----

enum class ScanOp : uint8_t { CumSum, CumProd };
// out and in have the same sizes and dtype (not Bool); accumulates in double or int64.
void scan(ScanOp op, const StridedView& out, const StridedView& in, int64_t dim);

// softmax (or log_softmax) along `dim` of a floating input into an output of the same dtype,
// subtracting each slice's max first so large inputs stay finite.
void softmax(const StridedView& out, const StridedView& in, int64_t dim, bool log);

// Stable sort along `dim`; NaN sorts as the largest value. Indices are Long.
void sort(const StridedView& values, const StridedView& indices, const StridedView& in, int64_t dim,
          bool descending);

// The k largest (or smallest) along `dim`, best first; ties keep the lower index first.
// values/indices have in's sizes except k along `dim`.
void topk(const StridedView& values, const StridedView& indices, const StridedView& in, int64_t k, int64_t dim,
          bool largest);

}  // namespace ember::kernels::cpu
