// visit_floating: dtype dispatch restricted to the floating dtypes (internal to kernel .cpp files).
#pragma once

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/dtype.h"

namespace ember::kernels::cpu {

// Runs body.template operator()<T>() for a floating dtype; callers have already rejected the others.
template <typename F>
void visit_floating(ScalarType dtype, F&& body) {
  visit_dtype(dtype, [&]<typename T>() {
    if constexpr (is_float_like<T>)
      body.template operator()<T>();
    else
      EMBER_FAIL("[nn kernels] expected a floating point dtype, got dtype code {}", int(dtype));
  });
}

}  // namespace ember::kernels::cpu
