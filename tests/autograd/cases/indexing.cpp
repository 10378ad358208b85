// Gradcheck cases: advanced indexing (index, index_put_ and the libtorch indexing API), index_select, gather,
// scatter, scatter_add, index_add, index_copy, index_fill, take, masked_fill, masked_select, tril and triu.
// Index and mask tensors are constants made inside each forward; repeated indices appear wherever the op
// accumulates (index, index_put_ with accumulate, scatter_add, index_add, take), and only there: where later writes
// win (scatter, index_copy, index_put_ without accumulate) duplicates have no well-defined derivative.
#include <vector>

#include "grad_cases.h"

namespace ember::test {
namespace {

using indexing::Slice;

Tensor longs(std::vector<int64_t> values, IntArrayRef sizes) {
  Tensor t = empty(sizes, TensorOptions(kLong));
  std::copy(values.begin(), values.end(), t.data_ptr<int64_t>());
  return t;
}
Tensor longs(std::vector<int64_t> values) { return longs(values, {int64_t(values.size())}); }

Tensor mask(std::vector<int> values, IntArrayRef sizes) {
  Tensor t = empty(sizes, TensorOptions(kBool));
  bool* data = t.data_ptr<bool>();
  for (size_t i = 0; i < values.size(); ++i) data[i] = values[i] != 0;
  return t;
}

using L = variable_list;
using Opt = std::vector<std::optional<Tensor>>;

void add_index_cases(std::vector<GradCase>& cases) {
  // ---- index.Tensor through the libtorch indexing API ----
  cases.push_back({"index: repeated and negative indices along dim 0", [] { return L{leaf({4, 3})}; },
                   [](const L& x) { return L{x[0].index({longs({0, -1, 0, 2})})}; }});
  cases.push_back({"index: Slice() then an index (strided self)", [] { return L{strided({3, 4})}; },
                   [](const L& x) { return L{x[0].index({Slice(), longs({3, 1, 3})})}; }});
  cases.push_back({"index: two broadcast indices on adjacent dims", [] { return L{leaf({2, 3, 2})}; },
                   [](const L& x) { return L{x[0].index({Slice(), longs({0, 2, 2}, {3, 1}), longs({1, 0}, {1, 2})})}; }});
  cases.push_back({"index: non-adjacent indices put the index dims first", [] { return L{leaf({2, 3, 2})}; },
                   [](const L& x) { return L{x[0].index({longs({1, 0, 1}), Slice(1), longs({0, 1, 1})})}; }});
  cases.push_back({"index: Ellipsis then an index on the last dim", [] { return L{strided({2, 3})}; },
                   [](const L& x) { return L{x[0].index({indexing::Ellipsis, longs({2, 0, 2, -1})})}; }});
  cases.push_back({"index: non-adjacent indices around an Ellipsis", [] { return L{leaf({2, 2, 3})}; },
                   [](const L& x) { return L{x[0].index({longs({1, 0, 1}), indexing::Ellipsis, longs({0, 2, 0})})}; }});
  cases.push_back({"index: two adjacent broadcast indices", [] { return L{leaf({3, 2})}; },
                   [](const L& x) { return L{x[0].index({longs({0, 2, 2}, {3, 1}), longs({1, 0}, {1, 2})})}; }});
  cases.push_back({"index: boolean mask", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].index({mask({1, 0, 1, 0, 1, 1}, {2, 3})})}; }});
  cases.push_back({"index: row mask, then a slice of the view", [] { return L{leaf({3, 4})}; },
                   [](const L& x) { return L{x[0].index({mask({1, 0, 1}, {3}), Slice(0, 3)})}; }});
  cases.push_back({"index: optional-tensor list", [] { return L{leaf({3, 2})}; },
                   [](const L& x) { return L{x[0].index(Opt{std::nullopt, longs({1, 1, 0})})}; }});
  cases.push_back({"index: operator[] with a long tensor", [] { return L{leaf({4})}; },
                   [](const L& x) { return L{x[0][longs({2, -4, 2}, {3})]}; }});

  // ---- index_put_ (in place on non-leaves; values broadcast to the indexed shape) ----
  cases.push_back({"index_put_: rows, values broadcast", [] { return L{leaf({4, 3}), leaf({3}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_put_({longs({2, -4})}, x[1]);
                     return L{y};
                   }});
  cases.push_back({"index_put_: accumulate with repeated indices", [] { return L{leaf({4, 2}), leaf({3, 2}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_put_(Opt{longs({1, 3, 1})}, x[1], true);
                     return L{y};
                   }});
  cases.push_back({"index_put_: accumulate, values broadcast over repeated indices",
                   [] { return L{leaf({3, 2}), leaf({3, 1}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_put_(Opt{std::nullopt, longs({0, 0, 1})}, x[1], true);
                     return L{y};
                   }});
  cases.push_back({"index_put_: boolean mask with a 0-d value", [] { return L{leaf({2, 3}), leaf({}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_put_({mask({0, 1, 1, 1, 0, 0}, {2, 3})}, x[1]);
                     return L{y};
                   }});
  cases.push_back({"index_put_: Slice and index into a view of a non-leaf", [] { return L{leaf({2, 4}), leaf({2, 1}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_put_({Slice(), longs({3, 0})}, x[1]);
                     return L{y * 2.0};
                   }});
  cases.push_back({"index_put (out of place), strided self", [] { return L{strided({3, 2}), leaf({2, 2}, 2)}; },
                   [](const L& x) { return L{x[0].index_put(Opt{longs({2, 0})}, x[1])}; }});
  cases.push_back({"index_put (out of place), accumulate", [] { return L{leaf({3}), leaf({4}, 2)}; },
                   [](const L& x) { return L{index_put(x[0], Opt{longs({2, 0, 2, 2})}, x[1], true)}; }});

  // ---- index_select, gather ----
  cases.push_back({"index_select dim 0, repeated", [] { return L{leaf({3, 2})}; },
                   [](const L& x) { return L{x[0].index_select(0, longs({2, 0, 2}))}; }});
  cases.push_back({"index_select dim -1, strided, int32 index", [] { return L{strided({2, 3})}; },
                   [](const L& x) { return L{x[0].index_select(-1, longs({1, 1, 0}).to(kInt))}; }});
  cases.push_back({"index_select 0-d", [] { return L{leaf({})}; },
                   [](const L& x) { return L{index_select(x[0], 0, longs({0}, {}))}; }});
  cases.push_back({"gather dim 0, repeated", [] { return L{leaf({3, 2})}; },
                   [](const L& x) { return L{x[0].gather(0, longs({2, 0, 2, 2}, {2, 2}))}; }});
  cases.push_back({"gather dim 1, strided, index smaller than self", [] { return L{strided({3, 3})}; },
                   [](const L& x) { return L{x[0].gather(1, longs({0, 0, 2, 1}, {2, 2}))}; }});

  // ---- scatter, scatter_add ----
  cases.push_back({"scatter.src (distinct targets)", [] { return L{leaf({3, 2}), leaf({2, 2}, 2)}; },
                   [](const L& x) { return L{x[0].scatter(0, longs({2, 0, 0, 1}, {2, 2}), x[1])}; }});
  cases.push_back({"scatter.src dim 1, index smaller than self", [] { return L{leaf({2, 3}), leaf({2, 1}, 2)}; },
                   [](const L& x) { return L{x[0].scatter(1, longs({2, 0}, {2, 1}), x[1])}; }});
  cases.push_back({"scatter.value", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].scatter(1, longs({1, 0, 0, 2}, {2, 2}), Scalar(1.5))}; }});
  cases.push_back({"scatter_ forms on a non-leaf", [] { return L{leaf({3, 2}), leaf({1, 2}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.scatter_(0, longs({1, 2}, {1, 2}), x[1]);
                     y.scatter_(1, longs({0, 1, 1}, {3, 1}), Scalar(-2.0));
                     return L{y};
                   }});
  cases.push_back({"scatter_add, repeated targets", [] { return L{leaf({2, 3}), leaf({2, 3}, 2)}; },
                   [](const L& x) { return L{x[0].scatter_add(1, longs({2, 2, 0, 1, 1, 1}, {2, 3}), x[1])}; }});
  cases.push_back({"scatter_add_ on a non-leaf, strided src", [] { return L{leaf({3}), strided({4}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.scatter_add_(0, longs({0, 2, 0, 0}), x[1]);
                     return L{y};
                   }});

  // ---- index_add, index_copy, index_fill ----
  cases.push_back({"index_add, repeated, alpha", [] { return L{leaf({3, 2}), leaf({4, 2}, 2)}; },
                   [](const L& x) { return L{x[0].index_add(0, longs({2, 0, 2, 1}), x[1], 0.5)}; }});
  cases.push_back({"index_add dim 1, int32 index", [] { return L{strided({2, 3}), leaf({2, 2}, 2)}; },
                   [](const L& x) { return L{x[0].index_add(1, longs({1, 1}).to(kInt), x[1])}; }});
  cases.push_back({"index_add 0-d source", [] { return L{leaf({3}), leaf({}, 2)}; },
                   [](const L& x) { return L{x[0].index_add(0, longs({1}), x[1], -2.0)}; }});
  cases.push_back({"index_add_ on a non-leaf", [] { return L{leaf({2, 3}), leaf({2, 2}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_add_(-1, longs({0, 0}), x[1], 3.0);
                     return L{y};
                   }});
  cases.push_back({"index_copy (distinct)", [] { return L{leaf({3, 2}), leaf({2, 2}, 2)}; },
                   [](const L& x) { return L{x[0].index_copy(0, longs({2, 0}), x[1])}; }});
  cases.push_back({"index_copy_ on a non-leaf", [] { return L{leaf({2, 3}), strided({2, 1}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_copy_(1, longs({1}), x[1]);
                     return L{y};
                   }});
  cases.push_back({"index_fill Scalar, negative index", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].index_fill(1, longs({-1, 0}), Scalar(2.0))}; }});
  cases.push_back({"index_fill Tensor, repeated and negative index", [] { return L{strided({3, 2}), leaf({}, 2)}; },
                   [](const L& x) { return L{x[0].index_fill(0, longs({2, -1, 0}), x[1])}; }});
  cases.push_back({"index_fill_ forms on a non-leaf", [] { return L{leaf({2, 3}), leaf({}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.index_fill_(1, longs({1}), Scalar(0.5));
                     y.index_fill_(0, longs({1}, {}), x[1]);
                     return L{y};
                   }});

  // ---- take ----
  cases.push_back({"take, repeated and negative, 2-d index", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{x[0].take(longs({5, -1, 0, -6}, {2, 2}))}; }});
  cases.push_back({"take, strided self, 0-d index", [] { return L{strided({2, 2})}; },
                   [](const L& x) { return L{x[0].take(longs({-3}, {})), x[0].take(longs({3, 1}))}; }});

  // ---- masked_fill, masked_select ----
  cases.push_back({"masked_fill Scalar, mask broadcast over self", [] { return L{leaf({3})}; },
                   [](const L& x) { return L{x[0].masked_fill(mask({1, 0, 0, 0, 1, 1}, {2, 3}), Scalar(4.0))}; }});
  cases.push_back({"masked_fill Tensor, 0-d value", [] { return L{strided({2, 3}), leaf({}, 2)}; },
                   [](const L& x) { return L{x[0].masked_fill(mask({0, 1, 1}, {3}), x[1])}; }});
  cases.push_back({"masked_fill_ forms on a non-leaf", [] { return L{leaf({2, 2}), leaf({}, 2)}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.masked_fill_(mask({1, 0}, {2, 1}), Scalar(-1.0));
                     y.masked_fill_(mask({0, 1, 1, 1}, {2, 2}), x[1]);
                     return L{y};
                   }});
  cases.push_back({"masked_select, broadcast mask", [] { return L{leaf({2, 1})}; },
                   [](const L& x) { return L{x[0].masked_select(mask({1, 0, 1, 1, 1, 0}, {2, 3}))}; }});
  cases.push_back({"masked_select, strided self and broadcast self", [] { return L{strided({2, 3}), leaf({3}, 2)}; },
                   [](const L& x) {
                     const Tensor m = mask({0, 1, 1, 1, 0, 1}, {2, 3});
                     return L{x[0].masked_select(m), x[1].masked_select(m)};
                   }});

  // ---- tril, triu ----
  cases.push_back({"tril and triu, diagonals", [] { return L{leaf({3, 4})}; },
                   [](const L& x) { return L{x[0].tril(), x[0].triu(1), x[0].tril(-1), x[0].triu(-2)}; }});
  cases.push_back({"tril and triu, batched strided", [] { return L{strided({2, 2, 3})}; },
                   [](const L& x) { return L{x[0].tril(1), x[0].triu()}; }});
  cases.push_back({"tril_ and triu_ on a non-leaf", [] { return L{leaf({3, 3})}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     y.tril_(1);
                     Tensor z = x[0] * 2.0;
                     z.triu_(-1);
                     return L{y, z};
                   }});
}

const GradCaseRegistrar registrar(add_index_cases);

}  // namespace
}  // namespace ember::test
