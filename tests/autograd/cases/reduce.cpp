// Gradcheck cases: reductions (prod, amax/amin, max/min, logsumexp, norm, max.dim/min.dim, var/std and
// their _mean forms) and ops along a dim (cumsum, cumprod, softmax, log_softmax, sort, topk): keepdim,
// single/several/negative/all dims, 0-d and strided inputs. Inputs are random normals, so no ties and no
// zeros (the conventions at those points are checked by test_grad_reduce.cpp).
#include "grad_cases.h"

namespace ember::test {
namespace {

void reduce_cases(std::vector<GradCase>& cases) {
  using L = variable_list;
  // prod
  cases.push_back({"prod all / dim / keepdim / negative dim", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     return L{prod(x[0]), prod(x[0], 1), prod(x[0], 0, true), prod(x[0], -1, true)};
                   }});
  cases.push_back({"prod strided, 0-d, dtype", [] { return L{strided({3, 2}), leaf({}, 2)}; },
                   [](const L& x) { return L{prod(x[0], 0), prod(x[1]), prod(x[1], 0, true), prod(x[0], 1, false, kDouble)}; }});
  // amax / amin
  cases.push_back({"amax/amin dims", [] { return L{leaf({2, 3, 2})}; },
                   [](const L& x) {
                     return L{amax(x[0]), amax(x[0], {1}), amax(x[0], {0, -1}, true), amin(x[0], {-2}, true),
                              amin(x[0], {0, 1, 2})};
                   }});
  cases.push_back({"amax/amin strided and 0-d", [] { return L{strided({2, 3}), leaf({}, 3)}; },
                   [](const L& x) { return L{amax(x[0], {0}), amin(x[0], {1}, true), amax(x[1]), amin(x[1], {0})}; }});
  // sum / mean
  cases.push_back({"sum/mean dims", [] { return L{leaf({2, 3, 2}), strided({2, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     return L{sum(x[0]), sum(x[0], {1}), sum(x[0], {0, -1}, true), mean(x[0]), mean(x[0], {-2}, true),
                              mean(x[1], {0}), sum(x[2]), mean(x[2])};
                   }});
  // max / min (full)
  cases.push_back({"max/min full", [] { return L{leaf({2, 3}), leaf({}, 2)}; },
                   [](const L& x) { return L{max(x[0]), min(x[0]), max(x[1]), min(x[1])}; }});
  // logsumexp
  cases.push_back({"logsumexp dims", [] { return L{leaf({2, 3, 2}), strided({2, 2}, 3), leaf({}, 4)}; },
                   [](const L& x) {
                     return L{logsumexp(x[0], {1}), logsumexp(x[0], {0, 2}, true), logsumexp(x[0], {-1}),
                              logsumexp(x[1], {0, 1}), logsumexp(x[2], {0})};
                   }});
  // norm
  cases.push_back({"norm p=2 / 1 / 3 / 1.5 / 0.5", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     return L{norm(x[0]), norm(x[0], 2, {1}), norm(x[0], 1, {0}, true), norm(x[0], 3, {-1}),
                              norm(x[0], 1.5, {0, 1}), norm(x[0], 0.5, {1}, true)};
                   }});
  cases.push_back({"norm p=inf / -inf, strided, 0-d", [] { return L{strided({2, 3}), leaf({}, 2)}; },
                   [](const L& x) {
                     const double inf = std::numeric_limits<double>::infinity();
                     return L{norm(x[0], inf, {1}), norm(x[0], -inf, {0}, true), norm(x[0], inf), norm(x[1], 2),
                              norm(x[1], 3, {0})};
                   }});
  // max.dim / min.dim
  cases.push_back({"max.dim/min.dim values", [] { return L{leaf({2, 3, 2}), leaf({}, 2)}; },
                   [](const L& x) {
                     return L{std::get<0>(max(x[0], 1)), std::get<0>(max(x[0], -1, true)), std::get<0>(min(x[0], 0)),
                              std::get<0>(min(x[0], 2, true)), std::get<0>(max(x[1], 0)), std::get<0>(min(x[1], -1, true))};
                   }});
  cases.push_back({"max.dim strided", [] { return L{strided({3, 2})}; },
                   [](const L& x) { return L{std::get<0>(max(x[0], 0)), std::get<0>(min(x[0], 1, true))}; }});
  // var / std
  cases.push_back({"var/std dims and corrections", [] { return L{leaf({2, 3, 2})}; },
                   [](const L& x) {
                     return L{var(x[0]), std(x[0]), var(x[0], {1}), std(x[0], {0, 2}, true, true),
                              var(x[0], {-1}, int64_t(0)), std(x[0], {1}, int64_t(2), true), var(x[0], {0, 1, 2}, false)};
                   }});
  cases.push_back({"var/std strided", [] { return L{strided({3, 2})}; },
                   [](const L& x) { return L{var(x[0], {0}), std(x[0], {1}, false, true)}; }});
  cases.push_back({"var_mean/std_mean", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     auto [v, m] = var_mean(x[0], {1});
                     auto [s, m2] = std_mean(x[0], {0}, int64_t(0), true);
                     auto [v3, m3] = var_mean(x[0]);
                     auto [s4, m4] = std_mean(x[0], {-1}, true, false);
                     return L{v, m, s, m2, v3, m3, s4 * m4};
                   }});
  cases.push_back({"var_mean/std_mean one output used", [] { return L{leaf({3, 2})}; },
                   [](const L& x) { return L{std::get<0>(var_mean(x[0], {0})), std::get<1>(std_mean(x[0], {1}))}; }});
}

void along_dim_cases(std::vector<GradCase>& cases) {
  using L = variable_list;
  cases.push_back({"cumsum", [] { return L{leaf({2, 3}), strided({3, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     return L{cumsum(x[0], 1), cumsum(x[0], 0), cumsum(x[1], -1), cumsum(x[2], 0), cumsum(x[0], 1, kDouble)};
                   }});
  cases.push_back({"cumprod", [] { return L{leaf({2, 3}), strided({3, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) { return L{cumprod(x[0], 1), cumprod(x[0], -2), cumprod(x[1], 0), cumprod(x[2], 0)}; }});
  cases.push_back({"cumprod through zeros", [] { return L{leaf({2, 4})}; },
                   [](const L& x) {
                     // zeros placed by a differentiable op: the input to cumprod has exact zeros.
                     const Tensor mask = tensor({1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0}, TensorOptions(kDouble)).reshape({2, 4});
                     return L{cumprod(x[0] * mask, 1), cumprod(x[0] * mask, 0)};
                   }});
  cases.push_back({"prod through zeros", [] { return L{leaf({2, 4})}; },
                   [](const L& x) {
                     const Tensor mask = tensor({1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0}, TensorOptions(kDouble)).reshape({2, 4});
                     return L{prod(x[0] * mask, 1), prod(x[0] * mask, 0, true), prod(x[0] * mask)};
                   }});
  cases.push_back({"softmax/log_softmax", [] { return L{leaf({2, 3}), strided({2, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     return L{softmax(x[0], 1), softmax(x[0], 0), log_softmax(x[0], -1), log_softmax(x[1], 0),
                              softmax(x[1], -1), softmax(x[2], 0), log_softmax(x[2], -1)};
                   }});
  cases.push_back({"softmax/log_softmax dtype", [] { return L{leaf({2, 3})}; },
                   [](const L& x) {
                     // dtype= from a float input is checked by value in test_grad_reduce.cpp (a float forward
                     // is too coarse for numerical Jacobians).
                     return L{softmax(x[0], 1, kDouble), log_softmax(x[0], 0, kDouble)};
                   }});
  cases.push_back({"sort values", [] { return L{leaf({2, 3}), strided({3, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     return L{std::get<0>(sort(x[0])), std::get<0>(sort(x[0], 0, true)),
                              std::get<0>(sort(x[1], std::optional<bool>(true), -2, false)), std::get<0>(sort(x[2]))};
                   }});
  cases.push_back({"topk values", [] { return L{leaf({2, 4}), strided({3, 2}, 2), leaf({}, 3)}; },
                   [](const L& x) {
                     return L{std::get<0>(topk(x[0], 2)), std::get<0>(topk(x[0], 1, 0, false)),
                              std::get<0>(topk(x[1], 2, -2, true, false)), std::get<0>(topk(x[2], 1))};
                   }});
}

const GradCaseRegistrar reduce_registrar(reduce_cases);
const GradCaseRegistrar along_dim_registrar(along_dim_cases);

}  // namespace
}  // namespace ember::test
