// Must not compile: a compiled function returning an int is rejected by a static_assert.
#include "jit/compile.h"

int main() {
  auto f = [](const ember::Tensor& x) { return 3; };
  auto cf = ember::compile(f);
  cf(ember::Tensor());
}
