// Normalisation, dropout, embedding, linear and loss primitives (the nn layers build on these).
#pragma once

#include "eager/tensor.h"

namespace ember {}  // namespace ember
