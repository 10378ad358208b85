// Gradcheck cases: the random fills and samplers, whose derivative (as PyTorch defines it) gives their tensor inputs
// zero gradients. Each forward draws from a generator seeded afresh, so every evaluation sees the same samples and
// finite differences measure the true (zero) dependence. Adding the input back keeps every Jacobian nonzero.
#include "grad_cases.h"

namespace ember::test {
namespace {

void add_cases(std::vector<GradCase>& cases) {
  using L = variable_list;
  cases.push_back({"in-place random fills on a non-leaf", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     Tensor u = x[0] * 2.0, n = x[0] * 3.0, b = x[0] * 1.0, r = x[0] * 1.0;
                     u.uniform_(-1, 1, Generator(1));
                     n.normal_(0.5, 2, Generator(2));
                     b.bernoulli_(0.3, Generator(3));
                     r.random_(0, 10, Generator(4));
                     return L{u + x[0], n + x[0], b + x[0], r + x[0]};
                   }});
  cases.push_back({"random fill of a view", [] { return L{leaf({2, 4})}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.slice(1, 0, 2).uniform_(0, 1, Generator(5));
                     return L{y};
                   }});
  cases.push_back({"bernoulli and poisson of a tensor",
                   [] { return L{leaf_in({2, 3}, 0.1, 0.9), leaf_in({4}, 1, 20)}; },
                   [](const L& x) {
                     return L{bernoulli(x[0], Generator(6)) + x[0], poisson(x[1], Generator(7)) + x[1]};
                   }});
}

const GradCaseRegistrar registrar(add_cases);

}  // namespace
}  // namespace ember::test
