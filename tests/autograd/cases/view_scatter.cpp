// Gradcheck cases: as_strided_scatter (the out-of-place write into a strided window).
#include "grad_cases.h"

namespace ember::test {
namespace {

using L = variable_list;

void view_scatter_cases(std::vector<GradCase>& cases) {
  cases.push_back({"as_strided_scatter: a 2x2 block", [] { return L{leaf({3, 4}), leaf({2, 2}, 2)}; },
                   [](const L& x) { return L{as_strided_scatter(x[0], x[1], {2, 2}, {4, 1}, 5)}; }});
  cases.push_back({"as_strided_scatter: a column, offset None and given",
                   [] { return L{leaf({3, 2}), leaf({3}, 2)}; },
                   [](const L& x) {
                     return L{as_strided_scatter(x[0], x[1], {3}, {2}), as_strided_scatter(x[0], x[1] * 2.0, {3}, {2}, 1)};
                   }});
  cases.push_back({"as_strided_scatter: a transposed window, src read twice", [] { return L{leaf({2, 3}), leaf({3, 2}, 2)}; },
                   [](const L& x) { return L{as_strided_scatter(x[0], x[1], {3, 2}, {1, 3}) * x[1].sum()}; }});
}

const GradCaseRegistrar view_scatter_registrar(view_scatter_cases);

}  // namespace
}  // namespace ember::test
