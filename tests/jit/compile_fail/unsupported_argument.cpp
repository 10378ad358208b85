// Must not compile: a std::string argument to a compiled function is rejected by a static_assert.
#include <string>

#include "jit/compile.h"

int main() {
  auto f = [](const ember::Tensor& x, const std::string&) { return x; };
  auto cf = ember::compile(f);
  cf(ember::Tensor(), std::string("no"));
}
