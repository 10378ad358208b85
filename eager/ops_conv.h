// Convolution, pooling, padding and interpolation primitives (the nn layers build on these).
#pragma once

#include "eager/tensor.h"

namespace ember {}  // namespace ember
