// Out-of-line loops over vec_math.h's functions, cloned per ISA so that wide vectors are used where present.
#include "kernels/cpu/vec_math.h"

namespace ember::kernels::cpu {

__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
void exp_shifted(float* out, const float* x, int64_t n, float shift) {
  for (int64_t j = 0; j < n; ++j) out[j] = exp_vectorizable(x[j] - shift);
}

}  // namespace ember::kernels::cpu
