// Gradcheck cases: view ops (transpose, permute, squeeze, unsqueeze, expand, select, slice, unfold, diagonal,
// split, unbind, view, as_strided), joins (cat, stack, flip, roll, repeat) and copies (copy_, clone, to, fill_).
#include "grad_cases.h"

namespace ember::test {
namespace {

using L = variable_list;

void view_cases(std::vector<GradCase>& cases) {
  cases.push_back({"transpose", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].transpose(0, 1), x[0].t()}; }});
  cases.push_back({"transpose 3-d strided, negative dims", [] { return L{strided({2, 1, 3})}; },
                   [](const L& x) { return L{x[0].transpose(-1, 0)}; }});
  cases.push_back({"transpose 0-d", [] { return L{leaf({})}; }, [](const L& x) { return L{x[0].transpose(0, -1)}; }});
  cases.push_back({"permute", [] { return L{leaf({2, 1, 3})}; },
                   [](const L& x) { return L{x[0].permute({2, 0, 1}), x[0].permute({-1, -2, 0})}; }});
  cases.push_back({"permute strided", [] { return L{strided({2, 3})}; },
                   [](const L& x) { return L{x[0].permute({1, 0})}; }});
  cases.push_back({"squeeze all", [] { return L{leaf({1, 3, 1, 2})}; }, [](const L& x) { return L{x[0].squeeze()}; }});
  cases.push_back({"squeeze dim (size 1 and not)", [] { return L{leaf({2, 1, 3})}; },
                   [](const L& x) { return L{x[0].squeeze(1), x[0].squeeze(-1), x[0].squeeze(0)}; }});
  cases.push_back({"squeeze dims", [] { return L{strided({1, 3, 1, 2})}; },
                   [](const L& x) { return L{x[0].squeeze(IntArrayRef{0, 1}), x[0].squeeze(IntArrayRef{2, -4})}; }});
  cases.push_back({"squeeze 0-d", [] { return L{leaf({})}; },
                   [](const L& x) { return L{x[0].squeeze(), x[0].squeeze(0)}; }});
  cases.push_back({"unsqueeze", [] { return L{strided({2, 3})}; },
                   [](const L& x) { return L{x[0].unsqueeze(0), x[0].unsqueeze(1), x[0].unsqueeze(-1)}; }});
  cases.push_back({"unsqueeze 0-d", [] { return L{leaf({})}; }, [](const L& x) { return L{x[0].unsqueeze(0)}; }});
  cases.push_back({"expand", [] { return L{leaf({3, 1})}; },
                   [](const L& x) { return L{x[0].expand({2, 3, 4}), x[0].expand({-1, 2})}; }});
  cases.push_back({"expand 0-d and strided", [] { return L{leaf({}), strided({1, 3})}; },
                   [](const L& x) { return L{x[0].expand({2, 2}), x[1].expand({2, 3})}; }});
  cases.push_back({"select", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].select(0, 1), x[0].select(1, -1), x[0].select(-1, 0)}; }});
  cases.push_back({"select 1-d to 0-d, strided", [] { return L{strided({4})}; },
                   [](const L& x) { return L{x[0].select(0, 2)}; }});
  cases.push_back({"slice", [] { return L{leaf({5, 2})}; },
                   [](const L& x) {
                     return L{x[0].slice(0, 1, 4), x[0].slice(0, std::nullopt, std::nullopt, 2),
                              x[0].slice(0, -3, 100, 2), x[0].slice(1, 1)};
                   }});
  cases.push_back({"slice strided, step 3, empty", [] { return L{strided({2, 5})}; },
                   [](const L& x) {
                     return L{x[0].slice(1, 0, std::nullopt, 3), x[0].slice(1, 4, 2), x[0].narrow(0, 1, 1)};
                   }});
  cases.push_back({"unfold overlapping windows", [] { return L{leaf({2, 5})}; },
                   [](const L& x) { return L{x[0].unfold(1, 3, 1), x[0].unfold(0, 1, 1)}; }});
  cases.push_back({"unfold gaps and strided", [] { return L{strided({6})}; },
                   [](const L& x) { return L{x[0].unfold(0, 2, 3), x[0].unfold(-1, 4, 2)}; }});
  cases.push_back({"unfold 0-d", [] { return L{leaf({})}; }, [](const L& x) { return L{x[0].unfold(0, 1, 1)}; }});
  cases.push_back({"diagonal", [] { return L{leaf({3, 4})}; },
                   [](const L& x) {
                     return L{x[0].diagonal(), x[0].diagonal(1), x[0].diagonal(-2), x[0].diagonal(0, 1, 0)};
                   }});
  cases.push_back({"diagonal 3-d strided", [] { return L{strided({2, 2, 3})}; },
                   [](const L& x) { return L{x[0].diagonal(0, 0, 2), x[0].diagonal(-1, -1, 1)}; }});
  cases.push_back({"split", [] { return L{leaf({5, 2})}; },
                   [](const L& x) {
                     const auto parts = x[0].split(2);
                     return L{parts[0], parts[1], parts[2]};
                   }});
  cases.push_back({"split: only some pieces used, dim 1, strided", [] { return L{strided({2, 5})}; },
                   [](const L& x) {
                     const auto parts = x[0].split(3, 1);
                     return L{parts[1] * 2.0};
                   }});
  cases.push_back({"split_with_sizes (with an empty piece)", [] { return L{leaf({2, 5})}; },
                   [](const L& x) {
                     const auto parts = x[0].split_with_sizes({1, 0, 4}, 1);
                     return L{parts[0], parts[2].sum(IntArrayRef{1})};
                   }});
  cases.push_back({"chunk", [] { return L{leaf({4, 3})}; },
                   [](const L& x) {
                     const auto parts = x[0].chunk(3, -1);
                     return L{parts[2], parts[0] * parts[1]};
                   }});
  cases.push_back({"unbind", [] { return L{leaf({3, 2})}; },
                   [](const L& x) {
                     const auto parts = x[0].unbind(0);
                     return L{parts[0], parts[2] * 3.0};
                   }});
  cases.push_back({"unbind dim 1, strided", [] { return L{strided({2, 3})}; },
                   [](const L& x) {
                     const auto parts = x[0].unbind(-1);
                     return L{parts[1]};
                   }});
  cases.push_back({"view, reshape, flatten", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     return L{x[0].view({3, 2}), x[0].t().reshape({6}), x[0].flatten(), x[0].view({-1, 1, 2})};
                   }});
  cases.push_back({"as_strided (overlapping)", [] { return L{leaf({6})}; },
                   [](const L& x) { return L{x[0].as_strided({3, 2}, {1, 2}, 1)}; }});
  cases.push_back({"a chain of views", [] { return L{leaf({2, 3, 2})}; },
                   [](const L& x) {
                     return L{x[0].transpose(0, 2).select(1, 1).unsqueeze(0).expand({2, 2, 2}).slice(2, 1).squeeze(2) *
                              x[0].permute({2, 1, 0}).diagonal(0, 0, 2).slice(0, 0, 2)};
                   }});
  cases.push_back({"in-place writes through views of a non-leaf", [] { return L{leaf({2, 3}), leaf({3}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.select(0, 1).mul_(x[1]);
                     y.t().slice(0, 0, 2).add_(x[1].slice(0, 1).unsqueeze(1));
                     y.diagonal().mul_(2.0);
                     return L{y};
                   }});
}

void join_cases(std::vector<GradCase>& cases) {
  cases.push_back({"cat", [] { return L{leaf({2, 3}), leaf({1, 3}, 2), strided({3, 3}, 3)}; },
                   [](const L& x) { return L{cat({x[0], x[1], x[2]}), cat({x[0], x[2]}, -2)}; }});
  cases.push_back({"cat dim 1, skipped empty input", [] { return L{leaf({2, 1}), leaf({2, 2}, 2), leaf({0}, 3)}; },
                   [](const L& x) { return L{cat({x[0], x[2], x[1]}, 1)}; }});
  cases.push_back({"stack", [] { return L{leaf({2, 2}), strided({2, 2}, 2)}; },
                   [](const L& x) { return L{stack({x[0], x[1]}), stack({x[1], x[0], x[1]}, -1)}; }});
  cases.push_back({"stack 0-d", [] { return L{leaf({}), leaf({}, 2)}; },
                   [](const L& x) { return L{stack({x[0], x[1]})}; }});
  cases.push_back({"flip", [] { return L{strided({2, 3})}; },
                   [](const L& x) { return L{x[0].flip({0}), x[0].flip({-1, 0}), x[0].flip({})}; }});
  cases.push_back({"roll", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     return L{x[0].roll({1}, {1}), x[0].roll({-1, 4}, {0, 1}), x[0].roll({2}),
                              x[0].roll({1, 1}, {1, 1})};
                   }});
  cases.push_back({"roll strided", [] { return L{strided({3, 2})}; }, [](const L& x) { return L{x[0].roll({-4})}; }});
  cases.push_back({"repeat", [] { return L{leaf({2, 1})}; },
                   [](const L& x) { return L{x[0].repeat({2, 3}), x[0].repeat({2, 1, 2}), x[0].repeat({1, 0})}; }});
  cases.push_back({"repeat 0-d and strided", [] { return L{leaf({}), strided({3})}; },
                   [](const L& x) { return L{x[0].repeat({}), x[0].repeat({3}), x[1].repeat({2, 2})}; }});
}

void copy_cases(std::vector<GradCase>& cases) {
  cases.push_back({"copy_ with broadcasting into a non-leaf", [] { return L{leaf({2, 3}), leaf({3}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 2.0;
                     y.copy_(x[1]);
                     return L{y * x[0]};
                   }});
  cases.push_back({"copy_ into a view of a non-leaf", [] { return L{leaf({2, 3}), strided({3}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.select(0, 0).copy_(x[1]);
                     return L{y};
                   }});
  cases.push_back({"clone, to (same dtype, copy)", [] { return L{strided({2, 2})}; },
                   [](const L& x) { return L{x[0].clone(), x[0].to(kDouble, false, true), x[0].contiguous()}; }});
  cases.push_back({"fill_ on a non-leaf and on its view", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     Tensor y = x[0] * x[0];
                     Tensor z = x[0] * 3.0;
                     z.slice(1, 1).fill_(2.0);
                     y.fill_(1.5);
                     return L{y, z};
                   }});
}

const GradCaseRegistrar views_registrar(view_cases);
const GradCaseRegistrar joins_registrar(join_cases);
const GradCaseRegistrar copies_registrar(copy_cases);

}  // namespace
}  // namespace ember::test
