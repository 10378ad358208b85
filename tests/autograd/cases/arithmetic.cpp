// Gradcheck cases: add, sub, mul, div (tensor and scalar forms, in place), with broadcasting and strided inputs.
#include "grad_cases.h"

namespace ember::test {
namespace {

void add_cases(std::vector<GradCase>& cases) {
  using L = variable_list;
  cases.push_back({"add broadcast", [] { return L{leaf({2, 3}), leaf({3}, 2)}; },
                   [](const L& x) { return L{add(x[0], x[1], 2.5)}; }});
  cases.push_back({"sub strided", [] { return L{strided({2, 3}), leaf({2, 1}, 2)}; },
                   [](const L& x) { return L{sub(x[0], x[1], 0.5)}; }});
  cases.push_back({"mul broadcast", [] { return L{leaf({2, 1, 3}), leaf({4, 1}, 2)}; },
                   [](const L& x) { return L{x[0] * x[1]}; }});
  cases.push_back({"div", [] { return L{leaf({3}), leaf_in({2, 3}, 0.5, 2.0, 2)}; },
                   [](const L& x) { return L{x[0] / x[1]}; }});
  cases.push_back({"scalar forms", [] { return L{leaf_in({4}, 0.5, 2.0)}; },
                   [](const L& x) { return L{(x[0] + 1.5) * 2.0 - 0.25, x[0] / 3.0, 2.0 / x[0], 1.0 - x[0]}; }});
  cases.push_back({"in-place forms on a non-leaf", [] { return L{leaf({2, 3}), leaf_in({3}, 0.5, 2.0, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.add_(x[1], 2.0).mul_(x[1]).div_(x[1] + 1.0).sub_(x[1]);
                     y.add_(1.0).mul_(2.0).div_(3.0).sub_(0.5);
                     return L{y};
                   }});
}

const GradCaseRegistrar registrar(add_cases);

}  // namespace
}  // namespace ember::test
