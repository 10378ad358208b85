// CPU reduction kernels over StridedViews.
#pragma once

#include <cstdint>

#include "kernels/strided.h"

namespace ember::kernels::cpu {

// Writes into `out` the sum of `in` over the dims where out's stride is 0 (out has in's
// sizes, with zero strides on reduced dims). Accumulates in double for floating dtypes and
// int64 for integers; `scale` multiplies the result (mean). Deterministic for any thread count.
void sum(const StridedView& out, const StridedView& in, double scale = 1.0);

}  // namespace ember::kernels::cpu
