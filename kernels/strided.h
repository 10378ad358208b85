// StridedView: how kernels see a tensor — a pointer, a dtype, sizes and element strides, no ownership.
#pragma once

#include <cstdint>

#include "kernels/dtype.h"
#include "kernels/small_vector.h"

namespace ember::kernels {

struct StridedView {
  void* data = nullptr;  // points at element [0, 0, ...] (storage offset already applied)
  ScalarType dtype = ScalarType::Float;
  DimVector sizes;
  DimVector strides;  // in elements

  int64_t ndim() const { return int64_t(sizes.size()); }
  int64_t numel() const {
    int64_t n = 1;
    for (int64_t s : sizes) n *= s;
    return n;
  }
};

}  // namespace ember::kernels
