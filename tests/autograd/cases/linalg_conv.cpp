// Gradcheck cases: mm, bmm, mv, dot and the add* forms (beta/alpha); convolution (1-d and 2-d, stride, padding,
// dilation, groups, bias); max/avg/adaptive pooling; constant and reflect/replicate/circular pads; nearest and
// linear resampling.
#include "grad_cases.h"

namespace ember::test {
namespace {

void add_cases(std::vector<GradCase>& cases) {
  using L = variable_list;
  // ---- linear algebra ----
  cases.push_back({"mm", [] { return L{leaf({2, 3}), strided({3, 2}, 2)}; },
                   [](const L& x) { return L{mm(x[0], x[1])}; }});
  cases.push_back({"bmm", [] { return L{leaf({2, 2, 3}), leaf({2, 3, 2}, 2)}; },
                   [](const L& x) { return L{bmm(x[0], x[1])}; }});
  cases.push_back({"mv", [] { return L{strided({3, 2}), leaf({2}, 2)}; },
                   [](const L& x) { return L{mv(x[0], x[1])}; }});
  cases.push_back({"dot", [] { return L{leaf({4}), leaf({4}, 2)}; },
                   [](const L& x) { return L{dot(x[0], x[1])}; }});
  cases.push_back({"addmm broadcast beta alpha", [] { return L{leaf({2}), leaf({3, 2}, 2), leaf({2, 2}, 3)}; },
                   [](const L& x) { return L{addmm(x[0], x[1], x[2], 0.5, 2.0), addmm(x[0], x[1], x[2])}; }});
  cases.push_back({"addmm beta 0", [] { return L{leaf({3, 2}), leaf({3, 2}, 2), leaf({2, 2}, 3)}; },
                   [](const L& x) { return L{addmm(x[0], x[1], x[2], 0, 1)}; }});
  cases.push_back({"baddbmm", [] { return L{leaf({2, 1, 2}), leaf({2, 2, 3}, 2), leaf({2, 3, 2}, 3)}; },
                   [](const L& x) { return L{baddbmm(x[0], x[1], x[2], -1.5, 0.5)}; }});
  cases.push_back({"addmv", [] { return L{leaf({1}), leaf({3, 2}, 2), strided({2}, 3)}; },
                   [](const L& x) { return L{addmv(x[0], x[1], x[2], 2, 3)}; }});
  cases.push_back({"matmul einsum tensordot", [] { return L{leaf({2, 2, 3}), leaf({3, 2}, 2), leaf({3}, 3)}; },
                   [](const L& x) {
                     return L{matmul(x[0], x[1]), matmul(x[0], x[2]), matmul(x[2], x[1]),
                              einsum("bij,jk->bk", {x[0], x[1]}), tensordot(x[0], x[1], 1)};
                   }});
  // ---- convolution ----
  cases.push_back({"conv2d stride 2 padding 1 dilation 2 groups 2 bias",
                   [] { return L{leaf({1, 4, 4, 4}), leaf({4, 2, 2, 2}, 2), leaf({4}, 3)}; },
                   [](const L& x) { return L{conv2d(x[0], x[1], x[2], 2, 1, 2, 2)}; }});
  cases.push_back({"conv2d rectangular, uneven stride", [] { return L{leaf({2, 1, 4, 5}), leaf({2, 1, 2, 3}, 2)}; },
                   [](const L& x) { return L{conv2d(x[0], x[1], std::nullopt, {2, 3}, {0, 1}, {1, 1}, 1)}; }});
  cases.push_back({"conv2d unbatched strided", [] { return L{strided({2, 3, 3}), leaf({1, 2, 2, 2}, 2)}; },
                   [](const L& x) { return L{conv2d(x[0], x[1])}; }});
  cases.push_back({"conv1d stride padding dilation groups bias",
                   [] { return L{leaf({2, 2, 7}), leaf({4, 1, 2}, 2), leaf({4}, 3)}; },
                   [](const L& x) { return L{conv1d(x[0], x[1], x[2], 2, 2, 2, 2)}; }});
  cases.push_back({"conv1d padding same", [] { return L{leaf({1, 2, 5}), leaf({1, 2, 2}, 2)}; },
                   [](const L& x) { return L{conv1d(x[0], x[1], std::nullopt, 1, "same")}; }});
  // ---- pooling ----
  cases.push_back({"max_pool2d overlapping windows", [] { return L{leaf({1, 2, 4, 4})}; },
                   [](const L& x) { return L{max_pool2d(x[0], 3, 1)}; }});
  cases.push_back({"max_pool2d padding dilation ceil_mode", [] { return L{leaf({2, 5, 5})}; },
                   [](const L& x) { return L{max_pool2d(x[0], 2, 2, 1, 2, true)}; }});
  cases.push_back({"max_pool2d_with_indices strided", [] { return L{strided({1, 3, 4})}; },
                   [](const L& x) { return L{std::get<0>(max_pool2d_with_indices(x[0], {2, 2}, {1, 2}))}; }});
  cases.push_back({"avg_pool2d count_include_pad ceil_mode", [] { return L{leaf({1, 1, 4, 5})}; },
                   [](const L& x) {
                     return L{avg_pool2d(x[0], 3, 2, 1, true, true), avg_pool2d(x[0], 3, 2, 1, true, false),
                              avg_pool2d(x[0], {2, 3}, {1, 2}, {1, 1}, false, false)};
                   }});
  cases.push_back({"avg_pool2d divisor_override", [] { return L{strided({2, 3, 4})}; },
                   [](const L& x) { return L{avg_pool2d(x[0], 2, 1, 1, false, true, 3)}; }});
  cases.push_back({"adaptive_avg_pool2d", [] { return L{leaf({1, 2, 5, 3})}; },
                   [](const L& x) { return L{adaptive_avg_pool2d(x[0], {3, 2}), adaptive_avg_pool2d(x[0], {7, 4})}; }});
  // ---- padding ----
  cases.push_back({"constant_pad_nd with cropping", [] { return L{strided({2, 3, 4})}; },
                   [](const L& x) {
                     return L{constant_pad_nd(x[0], {1, -2, 0, 1}, 0.5), constant_pad_nd(x[0], {-1, 1, 1, 0, 1, -1})};
                   }});
  cases.push_back({"reflect pads 1d 2d 3d", [] { return L{leaf({1, 2, 3, 4}), leaf({2, 4}, 2)}; },
                   [](const L& x) {
                     return L{pad(x[1], {2, 3}, "reflect"), pad(x[0], {1, 2, 2, 0}, "reflect"),
                              pad(x[0], {1, 1, 0, 2, 1, 0}, "reflect")};
                   }});
  cases.push_back({"replicate pads 1d 2d 3d", [] { return L{strided({2, 2, 3}), leaf({1, 2, 2, 3}, 2)}; },
                   [](const L& x) {
                     return L{pad(x[0], {3, 1}, "replicate"), pad(x[0], {2, 0, 1, 3}, "replicate"),
                              pad(x[1], {1, 1, 0, 2, 1, 0}, "replicate")};
                   }});
  cases.push_back({"circular pads with cropping", [] { return L{leaf({1, 2, 3, 4}), leaf({2, 3}, 2)}; },
                   [](const L& x) {
                     return L{pad(x[0], {2, 3, 1, 0}, "circular"), pad(x[0], {-1, 2, 2, -1}, "circular"),
                              pad(x[1], {1, 1}, "circular")};
                   }});
  // ---- resampling ----
  cases.push_back({"upsample nearest 1d 2d", [] { return L{leaf({1, 2, 3, 2}), leaf({2, 1, 3}, 2)}; },
                   [](const L& x) {
                     return L{upsample_nearest2d(x[0], {5, 3}), upsample_nearest2d(x[0], {2, 5}, 0.7, 2.6),
                              upsample_nearest1d(x[1], {7})};
                   }});
  cases.push_back({"upsample nearest-exact 1d 2d", [] { return L{strided({1, 1, 3, 3}), leaf({1, 1, 3}, 2)}; },
                   [](const L& x) {
                     return L{_upsample_nearest_exact2d(x[0], {5, 2}), _upsample_nearest_exact1d(x[1], {4}, 1.5)};
                   }});
  cases.push_back({"upsample linear1d", [] { return L{leaf({2, 1, 4})}; },
                   [](const L& x) {
                     return L{upsample_linear1d(x[0], {7}, false), upsample_linear1d(x[0], {7}, true),
                              upsample_linear1d(x[0], {3}, false, 0.8)};
                   }});
  cases.push_back({"upsample bilinear2d", [] { return L{leaf({1, 1, 3, 3})}; },
                   [](const L& x) {
                     return L{upsample_bilinear2d(x[0], {5, 4}, false), upsample_bilinear2d(x[0], {4, 2}, true),
                              upsample_bilinear2d(x[0], {2, 5}, false, 0.7, 1.9)};
                   }});
}

const GradCaseRegistrar registrar(add_cases);

}  // namespace
}  // namespace ember::test
