// Entry points of the CPU eager kernels (umbrella). Operands are StridedViews that already share one shape
// (broadcasting is expressed with zero strides); kernels never allocate tensors or see Tensor.
#pragma once

#include "kernels/cpu/pointwise.h"
#include "kernels/cpu/reduce.h"
