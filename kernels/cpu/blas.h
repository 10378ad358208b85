// Matrix products over strided views: OpenBLAS for float/double, exact loops for other dtypes.
#pragma once

#include "kernels/cpu/pointwise.h"
#include "kernels/strided.h"

namespace ember::kernels::cpu {

// out[b] = beta * out[b] + alpha * (a[b] @ w[b]) for 3-D views a (B, M, K), w (B, K, N) and
// out (B, M, N), all of one dtype (not Bool). beta == 0 ignores out's old contents, NaN
// included, as BLAS does. Any strides are accepted; BLAS-compatible layouts are not copied.
void gemm(const StridedView& out, const StridedView& a, const StridedView& w, ScalarArg alpha, ScalarArg beta);

// The OpenBLAS kernel family in use ("Haswell", "SkylakeX", ...), for perf hints.
const char* blas_core_name();

}  // namespace ember::kernels::cpu
