// Out-of-tree consumer: builds against an installed ember and checks one computation.
#include <ember.h>

#include <cstdio>

int main() {
  ember::Tensor x = ember::arange(6, ember::kFloat);
  ember::Tensor y = (x * 2 + 1).sum();
  const float got = y.item<float>();
  std::printf("consumer: sum(2 * arange(6) + 1) = %g\n", got);
  return got == 36.0f ? 0 : 1;
}
